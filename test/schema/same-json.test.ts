/** sameJson: whether a schema's output is, in JSON terms, the payload it was given. */
import { describe, expect, it } from "vitest";
import { sameJson } from "../../src/core/catalog/same-json.js";

describe("sameJson", () => {
  it("holds for equal JSON, whatever the key order", () => {
    expect(sameJson({ b: [1, { c: null }], a: "x" }, { a: "x", b: [1, { c: null }] })).toBe(true);
    expect(sameJson(3, 3)).toBe(true);
  });

  it("counts a key whose value is undefined as absent, as JSON does", () => {
    expect(sameJson({ a: 1, note: undefined }, { a: 1 })).toBe(true);
  });

  it("fails for a changed value, a key more or less, or another shape", () => {
    expect(sameJson({ a: 2 }, { a: 1 })).toBe(false);
    expect(sameJson({ a: 1, b: 2 }, { a: 1 })).toBe(false);
    expect(sameJson({}, { a: 1 })).toBe(false);
    expect(sameJson([1, 2], [1])).toBe(false);
    expect(sameJson({ 0: 1 }, [1])).toBe(false);
    expect(sameJson([1], { 0: 1 })).toBe(false);
    expect(sameJson("1", 1)).toBe(false);
  });

  it("fails for an object that is not plain, such as a Date a schema made from a string", () => {
    expect(sameJson({ at: new Date(0) }, { at: "1970-01-01T00:00:00.000Z" })).toBe(false);
    expect(sameJson(new Map(), {})).toBe(false);
  });
});
