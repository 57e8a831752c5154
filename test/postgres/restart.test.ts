import { expect, it } from "vitest";
import { Event, organ, Spine } from "../../src/index.js";
import { PostgresBackend } from "../../src/postgres.js";
import { describePostgres } from "../helpers/postgres-server.js";
import { usePrivatePostgres } from "../helpers/private-postgres.js";
import { rowCount, uniqueStream, waitUntil } from "./support.js";

describePostgres("PostgresBackend across a server restart", () => {
  // fsync and synchronous commit on: a SIGKILLed server must keep every committed row.
  const pg = usePrivatePostgres({ fsync: true });

  for (const hard of [false, true]) {
    it(`loses no waiting event when the server is ${hard ? "killed (SIGKILL)" : "restarted"} under a running worker`, async () => {
      const stream = uniqueStream("restart");
      const handled = new Map<number, number>();
      // A short lease: a row whose ack the restart cut off comes back within seconds.
      const backend = new PostgresBackend({
        url: pg.server.url,
        stream,
        leaseMs: 2_000,
        logger: false,
      });
      const spine = new Spine({
        organs: [
          organ("Slow", ["JOB"], async (event) => {
            await new Promise((resolve) => setTimeout(resolve, 5));
            const n = event.payload.n as number;
            handled.set(n, (handled.get(n) ?? 0) + 1);
          }),
        ],
        backend,
        logger: false,
        pollTimeoutMs: 200,
        maxConsecutiveBackendFailures: 1_000,
        handlerFailureMode: "nack",
      });
      const run = spine.run();
      try {
        const jobs = Array.from({ length: 300 }, (_, n) => new Event("JOB", { n }));
        await backend.enqueueMany(jobs);
        await waitUntil("some jobs handled", () => handled.size >= 20);
        await pg.server.restart(hard);
        await waitUntil("every job handled", () => handled.size === jobs.length, 30_000);
        await waitUntil(
          "every row deleted",
          async () => (await rowCount(pg.pool, stream)) === 0,
          30_000,
        );
        // At least once: a job whose ack the restart cut off may run twice, never more here.
        for (const count of handled.values()) expect(count).toBeLessThanOrEqual(2);
      } finally {
        spine.stop();
        await run;
        await backend.close();
      }
    }, 60_000);
  }

  it("reports unhealthy, saying why, while the server is down and once closed; healthy in between", async () => {
    const stream = uniqueStream("health");
    const backend = new PostgresBackend({ url: pg.server.url, stream, logger: false });
    try {
      await backend.enqueueMany([new Event("A"), new Event("B")]);
      expect(await backend.health()).toMatchObject({
        healthy: true,
        details: { stream, streamLength: 2, pending: 0, lag: 2, dlqLength: 0 },
      });
      await pg.server.stop();
      const down = await backend.health();
      expect(down.healthy).toBe(false);
      expect(down.details.error).toMatch(/ECONNREFUSED|terminat|connect/i);
      expect(down.details.streamLength).toBeUndefined();
      await pg.server.start();
      await waitUntil("healthy again", async () => (await backend.health()).healthy, 20_000);
    } finally {
      await backend.close();
    }
    const closed = await backend.health();
    expect(closed.healthy).toBe(false);
    expect(closed.details.error).toMatch(/closed/i);
  }, 60_000);

  it("listens again after a restart: a notification wakes a pull that would otherwise poll for a minute", async () => {
    const stream = uniqueStream("relisten");
    const consumer = new PostgresBackend({
      url: pg.server.url,
      stream,
      pollIntervalMs: 60_000,
      logger: false,
    });
    const producer = new PostgresBackend({ url: pg.server.url, stream, logger: false });
    try {
      expect(await consumer.pull(20)).toBeNull();
      await pg.server.restart();
      await waitUntil("LISTEN restored", async () => (await consumer.health()).details.listening);
      // Its first pull after the restart may fail on a connection the restart cut.
      await consumer.pull(20).catch(() => null);
      const waiting = consumer.pull(5_000);
      const sent = new Event("PING");
      const started = Date.now();
      await producer.enqueue(sent);
      expect((await waiting)?.id).toBe(sent.id);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await consumer.close();
      await producer.close();
    }
  }, 60_000);
});
