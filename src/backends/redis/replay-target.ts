/**
 * RedisReplayTarget: replay into a Redis stream (`replay()` in the core). One Lua script adds a
 * batch of replayed events and stores the replay's progress in the hash
 * `<stream>:replay:<replayId>` (fields `last` and `progress`), only when `last` is what the
 * replay expects: one atomic step, so a replay killed half way resumes from `last` and no event
 * is added twice.
 */

import type { Redis } from "ioredis";
import { InvalidOptionError } from "../../core/errors.js";
import type { Event } from "../../core/event.js";
import {
  parseProgress,
  progressText,
  type ReplayProgress,
  type ReplayTarget,
  type StaleProgress,
} from "../../core/replay/target.js";
import { inspectUrl, maskUrl } from "../../utils/redact.js";
import { luaScript } from "./client.js";
import { IoredisMissingError, RedisOperationError } from "./errors.js";
import { runScript } from "./inspector-commands.js";
import { loadIoredis, type RedisClass } from "./load-ioredis.js";
import { encodeEvent, encodeHeaders } from "./wire.js";

/** Options of {@link RedisReplayTarget}. */
export interface RedisReplayTargetOptions {
  /** Where Redis is (`redis://`, `rediss://`). The password is never shown. */
  readonly redisUrl: string;
  /** Your own ioredis connection (not closed by `close()`); `redisUrl` then only names it. */
  readonly client?: Redis;
  /** The stream replayed events are added to. */
  readonly stream: string;
  /** Trim the stream to about this many entries as events are added. @defaultValue no trimming */
  readonly maxLen?: number;
  /** How long a command may take before the replay fails. @defaultValue 10_000 */
  readonly commandTimeoutMs?: number;
}

/** The hash holding a replay's progress on `stream`. */
export function replayProgressKey(stream: string, replayId: string): string {
  return `${stream}:replay:${replayId}`;
}

/**
 * KEYS: stream, progress hash. ARGV: expected last ('' for none), new last, progress JSON,
 * maxLen (0: none), then each event's JSON and headers JSON ('' for none). Returns {1} when
 * written, {0, last found} when the progress was not the one expected (nothing written).
 */
const WRITE_BATCH = luaScript(`
local found = redis.call('HGET', KEYS[2], 'last') or ''
if found ~= ARGV[1] then return { 0, found } end
local maxlen = tonumber(ARGV[4])
for i = 5, #ARGV, 2 do
  local fields = { 'event', ARGV[i] }
  if ARGV[i + 1] ~= '' then fields[3] = 'headers'; fields[4] = ARGV[i + 1] end
  if maxlen > 0 then
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*', unpack(fields))
  else
    redis.call('XADD', KEYS[1], '*', unpack(fields))
  end
end
redis.call('HSET', KEYS[2], 'last', ARGV[2], 'progress', ARGV[3])
return { 1 }
`);

export class RedisReplayTarget implements ReplayTarget {
  readonly description: string;
  readonly stream: string;
  readonly #options: RedisReplayTargetOptions;
  readonly #target: string;
  #connection: Promise<Redis> | undefined;
  #closed = false;

  constructor(options: RedisReplayTargetOptions) {
    const { redisUrl, stream, maxLen } = options;
    if (typeof redisUrl !== "string" || !/^rediss?:\/\//i.test(redisUrl)) {
      throw new InvalidOptionError(
        "redisUrl",
        "a redis:// or rediss:// URL",
        maskUrl(String(redisUrl)),
      );
    }
    if (!("shown" in inspectUrl(redisUrl))) {
      throw new InvalidOptionError(
        "redisUrl",
        "a URL that parses",
        "a URL that does not (not shown)",
      );
    }
    if (typeof stream !== "string" || stream === "") {
      throw new InvalidOptionError("stream", "a non-empty stream name", stream);
    }
    if (maxLen !== undefined && (!Number.isSafeInteger(maxLen) || maxLen < 1)) {
      throw new InvalidOptionError("maxLen", "a positive integer", maxLen);
    }
    this.#options = options;
    this.stream = stream;
    this.#target = maskUrl(redisUrl);
    this.description = `stream ${stream} at ${this.#target}`;
  }

  async progress(replayId: string): Promise<ReplayProgress | null> {
    const text = await this.#run("replay progress read (HGET)", (redis) =>
      redis.hget(replayProgressKey(this.stream, replayId), "progress"),
    );
    return parseProgress(replayId, text);
  }

  async write(
    progress: ReplayProgress,
    events: readonly Event[],
    expectedLastEntryId: string | null,
  ): Promise<true | StaleProgress> {
    const args: string[] = [
      expectedLastEntryId ?? "",
      progress.lastEntryId ?? "",
      progressText(progress),
      String(this.#options.maxLen ?? 0),
    ];
    for (const event of events) args.push(encodeEvent(event), encodeHeaders(event));
    const reply = (await this.#run("replay batch (XADD and HSET)", (redis) =>
      runScript(
        redis,
        WRITE_BATCH,
        [this.stream, replayProgressKey(this.stream, progress.replayId)],
        args,
      ),
    )) as [number, string?];
    if (reply[0] === 1) return true;
    return { stale: true, found: reply[1] === "" || reply[1] === undefined ? null : reply[1] };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#connection === undefined || this.#options.client !== undefined) return;
    const redis = await this.#connection.catch(() => undefined);
    if (redis === undefined) return;
    try {
      await redis.quit();
    } catch {
      redis.disconnect();
    }
  }

  async #run<T>(operation: string, work: (redis: Redis) => Promise<T>): Promise<T> {
    if (this.#closed) {
      throw new RedisOperationError(
        operation,
        this.#target,
        new Error("the replay target is closed"),
      );
    }
    try {
      this.#connection ??= this.#connect();
      return await work(await this.#connection);
    } catch (error) {
      if (error instanceof IoredisMissingError) throw error;
      throw new RedisOperationError(operation, this.#target, error);
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
    const timeout = this.#options.commandTimeoutMs ?? 10_000;
    const redis = new RedisClass(this.#options.redisUrl, {
      lazyConnect: true,
      // No retry of a command: a batch sent twice is refused by its progress check anyway, but
      // the replay should fail and be resumed rather than wait in an outage.
      maxRetriesPerRequest: 0,
      commandTimeout: timeout,
      connectTimeout: timeout,
      connectionName: "necrostack:replay",
    });
    redis.on("error", () => {});
    redis.connect().catch(() => {});
    return redis;
  }
}
