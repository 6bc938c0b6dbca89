-- GDPR erasure: removes every key holding the person's data and keeps only a
-- hashed tombstone so imports cannot re-add the address by mistake.
-- KEYS[1] subscriber hash  KEYS[2] consent ledger  KEYS[3] canonical index
-- KEYS[4] due index        KEYS[5] tombstone set
-- KEYS[6] the send ledger's own hash (records from before record.lua's layout; now in the subscriber hash)
-- KEYS[7] per-address signup rate-limit counter  KEYS[8] pending index (PENDING_RETENTION)
-- ARGV[1] subscriber id    ARGV[2] canonical       ARGV[3] tombstone digest
-- ARGV[4] key prefix (the directory indexes, see directory.lua)
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local before = dir_state(ARGV[4], ARGV[1])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[6], KEYS[7])
dir_sync(ARGV[4], ARGV[1], before)
-- The provider events of this person (src/webhooks/subscriber-events.ts).
redis.call('DEL', ARGV[4] .. ':events:' .. ARGV[1])
if redis.call('HGET', KEYS[3], ARGV[2]) == ARGV[1] then
  redis.call('HDEL', KEYS[3], ARGV[2])
end
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[8], ARGV[1])
redis.call('SADD', KEYS[5], ARGV[3])
return 1
