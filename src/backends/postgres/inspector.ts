/**
 * PostgresInspector: the inspection contract (`StreamInspector`, src/core/inspect/inspector.ts)
 * on the PostgreSQL backend's tables, for the dashboard and other operators' tools.
 *
 * What maps how: a stream is a table in the schema (listed from `<schema>.migrations`); its
 * entries are the rows waiting, merged with the archive of handled rows (`<stream>_archive`)
 * where the backend keeps one (`retentionMs`); without it handled rows are deleted, so only
 * waiting events and dead letters can be browsed (`keepsHandled` is false: it depends on the
 * backend's retention). Entry ids and cursors are `seq`. There are no
 * consumer groups: the inspector shows one group, `leases`, whose consumers are the lease owners,
 * whose pending entries are their leased rows, and whose idle time is how long a consumer's
 * newest lease has been expired (0 while it holds a live one). Requeue and delete are single
 * statements, each one transaction.
 *
 * Every statement runs with a `statement_timeout`, on a small pool of its own.
 */
import type { BackendHealth } from "../../core/backend.js";
import { InvalidOptionError } from "../../core/errors.js";
import { InspectQueryError, StreamNotInspectedError } from "../../core/inspect/errors.js";
import { decodeStored } from "../../core/inspect/event-row.js";
import {
  type DeleteResult,
  type InspectorCapabilities,
  MAX_REPAIR_BATCH,
  MAX_SCAN_COUNT,
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
import { readCount, scanPage } from "../../core/inspect/scan-page.js";
import { maskUrl } from "../../utils/redact.js";
import { type PgPoolLike, quoteIdentifier } from "./client.js";
import { PostgresOperationError } from "./errors.js";
import { type InspectorStatements, inspectorStatements } from "./inspector-sql.js";
import { loadPg } from "./pg-client.js";
import { streamTables } from "./schema.js";

/** Options for `new PostgresInspector()`. */
export interface PostgresInspectorOptions {
  /** `postgres://user:password@host:5432/db`. The password is never shown. */
  url: string;
  /** Your own pool to run statements on (not ended by `close()`); `url` then only names it. */
  pool?: PgPoolLike;
  /** The schema holding the stream tables. @defaultValue "necrostack" */
  schema?: string;
  /** Only these streams (table names) are listed. @defaultValue every stream in the schema */
  streams?: readonly string[];
  /** How long a statement may run before it fails (`statement_timeout`). @defaultValue 5_000 */
  statementTimeoutMs?: number;
}

interface Row {
  readonly [column: string]: unknown;
}

const SEQ = /^\d{1,19}$/;
const UNDEFINED_TABLE = "42P01";
const ARCHIVE_RECHECK_MS = 30_000;

export class PostgresInspector implements StreamInspector {
  readonly kind = "postgres";
  readonly target: string;
  readonly capabilities: InspectorCapabilities = Object.freeze({
    consumerGroups: false,
    keepsHandled: false,
    repairDeadLetters: true,
  });
  readonly schema: string;
  readonly #options: PostgresInspectorOptions;
  readonly #timeoutMs: number;
  readonly #statements = new Map<string, InspectorStatements>();
  /** Per stream, whether its archive table exists, and when that was looked up. */
  readonly #archives = new Map<string, { readonly present: boolean; readonly at: number }>();
  #pool: Promise<PgPoolLike> | undefined;
  #closed = false;

  constructor(options: PostgresInspectorOptions) {
    if (typeof options !== "object" || options === null) {
      throw new InvalidOptionError("options", "an object", options);
    }
    if (
      typeof options.url !== "string" ||
      (options.pool === undefined && !/^postgres(ql)?:\/\//i.test(options.url))
    ) {
      throw new InvalidOptionError(
        "url",
        "a postgres:// or postgresql:// URL",
        typeof options.url === "string" ? maskUrl(options.url) : options.url,
      );
    }
    const schema = options.schema ?? "necrostack";
    if (typeof schema !== "string" || schema === "") {
      throw new InvalidOptionError("schema", "a non-empty string", schema);
    }
    const timeout = options.statementTimeoutMs ?? 5_000;
    if (!Number.isSafeInteger(timeout) || timeout < 1) {
      throw new InvalidOptionError("statementTimeoutMs", "an integer >= 1", timeout);
    }
    this.#options = options;
    this.#timeoutMs = timeout;
    this.schema = schema;
    this.target = maskUrl(options.url);
  }

  async listStreams(limit = 100): Promise<StreamList> {
    const given = this.#options.streams;
    if (given !== undefined)
      return { streams: [...given].sort().slice(0, limit), complete: given.length <= limit };
    const rows = await this.#query(
      "stream listing",
      `SELECT DISTINCT stream FROM ${quoteIdentifier(this.schema)}.migrations ORDER BY stream LIMIT $1`,
      [limit + 1],
      [],
    );
    const streams = rows.map((row) => String(row.stream));
    return { streams: streams.slice(0, limit), complete: streams.length <= limit };
  }

  async counters(stream: string): Promise<StreamCounters> {
    const row = (await this.#query("stream counters", this.#sql(stream).counters, [], []))[0];
    if (row === undefined) return emptyCounters();
    const length = Number(row.length);
    const added = Number(row.added);
    const pending = Number(row.leased);
    const lag = Number(row.ready);
    return {
      length,
      added,
      // Rows leave the table once handled (acked, dead-lettered or archived).
      handled: Math.max(0, added - length),
      pending,
      lag,
      deadLetters: Number(row.dead),
      groups: [{ name: "leases", consumers: Number(row.owners), pending, lag }],
    };
  }

  async streamInfo(stream: string, options: StreamInfoOptions = {}): Promise<StreamInfo> {
    const sql = this.#sql(stream);
    const consumers = Math.min(options.consumers ?? 100, 1_000);
    const oldest = Math.min(options.oldestPending ?? 10, 100);
    const [countRows, owners, leased] = await Promise.all([
      this.#query("stream description", sql.counters, [], []),
      this.#query("stream description", sql.owners, [consumers], []),
      this.#query("stream description", sql.oldestLeased, [oldest], []),
    ]);
    const row = countRows[0];
    const pending = Number(row?.leased ?? 0);
    const lag = Number(row?.ready ?? 0);
    return {
      name: stream,
      length: Number(row?.length ?? 0),
      firstId: row?.first === null || row?.first === undefined ? null : String(row.first),
      lastId: row?.last === null || row?.last === undefined ? null : String(row.last),
      deadLetters: Number(row?.dead ?? 0),
      groups: [
        {
          name: "leases",
          consumers: Number(row?.owners ?? 0),
          pending,
          lag,
          lastDeliveredId: null,
          consumerList: owners.map((owner) => ({
            name: String(owner.owner),
            pending: Number(owner.rows),
            idleMs: Math.round(Number(owner.expired_ms)),
          })),
          oldestPending: leased.map((entry) => ({
            entryId: String(entry.seq),
            eventId: String(entry.id),
            consumer: String(entry.owner),
            deliveries: Number(entry.attempt),
            idleMs: Math.round(Number(entry.expired_ms)),
          })),
        },
      ],
    };
  }

  async scan(stream: string, options: ScanOptions): Promise<ScanPage<StoredEntry>> {
    const sql = this.#sql(stream);
    const archived = await this.#hasArchive(stream, sql);
    const statement = archived ? sql.scanWithArchive : sql.scan;
    const rows = await this.#query("stream read", statement, scanArgs(options), []);
    const entries = rows.map(storedEntry);
    return scanPage(entries, options.count);
  }

  async scanDeadLetters(stream: string, options: ScanOptions): Promise<ScanPage<StoredDeadLetter>> {
    const rows = await this.#query(
      "dead-letter read",
      this.#sql(stream).scanDead,
      scanArgs(options),
      [],
    );
    const entries = rows.map(storedDeadLetter);
    return scanPage(entries, options.count);
  }

  async requeueDeadLetters(stream: string, entryIds: readonly string[]): Promise<RequeueResult> {
    const sql = this.#sql(stream);
    const seqs = repairSeqs(entryIds);
    // Checked here, before the statement: only a dead letter holding a valid event goes back.
    const rows = await this.#query("dead-letter requeue", sql.deadBySeq, [seqs], []);
    const found = new Map(rows.map((row) => [String(row.seq), storedDeadLetter(row)]));
    const missing: string[] = [];
    const refused: { entryId: string; reason: string }[] = [];
    const eventIds = new Map<string, string>();
    for (const seq of seqs) {
      const entry = found.get(seq);
      const event = entry && decodeStored(entry);
      if (event === undefined) missing.push(seq);
      else if (typeof event === "string") refused.push({ entryId: seq, reason: event });
      else eventIds.set(seq, event.id);
    }
    const requeued: Requeued[] = [];
    if (eventIds.size > 0) {
      const channel = streamTables(this.schema, stream).channel;
      const moved = await this.#query(
        "dead-letter requeue",
        sql.requeue,
        [[...eventIds.keys()], channel],
        [],
      );
      const newSeq = new Map(moved.map((row) => [String(row.from_seq), String(row.seq)]));
      for (const [seq, eventId] of eventIds) {
        const to = newSeq.get(seq);
        if (to === undefined) missing.push(seq);
        else requeued.push({ entryId: seq, eventId, newEntryId: to });
      }
    }
    return { requeued, missing, refused };
  }

  async deleteDeadLetters(stream: string, entryIds: readonly string[]): Promise<DeleteResult> {
    const seqs = repairSeqs(entryIds);
    const rows = await this.#query("dead-letter delete", this.#sql(stream).deleteDead, [seqs], []);
    const gone = new Set(rows.map((row) => String(row.seq)));
    return { deleted: seqs.filter((s) => gone.has(s)), missing: seqs.filter((s) => !gone.has(s)) };
  }

  async health(): Promise<BackendHealth> {
    const started = performance.now();
    try {
      await this.#query("health check", "SELECT 1", [], undefined);
      return {
        healthy: true,
        latencyMs: performance.now() - started,
        details: { target: this.target, schema: this.schema },
      };
    } catch (error) {
      return {
        healthy: false,
        latencyMs: performance.now() - started,
        details: { target: this.target, schema: this.schema, error: (error as Error).message },
      };
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#pool === undefined || this.#options.pool !== undefined) return;
    const pool = await this.#pool.catch(() => undefined);
    await pool?.end().catch(() => {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Whether the stream has an archive table (looked up again after ARCHIVE_RECHECK_MS). */
  async #hasArchive(stream: string, sql: InspectorStatements): Promise<boolean> {
    const known = this.#archives.get(stream);
    if (known !== undefined && performance.now() - known.at < ARCHIVE_RECHECK_MS)
      return known.present;
    const [row] = await this.#query("stream read", sql.archiveExists, [], []);
    const present = row?.present === true;
    if (this.#archives.size >= 1_000) this.#archives.clear();
    this.#archives.set(stream, { present, at: performance.now() });
    return present;
  }

  #sql(stream: string): InspectorStatements {
    if (typeof stream !== "string" || stream === "" || stream.length > 63) {
      throw new InspectQueryError("stream", "a table name of 1 to 63 characters", stream);
    }
    const given = this.#options.streams;
    if (given !== undefined && !given.includes(stream))
      throw new StreamNotInspectedError(stream, given);
    let sql = this.#statements.get(stream);
    if (sql === undefined) {
      sql = inspectorStatements(streamTables(this.schema, stream));
      // Bounded: statements of at most 1,000 streams are kept.
      if (this.#statements.size >= 1_000) this.#statements.clear();
      this.#statements.set(stream, sql);
    }
    return sql;
  }

  /**
   * Runs a statement and resolves its rows; `missing` is what a stream whose tables do not exist
   * reads as (undefined: that is an error too).
   */
  async #query(
    operation: string,
    text: string,
    values: unknown[],
    missing: Row[] | undefined,
  ): Promise<Row[]> {
    if (this.#closed)
      throw new PostgresOperationError(
        operation,
        this.target,
        new Error("the inspector is closed"),
      );
    try {
      this.#pool ??= this.#connect();
      const result = (await (await this.#pool).query(text, values)) as { rows: Row[] };
      return result.rows;
    } catch (error) {
      if (missing !== undefined && (error as { code?: unknown }).code === UNDEFINED_TABLE)
        return missing;
      if (error instanceof InspectQueryError) throw error;
      throw new PostgresOperationError(operation, this.target, error);
    }
  }

  async #connect(): Promise<PgPoolLike> {
    if (this.#options.pool !== undefined) return this.#options.pool;
    try {
      const { Pool } = await loadPg();
      const pool = new Pool({
        connectionString: this.#options.url,
        max: 4,
        application_name: "necrostack:inspector",
        statement_timeout: this.#timeoutMs,
        query_timeout: this.#timeoutMs + 1_000,
        connectionTimeoutMillis: this.#timeoutMs,
        idleTimeoutMillis: 30_000,
      });
      pool.on("error", () => {});
      return pool;
    } catch (error) {
      this.#pool = undefined;
      throw error;
    }
  }
}

function emptyCounters(): StreamCounters {
  return { length: 0, added: 0, handled: 0, pending: 0, lag: 0, deadLetters: 0, groups: [] };
}

function scanArgs(options: ScanOptions): unknown[] {
  const { before, count, sinceMs, untilMs } = options;
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_SCAN_COUNT) {
    throw new InspectQueryError("count", `an integer from 1 to ${MAX_SCAN_COUNT}`, count);
  }
  if (before !== undefined && !SEQ.test(before)) {
    throw new InspectQueryError("cursor", "a PostgreSQL row seq such as 42", before);
  }
  const time = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return [before ?? null, time(sinceMs), time(untilMs), readCount(count)];
}

function repairSeqs(entryIds: readonly string[]): string[] {
  if (!Array.isArray(entryIds) || entryIds.length === 0 || entryIds.length > MAX_REPAIR_BATCH) {
    throw new InspectQueryError(
      "entryIds",
      `an array of 1 to ${MAX_REPAIR_BATCH} entry ids`,
      entryIds,
    );
  }
  for (const id of entryIds) {
    if (typeof id !== "string" || !SEQ.test(id)) {
      throw new InspectQueryError("entryIds", "PostgreSQL row seqs such as 42", id);
    }
  }
  return [...new Set(entryIds)];
}

function storedEntry(row: Row): StoredEntry {
  return {
    entryId: String(row.seq),
    wire: row.wire === null || row.wire === undefined ? null : String(row.wire),
    headers: row.headers === null || row.headers === undefined ? "" : String(row.headers),
    storedAtMs: Number(row.at),
  };
}

function storedDeadLetter(row: Row): StoredDeadLetter {
  const failedAt =
    row.failed_at instanceof Date ? row.failed_at.toISOString() : String(row.failed_at ?? "");
  return {
    ...storedEntry(row),
    originalId: row.original === null || row.original === undefined ? null : String(row.original),
    reason: String(row.reason ?? ""),
    failedAt,
  };
}
