// Package sandbox serves the fake HubSpot, Lemlist and Explorium upstreams on
// loopback for SANDBOX=true and for end-to-end tests, and exposes an HTTP API to
// inject faults into them at run time.
//
// Fault API (mount FaultsHandler at the root of the service's router):
//
//	POST   /sandbox/faults/{service}   service = hubspot | lemlist | explorium
//	       body (all optional): {"errorRate": 0..1, "status": 503, "latency": "300ms",
//	       "jitter": "100ms", "hang": false, "reset": false, "rateLimit": false,
//	       "retryAfter": "2s", "route": "/crm/v3/objects/contacts"}
//	       → 200 with the fault now in force. Unknown fields or bad values → 400
//	       application/problem+json naming the field. A fault with a route applies only
//	       to requests under that path ("POST /campaigns" limits the method too) and
//	       replaces the previous fault for the same route; without a route it applies
//	       to every route without a route fault of its own. A body with no effect clears
//	       that route's fault.
//	DELETE /sandbox/faults/{service}   clears every fault of the service → 200
//	GET    /sandbox/faults             the faults in force for all three → 200
//
// Effects apply in this order: latency (+ random 0..jitter), hang (until the client
// gives up), reset (TCP RST), then, for a fraction errorRate of requests (all when
// errorRate is 0), rateLimit (429 in the upstream's format, Retry-After only when
// retryAfter is set) or status (the upstream's error format; 500 when only errorRate
// is given). docs/sandbox.md has examples.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/salesautomation/api/internal/clients/explorium/exploriumtest"
	"github.com/salesautomation/api/internal/clients/hubspot/hubspottest"
	"github.com/salesautomation/api/internal/clients/lemlist/lemlisttest"
	"github.com/salesautomation/api/internal/clients/seed"
)

// Sandbox is the three fakes, each on its own loopback listener.
type Sandbox struct {
	HubSpotURL   string // base URL for the HubSpot client
	LemlistURL   string // base URL for the Lemlist client (ends in /api, like the real one)
	ExploriumURL string // base URL for the Explorium client

	HubSpotAPIKey   string // token the fake HubSpot accepts
	LemlistAPIKey   string // key the fake Lemlist accepts
	ExploriumAPIKey string // key the fake Explorium accepts

	HubSpot   *hubspottest.Server
	Lemlist   *lemlisttest.Server
	Explorium *exploriumtest.Server

	Data seed.Data // the seeded people and companies the fakes share

	logger    zerolog.Logger
	servers   []*http.Server
	wg        sync.WaitGroup
	closeOnce sync.Once
	stopWatch func() bool
}

// Start serves the fakes on 127.0.0.1 ports chosen by the system. The rate limits
// are off (the service is load-tested through the sandbox); turn them on with the
// fakes' SetRateLimit, or inject 429s through the fault API. Cancelling ctx closes
// the sandbox, as does Close.
func Start(ctx context.Context, logger zerolog.Logger) (*Sandbox, error) {
	data := seed.New(seed.DefaultSeed, seed.DefaultPeople)
	s := &Sandbox{
		HubSpot:   hubspottest.New(hubspottest.Config{Data: &data, RateLimit: -1, SearchLimit: -1}),
		Lemlist:   lemlisttest.New(lemlisttest.Config{Data: &data, RateLimit: -1}),
		Explorium: exploriumtest.New(exploriumtest.Config{Data: &data, RateLimit: -1}),
		Data:      data,
		logger:    logger.With().Str("component", "sandbox").Logger(),
	}
	s.HubSpotAPIKey = s.HubSpot.Token()
	s.LemlistAPIKey = s.Lemlist.APIKey()
	s.ExploriumAPIKey = s.Explorium.APIKey()

	lemlist := http.NewServeMux()
	lemlist.Handle("/api/", http.StripPrefix("/api", s.Lemlist))
	for _, u := range []struct {
		name   string
		h      http.Handler
		suffix string
		dst    *string
	}{
		{"hubspot", s.HubSpot, "", &s.HubSpotURL},
		{"lemlist", lemlist, "/api", &s.LemlistURL},
		{"explorium", s.Explorium, "", &s.ExploriumURL},
	} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("sandbox: listen for %s: %w", u.name, err)
		}
		*u.dst = "http://" + ln.Addr().String() + u.suffix
		srv := &http.Server{Handler: u.h, ReadHeaderTimeout: 5 * time.Second}
		s.servers = append(s.servers, srv)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.logger.Error().Err(err).Str("upstream", u.name).Msg("fake upstream stopped")
			}
		}()
		s.logger.Info().Str("upstream", u.name).Str("url", *u.dst).Msg("fake upstream listening")
	}
	s.stopWatch = context.AfterFunc(ctx, s.Close)
	return s, nil
}

// Close stops every listener, releases hung requests and waits for the serving
// goroutines to end. It is safe to call more than once.
func (s *Sandbox) Close() {
	s.closeOnce.Do(func() {
		if s.stopWatch != nil {
			s.stopWatch()
		}
		s.HubSpot.Close()
		s.Lemlist.Close()
		s.Explorium.Close()
		for _, srv := range s.servers {
			_ = srv.Close()
		}
		s.wg.Wait()
	})
}
