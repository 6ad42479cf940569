-- KEYS: log, meta, epoch, stats, live. ARGV: ttl_ms, max_len, data, deadline_ms.
-- Assigns the id and appends to the topic's log, then announces the message on the topic's sharded
-- pub/sub channel, atomically: only nodes that hold subscribers of the topic listen there.
local log, meta, epoch_key, stats, live = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local ttl_ms, max_len = tonumber(ARGV[1]), tonumber(ARGV[2])
local now_ms, now_us = clock()
-- A request that reaches Redis after its node gave up on it (a partition healed, the publisher was
-- told 503) must not be stored behind the publisher's back.
if now_ms > tonumber(ARGV[4]) then
  return redis.error_reply('HALLEY_LATE the publish reached Redis after its deadline')
end
local epoch = current_epoch(epoch_key, now_ms)
local last = num(redis.call('HGET', meta, 'seq')) or 0
local seq = math.max(last + 1, now_us)
redis.call('HSET', meta, 'seq', fmt(seq))
redis.call('XADD', log, fmt(seq) .. '-0', 't', fmt(now_ms), 'd', ARGV[3])
local removed = trim(log, meta, stats, now_ms, ttl_ms, max_len)
keep_meta(meta, removed, ttl_ms)
redis.call('PEXPIRE', log, ttl_ms)
-- "<epoch> <seq> <published_ms> <data>": the topic is the channel's name, the data is kept as bytes.
redis.call('SPUBLISH', live, epoch .. ' ' .. fmt(seq) .. ' ' .. fmt(now_ms) .. ' ' .. ARGV[3])
return {epoch, fmt(seq), fmt(now_ms)}
