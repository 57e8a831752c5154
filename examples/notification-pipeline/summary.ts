/** The end-of-run summary: what was asked for and what became of it. */
import type { AuditLine, AuditTotals } from "./audit-log.js";
import { CHANNELS, type Channel } from "./events.js";

/** Audit lines are printed for runs of up to this many notifications. */
export const MAX_AUDITED_SHOWN = 100;

export interface Summary extends AuditTotals {
  /** NOTIFICATION_REQUESTED events accepted. */
  requested: number;
  /** Requested but neither completed nor invalid: nonzero only if something was lost. */
  unaccounted: number;
}

export function summarize(requested: number, totals: AuditTotals): Summary {
  return { requested, ...totals, unaccounted: requested - totals.completed - totals.invalid };
}

/** The summary as aligned text lines. */
export function formatSummary(summary: Summary): string {
  const perChannel = (counts: Record<Channel, number>): string =>
    CHANNELS.map((channel) => `${channel} ${counts[channel]}`).join(", ");
  const rows: [string, string][] = [
    ["requested", String(summary.requested)],
    ["completed", `${summary.completed}  (DELIVERY_COMPLETED)`],
    ["failed", `${summary.invalid}  (invalid requests: NOTIFICATION_FAILED)`],
    ["delivered", perChannel(summary.delivered)],
    ["undelivered", perChannel(summary.undelivered)],
    ["dead-lettered", String(summary.deadLettered)],
    ["retries", String(summary.retries)],
  ];
  if (summary.unaccounted !== 0) rows.push(["UNACCOUNTED", String(summary.unaccounted)]);
  return ["Summary", ...rows.map(([name, value]) => `  ${name.padEnd(14)} ${value}`)].join("\n");
}

/** One audit line as text: `n-1     user_001  email  delivered  (2 attempts)`. */
export function formatAuditLine(line: AuditLine): string {
  const head = `  ${line.notificationId.padEnd(7)} ${(line.userId ?? "-").padEnd(9)}`;
  if (line.channel === null) return `${head} invalid: ${line.reason ?? ""}`;
  const attempts = line.attempts > 1 ? `  (${line.attempts} attempts)` : "";
  const why = line.reason === undefined ? "" : `: ${line.reason}`;
  const dead = line.deadLettered === true ? "  [dead-lettered]" : "";
  return `${head} ${line.channel.padEnd(6)} ${line.outcome}${why}${attempts}${dead}`;
}
