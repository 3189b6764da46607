package handlers

import (
	_ "embed" // the OpenAPI document
	"net/http"
	"time"

	"github.com/gin-contrib/cors"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"github.com/salesautomation/api/internal/cache"
	"github.com/salesautomation/api/internal/resilience"
)

//go:embed openapi.json
var openAPIDocument []byte

// Deps is everything the router needs; run() builds each piece once. Fields
// left nil switch their routes off (tests of one area pass only its parts).
type Deps struct {
	Logger       zerolog.Logger
	Metrics      *prometheus.Registry // gathered by /metrics; the handlers' own metrics register here
	Life         *Lifecycle
	MaxBodyBytes int64
	CORSOrigins  []string

	Breakers    *resilience.Registry
	Cache       *cache.ReadThrough
	Idempotency cache.Store // Idempotency-Key records: Redis when configured, else a store of their own
	CacheCounts CacheCounts

	HubSpot   ContactsAPI
	Lemlist   LeadsAPI
	Explorium Enricher
	Leads     LeadQueue

	AdminToken                  string
	EnrichTimeout               time.Duration
	ReadyRequiresClosedCircuits bool
	Now                         func() time.Time // nil: time.Now

	// Sandbox, when set, is mounted under /sandbox/ (fault injection); nil outside sandbox mode.
	Sandbox http.Handler
}

// NewRouter builds the whole HTTP surface with its middleware.
func NewRouter(d Deps) (*gin.Engine, error) {
	m, err := newHTTPMetrics(d.Metrics)
	if err != nil {
		return nil, err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	r := gin.New()
	r.HandleMethodNotAllowed = true
	// Gin's trailing-slash redirect answers before any middleware runs: no
	// X-Request-ID, no access log or metrics, an HTML body. API.md's paths
	// are fixed, so "/api/contacts/1/" is an unknown route (404 problem).
	r.RedirectTrailingSlash = false
	r.ContextWithFallback = true // c.Done()/c.Err() follow the request's context
	r.Use(withRequestID(newIDSource(), d.Logger), m.observe(), logAccess(), recoverPanics(), limitBody(d.MaxBodyBytes))
	if len(d.CORSOrigins) > 0 {
		r.Use(cors.New(cors.Config{
			AllowOrigins:  d.CORSOrigins,
			AllowMethods:  []string{"GET", "POST", "PATCH", "DELETE", "OPTIONS"},
			AllowHeaders:  []string{"Content-Type", "Authorization", headerIdempotencyKey, headerRequestID},
			ExposeHeaders: []string{headerRequestID, "Retry-After", "X-Cache", "Location", "Age"},
			MaxAge:        10 * time.Minute,
		}))
	}
	r.NoRoute(func(c *gin.Context) {
		writeProblem(c, newProblem(http.StatusNotFound, "not_found", "no route "+quoteShort(c.Request.URL.Path)))
	})
	r.NoMethod(func(c *gin.Context) {
		writeProblem(c, newProblem(http.StatusMethodNotAllowed, "method_not_allowed", "method "+quoteShort(c.Request.Method)+" is not allowed here"))
	})
	addRoutes(r, d)
	return r, nil
}

// addRoutes is the entire API surface: a route not listed here does not exist.
func addRoutes(r *gin.Engine, d Deps) {
	r.GET("/health/live", handleHealthLive(d.Life))
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(d.Metrics, promhttp.HandlerOpts{})))
	r.GET("/openapi.json", func(c *gin.Context) { c.Data(http.StatusOK, "application/json", openAPIDocument) })
	if d.Sandbox != nil {
		r.Any("/sandbox/*path", gin.WrapH(d.Sandbox))
	}
	if d.Breakers == nil {
		r.GET("/health/ready", handleHealthReady(d.Life, nil))
		return
	}
	var openCircuit func() string
	if d.ReadyRequiresClosedCircuits {
		openCircuit = firstOpenCircuit(d.Breakers)
	}
	r.GET("/health/ready", handleHealthReady(d.Life, openCircuit))
	r.GET("/health", handleHealth(d.Breakers, d.CacheCounts, d.Life))
	r.GET("/health/detailed", handleHealthDetailed(d.Breakers, d.CacheCounts, d.Life))
	admin := r.Group("/health/circuits", requireAdmin(d.AdminToken))
	admin.POST("/:name/reset", handleCircuitReset(d.Breakers))
	admin.POST("/:name/open", handleCircuitOpen(d.Breakers))

	api := r.Group("/api")
	if d.Explorium != nil {
		enr := &enrichment{api: d.Explorium, cb: mustBreaker(d.Breakers, resilience.Explorium), cache: d.Cache, now: d.Now, timeout: d.EnrichTimeout}
		api.POST("/enrichment/company", enr.handleEnrichCompany())
		api.POST("/enrichment/person", enr.handleEnrichPerson())
		api.POST("/enrichment/batch", enr.handleEnrichBatch())
		if d.HubSpot != nil {
			addContactRoutes(api, d, enr)
		}
	}
	if d.Lemlist != nil {
		cmp := &campaigns{api: d.Lemlist, cb: mustBreaker(d.Breakers, resilience.Lemlist), queue: d.Leads, now: d.Now}
		api.GET("/campaigns", cmp.handleCampaignList())
		api.POST("/campaigns/:campaignId/leads", cmp.handleLeadAdd())
		api.GET("/jobs/:jobId", cmp.handleJobGet())
		api.POST("/jobs/:jobId/retry", requireAdmin(d.AdminToken), cmp.handleJobRetry())
	}
}

func addContactRoutes(api *gin.RouterGroup, d Deps, enr *enrichment) {
	h := &contacts{api: d.HubSpot, cb: mustBreaker(d.Breakers, resilience.HubSpot), cache: d.Cache, now: d.Now}
	idem := &idempotency{store: d.Idempotency}
	api.GET("/contacts/:id", h.handleContactGet(enr))
	api.POST("/contacts/search", h.handleContactSearch())
	api.POST("/contacts", h.handleContactCreate(idem))
	api.PATCH("/contacts/:id", h.handleContactUpdate())
	api.DELETE("/contacts/:id", h.handleContactArchive())
}

// mustBreaker returns a service's breaker; run() always registers all three,
// so a missing one is a wiring bug caught at start-up, not a request error.
func mustBreaker(reg *resilience.Registry, service string) *resilience.Breaker {
	b, ok := reg.Get(resilience.CircuitName(service))
	if !ok {
		panic("handlers: no breaker for " + service)
	}
	return b
}
