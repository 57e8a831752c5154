/**
 * The PostgresInspector's statements over one stream's tables (schema.ts): reads bounded by
 * LIMIT and walked by `seq`, and the dead-letter repairs, each one statement (so one
 * transaction). The event's wire JSON is rebuilt from its columns as the backend's claim does.
 */
import type { StreamTables } from "./schema.js";

/** The statements of one stream, with its table names filled in. */
export interface InspectorStatements {
  /**
   * Resolves `length`, `first`, `last`, `added` (the `seq` sequence's last value), `ready`
   * (rows a claim would take now), `leased` (rows under a live lease), `owners`, `dead`.
   */
  readonly counters: string;
  /** $1 the most consumers. Lease owners: `owner`, `rows`, `expired_ms` (0 while a lease is live). */
  readonly owners: string;
  /** $1 how many. The oldest leased rows: `seq`, `id`, `owner`, `attempt`, `expired_ms`. */
  readonly oldestLeased: string;
  /** $1 before seq (null: newest), $2 since, $3 until (timestamptz or null), $4 how many. */
  readonly scan: string;
  /**
   * The same over the waiting rows and the archive of handled ones (`<stream>_archive`, kept by
   * a backend with `retentionMs`), merged by `seq`: the stream as it was, newest first.
   */
  readonly scanWithArchive: string;
  /** Resolves `present`: whether the archive table exists (created by schema version 2). */
  readonly archiveExists: string;
  /** The same over the dead letters. */
  readonly scanDead: string;
  /** $1 seqs. The dead letters, to check before a requeue. */
  readonly deadBySeq: string;
  /**
   * $1 seqs, $2 the channel. Moves the dead letters back: deletes them and inserts their events
   * with `requeued-from` set and `attempt` dropped from the headers, then notifies. Resolves one
   * row per event inserted: `from_seq`, `seq`.
   */
  readonly requeue: string;
  /** $1 seqs. Resolves `seq` per row deleted. */
  readonly deleteDead: string;
}

const WIRE = `json_build_object('id', id, 'timestamp', "timestamp", 'event_type', event_type, 'payload', payload)::text`;
const MS = (expression: string) => `(extract(epoch FROM ${expression}) * 1000)::float8`;

export function inspectorStatements(t: StreamTables): InspectorStatements {
  return {
    counters: `SELECT
        (SELECT count(*) FROM ${t.events})::float8 AS length,
        (SELECT min(seq) FROM ${t.events})::text AS first,
        (SELECT max(seq) FROM ${t.events})::text AS last,
        coalesce(pg_sequence_last_value(pg_get_serial_sequence(${literal(t.events)}, 'seq')::regclass), 0)::float8 AS added,
        (SELECT count(*) FROM ${t.events}
          WHERE available_at <= now() AND (lease_expires_at IS NULL OR lease_expires_at <= now()))::float8 AS ready,
        (SELECT count(*) FROM ${t.events} WHERE lease_owner IS NOT NULL AND lease_expires_at > now())::float8 AS leased,
        (SELECT count(DISTINCT lease_owner) FROM ${t.events} WHERE lease_owner IS NOT NULL)::float8 AS owners,
        (SELECT count(*) FROM ${t.dead})::float8 AS dead`,
    owners: `SELECT lease_owner AS owner, count(*)::float8 AS rows,
        greatest(0, ${MS("now() - max(lease_expires_at)")}) AS expired_ms
      FROM ${t.events} WHERE lease_owner IS NOT NULL
      GROUP BY lease_owner ORDER BY count(*) DESC, lease_owner LIMIT $1`,
    oldestLeased: `SELECT seq::text AS seq, id, lease_owner AS owner, attempt,
        greatest(0, ${MS("now() - lease_expires_at")}) AS expired_ms
      FROM ${t.events} WHERE lease_owner IS NOT NULL ORDER BY seq LIMIT $1`,
    scan: `SELECT seq::text AS seq, ${WIRE} AS wire, headers::text AS headers, ${MS("enqueued_at")} AS at
      FROM ${t.events}
      WHERE ($1::bigint IS NULL OR seq < $1) AND ($2::timestamptz IS NULL OR enqueued_at >= $2)
        AND ($3::timestamptz IS NULL OR enqueued_at <= $3)
      ORDER BY seq DESC LIMIT $4`,
    scanWithArchive: `SELECT * FROM (
        (SELECT seq, ${WIRE} AS wire, headers::text AS headers, ${MS("enqueued_at")} AS at
          FROM ${t.events}
          WHERE ($1::bigint IS NULL OR seq < $1) AND ($2::timestamptz IS NULL OR enqueued_at >= $2)
            AND ($3::timestamptz IS NULL OR enqueued_at <= $3)
          ORDER BY seq DESC LIMIT $4)
        UNION ALL
        (SELECT seq, ${WIRE} AS wire, headers::text AS headers, ${MS("enqueued_at")} AS at
          FROM ${t.archive}
          WHERE ($1::bigint IS NULL OR seq < $1) AND ($2::timestamptz IS NULL OR enqueued_at >= $2)
            AND ($3::timestamptz IS NULL OR enqueued_at <= $3)
          ORDER BY seq DESC LIMIT $4)
      ) AS merged ORDER BY seq DESC LIMIT $4`,
    archiveExists: `SELECT to_regclass(${literal(t.archive)}) IS NOT NULL AS present`,
    scanDead: `SELECT seq::text AS seq, event::text AS wire, headers::text AS headers, ${MS("failed_at")} AS at,
        original_seq::text AS original, reason, failed_at
      FROM ${t.dead}
      WHERE ($1::bigint IS NULL OR seq < $1) AND ($2::timestamptz IS NULL OR failed_at >= $2)
        AND ($3::timestamptz IS NULL OR failed_at <= $3)
      ORDER BY seq DESC LIMIT $4`,
    deadBySeq: `SELECT seq::text AS seq, event::text AS wire, headers::text AS headers, ${MS("failed_at")} AS at,
        original_seq::text AS original, reason, failed_at
      FROM ${t.dead} WHERE seq = ANY($1::bigint[])`,
    requeue: `WITH picked AS (
        DELETE FROM ${t.dead} WHERE seq = ANY($1::bigint[]) AND event IS NOT NULL
        RETURNING seq, event, headers
      ), added AS (
        INSERT INTO ${t.events} (id, "timestamp", event_type, payload, headers)
        SELECT event->>'id', event->>'timestamp', event->>'event_type', event->'payload',
               (coalesce(headers, '{}'::jsonb) - 'attempt') || jsonb_build_object('requeued-from', seq::text)
        FROM picked ORDER BY seq
        RETURNING seq, headers->>'requeued-from' AS from_seq
      )
      SELECT from_seq, seq::text AS seq, (SELECT pg_notify($2, '') FROM added LIMIT 1) AS notified
      FROM added`,
    deleteDead: `DELETE FROM ${t.dead} WHERE seq = ANY($1::bigint[]) RETURNING seq::text AS seq`,
  };
}

/** `text` as a SQL string literal. */
function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
