-- Fixes who a newsletter batch sends to, on its first attempt, so every retry
-- sends the byte-identical payload under the same Idempotency-Key. Refuses a
-- batch whose issue was cancelled or rescheduled before it started. Each
-- reader is held by at most one live batch of an issue (the in-flight hash),
-- and a reader whose ledger already has this issue is skipped: a reader
-- listed twice by the audience scan, or again after a reschedule, gets it once.
-- KEYS[1] the batch hash  KEYS[2] the issue hash  KEYS[3] the issue's in-flight hash
-- ARGV[1] batch id  ARGV[2] key prefix  ARGV[3] ledger field ("newsletter/<issue>")
-- ARGV[4] JSON plan {recipients = [{id, ...}], skip = [{id, why}]}
-- Returns the plan in force (JSON), 'cancelled', or false when the batch is complete.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
local stored = redis.call('HGET', KEYS[1], 'plan')
if stored then
  return stored
end
if redis.call('HGET', KEYS[2], 'state') ~= 'sending'
  or redis.call('HGET', KEYS[2], 'generation') ~= redis.call('HGET', KEYS[1], 'generation') then
  return 'cancelled'
end
local plan = cjson.decode(ARGV[4])
local recipients = {}
local skip = plan.skip
if type(skip) ~= 'table' or next(skip) == nil then skip = {} end
if type(plan.recipients) == 'table' then
  for _, r in ipairs(plan.recipients) do
    local holder = redis.call('HGET', KEYS[3], r.id)
    if ledger_has(ARGV[2], r.id, ARGV[3]) then
      table.insert(skip, {id = r.id, why = 'already sent'})
    elseif holder and holder ~= ARGV[1] then
      table.insert(skip, {id = r.id, why = 'in another batch'})
    else
      redis.call('HSET', KEYS[3], r.id, ARGV[1])
      table.insert(recipients, r)
    end
  end
end
local frozen = cjson.encode({recipients = recipients, skip = skip, n = #recipients})
redis.call('HSET', KEYS[1], 'plan', frozen)
return frozen
