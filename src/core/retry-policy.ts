/**
 * Per event type retry, as built-in middleware. In process it runs the handler again after a
 * backoff, inside the same handler call. On a backend that redelivers, a failed try instead gives
 * the event back to be delivered again after the backoff (`release` with `delayMs` where the
 * backend declares `delayedRelease`, else after its own redelivery delay), so a retry survives a
 * crash and does not hold a slot while it waits. Past `attempts` the failure takes the Spine's
 * `handlerFailureMode`; under "nack" the event is dead-lettered at once.
 */

import { type BackoffOptions, backoff } from "../utils/backoff.js";
import { isThenable } from "../utils/thenable.js";
import { abortableSleep } from "../utils/timing.js";
import { InvalidOptionError, NecroStackError } from "./errors.js";
import type { Event } from "./event.js";
import type { Handler, HandlerContext, HandlerResult, Middleware } from "./handler.js";
import { errorField } from "./logging.js";
import type { RetryPolicies, RetryPolicy } from "./retry-policy-types.js";

export type { RetryPolicies, RetryPolicy } from "./retry-policy-types.js";

/** A retry policy with its defaults applied. */
export interface ResolvedRetryPolicy {
  readonly attempts: number;
  readonly backoff: BackoffOptions;
}

const DEFAULT_BACKOFF: BackoffOptions = {
  initialMs: 100,
  factor: 2,
  maxMs: 30_000,
  jitter: "full",
};

/** Checks a policy; `where` names it in errors (`retry.ORDER_PLACED`). */
export function resolveRetryPolicy(where: string, policy: RetryPolicy): ResolvedRetryPolicy {
  if (typeof policy !== "object" || policy === null) {
    throw new InvalidOptionError(where, "an object such as { attempts: 3 }", policy);
  }
  const { attempts } = policy;
  if (!Number.isSafeInteger(attempts) || attempts < 1) {
    throw new InvalidOptionError(`${where}.attempts`, "an integer >= 1 (tries in all)", attempts);
  }
  const merged = { ...DEFAULT_BACKOFF, ...policy.backoff };
  const number = (name: keyof BackoffOptions, value: unknown, min: number): void => {
    if (typeof value !== "number" || Number.isNaN(value) || value < min) {
      throw new InvalidOptionError(`${where}.backoff.${name}`, `a number >= ${min}`, value);
    }
  };
  number("initialMs", merged.initialMs, 0);
  number("factor", merged.factor, 1);
  number("maxMs", merged.maxMs, 0);
  if (merged.jitter !== "full" && merged.jitter !== "none") {
    throw new InvalidOptionError(`${where}.backoff.jitter`, '"full" or "none"', merged.jitter);
  }
  return { attempts, backoff: merged };
}

/** Checks the Spine's `retry` option. */
export function resolveRetryPolicies(
  policies: RetryPolicies | undefined,
): ReadonlyMap<string, ResolvedRetryPolicy> {
  const resolved = new Map<string, ResolvedRetryPolicy>();
  if (policies === undefined) return resolved;
  if (typeof policies !== "object" || policies === null) {
    throw new InvalidOptionError("retry", 'an object of policies by event type (or "*")', policies);
  }
  for (const [type, policy] of Object.entries(policies)) {
    resolved.set(type, resolveRetryPolicy(`retry.${type}`, policy));
  }
  return resolved;
}

/**
 * Thrown by the retry middleware on a backend that redelivers: the Spine releases the event to
 * be delivered again after `delayMs`. Internal; never reaches user code past the Spine.
 */
export class RetryLater extends NecroStackError {
  readonly delayMs: number;
  readonly failure: unknown;

  constructor(delayMs: number, failure: unknown, attempt: number, attempts: number) {
    super(
      `Try ${attempt} of ${attempts} failed; trying again in ${delayMs} ms`,
      "ERR_RETRY_LATER",
      {
        cause: failure,
      },
    );
    this.delayMs = delayMs;
    this.failure = failure;
  }
}

/** A handler failed on every try its retry policy allows. The last failure is its `cause`. */
export class RetriesExhaustedError extends NecroStackError {
  readonly attempts: number;

  constructor(attempts: number, failure: unknown) {
    super(
      `failed on all ${attempts} tries of its retry policy; last: ${errorField(failure)}`,
      "ERR_RETRIES_EXHAUSTED",
      { cause: failure },
    );
    this.attempts = attempts;
  }
}

/**
 * The retry middleware for one organ: `policyFor(event)` picks the policy (or none).
 * `redelivers`: the backend can deliver the event again, so tries after the first come from
 * redeliveries (`ctx.attempt`) instead of a loop here.
 */
export function retryMiddleware(
  policyFor: (event: Event) => ResolvedRetryPolicy | undefined,
  redelivers: boolean,
): Middleware {
  return (next: Handler): Handler =>
    (event, ctx) => {
      const policy = policyFor(event);
      if (policy === undefined || policy.attempts === 1) return next(event, ctx);
      if (redelivers) return laterOnFailure(next, event, ctx, policy);
      return tryAgain(next, event, ctx, policy, 1);
    };
}

function laterOnFailure(
  next: Handler,
  event: Event,
  ctx: HandlerContext,
  policy: ResolvedRetryPolicy,
): HandlerResult | Promise<HandlerResult> {
  const attempt = ctx.attempt;
  const later = (error: unknown): never => {
    if (attempt >= policy.attempts) throw new RetriesExhaustedError(policy.attempts, error);
    throw new RetryLater(backoff(policy.backoff, attempt), error, attempt, policy.attempts);
  };
  let result: HandlerResult | Promise<HandlerResult>;
  try {
    result = next(event, ctx);
  } catch (error) {
    return later(error);
  }
  return isThenable<HandlerResult>(result) ? Promise.resolve(result).catch(later) : result;
}

/** In process: run `next` again after each failure, up to the policy's attempts. */
function tryAgain(
  next: Handler,
  event: Event,
  ctx: HandlerContext,
  policy: ResolvedRetryPolicy,
  attempt: number,
): HandlerResult | Promise<HandlerResult> {
  const again = async (error: unknown): Promise<HandlerResult> => {
    if (attempt >= policy.attempts) throw new RetriesExhaustedError(policy.attempts, error);
    if (ctx.signal.aborted) throw error;
    await abortableSleep(backoff(policy.backoff, attempt), ctx.signal);
    if (ctx.signal.aborted) throw error;
    return tryAgain(next, event, ctx, policy, attempt + 1);
  };
  let result: HandlerResult | Promise<HandlerResult>;
  try {
    result = next(event, ctx);
  } catch (error) {
    return again(error);
  }
  return isThenable<HandlerResult>(result) ? Promise.resolve(result).catch(again) : result;
}
