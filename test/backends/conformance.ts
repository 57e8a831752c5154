/**
 * The conformance suite every Backend runs. A backend declares its features; the suite checks the
 * contract of `Backend` for all, and the promises of each declared feature.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Backend } from "../../src/backends/backend.js";
import { BackendClosedError, Event } from "../../src/index.js";

/** What a backend promises beyond the common contract. */
export interface BackendFeatures {
  /** Events outlive the backend object: a new backend on the same queue sees them. */
  readonly persistent: boolean;
  /** Several backends consume one queue, and each event goes to one of them. */
  readonly consumerGroups: boolean;
  /** With one consumer and no redelivery, events come out in the order they went in. */
  readonly guaranteedOrder: boolean;
  /** The store behind the queue can restart while backends are open; they carry on. */
  readonly canRestart: boolean;
  /** An event pulled and never acked is delivered again. */
  readonly redelivers: boolean;
}

/** How the suite gets backends for one implementation. */
export interface ConformanceTarget {
  readonly name: string;
  readonly features: BackendFeatures;
  /** A new, empty queue: returns a function that opens a backend (a consumer) on it. */
  newQueue(): Promise<() => Backend>;
  /** Restarts the store (only with `canRestart`). */
  restart?(): Promise<void>;
}

/** Longest a test waits for something that should happen at once. */
const BOUND_MS = 5_000;

export function runBackendConformance(target: ConformanceTarget): void {
  const { features } = target;
  const opened: Backend[] = [];

  async function queue(): Promise<() => Backend> {
    const open = await target.newQueue();
    return () => {
      const backend = open();
      opened.push(backend);
      return backend;
    };
  }

  /** Pulls until `count` events came or the bound passed. */
  async function pullAll(backend: Backend, count: number, ack = true): Promise<Event[]> {
    const out: Event[] = [];
    const deadline = Date.now() + BOUND_MS;
    while (out.length < count && Date.now() < deadline) {
      const event = await backend.pull(200);
      if (event === null) continue;
      out.push(event);
      if (ack) await backend.ack(event);
    }
    return out;
  }

  describe(`Backend conformance: ${target.name}`, () => {
    afterEach(async () => {
      for (const backend of opened.splice(0)) await backend.close?.();
    });

    it("hands out an enqueued event with its id, timestamp, type and payload intact", async () => {
      const backend = (await queue())();
      const sent = new Event({
        eventType: "ORDER_PLACED",
        payload: { orderId: "o-1", items: [{ sku: "a", qty: 2 }], note: null },
        timestamp: "2024-01-15T10:30:45.123Z",
      });
      await backend.enqueue(sent);
      const [got] = await pullAll(backend, 1);
      expect(got).toBeInstanceOf(Event);
      expect(got?.equals(sent)).toBe(true);
      expect(got?.toJSON()).toEqual(sent.toJSON());
    });

    it("resolves null when no event arrives within the timeout", async () => {
      const backend = (await queue())();
      await expect(backend.pull(50)).resolves.toBeNull();
    });

    it("loses no event to a pull whose signal is already aborted", async () => {
      const backend = (await queue())();
      const sent = new Event("PING", { n: 1 });
      await backend.enqueue(sent);
      // Either the pull hands the event out anyway, or it leaves it for the next pull.
      const first = await backend.pull(1_000, AbortSignal.abort());
      const got = first ?? (await pullAll(backend, 1))[0];
      expect(got?.id).toBe(sent.id);
    });

    it("resolves a waiting pull with null when its signal aborts, and loses no later event", async () => {
      const backend = (await queue())();
      const controller = new AbortController();
      const waiting = backend.pull(60_000, controller.signal);
      setImmediate(() => controller.abort());
      await expect(waiting).resolves.toBeNull();
      const sent = new Event("PING", { n: 2 });
      await backend.enqueue(sent);
      const [got] = await pullAll(backend, 1);
      expect(got?.id).toBe(sent.id);
    });

    it("wakes a waiting pull when an event is enqueued", async () => {
      const open = await queue();
      const consumer = open();
      const producer = features.persistent ? open() : consumer;
      // Starts the consumer's first read, so the event below arrives while it waits.
      expect(await consumer.pull(20)).toBeNull();
      const waiting = consumer.pull(BOUND_MS);
      const sent = new Event("PING", { n: 3 });
      await producer.enqueue(sent);
      expect((await waiting)?.id).toBe(sent.id);
    });

    it("hands out each event once while many are in flight unacked", async () => {
      const backend = (await queue())();
      const sent = Array.from({ length: 20 }, (_, n) => new Event("ITEM", { n }));
      for (const event of sent) await backend.enqueue(event);
      const got = await pullAll(backend, 20, false);
      expect(new Set(got.map((e) => e.id)).size).toBe(20);
      expect(await backend.pull(50)).toBeNull();
      for (const event of got) await backend.ack(event);
    });

    it("treats a second ack of the same event as harmless", async () => {
      const backend = (await queue())();
      await backend.enqueue(new Event("PING"));
      const [got] = await pullAll(backend, 1, false);
      await backend.ack(got as Event);
      await expect(backend.ack(got as Event)).resolves.toBeUndefined();
    });

    it("is healthy while open", async () => {
      const backend = (await queue())();
      const health = await backend.health?.();
      if (health === undefined) return;
      expect(health.healthy).toBe(true);
      expect(health.latencyMs).toBeGreaterThanOrEqual(0);
    });

    it("closes idempotently; afterwards pull resolves null and enqueue rejects", async () => {
      const backend = (await queue())();
      await backend.close?.();
      await backend.close?.();
      await expect(backend.pull(10)).resolves.toBeNull();
      await expect(backend.enqueue(new Event("LATE"))).rejects.toBeInstanceOf(BackendClosedError);
    });

    it.runIf(features.guaranteedOrder)(
      "hands out events in the order they were enqueued",
      async () => {
        const backend = (await queue())();
        const sent = Array.from({ length: 50 }, (_, n) => new Event("STEP", { n }));
        for (const event of sent) await backend.enqueue(event);
        const got = await pullAll(backend, 50);
        expect(got.map((e) => e.payload.n)).toEqual(sent.map((e) => e.payload.n));
      },
    );

    it.runIf(features.persistent)(
      "keeps events for a new backend after the first one closed",
      async () => {
        const open = await queue();
        const first = open();
        const sent = new Event("KEPT", { n: 1 });
        await first.enqueue(sent);
        await first.close?.();
        const [got] = await pullAll(open(), 1);
        expect(got?.id).toBe(sent.id);
      },
    );

    it.runIf(features.redelivers)(
      "delivers again an event that was pulled and never acked",
      async () => {
        const open = await queue();
        const first = open();
        const sent = new Event("RETRY_ME", { n: 1 });
        await first.enqueue(sent);
        const [taken] = await pullAll(first, 1, false);
        expect(taken?.id).toBe(sent.id);
        await first.close?.();
        const [again] = await pullAll(open(), 1);
        expect(again?.id).toBe(sent.id);
      },
    );

    it.runIf(features.consumerGroups)(
      "gives each event to exactly one of two consumers",
      async () => {
        const open = await queue();
        const a = open();
        const b = open();
        const sent = Array.from({ length: 40 }, (_, n) => new Event("SHARED", { n }));
        for (const event of sent) await a.enqueue(event);
        const seen: string[] = [];
        const deadline = Date.now() + BOUND_MS;
        await Promise.all(
          [a, b].map(async (backend) => {
            while (seen.length < 40 && Date.now() < deadline) {
              const event = await backend.pull(50);
              if (event === null) continue;
              seen.push(event.id);
              await backend.ack(event);
            }
          }),
        );
        const all = seen;
        expect(all).toHaveLength(40);
        expect(new Set(all)).toEqual(new Set(sent.map((e) => e.id)));
      },
    );

    it.runIf(features.canRestart)(
      "keeps enqueued events across a restart of the store",
      async () => {
        const backend = (await queue())();
        const sent = Array.from({ length: 5 }, (_, n) => new Event("DURABLE", { n }));
        for (const event of sent) await backend.enqueue(event);
        await target.restart?.();
        const got = await pullAll(backend, 5);
        expect(got.map((e) => e.id).sort()).toEqual(sent.map((e) => e.id).sort());
      },
    );
  });
}
