package queue

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are one queue's children of the queue_* vectors.
type metrics struct {
	enqueued  prometheus.Counter
	delivered prometheus.Counter
	failed    prometheus.Counter
	retries   prometheus.Counter
	requeued  prometheus.Counter
	latency   prometheus.Observer
}

// newMetrics registers the vectors on reg (nil: unregistered) and returns the
// children labelled name. A second queue on the same registry reuses the
// vectors. depth reports queue_depth at scrape time (see depthCollector).
func newMetrics(reg prometheus.Registerer, name string, depth func() (float64, bool)) (*metrics, error) {
	labels := []string{"queue"}
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
	req := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "queue_jobs_requeued_total", Help: "Failed jobs an operator put back in the queue (Requeue).",
	}, labels)
	// The buckets span a quick retry to a day-long outage: enqueue → delivered
	// includes however long the upstream was down.
	lat := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "queue_delivery_latency_seconds", Help: "Time from enqueue to delivery.",
		Buckets: []float64{0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800, 3600, 3 * 3600, 12 * 3600, 24 * 3600},
	}, labels)
	if reg != nil {
		if err := registerDepth(reg, name, depth); err != nil {
			return nil, err
		}
		var err error
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
		if req, err = register(reg, req); err != nil {
			return nil, err
		}
		if lat, err = register(reg, lat); err != nil {
			return nil, err
		}
	}
	return &metrics{
		enqueued:  enq.WithLabelValues(name),
		delivered: del.WithLabelValues(name),
		failed:    fail.WithLabelValues(name),
		retries:   retry.WithLabelValues(name),
		requeued:  req.WithLabelValues(name),
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

// observeSettled counts a settled job.
func (m *metrics) observeSettled(c claimed, s settlement, at time.Time) {
	switch s.mode {
	case settleDelivered:
		m.delivered.Inc()
		m.latency.Observe(at.Sub(c.job.CreatedAt).Seconds())
	case settleFailed:
		m.failed.Inc()
	case settleRetry:
		m.retries.Inc()
	}
}

// depthCollector reports queue_depth by asking the queue at scrape time. The
// count lives in the store and changes under every replica; a gauge set from
// script replies, which arrive in any order, could stay wrong until the next
// change.
type depthCollector struct {
	desc *prometheus.Desc
	read func() (float64, bool)
}

func (c depthCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c depthCollector) Collect(ch chan<- prometheus.Metric) {
	if v, ok := c.read(); ok {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, v)
	}
}

// registerDepth registers name's depth, replacing the collector of an earlier
// queue of the same name (a restart on the same registry).
func registerDepth(reg prometheus.Registerer, name string, read func() (float64, bool)) error {
	c := depthCollector{read: read, desc: prometheus.NewDesc("queue_depth",
		"Jobs accepted and not yet delivered or failed.", nil, prometheus.Labels{"queue": name})}
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		reg.Unregister(are.ExistingCollector)
		err = reg.Register(c)
	}
	return err
}
