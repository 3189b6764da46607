package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/salesautomation/api/internal/cache"
	"github.com/salesautomation/api/internal/clients/hubspot"
	"github.com/salesautomation/api/internal/clients/hubspot/hubspottest"
	"github.com/salesautomation/api/internal/resilience"
)

// staticContacts answers every GetContact with one contact, so the benchmarks
// measure the service's own path, not an upstream.
type staticContacts struct{ ContactsAPI }

func (staticContacts) GetContactJSON(_ context.Context, id string, _ []string) (json.RawMessage, error) {
	return json.RawMessage(`{"id":"` + id + `","properties":{"email":"ada@example.com"},"archived":false}`), nil
}

// benchRouter is the real router with HubSpot's production settings and the
// cache off (every request a miss), as in the load test.
func benchRouter(b *testing.B) (http.Handler, *resilience.Breaker) {
	return benchRouterWith(b, staticContacts{})
}

func benchRouterWith(b *testing.B, contacts ContactsAPI) (http.Handler, *resilience.Breaker) {
	b.Helper()
	var settings []resilience.Settings
	for _, svc := range resilience.Services {
		s, _ := resilience.Preset(svc, "production")
		s.CacheTTL, s.AllowWarmUp, s.Capacity = 0, false, 1<<20
		settings = append(settings, s)
	}
	reg, err := resilience.NewRegistry(settings)
	if err != nil {
		b.Fatal(err)
	}
	mem, err := cache.NewMemory(1 << 20)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = mem.Close() })
	r, err := NewRouter(Deps{Logger: zerolog.Nop(), Metrics: prometheus.NewRegistry(), Life: NewLifecycle(time.Now()),
		MaxBodyBytes: 1 << 20, Breakers: reg, Cache: cache.NewReadThrough(mem, nil, zerolog.Nop()), Idempotency: mem,
		HubSpot: contacts, Explorium: nopEnricher{}})
	if err != nil {
		b.Fatal(err)
	}
	hs, _ := reg.Get(resilience.CircuitName(resilience.HubSpot))
	return r, hs
}

type nopEnricher struct{ Enricher }

func benchGet(b *testing.B, h http.Handler, wantStatus int) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest(http.MethodGet, "/api/contacts/10000000001", nil)
		for pb.Next() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != wantStatus {
				b.Fatalf("status %d, want %d", w.Code, wantStatus)
			}
		}
	})
}

// BenchmarkContactGetMiss is a cache miss served through the breaker.
func BenchmarkContactGetMiss(b *testing.B) {
	h, _ := benchRouter(b)
	benchGet(b, h, http.StatusOK)
}

// BenchmarkContactGetCircuitOpen is the fail-fast path while HubSpot's circuit is open.
func BenchmarkContactGetCircuitOpen(b *testing.B) {
	h, cb := benchRouter(b)
	cb.ForceOpen()
	benchGet(b, h, http.StatusServiceUnavailable)
}

// BenchmarkContactGetMissOverHTTP is the whole cache-miss path: the router,
// the breaker, the retrying transport and the typed client against the fake
// HubSpot over loopback HTTP.
func BenchmarkContactGetMissOverHTTP(b *testing.B) {
	fake := hubspottest.New(hubspottest.Config{RateLimit: -1, SearchLimit: -1})
	srv := httptest.NewServer(fake)
	b.Cleanup(srv.Close)
	s, _ := resilience.Preset(resilience.HubSpot, "production")
	client, err := hubspot.New(srv.URL, hubspottest.DefaultToken, resilience.NewHTTPClient(s))
	if err != nil {
		b.Fatal(err)
	}
	h, _ := benchRouterWith(b, client)
	benchGet(b, h, http.StatusOK)
}
