-- Records one page of the audience as send batches, together with the scan
-- cursor that produced it: a crash re-reads at most this page, never skips
-- one. A page read by a tick that lost a race (the cursor moved) is dropped.
-- KEYS[1] the issue hash  KEYS[2] live batches of the issue (zset id -> createdAt)
-- KEYS[3] pending batches (zset id -> sendAt, all issues)
-- ARGV[1] generation  ARGV[2] cursor read from  ARGV[3] cursor after the page
-- ARGV[4] '1' when the scan is complete  ARGV[5] now  ARGV[6] key prefix
-- ARGV[7] issue id  ARGV[8] JSON [{id, sendAt, members}]
-- Returns {'ok', ids of batches due now ...} or {'stale'}
if redis.call('HGET', KEYS[1], 'state') ~= 'sending'
  or redis.call('HGET', KEYS[1], 'generation') ~= ARGV[1]
  or redis.call('HGET', KEYS[1], 'cursor') ~= ARGV[2] then
  return {'stale'}
end
local now = tonumber(ARGV[5])
local out = {'ok'}
local readers = 0
local batches = cjson.decode(ARGV[8])
for _, b in ipairs(batches) do
  redis.call('HSET', ARGV[6] .. ':nl:batch:' .. b.id, 'issue', ARGV[7], 'generation', ARGV[1],
    'sendAt', b.sendAt, 'members', cjson.encode(b.members), 'createdAt', ARGV[5])
  redis.call('ZADD', KEYS[2], now, b.id)
  if tonumber(b.sendAt) > now then
    redis.call('ZADD', KEYS[3], b.sendAt, b.id)
  else
    table.insert(out, b.id)
  end
  readers = readers + #b.members
end
redis.call('HINCRBY', KEYS[1], 'c:audience', readers)
redis.call('HINCRBY', KEYS[1], 'c:batches', #batches)
redis.call('HSET', KEYS[1], 'cursor', ARGV[3], 'fanoutDone', ARGV[4])
return out
