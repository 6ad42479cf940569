-- Shared by every Halley script. A topic's log is a stream whose entry ids are "<seq>-0"; its meta
-- hash holds the last seq assigned ("seq") and the highest seq ever removed ("removed"), which is
-- what makes gaps visible. seq follows Redis' clock in microseconds, so an entry stored at time T
-- (ms) has seq >= T * 1000 and "older than the ttl" can be decided from the id alone.
local function num(s)
  return s and tonumber(s) or nil
end

local function fmt(n)
  return string.format('%.0f', n)
end

local function clock()
  local t = redis.call('TIME')
  local sec, usec = tonumber(t[1]), tonumber(t[2])
  return sec * 1000 + math.floor(usec / 1000), sec * 1000000 + usec
end

local function base36(n)
  local digits, out = '0123456789abcdefghijklmnopqrstuvwxyz', ''
  repeat
    local d = n % 36
    out = string.sub(digits, d + 1, d + 1) .. out
    n = math.floor(n / 36)
  until n == 0
  return out
end

-- The current epoch; a missing key means Redis lost its data, so a new history begins.
local function current_epoch(key, now_ms)
  local epoch = redis.call('GET', key)
  if not epoch then
    epoch = base36(now_ms)
    redis.call('SET', key, epoch)
  end
  return epoch
end

-- Removes entries older than ttl and past max_len; returns removed_up_to, expired, dropped.
local function trim(log, meta, stats, now_ms, ttl_ms, max_len)
  local floor = math.max(0, (now_ms - ttl_ms) * 1000)
  local removed = num(redis.call('HGET', meta, 'removed'))
  if not removed then
    -- A topic without meta may have had an earlier incarnation: nothing older than ttl is vouched for.
    removed = floor
  end
  local expired, dropped = 0, 0
  local old = {}
  if floor > 0 then
    old = redis.call('XREVRANGE', log, '(' .. fmt(floor) .. '-0', '-', 'COUNT', 1)
  end
  if #old > 0 then
    removed = math.max(removed, num(string.match(old[1][1], '^(%d+)')))
    expired = redis.call('XTRIM', log, 'MINID', fmt(floor) .. '-0')
  end
  local len = redis.call('XLEN', log)
  if len > max_len then
    local over = redis.call('XRANGE', log, '-', '+', 'COUNT', len - max_len)
    local last = num(string.match(over[#over][1], '^(%d+)'))
    removed = math.max(removed, last)
    dropped = redis.call('XTRIM', log, 'MINID', fmt(last + 1) .. '-0')
  end
  if redis.call('XLEN', log) == 0 then
    -- Every seq ever assigned is gone (trimmed, or the stream expired as a whole).
    removed = math.max(removed, num(redis.call('HGET', meta, 'seq')) or 0)
  end
  if expired > 0 then
    redis.call('HINCRBY', stats, 'expired', expired)
  end
  if dropped > 0 then
    redis.call('HINCRBY', stats, 'dropped', dropped)
  end
  return removed
end

local function keep_meta(meta, removed, ttl_ms)
  redis.call('HSET', meta, 'removed', fmt(removed))
  -- The meta outlives the log so a topic that fell empty still knows what it removed.
  redis.call('PEXPIRE', meta, ttl_ms * 2 + 60000)
end
