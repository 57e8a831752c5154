/**
 * Running a Standard Schema v1 validator (zod 4, valibot, arktype, ...) the way the spec allows it
 * to answer, not the way one library happens to: success is the absence of `issues` (a failure
 * may carry a `value` too), `issues` and its members may be getters (each is read once), a path
 * segment may be a key or a `{ key }` object, and `validate` may return a promise.
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { ValidationIssue } from "../errors.js";

export type { StandardSchemaV1 };

/** Whether `value` is a Standard Schema v1 validator (an object or, as arktype's are, a function). */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return false;
  const props = (value as { "~standard"?: unknown })["~standard"];
  return (
    typeof props === "object" &&
    props !== null &&
    (props as { version?: unknown }).version === 1 &&
    typeof (props as { validate?: unknown }).validate === "function"
  );
}

/** A validation that passed (`issues` undefined) or failed (`issues` non-empty), normalised. */
export interface Verdict {
  readonly value: unknown;
  readonly issues: readonly ValidationIssue[] | undefined;
}

/**
 * Validates `input` with `schema`; the issues' paths are prefixed with `prefix` (such as
 * `["payload"]`). Synchronous when the validator is; a validator that throws is reported as one
 * issue, so a broken schema cannot take a worker down.
 */
export function runSchema(
  schema: StandardSchemaV1,
  input: unknown,
  prefix: readonly PropertyKey[],
): Verdict | Promise<Verdict> {
  let result: StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>>;
  try {
    result = schema["~standard"].validate(input);
  } catch (error) {
    return thrown(error, prefix);
  }
  if (result instanceof Promise) {
    return result.then(
      (settled) => verdictOf(settled, prefix),
      (error: unknown) => thrown(error, prefix),
    );
  }
  return verdictOf(result, prefix);
}

function verdictOf(
  result: StandardSchemaV1.Result<unknown>,
  prefix: readonly PropertyKey[],
): Verdict {
  // Read once: `issues` may be a getter that builds the list on each read.
  const issues = (result as { issues?: unknown }).issues;
  if (issues === undefined || issues === null || issues === false) {
    return { value: (result as { value?: unknown }).value, issues: undefined };
  }
  return { value: undefined, issues: normaliseIssues(issues, prefix) };
}

function thrown(error: unknown, prefix: readonly PropertyKey[]): Verdict {
  const message = error instanceof Error ? error.message : String(error);
  return { value: undefined, issues: [{ message: `the schema threw: ${message}`, path: prefix }] };
}

/**
 * Plain, frozen `{ message, path }` issues from whatever a validator returned: an array or any
 * iterable of issues, each path segment a property key or a `{ key }` object. Never empty: a
 * failure with no readable issue still says it failed.
 */
export function normaliseIssues(
  issues: unknown,
  prefix: readonly PropertyKey[] = [],
): readonly ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const list: Iterable<unknown> =
    typeof issues === "object" && issues !== null && Symbol.iterator in issues
      ? (issues as Iterable<unknown>)
      : [];
  for (const issue of list) {
    if (typeof issue !== "object" || issue === null) continue;
    const message = (issue as { message?: unknown }).message;
    const path = (issue as { path?: unknown }).path;
    out.push(
      Object.freeze({
        message: typeof message === "string" && message !== "" ? message : "is invalid",
        path: Object.freeze([...prefix, ...segmentsOf(path)]),
      }),
    );
  }
  if (out.length === 0) {
    out.push(Object.freeze({ message: "is invalid (the schema gave no issue)", path: prefix }));
  }
  return Object.freeze(out);
}

function segmentsOf(path: unknown): PropertyKey[] {
  if (typeof path !== "object" || path === null || !(Symbol.iterator in path)) return [];
  const keys: PropertyKey[] = [];
  for (const segment of path as Iterable<unknown>) {
    const key =
      typeof segment === "object" && segment !== null
        ? (segment as { key?: unknown }).key
        : segment;
    if (typeof key === "string" || typeof key === "number" || typeof key === "symbol") {
      keys.push(key);
    } else keys.push(String(key));
  }
  return keys;
}
