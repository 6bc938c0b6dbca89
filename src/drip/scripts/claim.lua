-- Claims due subscribers into one send batch, atomically with the batch
-- record: a crash can never leave a subscriber claimed with no batch, or a
-- batch that names subscribers still waiting in the due index.
-- KEYS[1] due index (zset)   KEYS[2] claimed batches (zset batchId -> claimedAt)
-- KEYS[3] the batch hash
-- ARGV[1] batch id  ARGV[2] now  ARGV[3] sequence id  ARGV[4] step id
-- ARGV[5] JSON array of [subscriberId, scoreAsRead]
-- ARGV[6] key prefix  ARGV[7] how long (ms) to hold back a subscriber still in another batch
-- Returns the ids actually claimed (those whose score had not changed since read).
--
-- Each claimed subscriber's hash names its batch ("batch"); complete.lua clears
-- it. A subscriber put back in the due index while still in a live batch (a
-- pause and resume, or a topic unticked and ticked again, while that batch
-- waits for a retry) is not claimed a second time: two batches could then send
-- the same step twice. They are held back and looked at again later.
local members = cjson.decode(ARGV[5])
local claimed = {}
for _, m in ipairs(members) do
  local score = redis.call('ZSCORE', KEYS[1], m[1])
  -- Compare as numbers: a changed score means someone rescheduled or
  -- claimed this subscriber after we read the index.
  if score and tonumber(score) == tonumber(m[2]) then
    local sub = ARGV[6] .. ':sub:' .. m[1]
    local other = redis.call('HGET', sub, 'batch')
    if other and other ~= ARGV[1] and redis.call('EXISTS', ARGV[6] .. ':drip:batch:' .. other) == 1 then
      redis.call('ZADD', KEYS[1], tonumber(ARGV[2]) + tonumber(ARGV[7]), m[1])
    else
      redis.call('ZREM', KEYS[1], m[1])
      if redis.call('EXISTS', sub) == 1 then
        redis.call('HSET', sub, 'batch', ARGV[1])
      end
      table.insert(claimed, m[1])
    end
  end
end
if #claimed == 0 then
  return {}
end
redis.call('HSET', KEYS[3], 'sequence', ARGV[3], 'step', ARGV[4], 'members', cjson.encode(claimed), 'createdAt', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return claimed
