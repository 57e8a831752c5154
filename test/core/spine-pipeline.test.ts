import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import {
  Event,
  type HandlerContext,
  InMemoryBackend,
  type Middleware,
  Organ,
  RetriesExhaustedError,
  Spine,
  type SpineObserver,
} from "../../src/index.js";

/** Records what its handler saw; returns what `reply` makes of the event. */
class Probe extends Organ {
  readonly seen: { event: Event; ctx: HandlerContext }[] = [];

  constructor(
    readonly listensTo: readonly string[],
    readonly reply: (event: Event, ctx: HandlerContext) => unknown = () => undefined,
    name = "Probe",
  ) {
    super(name);
  }

  handle(event: Event, ctx: HandlerContext) {
    this.seen.push({ event, ctx });
    return this.reply(event, ctx) as undefined;
  }
}

function spine(organs: readonly object[], options: Record<string, unknown> = {}): Spine {
  return new Spine({ organs, backend: new InMemoryBackend(), logger: false, ...options });
}

describe("Spine middleware", () => {
  it("runs the Spine's middleware, then the organ's, outermost first, around the handler", async () => {
    const order: string[] = [];
    const tag =
      (name: string): Middleware =>
      (next) =>
      (event, ctx) => {
        order.push(name);
        return next(event, ctx);
      };
    class Tagged extends Organ {
      readonly listensTo = ["GO"];
      override readonly middleware = [tag("organ-1"), tag("organ-2")];
      handle(_event: Event): void {
        order.push("handler");
      }
    }
    await spine([new Tagged()], { middleware: [tag("spine-1"), tag("spine-2")] }).run(
      new Event("GO"),
    );
    expect(order).toEqual(["spine-1", "spine-2", "organ-1", "organ-2", "handler"]);
  });

  it("composes each organ's chain once, when the Spine is built, not per event", async () => {
    let built = 0;
    const counting: Middleware = (next) => {
      built++;
      return next;
    };
    const s = spine([new Probe(["GO"]), new Probe(["GO"], undefined, "Other")], {
      middleware: [counting],
    });
    expect(built).toBe(2);
    await s.run([new Event("GO"), new Event("GO"), new Event("GO")]);
    expect(built).toBe(2);
  });

  it("names the organ when a middleware returns no handler", () => {
    const broken = (() => undefined) as unknown as Middleware;
    expect(() =>
      spine([new Probe(["GO"], undefined, "Billing")], { middleware: [broken] }),
    ).toThrow(/middleware\[0\] must return a handler function .* for organ Billing/);
  });
});

describe("Handler context", () => {
  it("gives a handler declared with two parameters its attempt, headers, organ name and a child logger", async () => {
    const probe = new Probe(["GO"]);
    await spine([probe]).run(new Event({ eventType: "GO", headers: { tenant: "t-1" } }));
    const { event, ctx } = probe.seen[0] ?? expect.unreachable();
    expect(ctx.attempt).toBe(1);
    expect(ctx.headers).toBe(event.headers);
    expect(ctx.headers.tenant).toBe("t-1");
    expect(ctx.organ).toBe("Probe");
    expect(ctx.log.bindings()).toMatchObject({
      event_id: event.id,
      event_type: "GO",
      organ: "Probe",
      correlation_id: event.id,
    });
    expect(ctx.signal.aborted).toBe(false);
  });

  it("aborts the signal when the handler times out, so it can cancel what it started", async () => {
    let signal: AbortSignal | undefined;
    const slow = new Probe(["GO"], async (_event, ctx) => {
      signal = ctx.signal;
      await new Promise((resolve) => setTimeout(resolve, 200));
    });
    const s = spine([slow], { handlerTimeoutMs: 20, handlerFailureMode: "store" });
    await s.run(new Event("GO"));
    expect(signal?.aborted).toBe(true);
    expect(s.failedEvents()[0]?.error).toMatchObject({ code: "ERR_HANDLER_TIMEOUT" });
  });

  it("aborts the signal of a handler still running stopGraceMs after stop()", async () => {
    let signal: AbortSignal | undefined;
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const waiting = new Probe(["GO"], async (_event, ctx) => {
      signal = ctx.signal;
      started();
      await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
    });
    const s = spine([waiting], { stopGraceMs: 30, handlerTimeoutMs: Number.POSITIVE_INFINITY });
    const run = s.run(new Event("GO"), { until: "stopped" });
    await running;
    s.stop();
    await run;
    expect(signal?.aborted).toBe(true);
  });
});

describe("Event headers stamped by the Spine", () => {
  it("gives every emitted event its chain's correlation id, its cause's id and the next hop", async () => {
    const last = new Probe(["C"]);
    const root = new Event("A");
    await spine([
      new Probe(["A"], () => new Event("B"), "ToB"),
      new Probe(["B"], () => new Event("C"), "ToC"),
      last,
    ]).run(root);
    const c = last.seen[0]?.event ?? expect.unreachable();
    expect(c.headers["correlation-id"]).toBe(root.id);
    expect(c.headers.hop).toBe("2");
    expect(c.headers["causation-id"]).not.toBe(root.id);
    expect(root.headers).toEqual({});
  });

  it("keeps a lineage header an organ set itself", async () => {
    const last = new Probe(["B"]);
    await spine([
      new Probe(["A"], () => new Event({ eventType: "B", headers: { "correlation-id": "mine" } })),
      last,
    ]).run(new Event("A"));
    expect(last.seen[0]?.event.headers).toMatchObject({ "correlation-id": "mine", hop: "1" });
  });
});

describe("Loop protection in process (maxHops)", () => {
  it("stops an A -> A loop past maxHops: the event goes to the failed-event store with stage loop", async () => {
    const echo = new Probe(["A"], () => new Event("A"));
    const s = spine([echo], { maxHops: 5 });
    const stats = await s.run(new Event("A"));
    expect(echo.seen).toHaveLength(6);
    expect(stats.eventsLoopStopped).toBe(1);
    const [stopped] = s.failedEvents();
    expect(stopped?.stage).toBe("loop");
    expect(String(stopped?.error)).toMatch(/loop protection: hop 6 > maxHops 5 \(correlation-id /);
  });
});

describe("Retry policies in process", () => {
  function flaky(failures: number): Probe {
    let calls = 0;
    return new Probe(["JOB"], () => {
      calls++;
      if (calls <= failures) throw new Error(`failure ${calls}`);
      return new Event("DONE");
    });
  }

  it("runs a failing handler again after a backoff, up to the policy's attempts", async () => {
    const organ = flaky(2);
    const done = new Probe(["DONE"]);
    const s = spine([organ, done], {
      retry: { JOB: { attempts: 3, backoff: { initialMs: 1, jitter: "none" } } },
    });
    const stats = await s.run(new Event("JOB"));
    expect(organ.seen).toHaveLength(3);
    expect(done.seen).toHaveLength(1);
    expect(stats.handlerErrors).toEqual({});
  });

  it("gives up past the attempts with RetriesExhaustedError, and the failure mode applies", async () => {
    const organ = flaky(5);
    const s = spine([organ], {
      handlerFailureMode: "store",
      retry: { "*": { attempts: 2, backoff: { initialMs: 1 } } },
    });
    await s.run(new Event("JOB"));
    expect(organ.seen).toHaveLength(2);
    const error = s.failedEvents()[0]?.error;
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as Error).message).toMatch(/all 2 tries .*failure 2/);
  });

  it("under nack, keeps an event whose tries are spent in the failed-event store where the backend has no dead-letter store", async () => {
    const organ = flaky(5);
    const s = spine([organ], {
      handlerFailureMode: "nack",
      retry: { JOB: { attempts: 2, backoff: { initialMs: 1 } } },
    });
    const job = new Event("JOB");
    await s.run(job);
    const [kept] = s.failedEvents();
    expect(kept?.event).toBe(job);
    expect(kept?.stage).toBe("handler");
    expect(String(kept?.error)).toMatch(/failed on all 2 tries of its retry policy/);
  });

  it("rejects a policy whose attempts is not a positive integer, naming the event type", () => {
    expect(() => spine([], { retry: { JOB: { attempts: 0 } } })).toThrow(
      /Expected `retry\.JOB\.attempts` to be an integer >= 1/,
    );
  });
});

describe("Observers", () => {
  it("are called with the event and the organ for dispatch, emitted and handled", async () => {
    const calls: string[] = [];
    const observer: SpineObserver = {
      dispatch: (event, organ) => calls.push(`dispatch ${event.eventType} ${organ.name}`),
      emitted: (event, organ, events) =>
        calls.push(`emitted ${event.eventType} ${organ.name} ${events.length}`),
      handled: (event, organ, ms) =>
        calls.push(`handled ${event.eventType} ${organ.name} ${ms >= 0}`),
      unrouted: (event) => calls.push(`unrouted ${event.eventType}`),
    };
    await spine([new Probe(["A"], () => new Event("B"), "ToB")], { observers: [observer] }).run(
      new Event("A"),
    );
    expect(calls).toEqual([
      "dispatch A ToB",
      "handled A ToB true",
      "emitted A ToB 1",
      "unrouted B",
    ]);
  });

  it("keep calling an observer that throws, log it once, and the events still flow", async () => {
    let calls = 0;
    const broken: SpineObserver = {
      received: () => {
        calls++;
        throw new Error("exporter down");
      },
    };
    const lines: string[] = [];
    const logger = pino(
      { level: "warn" },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const done = new Probe(["B"]);
    await spine([new Probe(["A"], () => new Event("B")), done], {
      observers: [broken],
      logger,
    }).run(new Event("A"));
    expect(calls).toBe(2);
    expect(done.seen).toHaveLength(1);
    const reports = lines.filter((line) => line.includes("An observer threw in received"));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toContain("exporter down");
  });
});
