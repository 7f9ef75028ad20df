package redisstore

import "github.com/redis/go-redis/v9"

// The Lua scripts of the Store. Each touches the keys of one Redis Cluster
// hash slot only: a session's hash, or a user's set and its busy marks;
// but for those that bound a user's sessions (userlimit.go), which run on
// a single server only.
// Times are microseconds since 1970 by the clock of the Redis server that
// holds the key (TIME), written as integers: a double holds them exactly.
//
// A session's hash holds its data under "d:" + key and its metadata under
// fields without that prefix: exp (expiry), ct and ut (created and
// updated), uid, ua, mv while a Cycle moves the session away, and by, the
// nonce of the Cycle that wrote it.

// clock reads the server's time into now.
const clock = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
`

// loadScript returns the server's time and every field of the session.
var loadScript = redis.NewScript(`
return {redis.call('TIME'), redis.call('HGETALL', KEYS[1])}
`)

// changeHead starts the scripts that change a live session (Update, and
// the first step of Cycle). ARGV: 1 expiry, 2 PEXPIREAT time in ms, 3 "1"
// to bind the user ARGV[4], 5 user agent ("" keeps it), 6 size bound (0:
// none), 7 fence ("": none), 8 the Cycle's nonce, 9, 10, 11 how many
// expected, set and deleted keys follow from ARGV[12]: expected key and
// value pairs ("" for a key expected absent), set key and value pairs,
// deleted keys.
//
// It returns {'stale'} past the fence, {'notfound'} for a session that is
// gone or expired, {'moving'} for one a Cycle is moving, {'conflict'}
// when an expectation fails, and {'differs', key, value, ...} with the
// stored values of the expected keys whose bytes differ from the expected
// ones, which the caller compares as JSON. Then it defines set, setKeys
// and del (the keys to delete, not set), data() and refusal(d, size).
const changeHead = clock + `
local key = KEYS[1]
if ARGV[7] ~= '' and now > tonumber(ARGV[7]) then return {'stale'} end
local meta = redis.call('HMGET', key, 'exp', 'mv')
if not meta[1] or tonumber(meta[1]) <= now then return {'notfound'} end
if meta[2] then return {'moving'} end
local i = 12
local differs = {'differs'}
for _ = 1, tonumber(ARGV[9]) do
  local k, want = ARGV[i], ARGV[i + 1]
  local got = redis.call('HGET', key, 'd:' .. k)
  if (got and want == '') or (not got and want ~= '') then return {'conflict'} end
  if got and got ~= want then
    differs[#differs + 1] = k
    differs[#differs + 1] = got
  end
  i = i + 2
end
if #differs > 1 then return differs end
local set, setKeys = {}, {}
for _ = 1, tonumber(ARGV[10]) do
  if set[ARGV[i]] == nil then setKeys[#setKeys + 1] = ARGV[i] end
  set[ARGV[i]] = ARGV[i + 1]
  i = i + 2
end
local del, seen = {}, {}
for _ = 1, tonumber(ARGV[11]) do
  local k = ARGV[i]
  if set[k] == nil and not seen[k] then del[#del + 1] = k end
  seen[k] = true
  i = i + 1
end

-- data returns the stored data, its size, and every field of the hash.
local function data()
  local all = redis.call('HGETALL', key)
  local d, size = {}, 0
  for j = 1, #all, 2 do
    local f, v = all[j], all[j + 1]
    if string.sub(f, 1, 2) == 'd:' then
      d[string.sub(f, 3)] = v
      size = size + #f - 2 + #v
    end
  end
  return d, size, all
end

-- refusal returns {'toolarge', size} when the change would grow data d
-- of size before past the bound, else nil.
local function refusal(d, before)
  local max = tonumber(ARGV[6])
  if max <= 0 then return nil end
  local after = before
  for _, k in ipairs(del) do
    if d[k] then after = after - #k - #d[k] end
  end
  for _, k in ipairs(setKeys) do
    if d[k] then after = after - #k - #d[k] end
    after = after + #k + #set[k]
  end
  if after > max and after > before then return {'toolarge', after} end
  return nil
end
`

// updateScript applies the change and returns {'ok'}, or what changeHead
// returns.
var updateScript = redis.NewScript(changeHead + updateBody + `return {'ok'}
`)

// updateBody applies the change that changeHead read.
const updateBody = `
if tonumber(ARGV[6]) > 0 then
  local d, before = data()
  local no = refusal(d, before)
  if no then return no end
end
for _, k in ipairs(del) do redis.call('HDEL', key, 'd:' .. k) end
for _, k in ipairs(setKeys) do redis.call('HSET', key, 'd:' .. k, set[k]) end
redis.call('HSET', key, 'exp', ARGV[1], 'ut', string.format('%.0f', now))
if ARGV[3] == '1' then redis.call('HSET', key, 'uid', ARGV[4]) end
if ARGV[5] ~= '' then redis.call('HSET', key, 'ua', ARGV[5]) end
redis.call('PEXPIREAT', key, ARGV[2])
`

// cycleOutScript is the first step of a Cycle: it marks the session as
// moving with the nonce ARGV[8], which makes it absent to everyone else,
// without changing its data, and returns {'ok', now, created, user id,
// user agent, key, value, ...} with the session as the change leaves it;
// or what changeHead returns.
var cycleOutScript = redis.NewScript(changeHead + `
local d, before, all = data()
local no = refusal(d, before)
if no then return no end
for _, k in ipairs(del) do d[k] = nil end
for _, k in ipairs(setKeys) do d[k] = set[k] end
local m = {}
for j = 1, #all, 2 do m[all[j]] = all[j + 1] end
local uid, ua = m['uid'] or '', m['ua'] or ''
if ARGV[3] == '1' then uid = ARGV[4] end
if ARGV[5] ~= '' then ua = ARGV[5] end
local out = {'ok', string.format('%.0f', now), m['ct'] or '', uid, ua}
for k, v in pairs(d) do
  out[#out + 1] = k
  out[#out + 1] = v
end
redis.call('HSET', key, 'mv', ARGV[8])
return out
`)

// putScript stores a whole session, replacing an expired one, and returns
// 'ok'; 'taken' when a live session is there (nothing is written), and
// 'stale' past the fence. ARGV: 1 expiry, 2 PEXPIREAT time in ms, 3 user
// id, 4 user agent, 5 and 6 created and updated times ("": now), 7 fence
// ("": none), 8 the nonce of the Cycle that writes it, kept in the field
// by ("": none), then key and value pairs.
var putScript = redis.NewScript(clock + `local last = #ARGV
` + putBody + `return 'ok'
`)

// putBody is putScript but for its last return. Its key and value pairs
// end at ARGV[last].
const putBody = `
local key = KEYS[1]
if ARGV[7] ~= '' and now > tonumber(ARGV[7]) then return 'stale' end
local exp = redis.call('HGET', key, 'exp')
if exp and tonumber(exp) > now then return 'taken' end
redis.call('DEL', key)
local stamp = string.format('%.0f', now)
local ct, ut = ARGV[5], ARGV[6]
if ct == '' then ct = stamp end
if ut == '' then ut = stamp end
redis.call('HSET', key, 'exp', ARGV[1], 'ct', ct, 'ut', ut, 'uid', ARGV[3], 'ua', ARGV[4])
if ARGV[8] ~= '' then redis.call('HSET', key, 'by', ARGV[8]) end
for j = 9, last - 1, 2 do
  redis.call('HSET', key, 'd:' .. ARGV[j], ARGV[j + 1])
end
redis.call('PEXPIREAT', key, ARGV[2])
`

// commitScript ends a Cycle: it deletes the moved session if it is still
// marked with the nonce ARGV[1], and returns 1 if it did.
var commitScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'mv') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`)

// abortScript undoes the first step of a Cycle: it unmarks the session if
// it is still marked with the nonce ARGV[1], and returns 1 if it did.
var abortScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'mv') == ARGV[1] then
  redis.call('HDEL', KEYS[1], 'mv')
  return 1
end
return 0
`)

// dropScript deletes the copy a Cycle wrote, if the field by still holds
// that Cycle's nonce ARGV[1], and returns 1 if it did.
var dropScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'by') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`)

// deleteBoundScript deletes the session if it is bound to the user ARGV[1],
// live, expired or moving, and returns 1 if it did.
var deleteBoundScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'uid') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`)

// deleteExpiredScript deletes the session if it has expired, and returns 1
// if it did.
var deleteExpiredScript = redis.NewScript(clock + `
local exp = redis.call('HGET', KEYS[1], 'exp')
if exp and tonumber(exp) <= now then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`)

// indexScript adds the token hash ARGV[1] to a user's set KEYS[1] with the
// current time as its score, always above the score it had, and returns
// the score.
var indexScript = redis.NewScript(clock + `
local score = now
local old = redis.call('ZSCORE', KEYS[1], ARGV[1])
if old and tonumber(old) >= score then score = tonumber(old) + 1 end
score = string.format('%.0f', score)
redis.call('ZADD', KEYS[1], score, ARGV[1])
return score
`)

// membersScript returns {now, {member, score, ...}} for a user's set
// KEYS[1]. When ARGV[1] is not "", it first marks the user busy (a
// DeleteUserSessions under way) in KEYS[2] under that token for ARGV[2]
// microseconds.
var membersScript = redis.NewScript(clock + `
if ARGV[1] ~= '' then
  redis.call('ZADD', KEYS[2], string.format('%.0f', now + tonumber(ARGV[2])), ARGV[1])
  redis.call('PEXPIRE', KEYS[2], math.ceil(tonumber(ARGV[2]) / 1000))
end
return {string.format('%.0f', now), redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')}
`)

// busyScript returns how many DeleteUserSessions of the user whose busy
// marks are KEYS[1] are under way.
var busyScript = redis.NewScript(clock + `
return redis.call('ZCOUNT', KEYS[1], '(' .. string.format('%.0f', now), '+inf')
`)

// unindexScript removes from a user's set KEYS[1] each member of the
// member and score pairs of ARGV whose score is still the one given, and
// returns how many it removed. A member added again meanwhile has a
// higher score, and stays.
var unindexScript = redis.NewScript(`
local n = 0
for j = 1, #ARGV - 1, 2 do
  local s = redis.call('ZSCORE', KEYS[1], ARGV[j])
  if s and tonumber(s) == tonumber(ARGV[j + 1]) then
    redis.call('ZREM', KEYS[1], ARGV[j])
    n = n + 1
  end
end
return n
`)
