/**
 * What every backend must do, whatever it declares: the `Backend` contract's pull, enqueue, ack,
 * close and health, and the features of the queue behind it that the target names.
 */
import { expect, it } from "vitest";
import { capabilityProblems } from "../core/capabilities.js";
import { BackendClosedError } from "../core/errors.js";
import { Event } from "../core/event.js";
import { BOUND_MS, type Harness, skipUnlessFeature } from "./harness.js";

export function contractTests(h: Harness): void {
  const timeout = h.testTimeoutMs;
  const { features } = h.target;

  it(
    "declares every capability as a boolean, with the methods each one needs",
    async () => {
      const backend = (await h.queue()).open();
      expect(capabilityProblems(backend)).toEqual([]);
    },
    timeout,
  );

  it(
    "hands out an enqueued event with its id, timestamp, type and payload intact",
    async () => {
      const backend = (await h.queue()).open();
      const sent = new Event({
        eventType: "ORDER_PLACED",
        payload: { orderId: "o-1", items: [{ sku: "a", qty: 2 }], note: null },
        timestamp: "2024-01-15T10:30:45.123Z",
      });
      await backend.enqueue(sent);
      const [got] = await h.pullAll(backend, 1);
      expect(got).toBeInstanceOf(Event);
      expect(got?.equals(sent)).toBe(true);
      expect(got?.toJSON()).toEqual(sent.toJSON());
    },
    timeout,
  );

  it(
    "hands out each event once between take and pull, when it has take",
    async () => {
      const backend = (await h.queue()).open();
      if (backend.take === undefined) return;
      expect(backend.take()).toBeUndefined();
      const sent = [new Event("T", { n: 1 }), new Event("T", { n: 2 }), new Event("T", { n: 3 })];
      for (const event of sent) await backend.enqueue(event);
      const got: Event[] = [];
      const deadline = Date.now() + BOUND_MS;
      while (got.length < sent.length && Date.now() < deadline) {
        const taken = backend.take();
        if (taken !== undefined) got.push(taken);
        else {
          const pulled = await backend.pull(100);
          if (pulled !== null) got.push(pulled);
        }
      }
      for (const event of got) await backend.ack(event);
      expect(got.map((e) => e.id).sort()).toEqual(sent.map((e) => e.id).sort());
      expect(backend.take()).toBeUndefined();
      await expect(backend.pull(50)).resolves.toBeNull();
    },
    timeout,
  );

  it(
    "resolves null when no event arrives within the timeout",
    async () => {
      const backend = (await h.queue()).open();
      await expect(backend.pull(50)).resolves.toBeNull();
    },
    timeout,
  );

  it(
    "loses no event to a pull whose signal is already aborted",
    async () => {
      const backend = (await h.queue()).open();
      const sent = new Event("PING", { n: 1 });
      await backend.enqueue(sent);
      // Either the pull hands the event out anyway, or it leaves it for the next pull.
      const first = await backend.pull(1_000, AbortSignal.abort());
      const got = first ?? (await h.pullAll(backend, 1))[0];
      expect(got?.id).toBe(sent.id);
    },
    timeout,
  );

  it(
    "resolves a waiting pull with null when its signal aborts, and loses no later event",
    async () => {
      const backend = (await h.queue()).open();
      const controller = new AbortController();
      const waiting = backend.pull(60_000, controller.signal);
      setImmediate(() => controller.abort());
      await expect(waiting).resolves.toBeNull();
      const sent = new Event("PING", { n: 2 });
      await backend.enqueue(sent);
      const [got] = await h.pullAll(backend, 1);
      expect(got?.id).toBe(sent.id);
    },
    timeout,
  );

  it(
    "wakes a waiting pull when an event is enqueued",
    async () => {
      const queue = await h.queue();
      const consumer = queue.open();
      const producer = queue.open();
      // Starts the consumer's first read, so the event below arrives while it waits.
      expect(await consumer.pull(20)).toBeNull();
      const waiting = consumer.pull(BOUND_MS);
      const sent = new Event("PING", { n: 3 });
      await producer.enqueue(sent);
      expect((await waiting)?.id).toBe(sent.id);
    },
    timeout,
  );

  it(
    "hands out each event once while many are in flight unacked",
    async () => {
      const backend = (await h.queue()).open();
      const sent = Array.from({ length: 20 }, (_, n) => new Event("ITEM", { n }));
      for (const event of sent) await backend.enqueue(event);
      const got = await h.pullAll(backend, 20, false);
      expect(new Set(got.map((e) => e.id)).size).toBe(20);
      expect(await backend.pull(50)).toBeNull();
      for (const event of got) await backend.ack(event);
    },
    timeout,
  );

  it(
    "treats a second ack of the same event as harmless",
    async () => {
      const backend = (await h.queue()).open();
      await backend.enqueue(new Event("PING"));
      const [got] = await h.pullAll(backend, 1, false);
      await backend.ack(got as Event);
      await expect(backend.ack(got as Event)).resolves.toBeUndefined();
    },
    timeout,
  );

  it(
    "is healthy while open, if it reports health",
    async () => {
      const backend = (await h.queue()).open();
      const health = await backend.health?.();
      if (health === undefined) return;
      expect(health.healthy).toBe(true);
      expect(health.latencyMs).toBeGreaterThanOrEqual(0);
    },
    timeout,
  );

  it(
    "closes idempotently; afterwards pull resolves null and enqueue rejects",
    async () => {
      const backend = (await h.queue()).open();
      await backend.close?.();
      await backend.close?.();
      await expect(backend.pull(10)).resolves.toBeNull();
      await expect(backend.enqueue(new Event("LATE"))).rejects.toBeInstanceOf(BackendClosedError);
    },
    timeout,
  );

  it(
    "guaranteedOrder: hands out events in the order they were enqueued",
    async (context) => {
      skipUnlessFeature(context, features, ["guaranteedOrder"]);
      const backend = (await h.queue()).open();
      const sent = Array.from({ length: 50 }, (_, n) => new Event("STEP", { n }));
      for (const event of sent) await backend.enqueue(event);
      const got = await h.pullAll(backend, 50);
      expect(got.map((e) => e.payload.n)).toEqual(sent.map((e) => e.payload.n));
    },
    timeout,
  );

  it(
    "consumerGroups: gives each event to exactly one of two consumers",
    async (context) => {
      skipUnlessFeature(context, features, ["consumerGroups"]);
      const queue = await h.queue();
      const a = queue.open();
      const b = queue.open();
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
      expect(seen).toHaveLength(40);
      expect(new Set(seen)).toEqual(new Set(sent.map((e) => e.id)));
    },
    timeout,
  );

  it(
    "keeps enqueued events across a restart of the store",
    async (context) => {
      const restart = h.target.restart;
      if (restart === undefined) return context.skip("the target gives no restart()");
      const backend = (await h.queue()).open();
      const sent = Array.from({ length: 5 }, (_, n) => new Event("DURABLE", { n }));
      for (const event of sent) await backend.enqueue(event);
      await restart();
      const got = await h.pullAll(backend, 5);
      expect(got.map((e) => e.id).sort()).toEqual(sent.map((e) => e.id).sort());
    },
    timeout,
  );
}
