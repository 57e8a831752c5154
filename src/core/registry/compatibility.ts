/**
 * Schema compatibility over JSON Schema, as Kafka-world schema registries define the modes:
 *
 * - `BACKWARD` (the default): a reader with the new schema reads data written with the old one,
 *   so consumers can be upgraded before producers.
 * - `FORWARD`: a reader with the old schema reads data written with the new one, so producers can
 *   be upgraded first.
 * - `FULL`: both.
 * - `NONE`: no check.
 *
 * Everything reduces to one question, {@link readerIssues}: can every value the writer's schema
 * allows be read by the reader's schema? It is answered structurally over the subset of JSON
 * Schema (draft 2020-12 and draft-07) that zod, valibot and arktype produce: `type`, `enum`,
 * `const`, `properties`, `required`, `additionalProperties`, `items`, `prefixItems`, `anyOf`,
 * `oneOf`, `allOf`, local `$ref`s, numeric and length bounds, `pattern` and `format`. The answer
 * is conservative: a keyword it cannot reason about is accepted only when both schemas say the
 * same thing there, and a change to it is reported.
 *
 * Pure functions: no I/O, no state.
 */

/** A JSON Schema: an object, or `true` (anything) / `false` (nothing). */
export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

/** How two versions of one event type must relate. */
export const CompatibilityMode = {
  BACKWARD: "BACKWARD",
  FORWARD: "FORWARD",
  FULL: "FULL",
  NONE: "NONE",
} as const;
export type CompatibilityMode = (typeof CompatibilityMode)[keyof typeof CompatibilityMode];

/** The mode a type has until one is set. */
export const DEFAULT_COMPATIBILITY: CompatibilityMode = CompatibilityMode.BACKWARD;

/** Whether `value` names a compatibility mode. */
export function isCompatibilityMode(value: unknown): value is CompatibilityMode {
  return typeof value === "string" && Object.hasOwn(CompatibilityMode, value);
}

/** What kind of change breaks compatibility. */
export type CompatibilityIssueKind =
  /** The reader requires a field the writer may leave out (and the reader gives no default). */
  | "required-field-missing"
  /** The writer may send a field the reader rejects (`additionalProperties: false`). */
  | "field-rejected"
  /** The writer may send a type the reader does not accept. */
  | "type-changed"
  /** The writer may send an enum or const value the reader does not accept. */
  | "enum-narrowed"
  /** A bound (minimum, maxLength, minItems, ...) lets the writer send what the reader refuses. */
  | "constraint-narrowed"
  /** A keyword this checker does not reason about differs between the two schemas. */
  | "unsupported-change";

/** One reason data of one schema cannot be read with the other, in the Standard Schema issue shape. */
export interface CompatibilityIssue {
  /** Where, inside the payload: field names, `"*"` for every item of an array. */
  readonly path: readonly (string | number)[];
  readonly kind: CompatibilityIssueKind;
  /**
   * Which reading fails: `"backward"` (the new schema reading old data) or `"forward"` (the old
   * schema reading new data).
   */
  readonly direction: "backward" | "forward";
  readonly message: string;
}

/**
 * The issues that make `next` incompatible with `previous` under `mode`; empty when compatible.
 * `FULL` reports the backward issues, then the forward ones.
 */
export function checkCompatibility(
  previous: JsonSchema,
  next: JsonSchema,
  mode: CompatibilityMode,
): CompatibilityIssue[] {
  const issues: CompatibilityIssue[] = [];
  if (mode === "BACKWARD" || mode === "FULL") {
    issues.push(...readerIssues(next, previous, "backward"));
  }
  if (mode === "FORWARD" || mode === "FULL") {
    issues.push(...readerIssues(previous, next, "forward"));
  }
  return issues;
}

/**
 * The issues found when data written with `writer` is read with `reader`: empty when every value
 * `writer` allows (as far as this checker can tell) is allowed by `reader`.
 */
export function readerIssues(
  reader: JsonSchema,
  writer: JsonSchema,
  direction: CompatibilityIssue["direction"] = "backward",
): CompatibilityIssue[] {
  // Identical schemas read each other, whatever they hold (even what the walk cannot follow).
  if (canonicalJson(reader) === canonicalJson(writer)) return [];
  const check = new Check(reader, writer, direction);
  check.compare(reader, writer, []);
  return check.issues;
}

type SchemaObject = { readonly [keyword: string]: unknown };
type Path = readonly (string | number)[];

/** Keywords the comparison understands; any other keyword must be equal on both sides. */
const HANDLED = new Set([
  "$schema",
  "$id",
  "$ref",
  "$defs",
  "definitions",
  "$comment",
  "title",
  "description",
  "examples",
  "default",
  "deprecated",
  "readOnly",
  "writeOnly",
  "type",
  "enum",
  "const",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "prefixItems",
  "additionalItems",
  "anyOf",
  "oneOf",
  "allOf",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "pattern",
  "format",
]);

/** Keywords that describe a schema without constraining it. */
const ANNOTATIONS = new Set([
  "$comment",
  "title",
  "description",
  "examples",
  "deprecated",
  "readOnly",
  "writeOnly",
]);

const ALL_TYPES = ["array", "boolean", "integer", "null", "number", "object", "string"] as const;

/** A `$ref` cycle (a recursive schema) is followed this deep before it is taken as compatible. */
const MAX_REF_DEPTH = 32;
/**
 * How deep a comparison goes (objects, arrays, unions and `$ref`s each add a level) before it
 * reports the rest as not checked: the guard against schemas that recurse without a `$ref` the
 * pair check can recognise, and against exhausting the stack.
 */
const MAX_DEPTH = 128;

/** State shared by a comparison and the trial comparisons of its unions. */
interface Walk {
  /** Pairs of (reader, writer) schema objects under comparison: a recursive pair is not re-entered. */
  readonly active: Map<object, Set<object>>;
  depth: number;
}

class Check {
  readonly issues: CompatibilityIssue[] = [];
  readonly #readerRoot: JsonSchema;
  readonly #writerRoot: JsonSchema;
  readonly #direction: CompatibilityIssue["direction"];
  readonly #walk: Walk;

  constructor(
    readerRoot: JsonSchema,
    writerRoot: JsonSchema,
    direction: CompatibilityIssue["direction"],
    walk: Walk = { active: new Map(), depth: 0 },
  ) {
    this.#readerRoot = readerRoot;
    this.#writerRoot = writerRoot;
    this.#direction = direction;
    this.#walk = walk;
  }

  #report(path: Path, kind: CompatibilityIssueKind, message: string): void {
    this.issues.push({ path: [...path], kind, direction: this.#direction, message });
  }

  compare(readerIn: JsonSchema, writerIn: JsonSchema, path: Path): void {
    // A value that is no schema at all (`null` in an `anyOf`, say) constrains nothing.
    const reader = this.#deref(asSchema(readerIn), this.#readerRoot);
    const writer = this.#deref(asSchema(writerIn), this.#writerRoot);
    if (writer === false || reader === true) return;
    if (reader === false) {
      this.#report(path, "type-changed", "the reader accepts nothing here");
      return;
    }
    const writerObject: SchemaObject = writer === true ? {} : writer;
    if (this.#entered(reader, writerObject)) return;
    if (this.#walk.depth >= MAX_DEPTH) {
      this.#report(
        path,
        "unsupported-change",
        `nested more than ${MAX_DEPTH} levels deep here; not checked further`,
      );
      return;
    }
    this.#walk.depth++;
    try {
      this.#compareObjects(reader, writerObject, path);
    } finally {
      this.#walk.depth--;
      this.#walk.active.get(reader)?.delete(writerObject);
    }
  }

  #entered(reader: object, writer: object): boolean {
    let writers = this.#walk.active.get(reader);
    if (writers === undefined) {
      writers = new Set();
      this.#walk.active.set(reader, writers);
    }
    if (writers.has(writer)) return true;
    writers.add(writer);
    return false;
  }

  #compareObjects(reader: SchemaObject, writer: SchemaObject, path: Path): void {
    // Unions first: every branch the writer may take must be readable.
    const writerBranches = branchesOf(writer);
    if (writerBranches !== undefined) {
      for (const branch of writerBranches) this.compare(reader, merge(writer, branch), path);
      return;
    }
    const readerBranches = branchesOf(reader);
    if (readerBranches !== undefined) {
      this.#compareToUnion(reader, readerBranches, writer, path);
      return;
    }
    if (Array.isArray(reader.allOf)) {
      const { allOf, ...rest } = reader;
      this.compare(rest, writer, path);
      for (const part of allOf as JsonSchema[]) this.compare(part, writer, path);
      return;
    }
    if (Array.isArray(writer.allOf)) {
      this.compare(reader, flattenAllOf(writer, this.#writerRoot), path);
      return;
    }
    if (!this.#compareTypes(reader, writer, path)) return;
    this.#compareValues(reader, writer, path);
    this.#compareBounds(reader, writer, path);
    this.#compareObjectShape(reader, writer, path);
    this.#compareArrays(reader, writer, path);
    this.#compareUnhandled(reader, writer, path);
  }

  /**
   * The writer is readable when some branch of the reader's union reads it. Otherwise the issues
   * reported are those of the closest branch: one of the writer's types first (so a changed
   * field inside an object is reported, not "an object is not null"), then the fewest issues.
   */
  #compareToUnion(
    reader: SchemaObject,
    branches: readonly JsonSchema[],
    writer: SchemaObject,
    path: Path,
  ): void {
    const writerTypes = typesOf(writer);
    let best: { issues: CompatibilityIssue[]; score: number } | undefined;
    for (const branch of branches) {
      const candidate = merge(reader, branch);
      const trial = new Check(this.#readerRoot, this.#writerRoot, this.#direction, this.#walk);
      trial.compare(candidate, writer, path);
      if (trial.issues.length === 0) return;
      const resolved = this.#deref(candidate, this.#readerRoot);
      const sharesType =
        isObject(resolved) && [...typesOf(resolved)].some((type) => writerTypes.has(type));
      const score = (sharesType ? 0 : 1_000_000) + trial.issues.length;
      if (best === undefined || score < best.score) best = { issues: trial.issues, score };
    }
    this.issues.push(...(best?.issues ?? []));
  }

  /** Reports writer types the reader does not accept; false when nothing is left to compare. */
  #compareTypes(reader: SchemaObject, writer: SchemaObject, path: Path): boolean {
    const readerTypes = typesOf(reader);
    const writerTypes = typesOf(writer);
    const unread = [...writerTypes].filter(
      (type) => !(readerTypes.has(type) || (type === "integer" && readerTypes.has("number"))),
    );
    if (unread.length === 0) return true;
    this.#report(
      path,
      "type-changed",
      `type changed: the writer may send ${describeTypes(writerTypes)}, the reader accepts ${describeTypes(readerTypes)}`,
    );
    return unread.length < writerTypes.size;
  }

  #compareValues(reader: SchemaObject, writer: SchemaObject, path: Path): void {
    const allowed = valuesOf(reader);
    if (allowed === undefined) return;
    const written = valuesOf(writer);
    if (written === undefined) {
      this.#report(
        path,
        "enum-narrowed",
        `enum narrowed: the reader accepts only ${showValues(allowed)}, the writer any value`,
      );
      return;
    }
    const allowedKeys = new Set(allowed.map(canonicalJson));
    const missing = written.filter((value) => !allowedKeys.has(canonicalJson(value)));
    if (missing.length > 0) {
      this.#report(
        path,
        "enum-narrowed",
        `enum narrowed: the reader no longer accepts ${showValues(missing)}`,
      );
    }
  }

  #compareBounds(reader: SchemaObject, writer: SchemaObject, path: Path): void {
    const lower = (s: SchemaObject, min: string, exclusive: string): Bound | undefined =>
      bound(s[min], s[exclusive], true);
    const upper = (s: SchemaObject, max: string, exclusive: string): Bound | undefined =>
      bound(s[max], s[exclusive], false);
    const pairs: [string, Bound | undefined, Bound | undefined, boolean][] = [
      [
        "minimum",
        lower(reader, "minimum", "exclusiveMinimum"),
        lower(writer, "minimum", "exclusiveMinimum"),
        true,
      ],
      [
        "maximum",
        upper(reader, "maximum", "exclusiveMaximum"),
        upper(writer, "maximum", "exclusiveMaximum"),
        false,
      ],
      [
        "minLength",
        bound(reader.minLength, undefined, true),
        bound(writer.minLength, undefined, true),
        true,
      ],
      [
        "maxLength",
        bound(reader.maxLength, undefined, false),
        bound(writer.maxLength, undefined, false),
        false,
      ],
      [
        "minItems",
        bound(reader.minItems, undefined, true),
        bound(writer.minItems, undefined, true),
        true,
      ],
      [
        "maxItems",
        bound(reader.maxItems, undefined, false),
        bound(writer.maxItems, undefined, false),
        false,
      ],
    ];
    for (const [name, readerBound, writerBound, isLower] of pairs) {
      if (readerBound === undefined || within(writerBound, readerBound, isLower)) continue;
      this.#report(
        path,
        "constraint-narrowed",
        `${name} narrowed: the reader requires ${showBound(readerBound, isLower)}, the writer ${
          writerBound === undefined
            ? "has no such bound"
            : `allows ${showBound(writerBound, isLower)}`
        }`,
      );
    }
    for (const keyword of ["pattern", "format"] as const) {
      if (reader[keyword] === undefined || reader[keyword] === writer[keyword]) continue;
      this.#report(
        path,
        "constraint-narrowed",
        `${keyword} changed: the reader requires ${JSON.stringify(reader[keyword])}, the writer ${
          writer[keyword] === undefined ? "has none" : `has ${JSON.stringify(writer[keyword])}`
        }`,
      );
    }
  }

  #compareObjectShape(reader: SchemaObject, writer: SchemaObject, path: Path): void {
    if (!typesOf(writer).has("object") || !typesOf(reader).has("object")) return;
    const readerProps = propertiesOf(reader);
    const writerProps = propertiesOf(writer);
    const writerRequired = requiredOf(writer);
    for (const name of requiredOf(reader)) {
      if (writerRequired.has(name)) continue;
      const readerProp = readerProps[name];
      if (isObject(readerProp) && Object.hasOwn(readerProp, "default")) continue;
      const inWriter = Object.hasOwn(writerProps, name);
      this.#report(
        [...path, name],
        "required-field-missing",
        inWriter
          ? `field ${name} is required by the reader but optional for the writer`
          : this.#direction === "backward"
            ? `required field ${name} was added without a default`
            : `required field ${name} was removed`,
      );
    }
    for (const [name, writerProp] of Object.entries(writerProps)) {
      if (Object.hasOwn(readerProps, name)) {
        this.compare(readerProps[name] as JsonSchema, writerProp as JsonSchema, [...path, name]);
      } else if (reader.additionalProperties === false) {
        this.#report(
          [...path, name],
          "field-rejected",
          this.#direction === "backward"
            ? `field ${name} was removed, and the reader rejects unknown fields`
            : `field ${name} was added, and the reader rejects unknown fields`,
        );
      } else if (isSchema(reader.additionalProperties)) {
        this.compare(reader.additionalProperties, writerProp as JsonSchema, [...path, name]);
      }
    }
    // Fields the writer may add beyond its named ones must be readable as the reader's extras.
    const writerExtra = writer.additionalProperties ?? true;
    if (
      isSchema(writerExtra) &&
      writerExtra !== false &&
      reader.additionalProperties !== undefined
    ) {
      if (reader.additionalProperties === false) {
        this.#report(
          [...path, "*"],
          "field-rejected",
          "the writer allows unknown fields, the reader rejects them",
        );
      } else if (isSchema(reader.additionalProperties)) {
        this.compare(reader.additionalProperties, writerExtra, [...path, "*"]);
      }
    }
  }

  #compareArrays(reader: SchemaObject, writer: SchemaObject, path: Path): void {
    if (!typesOf(writer).has("array") || !typesOf(reader).has("array")) return;
    const readerTuple = Array.isArray(reader.prefixItems)
      ? (reader.prefixItems as JsonSchema[])
      : [];
    const writerTuple = Array.isArray(writer.prefixItems)
      ? (writer.prefixItems as JsonSchema[])
      : [];
    const readerRest = itemsOf(reader);
    const writerRest = itemsOf(writer);
    const length = Math.max(readerTuple.length, writerTuple.length);
    for (let i = 0; i < length; i++) {
      this.compare(readerTuple[i] ?? readerRest, writerTuple[i] ?? writerRest, [...path, i]);
    }
    this.compare(readerRest, writerRest, [...path, "*"]);
  }

  #compareUnhandled(reader: SchemaObject, writer: SchemaObject, path: Path): void {
    const keywords = new Set([...Object.keys(reader), ...Object.keys(writer)]);
    for (const keyword of keywords) {
      if (HANDLED.has(keyword)) continue;
      if (canonicalJson(reader[keyword]) === canonicalJson(writer[keyword])) continue;
      this.#report(
        path,
        "unsupported-change",
        `keyword ${keyword} differs, and its compatibility cannot be checked`,
      );
    }
  }

  /** Follows a local `$ref` (`#/$defs/...`, `#/definitions/...`); other refs stay as they are. */
  #deref(schema: JsonSchema, root: JsonSchema): JsonSchema {
    let current = schema;
    let hops = 0;
    while (isObject(current) && typeof current.$ref === "string" && hops++ < MAX_REF_DEPTH) {
      const target = resolvePointer(root, current.$ref);
      if (target === undefined) return current;
      const { $ref: _, ...siblings } = current;
      // Annotations beside a $ref (zod writes descriptions there) change nothing: keep the
      // target itself, so a recursive reference is recognised when it comes round again.
      const meaningful = Object.keys(siblings).some((keyword) => !ANNOTATIONS.has(keyword));
      current = meaningful ? merge(siblings, target) : target;
    }
    return current;
  }
}

/** The branches of an `anyOf` / `oneOf`, or undefined when there is no union. */
function branchesOf(schema: SchemaObject): readonly JsonSchema[] | undefined {
  const union = schema.anyOf ?? schema.oneOf;
  return Array.isArray(union) ? (union as JsonSchema[]) : undefined;
}

/** A branch of a union with the keywords of the schema around it (a union is removed from the result). */
function merge(outer: SchemaObject, branchIn: JsonSchema): JsonSchema {
  const branch = asSchema(branchIn);
  if (branch === false) return false;
  const { anyOf: _a, oneOf: _o, ...rest } = outer;
  return branch === true ? rest : { ...rest, ...branch };
}

/** An `allOf` as one schema: the parts' properties, required fields and keywords merged. */
function flattenAllOf(schema: SchemaObject, root: JsonSchema): JsonSchema {
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

function isObject(value: unknown): value is SchemaObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asSchema(value: unknown): JsonSchema {
  return isSchema(value) ? value : true;
}

function isSchema(value: unknown): value is JsonSchema {
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

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function valuesOf(schema: SchemaObject): readonly unknown[] | undefined {
  if (Object.hasOwn(schema, "const")) return [schema.const];
  return Array.isArray(schema.enum) ? schema.enum : undefined;
}

function propertiesOf(schema: SchemaObject): Record<string, unknown> {
  return isObject(schema.properties) ? schema.properties : {};
}

function requiredOf(schema: SchemaObject): Set<string> {
  return new Set(
    Array.isArray(schema.required)
      ? schema.required.filter((name): name is string => typeof name === "string")
      : [],
  );
}

/** What every item of an array may be (the items after `prefixItems`, in 2020-12). */
function itemsOf(schema: SchemaObject): JsonSchema {
  const { items } = schema;
  if (isSchema(items)) return items;
  // draft-07 tuple form: `items` an array, `additionalItems` for the rest.
  if (Array.isArray(items)) return isSchema(schema.additionalItems) ? schema.additionalItems : true;
  return true;
}

interface Bound {
  readonly value: number;
  readonly exclusive: boolean;
}

function bound(inclusive: unknown, exclusive: unknown, lower: boolean): Bound | undefined {
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
function within(inner: Bound | undefined, outer: Bound, lower: boolean): boolean {
  if (inner === undefined) return false;
  if (inner.value !== outer.value)
    return lower ? inner.value > outer.value : inner.value < outer.value;
  return inner.exclusive || !outer.exclusive;
}

function showBound(b: Bound, lower: boolean): string {
  return `${lower ? (b.exclusive ? ">" : ">=") : b.exclusive ? "<" : "<="} ${b.value}`;
}

function describeTypes(types: ReadonlySet<string>): string {
  return types.size === ALL_TYPES.length ? "any type" : [...types].sort().join(" | ");
}

function showValues(values: readonly unknown[]): string {
  return values.map((value) => JSON.stringify(value)).join(", ");
}

/** Follows a JSON pointer fragment (`#/$defs/Item`) from `root`. */
function resolvePointer(root: JsonSchema, ref: string): JsonSchema | undefined {
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
