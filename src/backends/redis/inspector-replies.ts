/**
 * Reading the replies of XINFO, XPENDING and XRANGE as the RedisInspector needs them. ioredis
 * hands them over as flat arrays of names and values (`["length", 2, "groups", 1, ...]`).
 */
import type { StoredDeadLetter, StoredEntry } from "../../core/inspect/inspector.js";
import { EVENT_FIELD, HEADERS_FIELD } from "./wire.js";

/** A flat `[name, value, ...]` reply as a map; empty for anything else. */
export function fieldsOf(reply: unknown): Map<string, unknown> {
  const map = new Map<string, unknown>();
  if (!Array.isArray(reply)) return map;
  for (let i = 0; i + 1 < reply.length; i += 2) map.set(String(reply[i]), reply[i + 1]);
  return map;
}

/** A count from a reply field; null when absent or not a number. */
export function countOf(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** The id of an XINFO STREAM `first-entry`/`last-entry` (`[id, fields]`), or null. */
export function entryIdOf(value: unknown): string | null {
  return Array.isArray(value) && value.length > 0 ? String(value[0]) : null;
}

/** `[[id, [field, value, ...]], ...]` as raw entries: id and a field map (null when deleted). */
export function rawEntries(
  reply: unknown,
): { readonly id: string; readonly fields: Map<string, string> | null }[] {
  if (!Array.isArray(reply)) return [];
  const entries: { id: string; fields: Map<string, string> | null }[] = [];
  for (const item of reply) {
    if (!Array.isArray(item)) continue;
    const flat = item[1];
    const fields = Array.isArray(flat) ? new Map<string, string>() : null;
    if (fields !== null) {
      for (let i = 0; i + 1 < (flat as unknown[]).length; i += 2) {
        fields.set(String((flat as unknown[])[i]), String((flat as unknown[])[i + 1]));
      }
    }
    entries.push({ id: String(item[0]), fields });
  }
  return entries;
}

/** The time part of a stream entry id, ms. */
export function idTime(id: string): number {
  return Number(id.slice(0, id.indexOf("-")));
}

/** A stream entry as stored. */
export function storedEntry(id: string, fields: Map<string, string> | null): StoredEntry {
  return {
    entryId: id,
    wire: fields?.get(EVENT_FIELD) ?? null,
    headers: fields?.get(HEADERS_FIELD) ?? "",
    storedAtMs: idTime(id),
  };
}

/** A dead-letter entry as stored (fields `original_id`, `event`, `headers`, `reason`, `failed_at`). */
export function storedDeadLetter(id: string, fields: Map<string, string> | null): StoredDeadLetter {
  return {
    ...storedEntry(id, fields),
    originalId: fields?.get("original_id") ?? null,
    reason: fields?.get("reason") ?? "",
    failedAt: fields?.get("failed_at") ?? "",
  };
}

/**
 * `[[id, [field, value, ...]], ...]` straight to stored entries, without a field map per entry:
 * the path of every scan, which a search runs 100 times over 100,000 entries.
 */
export function storedEntries(reply: unknown): StoredEntry[] {
  if (!Array.isArray(reply)) return [];
  const entries: StoredEntry[] = [];
  for (const item of reply) {
    if (!Array.isArray(item)) continue;
    const id = String(item[0]);
    const flat = item[1];
    let wire: string | null = null;
    let headers = "";
    if (Array.isArray(flat)) {
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const name = flat[i];
        if (name === EVENT_FIELD) wire = String(flat[i + 1]);
        else if (name === HEADERS_FIELD) headers = String(flat[i + 1]);
      }
    }
    entries.push({ entryId: id, wire, headers, storedAtMs: idTime(id) });
  }
  return entries;
}
