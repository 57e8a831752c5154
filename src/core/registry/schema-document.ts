/**
 * What the registry stores for one version of an event type: the payload's JSON Schema, taken
 * from the validator, or, for a validator that cannot describe itself, an opaque record with a
 * fingerprint.
 *
 * Where the JSON Schema comes from, first found wins:
 * 1. a converter given by the caller (`toJsonSchema`, such as valibot's `@valibot/to-json-schema`);
 * 2. the Standard JSON Schema interface, `schema["~standard"].jsonSchema.input({ target })`
 *    (zod 4, arktype and others implement it), first as draft 2020-12, then as draft-07;
 * 3. a `toJsonSchema()` / `toJSONSchema()` method on the schema (arktype's `type`).
 * The *input* schema is used: it describes what a reader's validator accepts, which is what the
 * events on the wire must be.
 *
 * Types only: this module never imports a validator.
 */
import { createHash } from "node:crypto";
import { canonicalJson, type JsonSchema } from "./json-schema.js";

/** The part of a Standard Schema v1 validator the registry looks at. */
export interface DescribableSchema {
  readonly "~standard": {
    readonly vendor: string;
    readonly jsonSchema?: {
      readonly input: (options: { readonly target: string }) => Record<string, unknown>;
    };
  };
}

/** Turns a validator into JSON Schema, for validators that do not offer it themselves. */
export type JsonSchemaConverter = (schema: DescribableSchema) => JsonSchema | undefined;

/** The JSON Schema of one version of an event type's payload. */
export interface JsonSchemaDocument {
  readonly kind: "json-schema";
  /** The validator library (`"zod"`, `"valibot"`, `"arktype"`, ...). */
  readonly vendor: string;
  readonly jsonSchema: JsonSchema;
  /**
   * SHA-256 (hex) of the schema's canonical JSON (keys sorted) without its annotations
   * (`$schema`, `title`, `description`, `$comment`, `examples`): two documents with the same
   * fingerprint accept the same payloads, whatever their key order or wording.
   */
  readonly fingerprint: string;
}

/**
 * A validator that offers no JSON Schema. Its compatibility cannot be checked: another version
 * can be registered only under mode `NONE`, and the same version again only with the same
 * fingerprint.
 */
export interface OpaqueSchemaDocument {
  readonly kind: "opaque";
  readonly vendor: string;
  /**
   * SHA-256 (hex) of the validator's structure: its vendor and its own enumerable properties,
   * walked to depth 8 in key order, with functions recorded by their source text. It changes when
   * the validator's definition (or its library's code) changes, so it tells "the same validator"
   * from "another one", not whether the two accept the same payloads. WARNING: a function is
   * recorded as the runtime sees it, so a validator with functions of your own (a refinement, a
   * transform) can fingerprint differently when its module is compiled by another tool (tsx in
   * one process, tsc in another).
   */
  readonly fingerprint: string;
}

/** What the registry stores for one version of one event type. */
export type SchemaDocument = JsonSchemaDocument | OpaqueSchemaDocument;

/** The JSON Schema targets asked of a Standard JSON Schema validator, in order of preference. */
const TARGETS = ["draft-2020-12", "draft-07"] as const;

/**
 * The registry's record of `schema`: its JSON Schema where it can be had (see the module's
 * comment for where from), else an opaque record with a fingerprint.
 */
export function describeSchema(
  schema: DescribableSchema,
  toJsonSchema?: JsonSchemaConverter,
): SchemaDocument {
  const vendor = String(schema["~standard"]?.vendor ?? "unknown");
  const jsonSchema = extractJsonSchema(schema, toJsonSchema);
  if (jsonSchema !== undefined) return jsonSchemaDocument(jsonSchema, vendor);
  return {
    kind: "opaque",
    vendor,
    fingerprint: sha256(canonicalJson({ vendor, structure: structureOf(schema, 0, new Set()) })),
  };
}

/** A document for a JSON Schema given as is (from a file, say). */
export function jsonSchemaDocument(
  jsonSchema: JsonSchema,
  vendor = "json-schema",
): JsonSchemaDocument {
  return {
    kind: "json-schema",
    vendor,
    jsonSchema,
    fingerprint: jsonSchemaFingerprint(jsonSchema),
  };
}

/** See {@link JsonSchemaDocument.fingerprint}. */
export function jsonSchemaFingerprint(jsonSchema: JsonSchema): string {
  return sha256(canonicalJson(withoutAnnotations(jsonSchema)));
}

function extractJsonSchema(
  schema: DescribableSchema,
  toJsonSchema: JsonSchemaConverter | undefined,
): JsonSchema | undefined {
  if (toJsonSchema !== undefined) {
    const converted = toJsonSchema(schema);
    if (converted !== undefined) return plainJson(converted);
  }
  const standard = schema["~standard"]?.jsonSchema;
  if (standard !== undefined && typeof standard.input === "function") {
    for (const target of TARGETS) {
      try {
        return plainJson(standard.input({ target }) as JsonSchema);
      } catch {
        // "Libraries should throw if they don't support a specified target": try the next.
      }
    }
  }
  const method =
    (schema as { toJsonSchema?: unknown }).toJsonSchema ??
    (schema as { toJSONSchema?: unknown }).toJSONSchema;
  if (typeof method === "function") {
    try {
      return plainJson(method.call(schema) as JsonSchema);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The schema as plain JSON (what is stored and compared), without `undefined`s or prototypes. */
function plainJson(schema: JsonSchema): JsonSchema {
  return JSON.parse(JSON.stringify(schema)) as JsonSchema;
}

const ANNOTATIONS = new Set(["$schema", "title", "description", "$comment", "examples"]);
/** Keywords whose value maps names to schemas: their keys are names, never keywords. */
const SCHEMA_MAPS = new Set([
  "properties",
  "patternProperties",
  "$defs",
  "definitions",
  "dependentSchemas",
]);

function withoutAnnotations(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutAnnotations);
  if (typeof schema !== "object" || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    if (keyword === "enum" || keyword === "const" || keyword === "default") {
      out[keyword] = value;
    } else if (SCHEMA_MAPS.has(keyword) && typeof value === "object" && value !== null) {
      out[keyword] = Object.fromEntries(
        Object.entries(value).map(([name, sub]) => [name, withoutAnnotations(sub)]),
      );
    } else {
      out[keyword] = withoutAnnotations(value);
    }
  }
  return out;
}

const MAX_DEPTH = 8;

/** A JSON-able picture of a validator object, for the opaque fingerprint. */
function structureOf(value: unknown, depth: number, seen: Set<object>): unknown {
  if (typeof value === "function") return `function ${value.toString()}`;
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "symbol") return value.toString();
  if (typeof value !== "object" || value === null) return value;
  if (seen.has(value)) return "[cycle]";
  if (depth >= MAX_DEPTH) return "[deep]";
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => structureOf(item, depth + 1, seen));
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      let property: unknown;
      try {
        property = (value as Record<string, unknown>)[key];
      } catch {
        property = "[getter threw]";
      }
      out[key] = structureOf(property, depth + 1, seen);
    }
    // Methods live on the prototype: a class-based validator is told apart by its class.
    const ctor = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)
      ?.constructor?.name;
    if (ctor !== undefined && ctor !== "Object") out["[class]"] = ctor;
    return out;
  } finally {
    seen.delete(value);
  }
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
