/**
 * An entry as an operator's tool shows it: the event's parts as plain JSON data, or, for an entry
 * that holds no valid event, why, with the stored text. Built from a {@link StoredEntry} with the
 * same checks a consumer applies (`Event.fromJSON`), so what is shown valid is what a worker
 * would handle.
 */
import { messageOf } from "../errors.js";
import { Event } from "../event.js";
import type { EventHeaders } from "../headers.js";
import type { JsonObject } from "../json.js";
import { isoTimestamp } from "../timestamp.js";
import type { StoredEntry } from "./inspector.js";

/** An entry holding a valid event. */
export interface ValidEventRow {
  readonly entryId: string;
  readonly id: string;
  readonly eventType: string;
  /** ISO-8601 UTC. */
  readonly timestamp: string;
  readonly headers: EventHeaders;
  /** The payload as JSON data (a tool must render it as text, never as markup). */
  readonly payload: JsonObject;
}

/** An entry that holds no valid event: why, and the stored text as it is. */
export interface InvalidEventRow {
  readonly entryId: string;
  /** Why it is not a valid event (the message a consumer would dead-letter it with). */
  readonly invalid: string;
  /** The stored event text; `""` when the entry has none. */
  readonly raw: string;
  /** The stored headers text; `""` for none. */
  readonly rawHeaders: string;
}

/** One entry, as shown. Tell the two apart with `"invalid" in row`. */
export type EventRow = ValidEventRow | InvalidEventRow;

/** The entry's event, checked as a consumer checks it, or why it holds none. */
export function decodeStored(entry: StoredEntry): Event | string {
  if (entry.wire === null) return "the entry has no event field";
  try {
    return Event.fromJSON(entry.wire, entry.headers === "" ? undefined : entry.headers);
  } catch (error) {
    return messageOf(error);
  }
}

/** The row shown for `entry`. */
export function eventRow(entry: StoredEntry): EventRow {
  const event = decodeStored(entry);
  if (typeof event === "string") {
    return {
      entryId: entry.entryId,
      invalid: event,
      raw: entry.wire ?? "",
      rawHeaders: entry.headers,
    };
  }
  return rowOf(entry.entryId, event);
}

/** The row of an event already decoded. */
export function rowOf(entryId: string, event: Event): ValidEventRow {
  return {
    entryId,
    id: event.id,
    eventType: event.eventType,
    timestamp: isoTimestamp(event.timestampMs),
    headers: event.headers,
    payload: event.payload,
  };
}
