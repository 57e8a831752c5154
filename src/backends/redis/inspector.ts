/**
 * RedisInspector: the inspection contract (`StreamInspector`, src/core/inspect/inspector.ts) on
 * Redis Streams, for the dashboard and other operators' tools.
 *
 * It never stalls Redis: streams are found with SCAN (never KEYS), entries read with
 * XREVRANGE ... COUNT, pending lists with XPENDING ... COUNT, and every command runs on a
 * connection of its own with a command timeout, so a stopped server fails a call instead of
 * hanging it. Requeue and delete are Lua scripts, each one atomic step (inspector-scripts.ts).
 */

import type { Redis } from "ioredis";
import type { BackendHealth } from "../../core/backend.js";
import { InvalidOptionError } from "../../core/errors.js";
import { InspectQueryError, StreamNotInspectedError } from "../../core/inspect/errors.js";
import { decodeStored } from "../../core/inspect/event-row.js";
import {
  type DeleteResult,
  type InspectorCapabilities,
  MAX_REPAIR_BATCH,
  type Requeued,
  type RequeueResult,
  type ScanOptions,
  type ScanPage,
  type StoredDeadLetter,
  type StoredEntry,
  type StreamCounters,
  type StreamInfo,
  type StreamInfoOptions,
  type StreamInspector,
  type StreamList,
} from "../../core/inspect/inspector.js";
import { scanPage } from "../../core/inspect/scan-page.js";
import { backoff } from "../../utils/backoff.js";
import { inspectUrl, maskUrl } from "../../utils/redact.js";
import { IoredisMissingError, RedisOperationError } from "./errors.js";
import {
  checkCursor,
  describeGroup,
  groupReplies,
  groupSummary,
  rangeArgs,
  runScript,
  streamFields,
} from "./inspector-commands.js";
import {
  countOf,
  entryIdOf,
  rawEntries,
  storedDeadLetter,
  storedEntries,
} from "./inspector-replies.js";
import { DELETE_DEAD_LETTERS, REQUEUE_DEAD_LETTERS } from "./inspector-scripts.js";
import { loadIoredis, type RedisClass } from "./load-ioredis.js";

/** Options for `new RedisInspector()`. */
export interface RedisInspectorOptions {
  /** Where Redis is (`redis://`, `rediss://`). The password is never shown. */
  redisUrl: string;
  /**
   * Your own ioredis connection to run commands on (not closed by `close()`); `redisUrl` then
   * only names the server in messages. It should have a `commandTimeout` of its own.
   */
  client?: Redis;
  /** Only these streams are listed. @defaultValue every stream SCAN finds */
  streams?: readonly string[];
  /**
   * The dead-letter stream of each stream that does not use the default.
   * @defaultValue `${stream}:dlq` for every stream
   */
  dlqStreams?: Readonly<Record<string, string>>;
  /** How long a command may take before the call fails. @defaultValue 5_000 */
  commandTimeoutMs?: number;
  /** The most groups described by `streamInfo`. @defaultValue 50 */
  maxGroups?: number;
}

const DLQ_SUFFIX = ":dlq";
/** SCAN calls one `listStreams` makes at most (each examines about 1,000 keys). */
const MAX_SCAN_CALLS = 100;

export class RedisInspector implements StreamInspector {
  readonly kind = "redis";
  readonly target: string;
  readonly capabilities: InspectorCapabilities = Object.freeze({
    consumerGroups: true,
    keepsHandled: true,
    repairDeadLetters: true,
  });
  readonly #options: RedisInspectorOptions;
  readonly #timeoutMs: number;
  readonly #maxGroups: number;
  #connection: Promise<Redis> | undefined;
  #closed = false;

  constructor(options: RedisInspectorOptions) {
    if (typeof options !== "object" || options === null) {
      throw new InvalidOptionError("options", "an object", options);
    }
    const { redisUrl, client } = options;
    if (
      typeof redisUrl !== "string" ||
      (client === undefined && !/^rediss?:\/\//i.test(redisUrl))
    ) {
      throw new InvalidOptionError(
        "redisUrl",
        "a redis:// or rediss:// URL",
        typeof redisUrl === "string" ? maskUrl(redisUrl) : redisUrl,
      );
    }
    if (client === undefined && !("shown" in inspectUrl(redisUrl))) {
      throw new InvalidOptionError(
        "redisUrl",
        "a URL that parses, such as redis://host:6379",
        "<not shown>",
      );
    }
    if (options.streams !== undefined) {
      if (!Array.isArray(options.streams) || options.streams.some((s) => !isName(s))) {
        throw new InvalidOptionError(
          "streams",
          "an array of non-empty stream names",
          options.streams,
        );
      }
    }
    this.#options = options;
    this.#timeoutMs = positive("commandTimeoutMs", options.commandTimeoutMs, 5_000);
    this.#maxGroups = positive("maxGroups", options.maxGroups, 50);
    this.target = maskUrl(redisUrl);
  }

  /** `stream` checked: a name, and one of `streams` when they were given. */
  #check(stream: string): void {
    checkName(stream);
    const given = this.#options.streams;
    if (given !== undefined && !given.includes(stream))
      throw new StreamNotInspectedError(stream, given);
  }

  /** The dead-letter stream of `stream`. */
  dlqStream(stream: string): string {
    return this.#options.dlqStreams?.[stream] ?? `${stream}${DLQ_SUFFIX}`;
  }

  async listStreams(limit = 100): Promise<StreamList> {
    const given = this.#options.streams;
    if (given !== undefined)
      return { streams: [...given].sort().slice(0, limit), complete: given.length <= limit };
    return this.#run("stream listing", async (redis) => {
      const dlqs = new Set(Object.values(this.#options.dlqStreams ?? {}));
      const found = new Set<string>();
      let cursor = "0";
      for (let calls = 0; calls < MAX_SCAN_CALLS; calls++) {
        const [next, keys] = (await redis.call("SCAN", [
          cursor,
          "TYPE",
          "stream",
          "COUNT",
          1_000,
        ])) as [string, string[]];
        for (const key of keys) {
          if (!key.endsWith(DLQ_SUFFIX) && !dlqs.has(key)) found.add(key);
        }
        cursor = String(next);
        if (cursor === "0" || found.size >= limit) break;
      }
      const streams = [...found].sort();
      return {
        streams: streams.slice(0, limit),
        complete: cursor === "0" && streams.length <= limit,
      };
    });
  }

  async counters(stream: string): Promise<StreamCounters> {
    this.#check(stream);
    return this.#run("stream counters", async (redis) => {
      const [info, groups, deadLetters] = await Promise.all([
        streamFields(redis, stream),
        groupReplies(redis, stream),
        redis.call("XLEN", [this.dlqStream(stream)]),
      ]);
      const summaries = groups.map(groupSummary);
      let handled: number | null = 0;
      let lag: number | null = null;
      let pending = 0;
      for (const group of groups) {
        const read = countOf(group.get("entries-read"));
        const groupPending = countOf(group.get("pending")) ?? 0;
        pending += groupPending;
        handled = handled === null || read === null ? null : handled + read - groupPending;
        const groupLag = countOf(group.get("lag"));
        if (groupLag !== null) lag = Math.max(lag ?? 0, groupLag);
      }
      return {
        length: countOf(info.get("length")) ?? 0,
        added: info.size === 0 ? 0 : countOf(info.get("entries-added")),
        handled,
        pending,
        lag,
        deadLetters: Number(deadLetters),
        groups: summaries,
      };
    });
  }

  async streamInfo(stream: string, options: StreamInfoOptions = {}): Promise<StreamInfo> {
    this.#check(stream);
    const consumers = Math.min(positive("consumers", options.consumers, 100), 1_000);
    const oldest = Math.min(positive("oldestPending", options.oldestPending, 10), 100);
    return this.#run("stream description", async (redis) => {
      const [info, groups, deadLetters] = await Promise.all([
        streamFields(redis, stream),
        groupReplies(redis, stream),
        redis.call("XLEN", [this.dlqStream(stream)]),
      ]);
      const described = await Promise.all(
        groups
          .slice(0, this.#maxGroups)
          .map((group) => describeGroup(redis, stream, group, consumers, oldest)),
      );
      return {
        name: stream,
        length: countOf(info.get("length")) ?? 0,
        firstId: entryIdOf(info.get("first-entry")),
        lastId: entryIdOf(info.get("last-entry")),
        deadLetters: Number(deadLetters),
        groups: described,
      };
    });
  }

  async scan(stream: string, options: ScanOptions): Promise<ScanPage<StoredEntry>> {
    this.#check(stream);
    const args = rangeArgs(stream, options);
    return this.#run("stream read", async (redis) => {
      const entries = storedEntries(await redis.call("XREVRANGE", args));
      return scanPage(entries, options.count);
    });
  }

  async scanDeadLetters(stream: string, options: ScanOptions): Promise<ScanPage<StoredDeadLetter>> {
    this.#check(stream);
    const args = rangeArgs(this.dlqStream(stream), options);
    return this.#run("dead-letter read", async (redis) => {
      const entries = rawEntries(await redis.call("XREVRANGE", args)).map((e) =>
        storedDeadLetter(e.id, e.fields),
      );
      return scanPage(entries, options.count);
    });
  }

  async requeueDeadLetters(stream: string, entryIds: readonly string[]): Promise<RequeueResult> {
    this.#check(stream);
    const ids = repairIds(entryIds);
    const dlq = this.dlqStream(stream);
    return this.#run("dead-letter requeue", async (redis) => {
      // Checked here, before the script: only a dead letter holding a valid event goes back.
      const read = await Promise.all(ids.map((id) => redis.call("XRANGE", [dlq, id, id])));
      const missing: string[] = [];
      const refused: { entryId: string; reason: string }[] = [];
      const eventIds = new Map<string, string>();
      for (const [i, id] of ids.entries()) {
        const entry = rawEntries(read[i])[0];
        const event = entry && decodeStored(storedDeadLetter(id, entry.fields));
        if (event === undefined) missing.push(id);
        else if (typeof event === "string") refused.push({ entryId: id, reason: event });
        else eventIds.set(id, event.id);
      }
      const valid = [...eventIds.keys()];
      const requeued: Requeued[] = [];
      if (valid.length > 0) {
        const results = (await runScript(
          redis,
          REQUEUE_DEAD_LETTERS,
          [stream, dlq],
          valid,
        )) as string[];
        for (const [i, id] of valid.entries()) {
          const result = String(results[i] ?? "");
          if (result === "") missing.push(id);
          else if (result.startsWith("!")) refused.push({ entryId: id, reason: result.slice(1) });
          else
            requeued.push({ entryId: id, eventId: eventIds.get(id) as string, newEntryId: result });
        }
      }
      return { requeued, missing, refused };
    });
  }

  async deleteDeadLetters(stream: string, entryIds: readonly string[]): Promise<DeleteResult> {
    this.#check(stream);
    const ids = repairIds(entryIds);
    return this.#run("dead-letter delete", async (redis) => {
      const results = (await runScript(
        redis,
        DELETE_DEAD_LETTERS,
        [this.dlqStream(stream)],
        ids,
      )) as number[];
      const deleted: string[] = [];
      const missing: string[] = [];
      for (const [i, id] of ids.entries()) {
        if (Number(results[i]) === 1) deleted.push(id);
        else missing.push(id);
      }
      return { deleted, missing };
    });
  }

  async health(): Promise<BackendHealth> {
    const started = performance.now();
    try {
      await this.#run("health check", (redis) => redis.call("PING"));
      return {
        healthy: true,
        latencyMs: performance.now() - started,
        details: { target: this.target },
      };
    } catch (error) {
      return {
        healthy: false,
        latencyMs: performance.now() - started,
        details: { target: this.target, error: (error as Error).message },
      };
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const connection = this.#connection;
    if (connection === undefined || this.#options.client !== undefined) return;
    const redis = await connection.catch(() => undefined);
    if (redis === undefined) return;
    try {
      await redis.quit();
    } catch {
      redis.disconnect();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Runs `work` on the connection; a failure becomes a RedisOperationError naming `operation`. */
  async #run<T>(operation: string, work: (redis: Redis) => Promise<T>): Promise<T> {
    if (this.#closed)
      throw new RedisOperationError(operation, this.target, new Error("the inspector is closed"));
    try {
      this.#connection ??= this.#connect();
      return await work(await this.#connection);
    } catch (error) {
      if (
        error instanceof InspectQueryError ||
        error instanceof StreamNotInspectedError ||
        error instanceof IoredisMissingError
      ) {
        throw error;
      }
      throw new RedisOperationError(operation, this.target, error);
    }
  }

  async #connect(): Promise<Redis> {
    if (this.#options.client !== undefined) return this.#options.client;
    let RedisClass: RedisClass;
    try {
      RedisClass = (await loadIoredis()).Redis;
    } catch (error) {
      this.#connection = undefined;
      throw error;
    }
    const redis = new RedisClass(this.#options.redisUrl, {
      lazyConnect: true,
      enableAutoPipelining: true,
      // One retry, then the call fails: a tool shows the outage instead of waiting in it.
      maxRetriesPerRequest: 1,
      commandTimeout: this.#timeoutMs,
      connectTimeout: this.#timeoutMs,
      connectionName: "necrostack:inspector",
      retryStrategy: (attempt: number): number =>
        backoff({ initialMs: 100, factor: 2, maxMs: 2_000 }, attempt),
    });
    // Errors reach the calls that fail on them; the connection's own events are not logged.
    redis.on("error", () => {});
    redis.connect().catch(() => {});
    return redis;
  }
}

function isName(value: unknown): value is string {
  return typeof value === "string" && value !== "" && value.length <= 1_024;
}

function checkName(stream: string): void {
  if (!isName(stream))
    throw new InspectQueryError(
      "stream",
      "a non-empty stream name of at most 1,024 characters",
      stream,
    );
}

function positive(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1)
    throw new InvalidOptionError(option, "an integer >= 1", value);
  return value;
}

/** Entry ids of a repair call: 1 to MAX_REPAIR_BATCH valid ids, duplicates dropped. */
function repairIds(entryIds: readonly string[]): string[] {
  if (!Array.isArray(entryIds) || entryIds.length === 0 || entryIds.length > MAX_REPAIR_BATCH) {
    throw new InspectQueryError(
      "entryIds",
      `an array of 1 to ${MAX_REPAIR_BATCH} entry ids`,
      entryIds,
    );
  }
  return [...new Set(entryIds.map((id) => checkCursor("entryIds", String(id))))];
}
