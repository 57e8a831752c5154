/**
 * The RedisInspector's Lua scripts: the dead-letter repairs, each one atomic step.
 *
 * Both touch the stream and its dead-letter stream only, so with keys that share a hash tag
 * (`{orders}:events`, `{orders}:events:dlq`) they run on Redis Cluster too.
 */
import { type LuaScript, luaScript } from "./client.js";
import { EVENT_FIELD, HEADERS_FIELD } from "./wire.js";

/**
 * Requeue: for each dead-letter entry id, add its event back to the stream as a new entry, its
 * headers with `requeued-from` set to the dead letter's id and `attempt` dropped (the new entry's
 * delivery count starts over, so its attempt is 1), and delete the dead letter: both or neither,
 * since a script runs whole. The caller has checked that each entry holds a valid event.
 *
 * KEYS: stream, dlq. ARGV: entry ids. Returns per id the new entry's id, or '' when the dead
 * letter is gone, or '!' and why it was left in place.
 */
export const REQUEUE_DEAD_LETTERS: LuaScript = luaScript(`
local results = {}
for i = 1, #ARGV do
  local id = ARGV[i]
  local found = redis.call('XRANGE', KEYS[2], id, id)
  if #found == 0 then
    results[i] = ''
  else
    local fields = found[1][2]
    local event, headers
    for j = 1, #fields, 2 do
      if fields[j] == '${EVENT_FIELD}' then event = fields[j + 1]
      elseif fields[j] == '${HEADERS_FIELD}' then headers = fields[j + 1] end
    end
    local h, ok = {}, true
    if headers ~= nil and headers ~= '' then
      local decoded
      ok, decoded = pcall(cjson.decode, headers)
      if ok and type(decoded) == 'table' then h = decoded else ok = false end
    end
    if event == nil then
      results[i] = '!it has no event field'
    elseif not ok then
      results[i] = '!its headers are not a JSON object'
    else
      h['attempt'] = nil
      h['requeued-from'] = id
      results[i] = redis.call('XADD', KEYS[1], '*', '${EVENT_FIELD}', event, '${HEADERS_FIELD}', cjson.encode(h))
      redis.call('XDEL', KEYS[2], id)
    end
  end
end
return results
`);

/**
 * Delete: XDEL each dead-letter entry id, in one step. KEYS: dlq. ARGV: entry ids. Returns per
 * id 1 when deleted, 0 when it was not there.
 */
export const DELETE_DEAD_LETTERS: LuaScript = luaScript(`
local results = {}
for i = 1, #ARGV do results[i] = redis.call('XDEL', KEYS[1], ARGV[i]) end
return results
`);
