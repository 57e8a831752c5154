/**
 * The Spine's options: their meaning and defaults, and the one place they are checked.
 */

import { MAX_TIMER_MS } from "../utils/timing.js";
import type { Backend } from "./backend.js";
import { capabilityProblems } from "./capabilities.js";
import { type Catalog, isCatalog } from "./catalog/catalog.js";
import {
  type DedupeOptions,
  type ResolvedDedupeOptions,
  resolveDedupeOptions,
} from "./dedupe-store.js";
import { InvalidOptionError } from "./errors.js";
import { checkMiddlewareList } from "./function-organ.js";
import type { Middleware } from "./handler.js";
import type { Logger } from "./logging.js";
import type { SpineObserver } from "./observer.js";
import type { Organ } from "./organ.js";
import { type ResolvedRetryPolicy, resolveRetryPolicies } from "./retry-policy.js";
import type { RetryPolicies } from "./retry-policy-types.js";

export type { DedupeOptions };

/** What the Spine does when the backend refuses an emitted event. */
export const EnqueueFailureMode = {
  /** Reject `run` with `EnqueueError` at once. */
  FAIL: "fail",
  /** Retry `retryAttempts` times with exponential backoff, then reject `run` with `EnqueueError`. */
  RETRY: "retry",
  /** Keep the event in the failed-event store and go on. */
  STORE: "store",
} as const;
export type EnqueueFailureMode = (typeof EnqueueFailureMode)[keyof typeof EnqueueFailureMode];

/** What the Spine does with an event after one of its handlers failed. */
export const HandlerFailureMode = {
  /** Log it, count it, and ack the event. */
  LOG: "log",
  /** Log it, count it, keep the event in the failed-event store, and ack it. */
  STORE: "store",
  /**
   * Log it, count it, and leave the event unacked, so a durable backend delivers it again and
   * dead-letters it after its own retry limit. Events the other organs returned for it are
   * discarded, since it will be handled again. WARNING: the in-memory backend cannot redeliver:
   * there the event is dropped after it is logged.
   */
  NACK: "nack",
} as const;
export type HandlerFailureMode = (typeof HandlerFailureMode)[keyof typeof HandlerFailureMode];

/** Which events the Spine checks against its catalog. */
export interface ValidateOptions {
  /**
   * Validate each event an organ returns, before it is enqueued. An invalid one is a handler
   * error (`EmittedEventInvalidError`, naming the organ, the event type and every issue path):
   * none of that call's events are enqueued, and `handlerFailureMode` applies.
   * @defaultValue true
   */
  emit?: boolean;
  /**
   * Validate each event pulled, after upcasting it to the catalog's version, before its organs
   * see it. An invalid one is not handled: dead-lettered with the issues as the reason on a
   * backend with a dead-letter store, else kept in the failed-event store (stage "schema").
   * Off, an older version is still upcast.
   * @defaultValue true
   */
  receive?: boolean;
  /**
   * An event pulled whose `schema-version` is newer than the catalog knows is released to come
   * back after this many ms, so a worker built with the newer catalog can take it (past the
   * backend's retries it is dead-lettered, the reason naming the version this worker knows). On
   * a backend that cannot redeliver it is kept in the failed-event store.
   * @defaultValue 1_000
   */
  newerVersionDelayMs?: number;
}

/** Options for `new Spine()`. */
export interface SpineOptions {
  /**
   * The organs, in routing order: an event goes to its listeners in this order. An entry may also
   * be an object whose methods carry `@on(...)`: each such method is an organ, in declaration order.
   */
  organs: readonly (Organ | object)[];
  /** Where events wait between organs. */
  backend: Backend;
  /**
   * The most events one `run` may handle. The next one it pulls is handed back to the backend
   * before any organ sees it (for the next run, or another consumer), and `run` rejects with
   * `MaxStepsExceededError`. Guards against event loops in a run that should end. `Infinity`
   * turns the guard off. It is off by default on a durable backend, whose workers run for good;
   * loop protection there is `maxHops`.
   * @defaultValue 10_000; `Infinity` on a durable backend (`capabilities.durable`)
   */
  maxSteps?: number;
  /**
   * Loop protection that works across processes: an event more than this many handling steps
   * from the first event of its chain (its `hop` header; start events are hop 0) is not handled.
   * On a backend with a dead-letter store it is dead-lettered with the reason; in process it goes
   * to the failed-event store with stage "loop" and is acked. Counted in `eventsLoopStopped`.
   * @defaultValue 100
   */
  maxHops?: number;
  /**
   * Middleware for every organ, outside each organ's own: the first in the list is the
   * outermost. Composed once, when the Spine is built.
   * @defaultValue []
   */
  middleware?: readonly Middleware[];
  /**
   * More observers of the run, beside the logs and the stats. An observer that throws is logged
   * once and keeps being called.
   * @defaultValue []
   */
  observers?: readonly SpineObserver[];
  /**
   * Retry policies by event type, `"*"` for every other type; an organ's own `retry` wins. In
   * process a failed handler is run again after the backoff; on a backend that redelivers, the
   * event is released to come back after it. Past `attempts`, the handler failure mode applies
   * (under "nack", the event is dead-lettered at once).
   * @defaultValue no retries
   */
  retry?: RetryPolicies;
  /**
   * After `stop()`, how long handlers in flight have before their context's `signal` aborts.
   * The run still waits for them to settle.
   * @defaultValue 10_000
   */
  stopGraceMs?: number;
  /** @defaultValue "store" */
  enqueueFailureMode?: EnqueueFailureMode;
  /** Retries after the first failed enqueue, in mode "retry". @defaultValue 3 */
  retryAttempts?: number;
  /** Retry `n` (from 0) waits `retryBaseDelayMs * 2 ** n` ms. @defaultValue 100 */
  retryBaseDelayMs?: number;
  /** @defaultValue "log" */
  handlerFailureMode?: HandlerFailureMode;
  /**
   * How long an async handler may take before it counts as failed. The handler is not cancelled;
   * its late result is ignored. Synchronous handlers cannot be timed out. `Infinity` disables it.
   * @defaultValue 30_000
   */
  handlerTimeoutMs?: number;
  /** Failed pulls in a row before `run` rejects with `BackendUnavailableError`. @defaultValue 10 */
  maxConsecutiveBackendFailures?: number;
  /**
   * Skip (and ack) an event whose id this Spine has already committed. An id counts once its
   * event was acked (or committed); an event left unacked and delivered again is handled again.
   * A copy that arrives while an event with its id is in flight waits for it (taking a
   * concurrency slot), then is skipped, or handled if that event was not committed. The ids are
   * kept per Spine, across its runs, bounded by `maxIds` and `ttlMs`; `true` takes the default
   * bounds. Ids are not shared between processes: it catches a retried enqueue or a redelivery
   * to this worker, not one to another.
   * @defaultValue false
   */
  dedupe?: boolean | DedupeOptions;
  /**
   * How many events may be in flight at once. Organs for one event always run in order; across
   * events, order holds only at 1.
   * @defaultValue 1
   */
  concurrency?: number;
  /** How long one `pull` waits for an event before the Spine checks whether to go on. @defaultValue 1_000 */
  pollTimeoutMs?: number;
  /**
   * A pino logger to log through (as its child `necrostack.spine`), or `false` for none.
   * @defaultValue JSON lines on stderr at `NECROSTACK_LOG_LEVEL` (default "info")
   */
  logger?: Logger | false;
  /** Capacity of the failed-event store; the oldest entries are dropped past it. @defaultValue 10_000 */
  maxFailedEvents?: number;
  /**
   * The event catalog (`defineEvents(...)`): events are checked against its schemas (see
   * `validate`), events of a versioned type are stamped with their `schema-version`, and older
   * versions are upcast before their organs see them. Types the catalog does not define pass
   * unchecked, unless `strict`.
   * @defaultValue none: no event is checked
   */
  catalog?: Catalog;
  /**
   * Which side the catalog checks. Needs `catalog`.
   * @defaultValue `{ emit: true, receive: true, newerVersionDelayMs: 1_000 }`
   */
  validate?: ValidateOptions;
  /**
   * Only the catalog's types: the Spine refuses (when built) an organ that listens to a type the
   * catalog does not define, and an organ that returns such an event fails. A setting of the
   * worker, not of the catalog: a worker sharing a stream with other teams' events may want it
   * off, one that owns its stream on. Needs `catalog`.
   * @defaultValue false
   */
  strict?: boolean;
}

/** The catalog settings, resolved; undefined without a catalog. */
export interface ResolvedCatalogOptions {
  readonly catalog: Catalog;
  readonly emit: boolean;
  readonly receive: boolean;
  readonly strict: boolean;
  readonly newerVersionDelayMs: number;
}

/** Options with every default applied and every value checked. */
export type ResolvedSpineOptions = Required<
  Omit<SpineOptions, "logger" | "dedupe" | "retry" | "organs" | "catalog" | "validate" | "strict">
> & {
  readonly organs: readonly object[];
  readonly logger: Logger | false | undefined;
  readonly retry: ReadonlyMap<string, ResolvedRetryPolicy>;
  /** Undefined when dedupe is off. */
  readonly dedupe: ResolvedDedupeOptions | undefined;
  /** Undefined without a catalog. */
  readonly schemas: ResolvedCatalogOptions | undefined;
};

export function resolveSpineOptions(options: SpineOptions): ResolvedSpineOptions {
  if (typeof options !== "object" || options === null) {
    throw new InvalidOptionError("options", "an object", options);
  }
  const { organs, backend } = options;
  if (!Array.isArray(organs)) throw new InvalidOptionError("organs", "an array of organs", organs);
  if (
    typeof backend !== "object" ||
    backend === null ||
    typeof backend.enqueue !== "function" ||
    typeof backend.pull !== "function" ||
    typeof backend.ack !== "function"
  ) {
    throw new InvalidOptionError("backend", "a Backend (with enqueue, pull and ack)", backend);
  }
  checkCapabilities(backend);
  if (options.middleware !== undefined) checkMiddlewareList(options.middleware, "middleware");
  const list = <T>(name: string, value: readonly T[] | undefined, what: string): readonly T[] => {
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw new InvalidOptionError(name, `an array of ${what}`, value);
    return value;
  };
  return {
    organs,
    backend,
    maxHops: count("maxHops", options.maxHops, 100, 0, true),
    middleware: list("middleware", options.middleware, "middleware functions"),
    observers: list("observers", options.observers, "observer objects"),
    retry: resolveRetryPolicies(options.retry),
    stopGraceMs: delay("stopGraceMs", options.stopGraceMs, 10_000, 0, true),
    maxSteps: count(
      "maxSteps",
      options.maxSteps,
      backend.capabilities.durable ? Number.POSITIVE_INFINITY : 10_000,
      1,
      true,
    ),
    enqueueFailureMode: oneOf(
      "enqueueFailureMode",
      options.enqueueFailureMode,
      "store",
      Object.values(EnqueueFailureMode),
    ),
    retryAttempts: count("retryAttempts", options.retryAttempts, 3, 0, false),
    retryBaseDelayMs: delay("retryBaseDelayMs", options.retryBaseDelayMs, 100, 0, false),
    handlerFailureMode: oneOf(
      "handlerFailureMode",
      options.handlerFailureMode,
      "log",
      Object.values(HandlerFailureMode),
    ),
    handlerTimeoutMs: delay("handlerTimeoutMs", options.handlerTimeoutMs, 30_000, 1, true),
    maxConsecutiveBackendFailures: count(
      "maxConsecutiveBackendFailures",
      options.maxConsecutiveBackendFailures,
      10,
      1,
      false,
    ),
    dedupe: resolveDedupeOptions(options.dedupe),
    concurrency: count("concurrency", options.concurrency, 1, 1, false),
    pollTimeoutMs: delay("pollTimeoutMs", options.pollTimeoutMs, 1_000, 1, false),
    logger: options.logger,
    maxFailedEvents: count("maxFailedEvents", options.maxFailedEvents, 10_000, 0, false),
    schemas: resolveCatalogOptions(options),
  };
}

function resolveCatalogOptions(options: SpineOptions): ResolvedCatalogOptions | undefined {
  const { catalog, validate = {}, strict = false } = options;
  if (catalog === undefined) {
    if (options.validate !== undefined || options.strict !== undefined) {
      const name = options.validate !== undefined ? "validate" : "strict";
      throw new InvalidOptionError(
        name,
        "left out without a `catalog` (they say how events are checked against one)",
        options[name],
      );
    }
    return undefined;
  }
  if (!isCatalog(catalog)) {
    throw new InvalidOptionError("catalog", "a catalog made by defineEvents()", catalog);
  }
  if (typeof validate !== "object" || validate === null) {
    throw new InvalidOptionError(
      "validate",
      "an object { emit?, receive?, newerVersionDelayMs? }",
      validate,
    );
  }
  const flag = (name: string, value: unknown): boolean => {
    if (value === undefined) return true;
    if (typeof value !== "boolean") throw new InvalidOptionError(name, "a boolean", value);
    return value;
  };
  if (typeof strict !== "boolean") throw new InvalidOptionError("strict", "a boolean", strict);
  return {
    catalog,
    emit: flag("validate.emit", validate.emit),
    receive: flag("validate.receive", validate.receive),
    strict,
    newerVersionDelayMs: delay(
      "validate.newerVersionDelayMs",
      validate.newerVersionDelayMs,
      1_000,
      0,
      false,
    ),
  };
}

function count(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  allowInfinity: boolean,
): number {
  if (value === undefined) return fallback;
  if (allowInfinity && value === Number.POSITIVE_INFINITY) return value;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    const what = min === 0 ? "a non-negative integer" : `an integer >= ${min}`;
    throw new InvalidOptionError(name, allowInfinity ? `${what} or Infinity` : what, value);
  }
  return value;
}

/** A `count` of milliseconds that must also fit a Node timer, which runs longer ones after 1 ms. */
function delay(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  allowInfinity: boolean,
): number {
  const ms = count(name, value, fallback, min, allowInfinity);
  if (ms !== Number.POSITIVE_INFINITY && ms > MAX_TIMER_MS) {
    const what = `at most ${MAX_TIMER_MS} ms (about 24.8 days, the longest a timer holds)`;
    throw new InvalidOptionError(name, allowInfinity ? `${what} or Infinity` : what, value);
  }
  return ms;
}

function oneOf<T extends string>(
  name: string,
  value: T | undefined,
  fallback: T,
  allowed: readonly T[],
): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value)) {
    throw new InvalidOptionError(name, `one of ${allowed.map((a) => `"${a}"`).join(", ")}`, value);
  }
  return value;
}

/**
 * Refuses a backend that declares what it cannot back, when the Spine is built, not mid-run.
 */
function checkCapabilities(backend: Backend): void {
  const problems = capabilityProblems(backend);
  if (problems.length > 0) {
    throw new InvalidOptionError(
      "backend",
      `a Backend whose capabilities match its methods; this one ${problems.join("; ")}`,
      backend,
    );
  }
}
