/**
 * The PostgreSQL twin of three-workers.test.ts: `necrostack worker --backend postgres://`
 * processes sharing one stream table, each event handled by exactly one of them.
 */
import { afterEach, expect, it } from "vitest";
import { Event } from "../../src/index.js";
import { PostgresBackend } from "../../src/postgres.js";
import { WorkerProcess, waitUntil } from "../fixtures/worker-process.js";
import { describePostgres } from "../helpers/postgres-server.js";
import { usePrivatePostgres } from "../helpers/private-postgres.js";
import { createRecordTable, rowCount, uniqueStream } from "../postgres/support.js";

const EVENTS = 10_000;
const ORGANS = "test/fixtures/postgres-recording-organs.ts";

describePostgres("necrostack worker on PostgreSQL, scaled out", { timeout: 240_000 }, () => {
  const pg = usePrivatePostgres();
  afterEach(() => WorkerProcess.killAll());

  /** How many distinct (kind, n) were recorded, and those recorded other than once. */
  async function tally(table: string) {
    const { rows } = await pg.pool.query<{ kind: string; n: number; times: number }>(
      `SELECT kind, n, count(*)::int AS times FROM public.${table} GROUP BY kind, n`,
    );
    return { distinct: rows.length, notOnce: rows.filter((row) => row.times !== 1) };
  }

  it.each([2, 3])(
    "processes every event of a 10,000-event workload exactly once across %i worker processes",
    async (count) => {
      const stream = uniqueStream("scale");
      const table = `rec_${stream}`;
      await createRecordTable(pg.pool, table);
      const names = Array.from({ length: count }, (_, i) => `w${i + 1}`);
      const workers = names.map((name) =>
        WorkerProcess.spawn(
          [
            ...["worker", "--organs", ORGANS, "--backend", pg.server.url],
            ...["--stream", stream, "--consumer", name, "--concurrency", "16"],
          ],
          { FIXTURE_PG_URL: pg.server.url, FIXTURE_TABLE: table },
        ),
      );
      await Promise.all(workers.map((worker) => worker.listening()));

      const producer = new PostgresBackend({ url: pg.server.url, stream, logger: false });
      try {
        for (let from = 0; from < EVENTS; from += 1_000) {
          await producer.enqueueMany(
            Array.from({ length: 1_000 }, (_, i) => new Event("JOB", { n: from + i })),
          );
        }
      } finally {
        await producer.close();
      }

      await waitUntil(
        "every JOB and JOB_DONE handled",
        async () => (await tally(table)).distinct === 2 * EVENTS,
        {
          timeoutMs: 180_000,
          intervalMs: 250,
          describe: async () => `${(await tally(table)).distinct} of ${2 * EVENTS} handled`,
        },
      );
      for (const worker of workers) worker.signal("SIGTERM");
      await Promise.all(workers.map((worker) => worker.exitsCleanly(20_000)));

      // Each job, and each JOB_DONE it caused, was handled exactly once; nothing is left.
      const { distinct, notOnce } = await tally(table);
      expect(distinct).toBe(2 * EVENTS);
      expect(notOnce).toEqual([]);
      expect(await rowCount(pg.pool, stream)).toBe(0);
      // Every worker took part.
      for (const worker of workers) expect(worker.stdout).toMatch(/stopped after [1-9]\d* events/);
    },
  );
});
