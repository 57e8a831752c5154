/**
 * The idempotent enqueue of a Redis stream (`RedisBackend.enqueueOnce`): the ids added this way
 * are kept in the sorted set `<stream>:once` (scored by when they were added), and one script
 * checks the set, adds the entry and remembers the id, so a copy forwarded again after a crash,
 * or by two forwarders at once, is added once. The set keeps the latest
 * {@link ONCE_WINDOW_IDS} ids and forgets the oldest first.
 */
import type { Event } from "../../core/event.js";
import { type LuaScript, luaScript, type StreamClient } from "./client.js";
import { encodeEvent, encodeHeaders } from "./wire.js";

/**
 * How many ids `<stream>:once` remembers. At about 100 bytes an id, some 10 MB of Redis memory
 * for the stream; a copy of an event arriving after 100,000 newer forwards is added again.
 */
export const ONCE_WINDOW_IDS = 100_000;

/** The sorted set of the ids `enqueueOnce` added to `streamKey`. */
export function onceKey(streamKey: string): string {
  return `${streamKey}:once`;
}

/**
 * KEYS: stream, its once set. ARGV: event id, now (ms), window, maxLen (0 = no trimming), event
 * JSON, headers JSON ('' for none). Returns 1 when the entry was added, 0 for a copy.
 */
export const ENQUEUE_ONCE: LuaScript = luaScript(`
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
local maxlen = tonumber(ARGV[4])
local fields = { 'event', ARGV[5] }
if ARGV[6] ~= '' then fields[3] = 'headers'; fields[4] = ARGV[6] end
if maxlen > 0 then
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*', unpack(fields))
else
  redis.call('XADD', KEYS[1], '*', unpack(fields))
end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
local size = redis.call('ZCARD', KEYS[2])
local window = tonumber(ARGV[3])
if size > window then redis.call('ZREMRANGEBYRANK', KEYS[2], 0, size - window - 1) end
return 1
`);

/** Adds `event` to `streamKey` unless its id is in the once set; resolves whether it was added. */
export async function enqueueOnce(
  client: StreamClient,
  streamKey: string,
  event: Event,
  maxLen: number | undefined,
): Promise<boolean> {
  const added = await client.runScript(
    ENQUEUE_ONCE,
    [streamKey, onceKey(streamKey)],
    [event.id, Date.now(), ONCE_WINDOW_IDS, maxLen ?? 0, encodeEvent(event), encodeHeaders(event)],
  );
  return added === 1;
}
