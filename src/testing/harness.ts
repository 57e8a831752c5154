/**
 * What the conformance tests share: queues whose backends are closed after each test, bounded
 * pulls, and a skip that says which capability or feature a test needs.
 */
import type { TestContext } from "vitest";
import type { Backend, BackendCapabilities } from "../core/backend.js";
import type { Event } from "../core/event.js";
import type { ConformanceTarget, DeadLetter, QueueFeatures } from "./target.js";

/** Longest a test waits for something that should happen at once. */
export const BOUND_MS = 5_000;

/** A queue of the target, its backends tracked so they are closed after the test. */
export interface Queue {
  open(): Backend;
  /** The queue's dead letters; fails the test when the target gives no way to read them. */
  deadLetters(): Promise<readonly DeadLetter[]>;
}

export class Harness {
  readonly target: ConformanceTarget;
  /** The target's `redeliveryMs`. */
  readonly redeliveryMs: number;
  /** The timeout of every test: room for two redeliveries and three bounded waits. */
  readonly testTimeoutMs: number;
  readonly #opened: Backend[] = [];

  constructor(target: ConformanceTarget) {
    this.target = target;
    this.redeliveryMs = target.redeliveryMs ?? 0;
    this.testTimeoutMs = 4 * this.redeliveryMs + 3 * BOUND_MS;
  }

  async queue(): Promise<Queue> {
    const queue = await this.target.newQueue();
    const name = this.target.name;
    return {
      open: () => {
        const backend = queue.open();
        this.#opened.push(backend);
        return backend;
      },
      deadLetters: () => {
        if (queue.deadLetters === undefined) {
          throw new Error(
            `${name} declares \`deadLetter\`, but its conformance target's queues have no deadLetters(): the suite cannot see what nack did`,
          );
        }
        return queue.deadLetters();
      },
    };
  }

  /** Closes every backend opened since the last call. */
  async closeAll(): Promise<void> {
    for (const backend of this.#opened.splice(0)) await backend.close?.();
  }

  /**
   * Pulls until `count` events came or `withinMs` passed, acking each unless `ack` is false.
   * @param withinMs - @defaultValue BOUND_MS
   */
  async pullAll(
    backend: Backend,
    count: number,
    ack = true,
    withinMs = BOUND_MS,
  ): Promise<Event[]> {
    const out: Event[] = [];
    const deadline = Date.now() + withinMs;
    while (out.length < count && Date.now() < deadline) {
      const event = await backend.pull(Math.max(1, Math.min(200, deadline - Date.now())));
      if (event === null) continue;
      out.push(event);
      if (ack) await backend.ack(event);
    }
    return out;
  }

  /** The next event, waiting for a redelivery; undefined when none came. */
  async pullRedelivered(backend: Backend, ack = true): Promise<Event | undefined> {
    return (await this.pullAll(backend, 1, ack, this.redeliveryMs + BOUND_MS))[0];
  }

  /**
   * Pulls for `ms` and returns what came, acked: only for checking that something does NOT
   * come, which can be seen only over a stretch of time.
   */
  async pullFor(backend: Backend, ms: number): Promise<Event[]> {
    const out: Event[] = [];
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const event = await backend.pull(Math.max(1, Math.min(100, deadline - Date.now())));
      if (event === null) continue;
      out.push(event);
      await backend.ack(event);
    }
    return out;
  }
}

/** Skips the test, saying why, unless `backend` declares every capability in `needs`. */
export function skipUnlessDeclared(
  context: TestContext,
  backend: Backend,
  needs: readonly (keyof BackendCapabilities)[],
): void {
  const missing = needs.filter((name) => backend.capabilities[name] !== true);
  if (missing.length > 0) context.skip(`not declared: ${missing.join(", ")}`);
}

/** Skips the test, saying why, unless the target has every feature in `needs`. */
export function skipUnlessFeature(
  context: TestContext,
  features: QueueFeatures,
  needs: readonly (keyof QueueFeatures)[],
): void {
  const missing = needs.filter((name) => !features[name]);
  if (missing.length > 0) context.skip(`not a feature of this queue: ${missing.join(", ")}`);
}
