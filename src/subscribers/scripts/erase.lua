-- GDPR erasure: removes every key holding the person's data and keeps only a
-- hashed tombstone so imports cannot re-add the address by mistake.
-- KEYS[1] subscriber hash  KEYS[2] consent ledger  KEYS[3] canonical index
-- KEYS[4] due index        KEYS[5] tombstone set   KEYS[6] send ledger of the subscriber
-- KEYS[7] per-address signup rate-limit counter
-- ARGV[1] subscriber id    ARGV[2] canonical       ARGV[3] tombstone digest
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[6], KEYS[7])
if redis.call('HGET', KEYS[3], ARGV[2]) == ARGV[1] then
  redis.call('HDEL', KEYS[3], ARGV[2])
end
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('SADD', KEYS[5], ARGV[3])
return 1
