-- The subscriber directory: indexes the console lists and counts by, kept in
-- step with the subscriber hash by every script that changes it. This text is
-- prepended to those scripts (see src/subscribers/directory.ts).
--   PREFIX:dir:status:<status>       zset id -> createdAt (list and count by status)
--   PREFIX:dir:step:<sequence>/<step> zset id -> createdAt (the series funnel, list by step)
--   PREFIX:stats:day:<YYYY-MM-DD>    hash event -> count (the overview's daily chart)

-- What a subscriber is indexed under, read from their hash (nil when gone).
local function dir_state(prefix, id)
  local v = redis.call('HMGET', prefix .. ':sub:' .. id, 'status', 'sequence', 'step', 'createdAt')
  if not v[1] then return nil end
  local step = false
  if v[2] and v[2] ~= '' and v[3] and v[3] ~= '' then step = v[2] .. '/' .. v[3] end
  return { status = v[1], step = step, score = tonumber(v[4] or '0') or 0 }
end

-- Moves the subscriber between index entries after a change; `before` is
-- dir_state() from before it (nil for a new subscriber).
local function dir_sync(prefix, id, before)
  local after = dir_state(prefix, id)
  local function key(kind, value) return prefix .. ':dir:' .. kind .. ':' .. value end
  if before and (not after or before.status ~= after.status) then
    redis.call('ZREM', key('status', before.status), id)
  end
  if before and before.step and (not after or before.step ~= after.step) then
    redis.call('ZREM', key('step', before.step), id)
  end
  if after then
    if not before or before.status ~= after.status then
      redis.call('ZADD', key('status', after.status), after.score, id)
    end
    if after.step and (not before or before.step ~= after.step) then
      redis.call('ZADD', key('step', after.step), after.score, id)
    end
  end
end

-- Counts a consent event for its UTC day. Kept ~13 months.
local DAY_EVENTS = { signup = true, confirmed = true, unsubscribed = true, bounced = true, complained = true }
local function dir_count(prefix, entryJson)
  if entryJson == nil or entryJson == '' then return end
  local entry = cjson.decode(entryJson)
  if not DAY_EVENTS[entry.event] or type(entry.at) ~= 'string' then return end
  local day = prefix .. ':stats:day:' .. string.sub(entry.at, 1, 10)
  redis.call('HINCRBY', day, entry.event, 1)
  redis.call('EXPIRE', day, 400 * 86400)
end
