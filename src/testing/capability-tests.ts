/**
 * What each declared capability promises. A test whose capability the backend does not declare
 * is skipped, with a note naming it; one it declares and fails fails the suite.
 */
import { expect, it } from "vitest";
import type { Backend } from "../core/backend.js";
import { BackendClosedError } from "../core/errors.js";
import { Event } from "../core/event.js";
import { type Harness, skipUnlessDeclared } from "./harness.js";

/** The delay the delayed-release tests ask for. */
const DELAY_MS = 1_000;
/**
 * How much sooner than its delay a delayed event may be seen: the backend's clock and this
 * process's tick apart (a Redis server's clock, timer rounding).
 */
const CLOCK_SLACK_MS = 25;

export function capabilityTests(h: Harness): void {
  const timeout = h.testTimeoutMs;

  /** The attempt `event` is on, by `deliveryAttempt`, or 1 without it (as the Spine reads it). */
  const attemptOf = (backend: Backend, event: Event): number =>
    backend.deliveryAttempt?.(event) ?? 1;

  it(
    "durable: keeps events for a new backend after the first one closed",
    async (context) => {
      const queue = await h.queue();
      const first = queue.open();
      skipUnlessDeclared(context, first, ["durable"]);
      const sent = new Event("KEPT", { n: 1 });
      await first.enqueue(sent);
      await first.close?.();
      const [got] = await h.pullAll(queue.open(), 1);
      expect(got?.id).toBe(sent.id);
    },
    timeout,
  );

  it(
    "durable: delivers again an event a closed backend pulled and never acked, on its next attempt",
    async (context) => {
      const queue = await h.queue();
      const first = queue.open();
      skipUnlessDeclared(context, first, ["durable"]);
      const sent = new Event("RETRY_ME", { n: 1 });
      await first.enqueue(sent);
      const [taken] = await h.pullAll(first, 1, false);
      expect(taken?.id).toBe(sent.id);
      await first.close?.();
      const second = queue.open();
      const again = await h.pullRedelivered(second, false);
      expect(again?.id).toBe(sent.id);
      if (second.deliveryAttempt !== undefined) expect(attemptOf(second, again as Event)).toBe(2);
      await second.ack(again as Event);
    },
    timeout,
  );

  it(
    "synchronous: sync.pull hands out what sync.enqueue added, without waiting, and undefined when empty",
    async (context) => {
      const backend = (await h.queue()).open();
      skipUnlessDeclared(context, backend, ["synchronous"]);
      const sync = backend.sync;
      if (sync === undefined) throw new Error("declares `synchronous` but has no `sync`");
      const sent = [new Event("NOW", { n: 1 }), new Event("NOW", { n: 2 })];
      for (const event of sent) sync.enqueue(event);
      const first = sync.pull();
      const second = sync.pull();
      expect([first?.id, second?.id].sort()).toEqual(sent.map((e) => e.id).sort());
      expect(sync.pull()).toBeUndefined();
      sync.ack(first as Event);
      sync.ack(first as Event);
      sync.ack(second as Event);
    },
    timeout,
  );

  it(
    "synchronous: sync.enqueue throws BackendClosedError once closed",
    async (context) => {
      const backend = (await h.queue()).open();
      skipUnlessDeclared(context, backend, ["synchronous"]);
      await backend.close?.();
      expect(() => backend.sync?.enqueue(new Event("LATE"))).toThrow(BackendClosedError);
    },
    timeout,
  );

  it(
    "atomicCommit: commit acks the event and adds what it emitted",
    async (context) => {
      const queue = await h.queue();
      const backend = queue.open();
      skipUnlessDeclared(context, backend, ["atomicCommit"]);
      await backend.enqueue(new Event("START"));
      const [start] = await h.pullAll(backend, 1, false);
      const emitted = [new Event("NEXT", { n: 1 }), new Event("NEXT", { n: 2 })];
      await backend.commit?.(start as Event, emitted);
      const got = await h.pullAll(backend, 2);
      expect(got.map((e) => e.id).sort()).toEqual(emitted.map((e) => e.id).sort());
      if (backend.capabilities.durable) {
        // Acked: a consumer opened after this one closed does not get it again.
        await backend.close?.();
        expect(await h.pullFor(queue.open(), h.redeliveryMs + 200)).toEqual([]);
      }
    },
    timeout,
  );

  it(
    "redelivery: delivers a released event again, on attempt 2",
    async (context) => {
      const backend = (await h.queue()).open();
      skipUnlessDeclared(context, backend, ["redelivery"]);
      const sent = new Event("FLAKY", { n: 1 });
      await backend.enqueue(sent);
      const [taken] = await h.pullAll(backend, 1, false);
      expect(attemptOf(backend, taken as Event)).toBe(1);
      await backend.release?.(taken as Event, { reason: "the handler failed" });
      const again = await h.pullRedelivered(backend, false);
      expect(again?.id).toBe(sent.id);
      expect(again?.equals(sent)).toBe(true);
      expect(attemptOf(backend, again as Event)).toBe(2);
      await backend.ack(again as Event);
    },
    timeout,
  );

  it(
    `delayedRelease: delivers an event released with delayMs ${DELAY_MS} no sooner, and then on attempt 2`,
    async (context) => {
      const backend = (await h.queue()).open();
      skipUnlessDeclared(context, backend, ["delayedRelease"]);
      const sent = new Event("LATER", { n: 1 });
      await backend.enqueue(sent);
      const [taken] = await h.pullAll(backend, 1, false);
      const releasedAt = Date.now();
      await backend.release?.(taken as Event, { reason: "backing off", delayMs: DELAY_MS });
      const early = await h.pullFor(backend, DELAY_MS - 200);
      expect(early.map((e) => e.id)).toEqual([]);
      const again = await h.pullRedelivered(backend, false);
      expect(again?.id).toBe(sent.id);
      expect(Date.now() - releasedAt).toBeGreaterThanOrEqual(DELAY_MS - CLOCK_SLACK_MS);
      expect(attemptOf(backend, again as Event)).toBe(2);
      await backend.ack(again as Event);
    },
    timeout,
  );

  it(
    "delayedRelease: keeps a delayed release for another backend when the one that released it closed",
    async (context) => {
      const queue = await h.queue();
      const first = queue.open();
      skipUnlessDeclared(context, first, ["delayedRelease", "durable"]);
      const sent = new Event("LATER", { n: 2 });
      await first.enqueue(sent);
      const [taken] = await h.pullAll(first, 1, false);
      await first.release?.(taken as Event, { delayMs: 300 });
      await first.close?.();
      const second = queue.open();
      const again = await h.pullRedelivered(second, false);
      expect(again?.id).toBe(sent.id);
      expect(attemptOf(second, again as Event)).toBe(2);
      await second.ack(again as Event);
    },
    timeout,
  );

  it(
    "deadLetter: nack moves the event to the dead-letter store with the reason, and it is not delivered again",
    async (context) => {
      const queue = await h.queue();
      const backend = queue.open();
      skipUnlessDeclared(context, backend, ["deadLetter"]);
      const sent = new Event("POISON", { sku: "x" });
      await backend.enqueue(sent);
      const [taken] = await h.pullAll(backend, 1, false);
      await backend.nack?.(taken as Event, "unknown SKU x");
      expect(await queue.deadLetters()).toEqual([{ eventId: sent.id, reason: "unknown SKU x" }]);
      expect(await h.pullFor(backend, h.redeliveryMs + 200)).toEqual([]);
    },
    timeout,
  );

  it(
    "deadLetter and redelivery: dead-letters an event released on its last attempt, with the reason",
    async (context) => {
      const queue = await h.queue();
      const backend = queue.open();
      skipUnlessDeclared(context, backend, ["deadLetter", "redelivery"]);
      const last = h.target.maxAttempts;
      if (last === undefined) return context.skip("the target gives no maxAttempts");
      const sent = new Event("DOOMED", { n: 1 });
      await backend.enqueue(sent);
      // A short delay where the backend can wait: it spares a redelivery delay per attempt.
      const delayMs = backend.capabilities.delayedRelease ? 1 : 0;
      for (let attempt = 1; attempt <= last; attempt++) {
        const taken = attempt === 1 ? (await h.pullAll(backend, 1, false))[0] : undefined;
        const event = taken ?? (await h.pullRedelivered(backend, false));
        expect(event?.id).toBe(sent.id);
        expect(attemptOf(backend, event as Event)).toBe(attempt);
        await backend.release?.(event as Event, { reason: `failure ${attempt}`, delayMs });
      }
      const [dead, ...more] = await queue.deadLetters();
      expect(more).toEqual([]);
      expect(dead?.eventId).toBe(sent.id);
      expect(dead?.reason).toContain(`failure ${last}`);
      expect(await h.pullFor(backend, h.redeliveryMs + 200)).toEqual([]);
    },
    timeout,
  );
}
