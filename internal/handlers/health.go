package handlers

import (
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
)

// Lifecycle is what the probes report: when the process started and whether
// it is draining. run() flips Draining on SIGTERM before shutting down, so the
// load balancer stops sending traffic while in-flight requests finish.
type Lifecycle struct {
	Started  time.Time
	draining atomic.Bool
}

// NewLifecycle starts the uptime clock.
func NewLifecycle(now time.Time) *Lifecycle { return &Lifecycle{Started: now} }

// Drain marks the process as shutting down; /health/ready answers 503 from now on.
func (l *Lifecycle) Drain() { l.draining.Store(true) }

// Draining reports whether Drain was called.
func (l *Lifecycle) Draining() bool { return l.draining.Load() }

func (l *Lifecycle) uptime() float64 { return time.Since(l.Started).Seconds() }

// handleHealthLive handles GET /health/live: 200 while the process runs.
func handleHealthLive(life *Lifecycle) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"alive": true, "uptime": life.uptime()})
	}
}

// handleHealthReady handles GET /health/ready: 503 while draining, and, when
// openBlocks is set (READY_REQUIRES_CLOSED_CIRCUITS), while a circuit is open.
func handleHealthReady(life *Lifecycle, openCircuit func() string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if life.Draining() {
			c.JSON(http.StatusServiceUnavailable, gin.H{"ready": false, "reason": "shutting down"})
			return
		}
		if openCircuit != nil {
			if name := openCircuit(); name != "" {
				c.JSON(http.StatusServiceUnavailable, gin.H{"ready": false, "reason": "circuit " + name + " is open"})
				return
			}
		}
		c.JSON(http.StatusOK, gin.H{"ready": true})
	}
}
