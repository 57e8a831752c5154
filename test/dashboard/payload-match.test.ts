import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InspectQueryError } from "../../src/core/inspect/errors.js";
import {
  compileQuery,
  matchesPayload,
  type PayloadQuery,
  parsePath,
  payloadQuery,
  valueAt,
} from "../../src/core/inspect/payload-match.js";
import type { JsonObject, JsonValue } from "../../src/core/json.js";

const key = fc.constantFrom("a", "b", "order", "name", "items", "0", "x y");
const scalar = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom("Alpha", "beta", "42", "<script>", "é", 'q"q'),
  fc.integer({ min: -50, max: 50 }),
  fc.boolean(),
  fc.constant(null),
);
const json: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    scalar,
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(key, tie("value"), { maxKeys: 3 }),
  ),
})).value;
const payload = fc.dictionary(key, json, { maxKeys: 4 }) as fc.Arbitrary<JsonObject>;
const needle = fc.oneof(
  fc.string({ minLength: 1, maxLength: 4 }),
  fc.constantFrom("alpha", "42", "true", "null", "<script>", "É", 'q"', "\\"),
);
const path = fc.array(key, { minLength: 1, maxLength: 3 });
const query: fc.Arbitrary<PayloadQuery> = fc.oneof(
  needle.map((text) => ({ kind: "text", text }) as const),
  fc.tuple(path, needle).map(([steps, value]) => ({ kind: "equals", path: steps, value }) as const),
  fc
    .tuple(path, needle)
    .map(([steps, value]) => ({ kind: "contains", path: steps, value }) as const),
);

/** Every string, number and boolean's text in a JSON value. */
function texts(value: JsonValue): string[] {
  if (value === null) return ["null"];
  if (typeof value !== "object") return [String(value)];
  return Object.values(value as Record<string, JsonValue>).flatMap(texts);
}

describe("payload search matcher", () => {
  it("gives on wire text exactly what it gives on the parsed payload (the prefilter loses nothing)", () => {
    fc.assert(
      fc.property(payload, query, (p, q) => {
        const wire = JSON.stringify({ id: "i", timestamp: "t", event_type: "T", payload: p });
        expect(compileQuery(q).matchesWire(wire)).toBe(matchesPayload(p, q));
      }),
      { numRuns: 2_000 },
    );
  });

  it("finds text when some string or scalar of the payload holds it, ignoring case", () => {
    fc.assert(
      fc.property(payload, needle, (p, text) => {
        const expected = texts(p).some((t) => t.toLowerCase().includes(text.toLowerCase()));
        expect(matchesPayload(p, { kind: "text", text })).toBe(expected);
      }),
    );
  });

  it("equals a string exactly, and a number, boolean or null by its JSON text", () => {
    const p = { order: { id: 42, ok: true, none: null, name: "Ab" } };
    expect(matchesPayload(p, { kind: "equals", path: ["order", "id"], value: "42" })).toBe(true);
    expect(matchesPayload(p, { kind: "equals", path: ["order", "ok"], value: "true" })).toBe(true);
    expect(matchesPayload(p, { kind: "equals", path: ["order", "none"], value: "null" })).toBe(
      true,
    );
    expect(matchesPayload(p, { kind: "equals", path: ["order", "name"], value: "ab" })).toBe(false);
    expect(matchesPayload(p, { kind: "equals", path: ["order"], value: "{}" })).toBe(false);
  });

  it("contains a substring ignoring case, or an array element equal to the value", () => {
    const p = { tags: ["red", 7], name: "Hello World" };
    expect(matchesPayload(p, { kind: "contains", path: ["name"], value: "world" })).toBe(true);
    expect(matchesPayload(p, { kind: "contains", path: ["tags"], value: "7" })).toBe(true);
    expect(matchesPayload(p, { kind: "contains", path: ["tags"], value: "re" })).toBe(false);
  });

  it("never matches wire text that is not an event object", () => {
    const compiled = compileQuery({ kind: "text", text: "a" });
    expect(compiled.matchesWire("not json a")).toBe(false);
    expect(compiled.matchesWire('["a"]')).toBe(false);
  });
});

describe("payload paths", () => {
  it("reads dots and [n] indexes, and digit keys index arrays", () => {
    expect(parsePath("order.items[0].sku")).toEqual(["order", "items", 0, "sku"]);
    const p = { order: { items: [{ sku: "s-1" }] } };
    expect(valueAt(p, ["order", "items", 0, "sku"])).toBe("s-1");
    expect(valueAt(p, ["order", "items", "0", "sku"])).toBe("s-1");
    expect(valueAt(p, ["order", "missing", "x"])).toBeUndefined();
    expect(valueAt(p, ["constructor"])).toBeUndefined();
  });

  it("refuses empty and malformed paths, naming the parameter", () => {
    for (const bad of ["", "a..b", ".a", "a.", "a[x]", "a[0]b"]) {
      expect(() => parsePath(bad), bad).toThrow(InspectQueryError);
    }
    expect(() => parsePath("a..b")).toThrow(/Expected `path`/);
  });

  it("takes exactly one of equals, contains or text", () => {
    expect(payloadQuery({ text: "x" })).toEqual({ kind: "text", text: "x" });
    expect(payloadQuery({ path: "a.b", equals: "1" })).toEqual({
      kind: "equals",
      path: ["a", "b"],
      value: "1",
    });
    expect(() => payloadQuery({})).toThrow(/exactly one of/);
    expect(() => payloadQuery({ text: "x", equals: "y", path: "a" })).toThrow(/exactly one of/);
    expect(() => payloadQuery({ text: "x", path: "a" })).toThrow(/Expected `path` to be absent/);
    expect(() => payloadQuery({ equals: "", path: "a" })).toThrow(/Expected `equals`/);
  });
});
