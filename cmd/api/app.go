package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/rs/zerolog"

	"github.com/salesautomation/api/internal/cache"
	"github.com/salesautomation/api/internal/clients/explorium"
	"github.com/salesautomation/api/internal/clients/hubspot"
	"github.com/salesautomation/api/internal/clients/lemlist"
	"github.com/salesautomation/api/internal/handlers"
	"github.com/salesautomation/api/internal/resilience"
	"github.com/salesautomation/api/internal/sandbox"
)

// The typed clients satisfy what the handlers ask of them.
var (
	_ handlers.ContactsAPI = (*hubspot.Client)(nil)
	_ handlers.LeadsAPI    = (*lemlist.Client)(nil)
	_ handlers.Enricher    = (*explorium.Client)(nil)
)

// app is every long-lived object of the process, built once by newApp.
type app struct {
	handler http.Handler
	life    *handlers.Lifecycle
	sandbox *sandbox.Sandbox        // the fake upstreams in sandbox mode, for end-to-end tests; nil otherwise
	workers []func(context.Context) // background loops started by start
	wg      sync.WaitGroup
	closers []func() // run in reverse order by close
}

// deps collects what the wiring steps build, for the router.
type deps struct {
	cfg      Config
	logger   zerolog.Logger
	reg      *prometheus.Registry
	handlers handlers.Deps
}

// newApp wires the service, each step in its own function; nothing here
// reads the environment. On error everything built so far is closed.
func newApp(ctx context.Context, cfg Config, logger zerolog.Logger, stdout io.Writer) (*app, error) {
	a := &app{life: handlers.NewLifecycle(time.Now())}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	d := &deps{cfg: cfg, logger: logger, reg: reg, handlers: handlers.Deps{
		Logger: logger, Metrics: reg, Life: a.life, MaxBodyBytes: cfg.MaxBodyBytes, CORSOrigins: cfg.CORSOrigins,
		AdminToken: cfg.AdminToken, EnrichTimeout: cfg.EnrichTimeout,
		ReadyRequiresClosedCircuits: cfg.ReadyRequiresClosedCircuits,
	}}
	steps := []func(context.Context, *deps) error{
		a.startSandbox(stdout), a.buildUpstreams, a.buildCache, a.buildLeadQueue,
	}
	for _, step := range steps {
		if err := step(ctx, d); err != nil {
			a.close()
			return nil, err
		}
	}
	router, err := handlers.NewRouter(d.handlers)
	if err != nil {
		a.close()
		return nil, fmt.Errorf("router: %w", err)
	}
	a.handler = router
	return a, nil
}

// startSandbox starts the fake upstreams in sandbox mode and points the
// configuration at them; it also makes up an admin token if none is set, and
// prints it once (to stdout, not the logs, which may be shipped elsewhere).
func (a *app) startSandbox(stdout io.Writer) func(context.Context, *deps) error {
	return func(ctx context.Context, d *deps) error {
		if !d.cfg.Sandbox {
			return nil
		}
		sb, err := sandbox.Start(ctx, d.logger)
		if err != nil {
			return fmt.Errorf("sandbox: %w", err)
		}
		a.closers = append(a.closers, sb.Close)
		a.sandbox = sb
		urls := map[string][2]string{
			resilience.HubSpot:   {sb.HubSpotURL, sb.HubSpotAPIKey},
			resilience.Lemlist:   {sb.LemlistURL, sb.LemlistAPIKey},
			resilience.Explorium: {sb.ExploriumURL, sb.ExploriumAPIKey},
		}
		for i, svc := range resilience.Services {
			d.cfg.Upstreams[i].BaseURL, d.cfg.Upstreams[i].APIKey = urls[svc][0], urls[svc][1]
		}
		d.handlers.Sandbox = sb.FaultsHandler()
		d.logger.Warn().Str("hubspot", sb.HubSpotURL).Str("lemlist", sb.LemlistURL).Str("explorium", sb.ExploriumURL).
			Msg("sandbox mode: HubSpot, Lemlist and Explorium are built-in fakes on loopback; faults via POST /sandbox/faults/{service}")
		if d.cfg.AdminToken == "" {
			d.cfg.AdminToken = randomToken()
			d.handlers.AdminToken = d.cfg.AdminToken
			fmt.Fprintf(stdout, "sandbox admin token (valid until this process stops): %s\n", d.cfg.AdminToken)
		}
		return nil
	}
}

// buildUpstreams makes the breakers and, per upstream, one retrying HTTP
// client (one transport, one connection pool) and its typed client.
func (a *app) buildUpstreams(_ context.Context, d *deps) error {
	m, err := resilience.NewMetrics(d.reg)
	if err != nil {
		return fmt.Errorf("breaker metrics: %w", err)
	}
	settings := make([]resilience.Settings, 0, len(d.cfg.Upstreams))
	for _, u := range d.cfg.Upstreams {
		settings = append(settings, u.Settings)
	}
	breakers, err := resilience.NewRegistry(settings, resilience.WithMetrics(m), resilience.WithLogger(d.logger))
	if err != nil {
		return err
	}
	a.closers = append(a.closers, func() { _ = breakers.Close() })
	d.handlers.Breakers = breakers

	httpClient := func(svc string) *http.Client {
		hc := resilience.NewHTTPClient(d.cfg.Upstream(svc).Settings, resilience.WithMetrics(m), resilience.WithLogger(d.logger))
		a.closers = append(a.closers, hc.CloseIdleConnections)
		return hc
	}
	hs := d.cfg.Upstream(resilience.HubSpot)
	if d.handlers.HubSpot, err = hubspot.New(hs.BaseURL, hs.APIKey, httpClient(resilience.HubSpot)); err != nil {
		return err
	}
	ll := d.cfg.Upstream(resilience.Lemlist)
	if d.handlers.Lemlist, err = lemlist.New(ll.BaseURL, ll.APIKey, httpClient(resilience.Lemlist)); err != nil {
		return err
	}
	ex := d.cfg.Upstream(resilience.Explorium)
	if d.handlers.Explorium, err = explorium.New(ex.BaseURL, ex.APIKey, httpClient(resilience.Explorium)); err != nil {
		return err
	}
	return nil
}

// Bounds of the in-process stores, as cache.Memory weighs them (keys, values
// and measured per-entry overhead). Filled to the brim with enrichment
// answers, 4 MiB is about 7 MiB of heap, which with the soft memory limit in
// main keeps the process under its 40 MiB peak (measured: an entry-bounded
// cache of 20k entries took it to 48 MiB).
const (
	memoryCacheBytes = 4 << 20
	idempotencyBytes = 2 << 20
)

func (a *app) memoryStore(maxBytes int) (*cache.Memory, error) {
	mem, err := cache.NewMemory(maxBytes)
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	a.closers = append(a.closers, func() { _ = mem.Close() })
	return mem, nil
}

// buildCache picks Redis when REDIS_URL is set, else the in-process store.
// Redis being down at start-up is a warning, not a refusal: the cache only
// ever degrades to misses.
func (a *app) buildCache(ctx context.Context, d *deps) error {
	cm, err := cache.NewMetrics(d.reg)
	if err != nil {
		return fmt.Errorf("cache metrics: %w", err)
	}
	var store cache.Store
	if d.cfg.RedisURL == "" {
		mem, err := a.memoryStore(memoryCacheBytes)
		if err != nil {
			return err
		}
		// Idempotency records get a store of their own: in the shared cache
		// its eviction policy would drop them first (written once, rarely
		// read), and a dropped record means a duplicate contact.
		if d.handlers.Idempotency, err = a.memoryStore(idempotencyBytes); err != nil {
			return err
		}
		store = mem
	} else {
		rc, err := cache.NewRedis(d.cfg.RedisURL)
		if err != nil {
			return fmt.Errorf("cache: REDIS_URL=%s: cannot be used", redactURL(d.cfg.RedisURL)) // err quotes the URL
		}
		a.closers = append(a.closers, func() { _ = rc.Close() })
		pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if err := rc.Ping(pingCtx); err != nil {
			d.logger.Warn().Err(err).Str("redis_url", redactURL(d.cfg.RedisURL)).Msg("redis does not answer: serving without a cache until it does")
		}
		store = rc
		d.handlers.Idempotency = rc // Redis evicts nothing unless maxmemory says so (deploy/README.md)
	}
	d.handlers.Cache = cache.NewReadThrough(store, cm, d.logger)
	d.handlers.CacheCounts = func(svc string) (uint64, uint64) {
		hits, misses, stale := cm.Snapshot(svc)
		return hits + stale, misses
	}
	return nil
}

func randomToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// start launches the background loops (the lead queue's worker); they run
// until ctx ends.
func (a *app) start(ctx context.Context) {
	for _, w := range a.workers {
		a.wg.Add(1)
		go func() { defer a.wg.Done(); w(ctx) }()
	}
}

// stop waits for the background loops, after ctx has ended.
func (a *app) stop() { a.wg.Wait() }

func (a *app) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}
