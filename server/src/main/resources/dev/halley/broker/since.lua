-- KEYS: log, meta, epoch, stats. ARGV: ttl_ms, max_len, cursor_epoch ('' for none), cursor_seq.
-- Returns {epoch, head, removed_up_to, from, seq1, t1, d1, seq2, ...}: entries after "from", which
-- is the cursor when it belongs to this epoch and is not ahead of the head, else 0 (everything).
local log, meta, epoch_key, stats = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local ttl_ms, max_len = tonumber(ARGV[1]), tonumber(ARGV[2])
local now_ms, now_us = clock()
local epoch = current_epoch(epoch_key, now_ms)
local removed = trim(log, meta, stats, now_ms, ttl_ms, max_len)
if redis.call('EXISTS', meta) == 1 then
  keep_meta(meta, removed, ttl_ms)
end
local head
local newest = redis.call('XREVRANGE', log, '+', '-', 'COUNT', 1)
if #newest > 0 then
  head = num(string.match(newest[1][1], '^(%d+)'))
else
  -- Every later seq is >= max(seq + 1, now_us), so this lies strictly before all of them.
  head = math.max(num(redis.call('HGET', meta, 'seq')) or 0, now_us - 1)
end
local from = 0
if ARGV[3] == epoch and tonumber(ARGV[4]) <= head then
  from = tonumber(ARGV[4])
end
local out = {epoch, fmt(head), fmt(removed), fmt(from)}
local entries = redis.call('XRANGE', log, '(' .. fmt(from) .. '-0', '+')
for _, e in ipairs(entries) do
  local fields = e[2]
  local t, d
  for i = 1, #fields, 2 do
    if fields[i] == 't' then t = fields[i + 1] elseif fields[i] == 'd' then d = fields[i + 1] end
  end
  out[#out + 1] = string.match(e[1], '^(%d+)')
  out[#out + 1] = t
  out[#out + 1] = d
end
return out
