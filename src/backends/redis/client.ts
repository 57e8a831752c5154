/**
 * The few stream commands RedisBackend needs, behind an interface of its own so another Redis
 * client can be added later without touching the backend. Replies arrive already parsed.
 */
import { createHash } from "node:crypto";

/** One stream entry. `fields` is null when the entry was deleted or trimmed while pending. */
export interface StreamEntry {
  readonly id: string;
  readonly fields: Readonly<Record<string, string>> | null;
  /** Set when the entry's bytes cannot be read as text (not UTF-8): why, for the dead letter. */
  readonly invalid?: string;
}

/** One entry of a consumer group's pending list. */
export interface PendingEntry {
  readonly id: string;
  readonly consumer: string;
  readonly idleMs: number;
  readonly deliveries: number;
}

/** A Lua script, run by its SHA1 and loaded on a miss (after a restart flushed the cache). */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

/** Builds a {@link LuaScript} from its source. */
export function luaScript(source: string): LuaScript {
  return { source, sha: createHash("sha1").update(source).digest("hex") };
}

/** The two connections: commands, and the blocking reader. */
export type ConnectionRole = "commands" | "reader";

/** What a connection reports about itself, for logs and metrics. */
export type ConnectionListener = (
  event: "ready" | "error" | "close",
  connection: ConnectionRole,
  error?: unknown,
) => void;

/** Group statistics for `health()`. Absent fields: the server does not report them. */
export interface GroupInfo {
  readonly pending: number;
  readonly consumers: number;
  readonly lag: number | null;
}

export interface StreamClient {
  /** XADD with an automatic id; trims approximately when `maxLen` is given. */
  add(stream: string, fields: readonly string[], maxLen: number | undefined): Promise<string>;
  /**
   * XREADGROUP `>` on the blocking connection: up to `count` new entries, waiting up to
   * `blockMs`. Resolves `[]` on timeout.
   */
  readGroup(
    stream: string,
    group: string,
    consumer: string,
    count: number,
    blockMs: number,
  ): Promise<StreamEntry[]>;
  /** XACK; resolves how many entries were still pending. */
  ack(stream: string, group: string, ids: readonly string[]): Promise<number>;
  /**
   * XPENDING with IDLE: up to `count` entries of the group idle at least `minIdleMs`, oldest
   * first, starting after entry `after` when given.
   */
  pendingIdle(
    stream: string,
    group: string,
    minIdleMs: number,
    count: number,
    after?: string,
  ): Promise<PendingEntry[]>;
  /** XCLAIM with min-idle: the entries actually claimed (deleted ones come back with null fields or not at all). */
  claim(
    stream: string,
    group: string,
    consumer: string,
    minIdleMs: number,
    ids: readonly string[],
  ): Promise<StreamEntry[]>;
  /** Whether an entry with this id is still in the stream. */
  entryExists(stream: string, id: string): Promise<boolean>;
  /** XGROUP CREATE ... 0 MKSTREAM; resolves false when the group already exists. */
  createGroup(stream: string, group: string): Promise<boolean>;
  /** EVALSHA, falling back to EVAL when the server does not know the script. */
  runScript(
    script: LuaScript,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown>;
  /** PING. */
  ping(): Promise<void>;
  /** XLEN (0 for a missing key). */
  length(stream: string): Promise<number>;
  /** ZCARD (0 for a missing key). */
  sortedSetSize(key: string): Promise<number>;
  /** XINFO GROUPS, for one group; null when the stream or group does not exist. */
  groupInfo(stream: string, group: string): Promise<GroupInfo | null>;
  /**
   * Drops the blocking reader connection and opens a new one: the read in flight on it rejects.
   * For a read that stays unanswered past its block time (a hung or half-dead connection).
   */
  resetReader(): void;
  /**
   * Closes the connections: politely (QUIT) unless `force`, which drops them at once. A
   * connection the client was given is left open.
   */
  close(force?: boolean): Promise<void>;
}

/** Whether `error` is Redis saying the consumer group (or its stream) does not exist. */
export function isNoGroupError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("NOGROUP");
}
