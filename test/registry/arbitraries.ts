/** fast-check arbitraries for the registry's property tests. */
import fc from "fast-check";
import type { JsonSchema } from "../../src/core/registry/compatibility.js";

export const name = fc.constantFrom("id", "amount", "status", "items", "note", "sku");

/** Schemas of the shapes validators emit: scalars, enums, objects, arrays, nullable unions. */
export const schema: fc.Arbitrary<JsonSchema> = fc.letrec<{ node: JsonSchema }>((tie) => ({
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
