/**
 * `necrostack worker --backend postgres://...` and `necrostack enqueue --backend postgres://...`
 * as users run them: child processes on a private PostgreSQL cluster.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { Event } from "../../src/index.js";
import { PostgresBackend } from "../../src/postgres.js";
import { WorkerProcess, waitUntil } from "../fixtures/worker-process.js";
import { describePostgres } from "../helpers/postgres-server.js";
import { usePrivatePostgres } from "../helpers/private-postgres.js";
import { createRecordTable, rowCount, uniqueStream } from "../postgres/support.js";

const ORGANS = "test/fixtures/postgres-recording-organs.ts";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describePostgres(
  "necrostack worker --backend postgres:// (a process on a private PostgreSQL)",
  { timeout: 90_000 },
  () => {
    const pg = usePrivatePostgres();
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "necrostack-cli-pg-"));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    afterEach(() => WorkerProcess.killAll());

    /** A fresh stream and record table, and the worker flags and fixture env that use them. */
    async function setup() {
      const stream = uniqueStream("w");
      const table = `rec_${stream}`;
      await createRecordTable(pg.pool, table);
      return {
        stream,
        table,
        worker: (args: readonly string[] = [], env: Record<string, string> = {}) =>
          WorkerProcess.spawn(
            [
              ...["worker", "--organs", ORGANS, "--backend", pg.server.url],
              ...["--stream", stream, "--consumer", "w", ...args],
            ],
            { FIXTURE_PG_URL: pg.server.url, FIXTURE_TABLE: table, ...env },
          ),
      };
    }

    /** How often each (kind, n) was recorded, as `"kind n": times`. */
    async function records(table: string): Promise<Record<string, number>> {
      const { rows } = await pg.pool.query<{ key: string; times: number }>(
        `SELECT kind || ' ' || n AS key, count(*)::int AS times FROM public.${table} GROUP BY 1`,
      );
      return Object.fromEntries(rows.map((row) => [row.key, row.times]));
    }

    it("handles events added with `necrostack enqueue --backend`, and on SIGTERM stops and exits 0 holding nothing", async () => {
      const { stream, table, worker: start } = await setup();
      const worker = start(["--concurrency", "4"]);
      await worker.listening();
      expect(worker.stdout).toContain(
        `necrostack worker w: listening on stream ${stream} (schema necrostack) at ${pg.server.url} with 2 organs (JobOrgan, DoneOrgan)`,
      );

      const one = WorkerProcess.spawn([
        ...["enqueue", "--backend", pg.server.url, "--stream", stream],
        ...["--type", "JOB", "--payload", '{"n":1}'],
      ]);
      expect(await one.waitForExit(30_000)).toEqual({ code: 0, signal: null });
      expect(one.stdout.trim()).toMatch(UUID);
      const file = join(dir, `${stream}.jsonl`);
      writeFileSync(
        file,
        [2, 3, 4].map((n) => JSON.stringify({ event_type: "JOB", payload: { n } })).join("\n"),
      );
      const many = WorkerProcess.spawn([
        ...["enqueue", "--backend", pg.server.url.replace("postgres:", "postgresql:")],
        ...["--stream", stream, "--file", file],
      ]);
      expect(await many.waitForExit(30_000)).toEqual({ code: 0, signal: null });
      expect(many.stdout.trim().split("\n")).toHaveLength(3);

      await waitUntil(
        "the four jobs and their JOB_DONEs are handled",
        async () => Object.keys(await records(table)).length === 8,
        { timeoutMs: 30_000, describe: async () => JSON.stringify(await records(table)) },
      );
      worker.signal("SIGTERM");
      await worker.exitsCleanly(15_000);
      expect(worker.stdout).toContain("necrostack worker w: stopped after 8 events");
      expect(await records(table)).toEqual({
        "job 1": 1,
        "job 2": 1,
        "job 3": 1,
        "job 4": 1,
        "done 1": 1,
        "done 2": 1,
        "done 3": 1,
        "done 4": 1,
      });
      expect(await rowCount(pg.pool, stream)).toBe(0);
    });

    it("finishes the event in flight on SIGTERM: its JOB_DONE is committed and no row stays leased", async () => {
      const { stream, table, worker: start } = await setup();
      const worker = start([], { FIXTURE_DELAY_MS: "1500" });
      await worker.listening();
      const producer = new PostgresBackend({ url: pg.server.url, stream, logger: false });
      await producer.enqueue(new Event("JOB", { n: 1 }));
      await producer.close();
      await waitUntil(
        "the worker has claimed the job",
        async () => {
          const { rows } = await pg.pool.query(
            `SELECT 1 FROM necrostack.${stream} WHERE lease_owner = 'w'`,
          );
          return rows.length === 1;
        },
        { timeoutMs: 20_000 },
      );

      worker.signal("SIGTERM");
      await worker.exitsCleanly(15_000);
      expect(await records(table)).toEqual({ "job 1": 1 });
      const { rows } = await pg.pool.query<{ event_type: string; lease_owner: string | null }>(
        `SELECT event_type, lease_owner FROM necrostack.${stream} ORDER BY seq`,
      );
      expect(rows).toEqual([{ event_type: "JOB_DONE", lease_owner: null }]);
    });

    it.each([
      [["--group", "g"], "--group"],
      [["--claim-min-idle-ms", "1000"], "--claim-min-idle-ms"],
      [["--dlq", "dead"], "--dlq"],
      [["--max-len", "10"], "--max-len"],
    ])("exits 2 for the Redis-only flag %j, naming it", async (args, flag) => {
      const { worker: start } = await setup();
      const worker = start(args);
      expect(await worker.waitForExit(30_000)).toEqual({ code: 2, signal: null });
      expect(worker.stderr).toContain(
        `necrostack worker: ${flag} applies only to Redis, and the backend is PostgreSQL; remove it`,
      );
      expect(worker.stdout).toBe("");
    });
  },
);
