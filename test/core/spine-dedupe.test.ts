import { describe, expect, it, vi } from "vitest";
import { Event, InMemoryBackend, Spine } from "../../src/index.js";
import { ScriptedBackend, type ScriptedBackendOptions } from "./support/backends.js";
import { deferred, organ } from "./support/organs.js";

/** A durable backend whose `release` delivers the event again at once. */
class RedeliveringBackend extends ScriptedBackend {
  readonly released: Event[] = [];

  constructor(options: ScriptedBackendOptions = {}) {
    super({ ...options, capabilities: { durable: true, redelivery: true } });
  }

  async release(event: Event): Promise<void> {
    this.released.push(event);
    this.queue.push(event);
  }

  deliveryAttempt(event: Event): number {
    return 1 + this.released.filter((released) => released === event).length;
  }
}

/**
 * A durable backend with an atomic `commit` whose first call fails; as on Redis, the event it
 * failed to commit stays unacked and is delivered again.
 */
class FailingCommitBackend extends ScriptedBackend {
  commits = 0;

  constructor() {
    super({ capabilities: { durable: true, atomicCommit: true } });
  }

  async commit(event: Event, emitted: readonly Event[]): Promise<void> {
    if (++this.commits === 1) {
      this.queue.push(event);
      throw new Error("connection reset during commit");
    }
    for (const next of emitted) await this.enqueue(next);
    await this.ack(event);
  }
}

/** Two copies of one event, as a producer that retried an enqueue makes them. */
function twoCopies(): [Event, Event] {
  const event = new Event("A", { n: 1 });
  return [event, Event.fromJSON(JSON.stringify(event))];
}

describe("Spine dedupe", () => {
  it("acks and skips an event whose id was already committed", async () => {
    const backend = new ScriptedBackend();
    const seen: string[] = [];
    const spine = new Spine({
      organs: [organ("Sink", ["A"], (e) => void seen.push(e.id))],
      backend,
      logger: false,
      pollTimeoutMs: 5,
      dedupe: true,
    });
    const event = new Event("A");
    const other = new Event("A");
    const stats = await spine.run([event, other, event]);
    expect(seen).toEqual([event.id, other.id]);
    expect(stats.eventsDeduplicated).toBe(1);
    expect(stats.eventsProcessed).toBe(2);
    expect(backend.acked).toEqual([event, other, event]);
  });

  it("recognises a redelivered copy with the same id", async () => {
    const seen: string[] = [];
    const spine = new Spine({
      organs: [organ("Sink", ["A"], (e) => void seen.push(e.id))],
      backend: new InMemoryBackend(),
      logger: false,
      dedupe: true,
    });
    await spine.run(twoCopies());
    expect(seen).toHaveLength(1);
  });

  it("does not count a skipped duplicate as a step", async () => {
    const event = new Event("A");
    const spine = new Spine({
      organs: [organ("Sink", ["A"], () => undefined)],
      backend: new InMemoryBackend(),
      logger: false,
      dedupe: true,
      maxSteps: 1,
    });
    const stats = await spine.run([event, event, event]);
    expect(stats.eventsProcessed).toBe(1);
    expect(stats.eventsDeduplicated).toBe(2);
  });

  it("handles an event again when it is redelivered after a handler failure under nack, and emits its result once", async () => {
    const backend = new RedeliveringBackend();
    let calls = 0;
    const spine = new Spine({
      organs: [
        organ("Flaky", ["A"], () => {
          if (++calls === 1) throw new Error("inventory service timed out");
          return new Event("B");
        }),
      ],
      backend,
      logger: false,
      pollTimeoutMs: 5,
      dedupe: true,
      handlerFailureMode: "nack",
    });
    const event = new Event("A");
    const stats = await spine.run(event, { until: "idle" });
    expect(calls).toBe(2);
    expect(backend.released).toEqual([event]);
    expect(backend.enqueueCalls.filter((c) => c.event.eventType === "B")).toHaveLength(1);
    expect(stats.eventsDeduplicated).toBe(0);
  });

  it("handles an event again when it is redelivered after its commit failed under enqueueFailureMode store", async () => {
    const backend = new FailingCommitBackend();
    let calls = 0;
    const spine = new Spine({
      organs: [
        organ("Shipper", ["A"], () => {
          calls++;
          return new Event("SHIPPED");
        }),
      ],
      backend,
      logger: false,
      pollTimeoutMs: 5,
      dedupe: true,
      enqueueFailureMode: "store",
    });
    const event = new Event("A");
    const stats = await spine.run(event, { until: "idle" });
    expect(calls).toBe(2);
    // A twice, then the SHIPPED event it emitted (no organ listens to it).
    expect(backend.commits).toBe(3);
    expect(backend.acked.map((e) => e.eventType)).toEqual(["A", "SHIPPED"]);
    // The first attempt's result is in the failed-event store; the second one's was committed.
    expect(spine.failedEvents().map((f) => f.event.eventType)).toEqual(["SHIPPED"]);
    expect(backend.enqueueCalls.map((c) => c.event.eventType)).toEqual(["A", "SHIPPED"]);
    expect(stats.eventsDeduplicated).toBe(0);
  });

  it("holds a copy that arrives while one with its id is in flight, and skips it once that one is committed", async () => {
    const backend = new ScriptedBackend();
    const gate = deferred();
    let calls = 0;
    const spine = new Spine({
      organs: [
        organ("Slow", ["A"], async () => {
          calls++;
          await gate.promise;
        }),
      ],
      backend,
      logger: false,
      pollTimeoutMs: 5,
      concurrency: 2,
      dedupe: true,
    });
    const [first, copy] = twoCopies();
    const run = spine.run([first, copy]);
    await vi.waitFor(() => expect(backend.pullCalls).toBeGreaterThanOrEqual(2));
    // Observation window: the copy must wait for the first, not be acked on its own.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(backend.acked).toEqual([]);
    gate.resolve();
    const stats = await run;
    expect(calls).toBe(1);
    expect(backend.acked).toEqual([first, copy]);
    expect(stats.eventsDeduplicated).toBe(1);
  });

  it("handles the held copy when the one in flight is not committed", async () => {
    const gate = deferred();
    let calls = 0;
    const spine = new Spine({
      organs: [
        organ("FailsOnce", ["A"], async () => {
          if (++calls === 1) {
            await gate.promise;
            throw new Error("card declined");
          }
        }),
      ],
      backend: new ScriptedBackend(),
      logger: false,
      pollTimeoutMs: 5,
      concurrency: 2,
      dedupe: true,
      handlerFailureMode: "nack",
    });
    const run = spine.run(twoCopies());
    await vi.waitFor(() => expect(calls).toBe(1));
    gate.resolve();
    const stats = await run;
    expect(calls).toBe(2);
    expect(stats.eventsDeduplicated).toBe(0);
  });

  it("remembers ids across runs of the same Spine", async () => {
    const event = new Event("A");
    let calls = 0;
    const spine = new Spine({
      organs: [organ("Sink", ["A"], () => void calls++)],
      backend: new InMemoryBackend(),
      logger: false,
      dedupe: true,
    });
    await spine.run(event);
    const again = await spine.run(event);
    expect(calls).toBe(1);
    expect(again.eventsDeduplicated).toBe(1);
  });

  it("remembers at most dedupe.maxIds ids, forgetting the oldest first", async () => {
    const seen: unknown[] = [];
    const spine = new Spine({
      organs: [organ("Sink", ["A"], (e) => void seen.push(e.payload.n))],
      backend: new InMemoryBackend(),
      logger: false,
      dedupe: { maxIds: 3 },
    });
    const events = [0, 1, 2, 3, 4].map((n) => new Event("A", { n }));
    expect((await spine.run(events)).dedupeIds).toBe(3);
    seen.length = 0;
    const again = await spine.run([events[4] as Event, events[1] as Event]);
    expect(seen).toEqual([1]);
    expect(again.eventsDeduplicated).toBe(1);
    expect(again.dedupeIds).toBe(3);
  });

  it("processes duplicates and remembers no id when dedupe is off (the default)", async () => {
    const event = new Event("A");
    let calls = 0;
    const spine = new Spine({
      organs: [organ("Sink", ["A"], () => void calls++)],
      backend: new InMemoryBackend(),
      logger: false,
    });
    const stats = await spine.run([event, event]);
    expect(calls).toBe(2);
    expect(stats.eventsDeduplicated).toBe(0);
    expect(stats.dedupeIds).toBe(0);
  });
});
