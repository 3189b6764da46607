package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/salesautomation/api/internal/handlers"
	"github.com/salesautomation/api/internal/testredis"
)

// TestMain finds or starts Redis for the end-to-end lead tests (API.md
// section 1) and checks that run left no goroutine behind.
func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	testredis.Main(m)
}

// freePort asks the kernel for a port that is free now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

// syncBuffer is an io.Writer safe for the server's goroutines and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// waitForReady polls url until it answers 200, sleeping between polls.
func waitForReady(ctx context.Context, timeout time.Duration, url string) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready: %w", url, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// startRun runs the whole program in sandbox mode and returns its base URL
// and a function that cancels it and returns run's error.
func startRun(t *testing.T, env map[string]string) (string, func() error, *syncBuffer) {
	t.Helper()
	port := freePort(t)
	env["SANDBOX"], env["PORT"] = "true", port
	if env["LOG_LEVEL"] == "" {
		env["LOG_LEVEL"] = "warn"
	}
	if env["SHUTDOWN_TIMEOUT"] == "" {
		env["SHUTDOWN_TIMEOUT"] = "400ms" // a 100 ms lame-duck period
	}
	out := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"api"}, envMap(env), out) }()
	stop := func() error { cancel(); return <-done }
	base := "http://127.0.0.1:" + port
	if err := waitForReady(t.Context(), 10*time.Second, base+"/health/ready"); err != nil {
		_ = stop()
		t.Fatalf("%v; output:\n%s", err, out.String())
	}
	return base, stop, out
}

func TestRunServesAndStopsCleanly(t *testing.T) {
	base, stop, _ := startRun(t, map[string]string{})
	for _, path := range []string{"/health/live", "/health/ready", "/metrics"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d: %s", path, resp.StatusCode, body)
		}
		if path == "/metrics" && !bytes.Contains(body, []byte("go_goroutines")) {
			t.Errorf("/metrics lacks the Go collector")
		}
	}
	http.DefaultClient.CloseIdleConnections()
	if err := stop(); err != nil {
		t.Fatalf("run returned %v after cancel", err)
	}
	// TestMain (testredis.Main) checks with goleak that nothing run started is still running.
}

func TestRunRefusesWithoutKeys(t *testing.T) {
	err := run(t.Context(), []string{"api"}, envMap(map[string]string{}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "HUBSPOT_API_KEY") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("run without keys = %v, want one line naming HUBSPOT_API_KEY", err)
	}
}

func TestRunHelpAndVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"api", "--help"}, envMap(nil), &out); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"PORT", "ENRICH_TIMEOUT", "HUBSPOT_TIMEOUT", "10s", "EXPLORIUM_ROLLING_COUNT_BUCKETS", "LEMLIST_CACHE_TTL"} {
		if !strings.Contains(out.String(), v) {
			t.Errorf("--help lacks %s", v)
		}
	}
	out.Reset()
	if err := run(t.Context(), []string{"api", "--version"}, envMap(nil), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "api ") {
		t.Errorf("--version printed %q", out.String())
	}
	if err := run(t.Context(), []string{"api", "--bogus"}, envMap(nil), io.Discard); err == nil {
		t.Error("an unknown flag was accepted")
	}
}

// TestServeDrainsInFlightRequests: on cancel, /health/ready answers 503 at
// once while a slow request already in flight still completes.
func TestServeDrainsInFlightRequests(t *testing.T) {
	life := handlers.NewLifecycle(time.Now())
	router, err := handlers.NewRouter(handlers.Deps{Logger: zerolog.Nop(), Metrics: prometheus.NewRegistry(), Life: life, MaxBodyBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		_, _ = io.WriteString(w, "done")
	})
	mux.Handle("/", router)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, ln, &http.Server{Handler: mux}, life, 4*time.Second, zerolog.Nop()) }()

	slow := make(chan string, 1)
	go func() {
		resp, err := http.Get(base + "/slow")
		if err != nil {
			slow <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		slow <- string(b)
	}()
	<-entered
	if got := getStatus(t, base+"/health/ready"); got != http.StatusOK {
		t.Fatalf("ready before shutdown = %d", got)
	}
	cancel()
	deadline := time.Now().Add(time.Second)
	got := 0
	for time.Now().Before(deadline) && got != http.StatusServiceUnavailable {
		got = getStatus(t, base+"/health/ready")
		time.Sleep(5 * time.Millisecond)
	}
	if got != http.StatusServiceUnavailable {
		t.Fatalf("ready while draining = %d, want 503", got)
	}
	close(release)
	if got := <-slow; got != "done" {
		t.Errorf("in-flight request got %q, want it to finish", got)
	}
	if err := <-served; err != nil {
		t.Errorf("serve = %v", err)
	}
	http.DefaultClient.CloseIdleConnections()
}

func getStatus(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
