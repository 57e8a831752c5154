/**
 * The wire format, shared with NecroStack for Python: an entry's `event` field holds the event's
 * JSON (`id`, `timestamp`, `event_type`, `payload`). Anything else of ours would go in other
 * fields, never inside that JSON, because the Python model rejects unknown keys.
 */
import { EventValidationError, messageOf } from "../../core/errors.js";
import { Event } from "../../core/event.js";

/** The entry field that holds the event JSON. */
export const EVENT_FIELD = "event";

/** The event's JSON for the `event` field. */
export function encodeEvent(event: Event): string {
  return JSON.stringify(event.toJSON());
}

/** The event an entry holds, or why it holds none (for the dead-letter stream). */
export function decodeEntry(fields: Readonly<Record<string, string>>): Event | string {
  const json = fields[EVENT_FIELD];
  if (json === undefined) {
    const present = Object.keys(fields);
    return `entry has no "${EVENT_FIELD}" field (fields: ${present.length > 0 ? present.join(", ") : "none"})`;
  }
  try {
    return Event.fromJSON(json);
  } catch (error) {
    return error instanceof EventValidationError
      ? error.message
      : `Invalid event: ${messageOf(error)}`;
  }
}
