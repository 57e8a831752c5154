/**
 * The Lua scripts: each does in one atomic step what would be unsafe as separate commands.
 * Every script touches only the keys it is given, so with keys that share a hash tag it runs on
 * Redis Cluster too.
 */
import { type LuaScript, luaScript } from "./client.js";

/**
 * Commit: for each entry, ack it and add the events its handling emitted, only if this consumer
 * still owns it. A consumer that stalled past claimMinIdleMs and lost an entry to another
 * consumer adds nothing for it: the new owner will emit them. Commits that arrive together go in
 * one call (see commit-batch.ts); each entry's step is atomic on its own and so is the call.
 *
 * Ownership comes from one read of this consumer's pending list (it holds at most about
 * `batchSize` entries); only when that read is cut short at `limit` is an entry looked up alone.
 *
 * KEYS: stream. ARGV: group, consumer, maxLen (0 = no trimming), limit, then per entry: its id,
 * a count n, and the emitted events' texts:
 * - n >= 0: n event JSON texts (none of the events has headers);
 * - n < 0: -n pairs of an event JSON text and its headers JSON text ('' for none).
 * So events without headers cost no argument for them. Each event is added as an entry with an
 * `event` field, and a `headers` field only when its headers text is not ''.
 * Returns one result per entry: the number of events added, -1 when another consumer owns the
 * entry, -2 when the group no longer exists, -3 when the entry is pending for nobody: already
 * acked, typically by this very commit applied once before its reply was lost in a reconnection
 * and the call was sent again.
 */
export const COMMIT: LuaScript = luaScript(`
local group, consumer, maxlen, limit = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local function add(event, headers)
  if headers ~= '' then
    if maxlen > 0 then
      redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*', 'event', event, 'headers', headers)
    else
      redis.call('XADD', KEYS[1], '*', 'event', event, 'headers', headers)
    end
  elseif maxlen > 0 then
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*', 'event', event)
  else
    redis.call('XADD', KEYS[1], '*', 'event', event)
  end
end
-- The events of the entry whose count is at ARGV[i + 1]: how many, and texts per event.
local function shape(i)
  local n = tonumber(ARGV[i + 1])
  if n < 0 then return -n, 2 end
  return n, 1
end
local results = {}
local pel = redis.pcall('XPENDING', KEYS[1], group, '-', '+', limit, consumer)
if type(pel) == 'table' and pel.err then
  local i = 5
  while i <= #ARGV do
    results[#results + 1] = -2
    local n, width = shape(i)
    i = i + 2 + n * width
  end
  return results
end
local owned = {}
for _, entry in ipairs(pel) do owned[entry[1]] = true end
local truncated = #pel >= limit
local acks = {}
local i = 5
while i <= #ARGV do
  local id = ARGV[i]
  local n, width = shape(i)
  i = i + 2
  local mine = owned[id]
  if not mine and truncated then
    mine = #redis.call('XPENDING', KEYS[1], group, id, id, 1, consumer) > 0
  end
  if mine then
    for j = i, i + (n - 1) * width, width do
      add(ARGV[j], width == 2 and ARGV[j + 1] or '')
    end
    acks[#acks + 1] = id
    results[#results + 1] = n
  elseif #redis.call('XPENDING', KEYS[1], group, id, id, 1) == 0 then
    results[#results + 1] = -3
  else
    results[#results + 1] = -1
  end
  i = i + n * width
end
for k = 1, #acks, 500 do
  redis.call('XACK', KEYS[1], group, unpack(acks, k, math.min(k + 499, #acks)))
end
return results
`);

/**
 * Dead-letter: copy an entry to the dead-letter stream in NecroStack's layout (`original_id`,
 * `event`, `reason`, `failed_at`, and `headers` when the entry has that field, copied as it is so
 * a dead letter put back keeps them) and ack it, if it is still pending as expected: owned by
 * `consumer` when one is given, else idle at least `minIdle` ms (so two consumers recovering at
 * once dead-letter it once). An entry that is gone from the stream is acked with no copy unless
 * `fallback` holds its event.
 *
 * KEYS: stream, dlq. ARGV: group, entry id, reason, failed_at, consumer ('' = any), minIdle,
 * fallback event JSON ('' = none), optionally fallback headers JSON ('' = none; used only with
 * the fallback event). Returns 1 when copied, 0 when acked without a copy, -1 when the entry was
 * not pending as expected.
 */
export const DEAD_LETTER: LuaScript = luaScript(`
local check
if ARGV[5] ~= '' then
  check = redis.pcall('XPENDING', KEYS[1], ARGV[1], 'IDLE', tonumber(ARGV[6]), ARGV[2], ARGV[2], 1, ARGV[5])
else
  check = redis.pcall('XPENDING', KEYS[1], ARGV[1], 'IDLE', tonumber(ARGV[6]), ARGV[2], ARGV[2], 1)
end
if type(check) == 'table' and check.err then return -1 end
if #check == 0 then return -1 end
local event, headers = ARGV[7], nil
if ARGV[8] ~= nil and ARGV[8] ~= '' then headers = ARGV[8] end
local found = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])
if #found > 0 then
  headers = nil
  local fields = found[1][2]
  for i = 1, #fields, 2 do
    if fields[i] == 'event' then event = fields[i + 1]
    elseif fields[i] == 'headers' then headers = fields[i + 1] end
  end
end
local copied = 0
if event ~= '' or #found > 0 then
  if headers ~= nil then
    redis.call('XADD', KEYS[2], '*', 'original_id', ARGV[2], 'event', event, 'headers', headers, 'reason', ARGV[3], 'failed_at', ARGV[4])
  else
    redis.call('XADD', KEYS[2], '*', 'original_id', ARGV[2], 'event', event, 'reason', ARGV[3], 'failed_at', ARGV[4])
  end
  copied = 1
end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
return copied
`);

/**
 * Keep-alive: reset the idle time of entries this consumer holds, so a slow handler keeps its
 * entry. Only entries still owned by `consumer` are touched (XCLAIM with no min-idle would
 * otherwise take an entry back from the consumer that rightly claimed it). JUSTID leaves the
 * delivery count alone.
 *
 * KEYS: stream. ARGV: group, consumer, then entry ids (the caller sends them in bounded chunks).
 * Returns how many were refreshed.
 */
export const TOUCH: LuaScript = luaScript(`
local touched = 0
for i = 3, #ARGV do
  local owned = redis.pcall('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2])
  if type(owned) == 'table' and not owned.err and #owned > 0 then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    touched = touched + 1
  end
end
return touched
`);

/**
 * Leave the group: delete this consumer only when it has no pending entries, since deleting a
 * consumer drops its pending entries and nobody would ever claim them.
 *
 * KEYS: stream. ARGV: group, consumer. Returns 1 when deleted, 0 when kept.
 */
export const LEAVE_GROUP: LuaScript = luaScript(`
local pending = redis.pcall('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if type(pending) == 'table' and pending.err then return 0 end
if #pending > 0 then return 0 end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1
`);

/**
 * Hand back: on close, entries read but never handed out are moved to the group's parking
 * consumer (`target`, which never reads), idle time set past claimMinIdleMs and delivery count
 * restored, so any live consumer's next recovery round claims them at once. Moving them off the
 * closing consumer lets it leave the group; the parking consumer is removed by the idle-consumer
 * clean-up once its entries are claimed. (A live consumer cannot be picked instead: Redis 7.0
 * lists a consumer only once it was served an entry, and does not refresh its idle time on an
 * empty read.) Only entries still owned by `consumer` are touched.
 *
 * KEYS: stream. ARGV: group, consumer, idle ms, target, then pairs of entry id and delivery
 * count. Returns how many were handed back.
 */
export const HAND_BACK: LuaScript = luaScript(`
local group, me, target = ARGV[1], ARGV[2], ARGV[4]
local handed = 0
for i = 5, #ARGV, 2 do
  local owned = redis.pcall('XPENDING', KEYS[1], group, ARGV[i], ARGV[i], 1, me)
  if type(owned) == 'table' and not owned.err and #owned > 0 then
    redis.call('XCLAIM', KEYS[1], group, target, 0, ARGV[i], 'IDLE', ARGV[3], 'RETRYCOUNT', ARGV[i + 1], 'JUSTID')
    handed = handed + 1
  end
end
return handed
`);

/**
 * Idle-consumer clean-up: delete consumers of the group, other than `consumer`, that hold no
 * pending entries and have not tried to read or claim for `minIdleMs` (dead workers, whose
 * names would otherwise pile up with every restart). A consumer with pending entries is never
 * deleted: that would drop its entries from the pending list, and nobody could claim them.
 * Checked and deleted in one step, so no entry is delivered to a consumer while it is removed.
 *
 * KEYS: stream. ARGV: group, consumer, minIdleMs, most deletions. Returns how many were deleted.
 */
export const REMOVE_IDLE_CONSUMERS: LuaScript = luaScript(`
local group, me, minIdle, most = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local consumers = redis.pcall('XINFO', 'CONSUMERS', KEYS[1], group)
if type(consumers) == 'table' and consumers.err then return 0 end
local deleted = 0
for _, c in ipairs(consumers) do
  if deleted >= most then break end
  local name, pending, idle
  for i = 1, #c, 2 do
    if c[i] == 'name' then name = c[i + 1]
    elseif c[i] == 'pending' then pending = tonumber(c[i + 1])
    elseif c[i] == 'idle' then idle = tonumber(c[i + 1]) end
  end
  if name ~= me and pending == 0 and idle ~= nil and idle >= minIdle then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], group, name)
    deleted = deleted + 1
  end
end
return deleted
`);
