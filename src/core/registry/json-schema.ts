/**
 * Reading JSON Schema: what the keywords of one schema say (its types, values, properties,
 * bounds, branches), with local `$ref`s resolved, and schemas as canonical JSON. The helpers the
 * compatibility check is built on; no comparison here.
 */

/** A JSON Schema: an object, or `true` (anything) / `false` (nothing). */
export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

/** A JSON Schema object. */
export type SchemaObject = { readonly [keyword: string]: unknown };

/** Keywords that describe a schema without constraining it. */
export const ANNOTATIONS = new Set([
  "$comment",
  "title",
  "description",
  "examples",
  "deprecated",
  "readOnly",
  "writeOnly",
]);

export const ALL_TYPES = [
  "array",
  "boolean",
  "integer",
  "null",
  "number",
  "object",
  "string",
] as const;

/** The branches of an `anyOf` / `oneOf`, or undefined when there is no union. */
export function branchesOf(schema: SchemaObject): readonly JsonSchema[] | undefined {
  const union = schema.anyOf ?? schema.oneOf;
  return Array.isArray(union) ? (union as JsonSchema[]) : undefined;
}

/** A branch of a union with the keywords of the schema around it (a union is removed from the result). */
export function merge(outer: SchemaObject, branchIn: JsonSchema): JsonSchema {
  const branch = asSchema(branchIn);
  if (branch === false) return false;
  const { anyOf: _a, oneOf: _o, ...rest } = outer;
  return branch === true ? rest : { ...rest, ...branch };
}

/** An `allOf` as one schema: the parts' properties, required fields and keywords merged. */
export function flattenAllOf(schema: SchemaObject, root: JsonSchema): JsonSchema {
  const { allOf, ...rest } = schema;
  let merged: Record<string, unknown> = { ...rest };
  for (const partIn of allOf as JsonSchema[]) {
    const part =
      isObject(partIn) && typeof partIn.$ref === "string"
        ? (resolvePointer(root, partIn.$ref) ?? partIn)
        : partIn;
    if (part === false) return false;
    if (!isObject(part)) continue;
    const properties = { ...propertiesOf(merged), ...propertiesOf(part) };
    const required = [...new Set([...requiredOf(merged), ...requiredOf(part)])];
    merged = { ...merged, ...part, properties, required };
  }
  return merged;
}

export function isObject(value: unknown): value is SchemaObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function asSchema(value: unknown): JsonSchema {
  return isSchema(value) ? value : true;
}

export function isSchema(value: unknown): value is JsonSchema {
  return typeof value === "boolean" || isObject(value);
}

/** The JSON types a schema allows, from `type`, else from `const`/`enum`, else from its keywords. */
export function typesOf(schema: SchemaObject): Set<string> {
  const { type } = schema;
  if (typeof type === "string") return new Set([type]);
  if (Array.isArray(type)) return new Set(type.filter((t): t is string => typeof t === "string"));
  const values = valuesOf(schema);
  if (values !== undefined) return new Set(values.map(jsonType));
  if (schema.properties !== undefined || schema.required !== undefined) return new Set(["object"]);
  if (schema.items !== undefined || schema.prefixItems !== undefined) return new Set(["array"]);
  return new Set(ALL_TYPES);
}

export function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

export function valuesOf(schema: SchemaObject): readonly unknown[] | undefined {
  if (Object.hasOwn(schema, "const")) return [schema.const];
  return Array.isArray(schema.enum) ? schema.enum : undefined;
}

export function propertiesOf(schema: SchemaObject): Record<string, unknown> {
  return isObject(schema.properties) ? schema.properties : {};
}

export function requiredOf(schema: SchemaObject): Set<string> {
  return new Set(
    Array.isArray(schema.required)
      ? schema.required.filter((name): name is string => typeof name === "string")
      : [],
  );
}

/** What every item of an array may be (the items after `prefixItems`, in 2020-12). */
export function itemsOf(schema: SchemaObject): JsonSchema {
  const { items } = schema;
  if (isSchema(items)) return items;
  // draft-07 tuple form: `items` an array, `additionalItems` for the rest.
  if (Array.isArray(items)) return isSchema(schema.additionalItems) ? schema.additionalItems : true;
  return true;
}

export interface Bound {
  readonly value: number;
  readonly exclusive: boolean;
}

export function bound(inclusive: unknown, exclusive: unknown, lower: boolean): Bound | undefined {
  const candidates: Bound[] = [];
  if (typeof inclusive === "number") candidates.push({ value: inclusive, exclusive: false });
  if (typeof exclusive === "number") candidates.push({ value: exclusive, exclusive: true });
  let tightest: Bound | undefined;
  for (const candidate of candidates) {
    if (tightest === undefined || within(candidate, tightest, lower)) tightest = candidate;
  }
  return tightest;
}

/** Whether `inner` is at least as tight as `outer` (so everything `inner` allows, `outer` allows). */
export function within(inner: Bound | undefined, outer: Bound, lower: boolean): boolean {
  if (inner === undefined) return false;
  if (inner.value !== outer.value)
    return lower ? inner.value > outer.value : inner.value < outer.value;
  return inner.exclusive || !outer.exclusive;
}

export function showBound(b: Bound, lower: boolean): string {
  return `${lower ? (b.exclusive ? ">" : ">=") : b.exclusive ? "<" : "<="} ${b.value}`;
}

/** Follows a JSON pointer fragment (`#/$defs/Item`) from `root`. */
export function resolvePointer(root: JsonSchema, ref: string): JsonSchema | undefined {
  if (!ref.startsWith("#")) return undefined;
  let current: unknown = root;
  for (const raw of ref.slice(1).split("/").slice(1)) {
    const key = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
    if (!isObject(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return isSchema(current) ? current : undefined;
}

/**
 * JSON with object keys sorted at every level: equal for equal values whatever the key order.
 * The form schemas are compared, fingerprinted and stored in.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
