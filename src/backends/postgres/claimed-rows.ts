/**
 * What a claim returned, sorted: events to hand out, in stream order, and rows that must go to
 * the dead-letter table instead (claimed past `maxRetries` after a dead worker's lease expired,
 * or not holding a valid event), each with its reason.
 */
import { EventValidationError, messageOf } from "../../core/errors.js";
import { Event } from "../../core/event.js";
import type { Delivery } from "./held-rows.js";
import type { ClaimedRow } from "./sql.js";

export interface SortedClaim {
  /** Events to hand out, oldest first, with their rows. */
  readonly events: { readonly event: Event; readonly delivery: Delivery }[];
  /** Rows to dead-letter, with `reasons[i]` for `doomed[i]`. */
  readonly doomed: Delivery[];
  readonly reasons: string[];
  /** The rows among `doomed` that held no valid event, for the log. */
  readonly invalid: { readonly seq: string; readonly reason: string }[];
}

export function sortClaimed(rows: ClaimedRow[], maxRetries: number): SortedClaim {
  rows.sort((a, b) => compareSeq(a.seq, b.seq));
  const sorted: SortedClaim = { events: [], doomed: [], reasons: [], invalid: [] };
  for (const row of rows) {
    const delivery: Delivery = { seq: row.seq, attempt: row.attempt };
    if (row.attempt > maxRetries) {
      // Its lease expired on its last attempt (its worker died): it is not delivered again.
      sorted.doomed.push(delivery);
      sorted.reasons.push(
        `Exceeded ${maxRetries} deliveries (claimed on attempt ${row.attempt} after its lease expired)`,
      );
      continue;
    }
    const event = decode(row);
    if (typeof event === "string") {
      sorted.doomed.push(delivery);
      sorted.reasons.push(event);
      sorted.invalid.push({ seq: row.seq, reason: event });
      continue;
    }
    sorted.events.push({ event, delivery });
  }
  return sorted;
}

/** The event a claimed row holds, or why it holds none (for the dead-letter table). */
function decode(row: ClaimedRow): Event | string {
  try {
    return Event.fromJSON(row.event, row.headers ?? undefined);
  } catch (error) {
    return error instanceof EventValidationError
      ? error.message
      : `Invalid event: ${messageOf(error)}`;
  }
}

/** Orders bigint texts without parsing them: a longer one is larger. */
function compareSeq(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
