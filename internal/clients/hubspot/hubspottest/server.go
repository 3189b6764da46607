// Package hubspottest is a fake HubSpot CRM v3 contacts API for tests and sandbox
// mode: a plain http.Handler that answers like HubSpot on the wire (UPSTREAMS.md
// A.13), with seeded contacts, validation errors, rate limits with HubSpot's headers,
// fault injection and per-route request counts. Serve it with httptest.NewServer or
// any http.Server; it may be mounted under a path prefix with http.StripPrefix.
package hubspottest

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/salesautomation/api/internal/clients/faults"
	"github.com/salesautomation/api/internal/clients/seed"
)

// Tokens the fake accepts by default.
const (
	DefaultToken        = "pat-na1-sandbox-0000-hubspot"          // full access
	DefaultNoScopeToken = "pat-na1-sandbox-0000-hubspot-noscopes" // answered with 403 MISSING_SCOPES
)

// Route names, as counted by Requests and as registered on the fake's mux.
const (
	RouteGet     = "GET /crm/v3/objects/contacts/{contactId}"
	RouteList    = "GET /crm/v3/objects/contacts"
	RouteCreate  = "POST /crm/v3/objects/contacts"
	RouteUpdate  = "PATCH /crm/v3/objects/contacts/{contactId}"
	RouteArchive = "DELETE /crm/v3/objects/contacts/{contactId}"
	RouteSearch  = "POST /crm/v3/objects/contacts/search"
)

// Config configures a fake. The zero Config is HubSpot with the seeded data set,
// Professional-tier limits (190 per 10 s, search 5 per s) and the default tokens.
type Config struct {
	Token        string     // accepted bearer token; "" means DefaultToken
	NoScopeToken string     // token answered with 403; "" means DefaultNoScopeToken
	Data         *seed.Data // contacts to start with; nil means seed.New(seed.DefaultSeed, seed.DefaultPeople)
	RateLimit    int        // requests per 10 s; 0 means 190, negative means unlimited
	SearchLimit  int        // search requests per second; 0 means 5, negative means unlimited
	DailyLimit   int        // reported in X-HubSpot-RateLimit-Daily; 0 means 625000
	FaultSeed    uint64     // seed for random fault choices; 0 means seed.DefaultSeed
}

// Server is the fake. It is safe for concurrent use.
type Server struct {
	mux          *http.ServeMux
	store        *store
	faults       *faults.Injector
	counter      *faults.Counter
	limiter      *faults.Limiter
	searchLim    *faults.Limiter
	daily        atomic.Int64
	dailyMax     int64
	token        string
	noScopeToken string
	retryAfter   atomic.Int64 // seconds of Retry-After on real 429s; 0 = none (HubSpot's default)
}

// New returns a fake HubSpot loaded with cfg.Data.
func New(cfg Config) *Server {
	if cfg.Token == "" {
		cfg.Token = DefaultToken
	}
	if cfg.NoScopeToken == "" {
		cfg.NoScopeToken = DefaultNoScopeToken
	}
	if cfg.Data == nil {
		d := seed.New(seed.DefaultSeed, seed.DefaultPeople)
		cfg.Data = &d
	}
	if cfg.FaultSeed == 0 {
		cfg.FaultSeed = seed.DefaultSeed
	}
	if cfg.DailyLimit == 0 {
		cfg.DailyLimit = 625_000
	}
	s := &Server{
		mux:          http.NewServeMux(),
		store:        newStore(cfg.Data.People),
		faults:       faults.NewInjector(cfg.FaultSeed),
		counter:      faults.NewCounter(),
		limiter:      faults.NewLimiter(pick(cfg.RateLimit, 190), 10*time.Second),
		searchLim:    faults.NewLimiter(pick(cfg.SearchLimit, 5), time.Second),
		dailyMax:     int64(cfg.DailyLimit),
		token:        cfg.Token,
		noScopeToken: cfg.NoScopeToken,
	}
	s.handle(RouteGet, s.handleGet)
	s.handle(RouteList, s.handleList)
	s.handle(RouteCreate, s.handleCreate)
	s.handle(RouteUpdate, s.handleUpdate)
	s.handle(RouteArchive, s.handleArchive)
	s.handle(RouteSearch, s.handleSearch)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		setCorrelationID(w)
		writeError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "Resource not found", nil)
	})
	return s
}

func pick(v, def int) int {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Faults returns the fault injector; set faults on it from tests or the sandbox.
func (s *Server) Faults() *faults.Injector { return s.faults }

// Requests returns how many requests reached route (a Route constant), whatever
// the fake answered.
func (s *Server) Requests(route string) int64 { return s.counter.Count(route) }

// Counter returns the per-route request counter.
func (s *Server) Counter() *faults.Counter { return s.counter }

// Token returns the bearer token the fake accepts.
func (s *Server) Token() string { return s.token }

// SetRateLimit replaces the per-10-second quota (max <= 0: unlimited).
func (s *Server) SetRateLimit(max int) { s.limiter.Set(max, 10*time.Second) }

// SetSearchLimit replaces the per-second search quota (max <= 0: unlimited).
func (s *Server) SetSearchLimit(max int) { s.searchLim.Set(max, time.Second) }

// SetRetryAfterOn429 makes real (not injected) 429s carry Retry-After; HubSpot
// does not document one, so the default is none.
func (s *Server) SetRetryAfterOn429(d time.Duration) { s.retryAfter.Store(int64(d / time.Second)) }

// ContactIDByEmail returns the ID of the live contact with that e-mail address.
func (s *Server) ContactIDByEmail(email string) (string, bool) { return s.store.idByEmail(email) }

// Close releases requests held by a Hang fault; call it before closing the server.
func (s *Server) Close() { s.faults.Close() }

// handle registers h for route behind counting, faults, auth and rate limiting.
func (s *Server) handle(route string, h http.HandlerFunc) {
	n := s.counter.Register(route)
	search := route == RouteSearch
	s.mux.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		setCorrelationID(w)
		if s.faults.Apply(w, r, responder{}) {
			return
		}
		if !s.authorize(w, r) {
			return
		}
		if !s.allow(w, search) {
			return
		}
		h(w, r)
	})
}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	switch {
	case ok && token == s.token:
		return true
	case ok && token == s.noScopeToken:
		writeJSON(w, http.StatusForbidden, map[string]any{
			"status":        "error",
			"message":       "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
			"correlationId": w.Header().Get("X-HubSpot-Correlation-Id"),
			"errors": []any{map[string]any{
				"message": "One or more of the following scopes are required.",
				"context": map[string][]string{"requiredScopes": {"crm.objects.contacts.read", "crm.objects.contacts.write"}},
			}},
			"links":    map[string]string{"scopes": "https://developers.hubspot.com/scopes"},
			"category": "MISSING_SCOPES",
		})
		return false
	}
	w.Header().Set("X-HubSpot-Auth-Failure", "401 Unauthorized")
	writeError(w, http.StatusUnauthorized, "INVALID_AUTHENTICATION",
		"Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview", nil)
	return false
}

// allow applies the quotas. Search has its own per-second quota and, like HubSpot,
// no rate-limit headers.
func (s *Server) allow(w http.ResponseWriter, search bool) bool {
	if search {
		if ok, _, _ := s.searchLim.Allow(); !ok {
			s.writeRateLimited(w, "SECONDLY", "You have reached your secondly limit.")
			return false
		}
		return true
	}
	ok, max, remaining := s.limiter.Allow()
	used := s.daily.Add(1)
	h := w.Header()
	h.Set("X-HubSpot-RateLimit-Interval-Milliseconds", "10000")
	h.Set("X-HubSpot-RateLimit-Max", strconv.Itoa(max))
	h.Set("X-HubSpot-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-HubSpot-RateLimit-Daily", strconv.FormatInt(s.dailyMax, 10))
	h.Set("X-HubSpot-RateLimit-Daily-Remaining", strconv.FormatInt(max64(s.dailyMax-used, 0), 10))
	if !ok {
		s.writeRateLimited(w, "TEN_SECONDLY_ROLLING", "You have reached your ten_secondly_rolling limit.")
	}
	return ok
}

func (s *Server) writeRateLimited(w http.ResponseWriter, policy, msg string) {
	if ra := s.retryAfter.Load(); ra > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(ra, 10))
	}
	writeRateLimitBody(w, policy, msg)
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func setCorrelationID(w http.ResponseWriter) {
	w.Header().Set("X-HubSpot-Correlation-Id", newUUID())
}

func newUUID() string {
	a, b := rand.Uint64(), rand.Uint64()
	a = a&^0xf000 | 0x4000     // version 4
	b = b&^(0xc<<60) | 0x8<<60 // RFC 4122 variant
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}
