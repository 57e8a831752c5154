/**
 * The trading system: the five organs on one Spine, and the summary that accounts for every
 * order, lot and trade. Every mode of main.ts builds one of these.
 */
import {
  type Backend,
  createLogger,
  type Event,
  InMemoryBackend,
  type Logger,
  Spine,
  type SpineStats,
} from "necrostack";
import { ClearingHouse, type ClearingHouseOptions } from "./clearing-house.js";
import { AuditTrail } from "./organs/audit-trail.js";
import { MatchingEngine } from "./organs/matching-engine.js";
import { RiskManager } from "./organs/risk-manager.js";
import { Settlement } from "./organs/settlement.js";
import { ValidateOrder } from "./organs/validate-order.js";

/** Options for {@link createTradingSystem}. */
export interface TradingSystemOptions {
  /** @defaultValue a new InMemoryBackend */
  backend?: Backend;
  /**
   * Simulate the clearing house's latency, lost answers and retry backoff. Off, it answers at
   * once and never hangs; outages and declines still happen.
   * @defaultValue true
   */
  latency?: boolean;
  /** Seed of the clearing house's draws. @defaultValue 1 */
  seed?: number;
  /** Overrides for the clearing house. */
  clearingHouse?: ClearingHouseOptions;
  /** Lots per trader per symbol before RISK_ALERT. @defaultValue 5_000 */
  positionLimit?: number;
  /**
   * How long one settlement may take before it is dead-lettered. Well above the clearing
   * house's latency plus its retry backoff (at most about 75 ms), so only a lost answer reaches it.
   * @defaultValue 500
   */
  settlementTimeoutMs?: number;
  /**
   * Events in flight at once. Settlement is the only async organ, so this is how many trades
   * settle concurrently; orders still reach the book one at a time, in order (see the README).
   * A simulated settlement mostly waits, so many may be in flight (Little's law: 1,000 in flight
   * at about 11 ms each is up to 90,000 trades/s).
   * @defaultValue 1_000
   */
  concurrency?: number;
  /** Logs go here; `false` for none. @defaultValue warnings and errors on stderr */
  logger?: Logger | false;
  /** Set on an at-least-once backend: the organs then recognise redelivered events. */
  atLeastOnce?: boolean;
  /** Called with every event the audit trail records. */
  onEvent?: (event: Event) => void;
}

/** Everything a run did, accounted for. */
export interface TradingSummary {
  readonly orders: {
    readonly submitted: number;
    readonly rejected: number;
    readonly filled: number;
    readonly partiallyFilled: number;
    readonly queued: number;
    /** Market orders that found nothing to trade with. */
    readonly unfilledMarket: number;
    /** Submitted orders with no outcome yet, and orders with more than one: both must be 0. */
    readonly unaccounted: number;
    readonly repeated: number;
  };
  readonly cancels: { readonly cancelled: number; readonly rejected: number };
  readonly lots: {
    readonly accepted: number;
    readonly traded: number;
    readonly resting: number;
    readonly cancelled: number;
    /** accepted = 2 x traded + resting + cancelled: each traded lot fills a buy and a sell. */
    readonly balanced: boolean;
  };
  readonly trades: {
    readonly executed: number;
    readonly settled: number;
    readonly settlementFailed: number;
    readonly deadLettered: number;
    /** Trades with none of those three ends: must be 0 once the run is over. */
    readonly unresolved: number;
  };
  readonly clearingHouse: {
    readonly calls: number;
    readonly retries: number;
    readonly outages: number;
    readonly timeouts: number;
  };
  readonly riskAlerts: number;
  readonly events: { readonly processed: number; readonly emitted: number };
}

export interface TradingSystem {
  readonly spine: Spine;
  readonly backend: Backend;
  readonly audit: AuditTrail;
  readonly matching: MatchingEngine;
  readonly settlement: Settlement;
  readonly risk: RiskManager;
  readonly clearingHouse: ClearingHouse;
  /**
   * Trades the clearing house could not settle. In memory: the Spine's failed-event store. Pass
   * the count from the backend's dead-letter stream for a durable backend.
   */
  deadLetteredTrades(): number;
  /**
   * The accounts so far. `events` is what the Spine counted (a run's stats, or totals over
   * several runs).
   */
  summary(
    events: Pick<SpineStats, "eventsProcessed" | "eventsEmitted">,
    deadLettered?: number,
  ): TradingSummary;
}

export function createTradingSystem(options: TradingSystemOptions = {}): TradingSystem {
  const latency = options.latency ?? true;
  const backend = options.backend ?? new InMemoryBackend();
  const clearingHouse = new ClearingHouse({
    seed: options.seed ?? 1,
    ...options.clearingHouse,
    ...(latency ? {} : { latencyMs: [0, 0] as const, hangRate: 0 }),
  });
  const atLeastOnce = options.atLeastOnce ?? false;
  const audit = new AuditTrail({
    distinct: atLeastOnce,
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
  });
  const matching = new MatchingEngine({ replayWindow: atLeastOnce ? 10_000 : 0 });
  const settlement = new Settlement(clearingHouse, { retryBaseDelayMs: latency ? 5 : 0 });
  const risk = new RiskManager(options.positionLimit ?? 5_000, atLeastOnce);
  const spine = new Spine({
    // The audit trail is first, so it records each event before any organ acts on it.
    organs: [audit, new ValidateOrder(), matching, settlement, risk],
    backend,
    maxSteps: Number.POSITIVE_INFINITY,
    // In memory a failed settlement is kept in the failed-event store; a durable backend
    // redelivers it and moves it to its dead-letter stream after its retry limit.
    handlerFailureMode: atLeastOnce ? "nack" : "store",
    handlerTimeoutMs: options.settlementTimeoutMs ?? 500,
    concurrency: options.concurrency ?? 1_000,
    logger: options.logger ?? defaultLogger(),
  });

  const deadLetteredTrades = (): number =>
    spine.failedEvents().filter((f) => f.event.eventType === "TRADE_EXECUTED").length;

  return {
    spine,
    backend,
    audit,
    matching,
    settlement,
    risk,
    clearingHouse,
    deadLetteredTrades,
    summary(events, deadLettered = deadLetteredTrades()) {
      const n = (type: Parameters<AuditTrail["count"]>[0]): number => audit.count(type);
      const submitted = n("ORDER_SUBMITTED");
      const rejected = n("ORDER_REJECTED");
      const filled = n("ORDER_FILLED");
      const partiallyFilled = n("ORDER_PARTIAL_FILL");
      const queued = n("ORDER_QUEUED");
      const cancelledTotal = n("ORDER_CANCELLED");
      const cancelled = audit.cancelsRequested;
      const unfilledMarket = cancelledTotal - cancelled;
      const outcomes = rejected + filled + partiallyFilled + queued + unfilledMarket;
      const resting = matching.exchange.restingQuantity();
      const executed = n("TRADE_EXECUTED");
      const settled = n("SETTLEMENT_COMPLETE");
      const settlementFailed = n("SETTLEMENT_FAILED");
      return {
        orders: {
          submitted,
          rejected,
          filled,
          partiallyFilled,
          queued,
          unfilledMarket,
          unaccounted: submitted - (outcomes - audit.repeatedOutcomes),
          repeated: audit.repeatedOutcomes,
        },
        cancels: { cancelled, rejected: n("CANCEL_REJECTED") },
        lots: {
          accepted: audit.acceptedLots,
          traded: audit.tradedLots,
          resting,
          cancelled: audit.cancelledLots,
          balanced: audit.acceptedLots === 2 * audit.tradedLots + resting + audit.cancelledLots,
        },
        trades: {
          executed,
          settled,
          settlementFailed,
          deadLettered,
          unresolved: executed - settled - settlementFailed - deadLettered,
        },
        clearingHouse: {
          calls: clearingHouse.counts.calls,
          retries: settlement.retries,
          outages: clearingHouse.counts.outages,
          // A call that never answers is a call the Spine's handler timeout gave up on.
          timeouts: clearingHouse.counts.hangs,
        },
        riskAlerts: n("RISK_ALERT"),
        events: { processed: events.eventsProcessed, emitted: events.eventsEmitted },
      };
    },
  };
}

/** Warnings and errors on stderr, unless NECROSTACK_LOG_LEVEL asks for another level. */
function defaultLogger(): Logger {
  return createLogger(process.env.NECROSTACK_LOG_LEVEL ? {} : { level: "warn" });
}
