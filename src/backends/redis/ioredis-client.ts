/**
 * The StreamClient on ioredis. ioredis is an optional peer dependency, so it is imported here,
 * on first use, and only by the `necrostack/redis` entry: the core never loads it.
 *
 * Two connections: commands share one with auto-pipelining on (concurrent acks and commits go
 * out in one write), and the blocking XREADGROUP gets its own, since a blocked connection
 * cannot carry anything else.
 *
 * Arguments always go to ioredis as one array, never spread into the call: a spread of an
 * unbounded list (a commit of 100,000 events) overflows the stack.
 */
import { isUtf8 } from "node:buffer";
import type { Redis, RedisOptions } from "ioredis";
import { backoff } from "../../utils/backoff.js";
import type {
  ConnectionListener,
  GroupInfo,
  LuaScript,
  PendingEntry,
  StreamClient,
  StreamEntry,
} from "./client.js";
import { CommandWatchdog, sentQueueOf } from "./command-watchdog.js";
import { type CommandClass, type IoredisModule, loadIoredis } from "./load-ioredis.js";

/**
 * Reconnects forever, backing off to 2 s. A command waits through at most 3 failed attempts
 * (about 0.7 s) and then fails, so callers see an outage instead of hanging in it.
 */
const CONNECTION_OPTIONS = {
  lazyConnect: true,
  maxRetriesPerRequest: 3,
  retryStrategy: (attempt: number): number =>
    backoff({ initialMs: 100, factor: 2, maxMs: 2_000 }, attempt) + Math.floor(Math.random() * 50),
} satisfies RedisOptions;

/** How the client's connections behave beyond ioredis's defaults. */
export interface ConnectionSettings {
  /**
   * Commands waiting on the command connection fail once it has answered none of them for this
   * long (a stopped or unreachable server that keeps the socket open; see command-watchdog.ts).
   * Applies to connections this client opened, not to a client the user passed in. The blocking reader has no such timeout:
   * the backend bounds each read itself, from the read's own block time.
   */
  readonly commandTimeoutMs: number;
  /** Shown in `CLIENT LIST`, suffixed with the connection's role. */
  readonly connectionName: string;
}

export class IoredisStreamClient implements StreamClient {
  readonly #commands: Redis;
  #reader: Redis;
  readonly #Command: CommandClass;
  readonly #ownsCommands: boolean;
  readonly #listener: ConnectionListener;
  readonly #settings: ConnectionSettings;
  readonly #detachCommands: () => void;
  #detachReader: () => void;
  readonly #watchdog: CommandWatchdog | undefined;

  private constructor(
    ioredis: IoredisModule,
    commands: Redis,
    ownsCommands: boolean,
    listener: ConnectionListener,
    settings: ConnectionSettings,
  ) {
    this.#Command = ioredis.Command;
    this.#commands = commands;
    this.#ownsCommands = ownsCommands;
    this.#listener = listener;
    this.#settings = settings;
    this.#detachCommands = watch(commands, "commands", listener, ownsCommands);
    this.#watchdog = ownsCommands ? watchCommands(commands, settings.commandTimeoutMs) : undefined;
    this.#reader = this.#newReader();
    this.#detachReader = watch(this.#reader, "reader", listener, true);
  }

  /** Connects to `url`, or uses `client` for commands (and a duplicate of it for reads). */
  static async connect(
    url: string,
    client: Redis | undefined,
    listener: ConnectionListener,
    settings: ConnectionSettings,
  ): Promise<IoredisStreamClient> {
    const ioredis = await loadIoredis();
    let commands = client;
    if (commands === undefined) {
      commands = new ioredis.Redis(url, {
        ...CONNECTION_OPTIONS,
        enableAutoPipelining: true,
        connectionName: `${settings.connectionName}:commands`,
      });
    }
    const self = new IoredisStreamClient(
      ioredis,
      commands,
      client === undefined,
      listener,
      settings,
    );
    // Connecting eagerly surfaces a wrong URL at once; a failure here is retried like any other.
    if (commands.status === "wait") commands.connect().catch(() => {});
    return self;
  }

  #newReader(): Redis {
    const reader = this.#commands.duplicate({
      ...CONNECTION_OPTIONS,
      enableAutoPipelining: false,
      // A blocked read legitimately waits its block time; the backend bounds it instead.
      commandTimeout: undefined,
      connectionName: `${this.#settings.connectionName}:reader`,
    });
    reader.connect().catch(() => {});
    return reader;
  }

  /**
   * Sends a command whose reply comes back as bytes (Buffers), not decoded text. Sent as a
   * Command, not through `callBuffer`: ioredis's auto-pipelining drops the command name of a
   * `callBuffer` call.
   */
  #bytes(redis: Redis, name: string, args: (string | number)[]): Promise<unknown> {
    return redis.sendCommand(
      new this.#Command(name, args, { replyEncoding: null, keyPrefix: redis.options.keyPrefix }),
    ) as Promise<unknown>;
  }

  resetReader(): void {
    const old = this.#reader;
    this.#detachReader();
    // Rejects the read stuck on it; entries it may have delivered stay pending for this consumer
    // and are claimed back by recovery once idle.
    old.disconnect();
    this.#reader = this.#newReader();
    this.#detachReader = watch(this.#reader, "reader", this.#listener, true);
  }

  async add(
    stream: string,
    fields: readonly string[],
    maxLen: number | undefined,
  ): Promise<string> {
    const args: (string | number)[] =
      maxLen === undefined ? [stream, "*"] : [stream, "MAXLEN", "~", maxLen, "*"];
    for (const field of fields) args.push(field);
    return String(await this.#commands.call("XADD", args));
  }

  async readGroup(
    stream: string,
    group: string,
    consumer: string,
    count: number,
    blockMs: number,
  ): Promise<StreamEntry[]> {
    // Read as text: decoding replaces bytes that are not UTF-8 with U+FFFD, so only an entry
    // holding that character is read again as bytes, to tell a bad entry from a good one that
    // happens to contain it. Reading every entry as bytes cost about 3% of throughput.
    const reply = await this.#reader.call("XREADGROUP", [
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
    ]);
    if (!Array.isArray(reply) || reply.length === 0) return [];
    // RESP3 (ioredis 6) replies with a map, flattened to [stream, entries]; RESP2 with
    // [[stream, entries]].
    const raw = Array.isArray(reply[0]) ? (reply[0] as unknown[])[1] : reply[1];
    if (!Array.isArray(raw)) return [];
    const altered: number[] = [];
    const entries = parseEntries(raw, altered);
    for (const i of altered) {
      const entry = entries[i] as StreamEntry;
      entries[i] = (await this.#readAsBytes(stream, entry.id)) ?? entry;
    }
    return entries;
  }

  /** Entry `id` read as bytes; undefined if it is gone from the stream. */
  async #readAsBytes(stream: string, id: string): Promise<StreamEntry | undefined> {
    const reply = (await this.#bytes(this.#commands, "XRANGE", [stream, id, id])) as unknown[];
    return parseEntries(reply)[0];
  }

  async ack(stream: string, group: string, ids: readonly string[]): Promise<number> {
    const args: string[] = [stream, group];
    for (const id of ids) args.push(id);
    return Number(await this.#commands.call("XACK", args));
  }

  async pendingIdle(
    stream: string,
    group: string,
    minIdleMs: number,
    count: number,
    after: string | undefined,
  ): Promise<PendingEntry[]> {
    const reply = (await this.#commands.call("XPENDING", [
      stream,
      group,
      "IDLE",
      minIdleMs,
      after === undefined ? "-" : `(${after}`,
      "+",
      count,
    ])) as [string, string, number, number][];
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
    const args: (string | number)[] = [stream, group, consumer, minIdleMs];
    for (const id of ids) args.push(id);
    return parseEntries((await this.#bytes(this.#commands, "XCLAIM", args)) as unknown[]);
  }

  async entryExists(stream: string, id: string): Promise<boolean> {
    const reply = (await this.#commands.call("XRANGE", [stream, id, id])) as unknown[];
    return reply.length > 0;
  }

  async createGroup(stream: string, group: string): Promise<boolean> {
    try {
      await this.#commands.call("XGROUP", ["CREATE", stream, group, "0", "MKSTREAM"]);
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
    const tail: (string | number)[] = [keys.length];
    for (const key of keys) tail.push(key);
    for (const arg of args) tail.push(arg);
    try {
      return await this.#commands.call("EVALSHA", [script.sha as string | number].concat(tail));
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith("NOSCRIPT"))) throw error;
      return this.#commands.call("EVAL", [script.source as string | number].concat(tail));
    }
  }

  async ping(): Promise<void> {
    await this.#commands.call("PING");
  }

  async length(stream: string): Promise<number> {
    return Number(await this.#commands.call("XLEN", [stream]));
  }

  async sortedSetSize(key: string): Promise<number> {
    return Number(await this.#commands.call("ZCARD", [key]));
  }

  async groupInfo(stream: string, group: string): Promise<GroupInfo | null> {
    let reply: unknown;
    try {
      reply = await this.#commands.call("XINFO", ["GROUPS", stream]);
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
    this.#watchdog?.stop();
    this.#detachCommands();
    this.#detachReader();
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

/**
 * Bounds how long commands wait on a connection of ours (see command-watchdog.ts): one watchdog
 * for the connection, or ioredis's timer per command on a client whose queue cannot be read.
 */
function watchCommands(redis: Redis, timeoutMs: number): CommandWatchdog | undefined {
  if (sentQueueOf(redis) === undefined) {
    redis.options.commandTimeout = timeoutMs;
    return undefined;
  }
  const watchdog = new CommandWatchdog(() => sentQueueOf(redis), timeoutMs);
  watchdog.start();
  return watchdog;
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

/**
 * Entries from a reply, read as text or as bytes. An entry read as bytes any of whose field
 * names or values is not valid UTF-8 comes back with `invalid` saying which, for the
 * dead-letter stream. The index of each entry read as text that holds U+FFFD in any field name
 * or value (a later field of the same name included) is pushed to `altered`: decoding may have
 * put it in place of bytes that are not UTF-8.
 */
function parseEntries(raw: unknown[], altered?: number[]): StreamEntry[] {
  const entries: StreamEntry[] = [];
  for (const item of raw) {
    if (!Array.isArray(item)) continue;
    const [rawId, flat] = item as [Buffer | string, (Buffer | string)[] | null];
    const id = String(rawId);
    if (!Array.isArray(flat)) {
      entries.push({ id, fields: null });
      continue;
    }
    const fields = Object.create(null) as Record<string, string>;
    let invalid: string | undefined;
    let suspect = false;
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const name = flat[i] as Buffer | string;
      const value = flat[i + 1] as Buffer | string;
      if (invalid === undefined) {
        if (!utf8(name)) invalid = `a field name is not valid UTF-8 (bytes ${hexStart(name)})`;
        else if (!utf8(value)) invalid = `field "${String(name)}" is not valid UTF-8`;
      }
      if (
        altered !== undefined &&
        !suspect &&
        (String(name).includes("\uFFFD") || String(value).includes("\uFFFD"))
      ) {
        suspect = true;
      }
      fields[String(name)] = String(value);
    }
    if (suspect) altered?.push(entries.length);
    entries.push(invalid === undefined ? { id, fields } : { id, fields, invalid });
  }
  return entries;
}

function utf8(value: Buffer | string): boolean {
  return typeof value === "string" || isUtf8(value);
}

function hexStart(value: Buffer | string): string {
  const bytes = typeof value === "string" ? Buffer.from(value) : value;
  const hex = bytes
    .subarray(0, 16)
    .toString("hex")
    .replace(/(..)(?!$)/g, "$1 ");
  return bytes.length > 16 ? `${hex} ...` : hex;
}
