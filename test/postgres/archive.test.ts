import { expect, it } from "vitest";
import { PRUNE_BATCH } from "../../src/backends/postgres/archive-pruner.js";
import { Event } from "../../src/index.js";
import { PostgresBackend, PostgresSchemaError, SCHEMA_VERSION } from "../../src/postgres.js";
import { describePostgres } from "../helpers/postgres-server.js";
import { usePrivatePostgres } from "../helpers/private-postgres.js";
import { rowCount, uniqueStream, waitUntil } from "./support.js";

describePostgres("PostgresBackend archive (retentionMs)", () => {
  const pg = usePrivatePostgres();
  const open = (stream: string, retentionMs: number) =>
    new PostgresBackend({ url: pg.server.url, stream, retentionMs, logger: false });

  const archived = async (stream: string) =>
    (
      await pg.pool.query<{ id: string; event_type: string; attempt: number; consumer: string }>(
        `SELECT id, event_type, attempt, consumer FROM necrostack.${stream}_archive ORDER BY seq`,
      )
    ).rows;

  it("copies each acked or committed event into the archive, in stream order, in the statement that deletes it", async () => {
    const stream = uniqueStream("kept");
    const backend = open(stream, 3_600_000);
    try {
      const [a, b, c] = [new Event("A"), new Event("B"), new Event("C")];
      await backend.enqueueMany([a, b, c]);
      const first = (await backend.pull(2_000)) as Event;
      const second = (await backend.pull(2_000)) as Event;
      const third = (await backend.pull(2_000)) as Event;
      await Promise.all([
        backend.commit(second, [new Event("FROM_B")]),
        backend.ack(first),
        backend.release(third, { reason: "not now" }),
      ]);
      expect(await archived(stream)).toEqual([
        { id: a.id, event_type: "A", attempt: 1, consumer: backend.consumerName },
        { id: b.id, event_type: "B", attempt: 1, consumer: backend.consumerName },
      ]);
      // The released event and the emitted one still wait; nothing handled stays in the queue.
      expect(await rowCount(pg.pool, stream)).toBe(2);
    } finally {
      await backend.close();
    }
  });

  it("archives nothing for a commit whose lease another consumer took over", async () => {
    const stream = uniqueStream("lost");
    const backend = open(stream, 3_600_000);
    try {
      await backend.enqueue(new Event("A"));
      const event = (await backend.pull(2_000)) as Event;
      await pg.pool.query(`UPDATE necrostack.${stream} SET lease_owner = 'other-worker'`);
      await backend.commit(event, [new Event("B")]);
      expect(await archived(stream)).toEqual([]);
      expect(await rowCount(pg.pool, stream)).toBe(1);
    } finally {
      await backend.close();
    }
  });

  it("keeps no archive without a retention", async () => {
    const stream = uniqueStream("gone");
    const backend = open(stream, 0);
    try {
      await backend.enqueue(new Event("A"));
      await backend.ack((await backend.pull(2_000)) as Event);
      expect(await archived(stream)).toEqual([]);
      expect(await rowCount(pg.pool, stream)).toBe(0);
    } finally {
      await backend.close();
    }
  });

  it("prunes archived rows older than the retention in batches, and keeps the younger ones", async () => {
    const stream = uniqueStream("prune");
    const backend = open(stream, 60_000);
    try {
      // Creates the tables; the pruner starts with the first pull.
      await backend.enqueue(new Event("A"));
      const old = PRUNE_BATCH * 2 + 7;
      await pg.pool.query(
        `INSERT INTO necrostack.${stream}_archive (seq, id, "timestamp", event_type, payload, enqueued_at, attempt, consumer, handled_at)
         SELECT -n, 'old-' || n, '2026-01-01T00:00:00.000Z', 'OLD', '{}', now(), 1, 'w', now() - interval '2 minutes'
         FROM generate_series(1, $1) AS n`,
        [old],
      );
      await backend.ack((await backend.pull(2_000)) as Event);
      await waitUntil("the old rows pruned", async () => (await archived(stream)).length === 1);
      expect(await archived(stream)).toEqual([
        { id: expect.any(String), event_type: "A", attempt: 1, consumer: backend.consumerName },
      ]);
    } finally {
      await backend.close();
    }
  });
});

describePostgres("PostgresBackend with migrate: false", () => {
  const pg = usePrivatePostgres();

  it("refuses a stream without tables, naming the command that creates them, and creates nothing", async () => {
    const stream = uniqueStream("unmigrated");
    const backend = new PostgresBackend({
      url: pg.server.url,
      stream,
      migrate: false,
      logger: false,
    });
    try {
      const failure = await backend.enqueue(new Event("A")).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(PostgresSchemaError);
      expect((failure as PostgresSchemaError).found).toBe(0);
      expect((failure as Error).message).toContain(
        `necrostack postgres migrate --url <url> --schema necrostack --stream ${stream}`,
      );
      await expect(backend.pull(100)).rejects.toBeInstanceOf(PostgresSchemaError);
      const { rows } = await pg.pool.query("SELECT to_regclass($1) AS t", [`necrostack.${stream}`]);
      expect(rows).toEqual([{ t: null }]);
    } finally {
      await backend.close();
    }
  });

  it("refuses a stream at an older schema version, and works once a migrating backend upgraded it", async () => {
    const stream = uniqueStream("old");
    const migrating = new PostgresBackend({ url: pg.server.url, stream, logger: false });
    await migrating.enqueue(new Event("A"));
    await migrating.close();
    // As a stream created by the first release: version 1 only.
    await pg.pool.query(`DROP TABLE necrostack.${stream}_archive`);
    await pg.pool.query("DELETE FROM necrostack.migrations WHERE stream = $1 AND version > 1", [
      stream,
    ]);
    const checking = () =>
      new PostgresBackend({ url: pg.server.url, stream, migrate: false, logger: false });
    const refused = checking();
    try {
      const failure = await refused.pull(100).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(PostgresSchemaError);
      expect(failure).toMatchObject({ found: 1, needed: SCHEMA_VERSION });
    } finally {
      await refused.close();
    }
    const upgrading = new PostgresBackend({ url: pg.server.url, stream, logger: false });
    await upgrading.enqueue(new Event("B"));
    await upgrading.close();
    const accepted = checking();
    try {
      const got = [await accepted.pull(2_000), await accepted.pull(2_000)];
      expect(got.map((event) => event?.eventType)).toEqual(["A", "B"]);
    } finally {
      await accepted.close();
    }
  });
});

describePostgres("PostgresBackend health levels", () => {
  const pg = usePrivatePostgres();

  it("reports the rows waiting, leased and dead-lettered, as the gauges read them", async () => {
    const stream = uniqueStream("levels");
    const backend = new PostgresBackend({
      url: pg.server.url,
      stream,
      batchSize: 2,
      logger: false,
    });
    try {
      await backend.enqueueMany(Array.from({ length: 5 }, () => new Event("A")));
      const first = (await backend.pull(2_000)) as Event;
      expect((await backend.health()).details).toMatchObject({
        streamLength: 5,
        pending: 2,
        lag: 3,
        dlqLength: 0,
      });
      await backend.nack(first, "poison");
      expect((await backend.health()).details).toMatchObject({
        streamLength: 4,
        pending: 1,
        lag: 3,
        dlqLength: 1,
      });
    } finally {
      await backend.close();
    }
  });
});
