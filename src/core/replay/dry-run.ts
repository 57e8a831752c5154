/**
 * A replay's dry run: the selected events of a stream handed to organs in process, one step each
 * (hop-runner.ts: nothing is written anywhere, the source is only read), and what they emit now
 * put next to what they emitted then. "Then" is every event of the stream and its dead letters
 * whose `causation-id` is the selected event's id, found by one walk from the stream's newest
 * entry back to the first selected one (headers are read as text; nothing else is decoded).
 */
import type { Catalog } from "../catalog/catalog.js";
import type { Event } from "../event.js";
import { HEADER } from "../headers.js";
import { decodeStored, rowOf, type ValidEventRow } from "../inspect/event-row.js";
import type { StoredEntry, StreamInspector } from "../inspect/inspector.js";
import { bounded, MAX_WINDOW } from "../inspect/read.js";
import { walk } from "../inspect/walk.js";
import type { Organ } from "../organ.js";
import { type Comparison, compareEmissions, differs } from "./compare.js";
import { compareEntryIds, planHistory, unavailableBefore } from "./history.js";
import { type HopFailure, HopRunner } from "./hop-runner.js";
import { compileSelection, type Selection } from "./selection.js";

/** Options of {@link dryRun}. */
export interface DryRunOptions extends Selection {
  readonly source: StreamInspector;
  readonly stream: string;
  /** The organs to run, in routing order. */
  readonly organs: readonly Organ[];
  /** The catalog the organs run with. */
  readonly catalog?: Catalog | undefined;
  /** The most events run. @defaultValue 1,000 */
  readonly maxEvents?: number | undefined;
}

/** One selected event run again. */
export interface DryRunItem {
  readonly entryId: string;
  readonly event: Event;
  /** What its organs emitted then (found through `causation-id`), oldest first. */
  readonly recorded: readonly ValidEventRow[];
  readonly emitted: readonly Event[];
  readonly failures: readonly HopFailure[];
  readonly comparison: Comparison<ValidEventRow, Event>;
  /** Whether now differs from then (emissions, or a handler failing now). */
  readonly differs: boolean;
}

/** What a dry run found. */
export interface DryRunResult {
  /** Entries of the range examined. */
  readonly scanned: number;
  /** Events run (selected, at most `maxEvents`). */
  readonly ran: number;
  readonly differing: number;
  /** Events whose handling failed now. */
  readonly failedNow: number;
  /** Every event run, oldest first. */
  readonly items: readonly DryRunItem[];
  /** True when more events were selected than `maxEvents`. */
  readonly truncated: boolean;
  /** The oldest entry kept, when the range reaches back before it (see replay's summary). */
  readonly unavailableBefore: { readonly entryId: string; readonly storedAt: string } | null;
}

/** The cause in headers text, however the store spaced it (PostgreSQL's jsonb text has a space). */
const CAUSATION = /"causation-id":\s*"([^"\\]+)"/;

/** Runs the selected events of `stream` through `organs` and compares. See the module's comment. */
export async function dryRun(options: DryRunOptions): Promise<DryRunResult> {
  const selection = compileSelection(options);
  const maxEvents = bounded("maxEvents", options.maxEvents, 1_000, 10_000);
  const plan = await planHistory(options.source, options.stream, selection.range);
  const selected: { entry: StoredEntry; event: Event }[] = [];
  let scanned = 0;
  let truncated = false;
  outer: for await (const page of plan.pages()) {
    for (const entry of page) {
      if (entry.wire === null || !selection.mayMatch(entry.wire, entry.headers)) {
        scanned++;
        continue;
      }
      const event = decodeStored(entry);
      if (typeof event === "string" || !selection.matches(event)) {
        scanned++;
        continue;
      }
      if (selected.length >= maxEvents) {
        truncated = true;
        break outer;
      }
      scanned++;
      selected.push({ entry, event });
    }
  }
  const recorded = await recordedChildren(options.source, options.stream, selected);
  const runner = new HopRunner(options.organs, { catalog: options.catalog });
  const items: DryRunItem[] = [];
  let differing = 0;
  let failedNow = 0;
  for (const { entry, event } of selected) {
    const result = await runner.handle(event);
    const then = recorded.get(event.id) ?? [];
    const comparison = compareEmissions(then, result.emitted);
    const changed = differs(comparison) || result.failures.length > 0;
    if (changed) differing++;
    if (result.failures.length > 0) failedNow++;
    items.push({
      entryId: entry.entryId,
      event,
      recorded: then,
      emitted: result.emitted,
      failures: result.failures,
      comparison,
      differs: changed,
    });
  }
  return {
    scanned,
    ran: selected.length,
    differing,
    failedNow,
    items,
    truncated,
    unavailableBefore: unavailableBefore(plan, selection.range),
  };
}

/**
 * The events each selected event caused, from the stream (newest back to the first selected
 * entry) and its dead letters (as far back in time), oldest first.
 */
async function recordedChildren(
  inspector: StreamInspector,
  stream: string,
  selected: readonly { entry: StoredEntry; event: Event }[],
): Promise<Map<string, ValidEventRow[]>> {
  const children = new Map<string, ValidEventRow[]>();
  const first = selected[0]?.entry;
  if (first === undefined) return children;
  for (const { event } of selected) children.set(event.id, []);
  const visit = (entry: StoredEntry): void => {
    const cause = CAUSATION.exec(entry.headers)?.[1];
    if (cause === undefined) return;
    const list = children.get(cause);
    if (list === undefined) return;
    const event = decodeStored(entry);
    // An event dead-lettered on Redis is in the stream too: it counts once.
    if (
      typeof event !== "string" &&
      event.headers[HEADER.CAUSATION_ID] === cause &&
      !list.some((row) => row.id === event.id)
    ) {
      list.push(rowOf(entry.entryId, event));
    }
  };
  await walk(
    (scan) => inspector.scan(stream, scan),
    { window: MAX_WINDOW },
    (entry) => {
      if (compareEntryIds(entry.entryId, first.entryId) < 0) return true;
      visit(entry);
      return false;
    },
  );
  await walk(
    (scan) => inspector.scanDeadLetters(stream, scan),
    { window: MAX_WINDOW, sinceMs: first.storedAtMs },
    (entry) => {
      visit(entry);
      return false;
    },
  );
  // Walks go newest first: each list is turned oldest first, as the organs emitted them.
  for (const list of children.values()) list.reverse();
  return children;
}
