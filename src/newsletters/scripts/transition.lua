-- Moves an issue between states when it is in one of the allowed ones.
-- KEYS[1] the issue hash  KEYS[2] the set of active issues
-- ARGV[1] id  ARGV[2] allowed states (comma separated)  ARGV[3] new state
-- ARGV[4] JSON of extra fields  ARGV[5] 'add' | 'remove' | 'keep' (active set)
-- ARGV[6] '1': only when fan-out is done and no batch is left (KEYS[3] live batches)
-- Returns {outcome, previous state}: ok | missing | refused | busy
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {'missing', ''}
end
local state = redis.call('HGET', KEYS[1], 'state')
if not string.find(',' .. ARGV[2] .. ',', ',' .. state .. ',', 1, true) then
  return {'refused', state}
end
if ARGV[6] == '1' then
  if redis.call('HGET', KEYS[1], 'fanoutDone') ~= '1' or redis.call('ZCARD', KEYS[3]) > 0 then
    return {'busy', state}
  end
end
redis.call('HSET', KEYS[1], 'state', ARGV[3])
for k, v in pairs(cjson.decode(ARGV[4])) do
  redis.call('HSET', KEYS[1], k, v)
end
if ARGV[5] == 'add' then
  redis.call('SADD', KEYS[2], ARGV[1])
elseif ARGV[5] == 'remove' then
  redis.call('SREM', KEYS[2], ARGV[1])
end
return {'ok', state}
