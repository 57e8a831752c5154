/**
 * The StreamClient on ioredis. ioredis is an optional peer dependency, so it is imported here,
 * on first use, and only by the `necrostack/redis` entry: the core never loads it.
 *
 * Two connections: commands share one with auto-pipelining on (concurrent acks and commits go
 * out in one write), and the blocking XREADGROUP gets its own, since a blocked connection
 * cannot carry anything else.
 */
import type { Redis, RedisOptions } from "ioredis";
import type {
  ConnectionListener,
  GroupInfo,
  LuaScript,
  PendingEntry,
  StreamClient,
  StreamEntry,
} from "./client.js";
import { IoredisMissingError } from "./errors.js";

/**
 * Reconnects forever, backing off to 2 s. A command waits through at most 3 failed attempts
 * (about 0.7 s) and then fails, so callers see an outage instead of hanging in it.
 */
const CONNECTION_OPTIONS = {
  lazyConnect: true,
  maxRetriesPerRequest: 3,
  retryStrategy: (attempt: number): number =>
    Math.min(2_000, 50 * 2 ** Math.min(attempt, 6)) + Math.floor(Math.random() * 50),
} satisfies RedisOptions;

type RedisClass = new (url: string, options: RedisOptions) => Redis;

async function loadIoredis(): Promise<RedisClass> {
  try {
    const mod = (await import("ioredis")) as unknown as {
      Redis?: RedisClass;
      default?: RedisClass;
    };
    const Redis = mod.Redis ?? mod.default;
    if (typeof Redis !== "function") throw new Error("ioredis exports no Redis class");
    return Redis;
  } catch (error) {
    throw new IoredisMissingError(error);
  }
}

export class IoredisStreamClient implements StreamClient {
  readonly #commands: Redis;
  readonly #reader: Redis;
  readonly #ownsCommands: boolean;
  readonly #detach: () => void;

  private constructor(commands: Redis, ownsCommands: boolean, listener: ConnectionListener) {
    this.#commands = commands;
    this.#ownsCommands = ownsCommands;
    this.#reader = commands.duplicate({
      ...CONNECTION_OPTIONS,
      enableAutoPipelining: false,
    });
    const detachCommands = watch(commands, "commands", listener, ownsCommands);
    const detachReader = watch(this.#reader, "reader", listener, true);
    this.#detach = () => {
      detachCommands();
      detachReader();
    };
  }

  /** Connects to `url`, or uses `client` for commands (and a duplicate of it for reads). */
  static async connect(
    url: string,
    client: Redis | undefined,
    listener: ConnectionListener,
  ): Promise<IoredisStreamClient> {
    let commands = client;
    if (commands === undefined) {
      const Redis = await loadIoredis();
      commands = new Redis(url, { ...CONNECTION_OPTIONS, enableAutoPipelining: true });
    }
    const self = new IoredisStreamClient(commands, client === undefined, listener);
    // Connecting eagerly surfaces a wrong URL at once; a failure here is retried like any other.
    if (commands.status === "wait") commands.connect().catch(() => {});
    self.#reader.connect().catch(() => {});
    return self;
  }

  async add(
    stream: string,
    fields: readonly string[],
    maxLen: number | undefined,
  ): Promise<string> {
    const reply =
      maxLen === undefined
        ? await this.#commands.call("XADD", stream, "*", ...fields)
        : await this.#commands.call("XADD", stream, "MAXLEN", "~", maxLen, "*", ...fields);
    return String(reply);
  }

  async readGroup(
    stream: string,
    group: string,
    consumer: string,
    count: number,
    blockMs: number,
  ): Promise<StreamEntry[]> {
    const reply = await this.#reader.call(
      "XREADGROUP",
      "GROUP",
      group,
      consumer,
      "COUNT",
      count,
      "BLOCK",
      blockMs,
      "STREAMS",
      stream,
      ">",
    );
    if (!Array.isArray(reply) || reply.length === 0) return [];
    // RESP3 (ioredis 6) replies with a map, flattened to [stream, entries]; RESP2 with
    // [[stream, entries]].
    const entries = typeof reply[0] === "string" ? reply[1] : (reply[0] as unknown[])[1];
    return Array.isArray(entries) ? parseEntries(entries) : [];
  }

  async ack(stream: string, group: string, ids: readonly string[]): Promise<number> {
    return Number(await this.#commands.call("XACK", stream, group, ...ids));
  }

  async pendingIdle(
    stream: string,
    group: string,
    minIdleMs: number,
    count: number,
  ): Promise<PendingEntry[]> {
    const reply = (await this.#commands.call(
      "XPENDING",
      stream,
      group,
      "IDLE",
      minIdleMs,
      "-",
      "+",
      count,
    )) as [string, string, number, number][];
    return reply.map(([id, consumer, idleMs, deliveries]) => ({
      id,
      consumer,
      idleMs: Number(idleMs),
      deliveries: Number(deliveries),
    }));
  }

  async claim(
    stream: string,
    group: string,
    consumer: string,
    minIdleMs: number,
    ids: readonly string[],
  ): Promise<StreamEntry[]> {
    const reply = await this.#commands.call("XCLAIM", stream, group, consumer, minIdleMs, ...ids);
    return parseEntries(reply as unknown[]);
  }

  async entryExists(stream: string, id: string): Promise<boolean> {
    const reply = (await this.#commands.call("XRANGE", stream, id, id)) as unknown[];
    return reply.length > 0;
  }

  async createGroup(stream: string, group: string): Promise<boolean> {
    try {
      await this.#commands.call("XGROUP", "CREATE", stream, group, "0", "MKSTREAM");
      return true;
    } catch (error) {
      if (error instanceof Error && error.message.startsWith("BUSYGROUP")) return false;
      throw error;
    }
  }

  async runScript(
    script: LuaScript,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    try {
      return await this.#commands.call("EVALSHA", script.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith("NOSCRIPT"))) throw error;
      return this.#commands.call("EVAL", script.source, keys.length, ...keys, ...args);
    }
  }

  async ping(): Promise<void> {
    await this.#commands.call("PING");
  }

  async length(stream: string): Promise<number> {
    return Number(await this.#commands.call("XLEN", stream));
  }

  async groupInfo(stream: string, group: string): Promise<GroupInfo | null> {
    let reply: unknown;
    try {
      reply = await this.#commands.call("XINFO", "GROUPS", stream);
    } catch (error) {
      if (error instanceof Error && /no such key/i.test(error.message)) return null;
      throw error;
    }
    for (const flat of reply as unknown[][]) {
      const info = new Map<string, unknown>();
      for (let i = 0; i + 1 < flat.length; i += 2) info.set(String(flat[i]), flat[i + 1]);
      if (info.get("name") !== group) continue;
      const lag = info.get("lag");
      return {
        pending: Number(info.get("pending") ?? 0),
        consumers: Number(info.get("consumers") ?? 0),
        lag: lag === undefined || lag === null ? null : Number(lag),
      };
    }
    return null;
  }

  async close(force = false): Promise<void> {
    this.#detach();
    // The reader may be blocked in XREADGROUP: disconnect rather than wait for it.
    this.#reader.disconnect();
    if (this.#ownsCommands && force) {
      this.#commands.disconnect();
    } else if (this.#ownsCommands) {
      try {
        await this.#commands.quit();
      } catch {
        this.#commands.disconnect();
      }
    }
  }
}

/** Forwards a connection's lifecycle to `listener`; returns a function that stops it. */
function watch(
  redis: Redis,
  connection: "commands" | "reader",
  listener: ConnectionListener,
  owned: boolean,
): () => void {
  const onReady = (): void => listener("ready", connection);
  const onError = (error: unknown): void => listener("error", connection, error);
  const onClose = (): void => listener("close", connection);
  redis.on("ready", onReady);
  redis.on("error", onError);
  redis.on("close", onClose);
  return () => {
    redis.off("ready", onReady);
    redis.off("close", onClose);
    // On a connection of ours, keep swallowing errors: a late socket error must not crash the
    // process after close. A caller's own client is left as it was given.
    redis.off("error", onError);
    if (owned) redis.on("error", () => {});
  };
}

function parseEntries(raw: unknown[]): StreamEntry[] {
  const entries: StreamEntry[] = [];
  for (const item of raw) {
    if (!Array.isArray(item)) continue;
    const [id, flat] = item as [string, string[] | null];
    if (!Array.isArray(flat)) {
      entries.push({ id, fields: null });
      continue;
    }
    const fields = Object.create(null) as Record<string, string>;
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
    entries.push({ id, fields });
  }
  return entries;
}
