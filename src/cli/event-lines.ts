/**
 * Events as JSON lines, one event per line in the wire form (`event_type`, `payload`, and
 * optionally `id` and `timestamp`): the input of `necrostack enqueue --file`.
 */
import { EventValidationError } from "../core/errors.js";
import { Event } from "../core/event.js";
import { UsageError } from "./usage-error.js";

/**
 * Parses every non-blank line of `text` into an Event. The whole input is checked before any
 * event is used, so a bad line rejects all of it: a `UsageError` naming `source`, the line
 * number and what is wrong.
 */
export function parseEventLines(text: string, source: string, helpCommand: string): Event[] {
  const events: Event[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === "") continue;
    try {
      events.push(Event.fromJSON(line));
    } catch (error) {
      if (!(error instanceof EventValidationError)) throw error;
      throw new UsageError(
        `${source} line ${i + 1}: ${error.message}; no event was added`,
        helpCommand,
        { cause: error },
      );
    }
  }
  if (events.length === 0) {
    throw new UsageError(`${source} holds no event (one JSON event per line)`, helpCommand);
  }
  return events;
}
