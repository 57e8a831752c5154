/**
 * The wire format, shared with NecroStack for Python: an entry's `event` field holds the event's
 * JSON (`id`, `timestamp`, `event_type`, `payload`) and nothing else, because the Python model
 * rejects unknown keys. Headers go in a `headers` field of their own (a JSON object of strings),
 * present only when the event has some: Python readers ignore fields they do not know, and an
 * entry without the field (every entry Python writes) reads as having no headers.
 */
import { EventValidationError, messageOf } from "../../core/errors.js";
import { Event, headersJson } from "../../core/event.js";
import { isoTimestamp } from "../../core/timestamp.js";

/** The entry field that holds the event JSON. */
export const EVENT_FIELD = "event";
/** The entry field that holds the headers JSON; absent when the event has no headers. */
export const HEADERS_FIELD = "headers";

/**
 * The event's JSON for the `event` field: exactly `JSON.stringify(event.toJSON())`, written
 * without building that object first (it runs for every emitted event). The id is a UUID and the
 * timestamp an ISO string, neither with a character JSON escapes.
 */
export function encodeEvent(event: Event): string {
  return `{"id":"${event.id}","timestamp":"${isoTimestamp(event.timestampMs)}","event_type":${JSON.stringify(event.eventType)},"payload":${JSON.stringify(event.payload)}}`;
}

/** The headers' JSON for the `headers` field; `""` when there are none (no field is written). */
export function encodeHeaders(event: Event): string {
  return headersJson(event);
}

/** The fields of the entry that holds `event`, as XADD takes them. */
export function entryFields(event: Event): string[] {
  const json = encodeEvent(event);
  const headers = encodeHeaders(event);
  return headers === "" ? [EVENT_FIELD, json] : [EVENT_FIELD, json, HEADERS_FIELD, headers];
}

/** Emitted events as the commit script takes them (see COMMIT in scripts.ts). */
export interface EmittedTexts {
  /** Each event's JSON; when `withHeaders`, each followed by its headers' JSON (`""`: none). */
  readonly texts: readonly string[];
  /** False when no event has headers: then no text is spent on them. */
  readonly withHeaders: boolean;
}

export function encodeEmitted(events: readonly Event[]): EmittedTexts {
  // Written with their headers, each event's JSON then its headers' ('' for none): what the
  // Spine emits always has lineage headers. Only when none has any are the '' dropped.
  const texts: string[] = [];
  let withHeaders = false;
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as Event;
    const headers = encodeHeaders(event);
    texts.push(encodeEvent(event), headers);
    if (headers !== "") withHeaders = true;
  }
  if (withHeaders) return { texts, withHeaders };
  const plain: string[] = [];
  for (let i = 0; i < texts.length; i += 2) plain.push(texts[i] as string);
  return { texts: plain, withHeaders };
}

/**
 * The event an entry holds, or why it holds none (for the dead-letter stream): its `event` field
 * is not a valid event, or its `headers` field is not valid headers.
 */
export function decodeEntry(fields: Readonly<Record<string, string>>): Event | string {
  const json = fields[EVENT_FIELD];
  if (json === undefined) {
    const present = Object.keys(fields);
    return `entry has no "${EVENT_FIELD}" field (fields: ${present.length > 0 ? present.join(", ") : "none"})`;
  }
  try {
    return Event.fromJSON(json, fields[HEADERS_FIELD]);
  } catch (error) {
    return error instanceof EventValidationError
      ? error.message
      : `Invalid event: ${messageOf(error)}`;
  }
}
