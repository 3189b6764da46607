package handlers

import (
	"math"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/salesautomation/api/internal/resilience"
)

// CacheCounts reports a service's cache hits and misses for /health/detailed.
type CacheCounts func(service string) (hits, misses uint64)

// circuitSummary is one circuit in GET /health.
type circuitSummary struct {
	State   string        `json:"state"`
	Enabled bool          `json:"enabled"`
	Stats   detailedStats `json:"stats"`
}

// handleHealth handles GET /health: 503 "degraded" while the HubSpot or
// Explorium circuit is open (the reads a person waits on); Lemlist's open
// circuit degrades nothing a person sees, because leads are queued.
func handleHealth(reg *resilience.Registry, cacheCounts CacheCounts, life *Lifecycle) gin.HandlerFunc {
	return func(c *gin.Context) {
		circuits := make(map[string]circuitSummary, 3)
		status, code := "healthy", http.StatusOK
		for _, b := range reg.Breakers() {
			st := b.State()
			circuits[b.Name()] = circuitSummary{State: st.String(), Enabled: b.Enabled(), Stats: statsOf(b, cacheCounts)}
			if st == resilience.StateOpen && b.Service() != resilience.Lemlist {
				status, code = "degraded", http.StatusServiceUnavailable
			}
		}
		c.JSON(code, gin.H{"status": status, "timestamp": time.Now().UTC().Format(time.RFC3339Nano),
			"uptime": life.uptime(), "circuits": circuits})
	}
}

// detailedCircuit is one circuit in GET /health/detailed.
type detailedCircuit struct {
	Name    string        `json:"name"`
	State   string        `json:"state"`
	Enabled bool          `json:"enabled"`
	Stats   detailedStats `json:"stats"`
	Metrics struct {
		ErrorRate    float64 `json:"errorRate"`
		SuccessRate  float64 `json:"successRate"`
		CacheHitRate float64 `json:"cacheHitRate"`
	} `json:"metrics"`
	Latency struct {
		Mean        float64 `json:"mean"`
		Percentiles struct {
			P50 float64 `json:"p50"`
			P95 float64 `json:"p95"`
			P99 float64 `json:"p99"`
		} `json:"percentiles"`
	} `json:"latency"`
}

type detailedStats struct {
	Fires               uint64 `json:"fires"`
	Successes           uint64 `json:"successes"`
	Failures            uint64 `json:"failures"`
	Timeouts            uint64 `json:"timeouts"`
	Rejects             uint64 `json:"rejects"`
	Fallbacks           uint64 `json:"fallbacks"`
	SemaphoreRejections uint64 `json:"semaphoreRejections"`
	CacheHits           uint64 `json:"cacheHits"`
	CacheMisses         uint64 `json:"cacheMisses"`
}

// handleHealthDetailed handles GET /health/detailed: every circuit's rolling
// stats, rates (percent of completed calls, as the trip rule counts them) and
// latency; 503 while any circuit is open.
func handleHealthDetailed(reg *resilience.Registry, cacheCounts CacheCounts, life *Lifecycle) gin.HandlerFunc {
	return func(c *gin.Context) {
		var (
			out                      []detailedCircuit
			fires, failures, settled uint64
			code                     = http.StatusOK
		)
		for _, b := range reg.Breakers() {
			d := describeCircuit(b, cacheCounts)
			if b.State() == resilience.StateOpen {
				code = http.StatusServiceUnavailable
			}
			fires += d.Stats.Fires
			failures += d.Stats.Failures
			settled += d.Stats.Successes + d.Stats.Failures
			out = append(out, d)
		}
		status := "healthy"
		if code != http.StatusOK {
			status = "degraded"
		}
		c.JSON(code, gin.H{"status": status, "timestamp": time.Now().UTC().Format(time.RFC3339Nano),
			"uptime": life.uptime(), "circuits": out,
			"overall": gin.H{"totalRequests": fires, "totalFailures": failures, "errorRate": percent(failures, settled)}})
	}
}

// statsOf merges a circuit's rolling stats with its service's cache counts.
func statsOf(b *resilience.Breaker, cacheCounts CacheCounts) detailedStats {
	s := b.Stats()
	var hits, misses uint64
	if cacheCounts != nil {
		hits, misses = cacheCounts(b.Service())
	}
	return detailedStats{
		Fires: s.Fires, Successes: s.Successes, Failures: s.Failures, Timeouts: s.Timeouts, Rejects: s.Rejects,
		Fallbacks: s.Fallbacks, SemaphoreRejections: s.SemaphoreRejections, CacheHits: hits, CacheMisses: misses,
	}
}

func describeCircuit(b *resilience.Breaker, cacheCounts CacheCounts) detailedCircuit {
	st := statsOf(b, cacheCounts)
	s := b.Stats()
	hits, misses := st.CacheHits, st.CacheMisses
	d := detailedCircuit{Name: b.Name(), State: b.State().String(), Enabled: b.Enabled(), Stats: st}
	settled := s.Successes + s.Failures
	d.Metrics.ErrorRate = percent(s.Failures, settled)
	d.Metrics.SuccessRate = percent(s.Successes, settled)
	d.Metrics.CacheHitRate = percent(hits, hits+misses)
	d.Latency.Mean = s.Latency.Mean
	d.Latency.Percentiles.P50, d.Latency.Percentiles.P95, d.Latency.Percentiles.P99 = s.Latency.P50, s.Latency.P95, s.Latency.P99
	return d
}

// percent is part/whole as a percentage with two decimals; 0 for an empty whole.
func percent(part, whole uint64) float64 {
	if whole == 0 {
		return 0
	}
	return math.Round(float64(part)*10000/float64(whole)) / 100
}

// firstOpenCircuit names an open circuit, for /health/ready when
// READY_REQUIRES_CLOSED_CIRCUITS is set.
func firstOpenCircuit(reg *resilience.Registry) func() string {
	return func() string {
		for _, b := range reg.Breakers() {
			if b.State() == resilience.StateOpen {
				return b.Name()
			}
		}
		return ""
	}
}
