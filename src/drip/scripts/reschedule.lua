-- Moves due subscribers to a new time (missed window, paused) or out of the
-- index (suppressed, erased), only where the score is still what we read.
-- KEYS[1] due index
-- ARGV[1] JSON array of [subscriberId, scoreAsRead, newScore or false to remove]
local changes = cjson.decode(ARGV[1])
local n = 0
for _, c in ipairs(changes) do
  local score = redis.call('ZSCORE', KEYS[1], c[1])
  if score and tonumber(score) == tonumber(c[2]) then
    if c[3] then
      redis.call('ZADD', KEYS[1], c[3], c[1])
    else
      redis.call('ZREM', KEYS[1], c[1])
    end
    n = n + 1
  end
end
return n
