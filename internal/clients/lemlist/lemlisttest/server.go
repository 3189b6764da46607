// Package lemlisttest is a fake lemlist API for tests and sandbox mode: a plain
// http.Handler that answers like lemlist on the wire (UPSTREAMS.md B.7): Basic auth
// with the key as password, seeded campaigns, text/plain errors, "Lead already in the
// campaign", the 20-per-2-seconds quota with lemlist's headers, fault injection and
// per-route request counts. Mount it where the real base URL ends (".../api").
package lemlisttest

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/salesautomation/api/internal/clients/faults"
	"github.com/salesautomation/api/internal/clients/seed"
)

// DefaultAPIKey is the key the fake accepts unless configured otherwise.
const DefaultAPIKey = "sandbox-lemlist-key-0000"

// Route names, as counted by Requests.
const (
	RouteTeam        = "GET /team"
	RouteCampaigns   = "GET /campaigns"
	RouteCampaign    = "GET /campaigns/{campaignId}"
	RouteAddLead     = "POST /campaigns/{campaignId}/leads/" // both body and legacy path forms
	RouteLead        = "GET /leads/{email}"
	RouteUnsubscribe = "DELETE /campaigns/{campaignId}/leads/{email}"
	RoutePause       = "POST /leads/pause/{email}"
	RouteStart       = "POST /leads/start/{email}"
)

// Config configures a fake. The zero Config is lemlist with three seeded campaigns,
// the real 20-per-2-seconds quota and DefaultAPIKey.
type Config struct {
	APIKey    string     // "" means DefaultAPIKey
	Data      *seed.Data // people for the seeded leads; nil means the default seed
	RateLimit int        // requests per 2 s; 0 means 20, negative means unlimited
	Seed      uint64     // seed for ids and random faults; 0 means seed.DefaultSeed
}

// Server is the fake. It is safe for concurrent use.
type Server struct {
	mux     *http.ServeMux
	faults  *faults.Injector
	counter *faults.Counter
	limiter *faults.Limiter
	apiKey  string

	mu        sync.Mutex
	rng       *rand.Rand
	campaigns []*campaign
	leads     map[string][]*lead // lower-case e-mail → one entry per campaign, oldest first
	graveyard map[string]bool    // unsubscribed e-mail addresses
	listJSON  []byte             // GET /campaigns without version, computed once
}

// New returns a fake lemlist.
func New(cfg Config) *Server {
	if cfg.APIKey == "" {
		cfg.APIKey = DefaultAPIKey
	}
	if cfg.Seed == 0 {
		cfg.Seed = seed.DefaultSeed
	}
	if cfg.Data == nil {
		d := seed.New(seed.DefaultSeed, seed.DefaultPeople)
		cfg.Data = &d
	}
	limit := cfg.RateLimit
	if limit == 0 {
		limit = 20
	}
	s := &Server{
		mux:       http.NewServeMux(),
		faults:    faults.NewInjector(cfg.Seed),
		counter:   faults.NewCounter(),
		limiter:   faults.NewLimiter(limit, 2*time.Second),
		apiKey:    cfg.APIKey,
		rng:       rand.New(rand.NewPCG(cfg.Seed, 7)),
		leads:     map[string][]*lead{},
		graveyard: map[string]bool{},
	}
	s.seed(cfg.Data.People)
	s.handle(RouteTeam, "GET /team", s.handleTeam)
	s.handle(RouteCampaigns, "GET /campaigns", s.handleCampaigns)
	s.handle(RouteCampaign, "GET /campaigns/{campaignId}", s.handleCampaign)
	s.handle(RouteAddLead, "POST /campaigns/{campaignId}/leads/{$}", s.handleAddLead)
	s.handle(RouteAddLead, "POST /campaigns/{campaignId}/leads", s.handleAddLead)
	s.handle(RouteAddLead, "POST /campaigns/{campaignId}/leads/{email}", s.handleAddLead)
	s.handle(RouteLead, "GET /leads/{email}", s.handleLead)
	s.handle(RouteUnsubscribe, "DELETE /campaigns/{campaignId}/leads/{email}", s.handleUnsubscribe)
	s.handle(RoutePause, "POST /leads/pause/{email}", s.handlePause(true))
	s.handle(RouteStart, "POST /leads/start/{email}", s.handlePause(false))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeText(w, http.StatusNotFound, "Not found")
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

// SetRateLimit replaces the per-2-second quota (max <= 0: unlimited).
func (s *Server) SetRateLimit(max int) { s.limiter.Set(max, 2*time.Second) }

// Close releases requests held by a Hang fault; call it before closing the server.
func (s *Server) Close() { s.faults.Close() }

func (s *Server) handle(route, pattern string, h http.HandlerFunc) {
	n := s.counter.Register(route)
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if s.faults.Apply(w, r, responder{s}) {
			return
		}
		if !s.authorize(w, r) || !s.allow(w) {
			return
		}
		h(w, r)
	})
}

// authorize accepts the key as the Basic-auth password (user name ignored) or as
// ?access_token=, like lemlist.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) bool {
	_, key, ok := r.BasicAuth()
	if !ok || key == "" {
		key = r.URL.Query().Get("access_token")
	}
	switch key {
	case s.apiKey:
		return true
	case "":
		writeText(w, http.StatusBadRequest, "No API key provided")
	default:
		writeText(w, http.StatusUnauthorized, "The authentication you supplied is incorrect")
	}
	return false
}

func (s *Server) allow(w http.ResponseWriter) bool {
	ok, max, remaining := s.limiter.Allow()
	setRateHeaders(w, max, remaining)
	if !ok {
		w.Header().Set("Retry-After", "2")
		writeText(w, http.StatusTooManyRequests, "Too Many Requests")
	}
	return ok
}

func setRateHeaders(w http.ResponseWriter, max, remaining int) {
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(max))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	// lemlist sends JavaScript's Date.prototype.toString(), not a number.
	h.Set("X-RateLimit-Reset", time.Now().UTC().Add(2*time.Second).Format("Mon Jan 02 2006 15:04:05")+
		" GMT+0000 (Coordinated Universal Time)")
}

func writeText(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg))
}

// responder writes injected faults as lemlist does: plain text.
type responder struct{ s *Server }

func (responder) WriteStatus(w http.ResponseWriter, _ *http.Request, status int) {
	msg := http.StatusText(status)
	if status == http.StatusInternalServerError {
		msg = "Internal Server Error"
	}
	writeText(w, status, msg)
}

func (rs responder) WriteRateLimited(w http.ResponseWriter, _ *http.Request, retryAfter time.Duration) {
	setRateHeaders(w, 20, 0)
	if retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((retryAfter+time.Second-1)/time.Second)))
	}
	writeText(w, http.StatusTooManyRequests, "Too Many Requests")
}

const idAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// newID returns prefix + 17 alphanumerics; the caller holds s.mu.
func (s *Server) newID(prefix string) string {
	var b strings.Builder
	b.WriteString(prefix)
	for range 17 {
		b.WriteByte(idAlphabet[s.rng.IntN(len(idAlphabet))])
	}
	return b.String()
}
