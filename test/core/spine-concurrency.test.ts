import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { Event, InMemoryBackend, Spine } from "../../src/index.js";
import { deferred, organ } from "./support/organs.js";

/** Lets other work run for `ticks` turns of the event loop: a scheduling shuffle, not a sleep. */
async function yieldTicks(ticks: number): Promise<void> {
  for (let i = 0; i < ticks; i++) {
    if (i % 2 === 0) await Promise.resolve();
    else await new Promise((resolve) => setImmediate(resolve));
  }
}

describe("Spine concurrency", () => {
  it("processes events in strict FIFO order at concurrency 1, whatever the handlers await", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat({ max: 6 }), { minLength: 1, maxLength: 25 }),
        async (ticks) => {
          const order: number[] = [];
          const spine = new Spine({
            organs: [
              organ("Uneven", ["A"], async (e) => {
                await yieldTicks(ticks[e.payload.n as number] as number);
                order.push(e.payload.n as number);
              }),
            ],
            backend: new InMemoryBackend(),
            logger: false,
          });
          await spine.run(ticks.map((_, n) => new Event("A", { n })));
          expect(order).toEqual(ticks.map((_, n) => n));
        },
      ),
    );
  });

  it("runs the organs for one event in order at concurrency > 1", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 8 }),
        fc.array(fc.array(fc.nat({ max: 4 }), { minLength: 3, maxLength: 3 }), {
          minLength: 1,
          maxLength: 15,
        }),
        async (concurrency, ticks) => {
          const calls = new Map<number, string[]>();
          const step = (name: string, index: number) =>
            organ(name, ["A"], async (e) => {
              const n = e.payload.n as number;
              await yieldTicks(ticks[n]?.[index] as number);
              calls.set(n, [...(calls.get(n) ?? []), name]);
            });
          const spine = new Spine({
            organs: [step("First", 0), step("Second", 1), step("Third", 2)],
            backend: new InMemoryBackend(),
            logger: false,
            concurrency,
          });
          await spine.run(ticks.map((_, n) => new Event("A", { n })));
          expect(calls.size).toBe(ticks.length);
          for (const names of calls.values()) expect(names).toEqual(["First", "Second", "Third"]);
        },
      ),
    );
  });

  it("has at most `concurrency` events in flight, and uses all of them", async () => {
    const gate = deferred();
    let inFlight = 0;
    let most = 0;
    const spine = new Spine({
      organs: [
        organ("Gated", ["A"], async () => {
          inFlight++;
          most = Math.max(most, inFlight);
          await gate.promise;
          inFlight--;
        }),
      ],
      backend: new InMemoryBackend(),
      logger: false,
      concurrency: 3,
    });
    const run = spine.run(Array.from({ length: 10 }, () => new Event("A")));
    await vi.waitFor(() => expect(inFlight).toBe(3));
    gate.resolve();
    const stats = await run;
    expect(most).toBe(3);
    expect(stats.eventsProcessed).toBe(10);
  });

  it("handles one event at a time at the default concurrency of 1", async () => {
    let inFlight = 0;
    let most = 0;
    const spine = new Spine({
      organs: [
        organ("Counting", ["A"], async () => {
          inFlight++;
          most = Math.max(most, inFlight);
          await yieldTicks(3);
          inFlight--;
        }),
      ],
      backend: new InMemoryBackend(),
      logger: false,
    });
    await spine.run(Array.from({ length: 10 }, () => new Event("A")));
    expect(most).toBe(1);
  });

  it("enqueues what concurrent events emit and processes it too", async () => {
    const seen: string[] = [];
    const spine = new Spine({
      organs: [
        organ("Fan", ["A"], async (e) => {
          await yieldTicks(2);
          return new Event("B", { n: e.payload.n as number });
        }),
        organ("Sink", ["B"], (e) => void seen.push(String(e.payload.n))),
      ],
      backend: new InMemoryBackend(),
      logger: false,
      concurrency: 4,
    });
    const stats = await spine.run(Array.from({ length: 12 }, (_, n) => new Event("A", { n })));
    expect(seen.sort()).toEqual(Array.from({ length: 12 }, (_, n) => String(n)).sort());
    expect(stats.eventsProcessed).toBe(24);
  });
});
