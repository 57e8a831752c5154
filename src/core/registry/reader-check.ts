/**
 * The comparison behind the compatibility check: can every value one schema (the writer's)
 * allows be read by another (the reader's)? Walked keyword by keyword over both schemas, with
 * unions, `allOf`s and local `$ref`s (recursive ones included) resolved as it goes.
 */
import type { CompatibilityIssue, CompatibilityIssueKind } from "./compatibility.js";
import {
  ALL_TYPES,
  ANNOTATIONS,
  asSchema,
  type Bound,
  bound,
  branchesOf,
  canonicalJson,
  flattenAllOf,
  isObject,
  isSchema,
  itemsOf,
  type JsonSchema,
  merge,
  propertiesOf,
  requiredOf,
  resolvePointer,
  type SchemaObject,
  showBound,
  typesOf,
  valuesOf,
  within,
} from "./json-schema.js";

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

/** One comparison of a reader schema with a writer schema; `issues` collects what fails. */
export class Check {
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
    // A $ref still here could not be resolved (not a local pointer): it must be the same one.
    if ((reader.$ref !== undefined || writer.$ref !== undefined) && reader.$ref !== writer.$ref) {
      this.#report(
        path,
        "unsupported-change",
        `$ref ${JSON.stringify(writer.$ref ?? null)} became ${JSON.stringify(reader.$ref ?? null)}, and only local references can be followed`,
      );
    }
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

function describeTypes(types: ReadonlySet<string>): string {
  return types.size === ALL_TYPES.length ? "any type" : [...types].sort().join(" | ");
}

function showValues(values: readonly unknown[]): string {
  return values.map((value) => JSON.stringify(value)).join(", ");
}
