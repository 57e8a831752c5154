import { afterEach, beforeAll, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { Event } from "../../src/index.js";
import { PostgresBackend } from "../../src/postgres.js";
import { WorkerProcess } from "../fixtures/worker-process.js";
import { describePostgres } from "../helpers/postgres-server.js";
import { usePrivatePostgres } from "../helpers/private-postgres.js";
import { waitUntil } from "../helpers/wait.js";
import { captureIO } from "./io.js";

const ORGANS = "test/replay/fixtures/shop-organs.ts";
const CHANGED_ORGANS = "test/replay/fixtures/shop-organs-fee.ts";

describePostgres("necrostack trace and replay on PostgreSQL, through the archive", () => {
  const pg = usePrivatePostgres();
  const stream = "shop";
  const ids: Record<string, string> = {};

  const run = async (argv: string[]) => {
    const io = captureIO({ env: {} });
    const code = await main([...argv, "--backend", pg.server.url, "--stream", stream], io);
    return { code, out: io.stdoutText(), err: io.stderrText() };
  };
  const count = async (sql: string) => Number((await pg.pool.query<{ n: string }>(sql)).rows[0]?.n);

  beforeAll(async () => {
    const producer = new PostgresBackend({ url: pg.server.url, stream, logger: false });
    for (const orderId of ["o-1", "bad-1"]) {
      const order = new Event("ORDER_PLACED", { orderId, total: 20 });
      ids[orderId] = order.id;
      await producer.enqueue(order);
    }
    await producer.close();
    const workers = ["a", "b"].map((name) =>
      WorkerProcess.spawn([
        ...["worker", "--organs", ORGANS, "--backend", pg.server.url, "--stream", stream],
        ...["--consumer", name, "--retention-ms", "3600000", "--max-retries", "2"],
        ...["--handler-failure-mode", "nack", "--lease-ms", "500"],
      ]),
    );
    try {
      await waitUntil(
        "the orders handled into the archive, bad-1's SHIPPED dead-lettered",
        async () =>
          (await count(`SELECT count(*) AS n FROM necrostack.${stream}_archive`)) === 6 &&
          (await count(`SELECT count(*) AS n FROM necrostack.${stream}_dead`)) === 1,
        30_000,
      );
    } finally {
      for (const worker of workers) worker.signal("SIGTERM");
      await Promise.all(workers.map((worker) => worker.exited));
    }
  }, 60_000);

  afterEach(async () => {
    await WorkerProcess.killAll();
  });

  it("traces a chain handled by two workers from the archive to its dead letter", async () => {
    const { code, out } = await run(["trace", ids["bad-1"] as string, "--organs", ORGANS]);
    expect(code).toBe(0);
    expect(out).toMatch(/3 events, 1 dead letter/);
    expect(out).toMatch(/└─ PAYMENT_TAKEN .* hop 1 +by Payments +\[stream \d+\]/);
    expect(out).toMatch(
      /└─ SHIPPED .* hop 2 +by Shipping +\[dead letters \d+\] .*✗ DEAD LETTER at .*mail server refused/,
    );
  });

  it("replays the archived orders into another stream, and the same command again writes nothing", async () => {
    const argv = ["replay", "--type", "ORDER_PLACED", "--into", "shop_again", "--json"];
    const first = await run(argv);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.out)).toMatchObject({ selected: 2, replayed: 2, done: true });
    const again = await run(argv);
    expect(JSON.parse(again.out)).toMatchObject({ resumed: true, replayed: 2 });
    const rows = await pg.pool.query<{ from: string }>(
      `SELECT headers->>'replayed-from' AS from FROM necrostack.shop_again ORDER BY seq`,
    );
    expect(rows.rows.map((row) => row.from)).toEqual([ids["o-1"], ids["bad-1"]]);
  });

  it("dry-runs the orders through a changed organ and shows the difference", async () => {
    const { code, out } = await run([
      "replay",
      "--type",
      "ORDER_PLACED",
      "--dry-run",
      "--organs",
      CHANGED_ORGANS,
    ]);
    expect(code).toBe(1);
    expect(out).toContain("≠ payload.amount: 20 -> 22");
    expect(out).toMatch(/2 events run .*, 2 differ\./);
  });

  it("resumes after the replaying process is killed with SIGKILL, delivering no event twice", async () => {
    const [source, target] = ["killed_src", "killed_dst"];
    const events = Array.from({ length: 3_000 }, (_, n) => new Event(n % 2 ? "B" : "A", { n }));
    const producer = new PostgresBackend({ url: pg.server.url, stream: source, logger: false });
    try {
      for (let i = 0; i < events.length; i += 1_000) {
        await producer.enqueueMany(events.slice(i, i + 1_000));
      }
    } finally {
      await producer.close();
    }
    const copies = () =>
      count(`SELECT count(*) AS n FROM necrostack.${target}`).catch(() => 0 /* not made yet */);
    const argv = [
      ...["replay", "--backend", pg.server.url, "--stream", source, "--into", target],
      ...["--replay-id", "killed", "--batch-size", "20"],
    ];
    const child = WorkerProcess.spawn([...argv, "--rate", "1000"]);
    await waitUntil("the replay half way", async () => (await copies()) >= 600, 30_000);
    await child.kill();
    const copied = await copies();
    expect(copied).toBeLessThan(3_000);
    const { rows } = await pg.pool.query<{ progress: { replayed: number } }>(
      `SELECT progress FROM necrostack.${target}_replays WHERE replay_id = 'killed'`,
    );
    // What the progress says was replayed is exactly what is in the table: one transaction.
    expect(rows[0]?.progress.replayed).toBe(copied);

    const io = captureIO({ env: {} });
    expect(await main([...argv, "--json"], io)).toBe(0);
    expect(JSON.parse(io.stdoutText())).toMatchObject({
      resumed: true,
      done: true,
      replayed: 3_000,
      scanned: 3_000,
    });
    const from = await pg.pool.query<{ from: string }>(
      `SELECT headers->>'replayed-from' AS from FROM necrostack.${target} ORDER BY seq`,
    );
    expect(from.rows.map((row) => row.from)).toEqual(events.map((event) => event.id));
  }, 60_000);

  it("refuses --group: PostgreSQL has no consumer groups", async () => {
    const { code, err } = await run(["replay", "--group", "g"]);
    expect(code).toBe(2);
    expect(err).toMatch(/--group needs a Redis stream/);
  });
});
