import { spawnSync } from "node:child_process";
import { toJsonSchema, toStandardJsonSchema } from "@valibot/to-json-schema";
import { type } from "arktype";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { checkCompatibility } from "../../src/core/registry/compatibility.js";
import {
  type DescribableSchema,
  describeSchema,
  type JsonSchemaConverter,
  jsonSchemaDocument,
} from "../../src/core/registry/schema-document.js";

/** The same two versions of ORDER_PLACED's payload in each validator: v2 makes `total` a string. */
const validators = [
  {
    name: "zod",
    v1: () => z.object({ orderId: z.string(), total: z.number(), note: z.string().optional() }),
    v2: () => z.object({ orderId: z.string(), total: z.string(), note: z.string().optional() }),
    converter: undefined,
  },
  {
    name: "valibot (through toStandardJsonSchema)",
    v1: () =>
      toStandardJsonSchema(
        v.object({ orderId: v.string(), total: v.number(), note: v.optional(v.string()) }),
      ),
    v2: () =>
      toStandardJsonSchema(
        v.object({ orderId: v.string(), total: v.string(), note: v.optional(v.string()) }),
      ),
    converter: undefined,
  },
  {
    name: "valibot (through a converter)",
    v1: () => v.object({ orderId: v.string(), total: v.number(), note: v.optional(v.string()) }),
    v2: () => v.object({ orderId: v.string(), total: v.string(), note: v.optional(v.string()) }),
    converter: ((schema) => toJsonSchema(schema as never)) as JsonSchemaConverter,
  },
  {
    name: "arktype",
    v1: () => type({ orderId: "string", total: "number", "note?": "string" }),
    v2: () => type({ orderId: "string", total: "string", "note?": "string" }),
    converter: undefined,
  },
] as const;

const describe_ = (schema: unknown, converter?: JsonSchemaConverter) =>
  describeSchema(schema as DescribableSchema, converter);

describe("describeSchema", () => {
  describe.each(validators)("with $name", ({ v1, v2, converter }) => {
    it("records the payload's JSON Schema", () => {
      const document = describe_(v1(), converter);
      expect(document.kind).toBe("json-schema");
      if (document.kind !== "json-schema") return;
      expect(document.jsonSchema).toMatchObject({
        type: "object",
        properties: { orderId: { type: "string" }, total: { type: "number" } },
        required: expect.arrayContaining(["orderId", "total"]),
      });
      expect((document.jsonSchema as { required: string[] }).required).not.toContain("note");
    });

    it("gives the same fingerprint to the same schema built twice, another to a changed one", () => {
      const a = describe_(v1(), converter);
      expect(describe_(v1(), converter).fingerprint).toBe(a.fingerprint);
      expect(describe_(v2(), converter).fingerprint).not.toBe(a.fingerprint);
      expect(a.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    });

    it("lets the compatibility check name the field whose type changed", () => {
      const a = describe_(v1(), converter);
      const b = describe_(v2(), converter);
      if (a.kind !== "json-schema" || b.kind !== "json-schema") throw new Error("not JSON Schema");
      expect(checkCompatibility(a.jsonSchema, a.jsonSchema, "FULL")).toEqual([]);
      expect(checkCompatibility(a.jsonSchema, b.jsonSchema, "BACKWARD")).toEqual([
        expect.objectContaining({ kind: "type-changed", path: ["total"] }),
      ]);
    });
  });

  describe("with a validator that offers no JSON Schema (valibot alone)", () => {
    const schema = () => v.object({ orderId: v.string(), total: v.number() });

    it("records an opaque document with the vendor and a fingerprint of its structure", () => {
      const document = describe_(schema());
      expect(document).toEqual({
        kind: "opaque",
        vendor: "valibot",
        fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
    });

    it("gives the same fingerprint in another process", async () => {
      const { catalog } = await import("./fixtures/valibot-catalog.js");
      const here = describe_(catalog.entry("SHIPMENT_SENT")?.schema);
      const child = spawnSync(
        process.execPath,
        ["--import", "tsx", "test/registry/fixtures/print-fingerprint.ts"],
        { encoding: "utf8" },
      );
      expect(child.stderr).toBe("");
      expect(JSON.parse(child.stdout)).toEqual(here);
      expect(here.kind).toBe("opaque");
    });

    it("gives the same validator the same fingerprint, and a changed one another", () => {
      expect(describe_(schema()).fingerprint).toBe(describe_(schema()).fingerprint);
      const changed = v.object({ orderId: v.string(), total: v.string() });
      expect(describe_(changed).fingerprint).not.toBe(describe_(schema()).fingerprint);
    });
  });

  it("tries draft-07 when the validator refuses draft 2020-12", () => {
    const targets: string[] = [];
    const schema: DescribableSchema = {
      "~standard": {
        vendor: "picky",
        jsonSchema: {
          input: ({ target }) => {
            targets.push(target);
            if (target !== "draft-07") throw new Error(`unsupported target ${target}`);
            return { type: "string" };
          },
        },
      },
    };
    expect(describeSchema(schema)).toMatchObject({
      kind: "json-schema",
      jsonSchema: { type: "string" },
    });
    expect(targets).toEqual(["draft-2020-12", "draft-07"]);
  });

  it("uses a toJsonSchema() method when there is no Standard JSON Schema", () => {
    const schema = { "~standard": { vendor: "custom" }, toJsonSchema: () => ({ type: "integer" }) };
    expect(describe_(schema)).toMatchObject({
      kind: "json-schema",
      vendor: "custom",
      jsonSchema: { type: "integer" },
    });
  });
});

describe("jsonSchemaDocument fingerprints", () => {
  it("ignore key order and annotations, but not a property named like an annotation", () => {
    const a = jsonSchemaDocument({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      description: "an order",
      properties: { id: { type: "string", title: "Id" } },
    });
    const b = jsonSchemaDocument({ properties: { id: { type: "string" } }, type: "object" });
    expect(a.fingerprint).toBe(b.fingerprint);
    const withTitleField = jsonSchemaDocument({
      type: "object",
      properties: { id: { type: "string" }, title: { type: "string" } },
    });
    expect(withTitleField.fingerprint).not.toBe(b.fingerprint);
  });
});
