package cache

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Service names, the values of the service label.
const (
	ServiceHubSpot   = "hubspot"
	ServiceLemlist   = "lemlist"
	ServiceExplorium = "explorium"
)

// Metrics counts cache outcomes per service, for Prometheus
// (cache_hits_total, cache_misses_total, cache_stale_total, all {service}, and
// cache_errors_total{op}) and for /health/detailed (Snapshot). Safe for
// concurrent use.
//
// Each ReadThrough.Get counts exactly one outcome: a hit, a stale fallback, or a
// miss (which includes loads that failed with nothing to fall back on).
type Metrics struct {
	hits, misses, stale *prometheus.CounterVec
	errors              *prometheus.CounterVec

	known map[string]*serviceCounts // the three services; read-only after NewMetrics
	mu    sync.Mutex
	other map[string]*serviceCounts // any other name, created on first use
}

type serviceCounts struct {
	hits, misses, stale          atomic.Uint64
	promHit, promMiss, promStale prometheus.Counter
}

// NewMetrics creates the cache counters and registers them on reg. A nil reg
// registers nothing, which suits tests. It fails when the names are already
// registered on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	counter := func(name, help, label string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{label})
	}
	m := &Metrics{
		hits:   counter("cache_hits_total", "Cached reads answered from a fresh copy without calling the upstream.", "service"),
		misses: counter("cache_misses_total", "Cached reads that called the upstream (successfully or not) without a stale fallback.", "service"),
		stale:  counter("cache_stale_total", "Cached reads answered from a stale copy because the upstream call failed.", "service"),
		errors: counter("cache_errors_total", "Cache store operations that failed and were treated as misses.", "op"),
		known:  make(map[string]*serviceCounts, 3),
		other:  make(map[string]*serviceCounts),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.hits, m.misses, m.stale, m.errors} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("cache: register metrics: %w", err)
			}
		}
	}
	for _, s := range []string{ServiceHubSpot, ServiceLemlist, ServiceExplorium} {
		m.known[s] = m.newServiceCounts(s)
	}
	for _, op := range []string{opGet, opSet, opDelete} {
		m.errors.WithLabelValues(op) // show zeros before the first error
	}
	return m, nil
}

func (m *Metrics) newServiceCounts(service string) *serviceCounts {
	return &serviceCounts{
		promHit:   m.hits.WithLabelValues(service),
		promMiss:  m.misses.WithLabelValues(service),
		promStale: m.stale.WithLabelValues(service),
	}
}

// forService returns the counts of service; the three known services cost a map
// read and no lock.
func (m *Metrics) forService(service string) *serviceCounts {
	if c, ok := m.known[service]; ok {
		return c
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.other[service]
	if !ok {
		c = m.newServiceCounts(service)
		m.other[service] = c
	}
	return c
}

func (m *Metrics) hit(service string) {
	c := m.forService(service)
	c.hits.Add(1)
	c.promHit.Inc()
}

func (m *Metrics) miss(service string) {
	c := m.forService(service)
	c.misses.Add(1)
	c.promMiss.Inc()
}

func (m *Metrics) staleHit(service string) {
	c := m.forService(service)
	c.stale.Add(1)
	c.promStale.Inc()
}

func (m *Metrics) storeError(op string) { m.errors.WithLabelValues(op).Inc() }

// Snapshot returns the counts of service since NewMetrics, for /health/detailed
// (cacheHits, cacheMisses). An unknown service has zero counts.
func (m *Metrics) Snapshot(service string) (hits, misses, stale uint64) {
	c, ok := m.known[service]
	if !ok {
		m.mu.Lock()
		c, ok = m.other[service]
		m.mu.Unlock()
		if !ok {
			return 0, 0, 0
		}
	}
	return c.hits.Load(), c.misses.Load(), c.stale.Load()
}
