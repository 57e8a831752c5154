import { describe, expect, it } from "vitest";
import {
  Event,
  HandlerError,
  HandlerFailureMode,
  HandlerTimeoutError,
  InMemoryBackend,
  type ReleaseOptions,
  Spine,
  type SpineOptions,
} from "../../src/index.js";
import { ScriptedBackend } from "./support/backends.js";
import { captureLogs } from "./support/logs.js";
import { deferred, type HandleFn, organ } from "./support/organs.js";

const failures: [string, HandleFn][] = [
  [
    "throws",
    () => {
      throw new Error("boom");
    },
  ],
  ["rejects", async () => Promise.reject(new Error("boom"))],
];

/** A Spine whose first organ fails as `failing` says, between two organs that work. */
function spineAround(failing: HandleFn, options: Partial<SpineOptions> = {}) {
  const seen: string[] = [];
  const spine = new Spine({
    organs: [
      organ("Before", ["A"], () => new Event("FROM_BEFORE")),
      organ("Failing", ["A"], failing),
      organ("After", ["A"], async () => new Event("FROM_AFTER")),
      organ("Sink", ["FROM_BEFORE", "FROM_AFTER"], (e) => void seen.push(e.eventType)),
    ],
    backend: new InMemoryBackend(),
    logger: false,
    ...options,
  });
  return { spine, seen };
}

describe("Spine handler failures", () => {
  it.each(failures)(
    "counts a handler that %s and still runs the other organs for the event",
    async (_label, failing) => {
      const { spine, seen } = spineAround(failing);
      const stats = await spine.run(new Event("A"));
      expect(stats.handlerErrors).toEqual({ Failing: 1 });
      expect(seen).toEqual(["FROM_BEFORE", "FROM_AFTER"]);
    },
  );

  it.each(failures)(
    "logs a handler that %s with the organ and the error message",
    async (_label, failing) => {
      const logs = captureLogs("warn");
      const { spine } = spineAround(failing, { logger: logs.logger });
      await spine.run(new Event("A"));
      const [record] = logs.records();
      expect(record).toMatchObject({
        level: "ERROR",
        organ: "Failing",
        event_type: "A",
        error: "boom",
      });
      expect(String(record?.message)).toContain("boom");
    },
  );

  it("handles a thrown value that is not an Error", async () => {
    const logs = captureLogs("warn");
    const { spine } = spineAround(
      () => {
        throw "plain string";
      },
      { logger: logs.logger },
    );
    const stats = await spine.run(new Event("A"));
    expect(stats.handlerErrors).toEqual({ Failing: 1 });
    expect(logs.records()[0]?.error).toBe("plain string");
  });

  it("times out a handler after handlerTimeoutMs, counts it, and runs the other organs", async () => {
    const never = deferred<Event>();
    const { spine, seen } = spineAround(() => never.promise, {
      handlerTimeoutMs: 20,
      handlerFailureMode: "store",
    });
    const stats = await spine.run(new Event("A"));
    expect(stats.handlerErrors).toEqual({ Failing: 1 });
    expect(seen).toEqual(["FROM_BEFORE", "FROM_AFTER"]);
    const error = spine.failedEvents()[0]?.error;
    expect(error).toBeInstanceOf(HandlerTimeoutError);
    expect(error).toBeInstanceOf(HandlerError);
    expect((error as HandlerTimeoutError).timeoutMs).toBe(20);
    expect((error as Error).message).toContain("timed out after 20 ms");
    never.resolve(new Event("LATE"));
  });

  it("ignores the late result of a handler that timed out", async () => {
    const late = deferred<Event>();
    const backend = new InMemoryBackend();
    const spine = new Spine({
      organs: [organ("Slow", ["A"], () => late.promise)],
      backend,
      logger: false,
      handlerTimeoutMs: 10,
    });
    const stats = await spine.run(new Event("A"));
    late.resolve(new Event("LATE"));
    await late.promise;
    await new Promise((resolve) => setImmediate(resolve));
    expect(stats.eventsEmitted).toBe(0);
    expect(backend.size).toBe(0);
  });

  it("acks the event and stores nothing under handlerFailureMode LOG", async () => {
    const backend = new ScriptedBackend();
    const start = new Event("A");
    const spine = new Spine({
      organs: [organ("Failing", ["A"], failures[0]?.[1] as HandleFn)],
      backend,
      logger: false,
      pollTimeoutMs: 5,
      handlerFailureMode: HandlerFailureMode.LOG,
    });
    await spine.run(start);
    expect(backend.acked).toEqual([start]);
    expect(spine.failedEvents()).toEqual([]);
  });

  it("stores the event with its error, stage and organ, and acks it, under STORE", async () => {
    const backend = new ScriptedBackend();
    const start = new Event("A");
    const spine = new Spine({
      organs: [organ("Failing", ["A"], failures[1]?.[1] as HandleFn)],
      backend,
      logger: false,
      pollTimeoutMs: 5,
      handlerFailureMode: "store",
    });
    await spine.run(start);
    expect(backend.acked).toEqual([start]);
    const [stored] = spine.failedEvents();
    expect(stored).toMatchObject({ event: start, stage: "handler", organ: "Failing" });
    expect(stored?.error).toEqual(new Error("boom"));
    expect(Object.isFrozen(stored)).toBe(true);
  });

  it("leaves the event unacked and does not call backend.nack under NACK", async () => {
    const backend = new ScriptedBackend();
    const start = new Event("A");
    const spine = new Spine({
      organs: [organ("Failing", ["A"], failures[0]?.[1] as HandleFn)],
      backend,
      logger: false,
      pollTimeoutMs: 5,
      handlerFailureMode: HandlerFailureMode.NACK,
    });
    const stats = await spine.run(start);
    expect(stats.handlerErrors).toEqual({ Failing: 1 });
    expect(backend.acked).toEqual([]);
    expect(backend.nacked).toEqual([]);
  });

  it("tells a backend with release() which event it left unacked under NACK, and why", async () => {
    class Releasing extends ScriptedBackend {
      readonly released: [Event, string | undefined][] = [];
      constructor() {
        super({ capabilities: { redelivery: true } });
      }
      async release(event: Event, options?: ReleaseOptions): Promise<void> {
        this.released.push([event, options?.reason]);
      }
      deliveryAttempt(): number {
        return 1;
      }
    }
    const start = new Event("A");
    for (const mode of ["nack", "log", "store"] as const) {
      const backend = new Releasing();
      await new Spine({
        organs: [
          organ("Failing", ["A"], () => {
            throw new Error("cannot reach postgres://app:pw123@db/orders");
          }),
        ],
        backend,
        logger: false,
        pollTimeoutMs: 5,
        handlerFailureMode: mode,
      }).run(start);
      if (mode === "nack") {
        expect(backend.released).toEqual([
          [start, "Organ Failing failed: cannot reach postgres://app:***@db/orders"],
        ]);
      } else {
        expect(backend.released).toEqual([]);
      }
    }
  });

  it("discards what the other organs returned for an event left unacked under NACK", async () => {
    const { spine, seen } = spineAround(failures[1]?.[1] as HandleFn, {
      handlerFailureMode: "nack",
    });
    const stats = await spine.run(new Event("A"));
    expect(seen).toEqual([]);
    expect(stats.eventsEmitted).toBe(0);
  });

  it("drops the event after logging it under NACK on the in-memory backend, which cannot redeliver", async () => {
    const logs = captureLogs("warn");
    const backend = new InMemoryBackend();
    let calls = 0;
    const spine = new Spine({
      organs: [
        organ("Failing", ["A"], () => {
          calls++;
          throw new Error("boom");
        }),
      ],
      backend,
      logger: logs.logger,
      handlerFailureMode: "nack",
    });
    const start = new Event("A");
    await spine.run(start);
    expect(calls).toBe(1);
    expect(backend.size).toBe(0);
    const unacked = logs.records().find((r) => r.level === "WARN");
    expect(unacked).toMatchObject({ event_id: start.id, event_type: "A" });
    expect(String(unacked?.message)).toContain("unacked");
  });

  it("counts handler errors per organ across events", async () => {
    const spine = new Spine({
      organs: [
        organ("Flaky", ["A"], (e) => {
          if ((e.payload.n as number) % 2 === 0) throw new Error("even");
        }),
        organ("Broken", ["A"], async () => {
          throw new Error("always");
        }),
      ],
      backend: new InMemoryBackend(),
      logger: false,
    });
    const stats = await spine.run([0, 1, 2, 3, 4].map((n) => new Event("A", { n })));
    expect(stats.handlerErrors).toEqual({ Flaky: 3, Broken: 5 });
  });
});
