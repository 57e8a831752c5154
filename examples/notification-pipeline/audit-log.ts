/**
 * The audit log: one line per channel outcome and per invalid request, and the bookkeeping that
 * says when a notification's last channel has settled. The Audit organ writes to it; the summary
 * is read from it. Two implementations: in process memory here, and in Redis
 * (`redis-audit-log.ts`) for worker processes that share one stream.
 */
import { CHANNELS, type Channel } from "./events.js";

/** One audit line. */
export interface AuditLine {
  readonly notificationId: string;
  readonly userId: string | null;
  /** The channel, or null for a request that failed validation. */
  readonly channel: Channel | null;
  readonly outcome: "delivered" | "failed" | "invalid";
  readonly attempts: number;
  readonly reason?: string;
  readonly deadLettered?: boolean;
}

/** A notification whose every channel has settled. */
export interface Completion {
  readonly notificationId: string;
  readonly delivered: Channel[];
  readonly failed: Channel[];
}

/** Counts over everything the log holds. */
export interface AuditTotals {
  /** Requests that failed validation (NOTIFICATION_FAILED). */
  invalid: number;
  /** Notifications whose every channel settled (DELIVERY_COMPLETED). */
  completed: number;
  delivered: Record<Channel, number>;
  /** Channels that failed for good (email out of retries, SMS dead-lettered). */
  undelivered: Record<Channel, number>;
  /** Channel failures that went through the dead-letter store. */
  deadLettered: number;
  /** Sends beyond the first, over all channels. */
  retries: number;
}

/** Where the Audit organ writes. */
export interface AuditLog {
  /**
   * Records `line`, one of the outcomes of a notification that asked for `channels`. Recording
   * the same (notification, channel) twice keeps the first: a redelivered event changes nothing.
   * Returns the completion when this line settles the last open channel; exactly one call per
   * notification gets it (a redelivery of that call may get it again).
   */
  record(
    line: AuditLine,
    channels: readonly Channel[],
  ): Completion | null | Promise<Completion | null>;
  totals(): Promise<AuditTotals>;
}

export function emptyTotals(): AuditTotals {
  return {
    invalid: 0,
    completed: 0,
    delivered: { email: 0, sms: 0, push: 0 },
    undelivered: { email: 0, sms: 0, push: 0 },
    deadLettered: 0,
    retries: 0,
  };
}

/** Adds one recorded line to `totals`. */
export function countLine(totals: AuditTotals, line: AuditLine): void {
  if (line.channel === null) {
    totals.invalid++;
    return;
  }
  if (line.outcome === "delivered") totals.delivered[line.channel]++;
  else totals.undelivered[line.channel]++;
  if (line.deadLettered === true) totals.deadLettered++;
  totals.retries += line.attempts - 1;
}

/** The completion for `outcomes` once it covers every channel in `channels`, else null. */
export function completionOf(
  notificationId: string,
  channels: readonly Channel[],
  outcomes: ReadonlyMap<Channel, AuditLine>,
): Completion | null {
  if (!channels.every((channel) => outcomes.has(channel))) return null;
  const delivered: Channel[] = [];
  const failed: Channel[] = [];
  for (const channel of CHANNELS) {
    const line = outcomes.get(channel);
    if (line === undefined) continue;
    (line.outcome === "delivered" ? delivered : failed).push(channel);
  }
  return { notificationId, delivered, failed };
}

/** Orders lines by notification id (numerically where ids end in digits), then channel. */
export function compareLines(a: AuditLine, b: AuditLine): number {
  const byId = a.notificationId.localeCompare(b.notificationId, "en", { numeric: true });
  if (byId !== 0) return byId;
  return channelRank(a.channel) - channelRank(b.channel);
}

function channelRank(channel: Channel | null): number {
  return channel === null ? -1 : CHANNELS.indexOf(channel);
}

/** The audit log of one process. */
export class MemoryAuditLog implements AuditLog {
  /** Outcomes of notifications still open. */
  readonly #outcomes = new Map<string, Map<Channel, AuditLine>>();
  readonly #invalid = new Set<string>();
  readonly #completed = new Set<string>();
  readonly #lines: AuditLine[] = [];
  readonly #totals = emptyTotals();
  readonly #keepLines: boolean;

  /** @param keepLines keep every line for {@link lines} (a stress run only needs the totals) */
  constructor(keepLines = true) {
    this.#keepLines = keepLines;
  }

  record(line: AuditLine, channels: readonly Channel[]): Completion | null {
    if (line.channel === null) {
      if (this.#invalid.has(line.notificationId)) return null;
      this.#invalid.add(line.notificationId);
      this.#keep(line);
      return null;
    }
    // A completed notification keeps only its id: its channels are all recorded already.
    if (this.#completed.has(line.notificationId)) return null;
    let outcomes = this.#outcomes.get(line.notificationId);
    if (outcomes === undefined) {
      outcomes = new Map();
      this.#outcomes.set(line.notificationId, outcomes);
    }
    if (outcomes.has(line.channel)) return null;
    outcomes.set(line.channel, line);
    this.#keep(line);
    const completion = completionOf(line.notificationId, channels, outcomes);
    if (completion === null) return null;
    this.#outcomes.delete(line.notificationId);
    this.#completed.add(line.notificationId);
    this.#totals.completed++;
    return completion;
  }

  async totals(): Promise<AuditTotals> {
    return structuredClone(this.#totals);
  }

  /** Every line, ordered by notification id then channel. */
  async lines(): Promise<AuditLine[]> {
    return [...this.#lines].sort(compareLines);
  }

  #keep(line: AuditLine): void {
    countLine(this.#totals, line);
    if (this.#keepLines) this.#lines.push(line);
  }
}
