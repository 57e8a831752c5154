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

import { canonicalJson, type JsonSchema } from "./json-schema.js";
import { Check } from "./reader-check.js";

export { canonicalJson, type JsonSchema } from "./json-schema.js";

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
