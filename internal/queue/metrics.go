package queue

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are one queue's children of the queue_* vectors.
type metrics struct {
	depth     prometheus.Gauge
	enqueued  prometheus.Counter
	delivered prometheus.Counter
	failed    prometheus.Counter
	retries   prometheus.Counter
	latency   prometheus.Observer
}

// newMetrics registers the vectors on reg (nil: unregistered) and returns the
// children labelled name. A second queue on the same registry reuses the vectors.
func newMetrics(reg prometheus.Registerer, name string) (*metrics, error) {
	labels := []string{"queue"}
	depth := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "queue_depth", Help: "Jobs accepted and not yet delivered or failed.",
	}, labels)
	enq := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "queue_jobs_enqueued_total", Help: "Jobs accepted by Enqueue.",
	}, labels)
	del := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "queue_jobs_delivered_total", Help: "Jobs delivered (including 'already there' answers).",
	}, labels)
	fail := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "queue_jobs_failed_total", Help: "Jobs given up on: permanent error or attempts exhausted.",
	}, labels)
	retry := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "queue_job_retries_total", Help: "Failed delivery attempts that were scheduled again.",
	}, labels)
	// The buckets span a quick retry to a day-long outage: enqueue → delivered
	// includes however long the upstream was down.
	lat := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "queue_delivery_latency_seconds", Help: "Time from enqueue to delivery.",
		Buckets: []float64{0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800, 3600, 3 * 3600, 12 * 3600, 24 * 3600},
	}, labels)
	if reg != nil {
		var err error
		if depth, err = register(reg, depth); err != nil {
			return nil, err
		}
		if enq, err = register(reg, enq); err != nil {
			return nil, err
		}
		if del, err = register(reg, del); err != nil {
			return nil, err
		}
		if fail, err = register(reg, fail); err != nil {
			return nil, err
		}
		if retry, err = register(reg, retry); err != nil {
			return nil, err
		}
		if lat, err = register(reg, lat); err != nil {
			return nil, err
		}
	}
	return &metrics{
		depth:     depth.WithLabelValues(name),
		enqueued:  enq.WithLabelValues(name),
		delivered: del.WithLabelValues(name),
		failed:    fail.WithLabelValues(name),
		retries:   retry.WithLabelValues(name),
		latency:   lat.WithLabelValues(name),
	}, nil
}

// register registers c, or returns the vector already registered under its name.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

// observeSettled counts a settled job; active is the number of unfinished jobs after it.
func (m *metrics) observeSettled(c claimed, s settlement, at time.Time, active int64) {
	switch s.mode {
	case settleDelivered:
		m.delivered.Inc()
		m.latency.Observe(at.Sub(c.job.CreatedAt).Seconds())
	case settleFailed:
		m.failed.Inc()
	case settleRetry:
		m.retries.Inc()
	}
	if active >= 0 {
		m.depth.Set(float64(active))
	}
}
