package cache

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/salesautomation/api/internal/testredis"
)

// TestRedisOutageIsAMiss kills a Redis of its own in the middle of the test: reads
// still answer, from the loader, and count misses and errors; once Redis is back on
// the same port, reads hit again without a new client.
func TestRedisOutageIsAMiss(t *testing.T) {
	redisURL(t) // honours SKIP_REDIS_TESTS and reports a missing redis-server
	port := freePort(t)
	srv, err := testredis.StartServer(port)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })

	clock := newFakeClock()
	store := newTestRedis(t, "redis://127.0.0.1:"+port+"/0", WithClock(clock.Now), WithCommandTimeout(200*time.Millisecond))
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	rt := NewReadThrough(store, m, zerolog.New(&logs), WithClock(clock.Now), WithLogInterval(time.Hour))
	l := &loader{val: "v"}
	get := func(want Status) {
		t.Helper()
		res, err := rt.Get(t.Context(), ServiceHubSpot, ContactKey("1", nil), testTTL, testStale, l.load)
		if err != nil || res.Status != want || string(res.Value) != "v" {
			t.Fatalf("Get = %v %q %v, want %v \"v\"", res.Status, res.Value, err, want)
		}
	}

	get(Miss)
	get(Hit)

	_ = srv.Process.Kill()
	_ = srv.Wait()
	for range 3 {
		get(Miss)
	}
	if got := l.calls.Load(); got != 4 {
		t.Errorf("loader calls with Redis down = %d, want 4", got)
	}
	if _, misses, _ := m.Snapshot(ServiceHubSpot); misses != 4 {
		t.Errorf("misses = %d, want 4", misses)
	}
	if got := counterValue(t, reg, "cache_errors_total", "op", opGet); got != 3 {
		t.Errorf("cache_errors_total{op=get} = %v, want 3", got)
	}
	if got := strings.Count(logs.String(), "cache store failed"); got != 1 {
		t.Errorf("logged %d store failures, want 1 per interval:\n%s", got, logs.String())
	}

	srv2, err := testredis.StartServer(port)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv2.Process.Kill(); _ = srv2.Wait() })
	get(Miss) // the restarted server is empty
	get(Hit)
}

// TestRedisHungCostsAtMostTheCommandTimeout points the store at a server that
// accepts connections and never answers: commands fail instead of hanging, and a
// read still answers from the loader.
func TestRedisHungCostsAtMostTheCommandTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns sync.WaitGroup
	t.Cleanup(func() { _ = ln.Close(); conns.Wait() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Go(func() { _, _ = io.Copy(io.Discard, c); _ = c.Close() })
		}
	}()
	store := newTestRedis(t, "redis://"+ln.Addr().String()+"/0", WithCommandTimeout(50*time.Millisecond))
	_, _, err = store.Get(t.Context(), "k")
	if err == nil {
		t.Fatal("Get from a hung Redis succeeded, want an error")
	}
	if !errors.Is(err, context.DeadlineExceeded) && !isTimeout(err) {
		t.Errorf("Get error = %v, want a timeout", err)
	}
	rt := NewReadThrough(store, nil, zerolog.Nop())
	res, err := rt.Get(t.Context(), ServiceHubSpot, "k", testTTL, testStale, (&loader{val: "v"}).load)
	if err != nil || res.Status != Miss {
		t.Fatalf("read-through over a hung Redis = %v %v, want MISS", res.Status, err)
	}
	_ = store.Close() // closes the pooled connections so that the fake's copies end
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestRedisSetsAGarbageCollectionTTL(t *testing.T) {
	prefix := uniquePrefix(t)
	store := newTestRedis(t, redisURL(t), WithKeyPrefix(prefix))
	if err := store.Set(t.Context(), "g|v", Entry{Value: []byte("x"), StoredAt: time.Now()}, time.Minute); err != nil {
		t.Fatal(err)
	}
	ttl, err := store.rdb.PTTL(t.Context(), prefix+"g").Result()
	if err != nil || ttl <= 0 || ttl > time.Minute {
		t.Fatalf("PTTL = %v, %v; want a TTL of at most 1m", ttl, err)
	}
}

func TestRedisMalformedValueIsAnError(t *testing.T) {
	prefix := uniquePrefix(t)
	store := newTestRedis(t, redisURL(t), WithKeyPrefix(prefix))
	if err := store.rdb.HSet(t.Context(), prefix+"g", "", "junk").Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.rdb.Del(context.Background(), prefix+"g") })
	if _, ok, err := store.Get(t.Context(), "g"); ok || !errors.Is(err, errMalformed) {
		t.Fatalf("Get of a foreign value = %v, %v; want a miss with errMalformed", ok, err)
	}
}

func TestNewRedisRejectsBadURL(t *testing.T) {
	if _, err := NewRedis("http://not-redis"); err == nil {
		t.Fatal("NewRedis(http://…) succeeded, want an error")
	}
}

func TestRedisPing(t *testing.T) {
	store := newTestRedis(t, redisURL(t))
	if err := store.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
}
