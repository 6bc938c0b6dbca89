-- Fixes who a batch sends to on its first attempt, so every retry sends the
-- byte-identical payload under the same Idempotency-Key.
-- KEYS[1] the batch hash   ARGV[1] JSON plan
-- Returns the plan in force, or false when the batch is already complete.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
redis.call('HSETNX', KEYS[1], 'plan', ARGV[1])
return redis.call('HGET', KEYS[1], 'plan')
