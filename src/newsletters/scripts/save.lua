-- Creates a draft issue or replaces the Markdown of one not yet started.
-- Once an issue has started sending its content is frozen: readers who got it
-- and readers still waiting must get the same words.
-- KEYS[1] the issue hash  KEYS[2] the issue index (zset id -> createdAt)
-- ARGV[1] id  ARGV[2] Markdown source  ARGV[3] file name  ARGV[4] now
-- ARGV[5] '1' when the content has unacknowledged health claims
-- Returns {outcome, state}: created | updated | frozen | claims
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'id', ARGV[1], 'state', 'draft', 'source', ARGV[2], 'file', ARGV[3],
    'generation', '0', 'createdAt', ARGV[4], 'updatedAt', ARGV[4])
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
  return {'created', 'draft'}
end
local state = redis.call('HGET', KEYS[1], 'state')
local started = redis.call('HGET', KEYS[1], 'startedAt')
if state == 'sending' or state == 'sent' or (started and started ~= '') then
  return {'frozen', state}
end
-- A scheduled issue stays schedulable: new wording must pass the claims check too.
if state == 'scheduled' and ARGV[5] == '1' then
  return {'claims', state}
end
redis.call('HSET', KEYS[1], 'source', ARGV[2], 'file', ARGV[3], 'updatedAt', ARGV[4])
return {'updated', state}
