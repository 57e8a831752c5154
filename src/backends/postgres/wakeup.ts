/** Where pulls sleep until something may have changed: a notification, an enqueue, a settle, a close. */
export class Wakeup {
  #waiters = new Set<() => void>();
  /** Bumped on every wake, so a pull can tell a wake-up came while it was busy. */
  #version = 0;

  get version(): number {
    return this.#version;
  }

  /** Wakes every sleeper. */
  wake(): void {
    this.#version++;
    const waiters = this.#waiters;
    this.#waiters = new Set();
    for (const resolve of waiters) resolve();
  }

  /** Resolves on the next wake, after `ms`, or when `signal` aborts, whichever comes first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
      this.#waiters.add(done);
    });
  }
}
