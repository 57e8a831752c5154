/**
 * AuditTrail: sees every event of the exchange, first in line, and keeps the books that prove
 * nothing was lost: every submitted order has exactly one outcome, and every lot accepted is
 * traded, resting or cancelled. It emits nothing.
 *
 * It is the first organ for every type, so it records each event as it is pulled, before any
 * other organ acts on it, in the order the backend delivered them.
 */
import { type Event, Organ } from "necrostack";
import { EVENT_TYPES, type OrderOutcomePayload, type TradingEventType } from "../events.js";

/** The events that settle what became of an order on arrival: exactly one per order. */
const ARRIVAL_OUTCOMES: ReadonlySet<string> = new Set([
  "ORDER_REJECTED",
  "ORDER_FILLED",
  "ORDER_PARTIAL_FILL",
  "ORDER_QUEUED",
]);

/** Options for {@link AuditTrail}. */
export interface AuditTrailOptions {
  /**
   * Count an event id only once. Needed on an at-least-once backend, where an event whose commit
   * failed is delivered again; pointless in memory, where it only costs an id per event.
   * @defaultValue false
   */
  distinct?: boolean;
  /** Called with every recorded event (the demo prints a ticker with it). */
  onEvent?: (event: Event) => void;
}

export class AuditTrail extends Organ {
  readonly listensTo: readonly TradingEventType[] = EVENT_TYPES;
  /** Events seen, per type. */
  readonly counts = new Map<string, number>();
  /** Lots of validated orders. */
  acceptedLots = 0;
  /** Lots traded, counted once per trade (each fills that many lots of a buy and of a sell). */
  tradedLots = 0;
  /** Lots dropped: market remainders and cancelled resting orders. */
  cancelledLots = 0;
  /** Resting orders their traders cancelled. */
  cancelsRequested = 0;
  /** Orders that got a second arrival outcome: must stay 0. */
  repeatedOutcomes = 0;
  readonly #outcomes = new Set<string>();
  readonly #seen: Set<string> | undefined;
  readonly #onEvent: ((event: Event) => void) | undefined;

  constructor(options: AuditTrailOptions = {}) {
    super();
    this.#seen = options.distinct === true ? new Set() : undefined;
    this.#onEvent = options.onEvent;
  }

  handle(event: Event): undefined {
    if (this.#seen !== undefined) {
      if (this.#seen.has(event.id)) return undefined;
      this.#seen.add(event.id);
    }
    const type = event.eventType;
    this.counts.set(type, (this.counts.get(type) ?? 0) + 1);
    const p = event.payload;
    switch (type) {
      case "ORDER_VALIDATED":
        this.acceptedLots += p.quantity as number;
        break;
      case "TRADE_EXECUTED":
        this.tradedLots += p.quantity as number;
        break;
      case "ORDER_FILLED":
      case "ORDER_PARTIAL_FILL":
      case "ORDER_QUEUED":
      case "ORDER_CANCELLED":
        this.cancelledLots += (p as OrderOutcomePayload).cancelled;
        if (type === "ORDER_CANCELLED" && p.reason === "REQUESTED") this.cancelsRequested++;
        break;
    }
    if (ARRIVAL_OUTCOMES.has(type) || (type === "ORDER_CANCELLED" && p.reason === "NO_LIQUIDITY")) {
      const orderId = p.orderId as string;
      if (this.#outcomes.has(orderId)) this.repeatedOutcomes++;
      else this.#outcomes.add(orderId);
    }
    this.#onEvent?.(event);
    return undefined;
  }

  /** How many events of `type` were seen. */
  count(type: TradingEventType): number {
    return this.counts.get(type) ?? 0;
  }
}
