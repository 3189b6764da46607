package cache

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/salesautomation/api/internal/testclock"
	"github.com/salesautomation/api/internal/testredis"
)

// TestMain finds or starts Redis (API.md section 1) and checks for leaked goroutines.
func TestMain(m *testing.M) { testredis.Main(m) }

// fakeClock is the clock the store and read-through tests move by hand.
type fakeClock = testclock.Clock

func newFakeClock() *fakeClock { return testclock.New(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)) }

// statusErr is an upstream answer with an HTTP status, as the clients' errors are.
type statusErr int

func (e statusErr) Error() string   { return "upstream answered " + strconv.Itoa(int(e)) }
func (e statusErr) HTTPStatus() int { return int(e) }

// storeFactory builds a fresh, isolated store that follows clock.
type storeFactory struct {
	name string
	new  func(t testing.TB, clock *fakeClock) Store
}

// stores returns the Store implementations every behaviour table runs against.
func stores(t testing.TB) []storeFactory {
	return []storeFactory{
		{"memory", func(t testing.TB, clock *fakeClock) Store {
			m, err := NewMemory(1<<20, WithClock(clock.Now))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = m.Close() })
			return m
		}},
		{"redis", func(t testing.TB, clock *fakeClock) Store {
			return newTestRedis(t, redisURL(t), WithClock(clock.Now))
		}},
	}
}

// newTestRedis returns a Redis store whose keys carry a prefix of their own, so that
// tests and parallel packages never see each other's keys.
func newTestRedis(t testing.TB, url string, opts ...Option) *Redis {
	t.Helper()
	opts = append([]Option{WithKeyPrefix(uniquePrefix(t)), WithCommandTimeout(time.Second)}, opts...)
	r, err := NewRedis(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func uniquePrefix(t testing.TB) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "test:cache:" + t.Name() + ":" + hex.EncodeToString(b) + ":"
}

// redisURL returns the URL of the test Redis (testredis.Ensure found or
// started it in TestMain), or skips with SKIP_REDIS_TESTS=1.
func redisURL(t testing.TB) string {
	t.Helper()
	return testredis.URL(t)
}

func freePort(t testing.TB) string {
	t.Helper()
	port, err := testredis.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// counterValue reads one labelled counter from reg.
func counterValue(t testing.TB, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == label && lp.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
