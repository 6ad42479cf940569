-- KEYS: log, meta, epoch, stats, bus. ARGV: ttl_ms, max_len, kind, name, data, bus_max, bus_age_ms.
-- Assigns the id, appends to the topic's log and to the bus every node reads, atomically.
local log, meta, epoch_key, stats, bus = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local ttl_ms, max_len = tonumber(ARGV[1]), tonumber(ARGV[2])
local now_ms, now_us = clock()
local epoch = current_epoch(epoch_key, now_ms)
local last = num(redis.call('HGET', meta, 'seq')) or 0
local seq = math.max(last + 1, now_us)
redis.call('HSET', meta, 'seq', fmt(seq))
redis.call('XADD', log, fmt(seq) .. '-0', 't', fmt(now_ms), 'd', ARGV[5])
local removed = trim(log, meta, stats, now_ms, ttl_ms, max_len)
keep_meta(meta, removed, ttl_ms)
redis.call('PEXPIRE', log, ttl_ms)
redis.call('XADD', bus, 'MAXLEN', '~', ARGV[6], '*', 'k', ARGV[3], 'n', ARGV[4], 'e', epoch,
    's', fmt(seq), 't', fmt(now_ms), 'd', ARGV[5])
-- The bus only has to cover a node's reconnect; bounding it by age too keeps large messages from piling up.
redis.call('XTRIM', bus, 'MINID', '~', fmt(now_ms - tonumber(ARGV[7])) .. '-0')
return {epoch, fmt(seq), fmt(now_ms)}
