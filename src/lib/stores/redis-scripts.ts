/**
 * The Lua scripts of the Redis store. Each touches exactly one key (KEYS[1]),
 * so every one runs on Redis Cluster, where a session and its owner's index
 * sit in different hash slots.
 *
 * A session is one hash: `d:<name>` fields hold JSON values; `m:c`, `m:l`,
 * `m:e` the created, last-seen and expiry times (ms); `m:u` the owner; `m:a`
 * its own cookie lifetime (s); `m:x` the score its entry has in the owner's
 * index; `m:r` the new key while a regenerate moves it (a record that carries
 * it reads as absent). A user's index is a sorted set of session keys scored
 * by the time the entry may be dropped.
 */

/**
 * Fields go to HSET/HDEL in slices of this many arguments: passing all of them
 * through `unpack` overflows Lua's C stack (LUAI_MAXCSTACK, 8000) from about
 * 4,000 keys. Even, so a slice of field/value pairs never splits a pair.
 */
const SLICE = 512;

const SESSION = `
local k = KEYS[1]
local function sliced(command, list, first, last)
  for i = first, last, ${SLICE} do
    redis.call(command, k, unpack(list, i, math.min(i + ${SLICE} - 1, last)))
  end
end
local function alive(now)
  local v = redis.call('HMGET', k, 'm:e', 'm:r')
  return v[1] and tonumber(v[1]) > now and not v[2]
end
-- After a write: {1}, or {1, owner} when the owner's index entry would end
-- before the session and no index write went out beside this one.
local function indexed(covered, score, expires)
  local v = redis.call('HMGET', k, 'm:u', 'm:x')
  local owner = v[1]
  if not owner then
    redis.call('HDEL', k, 'm:x')
    return {1}
  end
  local x = tonumber(v[2] or '0')
  if covered == '=' .. owner then
    if tonumber(score) > x then redis.call('HSET', k, 'm:x', score) end
    return {1}
  end
  if x >= expires then return {1} end
  redis.call('HSET', k, 'm:x', score)
  return {1, owner}
end
`;

/** ARGV: ttl, then field/value pairs. */
export const CREATE = `${SESSION}
redis.call('DEL', k)
sliced('HSET', ARGV, 2, #ARGV)
redis.call('PEXPIRE', k, ARGV[1])
return 1
`;

/**
 * ARGV: now, ttl, clear (1/0), lastSeenAt, expiresAt, owner ('' keep, '-'
 * remove, '=id'), maxAge ('' keep, '-' remove, '=s'), the owner whose index is
 * written beside this call ('' or '=id'), that index score, the number of
 * fields to unset, the number of pairs to restore; then the fields to unset,
 * the pairs to restore, the pairs to set.
 */
export const UPDATE = `${SESSION}
if not alive(tonumber(ARGV[1])) then return 0 end
if ARGV[3] == '1' then
  local stored = {}
  for _, f in ipairs(redis.call('HKEYS', k)) do
    if string.sub(f, 1, 2) == 'd:' then stored[#stored + 1] = f end
  end
  sliced('HDEL', stored, 1, #stored)
end
local first = 12
local unset = first + tonumber(ARGV[10])
local set = unset + 2 * tonumber(ARGV[11])
sliced('HDEL', ARGV, first, unset - 1)
-- A value put back only where the key is still absent: a flash another request set meanwhile wins.
for i = unset, set - 1, 2 do redis.call('HSETNX', k, ARGV[i], ARGV[i + 1]) end
sliced('HSET', ARGV, set, #ARGV)
redis.call('HSET', k, 'm:l', ARGV[4], 'm:e', ARGV[5])
if ARGV[6] == '-' then redis.call('HDEL', k, 'm:u')
elseif ARGV[6] ~= '' then redis.call('HSET', k, 'm:u', string.sub(ARGV[6], 2)) end
if ARGV[7] == '-' then redis.call('HDEL', k, 'm:a')
elseif ARGV[7] ~= '' then redis.call('HSET', k, 'm:a', string.sub(ARGV[7], 2)) end
redis.call('PEXPIRE', k, ARGV[2])
return indexed(ARGV[8], ARGV[9], tonumber(ARGV[5]))
`;

/** ARGV: now, ttl, lastSeenAt, expiresAt, the owner whose index is written beside it ('' or '=id'), that index score. */
export const TOUCH = `${SESSION}
if not alive(tonumber(ARGV[1])) then return 0 end
redis.call('HSET', k, 'm:l', ARGV[3], 'm:e', ARGV[4])
redis.call('PEXPIRE', k, ARGV[2])
return indexed(ARGV[5], ARGV[6], tonumber(ARGV[4]))
`;

/** ARGV: now, then the fields to take. */
export const TAKE = `${SESSION}
if not alive(tonumber(ARGV[1])) then return 0 end
local taken = {}
for i = 2, #ARGV do
  local v = redis.call('HGET', k, ARGV[i])
  if v then
    redis.call('HDEL', k, ARGV[i])
    taken[#taken + 1] = ARGV[i]
    taken[#taken + 1] = v
  end
end
return taken
`;

/**
 * Regenerate, step 1 (ARGV: now, new key, grace ms): a live record that no
 * other regenerate is moving is marked as moving to the new key, and lives at
 * most the grace from now, so a mark whose mover died disappears by itself.
 */
export const MARK = `${SESSION}
if not alive(tonumber(ARGV[1])) then return 0 end
redis.call('HSET', k, 'm:r', ARGV[2])
local ttl = redis.call('PTTL', k)
if ttl < 0 or ttl > tonumber(ARGV[3]) then redis.call('PEXPIRE', k, ARGV[3]) end
return 1
`;

/** Regenerate, last step (ARGV: new key): 1 when the record still carried our mark and is now gone; 0 when something else ended it first. */
export const FINISH = `
if redis.call('HGET', KEYS[1], 'm:r') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

/** A regenerate that could not store the new record (ARGV: now, new key): the old one as it was, its TTL back to its expiry. */
export const UNMARK = `
local k = KEYS[1]
if redis.call('HGET', k, 'm:r') ~= ARGV[2] then return 0 end
redis.call('HDEL', k, 'm:r')
local ttl = math.floor(tonumber(redis.call('HGET', k, 'm:e')) - tonumber(ARGV[1]))
if ttl > 0 then redis.call('PEXPIRE', k, ttl) else redis.call('DEL', k) end
return 1
`;

/**
 * "Log out everywhere", one session (ARGV: owner, now), moving or not: 0 no
 * such key, 1 owned by someone else (kept), 2 deleted and it had expired, 3
 * deleted while live.
 */
export const DELETE_OWNED = `
local k = KEYS[1]
if redis.call('EXISTS', k) == 0 then return 0 end
local v = redis.call('HMGET', k, 'm:u', 'm:e')
if v[1] ~= ARGV[1] then return 1 end
redis.call('DEL', k)
if v[2] and tonumber(v[2]) > tonumber(ARGV[2]) then return 3 end
return 2
`;

/**
 * Indexes written before they were sorted sets were plain sets without a TTL:
 * turned into sorted sets the first time they are touched, every member given
 * 400 days (longer than any timeout tessera accepts) to be verified by the
 * next listing or purge, so "log out everywhere" still reaches sessions made
 * before the upgrade (ARGV of the caller: now first).
 */
const LEGACY_MEMBER_MS = 400 * 24 * 3600 * 1000;
const UPGRADE_SET = `
local function upgrade(k, now)
  if redis.call('TYPE', k).ok ~= 'set' then return 0 end
  local members = redis.call('SMEMBERS', k)
  redis.call('DEL', k)
  local score = now + ${LEGACY_MEMBER_MS}
  for i = 1, #members, ${SLICE / 2} do
    local pairs = {}
    for j = i, math.min(i + ${SLICE / 2} - 1, #members) do
      pairs[#pairs + 1] = score
      pairs[#pairs + 1] = members[j]
    end
    redis.call('ZADD', k, unpack(pairs))
  end
  redis.call('PEXPIRE', k, ${LEGACY_MEMBER_MS})
  return #members
end
`;

/** Upgrades a plain-set index by itself (ARGV: now), for plain reads that met one. */
export const UPGRADE = `${UPGRADE_SET}
return upgrade(KEYS[1], tonumber(ARGV[1]))
`;

/** The index key lives exactly as long as its last entry; entries whose time has passed leave first. */
const INDEX_KEY = `${UPGRADE_SET}
local k = KEYS[1]
upgrade(k, tonumber(ARGV[1]))
local function expire(now)
  redis.call('ZREMRANGEBYSCORE', k, '-inf', now)
  local top = redis.call('ZRANGE', k, -1, -1, 'WITHSCORES')
  if top[2] then redis.call('PEXPIRE', k, math.ceil(tonumber(top[2]) - now)) end
end
`;

/** A session joins (or stays in) its owner's index (ARGV: now, score, session key). */
export const INDEX = `${INDEX_KEY}
local now = tonumber(ARGV[1])
if tonumber(ARGV[2]) > now then redis.call('ZADD', k, 'GT', ARGV[2], ARGV[3]) end
expire(now)
return 1
`;

/**
 * Verified changes to an index (ARGV: now, the number of score/member pairs
 * to raise, those pairs, then member/score pairs to drop). A member is dropped
 * only if its score is still the one its verifier saw: a write that re-added
 * it meanwhile wins. Returns {dropped, remaining member/score pairs}.
 */
export const PRUNE = `${INDEX_KEY}
local now = tonumber(ARGV[1])
local drop = 3 + 2 * tonumber(ARGV[2])
for i = 3, drop - 1, ${SLICE} do
  redis.call('ZADD', k, 'GT', 'XX', unpack(ARGV, i, math.min(i + ${SLICE} - 1, drop - 1)))
end
local dropped = 0
for i = drop, #ARGV, 2 do
  local score = redis.call('ZSCORE', k, ARGV[i])
  if score and tonumber(score) == tonumber(ARGV[i + 1]) then
    redis.call('ZREM', k, ARGV[i])
    dropped = dropped + 1
  end
end
dropped = dropped + redis.call('ZCOUNT', k, '-inf', now)
expire(now)
return {dropped, redis.call('ZRANGE', k, 0, -1, 'WITHSCORES')}
`;

/**
 * A read, run as a script so that a Cluster client set to read from replicas
 * still sends it to the key's master (ARGV: the command, then its arguments
 * after the key).
 */
export const READ = "return redis.call(ARGV[1], KEYS[1], unpack(ARGV, 2))";
