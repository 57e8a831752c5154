/**
 * The idempotent enqueue of a PostgreSQL stream (`PostgresBackend.enqueueOnce`): the ids added
 * this way are kept in the table `<stream>_once`, and one statement inserts the id (`ON
 * CONFLICT DO NOTHING`) and, only if it was new, the event, so a copy forwarded again after a
 * crash, or by two forwarders at once (the second waits for the first's transaction), is added
 * once. The table keeps about the latest {@link ONCE_WINDOW_IDS} ids: every
 * {@link TRIM_EVERY} adds, a process deletes those older than that. The table is one of the
 * stream's, created by its migrations (schema version 4).
 */
import { type Event, headersJson } from "../../core/event.js";
import { isoTimestamp } from "../../core/timestamp.js";
import type { SqlClient } from "./client.js";
import type { StreamTables } from "./schema.js";

/** How many ids `<stream>_once` keeps, as Redis's `<stream>:once` does. */
export const ONCE_WINDOW_IDS = 100_000;
/** Adds by one process between two trims of the window. */
const TRIM_EVERY = 1_000;

export class IdempotentEnqueue {
  readonly #tables: StreamTables;
  readonly #once: string;
  readonly #insert: string;
  #sinceTrim = 0;

  constructor(tables: StreamTables) {
    this.#tables = tables;
    this.#once = tables.once;
    this.#insert = `WITH once AS (
        INSERT INTO ${this.#once} (id) VALUES ($1) ON CONFLICT (id) DO NOTHING RETURNING id
      ), added AS (
        INSERT INTO ${tables.events} (id, "timestamp", event_type, payload, headers)
        SELECT once.id, $2, $3, $4::json, $5::jsonb FROM once RETURNING 1
      )
      SELECT (SELECT count(*) FROM added)::int AS added,
             (SELECT pg_notify($6, '') FROM added LIMIT 1) AS notified`;
  }

  /**
   * Adds `event` to the stream unless its id is in the window; resolves whether it was added.
   * The stream's own tables must exist (the backend has migrated them).
   */
  async enqueue(client: SqlClient, event: Event): Promise<boolean> {
    const headers = headersJson(event);
    const rows = await client.query<{ added: number }>(this.#insert, [
      event.id,
      isoTimestamp(event.timestampMs),
      event.eventType,
      JSON.stringify(event.payload),
      headers === "" ? null : headers,
      this.#tables.channel,
    ]);
    const added = rows[0]?.added === 1;
    if (added && ++this.#sinceTrim >= TRIM_EVERY) {
      this.#sinceTrim = 0;
      await client.query(
        `DELETE FROM ${this.#once} WHERE seq <= (SELECT max(seq) FROM ${this.#once}) - $1`,
        [ONCE_WINDOW_IDS],
      );
    }
    return added;
  }
}
