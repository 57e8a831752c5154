/**
 * What `dedupe` decides for each event the Spine pulls: handle it, skip it (an event with its id
 * was committed), or hold it until the copy with its id now in flight is settled.
 *
 * An id is remembered only once its event was committed (acked, or acked with its emitted events
 * in one commit). An event left unacked (a handler failure under "nack", a failed commit or ack,
 * a run that stopped) is delivered again by a durable backend, and that delivery must be handled,
 * not skipped.
 */
import { DedupeStore, type ResolvedDedupeOptions } from "./dedupe-store.js";

/** `admit` said: handle the event; call `settle` for it once its fate is known. */
export const HANDLE = 0;
/** `admit` said: an event with this id was committed; ack this one and skip it. */
export const SKIP = 1;

/**
 * `HANDLE`, `SKIP`, or a promise that resolves once the copy in flight is settled, when the
 * event must be admitted again.
 */
export type Admission = typeof HANDLE | typeof SKIP | Promise<void>;

export class Dedupe {
  readonly #store: DedupeStore;
  /**
   * Ids in flight, each with the wake-ups of copies that wait for it. A copy waits rather than
   * runs beside the first: two copies at once come from a producer that retried an enqueue, and
   * handling both would make the duplicate dedupe exists to prevent. Waiting for the first, not
   * skipping at once, is what keeps the copy if the first is not committed.
   */
  readonly #inFlight = new Map<string, (() => void)[] | undefined>();

  constructor(options: ResolvedDedupeOptions) {
    this.#store = new DedupeStore(options);
  }

  /** How many committed ids are remembered. */
  get size(): number {
    return this.#store.size;
  }

  admit(id: string): Admission {
    if (this.#store.has(id, performance.now())) return SKIP;
    const inFlight = this.#inFlight;
    if (!inFlight.has(id)) {
      inFlight.set(id, undefined);
      return HANDLE;
    }
    return new Promise((resolve) => {
      const waiting = inFlight.get(id);
      if (waiting === undefined) inFlight.set(id, [resolve]);
      else waiting.push(resolve);
    });
  }

  /** The event admitted with `id` was committed (remember it) or left unacked (do not). */
  settle(id: string, committed: boolean): void {
    if (committed) this.#store.add(id, performance.now());
    const waiting = this.#inFlight.get(id);
    this.#inFlight.delete(id);
    if (waiting !== undefined) for (const wake of waiting) wake();
  }
}
