/**
 * The statements of one stream. Each is a single statement, so each is one transaction: the
 * data-modifying CTEs of a commit delete, insert and notify together or not at all. Every list
 * travels as a few array parameters (`unnest`), never as one parameter per row, so a statement's
 * size does not grow with the rows it touches. NOTIFY goes out at most once per statement (and
 * PostgreSQL folds identical notifications of one transaction into one), never once per row.
 */
import { type Event, headersJson } from "../../core/event.js";
import { isoTimestamp } from "../../core/timestamp.js";
import type { StreamTables } from "./schema.js";

/** The columns of events to insert, as the array parameters of {@link Statements.insert}. */
export interface EventColumns {
  readonly ids: string[];
  readonly timestamps: string[];
  readonly types: string[];
  /** Payloads as JSON text, cast to json by the statement. */
  readonly payloads: string[];
  /** Headers as JSON text; null for an event without headers. */
  readonly headers: (string | null)[];
}

/** `events[from, to)` as array parameters. */
export function eventColumns(events: readonly Event[], from = 0, to = events.length): EventColumns {
  const columns: EventColumns = { ids: [], timestamps: [], types: [], payloads: [], headers: [] };
  for (let i = from; i < to; i++) {
    const event = events[i] as Event;
    columns.ids.push(event.id);
    columns.timestamps.push(isoTimestamp(event.timestampMs));
    columns.types.push(event.eventType);
    columns.payloads.push(JSON.stringify(event.payload));
    const headers = headersJson(event);
    columns.headers.push(headers === "" ? null : headers);
  }
  return columns;
}

/** A claimed row, as {@link Statements.claim} returns it. */
export interface ClaimedRow {
  /** bigint, as text. */
  readonly seq: string;
  readonly attempt: number;
  /** The event's wire JSON. */
  readonly event: string;
  readonly headers: string | null;
}

/** The statements of one stream, with its table names filled in. */
export interface Statements {
  /** $1-$5 the columns, $6 the channel. Resolves `added`. */
  readonly insert: string;
  /** $1 how many, $2 the owner, $3 the lease in ms. Resolves {@link ClaimedRow}s. */
  readonly claim: string;
  /** Resolves `due_ms`: how soon a delayed row or a lease comes due; null when none will. */
  readonly nextDue: string;
  /**
   * Settles many rows at once: $1 seqs, $2 attempts, $3 owner, $4 the entry (1-based index into
   * $1) each emitted event belongs to, $5-$9 the emitted columns, $10 the channel. Deletes the
   * rows still leased to $3 at their attempt, inserts the emitted events of exactly those, and
   * notifies once. Resolves `acked`: the entries whose row was deleted (the others were not
   * owned any more, and none of their events were inserted).
   */
  readonly settle: string;
  /**
   * $1 seqs, $2 attempts, $3 attempts to give back (1: the delivery does not count), $4 owner,
   * $5 delay in ms, $6 the channel. Resolves `released`.
   */
  readonly release: string;
  /** $1 seqs, $2 attempts, $3 reasons, $4 owner. Resolves a row per dead-lettered row. */
  readonly deadLetter: string;
  /** $1 owner, $2 seqs, $3 the lease in ms. */
  readonly renew: string;
  /**
   * $1 the cap. Resolves `length` (rows in the table), `pending` (rows leased now) and `dead`
   * (dead letters), each counted up to the cap.
   */
  readonly levels: string;
  /**
   * Deletes at most $2 archived rows handled more than $1 ms ago, oldest first, skipping rows
   * another backend is pruning. Resolves `pruned`.
   */
  readonly prune: string;
}

/** How the statements treat handled rows. */
export interface StatementOptions {
  /** Copy each row an ack or commit deletes into the archive table, in the same statement. */
  readonly archive: boolean;
}

const INSERT_SELECT = (from: number) =>
  `SELECT e.id, e.ts, e.type, e.payload::json, e.headers::jsonb
   FROM unnest($${from}::text[], $${from + 1}::text[], $${from + 2}::text[], $${from + 3}::text[], $${from + 4}::text[])
     WITH ORDINALITY AS e(id, ts, type, payload, headers, n)`;

const MS = (param: string) => `make_interval(secs => ${param}::float8 / 1000)`;

export function statements(t: StreamTables, options: StatementOptions): Statements {
  const columns = `(id, "timestamp", event_type, payload, headers)`;
  // With an archive, the rows a settle deletes are copied into it by the same statement.
  const settleReturning = options.archive
    ? `e.seq, e.id, e."timestamp", e.event_type, e.payload, e.headers, e.enqueued_at, e.attempt, x.k`
    : "x.k";
  const archiveStep = options.archive
    ? `, archived AS (
        INSERT INTO ${t.archive} (seq, id, "timestamp", event_type, payload, headers, enqueued_at, attempt, consumer)
        SELECT seq, id, "timestamp", event_type, payload, headers, enqueued_at, attempt, $3 FROM gone
      )`
    : "";
  return {
    insert: `WITH added AS (
        INSERT INTO ${t.events} ${columns} ${INSERT_SELECT(1)} ORDER BY e.n RETURNING 1
      )
      SELECT (SELECT count(*) FROM added)::int AS added,
             (SELECT pg_notify($6, '') FROM added LIMIT 1) AS notified`,
    claim: `WITH picked AS (
        SELECT seq FROM ${t.events}
        WHERE available_at <= now() AND (lease_expires_at IS NULL OR lease_expires_at <= now())
        ORDER BY seq
        LIMIT $1
        FOR UPDATE SKIP LOCKED
      )
      UPDATE ${t.events} AS e
      SET attempt = e.attempt + 1, lease_owner = $2, lease_expires_at = now() + ${MS("$3")}
      FROM picked WHERE e.seq = picked.seq
      RETURNING e.seq::text AS seq, e.attempt,
        json_build_object('id', e.id, 'timestamp', e."timestamp", 'event_type', e.event_type, 'payload', e.payload)::text AS event,
        e.headers::text AS headers`,
    nextDue: `SELECT (extract(epoch FROM LEAST(
        (SELECT min(available_at) FROM ${t.events} WHERE available_at > now()),
        (SELECT min(lease_expires_at) FROM ${t.events} WHERE lease_expires_at > now())
      ) - now()) * 1000)::float8 AS due_ms`,
    settle: `WITH gone AS (
        DELETE FROM ${t.events} AS e
        USING unnest($1::bigint[], $2::int[]) WITH ORDINALITY AS x(seq, attempt, k)
        WHERE e.seq = x.seq AND e.lease_owner = $3 AND e.attempt = x.attempt
        RETURNING ${settleReturning}
      )${archiveStep}, added AS (
        INSERT INTO ${t.events} ${columns}
        SELECT e.id, e.ts, e.type, e.payload::json, e.headers::jsonb
        FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $4::int[])
          WITH ORDINALITY AS e(id, ts, type, payload, headers, entry, n)
        WHERE e.entry IN (SELECT k FROM gone) ORDER BY e.n RETURNING 1
      )
      SELECT ARRAY(SELECT k::int FROM gone) AS acked,
             (SELECT pg_notify($10, '') FROM added LIMIT 1) AS notified`,
    release: `WITH released AS (
        UPDATE ${t.events} AS e
        SET lease_owner = NULL, lease_expires_at = NULL, attempt = e.attempt - x.back,
            available_at = now() + ${MS("$5")}
        FROM unnest($1::bigint[], $2::int[], $3::int[]) AS x(seq, attempt, back)
        WHERE e.seq = x.seq AND e.lease_owner = $4 AND e.attempt = x.attempt
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM released)::int AS released,
             (SELECT pg_notify($6, '') FROM released WHERE $5::float8 <= 0 LIMIT 1) AS notified`,
    deadLetter: `WITH gone AS (
        DELETE FROM ${t.events} AS e
        USING unnest($1::bigint[], $2::int[], $3::text[]) AS x(seq, attempt, reason)
        WHERE e.seq = x.seq AND e.lease_owner = $4 AND e.attempt = x.attempt
        RETURNING e.seq, e.id, e."timestamp", e.event_type, e.payload, e.headers, e.attempt, x.reason
      )
      INSERT INTO ${t.dead} (original_seq, event_id, event, headers, reason, attempt, consumer)
      SELECT seq, id,
             json_build_object('id', id, 'timestamp', "timestamp", 'event_type', event_type, 'payload', payload),
             headers, reason, attempt, $4
      FROM gone ORDER BY seq
      RETURNING 1`,
    renew: `UPDATE ${t.events} SET lease_expires_at = now() + ${MS("$3")}
      WHERE lease_owner = $1 AND seq = ANY($2::bigint[])`,
    levels: `SELECT
        (SELECT count(*) FROM (SELECT 1 FROM ${t.events} LIMIT $1) AS x)::int AS length,
        (SELECT count(*) FROM (SELECT 1 FROM ${t.events} WHERE lease_expires_at > now() LIMIT $1) AS x)::int AS pending,
        (SELECT count(*) FROM (SELECT 1 FROM ${t.dead} LIMIT $1) AS x)::int AS dead`,
    prune: `WITH doomed AS (
        SELECT seq FROM ${t.archive} WHERE handled_at < now() - ${MS("$1")}
        ORDER BY handled_at LIMIT $2
        FOR UPDATE SKIP LOCKED
      ), gone AS (
        DELETE FROM ${t.archive} AS a USING doomed WHERE a.seq = doomed.seq RETURNING 1
      )
      SELECT count(*)::int AS pruned FROM gone`,
  };
}
