/**
 * A backend with `commit` (ack one event and enqueue what it emitted, as one step) gets that call
 * instead of `enqueue` + `ack`; its failures follow the enqueue failure mode.
 */
import { describe, expect, it } from "vitest";
import { EnqueueError, Event, Spine, type SpineOptions } from "../../src/index.js";
import { ScriptedBackend } from "./support/backends.js";
import { organ } from "./support/organs.js";

class CommittingBackend extends ScriptedBackend {
  readonly commits: { event: Event; emitted: readonly Event[] }[] = [];
  failCommits = 0;
  /** A failing commit throws before returning a promise, as a careless backend might. */
  throwsSynchronously = false;

  constructor() {
    super({ capabilities: { atomicCommit: true } });
  }

  commit(event: Event, emitted: readonly Event[]): Promise<void> {
    if (this.failCommits > 0) {
      this.failCommits--;
      if (this.throwsSynchronously) throw new Error("commit failed");
      return Promise.reject(new Error("commit failed"));
    }
    this.commits.push({ event, emitted });
    this.acked.push(event);
    this.queue.push(...emitted);
    return Promise.resolve();
  }
}

function spineOn(backend: CommittingBackend, options: Partial<SpineOptions> = {}) {
  return new Spine({
    organs: [organ("Split", ["A"], () => [new Event("B"), new Event("C")])],
    backend,
    logger: false,
    pollTimeoutMs: 5,
    retryBaseDelayMs: 1,
    ...options,
  });
}

describe("Spine on a backend with commit", () => {
  it("commits each event with what its organs emitted, instead of enqueue and ack", async () => {
    const backend = new CommittingBackend();
    const start = new Event("A");
    const stats = await spineOn(backend).run(start);
    expect(
      backend.commits.map((c) => [c.event.eventType, c.emitted.map((e) => e.eventType)]),
    ).toEqual([
      ["A", ["B", "C"]],
      ["B", []],
      ["C", []],
    ]);
    // Only the start event goes through enqueue.
    expect(backend.enqueueCalls.map((c) => c.event)).toEqual([start]);
    expect(stats.eventsEmitted).toBe(2);
  });

  it("stores the emitted events and leaves the event unacked when the commit fails under STORE", async () => {
    const backend = new CommittingBackend();
    backend.failCommits = 1;
    const spine = spineOn(backend);
    const stats = await spine.run(new Event("A"));
    expect(spine.failedEvents().map((f) => f.event.eventType)).toEqual(["B", "C"]);
    expect(spine.getEnqueueFailureCount()).toBe(2);
    expect(backend.acked).toEqual([]);
    expect(stats.eventsEmitted).toBe(0);
  });

  it("rejects run with EnqueueError when the commit fails under FAIL", async () => {
    const backend = new CommittingBackend();
    backend.failCommits = 1;
    const error = await spineOn(backend, { enqueueFailureMode: "fail" })
      .run(new Event("A"))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnqueueError);
    expect((error as EnqueueError).eventType).toBe("B");
  });

  it("retries a failed commit under RETRY", async () => {
    const backend = new CommittingBackend();
    backend.failCommits = 2;
    const stats = await spineOn(backend, { enqueueFailureMode: "retry", retryAttempts: 3 }).run(
      new Event("A"),
    );
    expect(stats.eventsProcessed).toBe(3);
    expect(backend.commits[0]?.emitted.map((e) => e.eventType)).toEqual(["B", "C"]);
  });

  it("treats a commit that throws instead of rejecting as a failed commit", async () => {
    const backend = new CommittingBackend();
    backend.failCommits = 1;
    backend.throwsSynchronously = true;
    const spine = spineOn(backend);
    await spine.run(new Event("A"));
    expect(spine.failedEvents().map((f) => f.event.eventType)).toEqual(["B", "C"]);
    expect(backend.acked).toEqual([]);
  });
});
