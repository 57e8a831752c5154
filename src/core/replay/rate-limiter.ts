/**
 * A bound on a replay's rate: `take(n)` waits until `n` more events fit in `perSecond`, measured
 * from the first take (so a slow stretch is not made up for with a burst larger than one
 * batch). Every wait ends when the signal aborts.
 */
import { abortableSleep } from "../../utils/timing.js";

export class RateLimiter {
  readonly perSecond: number;
  #startedAt: number | undefined;
  /** Events allowed so far. */
  #taken = 0;

  /** `perSecond`: a positive number; `Infinity` never waits. */
  constructor(perSecond: number) {
    this.perSecond = perSecond;
  }

  /** Waits until `count` more events are allowed. */
  async take(
    count: number,
    signal?: AbortSignal,
    now: () => number = performance.now.bind(performance),
  ): Promise<void> {
    if (this.perSecond === Number.POSITIVE_INFINITY) return;
    const at = now();
    // A run that fell behind (a slow target) starts its budget again rather than bursting.
    if (this.#startedAt === undefined || at - this.#due() > 1_000) {
      this.#startedAt = at;
      this.#taken = 0;
    }
    const due = this.#due();
    this.#taken += count;
    if (due > at) await abortableSleep(due - at, signal);
  }

  /** When the events taken so far are all allowed. */
  #due(): number {
    return (this.#startedAt ?? 0) + (this.#taken * 1_000) / this.perSecond;
  }
}
