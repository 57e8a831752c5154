import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CompatibilityMode,
  checkCompatibility,
  type JsonSchema,
} from "../../src/core/registry/compatibility.js";
import { name, schema } from "./arbitraries.js";

const MODES: readonly CompatibilityMode[] = ["BACKWARD", "FORWARD", "FULL", "NONE"];
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
