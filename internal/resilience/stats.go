package resilience

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Stats is a snapshot of a circuit's rolling statistics window
// (Settings.RollingCountTimeout in Settings.RollingCountBuckets buckets). The
// window is independent of the trip counts: it survives state changes.
type Stats struct {
	Fires               uint64  `json:"fires"`               // calls made, rejected ones included (counted when they finish)
	Successes           uint64  `json:"successes"`           // calls counted as successes (2xx, and 4xx other than 408/429)
	Failures            uint64  `json:"failures"`            // calls counted as failures, timeouts included
	Timeouts            uint64  `json:"timeouts"`            // calls that timed out (also in Failures)
	Rejects             uint64  `json:"rejects"`             // calls refused by an open circuit
	Fallbacks           uint64  `json:"fallbacks"`           // fallbacks served
	SemaphoreRejections uint64  `json:"semaphoreRejections"` // calls refused at capacity (not failures)
	Latency             Latency `json:"latency"`             // of the calls that ran to an outcome
}

// Latency summarises call durations in the window, in milliseconds; all zero
// when no call finished in the window.
type Latency struct {
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
}

// counters is one bucket of the stats window.
type counters struct {
	fires, successes, failures, timeouts, rejects, fallbacks, semRejections uint64
}

// Latencies are recorded in microseconds from 1µs to 1h with 2 significant
// digits (1 % resolution), which keeps each bucket's histogram a few KB.
const (
	latencyMinMicros = 1
	latencyMaxMicros = int64(time.Hour / time.Microsecond)
	latencySigFigs   = 2
)

// window is the rolling stats window, rotated lazily from the clock; the
// latency histograms come from hdrhistogram's WindowedHistogram, one per
// bucket, rotated in step with the counters.
type window struct {
	mu      sync.Mutex
	period  int64 // bucket length in ns
	epoch   int64 // absolute index (unix ns / period) of the current bucket
	buckets []counters
	hist    *hdrhistogram.WindowedHistogram
}

func newWindow(length time.Duration, n int, now time.Time) *window {
	period := int64(length) / int64(n)
	if period < 1 {
		period = 1
	}
	return &window{
		period:  period,
		epoch:   now.UnixNano() / period,
		buckets: make([]counters, n),
		hist:    hdrhistogram.NewWindowed(n, latencyMinMicros, latencyMaxMicros, latencySigFigs),
	}
}

// advanceLocked rotates buckets that ended before now.
func (w *window) advanceLocked(now time.Time) {
	e := now.UnixNano() / w.period
	if e <= w.epoch {
		return
	}
	steps := min(e-w.epoch, int64(len(w.buckets)))
	for range steps {
		w.hist.Rotate()
		w.buckets[(w.epoch+1)%int64(len(w.buckets))] = counters{}
		w.epoch++
	}
	w.epoch = e
}

// current returns the bucket for now; the caller holds w.mu.
func (w *window) current(now time.Time) *counters {
	w.advanceLocked(now)
	return &w.buckets[w.epoch%int64(len(w.buckets))]
}

// add counts one event; latency >= 0 is recorded for outcomes.
func (w *window) add(now time.Time, f func(*counters), latency time.Duration) {
	w.mu.Lock()
	f(w.current(now))
	if latency >= 0 {
		us := max(int64(latency/time.Microsecond), latencyMinMicros)
		_ = w.hist.Current.RecordValue(min(us, latencyMaxMicros)) // clamped, cannot fail
	}
	w.mu.Unlock()
}

// snapshot sums the window as of now.
func (w *window) snapshot(now time.Time) Stats {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.advanceLocked(now)
	var s Stats
	for _, c := range w.buckets {
		s.Fires += c.fires
		s.Successes += c.successes
		s.Failures += c.failures
		s.Timeouts += c.timeouts
		s.Rejects += c.rejects
		s.Fallbacks += c.fallbacks
		s.SemaphoreRejections += c.semRejections
	}
	h := w.hist.Merge() // reuses one histogram: no allocation
	if h.TotalCount() > 0 {
		ms := func(us int64) float64 { return float64(us) / 1000 }
		s.Latency = Latency{
			Mean: h.Mean() / 1000,
			P50:  ms(h.ValueAtQuantile(50)),
			P95:  ms(h.ValueAtQuantile(95)),
			P99:  ms(h.ValueAtQuantile(99)),
		}
	}
	return s
}
