import { describe, expect, it, vi } from "vitest";
import { Event, InMemoryBackend, Spine, type SpineStats } from "../../src/index.js";
import { deferred, organ } from "./support/organs.js";

describe("Spine stats", () => {
  it("starts at zero before the first run", () => {
    const spine = new Spine({ organs: [], backend: new InMemoryBackend(), logger: false });
    expect(spine.getStats()).toEqual({
      running: false,
      eventsProcessed: 0,
      eventsEmitted: 0,
      eventsUnrouted: 0,
      eventsDeduplicated: 0,
      eventsLoopStopped: 0,
      dedupeIds: 0,
      handlerErrors: {},
      enqueueFailures: 0,
      backendErrors: 0,
      failedEventsDropped: 0,
      startedAt: 0,
      durationMs: 0,
    });
  });

  it("counts processed, emitted and unrouted events of a run", async () => {
    const spine = new Spine({
      organs: [
        organ("Split", ["A"], () => [new Event("B"), new Event("NOBODY")]),
        organ("Sink", ["B"], () => undefined),
      ],
      backend: new InMemoryBackend(),
      logger: false,
    });
    const before = Date.now();
    const stats = await spine.run(new Event("A"));
    expect(stats).toMatchObject({
      running: false,
      eventsProcessed: 3,
      eventsEmitted: 2,
      eventsUnrouted: 1,
    });
    expect(stats.startedAt).toBeGreaterThanOrEqual(before);
    expect(stats.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("reports running while a run is in progress", async () => {
    const gate = deferred();
    let during: SpineStats | undefined;
    const spine: Spine = new Spine({
      organs: [
        organ("Probe", ["A"], async () => {
          during = spine.getStats();
          await gate.promise;
        }),
      ],
      backend: new InMemoryBackend(),
      logger: false,
    });
    const run = spine.run(new Event("A"));
    await vi.waitFor(() => expect(during).toBeDefined());
    gate.resolve();
    await run;
    expect(during?.running).toBe(true);
    expect(spine.getStats().running).toBe(false);
  });

  it("hands out a frozen snapshot that later events do not change", async () => {
    const snapshots: SpineStats[] = [];
    const spine: Spine = new Spine({
      organs: [
        organ("Probe", ["A"], () => {
          snapshots.push(spine.getStats());
          throw new Error("counted");
        }),
      ],
      backend: new InMemoryBackend(),
      logger: false,
    });
    await spine.run([new Event("A"), new Event("A")]);
    const [first, second] = snapshots;
    expect(first?.eventsProcessed).toBe(1);
    expect(first?.handlerErrors).toEqual({});
    expect(second?.handlerErrors).toEqual({ Probe: 1 });
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first?.handlerErrors)).toBe(true);
    expect(spine.getStats()).not.toBe(spine.getStats());
  });

  it("keeps the last run's stats after it ends", async () => {
    const spine = new Spine({ organs: [], backend: new InMemoryBackend(), logger: false });
    const resolved = await spine.run([new Event("A"), new Event("A")]);
    expect(spine.getStats()).toEqual(resolved);
  });
});
