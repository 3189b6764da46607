package cache

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

func TestMetricsCountEachOutcome(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	clock := newFakeClock()
	store, _ := NewMemory(1<<20, WithClock(clock.Now))
	t.Cleanup(func() { _ = store.Close() })
	rt := NewReadThrough(store, m, zerolog.Nop(), WithClock(clock.Now))
	get := func(service string, l *loader) {
		_, _ = rt.Get(t.Context(), service, service+":k", testTTL, testStale, l.load)
	}
	get(ServiceHubSpot, &loader{val: "v"})                                          // miss
	get(ServiceHubSpot, &loader{val: "v"})                                          // hit
	clock.Advance(testTTL)                                                          //
	get(ServiceHubSpot, &loader{err: statusErr(500)})                               // stale
	get(ServiceExplorium, &loader{err: statusErr(500)})                             // miss, nothing to fall back on
	get(ServiceLemlist, &loader{val: "v"})                                          // miss (and Lemlist's TTL is 0 in production)
	_, _ = rt.Get(t.Context(), ServiceLemlist, "l", 0, 0, (&loader{val: "v"}).load) // miss, not cached

	tests := []struct {
		service                 string
		hits, misses, staleHits uint64
	}{
		{ServiceHubSpot, 1, 1, 1},
		{ServiceExplorium, 0, 1, 0},
		{ServiceLemlist, 0, 2, 0},
		{"unknown", 0, 0, 0},
	}
	for _, tt := range tests {
		h, ms, s := m.Snapshot(tt.service)
		if h != tt.hits || ms != tt.misses || s != tt.staleHits {
			t.Errorf("Snapshot(%q) = %d %d %d, want %d %d %d", tt.service, h, ms, s, tt.hits, tt.misses, tt.staleHits)
		}
		for name, want := range map[string]uint64{"cache_hits_total": tt.hits, "cache_misses_total": tt.misses, "cache_stale_total": tt.staleHits} {
			if got := counterValue(t, reg, name, "service", tt.service); got != float64(want) {
				t.Errorf("%s{service=%q} = %v, want %d", name, tt.service, got, want)
			}
		}
	}
}

func TestNewMetricsRefusesDuplicateRegistration(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := NewMetrics(reg); err != nil {
		t.Fatal(err)
	}
	if _, err := NewMetrics(reg); err == nil {
		t.Fatal("second NewMetrics on one registry succeeded, want an error")
	}
}

// failingStore is a Store whose backend is down.
type failingStore struct{}

var errDown = errors.New("backend down")

func (failingStore) Get(context.Context, string) (Entry, bool, error)        { return Entry{}, false, errDown }
func (failingStore) Set(context.Context, string, Entry, time.Duration) error { return errDown }
func (failingStore) Delete(context.Context, ...string) error                 { return errDown }

func TestStoreErrorsAreCountedLoggedOnceAndMissed(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, _ := NewMetrics(reg)
	var logs bytes.Buffer
	rt := NewReadThrough(failingStore{}, m, zerolog.New(&logs), WithLogInterval(time.Hour))
	for range 5 {
		res, err := rt.Get(t.Context(), ServiceHubSpot, "k", testTTL, testStale, (&loader{val: "v"}).load)
		if err != nil || res.Status != Miss || string(res.Value) != "v" {
			t.Fatalf("Get over a failing store = %v %q %v, want MISS \"v\"", res.Status, res.Value, err)
		}
	}
	if err := rt.Invalidate(t.Context(), "k"); !errors.Is(err, errDown) {
		t.Errorf("Invalidate = %v, want the store's error", err)
	}
	for op, want := range map[string]float64{opGet: 5, opSet: 5, opDelete: 1} {
		if got := counterValue(t, reg, "cache_errors_total", "op", op); got != want {
			t.Errorf("cache_errors_total{op=%q} = %v, want %v", op, got, want)
		}
	}
	if n := strings.Count(logs.String(), "\n"); n != 1 {
		t.Errorf("logged %d lines for 11 failures, want 1:\n%s", n, logs.String())
	}
}
