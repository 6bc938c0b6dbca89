-- Puts a page of subscribers into the directory and pending indexes from their
-- own hashes (record.lua and directory.lua are prepended): for data written
-- before those indexes existed, or after a restore. A record written before
-- the compact layout is rewritten first (sub_upgrade). Idempotent: an entry
-- that is already right is left alone; one under another status or step is moved.
--   KEYS[1] the pending index (a declared key also routes the script to the prefix's slot on a Redis Cluster)
--   ARGV[1] prefix, ARGV[2] statuses (JSON), ARGV[3] every "sequence/step" (JSON), ARGV[4..] ids
-- Returns { entries added, entries removed, records upgraded }.
local prefix = ARGV[1]
local statuses = cjson.decode(ARGV[2])
local steps = cjson.decode(ARGV[3])
local pending = KEYS[1]
local added, removed, upgraded = 0, 0, 0
for i = 4, #ARGV do
  local id = ARGV[i]
  upgraded = upgraded + sub_upgrade(prefix, id)
  local st = dir_state(prefix, id)
  if st then
    for _, s in ipairs(statuses) do
      if s ~= st.status then removed = removed + redis.call('ZREM', prefix .. ':dir:status:' .. s, id) end
    end
    added = added + redis.call('ZADD', prefix .. ':dir:status:' .. st.status, st.score, id)
    for _, s in ipairs(steps) do
      if s ~= st.step then removed = removed + redis.call('ZREM', prefix .. ':dir:step:' .. s, id) end
    end
    if st.step then added = added + redis.call('ZADD', prefix .. ':dir:step:' .. st.step, st.score, id) end
    if st.status == 'pending' then
      -- Scored by the last confirmation email, as signup.lua does (PENDING_RETENTION counts from it).
      local sent = tonumber(redis.call('HGET', sub_key(prefix, id), F.confirmationSentAt) or '') or st.score
      added = added + redis.call('ZADD', pending, 'NX', sent, id)
    else
      removed = removed + redis.call('ZREM', pending, id)
    end
  end
end
return { added, removed, upgraded }
