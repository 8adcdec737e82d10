/**
 * Every multi-key change of the mapping store is one Lua script, so concurrent API
 * processes and supervisors on one Redis never see half an update (design.md).
 * A mapping is a hash {doc: JSON, rev: integer}; `rev` is the optimistic-lock version.
 */

/**
 * Create. KEYS: mapping, pair index, order index, changes channel (as a key name for
 * cluster-safety of the arguments only). ARGV: doc, uuid, order member, initial
 * LastProcessingResult ('' for none).
 * Returns 'OK', or the UUID of the mapping already holding the pair (V42/V43).
 */
export const createMappingScript = `
local existing = redis.call('GET', KEYS[2])
if existing then return existing end
redis.call('HSET', KEYS[1], 'doc', ARGV[1], 'rev', 1)
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'lpr:invoke', ARGV[4]) end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], 0, ARGV[3])
redis.call('PUBLISH', KEYS[4], ARGV[2])
return 'OK'
`;

/**
 * Compare-and-set. KEYS: mapping, old pair, new pair, changes channel.
 * ARGV: expected rev, doc, uuid.
 * Returns 'OK', 'MISSING', 'STALE', or the UUID of another mapping holding the new pair.
 */
export const replaceMappingScript = `
local rev = redis.call('HGET', KEYS[1], 'rev')
if not rev then return 'MISSING' end
if rev ~= ARGV[1] then return 'STALE' end
if KEYS[2] ~= KEYS[3] then
  local holder = redis.call('GET', KEYS[3])
  if holder and holder ~= ARGV[3] then return holder end
  if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
  redis.call('SET', KEYS[3], ARGV[3])
end
redis.call('HSET', KEYS[1], 'doc', ARGV[2], 'rev', tonumber(rev) + 1)
redis.call('PUBLISH', KEYS[4], ARGV[3])
return 'OK'
`;

/**
 * Remove a mapping for good. KEYS: mapping, pair, order index, tags, changes channel.
 * ARGV: expected rev, uuid, order member. Returns 'OK', 'MISSING' or 'STALE'.
 */
export const removeMappingScript = `
local rev = redis.call('HGET', KEYS[1], 'rev')
if not rev then return 'MISSING' end
if rev ~= ARGV[1] then return 'STALE' end
redis.call('DEL', KEYS[1], KEYS[4])
if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
redis.call('ZREM', KEYS[3], ARGV[3])
redis.call('PUBLISH', KEYS[5], ARGV[2])
return 'OK'
`;

/**
 * Replace tags only while the mapping exists. KEYS: mapping, tags. ARGV: max tags,
 * then key/value pairs to set. Returns 'OK', 'MISSING' or 'LIMIT'.
 */
export const tagMappingScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'MISSING' end
local added = 0
for i = 2, #ARGV, 2 do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 0 then added = added + 1 end
end
if redis.call('HLEN', KEYS[2]) + added > tonumber(ARGV[1]) then return 'LIMIT' end
if #ARGV > 1 then redis.call('HSET', KEYS[2], unpack(ARGV, 2)) end
return 'OK'
`;
