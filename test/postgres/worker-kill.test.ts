import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { Event } from "../../src/index.js";
import { PostgresBackend } from "../../src/postgres.js";
import { describePostgres } from "../helpers/postgres-server.js";
import { usePrivatePostgres } from "../helpers/private-postgres.js";
import { rowCount, uniqueStream, waitUntil } from "./support.js";

const WORKER = fileURLToPath(new URL("./fixtures/pg-worker.ts", import.meta.url));
const JOBS = 400;

function startWorker(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return child;
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

describePostgres("A worker on PostgresBackend killed with SIGKILL mid-batch", () => {
  const pg = usePrivatePostgres();

  it("loses no job and emits each job's event exactly once: its rows come back when its lease expires, and its commits were all or nothing", {
    timeout: 120_000,
  }, async () => {
    const stream = uniqueStream("kill");
    const audit = `${stream}_audit`;
    const producer = new PostgresBackend({ url: pg.server.url, stream, logger: false });
    const workers: ChildProcess[] = [];
    try {
      await producer.enqueueMany(Array.from({ length: JOBS }, (_, n) => new Event("JOB", { n })));
      // Every DONE row ever committed, whoever consumed it since: a rolled-back insert leaves none.
      await pg.pool.query(`CREATE TABLE ${audit} (n int NOT NULL)`);
      await pg.pool.query(`CREATE FUNCTION ${audit}_log() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO ${audit} VALUES ((NEW.payload->>'n')::int); RETURN NEW; END $$`);
      await pg.pool.query(`CREATE TRIGGER ${audit}_trigger AFTER INSERT ON necrostack.${stream}
        FOR EACH ROW WHEN (NEW.event_type = 'DONE') EXECUTE FUNCTION ${audit}_log()`);
      const common = {
        FIXTURE_PG_URL: pg.server.url,
        FIXTURE_STREAM: stream,
        FIXTURE_LEASE_MS: "1000",
      };
      const done = async (): Promise<number> =>
        (await pg.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${audit}`)).rows[0]
          ?.n ?? 0;

      const a = startWorker({ ...common, FIXTURE_WORKER: "a", FIXTURE_DELAY_MS: "100" });
      workers.push(a);
      await waitUntil("worker a has handled 40 jobs", async () => (await done()) >= 40, 60_000);
      a.kill("SIGKILL");
      expect(await exited(a)).toEqual({ code: null, signal: "SIGKILL" });
      // Mid-batch: the dead worker still holds leased rows.
      const { rows } = await pg.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM necrostack.${stream} WHERE lease_owner = 'a'`,
      );
      expect(rows[0]?.n).toBeGreaterThan(0);

      const b = startWorker({ ...common, FIXTURE_WORKER: "b", FIXTURE_DELAY_MS: "0" });
      workers.push(b);
      await waitUntil("every job done", async () => (await done()) === JOBS, 60_000);
      await waitUntil(
        "every row consumed",
        async () => (await rowCount(pg.pool, stream)) === 0,
        30_000,
      );
      const { rows: counts } = await pg.pool.query<{ n: number; times: number }>(
        `SELECT n, count(*)::int AS times FROM ${audit} GROUP BY n HAVING count(*) <> 1`,
      );
      expect(counts).toEqual([]);
      b.kill("SIGTERM");
      expect(await exited(b)).toEqual({ code: 0, signal: null });
    } finally {
      for (const worker of workers) if (worker.exitCode === null) worker.kill("SIGKILL");
      await producer.close();
    }
  });
});
