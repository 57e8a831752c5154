/**
 * Function organs: `organ(name, listensTo, handler)` builds an organ from a function, for small
 * organs and tests. The result is an ordinary `Organ`, so the Spine checks and composes it as it
 * does every other: its middleware, then retry and timeout, then the handler.
 */

import { MAX_TIMER_MS } from "../utils/timing.js";
import { describeValue, InvalidOptionError } from "./errors.js";
import type { Event } from "./event.js";
import type { Handler, HandlerContext, HandlerResult, Middleware } from "./handler.js";
import { Organ } from "./organ.js";
import { resolveRetryPolicy } from "./retry-policy.js";
import type { RetryPolicy } from "./retry-policy-types.js";

/** Settings for one function organ; each applies to this organ only. */
export interface OrganOptions {
  /**
   * Middleware around the handler, inside the Spine's own, the first in the list outermost.
   * @defaultValue none
   */
  readonly middleware?: readonly Middleware[];
  /**
   * Retry this organ's failures with this policy, whatever the event's type; it takes the place
   * of the Spine's `retry` policies for this organ.
   * @defaultValue the Spine's `retry` policy for the event's type, if any
   */
  readonly retry?: RetryPolicy;
  /**
   * How long one try of the async handler may take, in ms; `Infinity` turns the timeout off for
   * this organ. Each retry gets the full time again.
   * @defaultValue the Spine's `handlerTimeoutMs`
   */
  readonly timeoutMs?: number;
}

/** The organ `organ()` returns: an `Organ` with its per-organ settings readable. */
class FunctionOrgan<E extends Event> extends Organ<E> {
  readonly listensTo: readonly E["eventType"][];
  declare readonly middleware?: readonly Middleware[];
  /** Read by the Spine: this organ's retry policy, in place of the Spine's. */
  readonly retry?: RetryPolicy;
  /** Read by the Spine: this organ's handler timeout, in place of the Spine's. */
  readonly timeoutMs?: number;
  readonly #handler: Handler<E>;

  constructor(
    name: string,
    listensTo: readonly E["eventType"][],
    handler: Handler<E>,
    options: OrganOptions,
  ) {
    super(name);
    this.listensTo = listensTo;
    this.#handler = handler;
    if (options.middleware !== undefined) this.middleware = options.middleware;
    if (options.retry !== undefined) this.retry = options.retry;
    if (options.timeoutMs !== undefined) this.timeoutMs = options.timeoutMs;
  }

  // Declared with both parameters: the Spine accepts a `handle` of one or two.
  handle(event: E, ctx: HandlerContext): HandlerResult | Promise<HandlerResult> {
    // Called as a plain function: a handler's `this` is not the organ.
    const handler = this.#handler;
    return handler(event, ctx);
  }
}

export type { FunctionOrgan };

/**
 * An organ named `name` that runs `handler` for each event whose type is in `listensTo`.
 *
 * ```ts
 * const billing = organ("Billing", ["ORDER_PLACED"], (event) =>
 *   new Event("INVOICE_SENT", { orderId: event.payload.orderId }),
 * );
 * ```
 *
 * The handler is called with no `this`. Throws a `TypeError` for an argument of the wrong kind,
 * and an `InvalidOptionError` for a `retry` or `timeoutMs` out of range; the event types
 * themselves are checked by the Spine, as every organ's are.
 */
export function organ<T extends string>(
  name: string,
  listensTo: readonly T[],
  handler: Handler<Event<T>>,
  options?: OrganOptions,
): FunctionOrgan<Event<T>>;
/**
 * With a typed handler, `(event: Event<"ORDER_PLACED", { orderId: string }>) => ...`, the organ
 * is typed by its event: `listensTo` may only name the handler's event types.
 */
export function organ<E extends Event>(
  name: string,
  listensTo: readonly E["eventType"][],
  handler: Handler<E>,
  options?: OrganOptions,
): FunctionOrgan<E>;
export function organ<E extends Event>(
  name: string,
  listensTo: readonly E["eventType"][],
  handler: Handler<E>,
  options: OrganOptions = {},
): FunctionOrgan<E> {
  if (typeof name !== "string" || name.trim() === "") {
    throw new TypeError(
      `organ(name, ...): name must be a non-empty string, got ${describeValue(name)}`,
    );
  }
  const where = `organ("${name}")`;
  if (!Array.isArray(listensTo)) {
    throw new TypeError(
      `${where}: listensTo must be an array of event types, such as ["ORDER_PLACED"], got ${describeValue(listensTo)}`,
    );
  }
  if (typeof handler !== "function") {
    throw new TypeError(
      `${where}: handler must be a function (event, ctx) => events, got ${describeValue(handler)}`,
    );
  }
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${where}: options must be an object, got ${describeValue(options)}`);
  }
  const { middleware, retry, timeoutMs } = options;
  if (middleware !== undefined) checkMiddlewareList(middleware, `${where}: middleware`);
  if (retry !== undefined) resolveRetryPolicy(`${where}.retry`, retry);
  if (timeoutMs !== undefined) checkTimeoutMs(`${where}.timeoutMs`, timeoutMs);
  // Copies, so changing the caller's arrays later cannot change how the organ is routed.
  const settings: OrganOptions = {
    ...(middleware === undefined ? {} : { middleware: Object.freeze([...middleware]) }),
    ...(retry === undefined ? {} : { retry }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  };
  return new FunctionOrgan(name, Object.freeze([...listensTo]), handler, settings);
}

/**
 * Checks a per-organ timeout, as `handlerTimeoutMs` is checked: whole milliseconds from 1 to the
 * longest a Node timer holds, or `Infinity` for none.
 */
export function checkTimeoutMs(where: string, ms: unknown): void {
  if (ms === Number.POSITIVE_INFINITY) return;
  if (typeof ms !== "number" || !Number.isSafeInteger(ms) || ms < 1 || ms > MAX_TIMER_MS) {
    throw new InvalidOptionError(
      where,
      `an integer from 1 to ${MAX_TIMER_MS} (ms) or Infinity`,
      ms,
    );
  }
}

/** Checks that `list` is an array of functions; `label` names it in the error. */
export function checkMiddlewareList(list: unknown, label: string): void {
  if (!Array.isArray(list)) {
    throw new TypeError(`${label} must be an array of middleware, got ${describeValue(list)}`);
  }
  list.forEach((item: unknown, i) => {
    if (typeof item !== "function") {
      throw new TypeError(
        `${label}[${i}] must be a function (next, organ) => handler, got ${describeValue(item)}`,
      );
    }
  });
}
