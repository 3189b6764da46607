package resilience

import (
	"fmt"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics exports every breaker's events with the names of API.md section 5
// (label circuit_name) and the HTTP retries (label service). Build one with
// NewMetrics in run and pass it to NewRegistry and NewHTTPClient with
// WithMetrics. Safe for concurrent use.
type Metrics struct {
	fire, success, failure, timeout, reject, fallback, semLocked, opens, resets *prometheus.CounterVec
	successDur, failedDur                                                       *prometheus.HistogramVec
	retries                                                                     *prometheus.CounterVec
	stateDesc                                                                   *prometheus.Desc

	mu       sync.Mutex
	breakers []*Breaker // read at scrape time for circuit_breaker_state
}

// durationBuckets cover 5 ms to past the longest whole-call timeout (Explorium 30 s).
func durationBuckets() []float64 {
	return []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 15, 30, 60}
}

// NewMetrics registers the breaker and retry metrics with reg. It fails if
// any of them is registered already.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	counter := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{"circuit_name"})
	}
	hist := func(name, help string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: durationBuckets()}, []string{"circuit_name"})
	}
	m := &Metrics{
		fire:       counter("circuit_breaker_fire_total", "Calls made through the circuit, rejected ones included."),
		success:    counter("circuit_breaker_success_total", "Calls counted as successes."),
		failure:    counter("circuit_breaker_failure_total", "Calls counted as failures, timeouts included."),
		timeout:    counter("circuit_breaker_timeout_total", "Calls that timed out."),
		reject:     counter("circuit_breaker_reject_total", "Calls rejected by an open circuit."),
		fallback:   counter("circuit_breaker_fallback_total", "Fallbacks served."),
		semLocked:  counter("circuit_breaker_semaphore_locked_total", "Calls rejected because the circuit was at capacity."),
		opens:      counter("circuit_breaker_opens_total", "Transitions to OPEN."),
		resets:     counter("circuit_breaker_resets_total", "Transitions from OPEN or HALF_OPEN to CLOSED."),
		successDur: hist("circuit_breaker_success_duration_seconds", "Duration of calls counted as successes."),
		failedDur:  hist("circuit_breaker_failed_duration_seconds", "Duration of calls counted as failures."),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "http_retries_total",
			Help: "HTTP attempts after the first one, per upstream."}, []string{"service"}),
		stateDesc: prometheus.NewDesc("circuit_breaker_state",
			"Circuit state: 0 CLOSED, 1 HALF_OPEN, 2 OPEN.", []string{"circuit_name"}, nil),
	}
	for _, c := range []prometheus.Collector{m.fire, m.success, m.failure, m.timeout, m.reject, m.fallback,
		m.semLocked, m.opens, m.resets, m.successDur, m.failedDur, m.retries, stateCollector{m}} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("resilience: register metrics: %w", err)
		}
	}
	return m, nil
}

// boundMetrics are one circuit's series, bound once so that a call costs no
// label lookup.
type boundMetrics struct {
	fire, success, failure, timeout, reject, fallback, semLocked, opens, resets prometheus.Counter
	successDur, failedDur                                                       prometheus.Observer
}

// bind returns the listener that records one circuit's events.
func (m *Metrics) bind(name string) Listener {
	bm := &boundMetrics{
		fire: m.fire.WithLabelValues(name), success: m.success.WithLabelValues(name),
		failure: m.failure.WithLabelValues(name), timeout: m.timeout.WithLabelValues(name),
		reject: m.reject.WithLabelValues(name), fallback: m.fallback.WithLabelValues(name),
		semLocked: m.semLocked.WithLabelValues(name), opens: m.opens.WithLabelValues(name),
		resets: m.resets.WithLabelValues(name), successDur: m.successDur.WithLabelValues(name),
		failedDur: m.failedDur.WithLabelValues(name),
	}
	return bm.on
}

func (bm *boundMetrics) on(e Event) {
	switch e.Type {
	case EventFire:
		bm.fire.Inc()
	case EventSuccess:
		bm.success.Inc()
		bm.successDur.Observe(e.Latency.Seconds())
	case EventFailure:
		bm.failure.Inc()
		bm.failedDur.Observe(e.Latency.Seconds())
	case EventTimeout:
		bm.timeout.Inc()
	case EventReject:
		bm.reject.Inc()
	case EventFallback:
		bm.fallback.Inc()
	case EventSemaphoreLocked:
		bm.semLocked.Inc()
	case EventOpen:
		bm.opens.Inc()
	case EventClose:
		bm.resets.Inc()
	}
}

// track adds b to the circuit_breaker_state gauge, replacing a breaker of the
// same name (a registry built again on the same Metrics).
func (m *Metrics) track(b *Breaker) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, old := range m.breakers {
		if old.Name() == b.Name() {
			m.breakers[i] = b
			return
		}
	}
	m.breakers = append(m.breakers, b)
}

// retryCounter is http_retries_total for one service, bound once.
func (m *Metrics) retryCounter(service string) prometheus.Counter {
	return m.retries.WithLabelValues(service)
}

// stateCollector reads each breaker's state at scrape time, so an OPEN
// circuit whose reset timeout passed is reported (and logged) HALF_OPEN
// without any traffic or timer.
type stateCollector struct{ m *Metrics }

func (c stateCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.m.stateDesc }

func (c stateCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.mu.Lock()
	bs := append([]*Breaker(nil), c.m.breakers...)
	c.m.mu.Unlock()
	for _, b := range bs {
		ch <- prometheus.MustNewConstMetric(c.m.stateDesc, prometheus.GaugeValue, float64(b.State()), b.Name())
	}
}
