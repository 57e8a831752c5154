/**
 * RedisBackend's options: their meaning and defaults, and the one place they are checked.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Redis } from "ioredis";
import { InvalidOptionError } from "../../core/errors.js";
import type { Logger } from "../../core/logging.js";
import { inspectUrl, maskUrl } from "../../utils/redact.js";

/** Options for `new RedisBackend()`. */
export interface RedisBackendOptions {
  /**
   * Where Redis is: `redis://host:port/db`, `rediss://` for TLS, `redis://user:password@host`.
   * The password never appears in logs or errors. With `client`, it only names the server in
   * logs and errors.
   */
  redisUrl: string;
  /**
   * The stream events live in. For Redis Cluster, give it a hash tag (`{orders}:events`): the
   * default `dlqStream` then shares it, so every script touches keys of one slot.
   * @defaultValue "necrostack:events"
   */
  streamKey?: string;
  /**
   * The consumer group; every worker of one application uses the same group.
   * WARNING: renaming it creates a new group that starts from the beginning of the stream, so
   * every event still in the stream is handled again.
   * @defaultValue "necrostack"
   */
  consumerGroup?: string;
  /**
   * This consumer's name in the group. Two live processes must never share one.
   * @defaultValue `<hostname>-<pid>-<random>`
   */
  consumerName?: string;
  /**
   * Deliveries before an event goes to the dead-letter stream: an entry that stays unacked after
   * `maxRetries` deliveries is dead-lettered instead of delivered again.
   * @defaultValue 3
   */
  maxRetries?: number;
  /**
   * How long an entry must stay unacked before another consumer may claim it. Entries this
   * consumer is handling are refreshed, so a slow handler keeps its entry.
   * @defaultValue 30_000
   */
  claimMinIdleMs?: number;
  /**
   * How often entries idle past `claimMinIdleMs` are looked for.
   * @defaultValue half of `claimMinIdleMs`, at most 5_000
   */
  claimIntervalMs?: number;
  /**
   * The dead-letter stream. With a hash tag in `streamKey`, it must carry the same tag.
   * @defaultValue `${streamKey}:dlq`
   */
  dlqStream?: string;
  /**
   * The most entries this consumer holds at once (read but not yet acked), and so the most
   * fetched by one read. It also caps the events in flight: keep it at least the Spine's
   * `concurrency`. Entries held but not yet handed out wait here rather than go to another
   * consumer, so a much larger value only helps with very fast handlers.
   * @defaultValue 64
   */
  batchSize?: number;
  /**
   * Trim the stream to about this many entries on every add (`XADD MAXLEN ~`). Off by default.
   * WARNING: entries trimmed before a consumer reads them are never handled; set it well above
   * the backlog you expect.
   */
  maxLen?: number;
  /**
   * How long a command may go unanswered before it fails: a Redis that is stopped, or a network
   * path that silently drops packets, keeps the socket open and never replies. Measured per
   * connection, since Redis answers a connection's commands in order: once the connection has
   * answered nothing for this long, every command waiting on it fails. Must exceed the
   * slowest command, which is the commit of the largest fan-out (about 0.5 s per 100,000 emitted
   * events). A blocking read fails once it stays unanswered this long past its own block time.
   * @defaultValue 5_000
   */
  commandTimeoutMs?: number;
  /**
   * Other consumers of the group that hold no pending entries and have not read for this long
   * are removed from the group by this consumer's maintenance, so the names of dead workers do
   * not pile up with every restart. A consumer that still holds entries is never removed (its
   * entries are claimed first). `Infinity` turns the clean-up off.
   * @defaultValue 3_600_000 (one hour)
   */
  removeIdleConsumersAfterMs?: number;
  /**
   * Your own ioredis connection. Commands run on it; the blocking reader is its `duplicate()`.
   * It is not closed by `close()`.
   */
  client?: Redis;
  /**
   * A pino logger to log through (as its child `necrostack.redis`), or `false` for none.
   * @defaultValue JSON lines on stderr at `NECROSTACK_LOG_LEVEL` (default "info")
   */
  logger?: Logger | false;
}

/** Options with every default applied and every value checked. */
export interface ResolvedRedisBackendOptions {
  readonly redisUrl: string;
  readonly streamKey: string;
  readonly consumerGroup: string;
  readonly consumerName: string;
  readonly maxRetries: number;
  readonly claimMinIdleMs: number;
  readonly claimIntervalMs: number;
  readonly dlqStream: string;
  readonly batchSize: number;
  readonly maxLen: number | undefined;
  readonly commandTimeoutMs: number;
  readonly removeIdleConsumersAfterMs: number;
  readonly client: Redis | undefined;
  readonly logger: Logger | false | undefined;
}

const URL_SCHEME = /^rediss?:\/\//i;

export function resolveRedisBackendOptions(
  options: RedisBackendOptions,
): ResolvedRedisBackendOptions {
  if (typeof options !== "object" || options === null) {
    throw new InvalidOptionError("options", "an object", options);
  }
  const { redisUrl, client } = options;
  if (typeof redisUrl !== "string" || (client === undefined && !URL_SCHEME.test(redisUrl))) {
    throw new InvalidOptionError(
      "redisUrl",
      "a redis:// or rediss:// URL",
      typeof redisUrl === "string" ? maskUrl(redisUrl) : redisUrl,
    );
  }
  if (client === undefined) {
    // Checked here, not left to ioredis: its URL parser's TypeError carries the raw URL, password
    // included, as an enumerable field that a logged error would print.
    const inspected = inspectUrl(redisUrl);
    if (!("shown" in inspected)) {
      throw new InvalidOptionError(
        "redisUrl",
        `a URL that parses, such as redis://host:6379 (this one is ${inspected.kind}: ${inspected.reason}; it is not shown, as it may hold a password)`,
        "<not shown>",
      );
    }
  }
  if (
    client !== undefined &&
    (typeof client !== "object" || client === null || !("duplicate" in client))
  ) {
    throw new InvalidOptionError("client", "an ioredis Redis instance", client);
  }
  const streamKey = name("streamKey", options.streamKey, "necrostack:events");
  const claimMinIdleMs = int("claimMinIdleMs", options.claimMinIdleMs, 30_000, 1);
  const maxLen = options.maxLen === undefined ? undefined : int("maxLen", options.maxLen, 0, 1);
  return {
    redisUrl,
    streamKey,
    consumerGroup: name("consumerGroup", options.consumerGroup, "necrostack"),
    consumerName: name(
      "consumerName",
      options.consumerName,
      `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
    ),
    maxRetries: int("maxRetries", options.maxRetries, 3, 1),
    claimMinIdleMs,
    claimIntervalMs: int(
      "claimIntervalMs",
      options.claimIntervalMs,
      Math.max(10, Math.min(5_000, Math.round(claimMinIdleMs / 2))),
      1,
    ),
    dlqStream: dlqStream(streamKey, options.dlqStream),
    batchSize: int("batchSize", options.batchSize, 64, 1),
    maxLen,
    commandTimeoutMs: int("commandTimeoutMs", options.commandTimeoutMs, 5_000, 1),
    removeIdleConsumersAfterMs: orInfinity(
      "removeIdleConsumersAfterMs",
      options.removeIdleConsumersAfterMs,
      3_600_000,
    ),
    client,
    logger: options.logger,
  };
}

const HASH_TAG = /\{([^}]+)\}/;

/** The dead-letter stream, which must share the stream's hash tag (one script touches both). */
function dlqStream(streamKey: string, value: string | undefined): string {
  const dlq = name("dlqStream", value, `${streamKey}:dlq`);
  const tag = HASH_TAG.exec(streamKey)?.[1];
  if (tag !== undefined && HASH_TAG.exec(dlq)?.[1] !== tag) {
    throw new InvalidOptionError(
      "dlqStream",
      `a key with the same hash tag as streamKey ({${tag}}), so both live in one Redis Cluster slot`,
      dlq,
    );
  }
  return dlq;
}

function name(option: string, value: string | undefined, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || value.trim() === "") {
    throw new InvalidOptionError(option, "a non-empty string", value);
  }
  return value;
}

function int(option: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidOptionError(option, `an integer >= ${min}`, value);
  }
  return value;
}

/** A positive integer of milliseconds, or `Infinity` for never. */
function orInfinity(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === Number.POSITIVE_INFINITY) return value;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidOptionError(option, "an integer >= 1, or Infinity", value);
  }
  return value;
}
