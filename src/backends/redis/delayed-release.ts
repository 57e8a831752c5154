/**
 * Delayed release on Redis: `release(event, { delayMs })` takes the entry out of the consumer
 * group's pending list and parks a copy of it in two keys beside the stream, until a mover puts
 * it back on the stream as a new entry once it is due.
 *
 * - `${streamKey}:delayed`, a sorted set: member = the released entry's id, score = when it is
 *   due (Redis's clock, ms);
 * - `${streamKey}:delayed:data`, a hash: the same id to the fields the copy will have.
 *
 * Why a copy and not the pending entry itself: a pending entry idle for `claimMinIdleMs` is
 * claimed by recovery, and a delay is idle time by design; keeping it pending would mean every
 * recovery round checking every idle entry against the schedule. Once acked, the entry is none of
 * recovery's business, and it stays in the stream for audit.
 *
 * Guarantees (each script is one atomic step, and with AOF it is persisted whole):
 * - an entry is either pending or scheduled, never both and never neither: the schedule script
 *   acks it in the same step that parks its copy, and only while this consumer still owns it;
 * - a scheduled entry is moved once: the mover adds the copy and removes it from both keys in one
 *   step, so movers of several consumers running at once cannot both move it;
 * - the schedule lives in Redis, not in a worker: it survives worker restarts, and Redis restarts
 *   where Redis persists (AOF); any consumer's mover moves any due entry;
 * - due times are Redis's clock, so workers whose clocks disagree still agree on them.
 *
 * The copy's `attempt` field is the attempt it will be delivered on, and `for_group` names the
 * consumer group that released it: other groups reading the same stream ack the copy unhandled.
 * Every other field (the event, its headers) is copied as it is.
 *
 * Keys share the stream's hash tag when it has one (`{orders}:events:delayed`), so both scripts
 * run on Redis Cluster.
 */
import type { LuaScript, StreamClient } from "./client.js";
import { luaScript } from "./client.js";
import { EVENT_FIELD, HEADERS_FIELD } from "./wire.js";

/** The entry field holding the attempt a released copy is delivered on (absent: 1). */
export const ATTEMPT_FIELD = "attempt";
/** The entry field naming the only consumer group a released copy is for (absent: every group). */
export const GROUP_FIELD = "for_group";

/** Due entries moved per mover call. */
export const MOVE_PAGE = 100;

/** The sorted set and hash of `streamKey`'s delayed entries. */
export function delayedKeys(streamKey: string): readonly [schedule: string, data: string] {
  return [`${streamKey}:delayed`, `${streamKey}:delayed:data`];
}

/**
 * Schedule: if this consumer still owns the entry, park a copy of its fields (with `attempt` and
 * `for_group` set) due `delayMs` from now, and ack it. An entry that is pending for this consumer
 * but gone from the stream (trimmed) is parked from `fallback`, the event JSON the consumer holds,
 * with `fallbackHeaders` (its headers JSON, '' for none).
 * Due times are rounded up to the next ms, so an entry is never moved sooner than `delayMs`.
 *
 * KEYS: stream, schedule, data. ARGV: group, consumer, entry id, delayMs, attempt, fallback,
 * fallbackHeaders.
 * Returns 1 when scheduled, -1 when the entry is not pending for this consumer (another claimed
 * it, or it was settled), -2 when the group does not exist.
 */
export const SCHEDULE_RELEASE: LuaScript = luaScript(`
local group, me, id = ARGV[1], ARGV[2], ARGV[3]
local owned = redis.pcall('XPENDING', KEYS[1], group, id, id, 1, me)
if type(owned) == 'table' and owned.err then return -2 end
if #owned == 0 then return -1 end
local fields = {}
local found = redis.call('XRANGE', KEYS[1], id, id)
if #found > 0 then
  local source = found[1][2]
  for i = 1, #source, 2 do
    if source[i] ~= '${ATTEMPT_FIELD}' and source[i] ~= '${GROUP_FIELD}' then
      fields[#fields + 1] = source[i]
      fields[#fields + 1] = source[i + 1]
    end
  end
else
  fields = { '${EVENT_FIELD}', ARGV[6] }
  if ARGV[7] ~= '' then
    fields[3] = '${HEADERS_FIELD}'
    fields[4] = ARGV[7]
  end
end
fields[#fields + 1] = '${ATTEMPT_FIELD}'
fields[#fields + 1] = ARGV[5]
fields[#fields + 1] = '${GROUP_FIELD}'
fields[#fields + 1] = group
local now = redis.call('TIME')
local due = tonumber(now[1]) * 1000 + math.ceil(tonumber(now[2]) / 1000) + tonumber(ARGV[4])
redis.call('HSET', KEYS[3], id, cmsgpack.pack(fields))
redis.call('ZADD', KEYS[2], due, id)
redis.call('XACK', KEYS[1], group, id)
return 1
`);

/**
 * Move: add every due entry's copy to the stream (trimmed like any add when `maxLen` > 0) and
 * forget it, up to `limit` per call, oldest due first. A member without data (never written by
 * the schedule script) is dropped.
 *
 * KEYS: stream, schedule, data. ARGV: limit, maxLen (0 = no trimming). Returns { moved, ms until
 * the next entry is due (-1 when none is scheduled) }.
 */
export const MOVE_DUE: LuaScript = luaScript(`
local limit, maxlen = tonumber(ARGV[1]), tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, limit)
local moved = 0
for _, id in ipairs(due) do
  local packed = redis.call('HGET', KEYS[3], id)
  if packed then
    local fields = cmsgpack.unpack(packed)
    if maxlen > 0 then
      redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*', unpack(fields))
    else
      redis.call('XADD', KEYS[1], '*', unpack(fields))
    end
    redis.call('HDEL', KEYS[3], id)
    moved = moved + 1
  end
  redis.call('ZREM', KEYS[2], id)
end
local nextDue = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
local wait = -1
if #nextDue > 0 then wait = math.max(0, tonumber(nextDue[2]) - now) end
return { moved, wait }
`);

/** What {@link scheduleRelease} did. */
export type ScheduleResult = "scheduled" | "not-owned" | "no-group";

/** Parks entry `id` (attempt `attempt` so far) to be delivered again on `attempt + 1`. */
export async function scheduleRelease(
  client: StreamClient,
  at: { readonly streamKey: string; readonly group: string; readonly consumer: string },
  entry: {
    readonly id: string;
    readonly attempt: number;
    readonly eventJson: string;
    /** The event's headers JSON, '' for none. */
    readonly headersJson: string;
  },
  delayMs: number,
): Promise<ScheduleResult> {
  const result = await client.runScript(
    SCHEDULE_RELEASE,
    [at.streamKey, ...delayedKeys(at.streamKey)],
    [
      at.group,
      at.consumer,
      entry.id,
      Math.ceil(delayMs),
      entry.attempt + 1,
      entry.eventJson,
      entry.headersJson,
    ],
  );
  if (result === 1) return "scheduled";
  return result === -2 ? "no-group" : "not-owned";
}

/** What one mover call did. */
export interface MoveRound {
  readonly moved: number;
  /** Ms until the next scheduled entry is due, or undefined when none is scheduled. */
  readonly nextDueInMs: number | undefined;
}

/** Moves up to {@link MOVE_PAGE} due entries of `streamKey` back onto the stream. */
export async function moveDueEntries(
  client: StreamClient,
  streamKey: string,
  maxLen: number | undefined,
): Promise<MoveRound> {
  const reply = (await client.runScript(
    MOVE_DUE,
    [streamKey, ...delayedKeys(streamKey)],
    [MOVE_PAGE, maxLen ?? 0],
  )) as [unknown, unknown];
  const wait = Number(reply[1]);
  return { moved: Number(reply[0]), nextDueInMs: wait < 0 ? undefined : wait };
}
