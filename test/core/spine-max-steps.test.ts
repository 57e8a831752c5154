import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  Event,
  InMemoryBackend,
  MaxStepsExceededError,
  NecroStackError,
  type ReleaseOptions,
  Spine,
} from "../../src/index.js";
import { ScriptedBackend } from "./support/backends.js";
import { organ } from "./support/organs.js";

/**
 * `starts` start events, each the head of a chain; the chains hold `total` events in all.
 * Returns the Spine and the events its organ has seen.
 */
function chains(maxSteps: number, async: boolean, concurrency = 1) {
  const seen: Event[] = [];
  const backend = new InMemoryBackend();
  const next = (event: Event) => {
    seen.push(event);
    const left = event.payload.left as number;
    return left > 0 ? new Event("STEP", { left: left - 1 }) : undefined;
  };
  const spine = new Spine({
    organs: [organ("Stepper", ["STEP"], async ? async (e) => next(e) : next)],
    backend,
    logger: false,
    maxSteps,
    // Chains longer than the default maxHops: this suite is about the step limit alone.
    maxHops: Number.POSITIVE_INFINITY,
    concurrency,
  });
  return { spine, seen, backend };
}

/** Start events whose chains hold exactly `total` events, split over `heads` chains. */
function startEvents(total: number, heads: number): Event[] {
  const count = Math.min(heads, total);
  return Array.from({ length: count }, (_, i) => {
    const size = Math.floor(total / count) + (i < total % count ? 1 : 0);
    return new Event("STEP", { left: size - 1 });
  });
}

const scenario = fc.record({
  maxSteps: fc.integer({ min: 1, max: 60 }),
  heads: fc.integer({ min: 1, max: 5 }),
  async: fc.boolean(),
});

/** A durable backend that records what the Spine releases, and why. */
class ReleasingBackend extends ScriptedBackend {
  readonly released: { event: Event; reason: string | undefined }[] = [];

  constructor() {
    super({ capabilities: { durable: true, redelivery: true } });
  }

  async release(event: Event, options?: ReleaseOptions): Promise<void> {
    this.released.push({ event, reason: options?.reason });
  }

  deliveryAttempt(): number {
    return 1;
  }
}

describe("Spine max steps", () => {
  it("completes a run of exactly maxSteps events, start events included", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ maxSteps, heads, async }) => {
        const { spine, seen } = chains(maxSteps, async);
        const stats = await spine.run(startEvents(maxSteps, heads));
        expect(stats.eventsProcessed).toBe(maxSteps);
        expect(seen).toHaveLength(maxSteps);
      }),
    );
  });

  it('rejects the (maxSteps+1)-th event with MaxStepsExceededError "Max steps exceeded" before any organ sees it', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ maxSteps, heads, async }) => {
        const { spine, seen } = chains(maxSteps, async);
        const error = await spine.run(startEvents(maxSteps + 1, heads)).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(MaxStepsExceededError);
        expect((error as Error).message).toMatch(/^Max steps exceeded: /);
        // It names the event it handed back: the first no organ saw.
        const { eventId, eventType } = error as MaxStepsExceededError;
        expect((error as Error).message).toContain(`${eventType} (${eventId})`);
        expect(seen.map((e) => e.id)).not.toContain(eventId);
        expect(seen).toHaveLength(maxSteps);
      }),
    );
  });

  it("raises an error that is an Error and a NecroStackError carrying the limit", async () => {
    const { spine } = chains(3, false);
    const error = await spine.run(new Event("STEP", { left: 10 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(NecroStackError);
    expect((error as MaxStepsExceededError).maxSteps).toBe(3);
    expect((error as MaxStepsExceededError).code).toBe("ERR_MAX_STEPS");
  });

  it("stops an endless loop at the default of 10,000 steps", async () => {
    const spine = new Spine({
      organs: [organ("Loop", ["PING"], () => new Event("PING"))],
      backend: new InMemoryBackend(),
      logger: false,
      maxHops: Number.POSITIVE_INFINITY,
    });
    await expect(spine.run(new Event("PING"))).rejects.toThrow(MaxStepsExceededError);
    expect(spine.getStats().eventsProcessed).toBe(10_000);
  });

  it("counts steps per run", async () => {
    const { spine } = chains(5, false);
    await spine.run(new Event("STEP", { left: 4 }));
    const again = await spine.run(new Event("STEP", { left: 4 }));
    expect(again.eventsProcessed).toBe(5);
  });

  it("enforces the limit at concurrency > 1 too", async () => {
    const seen: number[] = [];
    const spine = new Spine({
      organs: [
        organ("Fan", ["A"], async (e) => {
          seen.push(e.payload.n as number);
          return [new Event("A", { n: 0 }), new Event("A", { n: 0 })];
        }),
      ],
      backend: new InMemoryBackend(),
      logger: false,
      maxSteps: 20,
      concurrency: 4,
    });
    await expect(spine.run(new Event("A", { n: 0 }))).rejects.toThrow("Max steps exceeded");
    expect(seen).toHaveLength(20);
  });

  it("hands the event it stopped at back to the backend, so the next run handles it first", async () => {
    const seen: unknown[] = [];
    const backend = new InMemoryBackend();
    const spine = new Spine({
      organs: [organ("Sink", ["A"], (e) => void seen.push(e.payload.n))],
      backend,
      logger: false,
      maxSteps: 3,
    });
    const events = [1, 2, 3, 4, 5].map((n) => new Event("A", { n }));
    await expect(spine.run(events)).rejects.toThrow(MaxStepsExceededError);
    expect(seen).toEqual([1, 2, 3]);
    expect(backend.size).toBe(2);
    await spine.run();
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it("loses no event: runs repeated on one backend until one completes handle every event once", async () => {
    await fc.assert(
      fc.asyncProperty(
        scenario,
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 150 }),
        async ({ maxSteps, heads, async }, concurrency, total) => {
          const { spine, seen, backend } = chains(maxSteps, async, concurrency);
          for (const event of startEvents(total, heads)) backend.sync.enqueue(event);
          for (let runs = 0; ; runs++) {
            expect(runs).toBeLessThanOrEqual(total);
            const error = await spine.run().then(
              () => undefined,
              (e: unknown) => e,
            );
            if (error === undefined) break;
            expect(error).toBeInstanceOf(MaxStepsExceededError);
          }
          expect(seen).toHaveLength(total);
          expect(new Set(seen.map((e) => e.id)).size).toBe(total);
        },
      ),
    );
  });

  it("releases the event it stopped at, with the reason, on a backend that cannot hand it back", async () => {
    const backend = new ReleasingBackend();
    const spine = new Spine({
      organs: [organ("Sink", ["A"], () => undefined)],
      backend,
      logger: false,
      pollTimeoutMs: 5,
      maxSteps: 1,
    });
    const second = new Event("A");
    await expect(spine.run([new Event("A"), second])).rejects.toThrow(MaxStepsExceededError);
    expect(backend.released).toEqual([
      { event: second, reason: "Not handled: the run stopped at maxSteps (1)" },
    ]);
  });

  it("is off by default on a durable backend, where a worker runs for good", async () => {
    const spine = new Spine({
      organs: [
        organ("Countdown", ["STEP"], (e) => {
          const left = e.payload.left as number;
          return left > 0 ? new Event("STEP", { left: left - 1 }) : undefined;
        }),
      ],
      backend: new ScriptedBackend({ capabilities: { durable: true } }),
      logger: false,
      pollTimeoutMs: 5,
      maxHops: Number.POSITIVE_INFINITY,
    });
    const stats = await spine.run(new Event("STEP", { left: 10_000 }), { until: "idle" });
    expect(stats.eventsProcessed).toBe(10_001);
  });
});
