/**
 * The raw PostgreSQL ceiling for the PostgreSQL suite: the same 3-step chain (A emits B emits C)
 * done by a plain `pg` loop with no framework, on a table laid out as PostgresBackend's and with
 * the SQL it runs: claim with `FOR UPDATE SKIP LOCKED` under a lease, then delete the claimed rows
 * and insert the emitted ones in one transaction (one statement), with one NOTIFY. Each hop parses
 * the row's event and builds the next event's JSON with a fresh UUID and timestamp, as any real
 * consumer must.
 *
 * - batched: claims up to `count` rows, then settles the whole batch in one statement;
 * - one at a time (`count` 1): a claim and a settle per event, two round trips.
 * - per-event settles ({@link measureRawPgPerEvent}): claims `count` rows, then settles each
 *   row in a statement of its own, all at once over a pool of `connections`: the design
 *   PostgresBackend has today (one statement per ack or commit), without the framework.
 *
 * Events handled (A, B and C: 3 per start event) are counted from the first insert of a start
 * event to the last settle, the span the NecroStack runs are timed over.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import pg from "pg";

export interface PgRawArgs {
  readonly url: string;
  /** Start events; 3 events are handled per start. */
  readonly starts: number;
  /** Rows per claim; 1 for the one-at-a-time loop. */
  readonly count: number;
  /** With it, each row is settled by a statement of its own, over a pool of this many. */
  readonly connections?: number;
}

export interface PgRawResult {
  readonly handled: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
}

const NEXT: Readonly<Record<string, string>> = { A: "B", B: "C" };
const OWNER = "raw";
const LEASE_MS = 30_000;

/** PostgresBackend's table (migration 1), under a schema of the raw loop's own. */
const CREATE = (table: string) => [
  "CREATE SCHEMA IF NOT EXISTS bench_raw",
  `CREATE TABLE ${table} (
    seq bigserial PRIMARY KEY,
    id text NOT NULL,
    "timestamp" text NOT NULL,
    event_type text NOT NULL,
    payload json NOT NULL,
    headers jsonb,
    enqueued_at timestamptz NOT NULL DEFAULT now(),
    available_at timestamptz NOT NULL DEFAULT now(),
    attempt integer NOT NULL DEFAULT 0,
    lease_owner text,
    lease_expires_at timestamptz
  )`,
  `CREATE INDEX ON ${table} (available_at)`,
  `CREATE INDEX ON ${table} (lease_expires_at) WHERE lease_expires_at IS NOT NULL`,
];

const INSERT = (table: string) => `WITH added AS (
    INSERT INTO ${table} (id, "timestamp", event_type, payload, headers)
    SELECT e.id, e.ts, e.type, e.payload::json, NULL
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS e(id, ts, type, payload, n)
    ORDER BY e.n RETURNING 1
  )
  SELECT (SELECT pg_notify($5, '') FROM added LIMIT 1) AS notified`;

const CLAIM = (table: string) => `WITH picked AS (
    SELECT seq FROM ${table}
    WHERE available_at <= now() AND (lease_expires_at IS NULL OR lease_expires_at <= now())
    ORDER BY seq LIMIT $1
    FOR UPDATE SKIP LOCKED
  )
  UPDATE ${table} AS e
  SET attempt = e.attempt + 1, lease_owner = $2, lease_expires_at = now() + make_interval(secs => $3::float8 / 1000)
  FROM picked WHERE e.seq = picked.seq
  RETURNING e.seq::text AS seq, e.attempt,
    json_build_object('id', e.id, 'timestamp', e."timestamp", 'event_type', e.event_type, 'payload', e.payload)::text AS event`;

/** Deletes the settled rows still leased to this owner and inserts the emitted events, at once. */
const SETTLE = (table: string) => `WITH gone AS (
    DELETE FROM ${table} AS e USING unnest($1::bigint[], $2::int[]) AS x(seq, attempt)
    WHERE e.seq = x.seq AND e.lease_owner = $3 AND e.attempt = x.attempt RETURNING 1
  ), added AS (
    INSERT INTO ${table} (id, "timestamp", event_type, payload, headers)
    SELECT e.id, e.ts, e.type, e.payload::json, NULL
    FROM unnest($4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS e(id, ts, type, payload, n)
    WHERE EXISTS (SELECT 1 FROM gone) ORDER BY e.n RETURNING 1
  )
  SELECT (SELECT count(*) FROM gone)::int AS acked,
         (SELECT pg_notify($8, '') FROM added LIMIT 1) AS notified`;

interface Columns {
  ids: string[];
  timestamps: string[];
  types: string[];
  payloads: string[];
}

function columns(): Columns {
  return { ids: [], timestamps: [], types: [], payloads: [] };
}

function push(into: Columns, type: string, n: number): void {
  into.ids.push(randomUUID());
  into.timestamps.push(new Date().toISOString());
  into.types.push(type);
  into.payloads.push(JSON.stringify({ n }));
}

/**
 * Measures the raw loop described above on a fresh table, after an untimed warm-up run of a
 * tenth of the size, and drops the table after.
 */
export async function measureRawPgChain(args: PgRawArgs): Promise<PgRawResult> {
  await runRawChain({ ...args, starts: Math.max(1, Math.round(args.starts / 10)) });
  return runRawChain(args);
}

/** {@link measureRawPgChain} with per-event settles over a pool of `connections` (default 8). */
export async function measureRawPgPerEvent(args: PgRawArgs): Promise<PgRawResult> {
  return measureRawPgChain({ ...args, connections: args.connections ?? 8 });
}

async function runRawChain(args: PgRawArgs): Promise<PgRawResult> {
  // A pool for the per-event settles; the claims and the batched loop use one connection.
  const client = new pg.Pool({ connectionString: args.url, max: args.connections ?? 1 });
  const name = `raw_${randomUUID().replaceAll("-", "")}`;
  const table = `bench_raw.${name}`;
  const channel = `bench_raw.${name}`;
  try {
    for (const statement of CREATE(table)) await client.query(statement);
    const [insert, claim, settle] = [INSERT(table), CLAIM(table), SETTLE(table)];
    const total = args.starts * 3;
    const started = performance.now();
    for (let from = 0; from < args.starts; from += 1_000) {
      const c = columns();
      for (let n = from; n < Math.min(args.starts, from + 1_000); n++) push(c, "A", n);
      await client.query(insert, [c.ids, c.timestamps, c.types, c.payloads, channel]);
    }
    let handled = 0;
    while (handled < total) {
      const { rows } = await client.query<{ seq: string; attempt: number; event: string }>(claim, [
        args.count,
        OWNER,
        LEASE_MS,
      ]);
      if (rows.length === 0) continue;
      if (args.connections !== undefined) {
        await Promise.all(
          rows.map((row) => {
            const event = JSON.parse(row.event) as { event_type: string; payload: { n: number } };
            const next = NEXT[event.event_type];
            const emitted = columns();
            if (next !== undefined) push(emitted, next, event.payload.n);
            handled++;
            return client.query(settle, [
              [row.seq],
              [row.attempt],
              OWNER,
              emitted.ids,
              emitted.timestamps,
              emitted.types,
              emitted.payloads,
              channel,
            ]);
          }),
        );
        continue;
      }
      const seqs: string[] = [];
      const attempts: number[] = [];
      const emitted = columns();
      for (const row of rows) {
        const event = JSON.parse(row.event) as { event_type: string; payload: { n: number } };
        const next = NEXT[event.event_type];
        if (next !== undefined) push(emitted, next, event.payload.n);
        seqs.push(row.seq);
        attempts.push(row.attempt);
        handled++;
      }
      await client.query(settle, [
        seqs,
        attempts,
        OWNER,
        emitted.ids,
        emitted.timestamps,
        emitted.types,
        emitted.payloads,
        channel,
      ]);
    }
    const seconds = (performance.now() - started) / 1_000;
    return { handled, seconds, eventsPerSecond: handled / seconds };
  } finally {
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.end();
  }
}
