/**
 * A stream's history oldest first, over any {@link StreamInspector}, whose scans go newest first
 * in pages (so each backend keeps one way of reading). Two passes: the first walks the range
 * newest first and keeps only each page's cursor (one string per page); the second reads those
 * pages again from the oldest and hands each out reversed. The newest page is kept from the
 * first pass, so events added meanwhile are not part of the range, and no page shifts under it.
 *
 * Entry ids are ordered (a Redis id `ms-seq`, a PostgreSQL `seq`): every entry handed out is
 * newer than the one before, so an entry trimmed or moved between the passes can only be missed,
 * never handed out twice.
 */
import { InspectQueryError } from "../inspect/errors.js";
import { MAX_SCAN_COUNT, type StoredEntry, type StreamInspector } from "../inspect/inspector.js";
import { isoTimestamp } from "../timestamp.js";

/** Where a read of history starts and ends. */
export interface HistoryRange {
  /** Only entries stored at or after this time (epoch ms). */
  readonly sinceMs?: number | undefined;
  readonly untilMs?: number | undefined;
  /** Only entries with an id after this one (exclusive: where an earlier read stopped). */
  readonly afterId?: string | undefined;
  /** Only entries with an id at or after this one. */
  readonly sinceId?: string | undefined;
  /** Only entries with an id at or before this one. */
  readonly untilId?: string | undefined;
  /** Entries per page read. @defaultValue {@link MAX_SCAN_COUNT} */
  readonly pageSize?: number | undefined;
}

/** What the first pass found: how much to read, and where the kept history starts. */
export interface HistoryPlan {
  /** Entries in the range (as of the first pass). */
  readonly entries: number;
  /**
   * The oldest entry the stream still keeps, when the range reaches back to it: entries older
   * than it were trimmed (Redis `maxLen`) or pruned (PostgreSQL's archive retention), or never
   * existed. Null when the range starts after it.
   */
  readonly oldestKept: { readonly entryId: string; readonly storedAtMs: number } | null;
  /** The pages, oldest first. */
  pages(): AsyncGenerator<readonly StoredEntry[]>;
}

/** Plans an oldest-first read of `stream` within `range` (the first pass). */
export async function planHistory(
  inspector: StreamInspector,
  stream: string,
  range: HistoryRange = {},
): Promise<HistoryPlan> {
  const pageSize = Math.min(range.pageSize ?? MAX_SCAN_COUNT, MAX_SCAN_COUNT);
  const lower = range.afterId ?? range.sinceId;
  const inRange = (id: string): boolean =>
    (range.afterId === undefined || compareEntryIds(id, range.afterId) > 0) &&
    (range.sinceId === undefined || compareEntryIds(id, range.sinceId) >= 0) &&
    (range.untilId === undefined || compareEntryIds(id, range.untilId) <= 0);
  const scan = (before: string | undefined) =>
    inspector.scan(stream, {
      before,
      count: pageSize,
      sinceMs: range.sinceMs,
      untilMs: range.untilMs,
    });
  // Pass one: the cursor of every page but the newest, whose entries are kept.
  const cursors: string[] = [];
  let newest: readonly StoredEntry[] = [];
  let entries = 0;
  let before: string | undefined;
  let oldestSeen: StoredEntry | undefined;
  let reachedStart = false;
  for (;;) {
    const page = await scan(before);
    const kept = page.entries.filter((entry) => inRange(entry.entryId));
    if (before === undefined) newest = kept;
    else if (kept.length > 0) cursors.push(before);
    entries += kept.length;
    const last = page.entries[page.entries.length - 1];
    if (kept.length > 0) oldestSeen = kept[kept.length - 1];
    if (last === undefined || page.next === null) {
      reachedStart = true;
      break;
    }
    if (lower !== undefined && compareEntryIds(last.entryId, lower) <= 0) break;
    before = page.next;
  }
  let oldestKept: HistoryPlan["oldestKept"] = null;
  if (reachedStart && range.afterId === undefined) {
    // The range reached back to the oldest entry in it: is it the stream's oldest of all?
    const probe = oldestSeen;
    const older = await inspector.scan(stream, {
      ...(probe !== undefined ? { before: probe.entryId } : {}),
      count: 1,
    });
    if (probe !== undefined && older.entries.length === 0) {
      oldestKept = { entryId: probe.entryId, storedAtMs: probe.storedAtMs };
    }
  }
  return {
    entries,
    oldestKept,
    async *pages() {
      let last: string | undefined;
      const fresh = (page: readonly StoredEntry[]): StoredEntry[] => {
        const out: StoredEntry[] = [];
        for (let i = page.length - 1; i >= 0; i--) {
          const entry = page[i] as StoredEntry;
          if (!inRange(entry.entryId)) continue;
          if (last !== undefined && compareEntryIds(entry.entryId, last) <= 0) continue;
          last = entry.entryId;
          out.push(entry);
        }
        return out;
      };
      for (let i = cursors.length - 1; i >= 0; i--) {
        const page = await scan(cursors[i]);
        const out = fresh(page.entries);
        if (out.length > 0) yield out;
      }
      const out = fresh(newest);
      if (out.length > 0) yield out;
    },
  };
}

/**
 * The oldest entry kept, when the range asked for reaches back before it (its start was trimmed
 * or pruned); null when the whole range is kept, or the plan cannot tell (a resumed read).
 */
export function unavailableBefore(
  plan: HistoryPlan,
  range: HistoryRange,
): { readonly entryId: string; readonly storedAt: string } | null {
  const oldest = plan.oldestKept;
  if (oldest === null) return null;
  const before =
    (range.sinceMs !== undefined && range.sinceMs < oldest.storedAtMs) ||
    (range.sinceId !== undefined && compareEntryIds(range.sinceId, oldest.entryId) < 0);
  return before ? { entryId: oldest.entryId, storedAt: isoTimestamp(oldest.storedAtMs) } : null;
}

const ID = /^(\d{1,20})(?:-(\d{1,20}))?$/;

/** Whether `id` has the form of an entry id: a Redis `ms-seq`, or a PostgreSQL `seq`. */
export function isEntryId(id: string): boolean {
  return ID.test(id);
}

/**
 * Orders two entry ids of one stream: negative when `a` is older. Both are a Redis id
 * (`1700000000000-3`) or a PostgreSQL seq (`42`); a missing sequence part counts as 0.
 */
export function compareEntryIds(a: string, b: string): number {
  const x = ID.exec(a);
  const y = ID.exec(b);
  if (x === null)
    throw new InspectQueryError("entry id", "an entry id such as 1700000000000-0 or 42", a);
  if (y === null)
    throw new InspectQueryError("entry id", "an entry id such as 1700000000000-0 or 42", b);
  return compareDigits(x[1] as string, y[1] as string) || compareDigits(x[2] ?? "0", y[2] ?? "0");
}

function compareDigits(a: string, b: string): number {
  const left = a.replace(/^0+(?=\d)/, "");
  const right = b.replace(/^0+(?=\d)/, "");
  if (left.length !== right.length) return left.length - right.length;
  return left < right ? -1 : left > right ? 1 : 0;
}
