-- Claims due subscribers into send batches (many at once, one round trip),
-- each atomically with its batch record: a crash can never leave a subscriber
-- claimed with no batch, or a batch that names subscribers still waiting in
-- the due index.
-- KEYS[1] due index (zset)   KEYS[2] claimed batches (zset batchId -> claimedAt)
-- KEYS[3] batch id counter
-- ARGV[1] now  ARGV[2] key prefix  ARGV[3] how long (ms) to hold back a
-- subscriber still in another batch  ARGV[4] random part of the batch ids
-- ARGV[5] JSON array of {sequence, step, members = [[subscriberId, scoreAsRead], ...]}
-- Returns a flat array: batchId, number claimed, batchId, number claimed, ...
-- (only batches that claimed anyone; a member is claimed when its score has
-- not changed since it was read).
--
-- Each claimed subscriber's hash names its batch (F.batch); complete.lua clears
-- it. A subscriber put back in the due index while still in a live batch (a
-- pause and resume, or a topic unticked and ticked again, while that batch
-- waits for a retry) is not claimed a second time: two batches could then send
-- the same step twice. They are held back and looked at again later.
local now = tonumber(ARGV[1])
local prefix = ARGV[2]
local holdUntil = now + tonumber(ARGV[3])
local groups = cjson.decode(ARGV[5])
local out = {}
for _, g in ipairs(groups) do
  -- BullMQ job ids may not contain ":" nor be all digits. The random part
  -- keeps idempotency keys unique across Redis resets and across Meridian
  -- installs sharing one Resend account.
  local id = 'b' .. redis.call('INCR', KEYS[3]) .. '-' .. ARGV[4] .. '-' .. g.sequence .. '-' .. g.step
  local claimed = {}
  for _, m in ipairs(g.members) do
    local score = redis.call('ZSCORE', KEYS[1], m[1])
    -- Compare as numbers: a changed score means someone rescheduled or
    -- claimed this subscriber after we read the index.
    if score and tonumber(score) == tonumber(m[2]) then
      local sub = sub_key(prefix, m[1])
      local other = redis.call('HGET', sub, F.batch)
      if other and other ~= id and redis.call('EXISTS', prefix .. ':drip:batch:' .. other) == 1 then
        redis.call('ZADD', KEYS[1], holdUntil, m[1])
      else
        redis.call('ZREM', KEYS[1], m[1])
        if redis.call('EXISTS', sub) == 1 then
          redis.call('HSET', sub, F.batch, id)
        end
        table.insert(claimed, m[1])
      end
    end
  end
  if #claimed > 0 then
    redis.call('HSET', prefix .. ':drip:batch:' .. id, 'sequence', g.sequence, 'step', g.step, 'members', cjson.encode(claimed), 'createdAt', ARGV[1])
    redis.call('ZADD', KEYS[2], ARGV[1], id)
    table.insert(out, id)
    table.insert(out, #claimed)
  end
end
return out
