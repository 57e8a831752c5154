/**
 * Replay into a fresh consumer group on Redis: the group is created on the stream itself,
 * positioned just before the first entry of the range, so its consumers are handed every entry
 * from there on (the original entries: nothing is copied, so it costs one command whatever the
 * range's size). Only a contiguous range that runs to the stream's end can be replayed so: a
 * group reads everything after its position. The group's last-delivered id and pending list are
 * its progress, so the replay resumes by itself.
 */
import type { Redis } from "ioredis";
import { InspectQueryError } from "../../core/inspect/errors.js";
import { compareEntryIds, isEntryId } from "../../core/replay/history.js";

const MAX_SEQ = "18446744073709551615";
/** The most entries counted when Redis does not report a group's lag. */
const MAX_COUNTED = 10_000;

/**
 * The id to create the group at so it delivers every entry from `since` (an entry id, or epoch
 * ms) on: the id just before it. `"0"` from the start.
 */
export function groupStartId(since: string | number | undefined): string {
  if (since === undefined) return "0";
  if (typeof since === "number") {
    if (!Number.isSafeInteger(since) || since < 0) {
      throw new InspectQueryError("since", "epoch ms (a non-negative integer)", since);
    }
    return since === 0 ? "0" : `${since - 1}-${MAX_SEQ}`;
  }
  if (!isEntryId(since)) {
    throw new InspectQueryError("since", "a Redis stream entry id such as 1700000000000-0", since);
  }
  const [ms, seq = "0"] = since.split("-") as [string, string?];
  const time = BigInt(ms);
  const sequence = BigInt(seq);
  if (sequence > 0n) return `${time}-${sequence - 1n}`;
  return time === 0n ? "0" : `${time - 1n}-${MAX_SEQ}`;
}

/** What {@link createGroupAt} made. */
export interface ReplayGroup {
  readonly group: string;
  /** The id the group was created at (its last-delivered id). */
  readonly startId: string;
  /** Entries the group has to handle now; null when there are more than 10,000 and Redis does not say. */
  readonly lag: number | null;
  /** The stream's oldest entry, when it is after the start: the range before it is gone. */
  readonly oldestKept: string | null;
}

/**
 * Creates consumer group `group` on `stream` at `startId` (XGROUP CREATE, no MKSTREAM). Rejects
 * with the server's BUSYGROUP error when the group exists: replaying into a live group would
 * move its position and skip or repeat its events.
 */
export async function createGroupAt(
  redis: Redis,
  stream: string,
  group: string,
  startId: string,
): Promise<ReplayGroup> {
  await redis.call("XGROUP", ["CREATE", stream, group, startId]);
  const groups = (await redis.call("XINFO", ["GROUPS", stream])) as unknown[][];
  let lag: number | null = null;
  for (const fields of groups) {
    const map = new Map<string, unknown>();
    for (let i = 0; i + 1 < fields.length; i += 2) map.set(String(fields[i]), fields[i + 1]);
    if (map.get("name") === group && typeof map.get("lag") === "number")
      lag = map.get("lag") as number;
  }
  if (lag === null) {
    // Redis leaves the lag unknown for a group created at an id of its own: count, bounded.
    const start = startId === "0" ? "-" : `(${startId}`;
    const ahead = (await redis.call("XRANGE", [
      stream,
      start,
      "+",
      "COUNT",
      String(MAX_COUNTED),
    ])) as unknown[];
    if (ahead.length < MAX_COUNTED) lag = ahead.length;
  }
  const first = (await redis.call("XRANGE", [stream, "-", "+", "COUNT", "1"])) as [string][];
  const oldest = first[0]?.[0];
  const oldestKept =
    oldest !== undefined &&
    startId !== "0" &&
    compareEntryIds(oldest, startId) > 0 &&
    !isNext(startId, oldest)
      ? oldest
      : null;
  return { group, startId, lag, oldestKept };
}

/** Whether `id` is the first id after `start` that any entry could have. */
function isNext(start: string, id: string): boolean {
  return groupStartId(id) === start;
}
