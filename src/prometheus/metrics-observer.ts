/**
 * The observer that counts: every hook is a few additions on plain numbers (no label hashing,
 * no allocation for an event that succeeds), read by the registry only when it is scraped.
 *
 * An organ's `outcome` is the fate of the event it handled, which the Spine reports once per
 * event (committed, released, dead-lettered), after every organ listening to its type ran:
 * - ack: the event was committed and this organ succeeded;
 * - error: the event was committed although this organ failed (handlerFailureMode log/store);
 * - retry: the event was released to be delivered again (whatever this organ did: it runs again);
 * - dead_letter: the event was given up (by the Spine, or by the backend on its last delivery).
 */
import type { Backend } from "../core/backend.js";
import type { Event } from "../core/event.js";
import type { OrganInfo } from "../core/handler.js";
import type { SpineObserver } from "../core/observer.js";
import type { ResolvedMetricsOptions } from "./options.js";
import { REASON_KINDS, type ReasonKind, reasonKindOf } from "./reason-kind.js";
import { ACK, DEAD_LETTER, ERROR, RETRY, SeriesTable } from "./series.js";

/** What the counters need to remember of an event past its handlers: rare, so kept aside. */
interface Mark {
  /** Names of the organs that failed on it. */
  readonly failed: string[];
  /** Loop protection stopped it: no organ ran. */
  loop: boolean;
  /** Its fate was counted (a dead letter with no dead-letter store is then also committed). */
  settled: boolean;
}

export class MetricsObserver implements SpineObserver {
  readonly table = new SeriesTable();
  redelivered = 0;
  loopsStopped = 0;
  /** Events received and not yet committed, released or dead-lettered. */
  inFlight = 0;
  readonly deadLetters = new Map<ReasonKind, number>(REASON_KINDS.map((k) => [k, 0]));
  readonly #attempt: ((event: Event) => number) | undefined;
  readonly #maxDeliveries: number;
  readonly #marks = new WeakMap<Event, Mark>();
  /** Whether any event was ever marked: until then no fate looks for a mark. */
  #marked = false;

  constructor(options: ResolvedMetricsOptions) {
    const backend: Backend | undefined = options.backend;
    const attempt = backend?.deliveryAttempt;
    this.#attempt = attempt === undefined ? undefined : (event) => attempt.call(backend, event);
    this.#maxDeliveries = options.maxDeliveries;
    this.table.routeOrgans(options.organs);
  }

  received(event: Event): void {
    this.inFlight++;
    // A backend may deliver the same Event object again: its earlier fate is not this one's.
    if (this.#marked) this.#marks.delete(event);
    const age = (Date.now() - event.timestampMs) / 1000;
    this.table.typeOf(event.eventType).age.observe(age > 0 ? age : 0);
    if (this.#attempt !== undefined && this.#attempt(event) > 1) this.redelivered++;
  }

  handled(event: Event, organ: OrganInfo, durationMs: number): void {
    this.table.organSeries(organ, event.eventType).duration.observe(durationMs / 1000);
  }

  handlerError(event: Event, organ: OrganInfo): void {
    this.#mark(event).failed.push(organ.name);
  }

  loopStopped(event: Event): void {
    this.loopsStopped++;
    this.#mark(event).loop = true;
  }

  enqueued(event: Event): void {
    this.table.typeOf(event.eventType).published++;
  }

  committed(event: Event, emitted: readonly Event[]): void {
    const mark = this.#settle(event);
    if (mark === null) return;
    const table = this.table;
    for (let i = 0; i < emitted.length; i++) {
      table.typeOf((emitted[i] as Event).eventType).published++;
    }
    const type = table.routed(event.eventType);
    if (type === undefined || mark?.loop === true) return;
    const organs = type.organs;
    for (let i = 0; i < organs.length; i++) {
      const series = organs[i] as (typeof organs)[number];
      const outcome = mark?.failed.includes(series.organ) === true ? ERROR : ACK;
      series.outcomes[outcome] = (series.outcomes[outcome] as number) + 1;
    }
  }

  released(event: Event): void {
    const mark = this.#settle(event);
    if (mark === null) return;
    // On its last delivery the backend dead-letters a released event instead of delivering it.
    const last = this.#attempt !== undefined && this.#attempt(event) >= this.#maxDeliveries;
    if (last) this.#deadLetter("retries_exhausted");
    this.#count(event, mark, last ? DEAD_LETTER : RETRY);
  }

  deadLettered(event: Event, reason: string): void {
    const mark = this.#mark(event);
    if (mark.settled) return;
    mark.settled = true;
    this.inFlight--;
    this.#deadLetter(reasonKindOf(reason));
    this.#count(event, mark, DEAD_LETTER);
  }

  runEnded(): void {
    // Events taken but not handled when a run stops are handed back to the backend.
    this.inFlight = 0;
  }

  #count(event: Event, mark: Mark | undefined, outcome: number): void {
    const type = this.table.routed(event.eventType);
    if (type === undefined || mark?.loop === true) return;
    for (const series of type.organs) {
      series.outcomes[outcome] = (series.outcomes[outcome] as number) + 1;
    }
  }

  #deadLetter(kind: ReasonKind): void {
    this.deadLetters.set(kind, (this.deadLetters.get(kind) ?? 0) + 1);
  }

  #mark(event: Event): Mark {
    let mark = this.#marks.get(event);
    if (mark === undefined) {
      mark = { failed: [], loop: false, settled: false };
      this.#marks.set(event, mark);
      this.#marked = true;
    }
    return mark;
  }

  /** Counts `event` out of flight once: its mark if it has one, null if its fate was counted. */
  #settle(event: Event): Mark | undefined | null {
    const mark = this.#marked ? this.#marks.get(event) : undefined;
    if (mark !== undefined) {
      if (mark.settled) return null;
      mark.settled = true;
    }
    this.inFlight--;
    return mark;
  }
}
