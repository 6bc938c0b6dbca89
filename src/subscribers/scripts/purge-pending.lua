-- Retention of never-confirmed signups: removes one pending subscriber whose
-- last confirmation email is older than the cutoff. No tombstone: this is
-- data minimisation, not an erasure request, so the person may sign up again.
-- KEYS[1] subscriber hash  KEYS[2] consent ledger  KEYS[3] the send ledger's own hash (records from before record.lua's layout)
-- KEYS[4] canonical index  KEYS[5] due index       KEYS[6] pending index
-- ARGV[1] subscriber id    ARGV[2] cutoff (ms)   ARGV[3] key prefix (the directory indexes, see directory.lua)
-- Returns 1 when purged, 0 when the entry only left or moved in the pending index.
local status = redis.call('HGET', KEYS[1], F.status)
if status ~= 'pending' then
  redis.call('ZREM', KEYS[6], ARGV[1]) -- confirmed, unsubscribed or gone: not pending any more
  return 0
end
local last = tonumber(redis.call('HGET', KEYS[1], F.confirmationSentAt) or '')
  or tonumber(redis.call('HGET', KEYS[1], F.createdAt) or '0')
if last > tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[6], last, ARGV[1]) -- signed up again since: wait from the newer email
  return 0
end
local canonical = redis.call('HGET', KEYS[1], F.canonical) or redis.call('HGET', KEYS[1], F.email)
if canonical and redis.call('HGET', KEYS[4], canonical) == ARGV[1] then
  redis.call('HDEL', KEYS[4], canonical)
end
local before = dir_state(ARGV[3], ARGV[1])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
dir_sync(ARGV[3], ARGV[1], before)
redis.call('DEL', ARGV[3] .. ':events:' .. ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('ZREM', KEYS[6], ARGV[1])
return 1
