/**
 * Event headers: small string metadata that travels with an event but outside its payload, such
 * as the id of the event that caused it or a trace context. Outside, because the event's own wire
 * form is shared with NecroStack for Python, whose model rejects unknown keys: transports carry
 * headers beside it (the Redis backend in a stream field of their own). See docs/headers.md.
 */
import { describeValue, type ValidationIssue } from "./errors.js";
import { isPlainObject, kindOf } from "./json.js";

/** An event's headers: lower-case names to string values. */
export type EventHeaders = Readonly<Record<string, string>>;

/**
 * The header names NecroStack gives a meaning to. Other names are free; set these only with the
 * meaning given here, since NecroStack (and other NecroStack programs on the same stream) act on
 * them.
 */
export const HEADER = {
  /** The id of the first event of the chain this event belongs to. Set by the Spine. */
  CORRELATION_ID: "correlation-id",
  /** The id of the event whose handling emitted this one. Set by the Spine. */
  CAUSATION_ID: "causation-id",
  /** How many handling steps this event is from the first of its chain. Set by the Spine. */
  HOP: "hop",
  /** The W3C Trace Context `traceparent`, for tracing integrations. */
  TRACEPARENT: "traceparent",
  /** The W3C Trace Context `tracestate`, for tracing integrations. */
  TRACESTATE: "tracestate",
  /** Reserved for retries: which delivery attempt this is. */
  ATTEMPT: "attempt",
  /** Reserved for delayed delivery: the time before which the event is not to be handled. */
  NOT_BEFORE: "not-before",
  /** Reserved for the version of the payload's schema. */
  SCHEMA_VERSION: "schema-version",
} as const;

/** One of the header names NecroStack gives a meaning to (see {@link HEADER}). */
export type ReservedHeaderName = (typeof HEADER)[keyof typeof HEADER];

/** The most headers one event may have. */
export const MAX_HEADERS = 64;

/** The largest headers object accepted, as UTF-8 bytes of its `JSON.stringify` form: 8 KiB. */
export const MAX_HEADERS_BYTES = 8 * 1024;

/**
 * The prototype of every headers object: empty, and with no prototype of its own, so reading an
 * absent name such as `"constructor"` gives `undefined`, not a function of `Object.prototype`.
 * Not `Object.create(null)` objects themselves: V8 keeps those in dictionary mode, where building
 * and freezing one cost about three times as much.
 */
const HEADERS_PROTOTYPE: object = Object.freeze(Object.create(null));

/** A new, empty headers object, to fill and then freeze. */
export function createHeaders(): Record<string, string> {
  return Object.create(HEADERS_PROTOTYPE) as Record<string, string>;
}

/** The headers of an event that has none, shared by all of them. */
export const EMPTY_HEADERS: EventHeaders = Object.freeze(createHeaders());

const NAME = /^[a-z0-9][a-z0-9._-]*$/;
const PATH = ["headers"] as const;

/**
 * Checks `value` as a headers object and returns a frozen copy, or pushes issues (each naming
 * the header) and returns {@link EMPTY_HEADERS}.
 */
export function copyHeaders(value: unknown, issues: ValidationIssue[]): EventHeaders {
  if (!isHeadersSource(value)) {
    issues.push({ message: `must be an object of strings, got ${kindOf(value)}`, path: PATH });
    return EMPTY_HEADERS;
  }
  const names = Object.keys(value);
  if (names.length === 0) return EMPTY_HEADERS;
  // Before looking at each one: a huge object is refused without a walk over it.
  if (names.length > MAX_HEADERS) {
    issues.push({ message: tooMany(names.length), path: PATH });
    return EMPTY_HEADERS;
  }
  const out = createHeaders();
  return apply(out, names, value, false, issues) ? finish(out, issues) : EMPTY_HEADERS;
}

/**
 * `base` (already checked) with `changes` applied: a string sets a header, `undefined` removes
 * it. Returns a frozen copy, or pushes issues and returns `base`.
 */
export function mergeHeaders(
  base: EventHeaders,
  changes: unknown,
  issues: ValidationIssue[],
): EventHeaders {
  if (!isHeadersSource(changes)) {
    issues.push({ message: `must be an object of strings, got ${kindOf(changes)}`, path: PATH });
    return base;
  }
  const out = createHeaders();
  for (const name in base) out[name] = base[name] as string;
  if (!apply(out, Object.keys(changes), changes, true, issues)) return base;
  const before = issues.length;
  const merged = finish(out, issues);
  return issues.length > before ? base : merged;
}

/**
 * Parses the JSON text of a headers object, as a transport carries it, and checks it like
 * {@link copyHeaders}. Issues name `headers` and the bad header.
 */
export function parseHeaders(text: string, issues: ValidationIssue[]): EventHeaders {
  // A UTF-16 unit is at most 6 characters once escaped: a longer text cannot hold headers within
  // the limit, so it is refused without parsing it.
  if (text.length > 6 * MAX_HEADERS_BYTES) {
    issues.push({ message: tooLarge(text.length, "characters"), path: PATH });
    return EMPTY_HEADERS;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    issues.push({ message: `is not valid JSON: ${(error as Error).message}`, path: PATH });
    return EMPTY_HEADERS;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    issues.push({ message: `must be a JSON object of strings, got ${kindOf(parsed)}`, path: PATH });
    return EMPTY_HEADERS;
  }
  return copyHeaders(parsed, issues);
}

/** The headers' JSON text for a transport: `""` when there are none. */
export function headersText(headers: EventHeaders): string {
  for (const _ in headers) return JSON.stringify(headers);
  return "";
}

/** A plain object, or another event's headers. */
function isHeadersSource(value: unknown): value is Record<string, unknown> {
  return (
    isPlainObject(value) ||
    (typeof value === "object" &&
      value !== null &&
      Object.getPrototypeOf(value) === HEADERS_PROTOTYPE)
  );
}

/** Copies `names` of `source` into `out`, checking each; false when any was bad. */
function apply(
  out: Record<string, string>,
  names: readonly string[],
  source: Record<string, unknown>,
  removable: boolean,
  issues: ValidationIssue[],
): boolean {
  let ok = true;
  for (const name of names) {
    const value = source[name];
    if (!NAME.test(name)) {
      issues.push({ message: badName(name), path: [...PATH, name] });
      ok = false;
    } else if (typeof value === "string") {
      out[name] = value;
    } else if (value === undefined && removable) {
      delete out[name];
    } else {
      issues.push({
        message: `must be a string, got ${describeValue(value)}`,
        path: [...PATH, name],
      });
      ok = false;
    }
  }
  return ok;
}

/** Checks the count and size of headers whose names and values passed; freezes them. */
function finish(out: Record<string, string>, issues: ValidationIssue[]): EventHeaders {
  let count = 0;
  // An upper bound on the JSON size: names need no escaping, a value's UTF-16 unit is at most 6
  // bytes escaped. Only headers near the limit pay for an exact count.
  let bound = 2;
  for (const name in out) {
    count++;
    bound += name.length + (out[name] as string).length * 6 + 6;
  }
  if (count === 0) return EMPTY_HEADERS;
  if (count > MAX_HEADERS) {
    issues.push({ message: tooMany(count), path: PATH });
    return EMPTY_HEADERS;
  }
  if (bound > MAX_HEADERS_BYTES) {
    const bytes = Buffer.byteLength(JSON.stringify(out));
    if (bytes > MAX_HEADERS_BYTES) {
      issues.push({ message: `${tooLarge(bytes, "bytes")}${largest(out)}`, path: PATH });
      return EMPTY_HEADERS;
    }
  }
  return Object.freeze(out);
}

function badName(name: string): string {
  const suggestion = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[._-]+/, "");
  const hint = NAME.test(suggestion) ? ` (such as "${suggestion}")` : "";
  return `${JSON.stringify(name)} is not a valid header name: use lower case letters, digits, ".", "_" and "-", starting with a letter or digit${hint}`;
}

function tooMany(count: number): string {
  return `has ${count} headers; the limit is ${MAX_HEADERS} (MAX_HEADERS)`;
}

function tooLarge(size: number, unit: string): string {
  return `is ${size} ${unit} as JSON; the limit is ${MAX_HEADERS_BYTES} bytes (MAX_HEADERS_BYTES)`;
}

/** `; the largest is "name" (N bytes)`: which header to look at first. */
function largest(headers: Record<string, string>): string {
  let top = "";
  let topBytes = -1;
  for (const name in headers) {
    const bytes = Buffer.byteLength(headers[name] as string);
    if (bytes > topBytes) {
      top = name;
      topBytes = bytes;
    }
  }
  return `; the largest is "${top}" (${topBytes} bytes)`;
}
