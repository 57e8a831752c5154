/** What the PostgreSQL tests share: unique stream names, reading the tables, bounded waits. */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { Event } from "../../src/index.js";

/** A stream name no other test uses: `<prefix>_<32 hex>`. */
export function uniqueStream(prefix = "s"): string {
  return `${prefix}_${randomUUID().replaceAll("-", "")}`;
}

/** The dead letters of a stream, oldest first. */
export async function deadLetters(
  pool: pg.Pool,
  stream: string,
  schema = "necrostack",
): Promise<{ eventId: string; reason: string; attempt: number; event: Event | undefined }[]> {
  const { rows } = await pool.query<{
    event_id: string;
    reason: string;
    attempt: number;
    event: object | null;
    headers: Record<string, string> | null;
  }>(
    `SELECT event_id, reason, attempt, event, headers FROM "${schema}"."${stream}_dead" ORDER BY seq`,
  );
  return rows.map((row) => ({
    eventId: row.event_id,
    reason: row.reason,
    attempt: row.attempt,
    event: row.event === null ? undefined : parse(row.event, row.headers),
  }));
}

/** The event a dead letter holds; undefined for a poison row, which held none. */
function parse(event: object, headers: Record<string, string> | null): Event | undefined {
  try {
    return Event.fromJSON(event, headers ?? undefined);
  } catch {
    return undefined;
  }
}

/**
 * Creates the table test/fixtures/postgres-recording-organs.ts records into. The test makes it
 * before it starts any worker: workers starting together must not race on its creation
 * (concurrent `CREATE TABLE IF NOT EXISTS` can still collide on the catalog).
 */
export async function createRecordTable(pool: pg.Pool, table: string): Promise<void> {
  await pool.query(`CREATE TABLE public.${table} (kind text NOT NULL, n int NOT NULL)`);
}

/** How many rows wait in a stream's table, leased or not. */
export async function rowCount(
  pool: pg.Pool,
  stream: string,
  schema = "necrostack",
): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "${schema}"."${stream}"`,
  );
  return rows[0]?.n ?? 0;
}

export { observeFor as elapse, waitUntil } from "../helpers/wait.js";
