-- Records a payload a batch's Idempotency-Key has carried (delivery/retry-plan.ts),
-- or that an attempt with it ended without an answer. Never recreates a
-- completed batch, and never moves a recorded "maybe accepted" time.
-- KEYS[1] the batch hash   ARGV[1] field "trial:<ids left out>"   ARGV[2] time or ""
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current or (current == '' and ARGV[2] ~= '') then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
return 1
