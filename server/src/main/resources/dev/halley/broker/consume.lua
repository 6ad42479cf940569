-- KEYS: log, meta, epoch. ARGV: cursor_epoch, up_to_seq, ttl_ms.
-- Removes entries up to and including up_to, if the cursor is of the current epoch.
local log, meta, epoch_key = KEYS[1], KEYS[2], KEYS[3]
if redis.call('GET', epoch_key) ~= ARGV[1] then
  return 0
end
local up_to = tonumber(ARGV[2])
local removed = redis.call('XTRIM', log, 'MINID', fmt(up_to + 1) .. '-0')
if removed > 0 then
  keep_meta(meta, math.max(num(redis.call('HGET', meta, 'removed')) or 0, up_to), tonumber(ARGV[3]))
end
return removed
