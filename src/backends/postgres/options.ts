/**
 * PostgresBackend's options: their meaning and defaults, and the one place they are checked.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { InvalidOptionError } from "../../core/errors.js";
import type { Logger } from "../../core/logging.js";
import { inspectUrl, maskUrl } from "../../utils/redact.js";
import type { PgPoolLike } from "./client.js";

/** Options for `new PostgresBackend()`. */
export interface PostgresBackendOptions {
  /**
   * Where PostgreSQL is: `postgres://user:password@host:5432/db` (or `postgresql://`). The
   * password never appears in logs or errors. With `pool`, it only names the server in logs and
   * errors, and may be omitted.
   */
  url?: string;
  /**
   * Your own `pg.Pool`: statements run on it, and the LISTEN connection is one of its
   * connections, held while the backend is open. It is not ended by `close()`.
   */
  pool?: PgPoolLike;
  /**
   * The schema holding the backend's tables, created on first use.
   * @defaultValue "necrostack"
   */
  schema?: string;
  /**
   * The logical stream: its events live in the table `<schema>.<stream>`, its dead letters in
   * `<schema>.<stream>_dead`. Lower-case letters, digits and `_`, starting with a letter or `_`,
   * at most 48 characters. Every worker of one application uses the same stream.
   * @defaultValue "events"
   */
  stream?: string;
  /**
   * This consumer's name, written as the lease owner of the rows it holds. Two live backends
   * must never share one: a worker that lost its lease is told apart by it.
   * @defaultValue `<hostname>-<pid>-<random>`
   */
  consumerName?: string;
  /**
   * Deliveries before an event goes to the dead-letter table: an event still unsettled after
   * `maxRetries` deliveries is dead-lettered instead of delivered again.
   * @defaultValue 3
   */
  maxRetries?: number;
  /**
   * How long a claimed row stays leased to this consumer without word from it. The lease of a
   * row this consumer holds is renewed every third of `leaseMs`, so a slow handler keeps its row;
   * a crashed worker's rows are claimed by others once their lease expires.
   * @defaultValue 30_000
   */
  leaseMs?: number;
  /**
   * The most rows this consumer holds at once (claimed but not yet settled), and so the most one
   * claim takes. It also caps the events in flight: keep it at least the Spine's `concurrency`.
   * @defaultValue 64
   */
  batchSize?: number;
  /**
   * The longest wait between two looks at the table while nothing arrives. Notifications wake a
   * waiting pull at once; polling is the fallback, so a lost notification delays an event by at
   * most this much, never loses it. Polls start at 25 ms after a miss and double up to this.
   * @defaultValue 1_000
   */
  pollIntervalMs?: number;
  /**
   * Connections of the pool the backend makes from `url` (one of them holds the LISTEN).
   * Ignored with `pool`.
   * @defaultValue 8
   */
  poolSize?: number;
  /**
   * How long handled events stay in the archive table `<stream>_archive`, for replay and for
   * looking back (the dashboard, `necrostack trace`). `0` deletes a row as soon as its event is
   * acked or committed. Archived rows older than this are deleted in batches by every backend
   * that has a retention, about every tenth of it (at least every minute).
   * @defaultValue 0 (no archive)
   */
  retentionMs?: number;
  /**
   * Run the backend's statements as named prepared statements: each is parsed and planned once
   * per connection instead of on every call, which saves CPU on both sides. Turn it off behind
   * a pooler that cannot keep them (PgBouncer in transaction mode before 1.21, or without
   * `max_prepared_statements`).
   * @defaultValue true
   */
  preparedStatements?: boolean;
  /**
   * Whether the backend creates or upgrades the stream's tables on first use. `false` for teams
   * that run migrations themselves (`necrostack postgres migrate`): the backend then only checks
   * the stream's schema version, and fails with `PostgresSchemaError` (naming the command to
   * run) while the tables are missing or older than this package needs.
   * @defaultValue true
   */
  migrate?: boolean;
  /**
   * A pino logger to log through (as its child `necrostack.postgres`), or `false` for none.
   * @defaultValue JSON lines on stderr at `NECROSTACK_LOG_LEVEL` (default "info")
   */
  logger?: Logger | false;
}

/** Options with every default applied and every value checked. */
export interface ResolvedPostgresBackendOptions {
  readonly url: string;
  /** The URL as logs and errors may show it. */
  readonly target: string;
  readonly pool: PgPoolLike | undefined;
  readonly schema: string;
  readonly stream: string;
  readonly consumerName: string;
  readonly maxRetries: number;
  readonly leaseMs: number;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  readonly poolSize: number;
  readonly retentionMs: number;
  readonly migrate: boolean;
  readonly preparedStatements: boolean;
  readonly logger: Logger | false | undefined;
}

const URL_SCHEME = /^postgres(ql)?:\/\//i;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const STREAM_NAME = /^[a-z_][a-z0-9_]{0,47}$/;

export function resolvePostgresBackendOptions(
  options: PostgresBackendOptions,
): ResolvedPostgresBackendOptions {
  if (typeof options !== "object" || options === null) {
    throw new InvalidOptionError("options", "an object", options);
  }
  const { url, pool } = options;
  if (pool !== undefined) {
    if (typeof pool !== "object" || pool === null || typeof pool.connect !== "function") {
      throw new InvalidOptionError("pool", "a pg.Pool", pool);
    }
  } else if (typeof url !== "string" || !URL_SCHEME.test(url)) {
    throw new InvalidOptionError(
      "url",
      "a postgres:// or postgresql:// URL (or give `pool`)",
      typeof url === "string" ? maskUrl(url) : url,
    );
  }
  if (url !== undefined && typeof url !== "string") {
    throw new InvalidOptionError("url", "a postgres:// URL", url);
  }
  let target = "the given pool";
  if (url !== undefined) {
    const inspected = inspectUrl(url);
    if (!("shown" in inspected)) {
      throw new InvalidOptionError(
        "url",
        `a URL that parses, such as postgres://host:5432/db (this one is ${inspected.kind}: ${inspected.reason}; it is not shown, as it may hold a password)`,
        "<not shown>",
      );
    }
    target = inspected.shown;
  }
  const schema = options.schema ?? "necrostack";
  if (typeof schema !== "string" || !SCHEMA_NAME.test(schema)) {
    throw new InvalidOptionError(
      "schema",
      "a lower-case identifier ([a-z_][a-z0-9_]*, at most 63 characters)",
      schema,
    );
  }
  const stream = options.stream ?? "events";
  if (typeof stream !== "string" || !STREAM_NAME.test(stream)) {
    throw new InvalidOptionError(
      "stream",
      "a lower-case identifier ([a-z_][a-z0-9_]*, at most 48 characters)",
      stream,
    );
  }
  const consumerName =
    options.consumerName ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  if (typeof consumerName !== "string" || consumerName === "") {
    throw new InvalidOptionError("consumerName", "a non-empty string", consumerName);
  }
  const retentionMs = options.retentionMs ?? 0;
  if (typeof retentionMs !== "number" || !Number.isSafeInteger(retentionMs) || retentionMs < 0) {
    throw new InvalidOptionError(
      "retentionMs",
      "an integer >= 0 (ms; 0 keeps no archive)",
      retentionMs,
    );
  }
  const migrate = options.migrate ?? true;
  if (typeof migrate !== "boolean") {
    throw new InvalidOptionError("migrate", "true or false", migrate);
  }
  const preparedStatements = options.preparedStatements ?? true;
  if (typeof preparedStatements !== "boolean") {
    throw new InvalidOptionError("preparedStatements", "true or false", preparedStatements);
  }
  const leaseMs = positiveInteger("leaseMs", options.leaseMs, 30_000);
  if (leaseMs < 100) throw new InvalidOptionError("leaseMs", "an integer >= 100 (ms)", leaseMs);
  return {
    url: url ?? "",
    target,
    pool,
    schema,
    stream,
    consumerName,
    maxRetries: positiveInteger("maxRetries", options.maxRetries, 3),
    leaseMs,
    batchSize: positiveInteger("batchSize", options.batchSize, 64),
    pollIntervalMs: positiveInteger("pollIntervalMs", options.pollIntervalMs, 1_000),
    poolSize: positiveInteger("poolSize", options.poolSize, 8),
    retentionMs,
    migrate,
    preparedStatements,
    logger: options.logger,
  };
}

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidOptionError(name, "a positive integer", value);
  }
  return value;
}
