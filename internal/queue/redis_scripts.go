package queue

import "github.com/redis/go-redis/v9"

// scripts are the Lua scripts that make each state change atomic: a job is never
// acknowledged without its record being updated, nor re-queued without the old entry
// being acknowledged. Every key a script touches is passed in KEYS (Redis Cluster).
type scripts struct {
	enqueue *redis.Script
	move    *redis.Script
	settle  *redis.Script
	retire  *redis.Script
	requeue *redis.Script
}

func newScripts() scripts {
	return scripts{
		// KEYS: job, stream, active. ARGV: id, payload, now (ms). Returns the active count.
		enqueue: redis.NewScript(`
redis.call('HSET', KEYS[1], 'state', 'queued', 'attempts', 0,
  'createdAt', ARGV[3], 'updatedAt', ARGV[3], 'payload', ARGV[2])
redis.call('XADD', KEYS[2], '*', 'id', ARGV[1])
return redis.call('INCR', KEYS[3])
`),
		// KEYS: delayed, stream. ARGV: now (ms), limit. Moves retries that are due
		// into the stream; ZREM decides which of several racing movers moves a job.
		move: redis.NewScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, id in ipairs(ids) do
  if redis.call('ZREM', KEYS[1], id) == 1 then
    redis.call('XADD', KEYS[2], '*', 'id', id)
  end
end
return #ids
`),
		// KEYS: job, stream, active, delayed. ARGV: group, consumer, entry, mode, now (ms),
		// lastError, due (ms), retention (ms), id. Returns {owned (0/1), active count}.
		// Ownership is checked first: a consumer that lost the entry to XAUTOCLAIM
		// changes nothing, so only one outcome is ever recorded per delivery.
		settle: redis.NewScript(`
local p = redis.call('XPENDING', KEYS[2], ARGV[1], ARGV[3], ARGV[3], 1)
if #p == 0 or p[1][2] ~= ARGV[2] then return {0, 0} end
redis.call('XACK', KEYS[2], ARGV[1], ARGV[3])
redis.call('XDEL', KEYS[2], ARGV[3])
local mode = ARGV[4]
local active = tonumber(redis.call('GET', KEYS[3]) or '0')
if mode == 'drop' then return {1, active} end
if mode == 'release' then
  redis.call('XADD', KEYS[2], '*', 'id', ARGV[9])
  return {1, active}
end
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[5])
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'lastError', ARGV[6]) end
if mode == 'retry' then
  redis.call('HSET', KEYS[1], 'state', 'retrying')
  redis.call('ZADD', KEYS[4], ARGV[7], ARGV[9])
  return {1, active}
end
redis.call('HSET', KEYS[1], 'state', mode)
if mode == 'delivered' then
  redis.call('HSET', KEYS[1], 'deliveredAt', ARGV[5])
  redis.call('HDEL', KEYS[1], 'payload')
end
redis.call('PEXPIRE', KEYS[1], ARGV[8])
return {1, redis.call('DECR', KEYS[3])}
`),
		// KEYS: stream. ARGV: group, consumer. Deletes the consumer only when it holds
		// no entries: DELCONSUMER would drop its pending entries, and with them jobs.
		retire: redis.NewScript(`
local p = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if #p > 0 then return -1 end
return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
`),
		// KEYS: job, stream, active. ARGV: id, now (ms). Returns {'missing'},
		// {'not_failed', record} or {'requeued', record}. Only a failed job with its
		// payload goes back: attempts restart, lastError stays, the retention's
		// expiry is lifted, and it counts as active and gets a stream entry again.
		// Two racing calls see the state after the other's change, so one wins.
		requeue: redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing'} end
if redis.call('HGET', KEYS[1], 'state') ~= 'failed' or redis.call('HEXISTS', KEYS[1], 'payload') == 0 then
  return {'not_failed', redis.call('HGETALL', KEYS[1])}
end
redis.call('HSET', KEYS[1], 'state', 'queued', 'attempts', 0, 'updatedAt', ARGV[2])
redis.call('PERSIST', KEYS[1])
redis.call('INCR', KEYS[3])
redis.call('XADD', KEYS[2], '*', 'id', ARGV[1])
return {'requeued', redis.call('HGETALL', KEYS[1])}
`),
	}
}
