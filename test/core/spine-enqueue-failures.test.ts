import { describe, expect, it, vi } from "vitest";
import {
  BackendFullError,
  EnqueueError,
  EnqueueFailureMode,
  Event,
  InMemoryBackend,
  NecroStackError,
  type ReleaseOptions,
  Spine,
  type SpineOptions,
} from "../../src/index.js";
import { ScriptedBackend, type ScriptedBackendOptions } from "./support/backends.js";
import { deferred, organ } from "./support/organs.js";

/** A backend that records what the Spine releases, and why. */
class ReleasingBackend extends ScriptedBackend {
  readonly released: { event: Event; reason: string | undefined }[] = [];

  constructor(options: ScriptedBackendOptions = {}) {
    super({ ...options, capabilities: { redelivery: true } });
  }

  async release(event: Event, options?: ReleaseOptions): Promise<void> {
    this.released.push({ event, reason: options?.reason });
  }

  deliveryAttempt(): number {
    return 1;
  }
}

class Refused extends Error {
  constructor(type: string) {
    super(`refused ${type}`);
  }
}

/** A backend that refuses every event whose type is in `refused`. */
function refusing(...refused: string[]): ScriptedBackend {
  return new ScriptedBackend({
    onEnqueue: (event) => {
      if (refused.includes(event.eventType)) throw new Refused(event.eventType);
    },
  });
}

function emitter(backend: ScriptedBackend | InMemoryBackend, options: Partial<SpineOptions> = {}) {
  const seen: string[] = [];
  const spine = new Spine({
    organs: [
      organ("Emitter", ["START"], () => [new Event("GOOD"), new Event("BAD"), new Event("LATER")]),
      organ("Sink", ["GOOD", "BAD", "LATER"], (e) => void seen.push(e.eventType)),
    ],
    backend,
    logger: false,
    pollTimeoutMs: 5,
    retryBaseDelayMs: 1,
    ...options,
  });
  return { spine, seen };
}

async function rejection(run: Promise<unknown>): Promise<EnqueueError> {
  const error = await run.then(
    () => {
      throw new Error("expected run to reject");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EnqueueError);
  return error as EnqueueError;
}

describe("Spine enqueue failures", () => {
  describe("FAIL", () => {
    it("rejects run with EnqueueError whose cause is the backend's error", async () => {
      const { spine } = emitter(refusing("BAD"), { enqueueFailureMode: EnqueueFailureMode.FAIL });
      const error = await rejection(spine.run(new Event("START")));
      expect(error).toBeInstanceOf(NecroStackError);
      expect(error.cause).toBeInstanceOf(Refused);
      expect(error.eventType).toBe("BAD");
      expect(error.attempts).toBe(1);
      expect(error.code).toBe("ERR_ENQUEUE");
      expect(error.message).toContain("refused BAD");
    });

    it("masks a URL password of the cause in its message and keeps the cause as it was", async () => {
      const backend = new ScriptedBackend({
        onEnqueue: (event) => {
          if (event.eventType === "BAD") throw new Error("lost redis://app:pa55word@db:6379");
        },
      });
      const { spine } = emitter(backend, { enqueueFailureMode: "fail" });
      const error = await rejection(spine.run(new Event("START")));
      expect(error.message).toContain("redis://app:***@db:6379");
      expect(error.message).not.toContain("pa55word");
      expect((error.cause as Error).message).toContain("pa55word");
    });

    it("counts the failing event once by its type", async () => {
      const { spine } = emitter(refusing("BAD"), { enqueueFailureMode: "fail" });
      await rejection(spine.run(new Event("START")));
      expect(spine.getEnqueueFailureCount("BAD")).toBe(1);
      expect(spine.getEnqueueFailureCount("GOOD")).toBe(0);
      expect(spine.getEnqueueFailureCount()).toBe(1);
    });

    it("lets the other events in flight finish before run rejects", async () => {
      const gate = deferred();
      let settled = 0;
      const spine = new Spine({
        organs: [
          organ("Mixed", ["START"], async (e) => {
            if (e.payload.n !== 0) await gate.promise;
            settled++;
            return new Event(e.payload.n === 0 ? "BAD" : "GOOD");
          }),
        ],
        backend: refusing("BAD"),
        logger: false,
        pollTimeoutMs: 5,
        concurrency: 3,
        enqueueFailureMode: "fail",
      });
      const run = spine.run([0, 1, 2].map((n) => new Event("START", { n })));
      let rejected = false;
      run.catch(() => {
        rejected = true;
      });
      await vi.waitFor(() => expect(spine.getEnqueueFailureCount("BAD")).toBe(1));
      // Observation window: with two events still in flight, run must not have rejected yet.
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(rejected).toBe(false);
      gate.resolve();
      await rejection(run);
      expect(settled).toBe(3);
      expect(spine.getStats().eventsEmitted).toBe(2);
    });

    it("releases the event whose emitted events it could not enqueue, so a durable backend delivers it again", async () => {
      const backend = new ReleasingBackend({
        onEnqueue: (event) => {
          if (event.eventType === "BAD") throw new Refused("BAD");
        },
      });
      const { spine } = emitter(backend, { enqueueFailureMode: "fail" });
      const start = new Event("START");
      await rejection(spine.run(start));
      expect(backend.acked).toEqual([]);
      expect(backend.released.map((r) => r.event)).toEqual([start]);
      expect(backend.released[0]?.reason).toMatch(/^Could not enqueue event BAD/);
    });

    it("finishes an event in flight whose own enqueues succeed while another event's fail", async () => {
      const gate = deferred();
      const backend = refusing("BAD");
      const spine = new Spine({
        organs: [
          organ("Gated", ["GOOD_SOURCE", "BAD_SOURCE"], async (e) => {
            await gate.promise;
            return new Event(e.eventType === "GOOD_SOURCE" ? "GOOD" : "BAD");
          }),
        ],
        backend,
        logger: false,
        pollTimeoutMs: 5,
        concurrency: 2,
        enqueueFailureMode: "fail",
      });
      const good = new Event("GOOD_SOURCE");
      const run = spine.run([good, new Event("BAD_SOURCE")]);
      await vi.waitFor(() => expect(backend.pullCalls).toBe(2));
      gate.resolve();
      await rejection(run);
      expect(backend.acked).toEqual([good]);
    });

    it("tries the in-memory backend's BackendFullError once and rejects with it as cause", async () => {
      const { spine } = emitter(new InMemoryBackend({ maxSize: 1 }), {
        enqueueFailureMode: "fail",
      });
      const error = await rejection(spine.run(new Event("START")));
      expect(error.cause).toBeInstanceOf(BackendFullError);
      expect(error.eventType).toBe("BAD");
    });
  });

  describe("RETRY", () => {
    it("retries retryAttempts times, then rejects with EnqueueError", async () => {
      const backend = refusing("BAD");
      const { spine } = emitter(backend, { enqueueFailureMode: "retry", retryAttempts: 3 });
      const error = await rejection(spine.run(new Event("START")));
      expect(backend.enqueueCalls.filter((c) => c.event.eventType === "BAD")).toHaveLength(4);
      expect(error.attempts).toBe(4);
      expect(error.cause).toBeInstanceOf(Refused);
    });

    it("counts the failing event once however many retries it took", async () => {
      const { spine } = emitter(refusing("BAD"), { enqueueFailureMode: "retry", retryAttempts: 4 });
      await rejection(spine.run(new Event("START")));
      expect(spine.getEnqueueFailureCount("BAD")).toBe(1);
      expect(spine.getStats().enqueueFailures).toBe(1);
    });

    it("waits retryBaseDelayMs * 2^attempt before each retry", async () => {
      const backend = refusing("BAD");
      const { spine } = emitter(backend, {
        enqueueFailureMode: "retry",
        retryAttempts: 3,
        retryBaseDelayMs: 15,
      });
      await rejection(spine.run(new Event("START")));
      const times = backend.enqueueCalls
        .filter((c) => c.event.eventType === "BAD")
        .map((c) => c.at);
      const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
      // Lower bounds only (timers may fire up to 1 ms early): 15, 30, 60 ms.
      expect(gaps[0]).toBeGreaterThanOrEqual(14);
      expect(gaps[1]).toBeGreaterThanOrEqual(29);
      expect(gaps[2]).toBeGreaterThanOrEqual(59);
    });

    it("goes on when a retry succeeds, and the event is delivered once", async () => {
      let badCalls = 0;
      const backend = new ScriptedBackend({
        onEnqueue: (event) => {
          if (event.eventType === "BAD" && ++badCalls <= 2) throw new Refused("BAD");
        },
      });
      const { spine, seen } = emitter(backend, { enqueueFailureMode: "retry", retryAttempts: 3 });
      const stats = await spine.run(new Event("START"));
      expect(seen).toEqual(["GOOD", "BAD", "LATER"]);
      expect(stats.eventsEmitted).toBe(3);
      expect(spine.getEnqueueFailureCount("BAD")).toBe(1);
    });

    it("retries on the in-memory backend until the retries run out", async () => {
      const { spine } = emitter(new InMemoryBackend({ maxSize: 1 }), {
        enqueueFailureMode: "retry",
        retryAttempts: 2,
      });
      const error = await rejection(spine.run(new Event("START")));
      expect(error.attempts).toBe(3);
      expect(error.cause).toBeInstanceOf(BackendFullError);
    });
  });

  describe("STORE", () => {
    it("keeps the event in the failed-event store and goes on with the rest", async () => {
      const { spine, seen } = emitter(refusing("BAD"), { enqueueFailureMode: "store" });
      const stats = await spine.run(new Event("START"));
      expect(seen).toEqual(["GOOD", "LATER"]);
      expect(stats.eventsEmitted).toBe(2);
      const [stored] = spine.failedEvents();
      expect(stored?.stage).toBe("enqueue");
      expect(stored?.event.eventType).toBe("BAD");
      expect(stored?.error).toBeInstanceOf(Refused);
    });

    it("is the default mode", async () => {
      const { spine } = emitter(refusing("BAD"));
      await spine.run(new Event("START"));
      expect(spine.failedEvents().map((f) => f.event.eventType)).toEqual(["BAD"]);
    });

    it("counts failures by event type", async () => {
      const { spine } = emitter(refusing("BAD", "LATER"));
      await spine.run([new Event("START"), new Event("START")]);
      expect(spine.getEnqueueFailureCount("BAD")).toBe(2);
      expect(spine.getEnqueueFailureCount("LATER")).toBe(2);
      expect(spine.getEnqueueFailureCount("GOOD")).toBe(0);
      expect(spine.getEnqueueFailureCount()).toBe(4);
      expect(spine.getStats().enqueueFailures).toBe(4);
    });

    it("stores what a full in-memory backend refused, with BackendFullError", async () => {
      const { spine, seen } = emitter(new InMemoryBackend({ maxSize: 1 }));
      await spine.run(new Event("START"));
      expect(seen).toEqual(["GOOD"]);
      expect(spine.failedEvents().map((f) => f.event.eventType)).toEqual(["BAD", "LATER"]);
      expect(spine.failedEvents()[0]?.error).toBeInstanceOf(BackendFullError);
    });

    it("keeps at most maxFailedEvents entries, dropping and counting the oldest", async () => {
      const events = Array.from({ length: 5 }, (_, n) => new Event("OUT", { n }));
      const spine = new Spine({
        organs: [organ("Burst", ["START"], () => events)],
        backend: refusing("OUT"),
        logger: false,
        pollTimeoutMs: 5,
        maxFailedEvents: 3,
      });
      const stats = await spine.run(new Event("START"));
      expect(spine.failedEvents().map((f) => f.event.payload.n)).toEqual([2, 3, 4]);
      expect(stats.failedEventsDropped).toBe(2);
      expect(spine.getEnqueueFailureCount("OUT")).toBe(5);
    });

    it("keeps 10,000 entries by default", async () => {
      const spine = new Spine({
        organs: [
          organ("Burst", ["START"], () => Array.from({ length: 10_002 }, () => new Event("OUT"))),
        ],
        backend: new InMemoryBackend({ maxSize: 1 }),
        logger: false,
      });
      const stats = await spine.run(new Event("START"));
      expect(spine.failedEvents()).toHaveLength(10_000);
      expect(stats.failedEventsDropped).toBe(1);
      expect(spine.getEnqueueFailureCount("OUT")).toBe(10_001);
    });

    it("empties the store through drainFailedEvents and returns what it held", async () => {
      const { spine } = emitter(refusing("BAD"));
      await spine.run(new Event("START"));
      const drained = spine.drainFailedEvents();
      expect(drained.map((f) => f.event.eventType)).toEqual(["BAD"]);
      expect(spine.failedEvents()).toEqual([]);
    });

    it("hands out a frozen copy of the store", async () => {
      const { spine } = emitter(refusing("BAD"));
      await spine.run(new Event("START"));
      const list = spine.failedEvents();
      expect(Object.isFrozen(list)).toBe(true);
      expect(spine.failedEvents()).not.toBe(list);
    });
  });

  describe("start events", () => {
    it.each([["fail"], ["retry"], ["store"]] as const)(
      "rejects run when a start event cannot be enqueued (mode %s)",
      async (mode) => {
        const backend = refusing("START");
        const { spine, seen } = emitter(backend, { enqueueFailureMode: mode, retryAttempts: 1 });
        const error = await rejection(spine.run(new Event("START")));
        expect(error.eventType).toBe("START");
        expect(error.cause).toBeInstanceOf(Refused);
        expect(seen).toEqual([]);
        expect(spine.getStats().running).toBe(false);
      },
    );

    it("rejects run when a start event does not fit a full in-memory backend", async () => {
      const backend = new InMemoryBackend({ maxSize: 1 });
      const { spine } = emitter(backend);
      const error = await rejection(spine.run([new Event("START"), new Event("START")]));
      expect(error.cause).toBeInstanceOf(BackendFullError);
    });

    it("rejects a start that is not an Event with a TypeError", async () => {
      const { spine } = emitter(new InMemoryBackend());
      await expect(spine.run([{ eventType: "START" }] as never)).rejects.toThrow(TypeError);
      await expect(spine.run({ eventType: "START" } as never)).rejects.toThrow(
        "run() takes an Event or an array of Events",
      );
    });
  });
});
