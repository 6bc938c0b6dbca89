-- The two reads a signup makes before its write, in one round trip (an
-- ioredis pipeline would first copy every script defined on the connection,
-- BullMQ's included, onto itself: dearer than the round trip it saves).
-- KEYS[1] tombstones set   KEYS[2] canonical index (hash canonical -> id)
-- ARGV[1] tombstone digest of the address   ARGV[2] canonical address
-- Returns {1 when the address was erased else 0, the id it has or nil}
return {redis.call('SISMEMBER', KEYS[1], ARGV[1]), redis.call('HGET', KEYS[2], ARGV[2])}
