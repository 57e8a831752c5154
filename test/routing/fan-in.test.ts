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
    }
    // The first FAIR_RUN come from the backend with events at hand; then the other is pulled.
    expect(got.slice(0, FAIR_RUN).every((type) => type === "READY")).toBe(true);
    expect(got[FAIR_RUN]).toBe("PULLED");
    expect(got.filter((type) => type === "PULLED").length).toBeGreaterThan(0);
    await fanIn.close();
  });
});
