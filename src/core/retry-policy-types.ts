/** The shape of a retry policy; checked and applied in retry-policy.ts. */
import type { BackoffOptions } from "../utils/backoff.js";

/**
 * How often a failing handler is tried, and how long to wait between tries.
 *
 * ```ts
 * { attempts: 5, backoff: { initialMs: 100, factor: 2, maxMs: 30_000, jitter: "full" } }
 * ```
 */
export interface RetryPolicy {
  /** Tries in all, the first included: 1 means no retry. */
  readonly attempts: number;
  /** The wait before each retry. @defaultValue `{ initialMs: 100, factor: 2, maxMs: 30_000, jitter: "full" }` */
  readonly backoff?: Partial<BackoffOptions>;
}

/** Retry policies by event type; `"*"` applies to every type without its own. */
export type RetryPolicies = Readonly<Record<string, RetryPolicy>>;
