-- The subscriber directory: indexes the console lists and counts by, kept in
-- step with the subscriber hash by every script that changes it. This text is
-- prepended to those scripts, after the record layout (record.lua, which
-- gives F and sub_key; see src/subscribers/directory.ts).
--   PREFIX:dir:status:<status>       zset id -> createdAt (list and count by status)
--   PREFIX:dir:step:<sequence>/<step> zset id -> createdAt (the series funnel, list by step)
--   PREFIX:stats:day:<YYYY-MM-DD>    hash event -> count (the overview's daily chart)

-- What a subscriber is indexed under, read from their hash (nil when gone).
local function dir_state(prefix, id)
  local v = redis.call('HMGET', sub_key(prefix, id), F.status, F.sequence, F.step, F.createdAt)
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

-- YYYY-MM-DD (UTC) of a time in ms: the civil-from-days algorithm (Redis's Lua has no os.date).
local function utc_day(ms)
  local z = math.floor(ms / 86400000) + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400
  if m <= 2 then y = y + 1 end
  return string.format('%04d-%02d-%02d', y, m, d)
end

-- Counts a consent event for its UTC day. Kept ~13 months. Entries come in
-- the stored form (time in ms, base 36, a tab, the event's letter, named in
-- LEDGER_EVENT_NAMES, which directory.ts puts in front; consent-ledger.ts)
-- or, for an instant that form cannot hold, as full JSON (event, at).
local DAY_EVENTS = { signup = true, confirmed = true, unsubscribed = true, bounced = true, complained = true }
local function dir_count(prefix, entry)
  if entry == nil or entry == '' then return end
  local event, date = nil, nil
  if string.sub(entry, 1, 1) == '{' then
    local e = cjson.decode(entry)
    event = e.event
    if type(e.at) == 'string' then date = string.sub(e.at, 1, 10) end
  else
    local t, code = string.match(entry, '^(%w+)\t([^\t]*)')
    event = LEDGER_EVENT_NAMES[code]
    if t then date = utc_day(tonumber(t, 36)) end
  end
  if not DAY_EVENTS[event] or not date then return end
  local day = prefix .. ':stats:day:' .. date
  redis.call('HINCRBY', day, event, 1)
  redis.call('EXPIRE', day, 400 * 86400)
end
