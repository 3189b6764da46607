// Package testredis finds or starts the Redis server that tests talk to, by
// the rule of API.md section 1: REDIS_URL (default redis://127.0.0.1:6379/0)
// when it answers, else a redis-server from PATH on a free loopback port,
// else a one-line failure saying how to install it, unless SKIP_REDIS_TESTS=1.
// Only tests import it.
package testredis

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

const defaultURL = "redis://127.0.0.1:6379/0"

// Skipped reports whether SKIP_REDIS_TESTS=1 asks to skip Redis tests.
func Skipped() bool { return os.Getenv("SKIP_REDIS_TESTS") == "1" }

// Ensure is for TestMain: it finds Redis or starts one, sets REDIS_URL to it
// for the package's tests, and returns a stop function for the server it
// started (a no-op otherwise). With SKIP_REDIS_TESTS=1 it does nothing.
func Ensure() (stop func(), err error) {
	noop := func() {}
	if Skipped() {
		return noop, nil
	}
	url := os.Getenv("REDIS_URL")
	if url == "" {
		url = defaultURL
	}
	if Ping(url) == nil {
		return noop, os.Setenv("REDIS_URL", url)
	}
	port, err := FreePort()
	if err != nil {
		return noop, err
	}
	cmd, err := StartServer(port)
	if err != nil {
		return noop, fmt.Errorf("no Redis answers at %s and %w", url, err)
	}
	stop = func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	return stop, os.Setenv("REDIS_URL", "redis://127.0.0.1:"+port+"/0")
}

// URL returns the test Redis's URL (after Ensure), or skips the test with
// SKIP_REDIS_TESTS=1.
func URL(t interface {
	Helper()
	Skip(...any)
}) string {
	t.Helper()
	if Skipped() {
		t.Skip("SKIP_REDIS_TESTS=1")
	}
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	return defaultURL
}

// Ping checks that a Redis server answers at url within a second.
func Ping(url string) error {
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

// FreePort asks the kernel for a loopback port that is free now.
func FreePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), nil
}

// StartServer runs a throw-away redis-server (no persistence) on port and
// waits until it answers. The caller kills it.
func StartServer(port string) (*exec.Cmd, error) {
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("no redis-server on PATH: install it (apt-get install redis-server) or set REDIS_URL; SKIP_REDIS_TESTS=1 skips these tests")
	}
	cmd := exec.Command(path, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start redis-server: %w", err)
	}
	url := "redis://127.0.0.1:" + port + "/0"
	for range 200 {
		if Ping(url) == nil {
			return cmd, nil
		}
		time.Sleep(10 * time.Millisecond) // a child process cannot signal readiness otherwise
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	return nil, fmt.Errorf("redis-server on port %s did not answer", port)
}

// Main is TestMain for a package whose tests need Redis: it finds or starts
// the server (Ensure), runs the tests, stops a server it started, and fails a
// passing run that left goroutines behind (goleak).
func Main(m *testing.M) {
	stop, err := Ensure()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tests need Redis:", err)
		os.Exit(1)
	}
	code := m.Run()
	stop()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}
