-- The subscriber record's layout, for every script that touches a record.
-- src/subscribers/record.ts puts `F` (long name -> stored name, e.g.
-- F.status = 's') and SEND_FIELD_PREFIX in front of this text; see there.

local function sub_key(prefix, id)
  return prefix .. ':sub:' .. id
end

-- The send ledger: one field per send in the subscriber's own hash, named "/"
-- and the number the shared dictionary (PREFIX:send-names) gives the ledger
-- name ("sequence/step", "newsletter/<issue id>"). Numbers are given once,
-- in order, and never change; a script remembers the ones it has looked up.
local ledger_fields = {}
local function ledger_field(prefix, name, create)
  local field = ledger_fields[name]
  if field then return field end
  local names = prefix .. ':send-names'
  local n = redis.call('HGET', names, name)
  if not n then
    if not create then return nil end
    n = tostring(redis.call('HINCRBY', names, '#', 1))
    redis.call('HSET', names, name, n, '#' .. n, name)
  end
  field = SEND_FIELD_PREFIX .. n
  ledger_fields[name] = field
  return field
end

-- Records one send (the caller has checked that the subscriber exists).
local function ledger_put(prefix, id, name, value)
  redis.call('HSET', sub_key(prefix, id), ledger_field(prefix, name, true), value)
end

-- True when the subscriber's send ledger has an entry under this name.
local function ledger_has(prefix, id, name)
  local field = ledger_field(prefix, name, false)
  return field ~= nil and redis.call('HEXISTS', sub_key(prefix, id), field) == 1
end

-- The consent ledger: one string per subscriber, one entry a line
-- (consent-ledger.ts). Capped at `max` entries (CONSENT_LEDGER_MAX): the first
-- entry, the original consent, always stays, the oldest of the others go, and
-- the record counts them in F.consentLedgerDropped.
local function consent_append(ledger, sub, entry, max)
  local text = (redis.call('GET', ledger) or '') .. entry .. '\n'
  local _, n = string.gsub(text, '\n', '')
  if n > max then
    local lines = {}
    for line in string.gmatch(text, '([^\n]*)\n') do
      lines[#lines + 1] = line
    end
    local kept = { lines[1] }
    for i = n - max + 2, n do
      kept[#kept + 1] = lines[i]
    end
    text = table.concat(kept, '\n') .. '\n'
    redis.call('HINCRBY', sub, F.consentLedgerDropped, n - max)
  end
  -- SET, not APPEND: APPEND leaves the string room to grow by as much again,
  -- which a ledger written an entry at a time never uses.
  redis.call('SET', ledger, text)
end

-- A record written before this layout, rewritten in place: the long field
-- names become F's, an "id" field goes (the id is in the key name), the send
-- ledger moves from its own hash (PREFIX:sends:<id>) into the record and the
-- consent ledger from a list to one string (its JSON entries stay as they
-- were; they hold no line breaks). Returns 1 when anything changed.
local function sub_upgrade(prefix, id)
  local sub = sub_key(prefix, id)
  local changed = 0
  if redis.call('HEXISTS', sub, 'status') == 1 then
    local flat = redis.call('HGETALL', sub)
    for i = 1, #flat, 2 do
      local name = flat[i]
      if F[name] then
        redis.call('HSET', sub, F[name], flat[i + 1])
        redis.call('HDEL', sub, name)
      elseif name == 'id' then
        redis.call('HDEL', sub, name)
      end
    end
    changed = 1
  end
  local sends = prefix .. ':sends:' .. id
  if redis.call('EXISTS', sends) == 1 then
    if redis.call('EXISTS', sub) == 1 then
      local flat = redis.call('HGETALL', sends)
      for i = 1, #flat, 2 do
        ledger_put(prefix, id, flat[i], flat[i + 1])
      end
    end
    redis.call('DEL', sends)
    changed = 1
  end
  local consent = prefix .. ':consent:' .. id
  if redis.call('TYPE', consent).ok == 'list' then
    local entries = redis.call('LRANGE', consent, 0, -1)
    redis.call('DEL', consent)
    redis.call('SET', consent, table.concat(entries, '\n') .. '\n')
    changed = 1
  end
  return changed
end
