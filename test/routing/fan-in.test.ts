import { describe, expect, it } from "vitest";
import { FAIR_RUN, FanIn } from "../../src/backends/fan-in.js";
import type { Backend } from "../../src/core/backend.js";
import { Event, InMemoryBackend } from "../../src/index.js";

/** An in-memory backend that, like Redis reading ahead, always has its next event at hand. */
function withTake(inner: InMemoryBackend): Backend {
  return {
    capabilities: inner.capabilities,
    enqueue: (event) => inner.enqueue(event),
    pull: (timeoutMs, signal) => inner.pull(timeoutMs, signal),
    take: () => inner.sync?.pull(),
    ack: (event) => inner.ack(event),
  };
}

/**
 * A backend whose pull answers only when the test says so (or on abort), as Redis answers a
 * short blocking read on an empty stream only on its own timer, up to 100 ms later.
 */
function answeringLate() {
  const pulls: { signal: AbortSignal | undefined; answer: (event: Event | null) => void }[] = [];
  const backend: Backend = {
    capabilities: new InMemoryBackend().capabilities,
    enqueue: async () => {},
    pull: (_timeoutMs, signal) =>
      new Promise((resolve) => {
        pulls.push({ signal, answer: resolve });
        signal?.addEventListener("abort", () => resolve(null), { once: true });
      }),
    ack: async () => {},
  };
  return { backend, pulls };
}

/** Lets pending promise callbacks run, as the Spine's handlers do between two takes. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("FanIn", () => {
  it("pulls the other backends after a run of events from one that always has a batch at hand", async () => {
    const ready = new InMemoryBackend();
    const pulled = new InMemoryBackend();
    for (let n = 0; n < 3 * FAIR_RUN; n++) {
      await ready.enqueue(new Event("READY", { n }));
      await pulled.enqueue(new Event("PULLED", { n }));
    }
    const fanIn = new FanIn([withTake(ready), pulled], "all");
    const got: string[] = [];
    while (got.length < 2 * FAIR_RUN) {
      const event = fanIn.take() ?? (await fanIn.pull(100, undefined));
      if (event === null) break;
      got.push(event.eventType);
      await turn();
    }
    // The first FAIR_RUN come from the backend with events at hand; then the other is pulled.
    expect(got.slice(0, FAIR_RUN).every((type) => type === "READY")).toBe(true);
    expect(got.slice(FAIR_RUN, FAIR_RUN + 2)).toContain("PULLED");
    await fanIn.close();
  });

  it("never waits for that pull of the others: what is at hand keeps coming, and what the pull brings is next", async () => {
    const ready = new InMemoryBackend();
    for (let n = 0; n < 3 * FAIR_RUN; n++) await ready.enqueue(new Event("READY", { n }));
    const late = answeringLate();
    const fanIn = new FanIn([withTake(ready), late.backend], "all");
    for (let n = 0; n < 2 * FAIR_RUN; n++) {
      expect(fanIn.take()?.eventType).toBe("READY");
      await turn();
    }
    // One pull of the other backend, started after the first FAIR_RUN, and still unanswered:
    // no second one while it is under way.
    expect(late.pulls).toHaveLength(1);
    const other = new Event("OTHER");
    late.pulls[0]?.answer(other);
    await turn();
    expect(fanIn.take()).toBe(other);
    expect(fanIn.originOf(other)).toBe(late.backend);
    expect(fanIn.take()?.eventType).toBe("READY");
  });

  it("ends that pull on close", async () => {
    const ready = new InMemoryBackend();
    for (let n = 0; n < FAIR_RUN; n++) await ready.enqueue(new Event("READY", { n }));
    const late = answeringLate();
    const fanIn = new FanIn([withTake(ready), late.backend], "all");
    for (let n = 0; n < FAIR_RUN; n++) fanIn.take();
    expect(late.pulls).toHaveLength(1);
    await fanIn.close();
    expect(late.pulls[0]?.signal?.aborted).toBe(true);
  });
});
