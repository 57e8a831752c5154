/**
 * Reading a stream as an operator's tool shows it, over any {@link StreamInspector}: a page of
 * events (filtered by type and time, bounded), one event found by id, a page of dead letters.
 */
import { InspectQueryError } from "./errors.js";
import { decodeStored, type EventRow, eventRow, rowOf, type ValidEventRow } from "./event-row.js";
import type { EntryLocation, StoredDeadLetter, StoredEntry, StreamInspector } from "./inspector.js";
import { type ReasonKind, reasonKind } from "./reason-kind.js";
import { walk } from "./walk.js";

/** The largest page of events or dead letters. */
export const MAX_PAGE = 200;

/** How many entries a filtered read, a find or a trace examines by default. */
export const DEFAULT_WINDOW = 100_000;

/** The largest window accepted. */
export const MAX_WINDOW = 1_000_000;

/** What {@link readEvents} returns. */
export interface EventPage {
  /** Newest first. */
  readonly events: readonly EventRow[];
  /** The cursor of the next (older) page; null when the stream's start was reached. */
  readonly next: string | null;
  /** Entries examined (more than `events` when filtering by type). */
  readonly scanned: number;
}

/** Options of {@link readEvents}. */
export interface ReadEventsOptions {
  readonly cursor?: string | undefined;
  /** @defaultValue 50 */
  readonly limit?: number | undefined;
  /** Only events of these types. */
  readonly types?: readonly string[] | undefined;
  /** Only entries stored in this range (epoch ms, inclusive). */
  readonly sinceMs?: number | undefined;
  readonly untilMs?: number | undefined;
  /** The most entries examined when filtering by type. @defaultValue {@link DEFAULT_WINDOW} */
  readonly window?: number | undefined;
}

/**
 * A page of the stream's events, newest first. Without a type filter it reads exactly `limit`
 * entries; with one it examines at most `window`.
 */
export async function readEvents(
  inspector: StreamInspector,
  stream: string,
  options: ReadEventsOptions = {},
): Promise<EventPage> {
  const limit = bounded("limit", options.limit, 50, MAX_PAGE);
  const window = bounded("window", options.window, DEFAULT_WINDOW, MAX_WINDOW);
  const types = options.types !== undefined && options.types.length > 0 ? options.types : undefined;
  const quoted = types?.map((type) => JSON.stringify(type));
  const events: EventRow[] = [];
  const result = await walk(
    (scan) => inspector.scan(stream, scan),
    {
      cursor: options.cursor,
      window: types === undefined ? limit : window,
      pageSize: types === undefined ? limit : undefined,
      sinceMs: options.sinceMs,
      untilMs: options.untilMs,
    },
    (entry) => {
      if (quoted !== undefined) {
        // The quoted type is in the text of any event of that type, however it is spaced.
        const wire = entry.wire;
        if (wire === null || !quoted.some((q) => wire.includes(q))) return false;
        const row = eventRow(entry);
        if ("invalid" in row || !(types as readonly string[]).includes(row.eventType)) return false;
        events.push(row);
      } else {
        events.push(eventRow(entry));
      }
      return events.length >= limit;
    },
  );
  return { events, next: result.next, scanned: result.scanned };
}

/** An event found by id, and where. */
export interface FoundEvent {
  readonly event: ValidEventRow;
  /** The stored event JSON, as it is. */
  readonly wire: string;
  readonly location: EntryLocation;
  readonly deadLetter?: { readonly reason: string; readonly failedAt: string };
}

/**
 * The newest entry holding event `eventId`, looked for in the newest `window` entries of the
 * stream, then of its dead letters; null when not found there.
 */
export async function findEvent(
  inspector: StreamInspector,
  stream: string,
  eventId: string,
  window = DEFAULT_WINDOW,
): Promise<FoundEvent | null> {
  window = bounded("window", window, DEFAULT_WINDOW, MAX_WINDOW);
  const needle = JSON.stringify(eventId);
  const match = (entry: StoredEntry): ValidEventRow | undefined => {
    if (entry.wire === null || !entry.wire.includes(needle)) return undefined;
    const event = decodeStored(entry);
    return typeof event !== "string" && event.id === eventId
      ? rowOf(entry.entryId, event)
      : undefined;
  };
  let found: FoundEvent | null = null;
  await walk(
    (scan) => inspector.scan(stream, scan),
    { window },
    (entry) => {
      const event = match(entry);
      if (event !== undefined) found = { event, wire: entry.wire as string, location: "stream" };
      return found !== null;
    },
  );
  if (found !== null) return found;
  await walk(
    (scan) => inspector.scanDeadLetters(stream, scan),
    { window },
    (entry) => {
      const event = match(entry);
      if (event !== undefined) {
        found = {
          event,
          wire: entry.wire as string,
          location: "dead-letters",
          deadLetter: { reason: entry.reason, failedAt: entry.failedAt },
        };
      }
      return found !== null;
    },
  );
  return found;
}

/** A dead letter as shown. */
export interface DeadLetterRow {
  readonly entryId: string;
  readonly originalId: string | null;
  /** Its event; for one that holds no valid event, why and the stored text. */
  readonly event: EventRow;
  readonly reason: string;
  readonly reasonKind: ReasonKind;
  readonly failedAt: string;
}

/** What {@link listDeadLetters} returns. */
export interface DeadLetterPage {
  readonly items: readonly DeadLetterRow[];
  /** Counts per kind over the newest `reasonsScanned` dead letters, most first. */
  readonly reasons: readonly { readonly kind: ReasonKind; readonly count: number }[];
  /** How many dead letters the counts cover (all of them when `reasonsComplete`). */
  readonly reasonsScanned: number;
  readonly reasonsComplete: boolean;
  readonly next: string | null;
}

/** How many dead letters {@link listDeadLetters} sorts into kinds by default. */
export const DEFAULT_REASONS_WINDOW = 10_000;

/** A page of the stream's dead letters, newest first, with their reasons sorted into kinds. */
export async function listDeadLetters(
  inspector: StreamInspector,
  stream: string,
  options: {
    readonly cursor?: string | undefined;
    readonly limit?: number | undefined;
    /** How many of the newest dead letters to count by kind. @defaultValue 10,000 */
    readonly reasonsWindow?: number | undefined;
  } = {},
): Promise<DeadLetterPage> {
  const limit = bounded("limit", options.limit, 50, MAX_PAGE);
  const reasonsWindow = bounded(
    "reasonsWindow",
    options.reasonsWindow,
    DEFAULT_REASONS_WINDOW,
    MAX_WINDOW,
  );
  const page = await inspector.scanDeadLetters(stream, { before: options.cursor, count: limit });
  const items = page.entries.map(deadLetterRow);
  // Kinds from the reason text alone (and a missing event field): decoding every event of the
  // window would cost more than the counts are worth.
  const counts = new Map<ReasonKind, number>();
  const counted = await walk(
    (scan) => inspector.scanDeadLetters(stream, scan),
    { window: reasonsWindow },
    (entry) => {
      const kind = reasonKind(entry.reason, entry.wire !== null);
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
      return false;
    },
  );
  return {
    items,
    reasons: [...counts]
      .map(([kind, count]) => ({ kind, count }))
      .sort((a, b) => b.count - a.count),
    reasonsScanned: counted.scanned,
    reasonsComplete: counted.complete,
    next: page.next,
  };
}

/** The row shown for a stored dead letter. */
export function deadLetterRow(entry: StoredDeadLetter): DeadLetterRow {
  const event = eventRow(entry);
  return {
    entryId: entry.entryId,
    originalId: entry.originalId,
    event,
    reason: entry.reason,
    reasonKind: reasonKind(entry.reason, !("invalid" in event)),
    failedAt: entry.failedAt,
  };
}

/** `value` checked as an integer in [1, max], or `fallback` when absent. */
export function bounded(
  parameter: string,
  value: number | undefined,
  fallback: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new InspectQueryError(parameter, `an integer from 1 to ${max}`, value);
  }
  return value;
}
