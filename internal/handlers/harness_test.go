package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"go.uber.org/goleak"
	"golang.org/x/time/rate"

	"github.com/salesautomation/api/internal/cache"
	"github.com/salesautomation/api/internal/clients/explorium"
	"github.com/salesautomation/api/internal/clients/faults"
	"github.com/salesautomation/api/internal/clients/hubspot"
	"github.com/salesautomation/api/internal/clients/lemlist"
	"github.com/salesautomation/api/internal/queue"
	"github.com/salesautomation/api/internal/resilience"
	"github.com/salesautomation/api/internal/sandbox"
	"github.com/salesautomation/api/internal/testclock"
)

const testAdminToken = "test-token"

// testAPI is the real router wired as run() wires it, over the sandbox fakes,
// with a clock the test moves (Deps.Now and the cache's clock).
type testAPI struct {
	t        *testing.T
	router   http.Handler
	sb       *sandbox.Sandbox
	breakers *resilience.Registry
	clock    *testclock.Clock // starts at the real time, so stored entries and job records look ordinary
	life     *Lifecycle
}

// apiConfig is what options may change before the router is built.
type apiConfig struct {
	settings map[string]*resilience.Settings
	deps     Deps
	noQueue  bool // no durable lead queue, as in production without REDIS_URL
}

type apiOption func(*apiConfig)

// withSettings changes one service's breaker and client settings.
func withSettings(service string, f func(*resilience.Settings)) apiOption {
	return func(c *apiConfig) { f(c.settings[service]) }
}

// withoutQueue wires no lead queue (production without REDIS_URL).
func withoutQueue() apiOption { return func(c *apiConfig) { c.noQueue = true } }

// withDeps changes the router's dependencies (tokens, timeouts, flags).
func withDeps(f func(*Deps)) apiOption { return func(c *apiConfig) { f(&c.deps) } }

// testSettings is the guide's preset for service with what tests need:
// no warm-up (a circuit may open at once), no or fast retries, short
// attempts, so that a failing fake answers in milliseconds.
func testSettings(t *testing.T, service string) *resilience.Settings {
	t.Helper()
	s, ok := resilience.Preset(service, "production")
	if !ok {
		t.Fatalf("no preset for %s", service)
	}
	s.AllowWarmUp = false
	s.RetryMax, s.RetryWaitMin, s.RetryWaitMax = 0, 2*time.Millisecond, 5*time.Millisecond
	s.AttemptTimeout, s.Timeout = 2*time.Second, 3*time.Second
	return &s
}

// newTestAPI builds the real router with real parts: sandbox fakes,
// breakers, retrying clients, memory cache, memory lead queue and its
// worker. Everything is stopped when the test ends.
func newTestAPI(t *testing.T, opts ...apiOption) *testAPI {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	sb, err := sandbox.Start(ctx, zerolog.Nop())
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	t.Cleanup(cancel)

	clock := testclock.New(time.Now())
	reg := prometheus.NewRegistry()
	cfg := apiConfig{settings: map[string]*resilience.Settings{}, deps: Deps{
		Logger: zerolog.Nop(), Metrics: reg, Life: NewLifecycle(time.Now()), MaxBodyBytes: 1 << 20,
		AdminToken: testAdminToken, EnrichTimeout: time.Second, Now: clock.Now,
	}}
	for _, svc := range resilience.Services {
		cfg.settings[svc] = testSettings(t, svc)
	}
	for _, o := range opts {
		o(&cfg)
	}
	d := cfg.deps

	bm, err := resilience.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	var all []resilience.Settings
	for _, svc := range resilience.Services {
		all = append(all, *cfg.settings[svc])
	}
	if d.Breakers, err = resilience.NewRegistry(all, resilience.WithMetrics(bm)); err != nil {
		t.Fatal(err)
	}
	client := func(svc string) *http.Client {
		hc := resilience.NewHTTPClient(*cfg.settings[svc], resilience.WithMetrics(bm))
		t.Cleanup(hc.CloseIdleConnections)
		return hc
	}
	hs, err := hubspot.New(sb.HubSpotURL, sb.HubSpotAPIKey, client(resilience.HubSpot))
	must(t, err)
	ll, err := lemlist.New(sb.LemlistURL, sb.LemlistAPIKey, client(resilience.Lemlist))
	must(t, err)
	ex, err := explorium.New(sb.ExploriumURL, sb.ExploriumAPIKey, client(resilience.Explorium))
	must(t, err)
	d.HubSpot, d.Lemlist, d.Explorium = hs, ll, ex

	cm, err := cache.NewMetrics(reg)
	must(t, err)
	mem, err := cache.NewMemory(1<<20, cache.WithClock(clock.Now))
	must(t, err)
	t.Cleanup(func() { _ = mem.Close() })
	d.Cache, d.Idempotency = cache.NewReadThrough(mem, cm, zerolog.Nop(), cache.WithClock(clock.Now)), mem
	d.CacheCounts = func(svc string) (uint64, uint64) {
		hits, misses, stale := cm.Snapshot(svc)
		return hits + stale, misses
	}

	q, err := queue.NewMemory(queue.Options{Name: "test-leads", Registerer: reg})
	must(t, err)
	b, _ := d.Breakers.Get(resilience.CircuitName(resilience.Lemlist))
	delivery := LeadDelivery{API: ll, CB: b}
	w, err := queue.NewWorker(q, queue.WorkerOptions{
		Deliver: delivery.Deliver, Classify: delivery.Classify, Gate: delivery.Gate,
		Limiter: rate.NewLimiter(rate.Inf, 1), MaxAttempts: 50, PollInterval: 5 * time.Millisecond,
		BackoffMin: 2 * time.Millisecond, BackoffMax: 10 * time.Millisecond,
	})
	must(t, err)
	if !cfg.noQueue {
		d.Leads = q
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done }) // runs before sb.Close: the worker stops first

	router, err := NewRouter(d)
	must(t, err)
	return &testAPI{t: t, router: router, sb: sb, breakers: d.Breakers, clock: clock, life: d.Life}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// response is one answer of the router, already checked against openapi.json.
type response struct {
	*httptest.ResponseRecorder
	t *testing.T
}

// send serves one request through the router and validates the answer
// against openapi.json. hdr is name, value pairs.
func (a *testAPI) send(method, target, body string, hdr ...string) response {
	a.t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	a.router.ServeHTTP(w, req)
	validateResponse(a.t, req, w.Code, w.Header(), w.Body.Bytes())
	return response{w, a.t}
}

// admin sends an admin request with the test token.
func (a *testAPI) admin(target string) response {
	a.t.Helper()
	return a.send(http.MethodPost, target, "", "Authorization", "Bearer "+testAdminToken)
}

// object decodes the body as a JSON object.
func (r response) object() map[string]any {
	r.t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body.Bytes(), &m); err != nil {
		r.t.Fatalf("status %d, body %q: %v", r.Code, r.Body.String(), err)
	}
	return m
}

// wantStatus stops the test when the status is not want.
func (r response) wantStatus(want int) response {
	r.t.Helper()
	if r.Code != want {
		r.t.Fatalf("status = %d, want %d; body: %s", r.Code, want, r.Body.String())
	}
	return r
}

// problem decodes an application/problem+json body.
func (r response) problem() Problem { r.t.Helper(); return decodeProblem(r.t, r.ResponseRecorder) }

// breaker returns the breaker of service.
func (a *testAPI) breaker(service string) *resilience.Breaker {
	b, ok := a.breakers.Get(resilience.CircuitName(service))
	if !ok {
		a.t.Fatalf("no breaker for %s", service)
	}
	return b
}

// upstreamCalls is the number of requests all three fakes received.
func (a *testAPI) upstreamCalls() int64 {
	return a.sb.HubSpot.Counter().Total() + a.sb.Lemlist.Counter().Total() + a.sb.Explorium.Counter().Total()
}

// waitFor polls cond every few milliseconds for up to limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %s waiting for %s", limit, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestHarnessStopsEverything: the harness's cleanup stops the fakes, the
// worker and the HTTP clients' connections, including after a queued lead
// and a request left hanging in a fake.
func TestHarnessStopsEverything(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Run("one API", func(t *testing.T) {
		a := newTestAPI(t, withDeps(func(d *Deps) { d.EnrichTimeout = 10 * time.Millisecond }))
		a.breaker(resilience.Lemlist).ForceOpen()
		a.send("POST", "/api/campaigns/"+a.sb.Lemlist.CampaignIDs()[1]+"/leads", `{"email":"leak@example.com"}`).
			wantStatus(http.StatusAccepted)
		a.sb.Explorium.Faults().Set(faults.Fault{Hang: true})
		a.send("GET", "/api/contacts/"+a.sb.Data.People[0].HubSpotID+"?enrich=true", "").wantStatus(http.StatusOK)
	})
	goleak.VerifyNone(t, ignore)
}

// in returns the API bound to t, for subtests sharing their parent's API:
// failures and OpenAPI mismatches are then reported on the subtest.
func (a *testAPI) in(t *testing.T) *testAPI {
	c := *a
	c.t = t
	return &c
}
