import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CompatibilityMode,
  checkCompatibility,
  type JsonSchema,
} from "../../src/core/registry/compatibility.js";

const MODES: readonly CompatibilityMode[] = ["BACKWARD", "FORWARD", "FULL", "NONE"];
const name = fc.constantFrom("id", "amount", "status", "items", "note", "sku");

/** Schemas of the shapes validators emit: scalars, enums, objects, arrays, nullable unions. */
const schema: fc.Arbitrary<JsonSchema> = fc.letrec<{ node: JsonSchema }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom<JsonSchema>(
      { type: "string" },
      { type: "number" },
      { type: "integer" },
      { type: "boolean" },
      { type: "null" },
      { type: ["string", "null"] },
      { type: "integer", minimum: 0 },
      { type: "string", maxLength: 10 },
      true,
    ),
    fc
      .uniqueArray(fc.constantFrom("a", "b", "c", "d"), { minLength: 1 })
      .map((values): JsonSchema => ({ type: "string", enum: values })),
    fc
      .dictionary(name, tie("node"), { maxKeys: 4 })
      .chain((properties) =>
        fc.record({
          properties: fc.constant(properties),
          required: fc.subarray(Object.keys(properties)),
          closed: fc.boolean(),
        }),
      )
      .map(
        ({ properties, required, closed }): JsonSchema => ({
          type: "object",
          properties,
          required,
          ...(closed ? { additionalProperties: false } : {}),
        }),
      ),
    tie("node").map((items): JsonSchema => ({ type: "array", items })),
    fc.array(tie("node"), { minLength: 2, maxLength: 3 }).map((anyOf): JsonSchema => ({ anyOf })),
  ),
})).node;

const withoutDirection = (issues: ReturnType<typeof checkCompatibility>) =>
  issues.map(({ direction: _, ...rest }) => rest);

describe("checkCompatibility (properties)", () => {
  it("finds a schema compatible with itself in every mode", () => {
    fc.assert(
      fc.property(schema, fc.constantFrom(...MODES), (s, mode) => {
        expect(checkCompatibility(s, s, mode)).toEqual([]);
      }),
    );
  });

  it("finds nothing under NONE", () => {
    fc.assert(
      fc.property(schema, schema, (a, b) => {
        expect(checkCompatibility(a, b, "NONE")).toEqual([]);
      }),
    );
  });

  it("reports under FULL exactly the BACKWARD issues and then the FORWARD ones", () => {
    fc.assert(
      fc.property(schema, schema, (a, b) => {
        expect(checkCompatibility(a, b, "FULL")).toEqual([
          ...checkCompatibility(a, b, "BACKWARD"),
          ...checkCompatibility(a, b, "FORWARD"),
        ]);
      }),
    );
  });

  it("mirrors: going from a to b FORWARD checks what going from b to a BACKWARD checks", () => {
    fc.assert(
      fc.property(schema, schema, (a, b) => {
        const forward = checkCompatibility(a, b, "FORWARD");
        const backward = checkCompatibility(b, a, "BACKWARD");
        expect(forward.length).toBe(backward.length);
        expect(withoutDirection(forward).map((i) => [i.kind, i.path])).toEqual(
          withoutDirection(backward).map((i) => [i.kind, i.path]),
        );
      }),
    );
  });

  it("accepts an optional field added to an open object under BACKWARD", () => {
    fc.assert(
      fc.property(fc.dictionary(name, schema, { maxKeys: 4 }), schema, (properties, added) => {
        const previous: JsonSchema = {
          type: "object",
          properties,
          required: Object.keys(properties),
        };
        const next: JsonSchema = {
          type: "object",
          properties: { ...properties, addedField: added },
          required: Object.keys(properties),
        };
        expect(checkCompatibility(previous, next, "BACKWARD")).toEqual([]);
      }),
    );
  });

  it("refuses, under BACKWARD and FULL, a required field without a default added", () => {
    fc.assert(
      fc.property(fc.dictionary(name, schema, { maxKeys: 4 }), schema, (properties, added) => {
        const previous: JsonSchema = { type: "object", properties };
        const next: JsonSchema = {
          type: "object",
          properties: { ...properties, addedField: added },
          required: ["addedField"],
        };
        for (const mode of ["BACKWARD", "FULL"] as const) {
          expect(checkCompatibility(previous, next, mode)).toContainEqual(
            expect.objectContaining({ kind: "required-field-missing", path: ["addedField"] }),
          );
        }
      }),
    );
  });
});

describe("checkCompatibility on malformed schemas (properties)", () => {
  /** JSON objects that use schema keywords with values of any JSON type. */
  const keyword = fc.constantFrom(
    "type",
    "enum",
    "const",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "prefixItems",
    "anyOf",
    "oneOf",
    "allOf",
    "$ref",
    "$defs",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "pattern",
    "not",
  );
  const malformed: fc.Arbitrary<JsonSchema> = fc.letrec<{ node: JsonSchema }>((tie) => ({
    node: fc.oneof(
      { depthSize: "small" },
      fc.boolean(),
      fc.dictionary(keyword, fc.oneof(fc.jsonValue({ maxDepth: 2 }), tie("node")), { maxKeys: 4 }),
    ),
  })).node;

  it("never throws, and reports issues only in the shape it promises", () => {
    fc.assert(
      fc.property(malformed, malformed, fc.constantFrom(...MODES), (a, b, mode) => {
        for (const issue of checkCompatibility(a, b, mode)) {
          expect(typeof issue.message).toBe("string");
          expect(Array.isArray(issue.path)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
