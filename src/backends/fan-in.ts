/**
 * Pulling from several backends as if from one, fairly, remembering which backend each event
 * came from (so its ack, commit or release goes back there). `RoutingBackend` and
 * `FailoverBackend` consume through it.
 *
 * Fairness: `take` starts where the last event came from plus one, so backends with fetched
 * batches are served in turn; a blocking `pull` waits on every backend at once and takes the
 * first event that comes, then aborts the others. An event a backend hands out after that abort
 * (it was already on its way) is parked here and handed out first by the next `take` or `pull`:
 * at most one per backend per pull, and `close` gives them back to their backend.
 *
 * A backend that reads ahead (Redis) keeps a batch at hand while its last pull's signal is live,
 * so `take` alone could serve it for ever while the others, with nothing fetched, are never
 * pulled. After {@link FAIR_RUN} events in a row from one backend, the others are pulled in the
 * background (one such probe at a time), while `take` goes on handing out what is at hand: an
 * event the probe brings is parked and handed out next. Nobody waits for the probe. A short
 * pull can take far longer than asked: Redis answers a blocking read on an empty stream on its
 * own timer (every 100 ms at its default `hz`), and a worker waiting for that would idle.
 */
import type { Backend } from "../core/backend.js";
import type { Event } from "../core/event.js";

/** When a blocking pull that found no event rejects: any backend's pull failed, or all did. */
export type PullFailure = "any" | "all";

/** Events in a row from one backend before the others get a pull of their own. */
export const FAIR_RUN = 64;
/** How long that pull of the others may wait for an event. */
const PROBE_MS = 5;

export class FanIn {
  readonly #backends: readonly Backend[];
  /** Each backend's `take`, bound, or undefined where it has none. */
  readonly #takes: readonly ((() => Event | undefined) | undefined)[];
  readonly #failWhen: PullFailure;
  readonly #origins = new WeakMap<Event, Backend>();
  /** Events handed out by a pull that had already lost the race. */
  readonly #parked: Event[] = [];
  /** The backend a `take` tries first. */
  #next = 0;
  /** The backend the current run of events came from, and its length. */
  #runFrom = -1;
  #run = 0;
  /** The pull of the backends other than `#runFrom` under way, if any. */
  #probe: Promise<void> | undefined;
  /** The signal of the latest `pull`: a probe ends on it too. */
  #pullSignal: AbortSignal | undefined;
  readonly #closing = new AbortController();
  /** Inner pulls under way, so `close` can wait for them. */
  readonly #pulls = new Set<Promise<void>>();

  constructor(backends: readonly Backend[], failWhen: PullFailure) {
    this.#backends = backends;
    this.#takes = backends.map((backend) => backend.take?.bind(backend));
    this.#failWhen = failWhen;
  }

  /** The backend `event` was pulled from, or undefined for an event none of them handed out. */
  originOf(event: Event): Backend | undefined {
    if (this.#backends.length === 1) return this.#backends[0];
    return this.#origins.get(event);
  }

  /** An event a backend has at hand, trying each in turn from the one after the last served. */
  take(): Event | undefined {
    if (this.#parked.length > 0) return this.#parked.shift();
    const takes = this.#takes;
    const n = takes.length;
    for (let k = 0; k < n; k++) {
      const i = (this.#next + k) % n;
      const event = takes[i]?.();
      if (event === undefined) continue;
      this.#next = i + 1 === n ? 0 : i + 1;
      if (n > 1) {
        this.#origins.set(event, this.#backends[i] as Backend);
        this.#served(i);
      }
      return event;
    }
    return undefined;
  }

  /** Counts the run of events from one backend; a long one lets the others be pulled next. */
  #served(i: number): void {
    if (i === this.#runFrom) this.#run++;
    else {
      this.#runFrom = i;
      this.#run = 1;
    }
    if (this.#run >= FAIR_RUN) {
      this.#run = 0;
      this.#probeOthers();
    }
  }

  /** Pulls the backends other than the one of the current run, in the background. */
  #probeOthers(): void {
    if (this.#probe !== undefined || this.#closing.signal.aborted) return;
    const others = this.#backends.map((_, i) => i).filter((i) => i !== this.#runFrom);
    const signal = this.#pullSignal;
    // Whatever it brings is parked for the next take; a failure is reported by the next pull,
    // which asks every backend again.
    const probe: Promise<void> = this.#race(others, PROBE_MS, signal)
      .then(
        (event) => {
          if (event !== null) this.#parked.push(event);
        },
        () => {},
      )
      .finally(() => {
        this.#pulls.delete(probe);
        this.#probe = undefined;
      });
    this.#probe = probe;
    this.#pulls.add(probe);
  }

  /**
   * The first event any backend hands out within `timeoutMs`, or null on timeout, abort or
   * close. Every inner pull ends when this one does. Rejects with the first backend failure when
   * no event came and the failures reached {@link PullFailure}.
   */
  pull(timeoutMs: number, signal: AbortSignal | undefined): Promise<Event | null> {
    this.#pullSignal = signal;
    const ready = this.take();
    if (ready !== undefined) return Promise.resolve(ready);
    if (signal?.aborted === true || this.#closing.signal.aborted) return Promise.resolve(null);
    if (this.#backends.length === 1) {
      return (this.#backends[0] as Backend).pull(timeoutMs, signal);
    }
    return this.#race(
      this.#backends.map((_, i) => i),
      timeoutMs,
      signal,
    );
  }

  /** The first event the backends at `indices` hand out within `timeoutMs`; see {@link pull}. */
  #race(
    indices: readonly number[],
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Event | null> {
    return new Promise((resolve, reject) => {
      const backends = this.#backends;
      const n = backends.length;
      const picked = new Set(indices);
      // One abort per inner pull, so the winner's stays live: a backend reading ahead while its
      // latest pull's signal is live (Redis) goes on doing so. Each also ends on the caller's
      // abort and on close.
      const stops = backends.map(() => new AbortController());
      const ends = signal === undefined ? [this.#closing.signal] : [signal, this.#closing.signal];
      let open = picked.size;
      let won = false;
      let failures = 0;
      let firstError: unknown;
      const settled = (): void => {
        if (--open > 0 || won) return;
        if (failures > 0 && (this.#failWhen === "any" || failures === picked.size)) {
          reject(firstError);
        } else resolve(null);
      };
      if (open === 0) {
        resolve(null);
        return;
      }
      for (let k = 0; k < n; k++) {
        const i = (this.#next + k) % n;
        if (!picked.has(i)) continue;
        const backend = backends[i] as Backend;
        const stop = AbortSignal.any([...ends, (stops[i] as AbortController).signal]);
        const pulling = backend.pull(timeoutMs, stop).then(
          (event) => {
            if (event !== null) {
              this.#origins.set(event, backend);
              if (won) this.#parked.push(event);
              else {
                won = true;
                this.#next = i + 1 === n ? 0 : i + 1;
                this.#served(i);
                for (let j = 0; j < n; j++) if (j !== i) stops[j]?.abort();
                resolve(event);
              }
            }
            settled();
          },
          (error: unknown) => {
            failures++;
            firstError ??= error;
            settled();
          },
        );
        this.#pulls.add(pulling);
        void pulling.then(() => this.#pulls.delete(pulling));
      }
    });
  }

  /**
   * The atomic commit of the backend `event` came from, with every emitted event. For an event
   * none of them handed out (or one without `commit`), each emitted event goes through `enqueue`
   * and then the event is acked where it came from, if anywhere.
   */
  commit(
    event: Event,
    emitted: readonly Event[],
    enqueue: (event: Event) => Promise<void>,
  ): Promise<void> {
    const origin = this.originOf(event);
    // The origin's own promise, not one more async step around it: this is on every event's path.
    if (origin?.commit !== undefined) return origin.commit(event, emitted);
    return enqueueThenAck(origin, event, emitted, enqueue);
  }

  /** Acks `event` on the backend it came from; nothing for one none of them handed out. */
  ack(event: Event): Promise<void> {
    const origin = this.originOf(event);
    return origin === undefined ? DONE : origin.ack(event);
  }

  /**
   * Ends every pull under way (they resolve null) and gives the parked events back to their
   * backends, delivered again as if never pulled. Call before closing the backends.
   */
  async close(): Promise<void> {
    this.#closing.abort();
    await Promise.all([...this.#pulls]);
    for (const event of this.#parked.splice(0)) this.handBack(event);
  }

  /**
   * Gives `event` back to the backend it came from, to be delivered again as if never pulled:
   * its `handBack`, else its `release` (whose failure leaves the event to its redelivery).
   */
  handBack(event: Event): void {
    const origin = this.originOf(event);
    if (origin?.handBack !== undefined) origin.handBack(event);
    else origin?.release?.(event, { reason: "Not handled: handed back" }).catch(() => {});
  }
}

const DONE: Promise<void> = Promise.resolve();

async function enqueueThenAck(
  origin: Backend | undefined,
  event: Event,
  emitted: readonly Event[],
  enqueue: (event: Event) => Promise<void>,
): Promise<void> {
  for (const next of emitted) await enqueue(next);
  await origin?.ack(event);
}
