import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Event, HandlerError, InMemoryBackend, Organ, Spine } from "../../src/index.js";
import { ScriptedBackend } from "./support/backends.js";
import { captureLogs } from "./support/logs.js";
import { organ } from "./support/organs.js";

function spineOf(organs: readonly Organ[], backend = new InMemoryBackend()): Spine {
  return new Spine({ organs, backend, logger: false });
}

describe("Spine routing", () => {
  it("delivers an event to every organ that listens to its type, in constructor order", () => {
    const TYPES = ["A", "B", "C", "D"] as const;
    const organs = fc.array(fc.subarray([...TYPES]), { minLength: 1, maxLength: 6 });
    const starts = fc.array(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 20 });
    return fc.assert(
      fc.asyncProperty(organs, starts, async (listens, types) => {
        const calls: string[] = [];
        const built = listens.map((listensTo, i) =>
          organ(`O${i}`, listensTo, (event) => void calls.push(`${event.id}:O${i}`)),
        );
        const events = types.map((type) => new Event(type));
        await spineOf(built).run(events);
        const expected = events.flatMap((event) =>
          listens.flatMap((listensTo, i) =>
            listensTo.includes(event.eventType as (typeof TYPES)[number])
              ? [`${event.id}:O${i}`]
              : [],
          ),
        );
        expect(calls).toEqual(expected);
      }),
    );
  });

  it("does not deliver an event to organs that listen to other types", async () => {
    const seen: string[] = [];
    await spineOf([organ("OnlyB", ["B"], (e) => void seen.push(e.eventType))]).run(new Event("A"));
    expect(seen).toEqual([]);
  });

  it("routes by exact type, after the event's type is trimmed", async () => {
    const seen: string[] = [];
    await spineOf([organ("A", ["ORDER"], (e) => void seen.push(e.eventType))]).run([
      new Event("  ORDER  "),
      new Event("order"),
    ]);
    expect(seen).toEqual(["ORDER"]);
  });

  it("counts and acks an event no organ listens to", async () => {
    const backend = new ScriptedBackend();
    const start = new Event("NOBODY");
    const stats = await new Spine({ organs: [], backend, logger: false, pollTimeoutMs: 5 }).run(
      start,
    );
    expect(stats.eventsProcessed).toBe(1);
    expect(stats.eventsUnrouted).toBe(1);
    expect(backend.acked).toEqual([start]);
  });

  it("runs an organ that lists a type twice once per event", async () => {
    let calls = 0;
    await spineOf([organ("Twice", ["A", "A"], () => void calls++)]).run(new Event("A"));
    expect(calls).toBe(1);
  });

  it("reads each organ's listensTo once, when the Spine is built, not per event", async () => {
    let reads = 0;
    class Counting extends Organ {
      get listensTo(): readonly string[] {
        reads++;
        return ["A"];
      }
      handle(_event: Event) {}
    }
    const spine = spineOf([new Counting()]);
    const afterBuild = reads;
    await spine.run(Array.from({ length: 50 }, () => new Event("A")));
    expect(reads).toBe(afterBuild);
  });

  it("uses a synchronous handler's result as it is", async () => {
    const seen: string[] = [];
    await spineOf([
      organ("Sync", ["A"], () => new Event("B")),
      organ("Sink", ["B"], (e) => void seen.push(e.eventType)),
    ]).run(new Event("A"));
    expect(seen).toEqual(["B"]);
  });

  it("awaits an async handler's result", async () => {
    const seen: string[] = [];
    await spineOf([
      organ("Async", ["A"], async () => {
        await new Promise((resolve) => setImmediate(resolve));
        return [new Event("B"), new Event("C")];
      }),
      organ("Sink", ["B", "C"], (e) => void seen.push(e.eventType)),
    ]).run(new Event("A"));
    expect(seen).toEqual(["B", "C"]);
  });

  it("enqueues returned events in order, the organs' results in constructor order", async () => {
    const seen: string[] = [];
    const stats = await spineOf([
      organ("First", ["START"], () => [new Event("A1"), new Event("A2")]),
      organ("Second", ["START"], async () => new Event("B1")),
      organ("Third", ["START"], () => [new Event("C1"), new Event("C2")]),
      organ("Sink", ["A1", "A2", "B1", "C1", "C2"], (e) => void seen.push(e.eventType)),
    ]).run(new Event("START"));
    expect(seen).toEqual(["A1", "A2", "B1", "C1", "C2"]);
    expect(stats.eventsEmitted).toBe(5);
    expect(stats.eventsProcessed).toBe(6);
  });

  it.each([
    ["undefined", () => undefined],
    ["null", () => null],
    ["nothing (void)", () => {}],
    ["an empty array", () => []],
    ["a promise of nothing", async () => {}],
  ])("enqueues nothing when a handler returns %s", async (_label, handle) => {
    const backend = new InMemoryBackend();
    const stats = await spineOf([organ("Quiet", ["A"], handle)], backend).run(new Event("A"));
    expect(stats.eventsEmitted).toBe(0);
    expect(stats.handlerErrors).toEqual({});
  });

  it.each([
    ["a string", () => "B", "a string (B)"],
    ["a number", () => 42, "a number (42)"],
    ["a plain object", () => ({ eventType: "B" }), "a plain object"],
    ["an event's wire form", () => new Event("B").toJSON(), "a plain object"],
    ["a Map", () => new Map(), "a Map instance"],
    ["a promise of a boolean", async () => true, "a boolean (true)"],
  ])(
    "counts a handler that returns %s as a handler error naming the organ and the shape",
    async (_label, handle, shape) => {
      const logs = captureLogs("error");
      const spine = new Spine({
        organs: [organ("Odd", ["A"], handle as unknown as () => undefined)],
        backend: new InMemoryBackend(),
        logger: logs.logger,
        handlerFailureMode: "store",
      });
      const stats = await spine.run(new Event("A"));
      expect(stats.handlerErrors).toEqual({ Odd: 1 });
      const [failure] = spine.failedEvents();
      expect(failure?.error).toBeInstanceOf(HandlerError);
      const error = failure?.error as HandlerError;
      expect(error.organ).toBe("Odd");
      expect(error.code).toBe("ERR_HANDLER_RESULT");
      expect(error.message).toContain("Organ Odd");
      expect(error.message).toContain(shape);
      expect(logs.records().some((r) => r.organ === "Odd" && r.level === "ERROR")).toBe(true);
    },
  );

  it("enqueues none of a returned array that holds a non-Event, and counts a handler error", async () => {
    const seen: string[] = [];
    const spine = new Spine({
      organs: [
        organ("Mixed", ["A"], () => [new Event("B"), { eventType: "C" }, new Event("D")] as never),
        organ("Fine", ["A"], () => new Event("E")),
        organ("Sink", ["B", "C", "D", "E"], (e) => void seen.push(e.eventType)),
      ],
      backend: new InMemoryBackend(),
      logger: false,
      handlerFailureMode: "store",
    });
    const stats = await spine.run(new Event("A"));
    expect(seen).toEqual(["E"]);
    expect(stats.handlerErrors).toEqual({ Mixed: 1 });
    expect(spine.failedEvents()[0]?.error).toBeInstanceOf(HandlerError);
    expect(String(spine.failedEvents()[0]?.error)).toContain("element [1] is a plain object");
  });
});
