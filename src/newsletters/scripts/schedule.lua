-- Schedules (or reschedules) an issue. From "cancelled" it starts a new run:
-- a new generation, the audience read again from the start, and the counts of
-- the earlier run kept as sentBefore. Readers who already got it are skipped
-- at send time through their send ledger.
-- KEYS[1] the issue hash  KEYS[2] the set of active issues
-- ARGV[1] id  ARGV[2] date  ARGV[3] hour  ARGV[4] sendNow '1'|'0'
-- ARGV[5] startAt (ms)  ARGV[6] now  ARGV[7] '1' when health claims block it
-- Returns {outcome, state or generation}: ok | missing | refused | claims
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {'missing', ''}
end
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'sending' or state == 'sent' then
  return {'refused', state}
end
if ARGV[7] == '1' then
  return {'claims', state}
end
local generation
if state == 'scheduled' then
  generation = redis.call('HGET', KEYS[1], 'generation')
else
  generation = tostring(redis.call('HINCRBY', KEYS[1], 'generation', 1))
  local sent = tonumber(redis.call('HGET', KEYS[1], 'c:sent') or '0')
  if sent > 0 then
    redis.call('HINCRBY', KEYS[1], 'c:sentBefore', sent)
  end
  local fields = redis.call('HKEYS', KEYS[1])
  for _, f in ipairs(fields) do
    if (string.sub(f, 1, 2) == 'c:' and f ~= 'c:sentBefore') or string.sub(f, 1, 5) == 'skip:' then
      redis.call('HDEL', KEYS[1], f)
    end
  end
end
redis.call('HSET', KEYS[1], 'state', 'scheduled', 'date', ARGV[2], 'hour', ARGV[3], 'sendNow', ARGV[4],
  'startAt', ARGV[5], 'scheduledAt', ARGV[6], 'updatedAt', ARGV[6], 'cursor', '0', 'fanoutDone', '0', 'cancelledAt', '')
redis.call('SADD', KEYS[2], ARGV[1])
return {'ok', generation}
