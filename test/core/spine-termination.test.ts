import { describe, expect, it, vi } from "vitest";
import { Event, InMemoryBackend, NecroStackError, Spine } from "../../src/index.js";
import { ScriptedBackend } from "./support/backends.js";
import { deferred, organ } from "./support/organs.js";

/** Fails the test if `promise` has not settled within `ms`: a bound, not a speed check. */
function within<T>(promise: Promise<T>, ms = 5_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms);
  });
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

const HOUR = 3_600_000;

describe("Spine termination", () => {
  it('resolves an "idle" run once nothing is queued or in flight, without waiting out a poll', async () => {
    const spine = new Spine({
      organs: [organ("Async", ["A"], async () => undefined)],
      backend: new InMemoryBackend(),
      logger: false,
      pollTimeoutMs: HOUR,
    });
    const stats = await within(spine.run(new Event("A"), { until: "idle" }));
    expect(stats.eventsProcessed).toBe(1);
  });

  it('resolves an "idle" run with several events in flight only after the last one finishes', async () => {
    const gates = [deferred(), deferred(), deferred()];
    let finished = 0;
    const spine = new Spine({
      organs: [
        organ("Gated", ["A"], async (e) => {
          await gates[e.payload.n as number]?.promise;
          finished++;
        }),
      ],
      backend: new InMemoryBackend(),
      logger: false,
      concurrency: 3,
      pollTimeoutMs: HOUR,
    });
    const run = spine.run([0, 1, 2].map((n) => new Event("A", { n })));
    for (const gate of [gates[2], gates[0], gates[1]]) gate?.resolve();
    const stats = await within(run);
    expect(finished).toBe(3);
    expect(stats.eventsProcessed).toBe(3);
  });

  it('resolves an "idle" run on a backend without a synchronous path at the first empty pull', async () => {
    const backend = new ScriptedBackend({ capabilities: { durable: true } });
    const spine = new Spine({
      organs: [organ("Sink", ["A"], () => undefined)],
      backend,
      logger: false,
      pollTimeoutMs: 5,
    });
    const stats = await within(spine.run([new Event("A"), new Event("A")], { until: "idle" }));
    expect(stats.eventsProcessed).toBe(2);
    expect(backend.pullCalls).toBe(3);
  });

  it('runs "idle" by default on the in-memory backend', async () => {
    const spine = new Spine({
      organs: [],
      backend: new InMemoryBackend(),
      logger: false,
      pollTimeoutMs: HOUR,
    });
    await within(spine.run(new Event("A")));
  });

  it('keeps waiting for events on an empty queue under "stopped", until stop()', async () => {
    const backend = new InMemoryBackend();
    const seen: number[] = [];
    const spine: Spine = new Spine({
      organs: [
        organ("Sink", ["A"], (e) => {
          seen.push(e.payload.n as number);
          if (e.payload.n === 2) spine.stop();
        }),
      ],
      backend,
      logger: false,
      pollTimeoutMs: 5,
    });
    const run = spine.run(new Event("A", { n: 1 }), { until: "stopped" });
    await vi.waitFor(() => expect(seen).toEqual([1]));
    await backend.enqueue(new Event("A", { n: 2 }));
    const stats = await within(run);
    expect(seen).toEqual([1, 2]);
    expect(stats.eventsProcessed).toBe(2);
  });

  it('runs "stopped" by default on a durable backend', async () => {
    const backend = new ScriptedBackend({ capabilities: { durable: true } });
    const seen: number[] = [];
    const spine: Spine = new Spine({
      organs: [
        organ("Sink", ["A"], (e) => {
          seen.push(e.payload.n as number);
          if (e.payload.n === 2) spine.stop();
        }),
      ],
      backend,
      logger: false,
      pollTimeoutMs: 5,
    });
    const run = spine.run(new Event("A", { n: 1 }));
    // An "idle" run would end at the first empty pull; wait until the queue has been found empty.
    await vi.waitFor(() => expect(backend.pullCalls).toBeGreaterThan(2));
    await backend.enqueue(new Event("A", { n: 2 }));
    await within(run);
    expect(seen).toEqual([1, 2]);
  });

  it("wakes a run waiting on an empty queue when stop() is called", async () => {
    const backend = new InMemoryBackend();
    const spine = new Spine({ organs: [], backend, logger: false, pollTimeoutMs: HOUR });
    const run = spine.run(undefined, { until: "stopped" });
    await vi.waitFor(() => expect(spine.getStats().running).toBe(true));
    spine.stop();
    const stats = await within(run);
    expect(stats.running).toBe(false);
  });

  it("lets the event in flight finish on stop(): its events are enqueued and it is acked", async () => {
    const backend = new ScriptedBackend();
    const start = new Event("A");
    const spine: Spine = new Spine({
      organs: [
        organ("Stopper", ["A"], async () => {
          spine.stop();
          await new Promise((resolve) => setImmediate(resolve));
          return [new Event("B"), new Event("C")];
        }),
      ],
      backend,
      logger: false,
      pollTimeoutMs: 5,
    });
    const stats = await within(spine.run(start));
    expect(backend.acked).toEqual([start]);
    expect(backend.queue.map((e) => e.eventType)).toEqual(["B", "C"]);
    expect(stats.eventsEmitted).toBe(2);
  });

  it("pulls nothing new after stop()", async () => {
    const backend = new InMemoryBackend();
    const seen: number[] = [];
    const spine: Spine = new Spine({
      organs: [
        organ("Sink", ["A"], (e) => {
          seen.push(e.payload.n as number);
          if (e.payload.n === 1) spine.stop();
        }),
      ],
      backend,
      logger: false,
    });
    await within(spine.run([0, 1, 2, 3].map((n) => new Event("A", { n }))));
    expect(seen).toEqual([0, 1]);
    expect(backend.size).toBe(2);
  });

  it("lets every in-flight event finish on stop() at concurrency > 1 before run resolves", async () => {
    const backend = new InMemoryBackend();
    const gates = [deferred(), deferred(), deferred()];
    const finished: number[] = [];
    const spine: Spine = new Spine({
      organs: [
        organ("Gated", ["A"], async (e) => {
          const n = e.payload.n as number;
          await gates[n]?.promise;
          finished.push(n);
          return new Event("B", { n });
        }),
      ],
      backend,
      logger: false,
      concurrency: 3,
    });
    let settled = false;
    const run = spine.run([0, 1, 2, 3, 4].map((n) => new Event("A", { n })));
    void run.then(() => {
      settled = true;
    });
    await vi.waitFor(() => expect(spine.getStats().eventsProcessed).toBe(3));
    spine.stop();
    gates[0]?.resolve();
    // Observation window: with events 1 and 2 still in flight, the run must not have ended.
    await vi.waitFor(() => expect(finished).toEqual([0]));
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    gates[1]?.resolve();
    gates[2]?.resolve();
    const stats = await within(run);
    expect(finished.sort()).toEqual([0, 1, 2]);
    expect(stats.eventsEmitted).toBe(3);
    // Two start events were never pulled; the three B events were enqueued behind them.
    expect(backend.size).toBe(5);
  });

  it("stops when the AbortSignal aborts", async () => {
    const controller = new AbortController();
    const spine = new Spine({
      organs: [],
      backend: new InMemoryBackend(),
      logger: false,
      pollTimeoutMs: HOUR,
    });
    const run = spine.run(undefined, { until: "stopped", signal: controller.signal });
    await vi.waitFor(() => expect(spine.getStats().running).toBe(true));
    controller.abort();
    await within(run);
  });

  it("processes nothing when the signal was aborted before run", async () => {
    const backend = new InMemoryBackend();
    let calls = 0;
    const spine = new Spine({
      organs: [organ("Sink", ["A"], () => void calls++)],
      backend,
      logger: false,
    });
    const stats = await within(spine.run(new Event("A"), { signal: AbortSignal.abort() }));
    expect(calls).toBe(0);
    expect(stats.eventsProcessed).toBe(0);
    expect(backend.size).toBe(1);
  });

  it("rejects a second run while one is in progress", async () => {
    const spine = new Spine({
      organs: [],
      backend: new InMemoryBackend(),
      logger: false,
      pollTimeoutMs: HOUR,
    });
    const first = spine.run(undefined, { until: "stopped" });
    const error = await spine.run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NecroStackError);
    expect((error as Error).message).toContain("already running");
    spine.stop();
    await within(first);
  });

  it("can run again after a run ends, with fresh stats", async () => {
    const spine = new Spine({
      organs: [organ("Sink", ["A"], () => undefined)],
      backend: new InMemoryBackend(),
      logger: false,
    });
    await spine.run([new Event("A"), new Event("A")]);
    const second = await spine.run(new Event("A"));
    expect(second.eventsProcessed).toBe(1);
  });

  it("processes events already queued on the backend when run gets no start event", async () => {
    const backend = new InMemoryBackend();
    await backend.enqueue(new Event("A"));
    await backend.enqueue(new Event("A"));
    let calls = 0;
    const spine = new Spine({
      organs: [organ("Sink", ["A"], () => void calls++)],
      backend,
      logger: false,
    });
    const stats = await within(spine.run());
    expect(calls).toBe(2);
    expect(stats.eventsProcessed).toBe(2);
  });

  it("lets timers run during a long chain of synchronous handlers", async () => {
    let processedWhenTimerRan: number | undefined;
    const spine: Spine = new Spine({
      organs: [
        organ("Step", ["A"], (e) =>
          (e.payload.n as number) > 0
            ? new Event("A", { n: (e.payload.n as number) - 1 })
            : undefined,
        ),
      ],
      backend: new InMemoryBackend(),
      logger: false,
      maxSteps: 20_000,
      maxHops: Number.POSITIVE_INFINITY,
    });
    setTimeout(() => {
      processedWhenTimerRan = spine.getStats().eventsProcessed;
    }, 0);
    await spine.run(new Event("A", { n: 19_999 }));
    expect(processedWhenTimerRan).toBeDefined();
    expect(processedWhenTimerRan).toBeLessThan(20_000);
  });

  it("rejects an unknown until value with a TypeError", async () => {
    const spine = new Spine({ organs: [], backend: new InMemoryBackend(), logger: false });
    await expect(spine.run(undefined, { until: "forever" as never })).rejects.toThrow(TypeError);
  });

  it("does nothing when stop() is called on a Spine that is not running", async () => {
    const spine = new Spine({
      organs: [organ("Sink", ["A"], () => undefined)],
      backend: new InMemoryBackend(),
      logger: false,
    });
    spine.stop();
    expect((await spine.run(new Event("A"))).eventsProcessed).toBe(1);
  });
});
