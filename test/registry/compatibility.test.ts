import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  checkCompatibility,
  type JsonSchema,
  readerIssues,
} from "../../src/core/registry/compatibility.js";

const order = (extra: Record<string, unknown> = {}, required = ["id", "amount"]): JsonSchema => ({
  type: "object",
  properties: {
    id: { type: "string" },
    amount: { type: "integer", minimum: 0 },
    ...extra,
  },
  required,
});

function kinds(
  previous: JsonSchema,
  next: JsonSchema,
  mode: Parameters<typeof checkCompatibility>[2],
) {
  return checkCompatibility(previous, next, mode).map((i) => [i.kind, i.path.join(".")]);
}

describe("checkCompatibility", () => {
  it("finds nothing between a schema and itself in every mode", () => {
    for (const mode of ["BACKWARD", "FORWARD", "FULL", "NONE"] as const) {
      expect(checkCompatibility(order(), order(), mode)).toEqual([]);
    }
  });

  it("reports nothing under NONE, however different the schemas", () => {
    expect(checkCompatibility(order(), { type: "string" }, "NONE")).toEqual([]);
  });

  describe("BACKWARD (the new schema reads old data)", () => {
    it("accepts an added optional field", () => {
      expect(checkCompatibility(order(), order({ note: { type: "string" } }), "BACKWARD")).toEqual(
        [],
      );
    });

    it("accepts an added required field that has a default", () => {
      const next = order({ currency: { type: "string", default: "EUR" } }, [
        "id",
        "amount",
        "currency",
      ]);
      expect(checkCompatibility(order(), next, "BACKWARD")).toEqual([]);
    });

    it("refuses an added required field without a default, naming it", () => {
      const next = order({ currency: { type: "string" } }, ["id", "amount", "currency"]);
      const issues = checkCompatibility(order(), next, "BACKWARD");
      expect(issues).toEqual([
        {
          path: ["currency"],
          kind: "required-field-missing",
          direction: "backward",
          message: "required field currency was added without a default",
        },
      ]);
    });

    it("refuses a field that became required", () => {
      const previous = order({ note: { type: "string" } });
      const next = order({ note: { type: "string" } }, ["id", "amount", "note"]);
      expect(checkCompatibility(previous, next, "BACKWARD")[0]?.message).toBe(
        "field note is required by the reader but optional for the writer",
      );
    });

    it("accepts a removed field when the reader allows unknown fields", () => {
      const next: JsonSchema = {
        type: "object",
        properties: { id: { type: "string" } },
        required: ["id"],
      };
      expect(checkCompatibility(order(), next, "BACKWARD")).toEqual([]);
    });

    it("refuses a removed field when the reader rejects unknown fields", () => {
      const next: JsonSchema = {
        type: "object",
        properties: { id: { type: "string" } },
        required: ["id"],
        additionalProperties: false,
      };
      expect(kinds(order(), next, "BACKWARD")).toContainEqual(["field-rejected", "amount"]);
    });

    it("refuses a changed type, saying from what to what", () => {
      const next = order({ amount: { type: "string" } });
      expect(checkCompatibility(order(), next, "BACKWARD")).toEqual([
        {
          path: ["amount"],
          kind: "type-changed",
          direction: "backward",
          message: "type changed: the writer may send integer, the reader accepts string",
        },
      ]);
    });

    it("accepts integer widened to number, and refuses number narrowed to integer", () => {
      const asNumber = order({ amount: { type: "number" } });
      expect(checkCompatibility(order(), asNumber, "BACKWARD")).toEqual([]);
      expect(kinds(asNumber, order(), "BACKWARD")).toEqual([["type-changed", "amount"]]);
    });

    it("accepts a widened enum and refuses a narrowed one, naming the values dropped", () => {
      const ab = order({ status: { type: "string", enum: ["paid", "open"] } });
      const abc = order({ status: { type: "string", enum: ["paid", "open", "void"] } });
      expect(checkCompatibility(ab, abc, "BACKWARD")).toEqual([]);
      const issues = checkCompatibility(abc, ab, "BACKWARD");
      expect(issues.map((i) => [i.kind, i.path, i.message])).toEqual([
        ["enum-narrowed", ["status"], 'enum narrowed: the reader no longer accepts "void"'],
      ]);
    });

    it("treats const as a one-value enum", () => {
      const v1 = { type: "object", properties: { kind: { const: "a" } } };
      const v2 = { type: "object", properties: { kind: { enum: ["a", "b"] } } };
      expect(checkCompatibility(v1, v2, "BACKWARD")).toEqual([]);
      expect(kinds(v2, v1, "BACKWARD")).toEqual([["enum-narrowed", "kind"]]);
    });

    it("refuses an enum added where any string was allowed", () => {
      const next = order({ note: { type: "string", enum: ["x"] } });
      expect(kinds(order({ note: { type: "string" } }), next, "BACKWARD")).toEqual([
        ["enum-narrowed", "note"],
      ]);
    });

    it("accepts a nullable field made from a required one, and refuses the reverse", () => {
      const plain = order({ note: { type: "string" } });
      const nullable = order({ note: { type: ["string", "null"] } });
      expect(checkCompatibility(plain, nullable, "BACKWARD")).toEqual([]);
      expect(kinds(nullable, plain, "BACKWARD")).toEqual([["type-changed", "note"]]);
    });

    it("reports a change deep inside nested objects and arrays with its path", () => {
      const line = (sku: JsonSchema): JsonSchema => ({
        type: "object",
        properties: {
          customer: {
            type: "object",
            properties: {
              address: {
                type: "object",
                properties: { zip: { type: "string" } },
                required: ["zip"],
              },
            },
            required: ["address"],
          },
          items: {
            type: "array",
            items: { type: "object", properties: { sku }, required: ["sku"] },
          },
        },
        required: ["customer", "items"],
      });
      const previous = line({ type: "string" });
      const next = line({ type: "number" });
      expect(kinds(previous, next, "BACKWARD")).toEqual([["type-changed", "items.*.sku"]]);
      const zipNumber = structuredClone(previous) as {
        properties: { customer: { properties: { address: { properties: { zip: unknown } } } } };
      };
      zipNumber.properties.customer.properties.address.properties.zip = { type: "integer" };
      expect(kinds(previous, zipNumber, "BACKWARD")).toEqual([
        ["type-changed", "customer.address.zip"],
      ]);
    });

    it("compares tuple positions by index", () => {
      const previous = { type: "array", prefixItems: [{ type: "string" }, { type: "number" }] };
      const next = { type: "array", prefixItems: [{ type: "string" }, { type: "boolean" }] };
      expect(kinds(previous, next, "BACKWARD")).toEqual([["type-changed", "1"]]);
    });

    it("refuses narrowed bounds and accepts widened ones", () => {
      const bounded = (min: number, max: number): JsonSchema => ({
        type: "object",
        properties: {
          qty: { type: "integer", minimum: min, maximum: max },
          name: { type: "string", maxLength: max },
        },
      });
      expect(checkCompatibility(bounded(1, 10), bounded(0, 20), "BACKWARD")).toEqual([]);
      expect(kinds(bounded(0, 20), bounded(1, 10), "BACKWARD")).toEqual([
        ["constraint-narrowed", "qty"],
        ["constraint-narrowed", "qty"],
        ["constraint-narrowed", "name"],
      ]);
    });

    it("treats exclusive bounds as tighter than inclusive ones at the same value", () => {
      const inclusive = { type: "number", minimum: 0 };
      const exclusive = { type: "number", exclusiveMinimum: 0 };
      expect(checkCompatibility(exclusive, inclusive, "BACKWARD")).toEqual([]);
      expect(kinds(inclusive, exclusive, "BACKWARD")).toEqual([["constraint-narrowed", ""]]);
    });

    it("refuses a pattern or format added or changed", () => {
      expect(kinds({ type: "string" }, { type: "string", format: "email" }, "BACKWARD")).toEqual([
        ["constraint-narrowed", ""],
      ]);
      expect(
        kinds({ type: "string", pattern: "^a" }, { type: "string", pattern: "^b" }, "BACKWARD"),
      ).toEqual([["constraint-narrowed", ""]]);
    });

    it("reads a writer union branch by branch, and a reader union by its best branch", () => {
      const stringOrNumber = { anyOf: [{ type: "string" }, { type: "number" }] };
      expect(checkCompatibility({ type: "string" }, stringOrNumber, "BACKWARD")).toEqual([]);
      expect(kinds(stringOrNumber, { type: "string" }, "BACKWARD")).toEqual([["type-changed", ""]]);
    });

    it("follows local $refs, recursive ones included", () => {
      const tree = (leaf: string): JsonSchema => ({
        $ref: "#/$defs/node",
        $defs: {
          node: {
            type: "object",
            properties: {
              value: { type: leaf },
              children: { type: "array", items: { $ref: "#/$defs/node" } },
            },
            required: ["value"],
          },
        },
      });
      expect(checkCompatibility(tree("integer"), tree("number"), "BACKWARD")).toEqual([]);
      expect(kinds(tree("number"), tree("string"), "BACKWARD")).toContainEqual([
        "type-changed",
        "value",
      ]);
    });

    it("reports a reference it cannot follow only when it changed", () => {
      const external = (ref: string): JsonSchema => ({
        type: "object",
        properties: { a: { $ref: ref } },
      });
      expect(
        checkCompatibility(external("other.json#/A"), external("other.json#/A"), "FULL"),
      ).toEqual([]);
      expect(kinds(external("other.json#/A"), external("other.json#/B"), "BACKWARD")).toEqual([
        ["unsupported-change", "a"],
      ]);
    });

    it("merges allOf parts on the writer side", () => {
      const writer = {
        allOf: [
          { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
          {
            type: "object",
            properties: { amount: { type: "integer", minimum: 0 } },
            required: ["amount"],
          },
        ],
      };
      expect(checkCompatibility(writer, order(), "BACKWARD")).toEqual([]);
    });

    it("reports a keyword it cannot reason about only when it differs", () => {
      const a = { type: "number", multipleOf: 2 };
      expect(checkCompatibility(a, a, "BACKWARD")).toEqual([]);
      expect(kinds(a, { type: "number", multipleOf: 3 }, "BACKWARD")).toEqual([
        ["unsupported-change", ""],
      ]);
    });

    it("accepts anything when the reader is `true`, and nothing is read by `false`", () => {
      expect(checkCompatibility({ type: "string" }, true, "BACKWARD")).toEqual([]);
      expect(kinds({ type: "string" }, false, "BACKWARD")).toEqual([["type-changed", ""]]);
    });
  });

  describe("FORWARD (the old schema reads new data)", () => {
    it("refuses a removed required field, naming it", () => {
      const next: JsonSchema = {
        type: "object",
        properties: { id: { type: "string" } },
        required: ["id"],
      };
      expect(checkCompatibility(order(), next, "FORWARD")).toEqual([
        {
          path: ["amount"],
          kind: "required-field-missing",
          direction: "forward",
          message: "required field amount was removed",
        },
      ]);
    });

    it("accepts a narrowed enum (old readers accept every new value)", () => {
      const abc = order({ status: { enum: ["a", "b", "c"] } });
      const ab = order({ status: { enum: ["a", "b"] } });
      expect(checkCompatibility(abc, ab, "FORWARD")).toEqual([]);
      expect(kinds(ab, abc, "FORWARD")).toEqual([["enum-narrowed", "status"]]);
    });
  });

  describe("FULL", () => {
    it("reports the backward issues, then the forward ones", () => {
      const next = order({ currency: { type: "string" } }, ["id", "currency"]);
      expect(
        checkCompatibility(order(), next, "FULL").map((i) => [i.direction, i.path.join(".")]),
      ).toEqual([
        ["backward", "currency"],
        ["forward", "amount"],
      ]);
    });
  });

  it("readerIssues is the building block: the reader, then the writer", () => {
    expect(readerIssues({ type: "number" }, { type: "integer" })).toEqual([]);
    expect(readerIssues({ type: "integer" }, { type: "number" })).toHaveLength(1);
  });
});

describe("canonicalJson", () => {
  it("writes the same text whatever the key order, and leaves array order alone", () => {
    expect(canonicalJson({ b: 1, a: [2, 1], c: { y: 1, x: 2 } })).toBe(
      canonicalJson({ c: { x: 2, y: 1 }, a: [2, 1], b: 1 }),
    );
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });
});

describe("the table of changes in docs/schema-registry.md", () => {
  const base = (
    x?: JsonSchema,
    required = false,
    extra: Record<string, unknown> = {},
  ): JsonSchema => ({
    type: "object",
    properties: { id: { type: "string" }, ...(x === undefined ? {} : { x }) },
    required: required ? ["id", "x"] : ["id"],
    ...extra,
  });
  const ok = "ok";
  const no = "refused";
  it.each([
    ["add optional x", base(), base({ type: "string" }), [ok, ok, ok]],
    [
      "add required x with a default",
      base(),
      base({ type: "string", default: "a" }, true),
      [ok, ok, ok],
    ],
    ["add required x without a default", base(), base({ type: "string" }, true), [no, ok, no]],
    [
      "make optional x required",
      base({ type: "string" }),
      base({ type: "string" }, true),
      [no, ok, no],
    ],
    ["remove required x", base({ type: "string" }, true), base(), [ok, no, no]],
    [
      "remove required x, closed",
      base({ type: "string" }, true),
      base(undefined, false, { additionalProperties: false }),
      [no, no, no],
    ],
    ["remove optional x", base({ type: "string" }), base(), [ok, ok, ok]],
    ["change x's type", base({ type: "number" }), base({ type: "string" }), [no, no, no]],
    ["widen x", base({ type: "integer" }), base({ type: "number" }), [ok, no, no]],
    ["add enum values", base({ enum: ["a"] }), base({ enum: ["a", "b"] }), [ok, no, no]],
    ["remove enum values", base({ enum: ["a", "b"] }), base({ enum: ["a"] }), [no, ok, no]],
    [
      "tighten a bound",
      base({ type: "string" }),
      base({ type: "string", maxLength: 3 }),
      [no, ok, no],
    ],
  ] as const)("%s: BACKWARD, FORWARD, FULL", (_, previous, next, expected) => {
    const verdicts = (["BACKWARD", "FORWARD", "FULL"] as const).map((mode) =>
      checkCompatibility(previous, next, mode).length === 0 ? ok : no,
    );
    expect(verdicts).toEqual(expected);
  });
});

describe("checkCompatibility on recursive schemas", () => {
  const list = (value: string, annotate = false): JsonSchema => ({
    $ref: "#/$defs/node",
    $defs: {
      node: {
        anyOf: [
          { type: "null" },
          {
            type: "object",
            properties: {
              value: { type: value },
              next: annotate
                ? { $ref: "#/$defs/node", description: "the rest" }
                : { $ref: "#/$defs/node" },
            },
            required: ["value"],
          },
        ],
      },
    },
  });

  it("ends on a linked list whose recursion goes through a union", () => {
    expect(checkCompatibility(list("integer"), list("number"), "BACKWARD")).toEqual([]);
    expect(kinds(list("number"), list("string"), "BACKWARD")).toContainEqual([
      "type-changed",
      "value",
    ]);
  });

  it("follows a recursion through $refs with annotations beside them, like any other", () => {
    expect(checkCompatibility(list("string", true), list("string", true), "FULL")).toEqual([]);
    expect(kinds(list("number", true), list("string", true), "BACKWARD")).toContainEqual([
      "type-changed",
      "value",
    ]);
  });

  it("stops at its depth limit on a recursion it cannot recognise, saying so", () => {
    // (The same schema on both sides is compatible without a walk.)
    const chain: JsonSchema = {
      $ref: "#/$defs/node",
      $defs: {
        node: {
          type: "object",
          properties: { next: { $ref: "#/$defs/node", minProperties: 0 } },
        },
      },
    };
    const issues = checkCompatibility(chain, { ...chain, title: "v2" }, "BACKWARD");
    expect(issues).toHaveLength(1);
    expect(issues[0]?.kind).toBe("unsupported-change");
    expect(issues[0]?.message).toMatch(
      /nested more than 128 levels deep here; not checked further/,
    );
  });

  it("ends on a union that refers only to itself", () => {
    const loop: JsonSchema = {
      $ref: "#/$defs/a",
      $defs: { a: { anyOf: [{ $ref: "#/$defs/a" }] } },
    };
    expect(() => checkCompatibility(loop, loop, "FULL")).not.toThrow();
  });
});
