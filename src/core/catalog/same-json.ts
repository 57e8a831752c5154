/**
 * Whether a schema's output is the payload it was given, in JSON terms: the Spine hands organs
 * the original event then, rather than a copy carrying the output. Most schemas without
 * defaults or transforms return an equal copy (zod always copies): comparing costs a walk of the
 * payload, a copy would cost an event.
 */
import type { JsonObject, JsonValue } from "../json.js";

/**
 * True when `value` is `json` or holds the same JSON: plain objects with the same keys (a key
 * whose value is `undefined` counts as absent, as in JSON), arrays of the same length, equal
 * primitives. The walk follows `json`, a checked payload, so its depth is bounded.
 */
export function sameJson(value: unknown, json: JsonValue): boolean {
  if (value === json) return true;
  if (typeof value !== "object" || value === null || typeof json !== "object" || json === null) {
    return false;
  }
  if (Array.isArray(json)) {
    if (!Array.isArray(value) || value.length !== json.length) return false;
    for (let i = 0; i < json.length; i++) {
      if (!sameJson(value[i], json[i] as JsonValue)) return false;
    }
    return true;
  }
  if (Array.isArray(value)) return false;
  const object = json as JsonObject;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const source = value as Record<string, unknown>;
  let count = 0;
  for (const key in source) {
    if (source[key] === undefined) continue;
    count++;
    if (!Object.hasOwn(object, key) || !sameJson(source[key], object[key] as JsonValue)) {
      return false;
    }
  }
  let expected = 0;
  for (const _ in object) expected++;
  return count === expected;
}
