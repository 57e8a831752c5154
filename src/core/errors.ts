/**
 * Every error NecroStack throws. All extend {@link NecroStackError}, carry a stable `code`, and
 * keep the original failure as ES2022 `cause`, so callers can branch on `instanceof` or `code`
 * and still see what went wrong underneath.
 */
import { maskSecrets } from "../utils/redact.js";

/** One validation problem, in the Standard Schema issue shape. */
export interface ValidationIssue {
  readonly message: string;
  readonly path: readonly PropertyKey[];
}

/** The base class of every NecroStack error. */
export class NecroStackError extends Error {
  /** A stable, machine-readable identifier (for example `"ERR_EVENT_VALIDATION"`). */
  readonly code: string;

  constructor(message: string, code: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An event envelope (constructor input or wire JSON) broke one or more rules. */
export class EventValidationError extends NecroStackError {
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[], options?: ErrorOptions) {
    super(`Invalid event: ${formatIssues(issues)}`, "ERR_EVENT_VALIDATION", options);
    this.issues = issues;
  }
}

/** An option given to a NecroStack class is out of its allowed range or of the wrong type. */
export class InvalidOptionError extends NecroStackError {
  readonly option: string;

  constructor(option: string, expected: string, received: unknown) {
    super(
      `Expected \`${option}\` to be ${expected}, got ${describeValue(received)}`,
      "ERR_INVALID_OPTION",
    );
    this.option = option;
  }
}

/** An event could not be put on the backend (after retries, where retries apply). */
export class EnqueueError extends NecroStackError {
  readonly eventId: string;
  readonly eventType: string;
  readonly attempts: number;

  constructor(
    event: { readonly id: string; readonly eventType: string },
    attempts: number,
    cause: unknown,
  ) {
    super(
      `Could not enqueue event ${event.eventType} (${event.id}) after ${attempts} attempt${
        attempts === 1 ? "" : "s"
      }: ${messageOf(cause)}`,
      "ERR_ENQUEUE",
      { cause },
    );
    this.eventId = event.id;
    this.eventType = event.eventType;
    this.attempts = attempts;
  }
}

/**
 * The Spine pulled one more event than `maxSteps` allows: most likely an event loop. The message
 * starts as NecroStack for Python's does ("Max steps exceeded") and names the event handed back.
 */
export class MaxStepsExceededError extends NecroStackError {
  readonly maxSteps: number;
  /** The event pulled past the limit, handed back to the backend unhandled. */
  readonly eventId: string | undefined;
  readonly eventType: string | undefined;

  constructor(maxSteps: number, event?: { readonly id: string; readonly eventType: string }) {
    super(
      event === undefined
        ? "Max steps exceeded"
        : `Max steps exceeded: the run handled ${maxSteps} events (maxSteps) and handed back the next, ${event.eventType} (${event.id}), unhandled; an event loop, or a run that needs a higher maxSteps`,
      "ERR_MAX_STEPS",
    );
    this.maxSteps = maxSteps;
    this.eventId = event?.id;
    this.eventType = event?.eventType;
  }
}

/** The backend failed `failures` pulls in a row; the last failure is the `cause`. */
export class BackendUnavailableError extends NecroStackError {
  readonly failures: number;
  readonly lastError: unknown;

  constructor(failures: number, lastError: unknown) {
    super(
      `Backend unavailable: ${failures} consecutive failures, last: ${messageOf(lastError)}`,
      "ERR_BACKEND_UNAVAILABLE",
      { cause: lastError },
    );
    this.failures = failures;
    this.lastError = lastError;
  }
}

/** A bounded backend refused an event because it is full. Nothing was enqueued. */
export class BackendFullError extends NecroStackError {
  readonly maxSize: number;

  constructor(maxSize: number) {
    super(
      `Backend is full (maxSize ${maxSize}); the event was not enqueued. Consume events faster or raise maxSize.`,
      "ERR_BACKEND_FULL",
    );
    this.maxSize = maxSize;
  }
}

/** The backend was closed; it takes no more events. */
export class BackendClosedError extends NecroStackError {
  constructor(operation: string) {
    super(`Cannot ${operation}: the backend is closed`, "ERR_BACKEND_CLOSED");
  }
}

/** An organ's handler threw, rejected, timed out, or returned something that is not events. */
export class HandlerError extends NecroStackError {
  readonly organ: string;
  readonly eventId: string;
  readonly eventType: string;

  constructor(
    organ: string,
    event: { readonly id: string; readonly eventType: string },
    message: string,
    code = "ERR_HANDLER",
    options?: ErrorOptions,
  ) {
    super(`Organ ${organ} failed on ${event.eventType} (${event.id}): ${message}`, code, options);
    this.organ = organ;
    this.eventId = event.id;
    this.eventType = event.eventType;
  }
}

/** A handler did not settle within `handlerTimeoutMs`. */
export class HandlerTimeoutError extends HandlerError {
  readonly timeoutMs: number;

  constructor(
    organ: string,
    event: { readonly id: string; readonly eventType: string },
    timeoutMs: number,
  ) {
    super(organ, event, `handler timed out after ${timeoutMs} ms`, "ERR_HANDLER_TIMEOUT");
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The text of any thrown value, for messages and logs, with URL passwords masked: error messages
 * built from a cause end up in logs and terminals, so a secret in the cause must not leak through
 * them. The cause itself keeps the original.
 */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return maskSecrets(error.message);
  return maskSecrets(typeof error === "string" ? error : describeValue(error));
}

/** `` `0` (number) ``-style description of a received value, as option errors show it. */
export function describeValue(value: unknown): string {
  if (value === null) return "`null`";
  if (value === undefined) return "`undefined`";
  const type = Array.isArray(value) ? "array" : typeof value;
  let shown: string;
  try {
    shown =
      typeof value === "object" ? (JSON.stringify(value) ?? String(value)) : String(value as never);
  } catch {
    shown = Object.prototype.toString.call(value);
  }
  if (shown.length > 80) shown = `${shown.slice(0, 77)}...`;
  return `\`${shown}\` (${type})`;
}

function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues
    .map((issue) => (issue.path.length > 0 ? `${formatPath(issue.path)}: ` : "") + issue.message)
    .join("; ");
}

/** A long path shows this many keys from its start and from its end, with the middle elided. */
const PATH_HEAD_KEYS = 6;
const PATH_TAIL_KEYS = 3;

/**
 * `payload.items[2].name` for `["payload", "items", 2, "name"]`. A long path (a payload nested
 * hundreds of levels deep) is shortened to its first and last keys, so the message stays one
 * readable line; the issue's `path` keeps every key.
 */
export function formatPath(path: readonly PropertyKey[]): string {
  const shown = path.map(pathSegment);
  const hidden = shown.length - PATH_HEAD_KEYS - PATH_TAIL_KEYS;
  if (hidden <= 0) return shown.join("");
  const head = shown.slice(0, PATH_HEAD_KEYS).join("");
  return `${head}…(${hidden} more)…${shown.slice(-PATH_TAIL_KEYS).join("")}`;
}

function pathSegment(key: PropertyKey, index: number): string {
  if (typeof key === "number") return `[${key}]`;
  if (typeof key === "symbol") return `[${String(key)}]`;
  return index === 0 ? key : `.${key}`;
}
