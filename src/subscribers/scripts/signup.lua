-- Creates a pending subscriber or refreshes an existing one, atomically with
-- its canonical-address index entry and consent-ledger entry.
-- KEYS[1] canonical index (hash canonical -> id)
-- KEYS[2] subscriber hash of the candidate id
-- KEYS[3] consent ledger of the candidate id (a string, one entry a line)
-- KEYS[5] pending index (sorted set id -> last confirmation email, for PENDING_RETENTION)
-- ARGV[1] candidate id   ARGV[2] canonical   ARGV[3] now (ms)
-- ARGV[4] confirmation throttle (ms)
-- ARGV[5] JSON fields to write, by stored name (email, firstName, timeZone, topics, consentVersion)
-- ARGV[6] ledger entry (stored form)
-- ARGV[7] key prefix (directory indexes and daily counts, see directory.lua)
-- KEYS[4] consent wordings hash   ARGV[8] wording field (version#digest)   ARGV[9] the exact words
-- ARGV[10] consent ledger cap
-- KEYS[6] user agents hash   ARGV[11] user-agent digest ("" for none)   ARGV[12] the user agent
-- ARGV[13..] the record fields the caller reads back (SUBSCRIBER_VIEW in store.ts)
-- Returns {outcome, id, previousStatus, values}; outcome is send | throttled | none | retry;
-- values are those fields as the script left the record (HMGET; empty on
-- retry), so the caller needs no read of its own.
-- Field names are F's (record.lua, prepended with directory.lua).

local function reply(outcome, previous)
  return {outcome, ARGV[1], previous, redis.call('HMGET', KEYS[2], unpack(ARGV, 13))}
end

local existing = redis.call('HGET', KEYS[1], ARGV[2])
if existing and existing ~= ARGV[1] then
  return {'retry', existing, ''}
end
local now = tonumber(ARGV[3])
local fields = cjson.decode(ARGV[5])

local function write(status)
  local args = {F.status, status, F.updatedAt, ARGV[3]}
  for k, v in pairs(fields) do
    if v == '' then
      redis.call('HDEL', KEYS[2], k)
    else
      table.insert(args, k)
      table.insert(args, v)
    end
  end
  redis.call('HSET', KEYS[2], unpack(args))
  -- The canonical address is kept only where it differs from the address as
  -- typed (most often it does not): the record is read as canonical = email then.
  if redis.call('HGET', KEYS[2], F.email) == ARGV[2] then
    redis.call('HDEL', KEYS[2], F.canonical)
  else
    redis.call('HSET', KEYS[2], F.canonical, ARGV[2])
  end
end

if redis.call('EXISTS', KEYS[2]) == 0 then
  write('pending')
  -- No "id" field: the id is in the key name.
  redis.call('HSET', KEYS[2], F.createdAt, ARGV[3], F.confirmationSentAt, ARGV[3])
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[1])
  consent_append(KEYS[3], KEYS[2], ARGV[6], tonumber(ARGV[10]))
  dir_sync(ARGV[7], ARGV[1], nil)
  dir_count(ARGV[7], ARGV[6])
  redis.call('HSETNX', KEYS[4], ARGV[8], ARGV[9])
  if ARGV[11] ~= '' then redis.call('HSETNX', KEYS[6], ARGV[11], ARGV[12]) end
  redis.call('ZADD', KEYS[5], ARGV[3], ARGV[1])
  return reply('send', '')
end

local status = redis.call('HGET', KEYS[2], F.status)
if status ~= 'pending' and status ~= 'unsubscribed' then
  -- Confirmed, paused or suppressed: nothing changes, and the caller answers
  -- exactly as for a new address so the form reveals nothing.
  return reply('none', status)
end
local last = tonumber(redis.call('HGET', KEYS[2], F.confirmationSentAt) or '0')
if status == 'pending' and now - last < tonumber(ARGV[4]) then
  return reply('throttled', status)
end
local before = dir_state(ARGV[7], ARGV[1])
if status == 'unsubscribed' then
  -- A fresh signup after unsubscribing starts double opt-in again.
  redis.call('HDEL', KEYS[2], F.sequence, F.step, F.pausedUntil)
end
write('pending')
redis.call('HSET', KEYS[2], F.confirmationSentAt, ARGV[3])
consent_append(KEYS[3], KEYS[2], ARGV[6], tonumber(ARGV[10]))
dir_sync(ARGV[7], ARGV[1], before)
dir_count(ARGV[7], ARGV[6])
redis.call('HSETNX', KEYS[4], ARGV[8], ARGV[9])
if ARGV[11] ~= '' then redis.call('HSETNX', KEYS[6], ARGV[11], ARGV[12]) end
redis.call('ZADD', KEYS[5], ARGV[3], ARGV[1])
return reply('send', status)
