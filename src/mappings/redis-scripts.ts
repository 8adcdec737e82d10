/**
 * Every multi-key change of the mapping store is one Lua script, so concurrent API
 * processes and supervisors on one Redis never see half an update (design.md). All of the
 * store's scripts live here, the store marker's included (one module per store, issue #12);
 * key names come from redis/keyspace.ts.
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

/**
 * A processing result of a mapping that may have been deleted meanwhile. KEYS: mapping.
 * ARGV: field, value. Writes the field only while the mapping exists (a late report must
 * not recreate a deleted mapping's hash).
 */
export const setIfExistsScript = `if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end`;

// The store marker (store-marker.ts): which store this process joined, and its loss.

/**
 * Claim. KEYS: marker. ARGV: new id, now. Writes the marker unless it exists.
 * Returns {id, createdAt, 1 if written by this call}.
 */
export const claimMarkerScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'id', ARGV[1], 'createdAt', ARGV[2])
  return {ARGV[1], ARGV[2], 1}
end
local marker = redis.call('HMGET', KEYS[1], 'id', 'createdAt')
return {marker[1], marker[2], 0}
`;

/**
 * Check. KEYS: marker, loss record, mapping order index. ARGV: the id this process
 * joined, a new id, now, the loss record to write if the store is lost.
 * Intact: {'intact', <order members>}. Lost: the marker is written anew unless another
 * process did already, and the loss recorded unless another process did:
 * {'lost', id, createdAt, 1 if this call recorded the loss}.
 */
export const checkMarkerScript = `
local id = redis.call('HGET', KEYS[1], 'id')
if id == ARGV[1] then
  return {'intact', redis.call('ZRANGE', KEYS[3], 0, -1)}
end
if not id then
  redis.call('HSET', KEYS[1], 'id', ARGV[2], 'createdAt', ARGV[3])
end
local marker = redis.call('HMGET', KEYS[1], 'id', 'createdAt')
local recorded = redis.call('SET', KEYS[2], ARGV[4], 'NX')
return {'lost', marker[1], marker[2], recorded and 1 or 0}
`;
