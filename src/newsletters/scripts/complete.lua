-- Completes a newsletter batch: the send ledger entry of each recipient, the
-- issue's counts, the in-flight holds released and the batch deleted, all at
-- once. Running it twice is harmless.
-- KEYS[1] the batch hash  KEYS[2] the issue hash  KEYS[3] live batches of the issue
-- KEYS[4] the issue's in-flight hash
-- ARGV[1] batch id  ARGV[2] key prefix  ARGV[3] ledger field
-- ARGV[4] JSON {sent = [[id, value]], failed = [[id, value]], skipped = {why = n}, cancelled = n,
--   released = [id] (planned readers a retry left out: holds released),
--   unplanned = n (readers of a batch given up on before its plan: failed, no ledger entry)}
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local r = cjson.decode(ARGV[4])
local function ledger(list, counter)
  if type(list) ~= 'table' then return end
  for _, e in ipairs(list) do
    -- Erased meanwhile: nothing of theirs may be written back.
    if redis.call('EXISTS', sub_key(ARGV[2], e[1])) == 1 then
      ledger_put(ARGV[2], e[1], ARGV[3], e[2])
    end
    if redis.call('HGET', KEYS[4], e[1]) == ARGV[1] then
      redis.call('HDEL', KEYS[4], e[1])
    end
  end
  if #list > 0 then
    redis.call('HINCRBY', KEYS[2], counter, #list)
  end
end
ledger(r.sent, 'c:sent')
ledger(r.failed, 'c:failed')
if type(r.released) == 'table' then
  for _, id in ipairs(r.released) do
    if redis.call('HGET', KEYS[4], id) == ARGV[1] then
      redis.call('HDEL', KEYS[4], id)
    end
  end
end
if type(r.skipped) == 'table' then
  for why, n in pairs(r.skipped) do
    redis.call('HINCRBY', KEYS[2], 'skip:' .. why, n)
    redis.call('HINCRBY', KEYS[2], 'c:skipped', n)
  end
end
if tonumber(r.unplanned) and tonumber(r.unplanned) > 0 then
  redis.call('HINCRBY', KEYS[2], 'c:failed', r.unplanned)
end
if tonumber(r.cancelled) and tonumber(r.cancelled) > 0 then
  redis.call('HINCRBY', KEYS[2], 'c:cancelled', r.cancelled)
end
redis.call('HINCRBY', KEYS[2], 'c:batchesDone', 1)
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return 1
