-- Claims due subscribers into one send batch, atomically with the batch
-- record: a crash can never leave a subscriber claimed with no batch, or a
-- batch that names subscribers still waiting in the due index.
-- KEYS[1] due index (zset)   KEYS[2] claimed batches (zset batchId -> claimedAt)
-- KEYS[3] the batch hash
-- ARGV[1] batch id  ARGV[2] now  ARGV[3] sequence id  ARGV[4] step id
-- ARGV[5] JSON array of [subscriberId, scoreAsRead]
-- Returns the ids actually claimed (those whose score had not changed since read).
local members = cjson.decode(ARGV[5])
local claimed = {}
for _, m in ipairs(members) do
  local score = redis.call('ZSCORE', KEYS[1], m[1])
  -- Compare as numbers: a changed score means someone rescheduled or
  -- claimed this subscriber after we read the index.
  if score and tonumber(score) == tonumber(m[2]) then
    redis.call('ZREM', KEYS[1], m[1])
    table.insert(claimed, m[1])
  end
end
if #claimed == 0 then
  return {}
end
redis.call('HSET', KEYS[3], 'sequence', ARGV[3], 'step', ARGV[4], 'members', cjson.encode(claimed), 'createdAt', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return claimed
