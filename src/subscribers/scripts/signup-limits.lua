-- Both signup limits in one round trip: the per-IP counter, then, only when
-- the IP is within its limit, the per-address counter. Each is a fixed-window
-- counter with the key, value and expiry rate-limiter-flexible's
-- RateLimiterRedis gives it (the preference and sign-in limits still use that
-- library): the first hit of a window creates it at 0 with the window as its
-- expiry, every hit adds one, and a hit over the limit is refused.
-- KEYS[1] per-IP counter   KEYS[2] per-address counter
-- ARGV[1] window (s)   ARGV[2] per-IP limit   ARGV[3] per-address limit
-- Returns {'ok', 0} or {'ip' | 'address', ms until that window ends}
local function hit(key)
  redis.call('SET', key, 0, 'EX', ARGV[1], 'NX')
  local n = redis.call('INCR', key)
  local ttl = redis.call('PTTL', key)
  if ttl == -1 then
    redis.call('EXPIRE', key, ARGV[1])
    ttl = 1000 * tonumber(ARGV[1])
  end
  return n, ttl
end

local n, ttl = hit(KEYS[1])
if n > tonumber(ARGV[2]) then return {'ip', ttl} end
n, ttl = hit(KEYS[2])
if n > tonumber(ARGV[3]) then return {'address', ttl} end
return {'ok', 0}
