import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BackendClosedError,
  BackendFullError,
  Event,
  type Event as EventType,
  InMemoryBackend,
  InvalidOptionError,
} from "../../src/index.js";

const HOUR = 3_600_000;

function events(count: number): EventType[] {
  return Array.from({ length: count }, (_, n) => new Event("E", { n }));
}

describe("InMemoryBackend", () => {
  it("hands events out in the order they were enqueued, however enqueues and pulls interleave", async () => {
    // true = enqueue the next event, false = pull one; compared with an array as the model.
    const ops = fc.array(fc.boolean(), { minLength: 1, maxLength: 3_000 });
    await fc.assert(
      fc.asyncProperty(ops, async (steps) => {
        const backend = new InMemoryBackend();
        const model: EventType[] = [];
        let n = 0;
        for (const enqueue of steps) {
          if (enqueue) {
            const event = new Event("E", { n: n++ });
            model.push(event);
            await backend.enqueue(event);
          } else {
            expect(await backend.pull(0)).toBe(model.shift() ?? null);
          }
          expect(backend.size).toBe(model.length);
        }
        for (const expected of model) expect(await backend.pull(0)).toBe(expected);
      }),
      { numRuns: 60 },
    );
  });

  it("keeps FIFO order past its initial capacity", async () => {
    const backend = new InMemoryBackend();
    const all = events(5_000);
    for (const event of all.slice(0, 700)) await backend.enqueue(event);
    const out: EventType[] = [];
    for (let i = 0; i < 300; i++) out.push((await backend.pull(0)) as EventType);
    for (const event of all.slice(700)) await backend.enqueue(event);
    while (backend.size > 0) out.push((await backend.pull(0)) as EventType);
    expect(out).toEqual(all);
  });

  it("counts queued events in size", async () => {
    const backend = new InMemoryBackend();
    expect(backend.size).toBe(0);
    await backend.enqueue(new Event("A"));
    await backend.enqueue(new Event("B"));
    expect(backend.size).toBe(2);
    await backend.pull();
    expect(backend.size).toBe(1);
  });

  it("resolves null once the timeout passes with nothing queued", async () => {
    const backend = new InMemoryBackend();
    expect(await backend.pull(10)).toBeNull();
  });

  it("resolves null at once for a timeout of 0 on an empty queue", async () => {
    expect(await new InMemoryBackend().pull(0)).toBeNull();
  });

  it.each([[Number.POSITIVE_INFINITY], [2 ** 31]])(
    "waits for an event without giving up when the timeout is %d, past what a timer can hold",
    async (timeoutMs) => {
      const backend = new InMemoryBackend();
      const waiting = backend.pull(timeoutMs);
      let settled = false;
      void waiting.then(() => {
        settled = true;
      });
      // An observation window: a timer that cannot hold the timeout fires after 1 ms.
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(settled).toBe(false);
      const event = new Event("A");
      await backend.enqueue(event);
      expect(await waiting).toBe(event);
    },
  );

  it("hands an event enqueued later to a pull that is waiting", async () => {
    const backend = new InMemoryBackend();
    const waiting = backend.pull(HOUR);
    const event = new Event("A");
    await backend.enqueue(event);
    expect(await waiting).toBe(event);
    expect(backend.size).toBe(0);
  });

  it("serves waiting pulls in the order they started waiting", async () => {
    const backend = new InMemoryBackend();
    const first = backend.pull(HOUR);
    const second = backend.pull(HOUR);
    const [a, b] = events(2);
    await backend.enqueue(a as EventType);
    await backend.enqueue(b as EventType);
    expect(await first).toBe(a);
    expect(await second).toBe(b);
  });

  it("does not hand an event to a pull that already timed out", async () => {
    const backend = new InMemoryBackend();
    expect(await backend.pull(5)).toBeNull();
    const event = new Event("A");
    await backend.enqueue(event);
    expect(backend.size).toBe(1);
    expect(await backend.pull(0)).toBe(event);
  });

  it("resolves a waiting pull with null when its signal aborts, consuming nothing", async () => {
    const backend = new InMemoryBackend();
    const controller = new AbortController();
    const waiting = backend.pull(HOUR, controller.signal);
    controller.abort();
    expect(await waiting).toBeNull();
    const event = new Event("A");
    await backend.enqueue(event);
    expect(await backend.pull(0)).toBe(event);
  });

  it("resolves null for an already-aborted signal and leaves queued events in place", async () => {
    const backend = new InMemoryBackend();
    const event = new Event("A");
    const empty = await backend.pull(HOUR, AbortSignal.abort());
    expect(empty).toBeNull();
    await backend.enqueue(event);
    expect(backend.size).toBe(1);
  });

  it("acks without effect: an event is gone once pulled", async () => {
    const backend = new InMemoryBackend();
    const event = new Event("A");
    await backend.enqueue(event);
    const pulled = (await backend.pull(0)) as EventType;
    await expect(backend.ack(pulled)).resolves.toBeUndefined();
    await expect(backend.ack(pulled)).resolves.toBeUndefined();
    expect(backend.size).toBe(0);
  });

  it("declares itself synchronous and nothing else: not durable, no redelivery, no dead letters", () => {
    expect(new InMemoryBackend().capabilities).toEqual({
      durable: false,
      atomicCommit: false,
      synchronous: true,
      delayedRelease: false,
      deadLetter: false,
      redelivery: false,
    });
  });

  describe("maxSize", () => {
    it("refuses an event on a full queue with BackendFullError and keeps what it holds", async () => {
      const backend = new InMemoryBackend({ maxSize: 2 });
      const [a, b, c] = events(3);
      await backend.enqueue(a as EventType);
      await backend.enqueue(b as EventType);
      const error = await backend.enqueue(c as EventType).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendFullError);
      expect((error as BackendFullError).maxSize).toBe(2);
      expect((error as Error).message).toContain("maxSize 2");
      expect(backend.size).toBe(2);
      expect(await backend.pull(0)).toBe(a);
      expect(await backend.pull(0)).toBe(b);
    });

    it("takes events again once one is pulled", async () => {
      const backend = new InMemoryBackend({ maxSize: 1 });
      await backend.enqueue(new Event("A"));
      await backend.pull(0);
      await expect(backend.enqueue(new Event("B"))).resolves.toBeUndefined();
    });

    it("throws synchronously from sync.enqueue on a full queue", () => {
      const backend = new InMemoryBackend({ maxSize: 1 });
      backend.sync.enqueue(new Event("A"));
      expect(() => backend.sync.enqueue(new Event("B"))).toThrow(BackendFullError);
    });

    it("is unbounded at 0, the default", async () => {
      const backend = new InMemoryBackend();
      for (const event of events(20_000)) backend.sync.enqueue(event);
      expect(backend.size).toBe(20_000);
      expect(backend.maxSize).toBe(0);
    });

    it.each([[-1], [1.5], [Number.NaN], ["10"]])(
      "rejects maxSize %j with an InvalidOptionError",
      (maxSize) => {
        expect(() => new InMemoryBackend({ maxSize: maxSize as number })).toThrow(
          InvalidOptionError,
        );
      },
    );
  });

  describe("close", () => {
    it("discards queued events", async () => {
      const backend = new InMemoryBackend();
      for (const event of events(3)) await backend.enqueue(event);
      await backend.close();
      expect(backend.size).toBe(0);
      expect(await backend.pull(HOUR)).toBeNull();
    });

    it("wakes every waiting pull with null", async () => {
      const backend = new InMemoryBackend();
      const waiting = [backend.pull(HOUR), backend.pull(HOUR)];
      await backend.close();
      expect(await Promise.all(waiting)).toEqual([null, null]);
    });

    it("refuses later enqueues with BackendClosedError", async () => {
      const backend = new InMemoryBackend();
      await backend.close();
      await expect(backend.enqueue(new Event("A"))).rejects.toThrow(BackendClosedError);
      expect(() => backend.sync.enqueue(new Event("A"))).toThrow(
        "Cannot enqueue: the backend is closed",
      );
    });

    it("can be called twice", async () => {
      const backend = new InMemoryBackend();
      await backend.close();
      await expect(backend.close()).resolves.toBeUndefined();
      expect(backend.closed).toBe(true);
    });
  });

  describe("health", () => {
    it("reports healthy with its size while open, unhealthy once closed", async () => {
      const backend = new InMemoryBackend({ maxSize: 5 });
      await backend.enqueue(new Event("A"));
      expect(await backend.health()).toEqual({
        healthy: true,
        latencyMs: 0,
        details: { size: 1, maxSize: 5, closed: false },
      });
      await backend.close();
      expect((await backend.health()).healthy).toBe(false);
    });
  });

  describe("sync", () => {
    it("sync.pull returns the next queued event, or undefined without waiting", () => {
      const backend = new InMemoryBackend();
      expect(backend.sync.pull()).toBeUndefined();
      const event = new Event("A");
      backend.sync.enqueue(event);
      expect(backend.sync.pull()).toBe(event);
      expect(backend.sync.pull()).toBeUndefined();
    });

    it("sync.enqueue hands the event to a waiting pull", async () => {
      const backend = new InMemoryBackend();
      const waiting = backend.pull(HOUR);
      const event = new Event("A");
      backend.sync.enqueue(event);
      expect(await waiting).toBe(event);
    });

    it("works detached from the backend, as the Spine calls it", () => {
      const backend = new InMemoryBackend();
      const { enqueue, pull, ack } = backend.sync;
      const event = new Event("A");
      enqueue(event);
      expect(pull()).toBe(event);
      expect(() => ack(event)).not.toThrow();
    });
  });

  describe("handBack", () => {
    it("puts a pulled event back at the head of the queue, as if it was never pulled", async () => {
      const backend = new InMemoryBackend();
      const [a, b, c] = events(3) as [EventType, EventType, EventType];
      for (const event of [a, b, c]) backend.sync.enqueue(event);
      expect(backend.sync.pull()).toBe(a);
      expect(backend.sync.pull()).toBe(b);
      backend.handBack(b);
      backend.handBack(a);
      expect([backend.sync.pull(), backend.sync.pull(), backend.sync.pull()]).toEqual([a, b, c]);
    });

    it("keeps FIFO order when handed back past its initial capacity", () => {
      const backend = new InMemoryBackend();
      const all = events(3_000);
      for (const event of all.slice(1)) backend.sync.enqueue(event);
      backend.handBack(all[0] as EventType);
      const out: (EventType | undefined)[] = [];
      for (let i = 0; i < all.length; i++) out.push(backend.sync.pull());
      expect(out).toEqual(all);
    });

    it("hands the event to a pull that is waiting", async () => {
      const backend = new InMemoryBackend();
      const waiting = backend.pull(HOUR);
      const event = new Event("A");
      backend.handBack(event);
      expect(await waiting).toBe(event);
    });

    it("takes the event back on a full queue: it held that place before", () => {
      const backend = new InMemoryBackend({ maxSize: 1 });
      const [a, b] = events(2) as [EventType, EventType];
      backend.sync.enqueue(a);
      expect(backend.sync.pull()).toBe(a);
      backend.sync.enqueue(b);
      backend.handBack(a);
      expect(backend.size).toBe(2);
      expect(backend.sync.pull()).toBe(a);
    });

    it("drops the event once closed", async () => {
      const backend = new InMemoryBackend();
      await backend.close();
      backend.handBack(new Event("A"));
      expect(backend.size).toBe(0);
    });
  });
});
