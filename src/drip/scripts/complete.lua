-- Completes a batch: records each recipient's send in their send ledger,
-- advances them to their next step (back into the due index) and deletes the
-- batch, all at once. Running it twice is harmless.
-- KEYS[1] due index  KEYS[2] claimed batches  KEYS[3] the batch hash
-- ARGV[1] batch id   ARGV[2] key prefix       ARGV[3] now
-- ARGV[4] JSON array of results:
--   {id, outcome = sent|failed|skipped|requeue, ledgerField, ledgerValue, nextStep, nextDue}
--   nextStep = "" when the sequence is finished; nextDue = false for none.
if redis.call('EXISTS', KEYS[3]) == 0 then
  return 0
end
local results = cjson.decode(ARGV[4])
for _, r in ipairs(results) do
  local sub = sub_key(ARGV[2], r.id)
  local status = redis.call('HGET', sub, F.status)
  -- Erased meanwhile: nothing of theirs may be written back.
  if status then
    local before = dir_state(ARGV[2], r.id)
    if redis.call('HGET', sub, F.batch) == ARGV[1] then
      redis.call('HDEL', sub, F.batch)
    end
    local receiving = (status == 'active' or status == 'paused')
    if r.outcome == 'sent' or r.outcome == 'failed' then
      ledger_put(ARGV[2], r.id, r.ledgerField, r.ledgerValue)
    end
    if r.outcome == 'sent' then
      redis.call('HSET', sub, F.lastSentAt, ARGV[3])
      if r.nextStep == '' then
        redis.call('HDEL', sub, F.sequence, F.step)
        redis.call('HSET', sub, F.sequenceCompletedAt, ARGV[3])
      else
        redis.call('HSET', sub, F.step, r.nextStep)
      end
    elseif r.outcome == 'failed' then
      redis.call('HSET', sub, F.lastError, r.ledgerValue)
    end
    if r.nextDue and receiving and (r.outcome == 'sent' or r.outcome == 'requeue') then
      redis.call('ZADD', KEYS[1], r.nextDue, r.id)
    end
    dir_sync(ARGV[2], r.id, before)
  end
end
redis.call('DEL', KEYS[3])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
