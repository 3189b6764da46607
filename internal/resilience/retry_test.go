package resilience

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// retrySettings: 3 attempts of 200ms, waits 1–5ms.
func retrySettings() Settings {
	s := testSettings()
	s.RetryMax, s.AttemptTimeout = 2, 200*time.Millisecond
	s.RetryWaitMin, s.RetryWaitMax = time.Millisecond, 5*time.Millisecond
	return s
}

// upstream is a test server that answers with handler and counts attempts
// and new connections.
type upstream struct {
	*httptest.Server
	attempts atomic.Int32
	conns    atomic.Int32
	mu       sync.Mutex
	bodies   []string
}

func newUpstream(t *testing.T, handler func(n int32, w http.ResponseWriter, r *http.Request)) *upstream {
	u := &upstream{}
	u.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.bodies = append(u.bodies, string(b))
		u.mu.Unlock()
		handler(u.attempts.Add(1), w, r)
	}))
	u.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			u.conns.Add(1)
		}
	}
	u.Start()
	t.Cleanup(u.Close)
	return u
}

func newTestClient(t *testing.T, s Settings, opts ...Option) *http.Client {
	hc := NewHTTPClient(s, opts...)
	t.Cleanup(hc.CloseIdleConnections)
	return hc
}

func do(t *testing.T, hc *http.Client, ctx context.Context, method, url, body string) (*http.Response, string, error) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b), nil
}

func TestRetriesServerErrorsAndKeepsTheFinalResponse(t *testing.T) {
	u := newUpstream(t, func(n int32, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "final answer")
	})
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	hc := newTestClient(t, retrySettings(), WithMetrics(m))
	resp, body, err := do(t, hc, context.Background(), http.MethodGet, u.URL, "")
	if err != nil || resp.StatusCode != 503 || body != "final answer" {
		t.Fatalf("got %v %q %v, want the last 503 and its body", resp, body, err)
	}
	if got := u.attempts.Load(); got != 3 {
		t.Errorf("attempts = %d, want 3", got)
	}
	if got := testutil.ToFloat64(m.retries.WithLabelValues("test")); got != 2 {
		t.Errorf("http_retries_total = %v, want 2", got)
	}
	if got := u.conns.Load(); got != 1 {
		t.Errorf("connections = %d, want 1 reused across the attempts", got)
	}
}

func TestNoRetryOnFourHundredsOr501(t *testing.T) {
	for _, code := range []int{400, 404, 409, 501} {
		u := newUpstream(t, func(int32, http.ResponseWriter, *http.Request) {})
		u.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { u.attempts.Add(1); w.WriteHeader(code) })
		resp, _, err := do(t, newTestClient(t, retrySettings()), context.Background(), http.MethodGet, u.URL, "")
		if err != nil || resp.StatusCode != code || u.attempts.Load() != 1 {
			t.Errorf("%d: resp %v err %v attempts %d, want one attempt", code, resp, err, u.attempts.Load())
		}
	}
}

func TestRetryAfterIsCappedAndMustFit(t *testing.T) {
	u := newUpstream(t, func(n int32, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		io.WriteString(w, "ok")
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, body, err := do(t, newTestClient(t, retrySettings()), ctx, http.MethodGet, u.URL, "")
	if err != nil || resp.StatusCode != 200 || body != "ok" {
		t.Fatalf("got %v %v: a 1h Retry-After must be capped at RetryWaitMax", resp, err)
	}

	// The capped wait (2s) does not fit the 50ms left: the 429 comes back at once.
	s := retrySettings()
	s.RetryWaitMax = 2 * time.Second
	u2 := newUpstream(t, func(int32, http.ResponseWriter, *http.Request) {})
	u2.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		u2.attempts.Add(1)
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	resp, _, err = do(t, newTestClient(t, s), ctx, http.MethodGet, u2.URL, "")
	if err != nil || resp.StatusCode != 429 || u2.attempts.Load() != 1 {
		t.Fatalf("got %v %v after %d attempts, want the 429 after one", resp, err, u2.attempts.Load())
	}
}

func TestBackoffBounds(t *testing.T) {
	s := retrySettings()
	s.RetryWaitMin, s.RetryWaitMax = 100*time.Millisecond, time.Second
	p := &policy{s: s}
	for i, w := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		w *= time.Millisecond
		for range 200 {
			if d := p.backoff(0, 0, i, nil); d < w/2 || d > w {
				t.Fatalf("wait %d = %s, want in [%s, %s]", i, d, w/2, w)
			}
		}
	}
	resp := &http.Response{StatusCode: 503, Header: http.Header{"Retry-After": {"3600"}}}
	if d := p.backoff(0, 0, 0, resp); d != time.Second {
		t.Errorf("Retry-After 3600 gives %s, want RetryWaitMax 1s", d)
	}
	resp.Header.Set("Retry-After", "0")
	if d := p.backoff(0, 0, 3, resp); d != 0 {
		t.Errorf("Retry-After 0 gives %s, want 0", d)
	}
	if s.RetryBudget() < 3*s.AttemptTimeout+p.wait(0)+p.wait(1) {
		t.Errorf("waits exceed the retry budget")
	}
}

func TestWritesAreNotResentOnceTheyReachedTheServer(t *testing.T) {
	u := newUpstream(t, func(int32, http.ResponseWriter, *http.Request) {})
	u.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.bodies = append(u.bodies, string(b))
		u.mu.Unlock()
		u.attempts.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	})
	hc := newTestClient(t, retrySettings())
	resp, _, err := do(t, hc, context.Background(), http.MethodPost, u.URL, `{"email":"a@b.c"}`)
	if err != nil || resp.StatusCode != 502 || u.attempts.Load() != 1 {
		t.Fatalf("POST: %v %v after %d attempts, want one attempt", resp, err, u.attempts.Load())
	}
	u.attempts.Store(0)
	resp, _, err = do(t, hc, WithRetryableWrite(context.Background()), http.MethodPost, u.URL, `{"email":"a@b.c"}`)
	if err != nil || resp.StatusCode != 502 || u.attempts.Load() != 3 {
		t.Fatalf("marked POST: %v %v after %d attempts, want 3", resp, err, u.attempts.Load())
	}
	for _, b := range u.bodies {
		if b != `{"email":"a@b.c"}` {
			t.Errorf("body %q: not rewound", b)
		}
	}
}

func TestWriteIsRetriedWhenItNeverLeft(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // connection refused from now on
	reg := prometheus.NewRegistry()
	m, _ := NewMetrics(reg)
	_, _, err = do(t, newTestClient(t, retrySettings(), WithMetrics(m)), context.Background(), http.MethodPost, "http://"+addr+"/x?secret=1", "x")
	if err == nil {
		t.Fatal("want a dial error")
	}
	if got := testutil.ToFloat64(m.retries.WithLabelValues("test")); got != 2 {
		t.Errorf("retries = %v, want 2 (a refused dial proves nothing was sent)", got)
	}
}

func TestCancellationStopsAttempts(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	u := newUpstream(t, func(n int32, w http.ResponseWriter, _ *http.Request) {
		cancel()
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	_, _, err := do(t, newTestClient(t, retrySettings()), ctx, http.MethodGet, u.URL, "")
	if !errors.Is(err, context.Canceled) || u.attempts.Load() != 1 {
		t.Fatalf("err %v after %d attempts, want context.Canceled after 1", err, u.attempts.Load())
	}
}

func TestAllAttemptsTimedOutIsATimeout(t *testing.T) {
	release := make(chan struct{})
	u := newUpstream(t, func(_ int32, w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	s := retrySettings()
	s.AttemptTimeout = 20 * time.Millisecond
	hc := newTestClient(t, s)
	b := newTestBreaker(t, s)
	_, err := Call(context.Background(), b, func(ctx context.Context) (int, error) {
		_, _, err := do(t, hc, ctx, http.MethodGet, u.URL, "")
		return 0, err
	})
	var te *TimeoutError
	if !errors.As(err, &te) || te.Attempts != 3 {
		t.Fatalf("err = %v, want a *TimeoutError after 3 attempts", err)
	}
	if st := b.Stats(); st.Timeouts != 1 || st.Failures != 1 {
		t.Errorf("stats = %+v, want one timeout", st)
	}
}

func TestOneFailureKeepsThePoolsIdleConnections(t *testing.T) {
	u := newUpstream(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/down" {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	hc := newTestClient(t, retrySettings())
	for _, path := range []string{"/up", "/down", "/up"} {
		if _, _, err := do(t, hc, context.Background(), http.MethodGet, u.URL+path, ""); err != nil {
			t.Fatal(err)
		}
	}
	// retryablehttp closes idle connections after a failed Do; the
	// transport hides that, so one connection served everything.
	if got := u.conns.Load(); got != 1 {
		t.Errorf("connections = %d, want 1", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	do(t, hc, ctx, http.MethodGet, u.URL+"/down", "")
	if _, _, err := do(t, hc, context.Background(), http.MethodGet, u.URL+"/up", ""); err != nil || u.conns.Load() != 1 {
		t.Errorf("after a cancelled call: %v, %d connections, want 1", err, u.conns.Load())
	}
}

func TestLogsCarryNoQueryString(t *testing.T) {
	ue := &url.Error{Op: "Get", URL: "https://api.example.com/v1/x?access_token=secret", Err: errBoom}
	if got := safeError(ue); strings.Contains(got, "secret") || !strings.Contains(got, "api.example.com/v1/x") {
		t.Errorf("safeError = %q leaks the query", got)
	}
}

// TestRedirectIsNotFollowed: a redirect comes back as the answer, so a
// credential header never travels to the host it points at.
func TestRedirectIsNotFollowed(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
	}))
	defer srv.Close()
	hc := NewHTTPClient(retrySettings())
	defer hc.CloseIdleConnections()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL, nil)
	req.Header.Set("api_key", "secret")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || elsewhere.Load() != 0 {
		t.Errorf("status %d, requests at the redirect target %d: want the 302 itself and none", resp.StatusCode, elsewhere.Load())
	}
}
