package queue

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// TestRedisRestart: a new client, queue and worker on the same keys deliver what the
// old ones left: a queued job, a job waiting for its retry, and a job held by a
// consumer that died.
func TestRedisRestart(t *testing.T) {
	rdb1 := newRedisClient(t)
	prefix := uniquePrefix(t, rdb1)
	clock := newFakeClock()
	o := Options{Name: "lemlist-leads", KeyPrefix: prefix, Clock: clock.Now, ClaimMinIdle: 50 * time.Millisecond, Logger: zerolog.Nop()}
	q1, err := NewRedis(t.Context(), rdb1, o)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range []string{"queued", "retrying", "held"} {
		j, err := q1.Enqueue(t.Context(), []byte(p))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, j.ID)
	}
	for _, mode := range []settleMode{settleRetry, ""} { // the second stays held by a dead consumer
		c, ok, err := q1.claim(t.Context(), "dead", time.Second)
		if err != nil || !ok {
			t.Fatalf("claim() = %v, %v", ok, err)
		}
		if mode != "" {
			if _, err := q1.settle(t.Context(), c, settlement{mode: mode, lastError: "down", delay: time.Hour}); err != nil {
				t.Fatal(err)
			}
		}
	}
	_ = rdb1.Close()

	rdb2 := newRedisClient(t)
	reg := prometheus.NewRegistry()
	o.Registerer = reg
	q2, err := NewRedis(t.Context(), rdb2, o)
	if err != nil {
		t.Fatal(err)
	}
	if got := metricValue(t, reg, "queue_depth"); got != 3 {
		t.Errorf("queue_depth after restart = %v, want 3 (read from Redis)", got)
	}
	rec := newRecorder(nil)
	stop := startWorker(t, mustWorker(t, q2, fastWorker(rec.deliver)))
	eventually(t, "all three jobs delivered", func() bool {
		clock.Advance(time.Hour)
		return rec.distinct() == 3 && metricValue(t, reg, "queue_jobs_delivered_total") == 3
	})
	stop()
	for i, id := range ids {
		if j := mustGet(t, q2, id); j.State != StateDelivered {
			t.Errorf("job %d is %s, want delivered", i, j.State)
		}
	}
}

// TestRedisRecordExpiry: finished records expire after the retention; unfinished ones never do.
func TestRedisRecordExpiry(t *testing.T) {
	rdb := newRedisClient(t)
	o := Options{Name: "lemlist-leads", KeyPrefix: uniquePrefix(t, rdb), Retention: time.Hour, Logger: zerolog.Nop()}
	q, err := NewRedis(t.Context(), rdb, o)
	if err != nil {
		t.Fatal(err)
	}
	done, _ := q.Enqueue(t.Context(), []byte("a"))
	c, _, err := q.claim(t.Context(), "c", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.settle(t.Context(), c, settlement{mode: settleDelivered}); err != nil {
		t.Fatal(err)
	}
	open, _ := q.Enqueue(t.Context(), []byte("b"))
	if ttl := rdb.PTTL(t.Context(), q.jobKey(done.ID)).Val(); ttl <= 0 || ttl > time.Hour {
		t.Errorf("TTL of a delivered record = %v, want in (0, 1h]", ttl)
	}
	if ttl := rdb.PTTL(t.Context(), q.jobKey(open.ID)).Val(); ttl != -1 {
		t.Errorf("TTL of a queued record = %v, want none (-1)", ttl)
	}
}

// TestRedisEntryWithoutRecord: an entry whose record vanished is acknowledged and
// skipped rather than blocking the worker.
func TestRedisEntryWithoutRecord(t *testing.T) {
	rdb := newRedisClient(t)
	o := Options{Name: "lemlist-leads", KeyPrefix: uniquePrefix(t, rdb), Logger: zerolog.Nop()}
	q, err := NewRedis(t.Context(), rdb, o)
	if err != nil {
		t.Fatal(err)
	}
	stream := q.key("stream")
	if err := rdb.XAdd(t.Context(), &redis.XAddArgs{Stream: stream, Values: []string{"id", newJobID()}}).Err(); err != nil {
		t.Fatal(err)
	}
	job, _ := q.Enqueue(t.Context(), []byte("real"))
	rec := newRecorder(nil)
	stop := startWorker(t, mustWorker(t, q, fastWorker(rec.deliver)))
	eventually(t, "the real job delivered", func() bool { return mustGet(t, q, job.ID).State == StateDelivered })
	stop()
	if n := rdb.XLen(context.Background(), stream).Val(); n != 0 {
		t.Errorf("stream length = %d, want 0 (the orphan entry acknowledged and deleted)", n)
	}
	if rec.calls.Load() != 1 {
		t.Errorf("Deliver called %d times, want 1", rec.calls.Load())
	}
}

// TestRedisRetire: a stopped worker leaves no consumer behind, but a consumer that
// still holds a job is kept (deleting it would drop the job's pending entry).
func TestRedisRetire(t *testing.T) {
	rdb := newRedisClient(t)
	o := Options{Name: "lemlist-leads", KeyPrefix: uniquePrefix(t, rdb), Logger: zerolog.Nop()}
	q, err := NewRedis(t.Context(), rdb, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Enqueue(t.Context(), []byte("held")); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := q.claim(t.Context(), "holder", time.Second); !ok || err != nil {
		t.Fatalf("claim() = %v, %v", ok, err)
	}
	if err := q.retire(t.Context(), "holder"); err != nil {
		t.Fatal(err)
	}
	wo := fastWorker(newRecorder(nil).deliver)
	wo.Concurrency = 3
	startWorker(t, mustWorker(t, q, wo))()
	consumers, err := rdb.XInfoConsumers(t.Context(), q.key("stream"), group).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(consumers) != 1 || consumers[0].Name != "holder" || consumers[0].Pending != 1 {
		t.Errorf("consumers = %+v, want only holder with its 1 pending job", consumers)
	}
}
