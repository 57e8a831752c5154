/**
 * One backoff formula for every wait that follows a failure: retries of handlers and enqueues,
 * failed pulls, Redis reads and maintenance rounds.
 */

/** How the delay grows from one attempt to the next. */
export interface BackoffOptions {
  /** The delay before the first retry. */
  readonly initialMs: number;
  /** Each retry waits this many times longer than the one before. @defaultValue 2 */
  readonly factor?: number;
  /** The longest delay. @defaultValue Infinity */
  readonly maxMs?: number;
  /**
   * `"full"`: a random delay between 0 and the computed one, so many clients that failed together
   * do not retry together. `"none"`: exactly the computed delay.
   * @defaultValue "none"
   */
  readonly jitter?: "full" | "none";
}

/**
 * The delay before retry `retry` (1 for the first): `initialMs * factor ** (retry - 1)`, at most
 * `maxMs`, with jitter if asked.
 */
export function backoff(options: BackoffOptions, retry: number): number {
  const { initialMs, factor = 2, maxMs = Number.POSITIVE_INFINITY, jitter = "none" } = options;
  // The exponent is capped so a long outage cannot overflow to Infinity before the cap applies.
  const delay = Math.min(maxMs, initialMs * factor ** Math.min(Math.max(0, retry - 1), 64));
  return jitter === "full" ? Math.floor(Math.random() * delay) : delay;
}
