// Package exploriumtest is a fake Explorium API for tests and sandbox mode: a plain
// http.Handler that answers like Explorium on the wire (UPSTREAMS.md C.7): the
// api_key header, response_context on every 200, pydantic-style 422s, deterministic
// matching of the seeded companies (by domain or name) and people (by e-mail,
// LinkedIn, or full name + company), a credits ledger, the 200-per-minute quota with
// its headers, fault injection and per-route request counts.
package exploriumtest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/salesautomation/api/internal/clients/faults"
	"github.com/salesautomation/api/internal/clients/seed"
)

// DefaultAPIKey is the key the fake accepts unless configured otherwise.
const DefaultAPIKey = "sandbox-explorium-key-0000"

// Route names, as counted by Requests.
const (
	RouteMatchBusinesses        = "POST /v1/businesses/match"
	RouteFirmographics          = "POST /v1/businesses/firmographics/enrich"
	RouteBulkFirmographics      = "POST /v1/businesses/firmographics/bulk_enrich"
	RouteMatchProspects         = "POST /v1/prospects/match"
	RouteContactInformation     = "POST /v1/prospects/contacts_information/enrich"
	RouteBulkContactInformation = "POST /v1/prospects/contacts_information/bulk_enrich"
	RouteCredits                = "GET /v1/credits"
)

// Config configures a fake. The zero Config is Explorium with the seeded data set,
// 1,000,000 credits, 200 requests per minute and DefaultAPIKey.
type Config struct {
	APIKey    string     // "" means DefaultAPIKey
	Data      *seed.Data // nil means the default seed
	Credits   int64      // starting balance; 0 means 1,000,000
	RateLimit int        // requests per minute; 0 means 200, negative means unlimited
	Seed      uint64     // seed for random faults; 0 means seed.DefaultSeed
}

// Server is the fake. It is safe for concurrent use.
type Server struct {
	mux       *http.ServeMux
	faults    *faults.Injector
	counter   *faults.Counter
	limiter   *faults.Limiter
	apiKey    string
	allocated int64
	credits   atomic.Int64
	bulk422   atomic.Int64 // transient 422s still to give on bulk enrich
	idx       index
}

// New returns a fake Explorium.
func New(cfg Config) *Server {
	if cfg.APIKey == "" {
		cfg.APIKey = DefaultAPIKey
	}
	if cfg.Data == nil {
		d := seed.New(seed.DefaultSeed, seed.DefaultPeople)
		cfg.Data = &d
	}
	if cfg.Credits == 0 {
		cfg.Credits = 1_000_000
	}
	if cfg.Seed == 0 {
		cfg.Seed = seed.DefaultSeed
	}
	limit := cfg.RateLimit
	if limit == 0 {
		limit = 200
	}
	s := &Server{
		mux:       http.NewServeMux(),
		faults:    faults.NewInjector(cfg.Seed),
		counter:   faults.NewCounter(),
		limiter:   faults.NewLimiter(limit, time.Minute),
		apiKey:    cfg.APIKey,
		allocated: cfg.Credits,
		idx:       newIndex(*cfg.Data),
	}
	s.credits.Store(cfg.Credits)
	s.handle(RouteMatchBusinesses, s.handleMatchBusinesses)
	s.handle(RouteFirmographics, s.handleFirmographics)
	s.handle(RouteBulkFirmographics, s.handleBulkFirmographics)
	s.handle(RouteMatchProspects, s.handleMatchProspects)
	s.handle(RouteContactInformation, s.handleContactInformation)
	s.handle(RouteBulkContactInformation, s.handleBulkContactInformation)
	s.handle(RouteCredits, s.handleCredits)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeDetails(w, http.StatusNotFound, "Not Found")
	})
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Faults returns the fault injector.
func (s *Server) Faults() *faults.Injector { return s.faults }

// Requests returns how many requests reached route (a Route constant).
func (s *Server) Requests(route string) int64 { return s.counter.Count(route) }

// Counter returns the per-route request counter.
func (s *Server) Counter() *faults.Counter { return s.counter }

// APIKey returns the key the fake accepts.
func (s *Server) APIKey() string { return s.apiKey }

// Credits returns the remaining credit balance.
func (s *Server) Credits() int64 { return s.credits.Load() }

// SetCredits sets the remaining credit balance (0 makes every enrichment 403).
func (s *Server) SetCredits(n int64) { s.credits.Store(n) }

// SetRateLimit replaces the per-minute quota (max <= 0: unlimited).
func (s *Server) SetRateLimit(max int) { s.limiter.Set(max, time.Minute) }

// FailBulkEnrich makes the next n bulk enrichments answer a transient 422, as
// Explorium has been seen doing.
func (s *Server) FailBulkEnrich(n int) { s.bulk422.Store(int64(n)) }

// Close releases requests held by a Hang fault; call it before closing the server.
func (s *Server) Close() { s.faults.Close() }

func (s *Server) handle(route string, h func(http.ResponseWriter, *http.Request, time.Time)) {
	n := s.counter.Register(route)
	s.mux.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		n.Add(1)
		if s.faults.Apply(w, r, responder{s}) {
			return
		}
		if !s.allow(w) {
			return
		}
		if key := r.Header.Get("api_key"); key != s.apiKey {
			writeDetails(w, http.StatusUnauthorized, "Invalid or missing API key")
			return
		}
		h(w, r, start)
	})
}

func (s *Server) allow(w http.ResponseWriter) bool {
	ok, max, remaining := s.limiter.Allow()
	setRateHeaders(w, max, remaining)
	if !ok {
		writeRateLimited(w, s.limiter.RetryAfter())
	}
	return ok
}

func setRateHeaders(w http.ResponseWriter, max, remaining int) {
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(max))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Minute).Unix(), 10))
}

func writeRateLimited(w http.ResponseWriter, retryAfter time.Duration) {
	secs := int((retryAfter + time.Second - 1) / time.Second)
	body := map[string]any{"error": "rate_limit_exceeded",
		"message": fmt.Sprintf("API rate limit exceeded. Please retry after %d seconds.", secs)}
	if secs > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		body["retry_after"] = secs
	}
	writeJSON(w, http.StatusTooManyRequests, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"details":"encode failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeDetails writes Explorium's generic error body (note: "details", not "detail").
func writeDetails(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"details": msg, "correlation_id": correlationID()})
}

func correlationID() string { return fmt.Sprintf("%016x%016x", rand.Uint64(), rand.Uint64()) }

// respond wraps data in the 200 envelope with response_context.
func respond(w http.ResponseWriter, start time.Time, status string, fields map[string]any) {
	fields["response_context"] = map[string]any{
		"correlation_id": correlationID(), "request_status": status,
		"time_took_in_seconds": float64(time.Since(start).Milliseconds()) / 1000,
	}
	writeJSON(w, http.StatusOK, fields)
}

type responder struct{ s *Server }

func (responder) WriteStatus(w http.ResponseWriter, _ *http.Request, status int) {
	switch status {
	case http.StatusUnprocessableEntity:
		writeJSON(w, status, map[string]any{"detail": []map[string]any{{
			"loc": []string{"body"}, "msg": "Temporary validation failure, please retry", "type": "value_error"}}})
	case http.StatusTooManyRequests:
		writeRateLimited(w, 0)
	case http.StatusInternalServerError:
		writeDetails(w, status, "An internal server error occurred")
	default:
		writeDetails(w, status, http.StatusText(status))
	}
}

func (responder) WriteRateLimited(w http.ResponseWriter, _ *http.Request, retryAfter time.Duration) {
	setRateHeaders(w, 200, 0)
	writeRateLimited(w, retryAfter)
}
