/**
 * `replay()`: re-delivers a stream's recorded events to a target, oldest first. Each event
 * selected (a time or id range, types, one chain) is written as a copy under a new id derived
 * from the replay's id and its own ({@link replayedEventId}), carrying the header
 * `replayed-from` (its original id) and `replay-id`, upcast to its type's current schema version
 * when a catalog is given. Batches are written at a bounded rate, each with the replay's
 * progress in one atomic step (target.ts), so a replay stopped or killed half way continues
 * where it stopped and delivers no event twice.
 *
 * History is what the source keeps (Redis: the stream's entries, within `maxLen`; PostgreSQL:
 * the waiting rows and the archive of handled ones): the summary says where it starts when the
 * range reaches back before it.
 */
import { createHash } from "node:crypto";
import type { Catalog } from "../catalog/catalog.js";
import { SchemaChecks } from "../catalog/schema-checks.js";
import { messageOf } from "../errors.js";
import { Event } from "../event.js";
import { createHeaders, HEADER } from "../headers.js";
import { InspectQueryError } from "../inspect/errors.js";
import { decodeStored } from "../inspect/event-row.js";
import type { StoredEntry, StreamInspector } from "../inspect/inspector.js";
import { isoTimestamp } from "../timestamp.js";
import { ReplayProgressError } from "./errors.js";
import { planHistory, unavailableBefore } from "./history.js";
import { RateLimiter } from "./rate-limiter.js";
import { compileSelection, type Selection } from "./selection.js";
import {
  REPLAY_ID_HEADER,
  REPLAYED_FROM_HEADER,
  type ReplayProgress,
  type ReplayTarget,
  replayedEventId,
} from "./target.js";

/** Options of {@link replay}. */
export interface ReplayOptions extends Selection {
  /** Where history is read. */
  readonly source: StreamInspector;
  /** The stream read. */
  readonly stream: string;
  /** Where replayed events go. */
  readonly into: ReplayTarget;
  /**
   * The replay's id: its progress and its events' new ids hang on it. Give the same id to
   * resume a replay.
   * @defaultValue derived from the stream, the selection and the target, so the same command
   * run again resumes (or finds it done)
   */
  readonly replayId?: string | undefined;
  /** Upcasts each event to its type's current schema version before it is written. */
  readonly catalog?: Catalog | undefined;
  /** The most events written per second. @defaultValue Infinity */
  readonly rate?: number | undefined;
  /** Events written per atomic step. @defaultValue 100 */
  readonly batchSize?: number | undefined;
  /** Stops the replay after the batch being written; it can be resumed. */
  readonly signal?: AbortSignal | undefined;
  /** Called after each batch written, with the progress so far and the entries to examine. */
  readonly onProgress?: ((progress: ReplayProgress, total: number) => void) | undefined;
}

/** What a replay did, in total over all its runs. */
export interface ReplaySummary extends ReplayProgress {
  /** Whether this run resumed an earlier one. */
  readonly resumed: boolean;
  /** Whether this run was stopped by its signal before the end of the range. */
  readonly stopped: boolean;
  /**
   * The oldest entry the source keeps, when the range reaches back before it: the range before
   * it is no longer available (trimmed or pruned). Null when the whole range is kept.
   */
  readonly unavailableBefore: { readonly entryId: string; readonly storedAt: string } | null;
  readonly target: string;
}

/** The largest batch. */
export const MAX_REPLAY_BATCH = 1_000;

/** Replays the selected events of `stream` into `into`. See the module's comment. */
export async function replay(options: ReplayOptions): Promise<ReplaySummary> {
  const selection = compileSelection(options);
  const batchSize = options.batchSize ?? 100;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > MAX_REPLAY_BATCH) {
    throw new InspectQueryError("batchSize", `an integer from 1 to ${MAX_REPLAY_BATCH}`, batchSize);
  }
  const rate = options.rate ?? Number.POSITIVE_INFINITY;
  if (!(rate > 0))
    throw new InspectQueryError("rate", "a positive number of events per second", rate);
  const replayId = options.replayId ?? defaultReplayId(options);
  const { into, signal } = options;
  const checks =
    options.catalog === undefined
      ? undefined
      : new SchemaChecks({ catalog: options.catalog, emit: false, receive: true, strict: false });

  const found = await into.progress(replayId);
  const now = isoTimestamp(Date.now());
  let progress: ReplayProgress = found ?? {
    replayId,
    lastEntryId: null,
    scanned: 0,
    selected: 0,
    replayed: 0,
    skipped: {},
    done: false,
    startedAt: now,
    updatedAt: now,
  };
  const summary = (stopped: boolean, unavailable: ReplaySummary["unavailableBefore"]) => ({
    ...progress,
    resumed: found !== null,
    stopped,
    unavailableBefore: unavailable,
    target: into.description,
  });
  if (progress.done) return summary(false, null);

  const plan = await planHistory(options.source, options.stream, {
    ...selection.range,
    afterId: progress.lastEntryId ?? undefined,
  });
  const unavailable = unavailableBefore(plan, selection.range);
  const total = progress.scanned + plan.entries;
  const limiter = new RateLimiter(rate);

  const write = async (events: Event[], last: StoredEntry, counts: Counts): Promise<void> => {
    const next: ReplayProgress = {
      ...progress,
      lastEntryId: last.entryId,
      scanned: progress.scanned + counts.scanned,
      selected: progress.selected + counts.selected,
      replayed: progress.replayed + events.length,
      skipped: addCounts(progress.skipped, counts.skipped),
      updatedAt: isoTimestamp(Date.now()),
    };
    if (events.length > 0) await limiter.take(events.length, signal);
    const written = await into.write(next, events, progress.lastEntryId);
    if (written !== true) {
      throw new ReplayProgressError(
        replayId,
        `another run of this replay moved its progress on (to entry ${written.found ?? "none"}, this run expected ${progress.lastEntryId ?? "none"}); nothing was written by this run's last step`,
      );
    }
    progress = next;
    options.onProgress?.(progress, total);
  };

  let events: Event[] = [];
  let counts = newCounts();
  let last: StoredEntry | undefined;
  for await (const page of plan.pages()) {
    for (const entry of page) {
      if (signal?.aborted) {
        if (last !== undefined) await write(events, last, counts);
        return summary(true, unavailable);
      }
      last = entry;
      counts.scanned++;
      const copy = await copyOf(entry, selection, checks, replayId, counts);
      if (copy !== undefined) events.push(copy);
      if (events.length >= batchSize) {
        await write(events, entry, counts);
        events = [];
        counts = newCounts();
      }
    }
    // Progress over long stretches of unselected entries is kept too, page by page.
    if (last !== undefined && counts.scanned > 0) {
      await write(events, last, counts);
      events = [];
      counts = newCounts();
    }
  }
  const finished: ReplayProgress = { ...progress, done: true, updatedAt: isoTimestamp(Date.now()) };
  const written = await into.write(finished, [], progress.lastEntryId);
  if (written !== true) {
    throw new ReplayProgressError(
      replayId,
      "another run of this replay moved its progress on at its end",
    );
  }
  progress = finished;
  return summary(false, unavailable);
}

interface Counts {
  scanned: number;
  selected: number;
  skipped: Record<string, number>;
}

function newCounts(): Counts {
  return { scanned: 0, selected: 0, skipped: {} };
}

function addCounts(
  a: Readonly<Record<string, number>>,
  b: Readonly<Record<string, number>>,
): Record<string, number> {
  const out: Record<string, number> = { ...a };
  for (const [reason, count] of Object.entries(b)) out[reason] = (out[reason] ?? 0) + count;
  return out;
}

/** The copy of `entry` to write, or undefined when it is not selected or is skipped (counted). */
async function copyOf(
  entry: StoredEntry,
  selection: ReturnType<typeof compileSelection>,
  checks: SchemaChecks | undefined,
  replayId: string,
  counts: Counts,
): Promise<Event | undefined> {
  const wire = entry.wire;
  if (wire !== null && !selection.mayMatch(wire, entry.headers)) return undefined;
  const decoded = decodeStored(entry);
  if (typeof decoded === "string") {
    // Not an event: whether a filter would have taken it cannot be told; without one it counts.
    if (!selection.contiguous) return undefined;
    counts.selected++;
    counts.skipped["not a valid event"] = (counts.skipped["not a valid event"] ?? 0) + 1;
    return undefined;
  }
  if (!selection.matches(decoded)) return undefined;
  counts.selected++;
  let current: Event = decoded;
  if (checks !== undefined) {
    const checked = await checks.received(decoded);
    if (!(checked instanceof Event)) {
      const reason = `not readable at its schema's current version (${checked.name})`;
      counts.skipped[reason] = (counts.skipped[reason] ?? 0) + 1;
      return undefined;
    }
    current = checked;
  }
  const headers = createHeaders();
  for (const name in current.headers) headers[name] = current.headers[name] as string;
  delete headers[HEADER.ATTEMPT];
  headers[REPLAYED_FROM_HEADER] = decoded.id;
  headers[REPLAY_ID_HEADER] = replayId;
  try {
    return new Event({
      eventType: current.eventType,
      payload: current.payload,
      id: replayedEventId(replayId, decoded.id),
      timestamp: current.timestampMs,
      headers,
    });
  } catch (error) {
    // Headers at their limit leave no room for the replay's own two.
    const reason = `cannot carry the replay's headers (${messageOf(error).slice(0, 80)})`;
    counts.skipped[reason] = (counts.skipped[reason] ?? 0) + 1;
    return undefined;
  }
}

/** The id of the replay a command describes: the same selection into the same target. */
function defaultReplayId(options: ReplayOptions): string {
  const key = JSON.stringify([
    options.source.target,
    options.stream,
    String(options.since ?? ""),
    String(options.until ?? ""),
    [...(options.types ?? [])].sort(),
    options.correlationId ?? "",
    options.into.description,
  ]);
  return `r-${createHash("sha256").update(key).digest("hex").slice(0, 16)}`;
}
