-- Takes the pending batches whose send time has come out of the pending set,
-- at most ARGV[2] of them; the caller enqueues them (the sweep re-enqueues any
-- a crash left behind).
-- KEYS[1] pending batches  ARGV[1] now  ARGV[2] limit
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
end
return ids
