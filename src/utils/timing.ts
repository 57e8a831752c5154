/** Small timing helpers shared by the Spine and the backends. */
import { setImmediate } from "node:timers";

/**
 * The longest delay a Node timer holds (about 24.8 days). WARNING: Node runs a timer with a
 * longer delay, `Infinity` included, after 1 ms; clamp or check every delay against this.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** Resolves after `ms` (at most {@link MAX_TIMER_MS}), or at once when `signal` aborts. Never rejects. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  ms = Math.min(ms, MAX_TIMER_MS);
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Settles as `promise` does, or rejects with `timeoutError()` once `ms` pass first. The work
 * behind `promise` is not cancelled; its late outcome is ignored.
 */
export function withDeadline<T>(
  promise: PromiseLike<T>,
  ms: number,
  timeoutError: () => Error,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(timeoutError()), Math.min(ms, MAX_TIMER_MS));
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Lets pending timers and I/O callbacks run before going on. */
export function yieldToMacrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
