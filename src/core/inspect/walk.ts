/**
 * A bounded walk over a stream newest first, page by page: the one loop behind filtered reads,
 * payload search, finding an event and following a chain. It stops at the window, at the start
 * of the stream, or when the visitor says so, and returns the cursor to go on from.
 */
import { MAX_SCAN_COUNT, type ScanOptions, type ScanPage, type StoredEntry } from "./inspector.js";

/** Where a walk starts and how far it may go. */
export interface WalkOptions {
  /** Start after this cursor; from the newest entry when absent. */
  readonly cursor?: string | undefined;
  /** The most entries examined. */
  readonly window: number;
  /** Entries per page read. @defaultValue {@link MAX_SCAN_COUNT} */
  readonly pageSize?: number | undefined;
  readonly sinceMs?: number | undefined;
  readonly untilMs?: number | undefined;
}

/** Where a walk ended. */
export interface WalkResult {
  /** Entries examined. */
  readonly scanned: number;
  /** The cursor after the last entry examined; null when the walk reached the start. */
  readonly next: string | null;
  /** Whether the walk reached the start of the stream (within the time range). */
  readonly complete: boolean;
}

/**
 * Calls `visit` on entries newest first until it returns true (stop), `window` entries were
 * examined, or the stream's start. Pages are never larger than what remains of the window.
 *
 * The next page is asked for before the current one is visited, so the store prepares it while
 * this process matches: a long walk (a search over 100,000 entries) waits on the store about
 * half as long. At most one page is read ahead, and none past the window.
 */
export async function walk<T extends StoredEntry>(
  scan: (options: ScanOptions) => Promise<ScanPage<T>>,
  options: WalkOptions,
  visit: (entry: T) => boolean,
): Promise<WalkResult> {
  const pageSize = Math.min(options.pageSize ?? MAX_SCAN_COUNT, MAX_SCAN_COUNT);
  const read = (before: string | undefined, count: number): Promise<ScanPage<T>> =>
    scan({ before, count, sinceMs: options.sinceMs, untilMs: options.untilMs });
  let scanned = 0;
  let before = options.cursor;
  let pending: Promise<ScanPage<T>> | undefined = read(before, Math.min(pageSize, options.window));
  while (pending !== undefined) {
    const page = await pending;
    pending = undefined;
    const afterThis = scanned + page.entries.length;
    if (page.next !== null && page.entries.length > 0 && afterThis < options.window) {
      pending = read(page.next, Math.min(pageSize, options.window - afterThis));
      // A read ahead that is never awaited (the visitor stopped) must not be an unhandled rejection.
      pending.catch(() => {});
    }
    const last = page.entries.length - 1;
    for (const [i, entry] of page.entries.entries()) {
      scanned++;
      before = entry.entryId;
      if (!visit(entry)) continue;
      // Stopped on the stream's oldest entry: nothing is left to continue with.
      if (i === last && page.next === null) return { scanned, next: null, complete: true };
      return { scanned, next: entry.entryId, complete: false };
    }
    if (page.next === null || page.entries.length === 0) {
      return { scanned, next: null, complete: true };
    }
    before = page.next;
  }
  return { scanned, next: before ?? null, complete: false };
}
