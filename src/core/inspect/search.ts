/**
 * Payload search over a bounded window of a stream, newest first, over any
 * {@link StreamInspector}: the matcher (payload-match.ts) runs on the stored text, so entries
 * that cannot match are not even parsed. The result says how far it searched and how long it
 * took, so a tool can tell "not found" from "not found in the newest 100,000".
 */
import { type EventRow, eventRow } from "./event-row.js";
import type { StreamInspector } from "./inspector.js";
import { compileQuery, type PayloadQuery } from "./payload-match.js";
import { bounded, DEFAULT_WINDOW, MAX_PAGE, MAX_WINDOW } from "./read.js";
import { walk } from "./walk.js";

/** Options of {@link searchEvents}. */
export interface SearchOptions {
  readonly query: PayloadQuery;
  /** Only events of these types. */
  readonly types?: readonly string[] | undefined;
  /** Only entries stored in this range (epoch ms, inclusive); the window counts entries in it. */
  readonly sinceMs?: number | undefined;
  readonly untilMs?: number | undefined;
  /** Continue a search from an earlier result's `next`. */
  readonly cursor?: string | undefined;
  /** The most matches returned. @defaultValue 50 */
  readonly limit?: number | undefined;
  /** The most entries examined. @defaultValue {@link DEFAULT_WINDOW} (100,000) */
  readonly window?: number | undefined;
}

/** What {@link searchEvents} found, and how far it looked. */
export interface SearchResult {
  /** Matches, newest first. */
  readonly events: readonly EventRow[];
  /** Entries examined. */
  readonly searched: number;
  /** The window asked for. */
  readonly window: number;
  /** Whether the search reached the stream's start (everything before the cursor was searched). */
  readonly complete: boolean;
  /** Wall time of the search, ms. */
  readonly tookMs: number;
  /** Where to continue: after the last match (when `limit` was reached) or after the window. */
  readonly next: string | null;
}

/** Searches the newest `window` entries (after `cursor`) for events whose payload matches. */
export async function searchEvents(
  inspector: StreamInspector,
  stream: string,
  options: SearchOptions,
): Promise<SearchResult> {
  const started = performance.now();
  const limit = bounded("limit", options.limit, 50, MAX_PAGE);
  const window = bounded("window", options.window, DEFAULT_WINDOW, MAX_WINDOW);
  const compiled = compileQuery(options.query);
  const types = options.types !== undefined && options.types.length > 0 ? options.types : undefined;
  const events: EventRow[] = [];
  const result = await walk(
    (scan) => inspector.scan(stream, scan),
    { cursor: options.cursor, window, sinceMs: options.sinceMs, untilMs: options.untilMs },
    (entry) => {
      if (entry.wire === null || !compiled.matchesWire(entry.wire)) return false;
      const row = eventRow(entry);
      if ("invalid" in row) return false;
      if (types !== undefined && !types.includes(row.eventType)) return false;
      events.push(row);
      return events.length >= limit;
    },
  );
  return {
    events,
    searched: result.scanned,
    window,
    complete: result.complete,
    tookMs: Math.round((performance.now() - started) * 10) / 10,
    next: result.next,
  };
}
