/**
 * The schema registry's store on Redis: one hash per stream, `<stream>:schemas`, shared by every
 * process that uses the stream. Fields:
 *
 * - `schema:<TYPE>:<VERSION>`: the registered schema, JSON (`RegisteredSchema`);
 * - `versions:<TYPE>`: the type's registered versions, a JSON array of numbers, ascending;
 * - `mode:<TYPE>`: the type's compatibility mode, when one was set;
 * - `revision:<TYPE>`: bumped by every write to the type: the compare-and-set token.
 *
 * Reading a type fetches its own fields only (two round trips), never the whole hash.
 *
 * A write is one Lua script that checks the revision and writes the fields, so it is atomic on
 * the server: two processes that read the same record and each checked their own version
 * against it cannot both register (the second finds the revision moved and reads again).
 *
 * ioredis is loaded on first use, as the backend does; the core never loads this module.
 */

import type { Redis } from "ioredis";
import { InvalidOptionError } from "../../core/errors.js";
import { isCompatibilityMode } from "../../core/registry/compatibility.js";
import {
  emptyRecord,
  type RegisteredSchema,
  type SchemaRegistryStore,
  type SchemaTypeRecord,
  type SchemaTypeWrite,
} from "../../core/registry/store.js";
import { maskUrl } from "../../utils/redact.js";
import { RedisOperationError } from "./errors.js";
import { loadIoredis } from "./load-ioredis.js";

/** Options of {@link RedisSchemaRegistryStore}. */
export interface RedisSchemaRegistryOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://`. Only shown in errors with `client`. */
  redisUrl: string;
  /** Your own ioredis connection to run the commands on. It is not closed by `close()`. */
  client?: Redis;
  /**
   * The stream whose registry this is: the hash is `<streamKey>:schemas`.
   * @defaultValue "necrostack:events"
   */
  streamKey?: string;
  /**
   * Time a command may go unanswered before it fails.
   * @defaultValue 5000
   */
  commandTimeoutMs?: number;
}

interface ResolvedOptions {
  readonly redisUrl: string;
  readonly client: Redis | undefined;
  readonly key: string;
  readonly commandTimeoutMs: number;
}

/** Applies the defaults of {@link RedisSchemaRegistryOptions} and checks each option. */
export function resolveRedisSchemaRegistryOptions(
  options: RedisSchemaRegistryOptions,
): ResolvedOptions {
  const { redisUrl, client } = options;
  if (typeof redisUrl !== "string" || (client === undefined && !/^rediss?:\/\//i.test(redisUrl))) {
    throw new InvalidOptionError(
      "redisUrl",
      "a redis:// or rediss:// URL",
      typeof redisUrl === "string" ? maskUrl(redisUrl) : redisUrl,
    );
  }
  const streamKey = options.streamKey ?? "necrostack:events";
  if (typeof streamKey !== "string" || streamKey === "") {
    throw new InvalidOptionError("streamKey", "a non-empty string", streamKey);
  }
  const commandTimeoutMs = options.commandTimeoutMs ?? 5_000;
  if (!Number.isSafeInteger(commandTimeoutMs) || commandTimeoutMs < 1) {
    throw new InvalidOptionError("commandTimeoutMs", "a positive integer (ms)", commandTimeoutMs);
  }
  return { redisUrl, client, key: `${streamKey}:schemas`, commandTimeoutMs };
}

/**
 * KEYS[1] the hash; ARGV: the type, the expected revision, the version to add ('' for none) and
 * its JSON, the mode to set ('' for none). Returns 1 when written, 0 when the revision had moved
 * (nothing written).
 */
const WRITE_SCRIPT = `
local hash, type = KEYS[1], ARGV[1]
local revision = tonumber(redis.call('HGET', hash, 'revision:' .. type) or '0')
if revision ~= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', hash, 'revision:' .. type, revision + 1)
if ARGV[3] ~= '' then
  local version = tonumber(ARGV[3])
  local versions = cjson.decode(redis.call('HGET', hash, 'versions:' .. type) or '[]')
  local known = false
  for _, v in ipairs(versions) do
    if v == version then known = true end
  end
  if not known then
    table.insert(versions, version)
    table.sort(versions)
  end
  redis.call('HSET', hash, 'versions:' .. type, cjson.encode(versions))
  redis.call('HSET', hash, 'schema:' .. type .. ':' .. ARGV[3], ARGV[4])
end
if ARGV[5] ~= '' then redis.call('HSET', hash, 'mode:' .. type, ARGV[5]) end
return 1
`;

const SCHEMA = "schema:";
const VERSIONS = "versions:";
const MODE = "mode:";
const REVISION = "revision:";

/** A schema registry store in a Redis hash per stream; see the module comment. */
export class RedisSchemaRegistryStore implements SchemaRegistryStore {
  /** The hash holding the registry: `<streamKey>:schemas`. */
  readonly key: string;
  readonly #options: ResolvedOptions;
  #client: Promise<Redis> | undefined;
  #closed = false;

  constructor(options: RedisSchemaRegistryOptions) {
    this.#options = resolveRedisSchemaRegistryOptions(options);
    this.key = this.#options.key;
  }

  async types(): Promise<string[]> {
    const fields = await this.#run("list (HKEYS)", (redis) => redis.hkeys(this.key));
    return fields
      .filter((field) => field.startsWith(REVISION))
      .map((field) => field.slice(REVISION.length))
      .sort();
  }

  async read(eventType: string): Promise<SchemaTypeRecord> {
    const [revisionText, mode, list] = await this.#run("read (HMGET)", (redis) =>
      redis.hmget(this.key, REVISION + eventType, MODE + eventType, VERSIONS + eventType),
    );
    const revision = Number(revisionText ?? 0);
    if (revision === 0) return emptyRecord(eventType);
    const numbers = JSON.parse(list ?? "[]") as number[];
    // Lua's cjson writes an empty table as {}: no versions (only a mode was ever set).
    const fields = Array.isArray(numbers) ? numbers.map((n) => `${SCHEMA}${eventType}:${n}`) : [];
    const texts =
      fields.length === 0
        ? []
        : // One argument array, never a spread: a type may have any number of versions.
          ((await this.#run("read (HMGET)", (redis) =>
            redis.call("HMGET", [this.key, ...fields]),
          )) as (string | null)[]);
    const versions = texts
      .filter((text): text is string => text !== null)
      .map((text) => JSON.parse(text) as RegisteredSchema);
    return { eventType, mode: isCompatibilityMode(mode) ? mode : undefined, versions, revision };
  }

  async write(
    eventType: string,
    expectedRevision: number,
    change: SchemaTypeWrite,
  ): Promise<boolean> {
    const { schema, mode } = change;
    const args: string[] = [
      eventType,
      String(expectedRevision),
      schema === undefined ? "" : String(schema.version),
      schema === undefined ? "" : JSON.stringify(schema),
      mode ?? "",
    ];
    const written = await this.#run("write (EVAL)", (redis) =>
      redis.eval(WRITE_SCRIPT, 1, this.key, ...args),
    );
    return written === 1;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const client = await this.#client?.catch(() => undefined);
    if (client === undefined || client === this.#options.client) return;
    await client.quit().catch(() => client.disconnect());
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #run<T>(operation: string, command: (redis: Redis) => Promise<T>): Promise<T> {
    const target = `${this.key} at ${maskUrl(this.#options.redisUrl)}`;
    if (this.#closed) {
      throw new RedisOperationError(`schema registry ${operation}`, target, "the store is closed");
    }
    this.#client ??=
      this.#options.client === undefined
        ? connect(this.#options)
        : Promise.resolve(this.#options.client);
    const redis = await this.#client;
    try {
      return await command(redis);
    } catch (error) {
      throw new RedisOperationError(`schema registry ${operation}`, target, error);
    }
  }
}

async function connect(options: ResolvedOptions): Promise<Redis> {
  const { Redis: RedisClass } = await loadIoredis();
  const redis = new RedisClass(options.redisUrl, {
    lazyConnect: true,
    // A command fails after one reconnect attempt, so a publish or a worker's start says the
    // registry is unreachable instead of waiting; the connection itself keeps reconnecting
    // (backing off to 2 s), so a long-lived store works again once Redis is back.
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: options.commandTimeoutMs,
    retryStrategy: (attempt) => Math.min(100 * 2 ** (attempt - 1), 2_000),
    connectionName: "necrostack:schema-registry",
  });
  // Errors surface on the commands; without a listener ioredis would also print them.
  redis.on("error", () => {});
  return redis;
}
