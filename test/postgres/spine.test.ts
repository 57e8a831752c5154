import { expect, it } from "vitest";
import { Event, organ, Spine } from "../../src/index.js";
import { PostgresBackend, type PostgresBackendOptions } from "../../src/postgres.js";
import { describePostgres } from "../helpers/postgres-server.js";
import { usePrivatePostgres } from "../helpers/private-postgres.js";
import { deadLetters, rowCount, uniqueStream, waitUntil } from "./support.js";

/** A Spine on a new PostgresBackend, running until `stop()`. */
function startWorker(
  organs: ConstructorParameters<typeof Spine>[0]["organs"],
  options: PostgresBackendOptions,
  concurrency = 1,
) {
  const backend = new PostgresBackend({ logger: false, ...options });
  const spine = new Spine({
    organs,
    backend,
    logger: false,
    concurrency,
    pollTimeoutMs: 200,
    handlerFailureMode: "nack",
  });
  const run = spine.run();
  return {
    backend,
    async stop() {
      spine.stop();
      try {
        await run;
      } finally {
        await backend.close();
      }
    },
  };
}

describePostgres("A Spine on PostgresBackend", () => {
  const pg = usePrivatePostgres();

  for (const concurrency of [1, 8]) {
    it(`runs a three-organ chain to its end at concurrency ${concurrency}, each step once, leaving no row`, async () => {
      const stream = uniqueStream("chain");
      const finished = new Map<number, number>();
      const correlations = new Map<number, string | undefined>();
      const organs = [
        organ("Placer", ["ORDER_PLACED"], (event) => new Event("ORDER_PAID", event.payload)),
        organ("Payer", ["ORDER_PAID"], (event) => new Event("ORDER_SHIPPED", event.payload)),
        organ("Shipper", ["ORDER_SHIPPED"], (event) => {
          const n = event.payload.n as number;
          finished.set(n, (finished.get(n) ?? 0) + 1);
          correlations.set(n, event.headers["correlation-id"]);
        }),
      ];
      const worker = startWorker(organs, { url: pg.server.url, stream }, concurrency);
      try {
        const starts = Array.from({ length: 100 }, (_, n) => new Event("ORDER_PLACED", { n }));
        await worker.backend.enqueueMany(starts);
        await waitUntil("every chain finished", () => finished.size === starts.length);
        await waitUntil("every row deleted", async () => (await rowCount(pg.pool, stream)) === 0);
        for (const start of starts) {
          const n = start.payload.n as number;
          expect(finished.get(n)).toBe(1);
          // The lineage headers travelled through the table with each hop.
          expect(correlations.get(n)).toBe(start.id);
        }
      } finally {
        await worker.stop();
      }
    });
  }

  it("handles events in the order they were enqueued at concurrency 1", async () => {
    const stream = uniqueStream("fifo");
    const seen: number[] = [];
    const worker = startWorker(
      [organ("Recorder", ["STEP"], (event) => void seen.push(event.payload.n as number))],
      { url: pg.server.url, stream, batchSize: 7 },
    );
    try {
      const steps = Array.from({ length: 60 }, (_, n) => new Event("STEP", { n }));
      for (const step of steps) await worker.backend.enqueue(step);
      await waitUntil("every step handled", () => seen.length === steps.length);
      expect(seen).toEqual(steps.map((_, n) => n));
    } finally {
      await worker.stop();
    }
  });

  it("delivers a failed event again on attempt 2, and dead-letters one that always fails", async () => {
    const stream = uniqueStream("retry");
    const attempts = new Map<string, number[]>();
    const worker = startWorker(
      [
        organ("Flaky", ["JOB"], (event, ctx) => {
          attempts.set(event.id, [...(attempts.get(event.id) ?? []), ctx.attempt]);
          if (event.payload.doomed === true || ctx.attempt === 1) throw new Error("not yet");
        }),
      ],
      { url: pg.server.url, stream, maxRetries: 3 },
    );
    try {
      const flaky = new Event("JOB", { doomed: false });
      const doomed = new Event("JOB", { doomed: true });
      await worker.backend.enqueueMany([flaky, doomed]);
      await waitUntil(
        "the doomed event dead-lettered",
        async () => (await deadLetters(pg.pool, stream)).length === 1,
      );
      await waitUntil("every row settled", async () => (await rowCount(pg.pool, stream)) === 0);
      expect(attempts.get(flaky.id)).toEqual([1, 2]);
      expect(attempts.get(doomed.id)).toEqual([1, 2, 3]);
      const [dead] = await deadLetters(pg.pool, stream);
      expect(dead?.eventId).toBe(doomed.id);
      expect(dead?.event?.equals(doomed)).toBe(true);
      expect(dead?.reason).toContain("not yet");
    } finally {
      await worker.stop();
    }
  });
});
