import { expect, it } from "vitest";
import { SCHEMA_VERSION } from "../../src/backends/postgres/schema.js";
import { Event, organ, Spine } from "../../src/index.js";
import { PostgresBackend } from "../../src/postgres.js";
import { describePostgres } from "../helpers/postgres-server.js";
import { rawPool, usePrivatePostgres } from "../helpers/private-postgres.js";
import { rowCount, uniqueStream, waitUntil } from "./support.js";

describePostgres("PostgresBackend shared by several workers", () => {
  const pg = usePrivatePostgres();

  it("creates a new schema and its streams once when eight backends start on it at the same moment", async () => {
    // Workers of one deployment start together. Each backend migrates on first use, on its own
    // connection; without the lock they would race on CREATE SCHEMA / TABLE in the catalog.
    const schema = uniqueStream("fresh");
    const streams = [uniqueStream("a"), uniqueStream("b")];
    const backends = Array.from(
      { length: 8 },
      (_, i) =>
        new PostgresBackend({
          url: pg.server.url,
          schema,
          stream: streams[i % 2] as string,
          logger: false,
        }),
    );
    try {
      await Promise.all(backends.map((backend, n) => backend.enqueue(new Event("JOB", { n }))));
      for (const stream of streams) expect(await rowCount(pg.pool, stream, schema)).toBe(4);
      const { rows } = await pg.pool.query<{ stream: string; versions: number }>(
        `SELECT stream, count(*)::int AS versions FROM "${schema}".migrations GROUP BY stream`,
      );
      expect(rows.map((row) => row.versions)).toEqual([SCHEMA_VERSION, SCHEMA_VERSION]);
    } finally {
      await Promise.all(backends.map((backend) => backend.close()));
    }
  });

  it("gives each of 3,000 events to exactly one of three workers, all of which take part", async () => {
    const stream = uniqueStream("shared");
    const handledBy = new Map<number, string[]>();
    const workers = ["a", "b", "c"].map((name) => {
      const backend = new PostgresBackend({
        url: pg.server.url,
        stream,
        batchSize: 16,
        logger: false,
      });
      const spine = new Spine({
        organs: [
          organ("Tally", ["JOB"], async (event) => {
            const n = event.payload.n as number;
            if (n % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
            handledBy.set(n, [...(handledBy.get(n) ?? []), name]);
          }),
        ],
        backend,
        concurrency: 4,
        logger: false,
        pollTimeoutMs: 200,
      });
      return { backend, spine, run: spine.run() };
    });
    try {
      const jobs = Array.from({ length: 3_000 }, (_, n) => new Event("JOB", { n }));
      await (workers[0] as (typeof workers)[number]).backend.enqueueMany(jobs);
      await waitUntil("every job handled", () => handledBy.size === jobs.length, 30_000);
      await waitUntil("every row deleted", async () => (await rowCount(pg.pool, stream)) === 0);
      for (const by of handledBy.values()) expect(by).toHaveLength(1);
      const names = new Set([...handledBy.values()].map((by) => by[0]));
      expect(names).toEqual(new Set(["a", "b", "c"]));
    } finally {
      for (const worker of workers) worker.spine.stop();
      for (const worker of workers) {
        await worker.run;
        await worker.backend.close();
      }
    }
  });

  it("runs on the caller's own pool, and leaves it open on close", async () => {
    const stream = uniqueStream("pool");
    const pool = rawPool(pg.server.url);
    const backend = new PostgresBackend({ pool, stream, logger: false });
    try {
      const sent = new Event("PING");
      await backend.enqueue(sent);
      const got = await backend.pull(2_000);
      expect(got?.id).toBe(sent.id);
      await backend.ack(got as Event);
      await backend.close();
      const { rows } = await pool.query("SELECT 1 AS one");
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await backend.close();
      await pool.end();
    }
  });

  it("runs its statements as named prepared statements, unless told not to", async () => {
    for (const preparedStatements of [true, false]) {
      const pool = rawPool(pg.server.url);
      const backend = new PostgresBackend({
        pool,
        stream: uniqueStream("prep"),
        preparedStatements,
        logger: false,
      });
      try {
        await backend.enqueue(new Event("PING"));
        await backend.ack((await backend.pull(2_000)) as Event);
        // Each connection holds the statements it ran: count them on every connection but the
        // backend's LISTEN one (the pool has 4).
        const clients = await Promise.all(Array.from({ length: 3 }, () => pool.connect()));
        let prepared = 0;
        for (const client of clients) {
          const { rows } = await client.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE 'necrostack_%'",
          );
          prepared += rows[0]?.n ?? 0;
          client.release();
        }
        if (preparedStatements) expect(prepared).toBeGreaterThan(0);
        else expect(prepared).toBe(0);
      } finally {
        await backend.close();
        await pool.end();
      }
    }
  });
});
