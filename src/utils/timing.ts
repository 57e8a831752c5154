/** Small timing helpers shared by the Spine and the backends. */
import { setImmediate } from "node:timers";

/** Resolves after `ms`, or at once when `signal` aborts. Never rejects. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
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

/** Lets pending timers and I/O callbacks run before going on. */
export function yieldToMacrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
