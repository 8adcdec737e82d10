/**
 * Shard leases, checkpoints and saved batch progress: every change is one Lua script, so
 * processes sharing a Redis never see half of one (design.md: leases are fenced, Redis is
 * the system of record). All of the stream state's scripts live here (one module per
 * store, issue #12). Key layout: stream-keys.ts, names from redis/keyspace.ts.
 *
 * A lease is one field of the mapping's lease hash: `<token>|<expiresAt>|<workerId>`.
 * - Time is the Redis server's (`TIME`), never a process clock, so processes on machines
 *   whose clocks disagree still agree on when a lease ends.
 * - `token` (the fencing token, or epoch) grows by one on every acquisition and steal and
 *   is kept when a lease is released, so a holder's token is never handed out again.
 * - A lease is held while its worker is set; it is *free* for others once released (no
 *   worker) or expired (now >= expiresAt). An expired lease nobody has taken yet still
 *   belongs to its holder: renewal and checkpoint writes succeed. This is safe because
 *   taking it changes the token first, and Redis runs scripts one at a time.
 */

/**
 * Shared by every script that reads a lease: `now_ms()`, `parse(lease)`, `encode(...)`.
 * Redis < 7 needs replicate_commands before TIME may be followed by writes; Redis 7 always replicates effects.
 */
export const PRELUDE = `
if redis.replicate_commands then redis.replicate_commands() end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function parse(v)
  if not v then return 0, 0, '' end
  local token, expires, worker = string.match(v, '^(%d+)|(%d+)|(.*)$')
  if not token then return 0, 0, '' end
  return tonumber(token), tonumber(expires), worker
end
local function encode(token, expires, worker)
  return string.format('%d|%d|%s', token, expires, worker)
end
`;

/**
 * Take a free or expired lease. KEYS: leases. ARGV: shardId, workerId, leaseMs.
 * Returns {1, token, expiresAt, workerId} when taken, else {0, token, expiresAt, holder}.
 */
export const acquireLeaseScript = `${PRELUDE}
local now = now_ms()
local token, expires, holder = parse(redis.call('HGET', KEYS[1], ARGV[1]))
if holder ~= '' and expires > now then return {0, token, expires, holder} end
token = token + 1
expires = now + tonumber(ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], encode(token, expires, ARGV[2]))
return {1, token, expires, ARGV[2]}
`;

/**
 * Move a lease from one worker to another, whether or not it has expired, only while
 * `fromWorker` holds it. KEYS: leases. ARGV: shardId, fromWorker, toWorker, leaseMs.
 * Returns {1, token, expiresAt, toWorker} when moved, else {0, token, expiresAt, holder}.
 */
export const stealLeaseScript = `${PRELUDE}
local now = now_ms()
local token, expires, holder = parse(redis.call('HGET', KEYS[1], ARGV[1]))
if holder == '' or holder ~= ARGV[2] then return {0, token, expires, holder} end
token = token + 1
expires = now + tonumber(ARGV[4])
redis.call('HSET', KEYS[1], ARGV[1], encode(token, expires, ARGV[3]))
return {1, token, expires, ARGV[3]}
`;

/**
 * Extend leases still held with their token. KEYS: leases. ARGV: leaseMs, then
 * (shardId, workerId, token) per lease. Returns, per lease, the new expiresAt, or 0 when
 * the lease was lost (taken by another worker, released, or deleted).
 */
export const renewLeasesScript = `${PRELUDE}
local expires = now_ms() + tonumber(ARGV[1])
local out = {}
for i = 2, #ARGV, 3 do
  local token, _, holder = parse(redis.call('HGET', KEYS[1], ARGV[i]))
  if holder ~= '' and holder == ARGV[i + 1] and token == tonumber(ARGV[i + 2]) then
    redis.call('HSET', KEYS[1], ARGV[i], encode(token, expires, holder))
    out[#out + 1] = expires
  else
    out[#out + 1] = 0
  end
end
return out
`;

/**
 * A stream poller's round in one script (issue #13: an idle mapping's Redis work): extend
 * the leases still held with their token, as renewLeasesScript, and read every lease of
 * the mapping after that, with the server's time to judge expiry. KEYS: leases, and
 * optionally the mapping's rewind hash (mappings/rewinds.ts), whose `id` and `state` the
 * round reads in the same trip (issue #16: every runner checks for a rewind each round).
 * ARGV: leaseMs, then (shardId, workerId, token) per lease (none: only the read).
 * Returns {now, expiries, fields, rewind}: `expiries` per lease as renewLeasesScript's reply,
 * `fields` the lease hash as HGETALL gives it, renewals included, `rewind` {id, state}
 * (false members when absent).
 */
export const renewAndReadLeasesScript = `${PRELUDE}
local now = now_ms()
local expires = now + tonumber(ARGV[1])
local fields = redis.call('HGETALL', KEYS[1])
local index = {}
for i = 1, #fields, 2 do index[fields[i]] = i + 1 end
local out = {}
for i = 2, #ARGV, 3 do
  local at = index[ARGV[i]]
  local token, _, holder = parse(at and fields[at])
  if holder ~= '' and holder == ARGV[i + 1] and token == tonumber(ARGV[i + 2]) then
    local value = encode(token, expires, holder)
    redis.call('HSET', KEYS[1], ARGV[i], value)
    fields[at] = value
    out[#out + 1] = expires
  else
    out[#out + 1] = 0
  end
end
local rewind = {}
if KEYS[2] then rewind = redis.call('HMGET', KEYS[2], 'id', 'state') end
return {now, out, fields, rewind}
`;

/**
 * Give a lease up at once (shutdown, shard done). KEYS: leases. ARGV: shardId, workerId,
 * token. Keeps the token. Returns 1 when released, 0 when the lease was no longer held.
 */
export const releaseLeaseScript = `${PRELUDE}
local token, _, holder = parse(redis.call('HGET', KEYS[1], ARGV[1]))
if holder == '' or holder ~= ARGV[2] or token ~= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], encode(token, 0, ''))
return 1
`;

/**
 * Give up every lease a worker holds in a mapping. KEYS: leases. ARGV: workerId.
 * Returns the released shard ids.
 */
export const releaseAllLeasesScript = `${PRELUDE}
local fields = redis.call('HGETALL', KEYS[1])
local released = {}
for i = 1, #fields, 2 do
  local token, _, holder = parse(fields[i + 1])
  if holder ~= '' and holder == ARGV[1] then
    redis.call('HSET', KEYS[1], fields[i], encode(token, 0, ''))
    released[#released + 1] = fields[i]
  end
end
return released
`;

/** What the checkpoint script answers (BullMQ style: one numeric code per outcome). */
export const CheckpointCode = {
  written: 1,
  unchanged: 0,
  /** The lease moved (or was released): the writer must stop the shard. */
  fenced: -1,
  /** The position is before the stored checkpoint; it was left alone. */
  behind: -2,
  /** The shard's checkpoint is already SHARD_END; it was left alone. */
  ended: -3,
  /** Not a sequence number nor SHARD_END (the caller validates first; a safety net). */
  invalid: -4,
} as const;

/**
 * Lua helpers of the checkpoint scripts (after PRELUDE):
 * - `holds(leases, shardId, workerId, token)`: the lease is still the writer's (fencing);
 * - `checkpoint_move(checkpoints, shardId, position)`: the CheckpointCode that writing
 *   `position` over the shard's checkpoint would give, without writing it (`written`: it moves).
 * Sequence numbers are decimal strings (DynamoDB Local pads them with zeros): without their
 * leading zeros, one is smaller when it is shorter, or as long and lower at the first
 * differing digit (bytes, not locale collation).
 */
const CHECKPOINT_HELPERS = `
local function holds(leases, shard, worker, token)
  local t, _, holder = parse(redis.call('HGET', leases, shard))
  return holder ~= '' and holder == worker and t == tonumber(token)
end
local function checkpoint_move(checkpoints, shard, position)
  local ended = position == 'SHARD_END'
  if not ended and not string.match(position, '^[0-9]+$') then return ${CheckpointCode.invalid} end
  local current = redis.call('HGET', checkpoints, shard)
  if current == position then return ${CheckpointCode.unchanged} end
  if current == 'SHARD_END' then return ${CheckpointCode.ended} end
  if current and not ended then
    local function digits(s)
      local t = string.gsub(s, '^0+', '')
      if t == '' then return '0' end
      return t
    end
    local p, c = digits(position), digits(current)
    if p == c then return ${CheckpointCode.unchanged} end
    if #p < #c then return ${CheckpointCode.behind} end
    if #p == #c then
      for i = 1, #p do
        local a, b = string.byte(p, i), string.byte(c, i)
        if a ~= b then
          if a < b then return ${CheckpointCode.behind} end
          break
        end
      end
    end
  end
  return ${CheckpointCode.written}
end
`;

/**
 * Move a shard's checkpoint forward, fenced by the lease. KEYS: leases, checkpoints.
 * ARGV: shardId, workerId, token, position (sequence number or SHARD_END).
 * Returns a CheckpointCode.
 */
export const writeCheckpointScript = `${PRELUDE}${CHECKPOINT_HELPERS}
if not holds(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then return ${CheckpointCode.fenced} end
local code = checkpoint_move(KEYS[2], ARGV[1], ARGV[4])
if code == ${CheckpointCode.written} then redis.call('HSET', KEYS[2], ARGV[1], ARGV[4]) end
return code
`;

/**
 * Save a shard's checkpoint and its tumbling window together (streams.md §15: "saved
 * together after every successful invocation"), fenced by the lease. KEYS: leases,
 * checkpoints, windows. ARGV: shardId, workerId, token, position (sequence number,
 * SHARD_END, or '' to leave the checkpoint as it is), window (JSON of the open window, or
 * '' to delete the shard's window: it closed).
 * Both or neither: when the checkpoint would go backwards (`behind`) or is already
 * SHARD_END (`ended`), the window is left alone too, so a stored window always goes with
 * the checkpoint it was saved with. A shard read to its end has no open window: saving
 * one with or after SHARD_END is `ended` (nothing written); deleting one always works.
 * Returns a CheckpointCode: `written` (the checkpoint moved) or `unchanged` (it did not
 * need to) mean the window was saved or deleted.
 */
export const writeWindowCheckpointScript = `${PRELUDE}${CHECKPOINT_HELPERS}
if not holds(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then return ${CheckpointCode.fenced} end
local code = ${CheckpointCode.unchanged}
if ARGV[4] ~= '' then code = checkpoint_move(KEYS[2], ARGV[1], ARGV[4]) end
if code ~= ${CheckpointCode.written} and code ~= ${CheckpointCode.unchanged} then return code end
if ARGV[5] ~= '' and (ARGV[4] == 'SHARD_END' or redis.call('HGET', KEYS[2], ARGV[1]) == 'SHARD_END') then
  return ${CheckpointCode.ended}
end
if code == ${CheckpointCode.written} then redis.call('HSET', KEYS[2], ARGV[1], ARGV[4]) end
if ARGV[5] == '' then
  redis.call('HDEL', KEYS[3], ARGV[1])
else
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[5])
end
return code
`;

/**
 * Only the lease holder (worker and token) writes. A batch is two fields, `<shard>|<lane>|progress`
 * (settings and state, rewritten after every attempt) and `<shard>|<lane>|records` (up to
 * 6 MB, written once). KEYS: leases, batches. ARGV: shardId, workerId, token, field prefix,
 * progress JSON ('' removes the batch), records JSON ('' keeps the stored ones).
 */
export const writeProgressScript = `${PRELUDE}
local token, _, holder = parse(redis.call('HGET', KEYS[1], ARGV[1]))
if holder == '' or holder ~= ARGV[2] or token ~= tonumber(ARGV[3]) then return 0 end
local progress, records = ARGV[4] .. '|progress', ARGV[4] .. '|records'
if ARGV[5] == '' then
  redis.call('HDEL', KEYS[2], progress, records)
  return 1
end
redis.call('HSET', KEYS[2], progress, ARGV[5])
if ARGV[6] ~= '' then redis.call('HSET', KEYS[2], records, ARGV[6]) end
return 1
`;

/**
 * Moves one shard's checkpoint for a rewind (issue #16), in one step under its lease fence.
 * KEYS: leases, checkpoints, windows, batches, starts, replay, rewind. ARGV: rewindId,
 * shardId, kind (`checkpoint`: set the checkpoint to ARGV[4], a sequence number or
 * SHARD_END; `start`: delete the checkpoint and start the shard at ARGV[4], a JSON
 * IteratorPosition), the position, and how the move is shown (`To`).
 * In the one step:
 * - the lease's token grows by one and the lease is released: whoever held it (a process
 *   that did not pause, a batch job still queued) is fenced from then on, its checkpoint,
 *   window and progress writes and its queued jobs refused, so nothing can write over the move;
 * - the checkpoint moves, backwards or forwards (the only write allowed to go backwards);
 * - the shard's tumbling window and saved retry/bisect progress are dropped: they belong to
 *   records after the old checkpoint, which are read again;
 * - the replay mark (`replay`) becomes the furthest point ever checkpointed (chosen over the
 *   last checkpoint alone: a second rewind before the first replay caught up still counts
 *   records the first pass delivered): records up to it were delivered before, and count as
 *   replayed when delivered again;
 * - `moved:<shard>` is recorded on the rewind, so applying the rewind twice (two processes
 *   completing it at once, or a retry after a failure) moves each shard once.
 * Returns {1, from} when moved, {0} when it already was, {-1} when that rewind no longer runs.
 */
export const rewindShardScript = `${PRELUDE}
local function digits(s)
  local t = string.gsub(s, '^0+', '')
  if t == '' then return '0' end
  return t
end
local function seq_less(a, b)
  local x, y = digits(a), digits(b)
  if #x ~= #y then return #x < #y end
  return x < y
end
if redis.call('HGET', KEYS[7], 'id') ~= ARGV[1] or redis.call('HGET', KEYS[7], 'state') ~= 'Rewinding' then return {-1} end
local moved = 'moved:' .. ARGV[2]
if redis.call('HEXISTS', KEYS[7], moved) == 1 then return {0} end
local lease = redis.call('HGET', KEYS[1], ARGV[2])
if lease then
  local token = parse(lease)
  redis.call('HSET', KEYS[1], ARGV[2], encode(token + 1, 0, ''))
end
local from = redis.call('HGET', KEYS[2], ARGV[2])
if from then
  local mark = redis.call('HGET', KEYS[6], ARGV[2])
  if not mark or (mark ~= 'SHARD_END' and (from == 'SHARD_END' or seq_less(mark, from))) then
    redis.call('HSET', KEYS[6], ARGV[2], from)
  end
end
if ARGV[3] == 'checkpoint' then
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[4])
  redis.call('HDEL', KEYS[5], ARGV[2])
else
  redis.call('HDEL', KEYS[2], ARGV[2])
  redis.call('HSET', KEYS[5], ARGV[2], ARGV[4])
end
redis.call('HDEL', KEYS[3], ARGV[2])
local prefix = ARGV[2] .. '|'
for _, field in ipairs(redis.call('HKEYS', KEYS[4])) do
  if string.sub(field, 1, #prefix) == prefix then redis.call('HDEL', KEYS[4], field) end
end
local shown = from
if not shown then shown = cjson.null end
redis.call('HSET', KEYS[7], moved, cjson.encode({From = shown, To = ARGV[5]}))
return {1, from or ''}
`;
