package cache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if redisOnce.cmd != nil {
		_ = redisOnce.cmd.Process.Kill()
		_ = redisOnce.cmd.Wait()
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

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
			m, err := NewMemory(1000, WithClock(clock.Now))
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

// redisOnce is the Redis server the package's tests share, found or started once.
var redisOnce struct {
	sync.Once
	url string
	cmd *exec.Cmd // non-nil when the tests started it; TestMain stops it
	err error
}

// redisURL returns the URL of a Redis server for the tests (API.md section 1):
// REDIS_URL or redis://127.0.0.1:6379/0 when it answers, else a redis-server
// started from PATH on a free port.
func redisURL(t testing.TB) string {
	t.Helper()
	if os.Getenv("SKIP_REDIS_TESTS") == "1" {
		t.Skip("SKIP_REDIS_TESTS=1")
	}
	redisOnce.Do(func() {
		url := os.Getenv("REDIS_URL")
		if url == "" {
			url = "redis://127.0.0.1:6379/0"
		}
		if pingURL(url) == nil {
			redisOnce.url = url
			return
		}
		port := freePort(t)
		cmd, err := startRedisServer(port)
		if err != nil {
			redisOnce.err = err
			return
		}
		redisOnce.cmd = cmd
		redisOnce.url = "redis://127.0.0.1:" + port + "/0"
	})
	if redisOnce.err != nil {
		t.Fatal(redisOnce.err)
	}
	return redisOnce.url
}

func pingURL(url string) error {
	o, err := redis.ParseURL(url)
	if err != nil {
		return err
	}
	o.DialerRetries, o.MaxRetries = 1, -1
	c := redis.NewClient(o)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return c.Ping(ctx).Err()
}

func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// startRedisServer runs a throw-away redis-server on port and waits until it
// answers.
func startRedisServer(port string) (*exec.Cmd, error) {
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("redis tests need Redis: install redis-server (apt-get install redis-server, brew install redis) or set REDIS_URL; SKIP_REDIS_TESTS=1 skips them")
	}
	cmd := exec.Command(path, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start redis-server: %w", err)
	}
	url := "redis://127.0.0.1:" + port + "/0"
	for range 200 {
		if pingURL(url) == nil {
			return cmd, nil
		}
		time.Sleep(10 * time.Millisecond) // polling a process we cannot signal readiness from
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	return nil, fmt.Errorf("redis-server on port %s did not answer", port)
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
