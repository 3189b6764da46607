package handlers

import (
	"net/http"
	"time"

	"github.com/gin-contrib/cors"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"
)

// Deps is everything the router needs; run() builds each piece once.
type Deps struct {
	Logger       zerolog.Logger
	Metrics      *prometheus.Registry // gathered by /metrics; the handlers' own metrics register here
	Life         *Lifecycle
	MaxBodyBytes int64
	CORSOrigins  []string
	// Sandbox, when set, is mounted under /sandbox/ (fault injection); nil outside sandbox mode.
	Sandbox http.Handler
}

// NewRouter builds the whole HTTP surface with its middleware.
func NewRouter(d Deps) (*gin.Engine, error) {
	m, err := newHTTPMetrics(d.Metrics)
	if err != nil {
		return nil, err
	}
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true // c.Done()/c.Err() follow the request's context
	ids := newIDSource()
	r.Use(withRequestID(ids, d.Logger), m.observe(), logAccess(), recoverPanics(), limitBody(d.MaxBodyBytes))
	if len(d.CORSOrigins) > 0 {
		r.Use(cors.New(cors.Config{
			AllowOrigins:     d.CORSOrigins,
			AllowMethods:     []string{"GET", "POST", "PATCH", "DELETE", "OPTIONS"},
			AllowHeaders:     []string{"Content-Type", "Authorization", "Idempotency-Key", headerRequestID},
			ExposeHeaders:    []string{headerRequestID, "Retry-After", "X-Cache"},
			AllowCredentials: false,
			MaxAge:           10 * time.Minute,
		}))
	}
	r.NoRoute(func(c *gin.Context) {
		writeProblem(c, newProblem(http.StatusNotFound, "not_found", "no route "+c.Request.URL.Path))
	})
	r.NoMethod(func(c *gin.Context) {
		writeProblem(c, newProblem(http.StatusMethodNotAllowed, "method_not_allowed", "method "+c.Request.Method+" is not allowed here"))
	})
	addRoutes(r, d)
	return r, nil
}

// addRoutes is the entire API surface: a route not listed here does not exist.
func addRoutes(r *gin.Engine, d Deps) {
	r.GET("/health/live", handleHealthLive(d.Life))
	r.GET("/health/ready", handleHealthReady(d.Life, nil))
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(d.Metrics, promhttp.HandlerOpts{})))
	if d.Sandbox != nil {
		r.Any("/sandbox/*path", gin.WrapH(d.Sandbox))
	}
}
