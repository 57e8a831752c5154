/**
 * JSON payload types and the hand-written check that turns a user's value into a deeply frozen,
 * strictly-JSON copy. Hand-written because it runs once per event on the hot path: a schema
 * library costs microseconds per event here, this costs a walk over the payload.
 */
import type { ValidationIssue } from "./errors.js";

/** A value that survives `JSON.stringify` / `JSON.parse` unchanged. */
export type JsonValue = string | number | boolean | null | JsonArray | JsonObject;
/** A JSON array. */
export type JsonArray = readonly JsonValue[];
/** A JSON object: the shape of every event payload. */
export type JsonObject = { readonly [key: string]: JsonValue };

/** The largest payload accepted, as UTF-8 bytes of its `JSON.stringify` form. */
export const MAX_PAYLOAD_BYTES = 1_000_000;

/**
 * The deepest payload accepted, in levels of objects and arrays, counting the payload object
 * itself: `{}` is 1 level deep, `{"a":[1]}` 2. 256 is the default of common JSON parsers (Go's
 * encoding/json rejects at 10,000, serde_json at 128, .NET at 64): no real payload comes near it,
 * and it keeps the recursive walk below, JSON.stringify and every consumer's parser far from a
 * stack overflow.
 */
export const MAX_PAYLOAD_DEPTH = 256;

/** Returns its argument, so a subclass can stamp a private field onto any object. */
class Stamp {
  constructor(target: object) {
    // biome-ignore lint/correctness/noConstructorReturn: returning the target is how the brand is stamped.
    return target as Stamp;
  }
}

/**
 * Marks the payloads this module produced. Passing one event's payload to a new event (common in
 * chains) then costs a brand check instead of a walk: it is already checked and frozen.
 *
 * A private field, not a WeakSet: adding every payload to a WeakSet cost about half of the
 * Spine's throughput in the benchmark (weak-collection upkeep in the GC), while the brand costs
 * next to nothing and is invisible to users (no key, no symbol).
 */
class CheckedPayload extends Stamp {
  /** Its levels of nesting, so a payload nested in a new one still counts towards the limit. */
  #depth: number;

  private constructor(target: object, depth: number) {
    super(target);
    this.#depth = depth;
  }

  static has(value: object): boolean {
    return #depth in value;
  }

  /** The depth of a value {@link has} accepted. */
  static depthOf(value: object): number {
    return (value as CheckedPayload).#depth;
  }

  /** Marks `target` as checked. Call it before freezing: it adds a (private) field. */
  static mark(target: object, depth: number): void {
    new CheckedPayload(target, depth);
  }
}

const emptyPayload = {};
CheckedPayload.mark(emptyPayload, 1);
/** The payload of an event created without one. */
export const EMPTY_PAYLOAD: JsonObject = Object.freeze(emptyPayload);

/**
 * Checks `value` as an event payload and returns a deeply frozen copy of it, or pushes issues
 * (with paths under `path`) and returns `undefined`.
 */
export function copyPayload(
  value: unknown,
  path: readonly PropertyKey[],
  issues: ValidationIssue[],
): JsonObject | undefined {
  if (typeof value === "object" && value !== null && CheckedPayload.has(value)) {
    return value as JsonObject;
  }
  if (!isPlainObject(value)) {
    issues.push({ message: `must be a plain JSON object, got ${kindOf(value)}`, path });
    return undefined;
  }
  const flat = copyFlat(value);
  if (flat !== undefined) return flat;
  const walk = new Walk(issues);
  const copy = walk.object(value, [...path]);
  if (walk.failed) return undefined;
  // The walk's byte count is an upper bound; only payloads near the limit pay for an exact count.
  if (walk.bytes > MAX_PAYLOAD_BYTES) {
    const exact = Buffer.byteLength(JSON.stringify(copy));
    if (exact > MAX_PAYLOAD_BYTES) {
      issues.push({
        message: `is ${exact} bytes as JSON; the limit is ${MAX_PAYLOAD_BYTES} bytes`,
        path,
      });
      return undefined;
    }
  }
  return copy;
}

/**
 * The copy of a payload that holds only strings, finite numbers, booleans and null, the
 * commonest kind, made without the walk's bookkeeping; undefined for any other payload (the walk
 * then copies it, or reports what is wrong with it).
 */
function copyFlat(source: Record<string, unknown>): JsonObject | undefined {
  const out: Record<string, JsonValue> = {};
  // The same upper bound on the JSON size as the walk's.
  let bytes = 2;
  for (const key in source) {
    if (key === "__proto__") return undefined;
    const item = source[key];
    bytes += key.length * 6 + 4;
    if (typeof item === "string") {
      bytes += item.length * 6 + 2;
      out[key] = item;
    } else if (typeof item === "number") {
      if (!Number.isFinite(item)) return undefined;
      bytes += 24;
      // JSON has no negative zero.
      out[key] = item === 0 ? 0 : item;
    } else if (typeof item === "boolean" || item === null) {
      bytes += 5;
      out[key] = item;
    } else {
      return undefined;
    }
  }
  if (bytes > MAX_PAYLOAD_BYTES || Object.getOwnPropertySymbols(source).length > 0) {
    return undefined;
  }
  CheckedPayload.mark(out, 1);
  return Object.freeze(out);
}

/**
 * Checks a payload that `JSON.parse` has just made, and freezes it in place instead of copying
 * it: the parser makes only plain objects and arrays, strings, finite numbers, booleans and
 * null, with no cycle, hole or symbol, so what is left to check is the depth and the size, and
 * the parser's -0 to turn into 0 (as a round trip through JSON does). For events read from a
 * transport, where the copy was pure cost. `textLength` is the length of the JSON text the
 * payload came from: a bound on its size, so only a text near the limit is measured exactly.
 * WARNING: never pass a value that did not come straight from `JSON.parse`.
 */
export function adoptParsedPayload(
  value: unknown,
  textLength: number,
  path: readonly PropertyKey[],
  issues: ValidationIssue[],
): JsonObject | undefined {
  if (!isPlainObject(value)) {
    issues.push({ message: `must be a plain JSON object, got ${kindOf(value)}`, path });
    return undefined;
  }
  const depth = freezeParsed(value, 1);
  if (depth > MAX_PAYLOAD_DEPTH) {
    // Rare: the walk finds the path where it goes too deep, for the issue.
    copyPayload(value, path, issues);
    return undefined;
  }
  // A UTF-16 unit of the text is at most 3 bytes of UTF-8.
  if (textLength * 3 > MAX_PAYLOAD_BYTES) {
    const exact = Buffer.byteLength(JSON.stringify(value));
    if (exact > MAX_PAYLOAD_BYTES) {
      issues.push({
        message: `is ${exact} bytes as JSON; the limit is ${MAX_PAYLOAD_BYTES} bytes`,
        path,
      });
      return undefined;
    }
  }
  // The brand is a private field: it must be added before the object is frozen.
  CheckedPayload.mark(value, depth);
  return Object.freeze(value) as JsonObject;
}

/**
 * Freezes the objects and arrays under `value` (not `value` itself), replacing -0 with 0, and
 * returns the depth of `value` (which is at `level`). Stops descending one level past
 * {@link MAX_PAYLOAD_DEPTH}, so the recursion stays shallow whatever the text nests.
 */
function freezeParsed(value: object, level: number): number {
  if (level > MAX_PAYLOAD_DEPTH) return level;
  let deepest = level;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const depth = freezeItem(value as unknown as Record<number, unknown>, i, level);
      if (depth > deepest) deepest = depth;
      if (depth > MAX_PAYLOAD_DEPTH) return depth;
    }
    return deepest;
  }
  for (const key in value) {
    const depth = freezeItem(value as Record<string, unknown>, key, level);
    if (depth > deepest) deepest = depth;
    if (depth > MAX_PAYLOAD_DEPTH) return depth;
  }
  return deepest;
}

/** Freezes `container[key]` if it is an object or array; returns its depth (0 for a scalar). */
function freezeItem(
  container: Record<string | number, unknown>,
  key: string | number,
  level: number,
): number {
  const item = container[key];
  if (typeof item === "object" && item !== null) {
    const depth = freezeParsed(item, level + 1);
    Object.freeze(item);
    return depth;
  }
  if (item === 0) container[key] = 0;
  return 0;
}

/**
 * The walk is recursive, two frames per level, and safe because it never goes deeper than
 * {@link MAX_PAYLOAD_DEPTH}: `enter()` refuses the level past it before descending. An iterative
 * walk would need an explicit stack of frames; the ancestors array the cycle check keeps already
 * holds the depth, so the limit costs one comparison per object or array.
 */
class Walk {
  failed = false;
  /** An upper bound on the UTF-8 size of the JSON text. */
  bytes = 0;
  /** The most levels seen, stamped on the payload so a later payload that nests it can count them. */
  deepest = 0;
  private readonly ancestors: object[] = [];

  constructor(private readonly issues: ValidationIssue[]) {}

  object(source: Record<string, unknown>, path: PropertyKey[]): JsonObject {
    if (this.enter(source, path)) return EMPTY_PAYLOAD;
    if (Object.getOwnPropertySymbols(source).length > 0) {
      this.fail(path, "has symbol keys, which JSON cannot hold");
    }
    const out: Record<string, JsonValue> = {};
    for (const key in source) {
      // A key is at most 6 bytes per UTF-16 unit once escaped, plus quotes, colon and comma.
      this.bytes += key.length * 6 + 4;
      const item = this.value(source[key], path, key);
      if (item === undefined) continue;
      // Assigning to "__proto__" would set the copy's prototype and lose the key: define it.
      if (key === "__proto__") {
        Object.defineProperty(out, key, { value: item, enumerable: true, writable: true });
      } else {
        out[key] = item;
      }
    }
    // The root object is the payload itself: the only one later events can pass back in whole.
    if (this.ancestors.length === 1) CheckedPayload.mark(out, this.deepest);
    this.ancestors.pop();
    return Object.freeze(out);
  }

  private array(source: readonly unknown[], path: PropertyKey[]): JsonArray {
    if (this.enter(source, path)) return [];
    const out: JsonValue[] = new Array(source.length);
    for (let i = 0; i < source.length; i++) {
      this.bytes += 1;
      const item = i in source ? this.value(source[i], path, i) : this.hole(path, i);
      if (item !== undefined) out[i] = item;
    }
    this.ancestors.pop();
    return Object.freeze(out);
  }

  private value(item: unknown, path: PropertyKey[], key: PropertyKey): JsonValue | undefined {
    switch (typeof item) {
      case "string":
        this.bytes += item.length * 6 + 2;
        return item;
      case "number":
        this.bytes += 24;
        // JSON has no negative zero: keep what a round trip through JSON gives back.
        if (item === 0) return 0;
        if (Number.isFinite(item)) return item;
        return this.fail([...path, key], `must be a finite number, got ${String(item)}`);
      case "boolean":
        this.bytes += 5;
        return item;
      case "object": {
        if (item === null) {
          this.bytes += 4;
          return null;
        }
        if (CheckedPayload.has(item)) {
          // Already checked and frozen: share it. Its size is not known here, so count it exactly.
          const depth = this.ancestors.length + CheckedPayload.depthOf(item);
          if (depth > MAX_PAYLOAD_DEPTH) return this.fail([...path, key], tooDeep());
          if (depth > this.deepest) this.deepest = depth;
          this.bytes += Buffer.byteLength(JSON.stringify(item));
          return item as JsonObject;
        }
        path.push(key);
        let out: JsonValue | undefined;
        if (Array.isArray(item) && Object.getPrototypeOf(item) === Array.prototype) {
          out = this.array(item, path);
        } else if (isPlainObject(item)) {
          out = this.object(item, path);
        } else {
          out = this.fail([...path], `must be JSON, got ${kindOf(item)}`);
        }
        path.pop();
        return out;
      }
      default:
        return this.fail([...path, key], `must be JSON, got ${kindOf(item)}`);
    }
  }

  /**
   * Records `source` as an ancestor. True (with an issue) when the caller must not descend into
   * it: it is already an ancestor (a cycle), or it is one level past {@link MAX_PAYLOAD_DEPTH}.
   */
  private enter(source: object, path: PropertyKey[]): boolean {
    const depth = this.ancestors.length + 1;
    if (depth > MAX_PAYLOAD_DEPTH) {
      this.fail([...path], tooDeep());
      return true;
    }
    if (this.ancestors.includes(source)) {
      this.fail([...path], "contains a cycle (an object that refers back to itself)");
      return true;
    }
    this.ancestors.push(source);
    if (depth > this.deepest) this.deepest = depth;
    this.bytes += 2;
    return false;
  }

  private hole(path: PropertyKey[], index: number): undefined {
    return this.fail([...path, index], "is a hole in a sparse array, which JSON cannot hold");
  }

  private fail(path: readonly PropertyKey[], message: string): undefined {
    this.failed = true;
    this.issues.push({ message, path });
    return undefined;
  }
}

function tooDeep(): string {
  return `nests deeper than ${MAX_PAYLOAD_DEPTH} levels of objects and arrays, the limit (MAX_PAYLOAD_DEPTH)`;
}

/** An object made by a literal, `JSON.parse` or `Object.create(null)`: not an array or class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A short, human name for what a value is: `undefined`, `function`, `Date instance`, `array`. */
export function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (typeof value !== "object") return typeof value;
  if (Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype) return "array";
  const ctor = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)
    ?.constructor;
  return ctor?.name ? `${ctor.name} instance` : "object";
}
