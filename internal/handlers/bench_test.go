package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/salesautomation/api/internal/cache"
	"github.com/salesautomation/api/internal/clients/hubspot"
	"github.com/salesautomation/api/internal/resilience"
)

// staticContacts answers every GetContact with one contact, so the benchmarks
// measure the service's own path, not an upstream.
type staticContacts struct{ ContactsAPI }

func (staticContacts) GetContact(_ context.Context, id string, _ []string) (hubspot.Contact, error) {
	email := "ada@example.com"
	return hubspot.Contact{ID: id, Properties: map[string]*string{"email": &email}}, nil
}

// benchRouter is the real router with HubSpot's production settings and the
// cache off (every request a miss), as in the load test.
func benchRouter(b *testing.B) (http.Handler, *resilience.Breaker) {
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
	mem, err := cache.NewMemory(1000)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = mem.Close() })
	r, err := NewRouter(Deps{Logger: zerolog.Nop(), Metrics: prometheus.NewRegistry(), Life: NewLifecycle(time.Now()),
		MaxBodyBytes: 1 << 20, Breakers: reg, Cache: cache.NewReadThrough(mem, nil, zerolog.Nop()), CacheStore: mem,
		HubSpot: staticContacts{}, Explorium: nopEnricher{}})
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
