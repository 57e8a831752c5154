import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareEmissions, diffJson, MAX_DIFFERENCES } from "../../src/core/replay/compare.js";

const event = (id: string, eventType: string, payload: Record<string, unknown>) =>
  ({ id, eventType, payload }) as { id: string; eventType: string; payload: never };

describe("compareEmissions", () => {
  it("pairs recorded and new events by type, in order, whatever their ids", () => {
    const then = [event("r1", "A", { n: 1 }), event("r2", "A", { n: 2 }), event("r3", "B", {})];
    const now = [event("x", "B", {}), event("y", "A", { n: 1 }), event("z", "A", { n: 3 })];
    const result = compareEmissions(then, now);
    expect(result.same.map((pair) => [pair.recorded.id, pair.now.id])).toEqual([
      ["r3", "x"],
      ["r1", "y"],
    ]);
    expect(result.changed).toHaveLength(1);
    expect(result.changed[0]?.differences).toEqual(["payload.n: 2 -> 3"]);
    expect(result.missing).toEqual([]);
    expect(result.extra).toEqual([]);
  });

  it("lists what was recorded and not emitted now, and what is new", () => {
    const result = compareEmissions([event("r1", "A", {})], [event("x", "C", {})]);
    expect(result.missing.map((e) => e.id)).toEqual(["r1"]);
    expect(result.extra.map((e) => e.id)).toEqual(["x"]);
  });

  it("finds no difference between a list and itself (property)", () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            eventType: fc.constantFrom("A", "B"),
            payload: fc.dictionary(fc.string(), json),
          }),
        ),
        (items) => {
          const list = items.map((item, i) => event(String(i), item.eventType, item.payload));
          const result = compareEmissions(
            list,
            list.map((e) => ({ ...e, id: `new-${e.id}` })),
          );
          return (
            result.changed.length === 0 && result.missing.length === 0 && result.extra.length === 0
          );
        },
      ),
    );
  });
});

describe("diffJson", () => {
  it("names added, removed and changed paths, and arrays of another length", () => {
    const out: string[] = [];
    diffJson(
      { a: 1, b: [1, 2], c: { d: "x" } },
      { b: [1], c: { d: "y" }, "e-f": true },
      "payload",
      out,
    );
    expect(out).toEqual([
      "payload.a (removed)",
      "payload.b (length 2 -> 1)",
      'payload.c.d: "x" -> "y"',
      'payload["e-f"] (added)',
    ]);
  });

  it("stops at MAX_DIFFERENCES paths", () => {
    const out: string[] = [];
    const a = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
    const b = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, -i - 1]));
    diffJson(a, b, "payload", out);
    expect(out).toHaveLength(MAX_DIFFERENCES);
  });
});
