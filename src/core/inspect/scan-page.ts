/**
 * A scan page from one read of `count + 1` entries: the extra entry, never shown, tells whether
 * an older page exists, so `next` is null exactly at the end (no empty last page).
 */
import type { ScanPage, StoredEntry } from "./inspector.js";

/** Read this many entries for a page of `count`. */
export function readCount(count: number): number {
  return count + 1;
}

/** The page of `count` from the entries read (at most `count + 1`, newest first). */
export function scanPage<T extends StoredEntry>(read: readonly T[], count: number): ScanPage<T> {
  if (read.length <= count) return { entries: read, next: null };
  const entries = read.slice(0, count);
  return { entries, next: (entries[count - 1] as T).entryId };
}
