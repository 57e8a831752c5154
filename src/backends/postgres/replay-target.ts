/**
 * PostgresReplayTarget: replay into a PostgreSQL stream (`replay()` in the core). One
 * transaction locks the replay's row in `<schema>.<stream>_replays`, checks its progress,
 * inserts the batch into the stream's table, stores the new progress and notifies the stream's
 * workers: a replay killed half way resumes from that row, and no event is inserted twice.
 *
 * The stream's tables, the replays table among them (schema version 5), are created or upgraded
 * on first use, as a backend does.
 */
import { InvalidOptionError } from "../../core/errors.js";
import { type Event, headersJson } from "../../core/event.js";
import {
  parseProgress,
  progressText,
  type ReplayProgress,
  type ReplayTarget,
  type StaleProgress,
} from "../../core/replay/target.js";
import { isoTimestamp } from "../../core/timestamp.js";
import { maskUrl } from "../../utils/redact.js";
import type { PgPoolLike, SqlClient } from "./client.js";
import { PostgresOperationError } from "./errors.js";
import { PgSqlClient } from "./pg-client.js";
import { migrate, type StreamTables, streamTables } from "./schema.js";

/** Options of {@link PostgresReplayTarget}. */
export interface PostgresReplayTargetOptions {
  /** The connection string (`postgres://`). The password is never shown. */
  readonly url: string;
  /** Your own pool (not ended by `close()`); `url` then only names it. */
  readonly pool?: PgPoolLike;
  /** The stream replayed events are added to (a table name). */
  readonly stream: string;
  /** The schema of its tables. @defaultValue "necrostack" */
  readonly schema?: string;
}

/** The quoted name of the table of replays' progress into `tables`' stream. */
export function replaysTable(tables: StreamTables): string {
  return tables.replays;
}

export class PostgresReplayTarget implements ReplayTarget {
  readonly description: string;
  readonly #options: PostgresReplayTargetOptions;
  readonly #tables: StreamTables;
  readonly #replays: string;
  readonly #target: string;
  #client: Promise<SqlClient> | undefined;
  #closed = false;

  constructor(options: PostgresReplayTargetOptions) {
    const { url, stream } = options;
    if (typeof url !== "string" || !/^postgres(ql)?:\/\//i.test(url)) {
      throw new InvalidOptionError(
        "url",
        "a postgres:// or postgresql:// URL",
        maskUrl(String(url)),
      );
    }
    if (typeof stream !== "string" || stream === "") {
      throw new InvalidOptionError("stream", "a non-empty stream name", stream);
    }
    this.#options = options;
    this.#tables = streamTables(options.schema ?? "necrostack", stream);
    this.#replays = replaysTable(this.#tables);
    this.#target = maskUrl(url);
    this.description = `stream ${this.#tables.schema}.${stream} at ${this.#target}`;
  }

  async progress(replayId: string): Promise<ReplayProgress | null> {
    const client = await this.#ready();
    const rows = await this.#attempt("replay progress read", () =>
      client.query<{ progress: string | null }>(
        `SELECT progress::text AS progress FROM ${this.#replays} WHERE replay_id = $1`,
        [replayId],
      ),
    );
    return parseProgress(replayId, rows[0]?.progress);
  }

  async write(
    progress: ReplayProgress,
    events: readonly Event[],
    expectedLastEntryId: string | null,
  ): Promise<true | StaleProgress> {
    const client = await this.#ready();
    const t = this.#tables;
    return this.#attempt("replay batch (insert and progress)", () =>
      client.transaction(async (query) => {
        await query(
          `INSERT INTO ${this.#replays} (replay_id, last) VALUES ($1, '') ON CONFLICT (replay_id) DO NOTHING`,
          [progress.replayId],
        );
        const [row] = await query<{ last: string }>(
          `SELECT last FROM ${this.#replays} WHERE replay_id = $1 FOR UPDATE`,
          [progress.replayId],
        );
        const found = row?.last ?? "";
        if (found !== (expectedLastEntryId ?? "")) {
          return { stale: true, found: found === "" ? null : found } as const;
        }
        if (events.length > 0) {
          // One statement for the batch, in order: seq follows the arrays' order.
          await query(
            `INSERT INTO ${t.events} (id, "timestamp", event_type, payload, headers)
             SELECT id, ts, event_type, payload::json, headers::jsonb
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
               WITH ORDINALITY AS batch(id, ts, event_type, payload, headers, n)
             ORDER BY n`,
            [
              events.map((event) => event.id),
              events.map((event) => isoTimestamp(event.timestampMs)),
              events.map((event) => event.eventType),
              events.map((event) => JSON.stringify(event.payload)),
              events.map((event) => headersJson(event) || null),
            ],
          );
          await query("SELECT pg_notify($1, '')", [t.channel]);
        }
        await query(
          `UPDATE ${this.#replays} SET last = $2, progress = $3::jsonb, updated_at = now() WHERE replay_id = $1`,
          [progress.replayId, progress.lastEntryId ?? "", progressText(progress)],
        );
        return true as const;
      }),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const client = await this.#client?.catch(() => undefined);
    await client?.close();
  }

  /** The client, once the stream's tables and the replays table exist. */
  #ready(): Promise<SqlClient> {
    if (this.#closed) {
      return Promise.reject(
        new PostgresOperationError(
          "replay",
          this.#target,
          new Error("the replay target is closed"),
        ),
      );
    }
    this.#client ??= this.#open().catch((error: unknown) => {
      this.#client = undefined;
      throw error;
    });
    return this.#client;
  }

  async #open(): Promise<SqlClient> {
    const client = await PgSqlClient.create({
      url: this.#options.url,
      pool: this.#options.pool,
      poolSize: 2,
      applicationName: "necrostack:replay",
      idleError: () => {},
    });
    try {
      await this.#attempt("replay target setup (migration)", async () => {
        await migrate(client, this.#tables);
      });
    } catch (error) {
      await client.close();
      throw error;
    }
    return client;
  }

  async #attempt<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof PostgresOperationError) throw error;
      throw new PostgresOperationError(operation, this.#target, error);
    }
  }
}
