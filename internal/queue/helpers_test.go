package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/salesautomation/api/internal/testclock"
	"github.com/salesautomation/api/internal/testredis"
)

// TestMain finds or starts Redis (API.md section 1) and checks for leaked goroutines.
func TestMain(m *testing.M) { testredis.Main(m) }

// newRedisClient returns a client for the test Redis, closed when the test ends.
func newRedisClient(t *testing.T) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(testredis.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// uniquePrefix returns a key prefix no other test uses, and deletes its keys at the end.
func uniquePrefix(t *testing.T, rdb *redis.Client) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "queuetest:{" + hex.EncodeToString(b[:]) + "}:"
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := rdb.Keys(ctx, prefix+"*").Result() // only this test's few keys
		if len(keys) > 0 {
			_ = rdb.Del(ctx, keys...).Err()
		}
	})
	return prefix
}

// backend opens a queue of one kind; every call within a test shares the storage
// for Redis (same prefix) so a second call is a "restart".
type backend struct {
	name string
	open func(t *testing.T, o Options) Source
}

func backends() []backend {
	return []backend{
		{"memory", func(t *testing.T, o Options) Source {
			q, err := NewMemory(o)
			if err != nil {
				t.Fatal(err)
			}
			return q
		}},
		{"redis", func(t *testing.T, o Options) Source {
			rdb := newRedisClient(t)
			if o.KeyPrefix == "" {
				o.KeyPrefix = uniquePrefix(t, rdb)
			}
			q, err := NewRedis(t.Context(), rdb, o)
			if err != nil {
				t.Fatal(err)
			}
			return q
		}},
	}
}

// testOptions are queue options for tests: a fresh registry and a fake clock.
func testOptions(clock *fakeClock) (Options, *prometheus.Registry) {
	reg := prometheus.NewRegistry()
	return Options{Name: "lemlist-leads", Clock: clock.Now, Registerer: reg, Logger: zerolog.Nop()}, reg
}

// fakeClock is the clock the queue's tests move by hand.
type fakeClock = testclock.Clock

func newFakeClock() *fakeClock { return testclock.New(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)) }

// startWorker runs w until the test ends and waits for Run to return.
func startWorker(t *testing.T, w *Worker) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run() = %v, want nil", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// eventually polls cond until it holds or 10 s pass; the state it waits for is
// written by another goroutine (or process), so there is no channel to wait on.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// jobState reads a job's record, failing the test when it is missing.
func mustGet(t *testing.T, q Queue, id string) Job {
	t.Helper()
	j, ok, err := q.Get(context.Background(), id)
	if err != nil || !ok {
		t.Fatalf("Get(%s) = ok %v, err %v; want the job", id, ok, err)
	}
	return j
}

// metricValue sums the samples of a counter or gauge, or a histogram's count.
func metricValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var v float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			switch {
			case m.Counter != nil:
				v += m.GetCounter().GetValue()
			case m.Gauge != nil:
				v += m.GetGauge().GetValue()
			case m.Histogram != nil:
				v += float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return v
}
