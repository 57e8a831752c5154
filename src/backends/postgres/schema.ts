/**
 * Where a stream lives, and the migrations that create it. Everything is created on first use,
 * idempotently: under an advisory lock, so backends starting together do not race on
 * `CREATE ... IF NOT EXISTS` (which can still collide on the catalog), and recorded per stream
 * in `<schema>.migrations`, so a later version of this package can add steps.
 */
import { createHash } from "node:crypto";
import { quoteIdentifier, type SqlClient } from "./client.js";

/** The quoted names of one stream's tables, and its notification channel. */
export interface StreamTables {
  readonly schema: string;
  readonly stream: string;
  /** `"schema"."stream"`: the events waiting, leased or not. */
  readonly events: string;
  /** `"schema"."stream_dead"`: the dead letters. */
  readonly dead: string;
  /** `"schema"."stream_archive"`: handled events kept for `retentionMs`. */
  readonly archive: string;
  /** `"schema"."stream_schema_types"`: the schema registry's event types (mode, revision). */
  readonly schemaTypes: string;
  /** `"schema"."stream_schemas"`: the schema registry's versions, one row each. */
  readonly schemas: string;
  /** `"schema"."stream_once"`: ids of the events `enqueueOnce` added, the latest 100,000. */
  readonly once: string;
  /** `"schema"."stream_replays"`: the progress of each replay into the stream. */
  readonly replays: string;
  /** `"schema"."migrations"` */
  readonly migrations: string;
  /** The NOTIFY channel (unquoted, as `pg_notify` takes it): `schema.stream`. */
  readonly channel: string;
}

export function streamTables(schema: string, stream: string): StreamTables {
  const s = quoteIdentifier(schema);
  const channel = `${schema}.${stream}`;
  return {
    schema,
    stream,
    events: `${s}.${quoteIdentifier(stream)}`,
    dead: `${s}.${quoteIdentifier(`${stream}_dead`)}`,
    archive: `${s}.${quoteIdentifier(`${stream}_archive`)}`,
    schemaTypes: `${s}.${quoteIdentifier(`${stream}_schema_types`)}`,
    schemas: `${s}.${quoteIdentifier(`${stream}_schemas`)}`,
    once: `${s}.${quoteIdentifier(`${stream}_once`)}`,
    replays: `${s}.${quoteIdentifier(`${stream}_replays`)}`,
    migrations: `${s}.migrations`,
    // A channel name is an identifier: at most 63 bytes. Longer ones are hashed to fit.
    channel:
      channel.length <= 63
        ? channel
        : `necrostack_${createHash("sha1").update(channel).digest("hex").slice(0, 40)}`,
  };
}

/** One step of a stream's schema. Never edit a released step: add the next. */
interface Migration {
  readonly version: number;
  readonly statements: (t: StreamTables) => readonly string[];
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: (t) => [
      // `id`, `timestamp`, `event_type`, `payload`: the wire form NecroStack writes on Redis.
      // `seq` orders the stream (FIFO by insertion); the lease columns say who holds a row.
      // The payload is `json`, not `jsonb`: jsonb reorders keys and refuses "\u0000", and an
      // event must come out exactly as it went in (cast to jsonb to query it).
      `CREATE TABLE IF NOT EXISTS ${t.events} (
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
      // For the next due time of delayed rows and of leases, which sets how long a pull sleeps.
      `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(`${t.stream}_available`)} ON ${t.events} (available_at)`,
      `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(`${t.stream}_leased`)} ON ${t.events} (lease_expires_at) WHERE lease_expires_at IS NOT NULL`,
      `CREATE TABLE IF NOT EXISTS ${t.dead} (
        seq bigserial PRIMARY KEY,
        original_seq bigint,
        event_id text,
        event json,
        headers jsonb,
        reason text NOT NULL,
        attempt integer NOT NULL,
        consumer text NOT NULL,
        failed_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
  {
    version: 2,
    statements: (t) => [
      // Handled events, when the backend keeps them (`retentionMs`): the row as it was, with
      // its original `seq` (so the archive keeps the stream's order), who handled it and when.
      `CREATE TABLE IF NOT EXISTS ${t.archive} (
        seq bigint PRIMARY KEY,
        id text NOT NULL,
        "timestamp" text NOT NULL,
        event_type text NOT NULL,
        payload json NOT NULL,
        headers jsonb,
        enqueued_at timestamptz NOT NULL,
        attempt integer NOT NULL,
        consumer text NOT NULL,
        handled_at timestamptz NOT NULL DEFAULT now()
      )`,
      // For pruning by age.
      `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(`${t.stream}_archive_handled`)} ON ${t.archive} (handled_at)`,
    ],
  },
  {
    version: 3,
    statements: (t) => [
      // The schema registry of the stream (PostgresSchemaRegistryStore): per event type its
      // compatibility mode and the revision every write bumps (the compare-and-set token), and
      // each registered version as the JSON of a RegisteredSchema.
      `CREATE TABLE IF NOT EXISTS ${t.schemaTypes} (
        event_type text PRIMARY KEY,
        mode text,
        revision integer NOT NULL
      )`,
      `CREATE TABLE IF NOT EXISTS ${t.schemas} (
        event_type text NOT NULL,
        version integer NOT NULL,
        entry json NOT NULL,
        PRIMARY KEY (event_type, version)
      )`,
    ],
  },
  {
    version: 4,
    statements: (t) => [
      // The ids `enqueueOnce` added (forwards of a RoutingBackend or a bridge), so a copy sent
      // again is dropped; `seq` orders them for trimming the window to the latest ones.
      `CREATE TABLE IF NOT EXISTS ${t.once} (
        id text PRIMARY KEY,
        seq bigserial NOT NULL,
        added_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(`${t.stream}_once_seq`)} ON ${t.once} (seq)`,
    ],
  },
  {
    version: 5,
    statements: (t) => [
      // The progress of each replay into the stream (PostgresReplayTarget): the last source
      // entry written, updated in the transaction that inserts each batch.
      `CREATE TABLE IF NOT EXISTS ${t.replays} (
        replay_id text PRIMARY KEY,
        last text NOT NULL,
        progress jsonb,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
];

/** The newest schema version of a stream. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Whether the schema has its `migrations` table (any stream was ever created in it). */
async function hasMigrations(client: SqlClient, migrations: string): Promise<boolean> {
  const [row] = await client.query<{ present: boolean }>(
    "SELECT to_regclass($1) IS NOT NULL AS present",
    [migrations],
  );
  return row?.present === true;
}

/**
 * The stream's schema version: the newest migration recorded for it, 0 when none is (or the
 * schema itself does not exist yet). Changes nothing.
 */
export async function schemaVersion(client: SqlClient, t: StreamTables): Promise<number> {
  if (!(await hasMigrations(client, t.migrations))) return 0;
  const [row] = await client.query<{ version: number | null }>(
    `SELECT max(version) AS version FROM ${t.migrations} WHERE stream = $1`,
    [t.stream],
  );
  return row?.version ?? 0;
}

/** Every stream the schema's migrations record, by name. Changes nothing. */
export async function recordedStreams(client: SqlClient, schema: string): Promise<string[]> {
  const { migrations } = streamTables(schema, "events");
  if (!(await hasMigrations(client, migrations))) return [];
  const rows = await client.query<{ stream: string }>(
    `SELECT DISTINCT stream FROM ${migrations} ORDER BY stream`,
  );
  return rows.map((row) => row.stream);
}

/**
 * Brings the stream's tables to {@link SCHEMA_VERSION}, in one transaction. Resolves the
 * versions applied now (empty when it was up to date).
 */
export async function migrate(client: SqlClient, t: StreamTables): Promise<number[]> {
  return client.transaction(async (query) => {
    // One lock per schema: every stream's creation in it is serialised, which is rare and brief.
    await query("SELECT pg_advisory_xact_lock(hashtext($1))", [`necrostack:${t.schema}`]);
    await query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(t.schema)}`);
    await query(`CREATE TABLE IF NOT EXISTS ${t.migrations} (
      stream text NOT NULL,
      version integer NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (stream, version)
    )`);
    const rows = await query<{ version: number }>(
      `SELECT version FROM ${t.migrations} WHERE stream = $1`,
      [t.stream],
    );
    const done = new Set(rows.map((row) => row.version));
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      for (const statement of migration.statements(t)) await query(statement);
      await query(`INSERT INTO ${t.migrations} (stream, version) VALUES ($1, $2)`, [
        t.stream,
        migration.version,
      ]);
      applied.push(migration.version);
    }
    return applied;
  });
}
