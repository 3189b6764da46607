package queue

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// group is the consumer group every worker of every replica reads through.
const group = "workers"

// moveBatch bounds how many due retries one claim moves into the stream.
const moveBatch = 100

// RedisQueue is a durable Queue on Redis Streams. Jobs are hashes (<prefix>job:<id>),
// the stream (<prefix>stream) carries job IDs to a consumer group, delayed retries
// wait in a sorted set (<prefix>delayed) scored by due time, and <prefix>active
// counts unfinished jobs. Durability across a Redis restart is Redis's persistence
// (AOF recommended). Safe for concurrent use, by several replicas too.
type RedisQueue struct {
	rdb     redis.UniversalClient
	opts    Options
	m       *metrics
	scripts scripts

	mu      sync.Mutex
	cursors map[string]string // consumer → XAUTOCLAIM cursor, so the scan moves on
}

var _ Source = (*RedisQueue)(nil)

// NewRedis returns a queue on rdb and creates its consumer group when missing. It
// returns an error when Options.Name is empty, the metrics cannot be registered or
// Redis cannot be reached.
func NewRedis(ctx context.Context, rdb redis.UniversalClient, opts Options) (*RedisQueue, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	q := &RedisQueue{rdb: rdb, opts: opts, scripts: newScripts(), cursors: map[string]string{}}
	if q.m, err = newMetrics(opts.Registerer, opts.Name, q.depth); err != nil {
		return nil, fmt.Errorf("queue: register metrics: %w", err)
	}
	if err := q.createGroup(ctx); err != nil {
		return nil, err
	}
	return q, nil
}

func (q *RedisQueue) key(suffix string) string { return q.opts.KeyPrefix + suffix }
func (q *RedisQueue) jobKey(id string) string  { return q.opts.KeyPrefix + "job:" + id }

// createGroup creates the group at the stream's start, so entries added before any
// worker existed are still delivered.
func (q *RedisQueue) createGroup(ctx context.Context) error {
	err := q.rdb.XGroupCreateMkStream(ctx, q.key("stream"), group, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("queue: create consumer group: %w", err)
	}
	return nil
}

// Enqueue stores the job and its stream entry in one script, so a job that Enqueue
// reported stored is also on its way to a worker.
func (q *RedisQueue) Enqueue(ctx context.Context, payload []byte) (Job, error) {
	now := q.opts.Clock().Truncate(time.Millisecond)
	j := Job{ID: newJobID(), State: StateQueued, CreatedAt: now, UpdatedAt: now, Payload: payload}
	keys := []string{q.jobKey(j.ID), q.key("stream"), q.key("active")}
	if err := q.scripts.enqueue.Run(ctx, q.rdb, keys, j.ID, payload, now.UnixMilli()).Err(); err != nil {
		return Job{}, fmt.Errorf("queue: enqueue: %w", err)
	}
	q.m.enqueued.Inc()
	return j, nil
}

// Get reads the job record.
func (q *RedisQueue) Get(ctx context.Context, id string) (Job, bool, error) {
	if !validID(id) {
		return Job{}, false, nil
	}
	h, err := q.rdb.HGetAll(ctx, q.jobKey(id)).Result()
	if err != nil {
		return Job{}, false, fmt.Errorf("queue: get job %s: %w", id, err)
	}
	if len(h) == 0 {
		return Job{}, false, nil
	}
	return jobFromHash(id, h), true, nil
}

// Requeue re-queues a failed job in one script (see scripts.requeue).
func (q *RedisQueue) Requeue(ctx context.Context, id string) (Job, error) {
	if !validID(id) {
		return Job{}, ErrJobNotFound
	}
	now := q.opts.Clock().Truncate(time.Millisecond)
	keys := []string{q.jobKey(id), q.key("stream"), q.key("active")}
	res, err := q.scripts.requeue.Run(ctx, q.rdb, keys, id, now.UnixMilli()).Slice()
	if err != nil {
		return Job{}, fmt.Errorf("queue: requeue job %s: %w", id, err)
	}
	var status string
	if len(res) > 0 {
		status, _ = res[0].(string)
	}
	if status == "missing" {
		return Job{}, ErrJobNotFound
	}
	var h map[string]string
	if len(res) == 2 {
		h = pairs(res[1])
	}
	j := jobFromHash(id, h)
	switch status {
	case "requeued":
		q.m.requeued.Inc()
		return j, nil
	case "not_failed":
		return j, notFailed(j)
	}
	return Job{}, fmt.Errorf("queue: requeue job %s: unexpected reply %v", id, res)
}

// pairs turns an HGETALL reply returned by a script (a flat list) into a map.
func pairs(v any) map[string]string {
	list, _ := v.([]any)
	h := make(map[string]string, len(list)/2)
	for i := 0; i+1 < len(list); i += 2 {
		k, _ := list[i].(string)
		h[k], _ = list[i+1].(string)
	}
	return h
}

func jobFromHash(id string, h map[string]string) Job {
	ms := func(field string) time.Time {
		v, err := strconv.ParseInt(h[field], 10, 64)
		if err != nil || v == 0 {
			return time.Time{}
		}
		return time.UnixMilli(v)
	}
	attempts, _ := strconv.Atoi(h["attempts"])
	j := Job{
		ID: id, State: State(h["state"]), Attempts: attempts, LastError: h["lastError"],
		CreatedAt: ms("createdAt"), UpdatedAt: ms("updatedAt"), DeliveredAt: ms("deliveredAt"),
	}
	if p, ok := h["payload"]; ok {
		j.Payload = []byte(p)
	}
	return j
}

func (q *RedisQueue) claim(ctx context.Context, consumer string, wait time.Duration) (claimed, bool, error) {
	stream := q.key("stream")
	now := q.opts.Clock()
	err := q.scripts.move.Run(ctx, q.rdb, []string{q.key("delayed"), stream}, now.UnixMilli(), moveBatch).Err()
	if err != nil {
		return claimed{}, false, fmt.Errorf("queue: move due retries: %w", err)
	}
	if msg, ok, err := q.autoclaim(ctx, consumer); err != nil || ok {
		return q.load(ctx, consumer, msg, ok, err)
	}
	res, err := q.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: group, Consumer: consumer, Streams: []string{stream, ">"},
		Count: 1, Block: max(wait, time.Millisecond), // Block 0 would wait forever
	}).Result()
	if errors.Is(err, redis.Nil) {
		return claimed{}, false, nil
	}
	if err != nil {
		if strings.HasPrefix(err.Error(), "NOGROUP") { // the stream was deleted under us
			return claimed{}, false, q.createGroup(ctx)
		}
		return claimed{}, false, fmt.Errorf("queue: read stream: %w", err)
	}
	if len(res) == 0 || len(res[0].Messages) == 0 {
		return claimed{}, false, nil
	}
	return q.load(ctx, consumer, res[0].Messages[0], true, nil)
}

// autoclaim takes over one entry that another consumer has held for ClaimMinIdle.
func (q *RedisQueue) autoclaim(ctx context.Context, consumer string) (redis.XMessage, bool, error) {
	q.mu.Lock()
	start := q.cursors[consumer]
	q.mu.Unlock()
	if start == "" {
		start = "0-0"
	}
	msgs, next, err := q.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream: q.key("stream"), Group: group, Consumer: consumer,
		MinIdle: q.opts.ClaimMinIdle, Start: start, Count: 1,
	}).Result()
	if err != nil {
		if strings.HasPrefix(err.Error(), "NOGROUP") {
			return redis.XMessage{}, false, q.createGroup(ctx)
		}
		return redis.XMessage{}, false, fmt.Errorf("queue: autoclaim: %w", err)
	}
	q.mu.Lock()
	q.cursors[consumer] = next
	q.mu.Unlock()
	if len(msgs) == 0 {
		return redis.XMessage{}, false, nil
	}
	return msgs[0], true, nil
}

// load reads the job record an entry names.
func (q *RedisQueue) load(ctx context.Context, consumer string, msg redis.XMessage, ok bool, err error) (claimed, bool, error) {
	if err != nil || !ok {
		return claimed{}, false, err
	}
	c := claimed{ref: msg.ID, consumer: consumer}
	id, _ := msg.Values["id"].(string)
	c.job.ID = id
	h, err := q.rdb.HGetAll(ctx, q.jobKey(id)).Result()
	if err != nil {
		// The entry stays pending for us; XAUTOCLAIM hands it out again later.
		return claimed{}, false, fmt.Errorf("queue: load job %s: %w", id, err)
	}
	if len(h) == 0 {
		c.missing = true
		q.opts.Logger.Error().Str("queue", q.opts.Name).Str("job_id", id).Str("entry", msg.ID).
			Msg("stream entry names no job record; dropping the entry")
		return c, true, nil
	}
	c.job = jobFromHash(id, h)
	return c, true, nil
}

func (q *RedisQueue) settle(ctx context.Context, c claimed, s settlement) (bool, error) {
	now := q.opts.Clock()
	keys := []string{q.jobKey(c.job.ID), q.key("stream"), q.key("active"), q.key("delayed")}
	res, err := q.scripts.settle.Run(ctx, q.rdb, keys,
		group, c.consumer, c.ref, string(s.mode), now.UnixMilli(), capError(s.lastError),
		now.Add(s.delay).UnixMilli(), q.opts.Retention.Milliseconds(), c.job.ID,
	).Int64Slice()
	if err != nil {
		return false, fmt.Errorf("queue: settle job %s (%s): %w", c.job.ID, s.mode, err)
	}
	if len(res) != 2 || res[0] != 1 {
		return false, nil
	}
	q.m.observeSettled(c, s, now)
	return true, nil
}

// depth reads the shared count of unfinished jobs for queue_depth at scrape
// time; with Redis unreachable the series is left out of that scrape rather
// than reported wrong.
func (q *RedisQueue) depth() (float64, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
	defer cancel()
	n, err := q.rdb.Get(ctx, q.key("active")).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, true
	}
	return float64(n), err == nil
}

func (q *RedisQueue) retire(ctx context.Context, consumer string) error {
	q.mu.Lock()
	delete(q.cursors, consumer)
	q.mu.Unlock()
	if err := q.scripts.retire.Run(ctx, q.rdb, []string{q.key("stream")}, group, consumer).Err(); err != nil {
		return fmt.Errorf("queue: retire consumer %s: %w", consumer, err)
	}
	return nil
}
