-- Changes a subscriber's state and records why, in one step: the hash, the
-- consent ledger and the drip due index never disagree.
-- KEYS[1] subscriber hash   KEYS[2] consent ledger (string)   KEYS[3] due index (zset)
-- ARGV[1] subscriber id
-- ARGV[2] allowed current statuses, comma-separated, or * for any
-- ARGV[3] JSON fields to set, by stored name ("" deletes the field)
-- ARGV[4] ledger entry (stored form), or "" for none
-- ARGV[5] due index action: keep | remove | a score (ms) to add
-- ARGV[6] "1" to skip when nothing would change (fields already equal)
-- ARGV[7] key prefix (directory indexes and daily counts, see directory.lua)
-- ARGV[8] consent ledger cap
-- KEYS[5] pending index (PENDING_RETENTION): a subscriber leaves it when they stop being pending
-- KEYS[4] user agents hash   ARGV[9] user-agent digest ("" for none)   ARGV[10] the user agent
-- Returns {outcome, previousStatus}; outcome is ok | unchanged | skip | missing
-- Field names are F's (record.lua, prepended with directory.lua).

if redis.call('EXISTS', KEYS[1]) == 0 then
  return {'missing', ''}
end
local status = redis.call('HGET', KEYS[1], F.status)
if ARGV[2] ~= '*' then
  local allowed = false
  for s in string.gmatch(ARGV[2], '[^,]+') do
    if s == status then allowed = true end
  end
  if not allowed then return {'skip', status} end
end
local fields = cjson.decode(ARGV[3])
local before = dir_state(ARGV[7], ARGV[1])
if ARGV[6] == '1' then
  local same = true
  for k, v in pairs(fields) do
    if k ~= F.updatedAt and (redis.call('HGET', KEYS[1], k) or '') ~= v then same = false end
  end
  if same then return {'unchanged', status} end
end
for k, v in pairs(fields) do
  if v == '' then
    redis.call('HDEL', KEYS[1], k)
  else
    redis.call('HSET', KEYS[1], k, v)
  end
end
if ARGV[4] ~= '' then
  consent_append(KEYS[2], KEYS[1], ARGV[4], tonumber(ARGV[8]))
  if ARGV[9] ~= '' then redis.call('HSETNX', KEYS[4], ARGV[9], ARGV[10]) end
end
dir_sync(ARGV[7], ARGV[1], before)
dir_count(ARGV[7], ARGV[4])
if status == 'pending' and redis.call('HGET', KEYS[1], F.status) ~= 'pending' then
  redis.call('ZREM', KEYS[5], ARGV[1])
end
if ARGV[5] == 'remove' then
  redis.call('ZREM', KEYS[3], ARGV[1])
elseif ARGV[5] ~= 'keep' then
  redis.call('ZADD', KEYS[3], ARGV[5], ARGV[1])
end
return {'ok', status}
