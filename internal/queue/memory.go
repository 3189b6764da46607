package queue

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"
)

// MemoryQueue is an in-process Queue with the same behaviour as RedisQueue except
// durability: jobs live in this process's memory and are LOST when it exits, and
// other replicas cannot see them. Use it for sandbox mode and single-process
// development only; the caller should log a warning when it runs in production.
// Safe for concurrent use.
type MemoryQueue struct {
	opts Options
	m    *metrics

	mu       sync.Mutex
	jobs     map[string]*Job
	ready    []string             // job IDs waiting for a consumer, oldest first
	delayed  map[string]time.Time // job ID → when its retry is due
	held     map[string]hold      // job ID → the consumer delivering it
	finished []finished           // final jobs in the order they ended, for retention
	active   int64                // jobs not yet final
	arrived  chan struct{}        // closed (and replaced) when a job becomes ready
	seq      uint64               // makes claim tokens unique
}

type hold struct {
	token string
	since time.Time
}

type finished struct {
	id string
	at time.Time
}

var _ Source = (*MemoryQueue)(nil)

// NewMemory returns an empty in-process queue. It is NOT durable (see MemoryQueue).
// It returns an error when Options.Name is empty or the metrics cannot be registered.
func NewMemory(opts Options) (*MemoryQueue, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	q := &MemoryQueue{
		opts: opts,
		jobs: map[string]*Job{}, delayed: map[string]time.Time{}, held: map[string]hold{},
		arrived: make(chan struct{}),
	}
	if q.m, err = newMetrics(opts.Registerer, opts.Name, q.depth); err != nil {
		return nil, fmt.Errorf("queue: register metrics: %w", err)
	}
	return q, nil
}

// depth is the number of unfinished jobs, for queue_depth.
func (q *MemoryQueue) depth() (float64, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return float64(q.active), true
}

// Enqueue stores the job in memory.
func (q *MemoryQueue) Enqueue(ctx context.Context, payload []byte) (Job, error) {
	if err := ctx.Err(); err != nil {
		return Job{}, fmt.Errorf("queue: enqueue: %w", err)
	}
	now := q.opts.Clock().Truncate(time.Millisecond)
	j := &Job{ID: newJobID(), State: StateQueued, CreatedAt: now, UpdatedAt: now,
		Payload: bytes.Clone(payload)}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.expire(now)
	q.jobs[j.ID] = j
	q.active++
	q.m.enqueued.Inc()
	q.makeReady(j.ID)
	return copyJob(j), nil
}

// Get returns a copy of the job.
func (q *MemoryQueue) Get(ctx context.Context, id string) (Job, bool, error) {
	if err := ctx.Err(); err != nil {
		return Job{}, false, fmt.Errorf("queue: get job %s: %w", id, err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.expire(q.opts.Clock())
	j, ok := q.jobs[id]
	if !ok {
		return Job{}, false, nil
	}
	return copyJob(j), true, nil
}

// Requeue re-queues a failed job; see Queue.Requeue.
func (q *MemoryQueue) Requeue(ctx context.Context, id string) (Job, error) {
	if err := ctx.Err(); err != nil {
		return Job{}, fmt.Errorf("queue: requeue job %s: %w", id, err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.opts.Clock()
	q.expire(now)
	j, ok := q.jobs[id]
	if !ok {
		return Job{}, ErrJobNotFound
	}
	if j.State != StateFailed || j.Payload == nil {
		return copyJob(j), notFailed(*j)
	}
	j.State, j.Attempts, j.UpdatedAt = StateQueued, 0, now.Truncate(time.Millisecond)
	q.finished = slices.DeleteFunc(q.finished, func(f finished) bool { return f.id == id }) // live again: no expiry
	q.active++
	q.m.requeued.Inc()
	q.makeReady(id)
	return copyJob(j), nil
}

func copyJob(j *Job) Job {
	c := *j
	c.Payload = bytes.Clone(j.Payload)
	return c
}

// makeReady queues id for a consumer and wakes waiting consumers. q.mu is held.
func (q *MemoryQueue) makeReady(id string) {
	q.ready = append(q.ready, id)
	close(q.arrived)
	q.arrived = make(chan struct{})
}

// expire forgets final jobs older than the retention. q.mu is held.
func (q *MemoryQueue) expire(now time.Time) {
	n := 0
	for n < len(q.finished) && !now.Before(q.finished[n].at.Add(q.opts.Retention)) {
		delete(q.jobs, q.finished[n].id)
		n++
	}
	q.finished = q.finished[n:]
}

func (q *MemoryQueue) claim(ctx context.Context, consumer string, wait time.Duration) (claimed, bool, error) {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		c, ok, arrived := q.tryClaim(consumer)
		if ok {
			return c, true, nil
		}
		select {
		case <-arrived:
		case <-timer.C:
			return claimed{}, false, nil
		case <-ctx.Done():
			return claimed{}, false, nil
		}
	}
}

// tryClaim takes over a stale job or the oldest ready one; it returns the channel
// that is closed when more work arrives.
func (q *MemoryQueue) tryClaim(consumer string) (claimed, bool, <-chan struct{}) {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.opts.Clock()
	for id, due := range q.delayed {
		if !now.Before(due) {
			delete(q.delayed, id)
			q.ready = append(q.ready, id)
		}
	}
	id := ""
	for hid, h := range q.held {
		if !now.Before(h.since.Add(q.opts.ClaimMinIdle)) {
			id = hid // the holder is presumed dead, as XAUTOCLAIM does
			break
		}
	}
	if id == "" && len(q.ready) > 0 {
		id, q.ready = q.ready[0], q.ready[1:]
	}
	if id == "" {
		return claimed{}, false, q.arrived
	}
	q.seq++
	token := consumer + "/" + strconv.FormatUint(q.seq, 10)
	q.held[id] = hold{token: token, since: now}
	c := claimed{ref: token, consumer: consumer, job: Job{ID: id}}
	if j, ok := q.jobs[id]; ok {
		c.job = copyJob(j)
	} else {
		c.missing = true
	}
	return c, true, nil
}

func (q *MemoryQueue) settle(ctx context.Context, c claimed, s settlement) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("queue: settle job %s (%s): %w", c.job.ID, s.mode, err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if h, ok := q.held[c.job.ID]; !ok || h.token != c.ref {
		return false, nil
	}
	delete(q.held, c.job.ID)
	now := q.opts.Clock()
	j := q.jobs[c.job.ID]
	switch {
	case s.mode == settleDrop || j == nil:
		return true, nil
	case s.mode == settleRelease:
		q.makeReady(c.job.ID)
		return true, nil
	}
	j.Attempts++
	j.UpdatedAt = now.Truncate(time.Millisecond)
	if s.lastError != "" {
		j.LastError = capError(s.lastError)
	}
	switch s.mode {
	case settleRetry:
		j.State = StateRetrying
		q.delayed[j.ID] = now.Add(s.delay)
	case settleDelivered, settleFailed:
		j.State = StateFailed
		if s.mode == settleDelivered {
			j.State, j.DeliveredAt, j.Payload = StateDelivered, j.UpdatedAt, nil
		}
		q.active--
		q.finished = append(q.finished, finished{id: j.ID, at: now})
	}
	q.m.observeSettled(c, s, now)
	return true, nil
}

// retire has nothing to forget: claims are tracked per job, not per consumer.
func (q *MemoryQueue) retire(context.Context, string) error { return nil }
