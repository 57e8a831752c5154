/**
 * A simulated clearing house: the slow, unreliable outside service that Settlement calls. It
 * answers after a latency, is sometimes briefly unavailable (a transient error worth retrying),
 * sometimes never answers at all (only a timeout notices), and declines trades of restricted
 * accounts (a permanent answer, not worth retrying).
 *
 * Every draw is a hash of the trade id, the attempt and the seed, not a shared random stream, so
 * a trade meets the same fate whatever order trades arrive in: runs are repeatable, even with
 * settlements in flight concurrently.
 */
import { NecroStackError } from "necrostack";
import type { TradePayload } from "./events.js";

/** The clearing house could not be reached this time; trying again may work. */
export class ClearingHouseUnavailableError extends NecroStackError {
  readonly tradeId: string;
  readonly attempt: number;

  constructor(tradeId: string, attempt: number) {
    super(
      `Clearing house unavailable for trade ${tradeId} (attempt ${attempt}); retry later`,
      "ERR_CLEARING_UNAVAILABLE",
    );
    this.tradeId = tradeId;
    this.attempt = attempt;
  }
}

/** The clearing house's answer. */
export type SettlementReply =
  | { readonly status: "SETTLED"; readonly feeTicks: number }
  | { readonly status: "DECLINED"; readonly accountId: string; readonly reason: string };

/** Options for {@link ClearingHouse}. */
export interface ClearingHouseOptions {
  /** Answer latency in ms, drawn uniformly from this range per call. `[0, 0]` answers at once. @defaultValue `[2, 20]` */
  latencyMs?: readonly [number, number];
  /** Share of calls that fail with ClearingHouseUnavailableError. @defaultValue 0.02 */
  outageRate?: number;
  /** Share of calls that never answer. @defaultValue 0.005 */
  hangRate?: number;
  /** Accounts whose trades are declined. @defaultValue `["restricted_fund", "restricted_desk"]` */
  restrictedAccounts?: Iterable<string>;
  /** Changes every draw; the same seed gives the same run. @defaultValue 1 */
  seed?: number;
  /**
   * How many recent settlements are remembered by trade id, to answer a repeated request the
   * same way (idempotency keys expire, as a real clearing house's do). @defaultValue 10_000
   */
  idempotencyWindow?: number;
}

/** What the clearing house saw. */
export interface ClearingHouseCounts {
  calls: number;
  outages: number;
  hangs: number;
  declined: number;
  settled: number;
}

export class ClearingHouse {
  readonly counts: ClearingHouseCounts = {
    calls: 0,
    outages: 0,
    hangs: 0,
    declined: 0,
    settled: 0,
  };
  readonly #latency: readonly [number, number];
  readonly #outageRate: number;
  readonly #hangRate: number;
  readonly #restricted: ReadonlySet<string>;
  readonly #seed: number;
  /** Replies to recently settled trades: settling one again returns the same answer. */
  readonly #settled = new Map<string, SettlementReply>();
  /**
   * The remembered trade ids in a ring, to forget the oldest in O(1). (Deleting a Map's first key
   * over and over is not O(1) in V8: its iterator walks past every deleted slot.)
   */
  readonly #recent: (string | undefined)[];
  #next = 0;

  constructor(options: ClearingHouseOptions = {}) {
    const [min, max] = options.latencyMs ?? [2, 20];
    if (!(min >= 0 && max >= min)) {
      throw new RangeError(
        `Expected \`latencyMs\` to be [min, max] with 0 <= min <= max, got [${min}, ${max}]`,
      );
    }
    this.#latency = [min, max];
    this.#outageRate = rate("outageRate", options.outageRate ?? 0.02);
    this.#hangRate = rate("hangRate", options.hangRate ?? 0.005);
    this.#restricted = new Set(
      options.restrictedAccounts ?? ["restricted_fund", "restricted_desk"],
    );
    this.#seed = options.seed ?? 1;
    const window = options.idempotencyWindow ?? 10_000;
    if (!Number.isSafeInteger(window) || window < 0) {
      throw new RangeError(
        `Expected \`idempotencyWindow\` to be a non-negative integer, got ${window}`,
      );
    }
    this.#recent = new Array(window);
  }

  /**
   * Settles one trade. Answers synchronously when there is no latency to simulate (and throws
   * synchronously on an outage), else with a promise. Idempotent by trade id, as real clearing
   * houses are: a trade settled recently (see `idempotencyWindow`) gets its first answer again,
   * so a retried or redelivered settlement never settles twice.
   */
  settle(
    trade: Readonly<TradePayload>,
    attempt: number,
  ): SettlementReply | Promise<SettlementReply> {
    this.counts.calls++;
    const earlier = this.#settled.get(trade.tradeId);
    if (earlier !== undefined) return earlier;
    const key = `${trade.tradeId}#${attempt}`;
    if (this.#hangRate > 0 && draw(key, this.#seed, 1) < this.#hangRate) {
      this.counts.hangs++;
      // A lost answer: the promise never settles and holds no timer, so it keeps nothing alive.
      return new Promise<never>(() => {});
    }
    const [min, max] = this.#latency;
    if (max === 0) return this.#answer(trade, attempt, key);
    const latency = min + (max - min) * draw(key, this.#seed, 2);
    return new Promise((resolve) => setTimeout(resolve, latency)).then(() =>
      this.#answer(trade, attempt, key),
    );
  }

  #answer(trade: Readonly<TradePayload>, attempt: number, key: string): SettlementReply {
    if (draw(key, this.#seed, 3) < this.#outageRate) {
      this.counts.outages++;
      throw new ClearingHouseUnavailableError(trade.tradeId, attempt);
    }
    const reply = this.#decide(trade);
    if (this.#recent.length > 0) {
      const oldest = this.#recent[this.#next];
      if (oldest !== undefined) this.#settled.delete(oldest);
      this.#recent[this.#next] = trade.tradeId;
      this.#next = (this.#next + 1) % this.#recent.length;
      this.#settled.set(trade.tradeId, reply);
    }
    return reply;
  }

  #decide(trade: Readonly<TradePayload>): SettlementReply {
    for (const accountId of [trade.buyerId, trade.sellerId]) {
      if (this.#restricted.has(accountId)) {
        this.counts.declined++;
        return { status: "DECLINED", accountId, reason: `account ${accountId} is restricted` };
      }
    }
    this.counts.settled++;
    // 1 basis point of the notional, rounded up to a whole tick.
    return { status: "SETTLED", feeTicks: Math.ceil((trade.priceTicks * trade.quantity) / 10_000) };
  }
}

function rate(name: string, value: number): number {
  if (!(value >= 0 && value <= 1)) {
    throw new RangeError(`Expected \`${name}\` to be between 0 and 1, got ${value}`);
  }
  return value;
}

/** A uniform number in [0, 1) from a string, a seed and a stream number: FNV-1a, then a mix. */
export function draw(key: string, seed: number, stream: number): number {
  let h = (2166136261 ^ seed ^ (stream * 0x9e3779b9)) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}
