package handlers

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/salesautomation/api/internal/clients/faults"
	"github.com/salesautomation/api/internal/clients/hubspot/hubspottest"
	"github.com/salesautomation/api/internal/resilience"
)

// TestContactGetFallsBackToStaleCopy: a copy past HUBSPOT_CACHE_TTL is served,
// marked, when HubSpot fails; without a copy the answer is 503.
func TestContactGetFallsBackToStaleCopy(t *testing.T) {
	a := newTestAPI(t)
	id := a.sb.Data.People[0].HubSpotID
	fresh := a.send("GET", "/api/contacts/"+id, "").wantStatus(http.StatusOK).object()
	a.clock.Advance(a.breaker(resilience.HubSpot).Settings().CacheTTL + time.Minute)
	a.sb.HubSpot.Faults().Set(faults.Fault{Status: http.StatusServiceUnavailable})

	t.Run("stale copy with markers", func(t *testing.T) {
		a := a.in(t)
		r := a.send("GET", "/api/contacts/"+id, "").wantStatus(http.StatusOK)
		if got, want := r.Header().Get("X-Cache"), "STALE"; got != want {
			t.Errorf("X-Cache = %q, want %q", got, want)
		}
		c := r.object()
		for k, want := range map[string]any{"_fallback": true, "_cached": true, "_source": "cache", "id": id} {
			if got := c[k]; got != want {
				t.Errorf("%s = %v, want %v", k, got, want)
			}
		}
		if got, want := c["_timestamp"], float64(a.clock.Now().UnixMilli()); got != want {
			t.Errorf("_timestamp = %v, want %v (when it was served)", got, want)
		}
		if got, want := c["properties"], fresh["properties"]; !equalJSON(got, want) {
			t.Errorf("stale properties = %v, want the cached %v", got, want)
		}
	})
	t.Run("no copy is 503 with Retry-After", func(t *testing.T) {
		a := a.in(t)
		r := a.send("GET", "/api/contacts/"+a.sb.Data.People[1].HubSpotID, "").wantStatus(http.StatusServiceUnavailable)
		if got, want := r.Header().Get("Retry-After"), "1"; got != want {
			t.Errorf("Retry-After = %q, want %q", got, want)
		}
		if got, want := r.problem().Code, "upstream_unavailable"; got != want {
			t.Errorf("code = %q, want %q", got, want)
		}
	})
}

func equalJSON(a, b any) bool {
	ma, _ := a.(map[string]any)
	mb, _ := b.(map[string]any)
	if len(ma) != len(mb) || ma == nil {
		return false
	}
	for k, v := range ma {
		if mb[k] != v {
			return false
		}
	}
	return true
}

// TestContactCircuitOpen: while the HubSpot circuit is open nothing reaches
// HubSpot; reads without a copy and every write are 503 with Retry-After.
func TestContactCircuitOpen(t *testing.T) {
	a := newTestAPI(t)
	a.admin("/health/circuits/hubspot-circuit/open").wantStatus(http.StatusOK)
	reset := a.breaker(resilience.HubSpot).Settings().ResetTimeout
	before := a.upstreamCalls()
	id := a.sb.Data.People[0].HubSpotID
	tests := []struct{ name, method, target, body string }{
		{"read without a copy", "GET", "/api/contacts/" + id, ""},
		{"search", "POST", "/api/contacts/search", ""},
		{"create is never faked", "POST", "/api/contacts", `{"properties":{"email":"x@example.com"}}`},
		{"update is never faked", "PATCH", "/api/contacts/" + id, `{"properties":{"firstname":"X"}}`},
		{"archive is never faked", "DELETE", "/api/contacts/" + id, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := a.in(t)
			r := a.send(tt.method, tt.target, tt.body).wantStatus(http.StatusServiceUnavailable)
			p := r.problem()
			if got, want := p.Code, "circuit_open"; got != want {
				t.Errorf("code = %q, want %q", got, want)
			}
			if got, want := r.Header().Get("Retry-After"), strconv.Itoa(int(reset/time.Second)); got != want {
				t.Errorf("Retry-After = %q, want %q (the reset timeout)", got, want)
			}
			if got, want := p.Service, resilience.HubSpot; got != want {
				t.Errorf("service = %q, want %q", got, want)
			}
		})
	}
	if got := a.upstreamCalls(); got != before {
		t.Errorf("fakes received %d requests while the circuit was open", got-before)
	}
}

// TestContactFailuresOpenTheCircuit: enough failures in the window open the
// circuit (no warm-up in tests), after which HubSpot is no longer called.
func TestContactFailuresOpenTheCircuit(t *testing.T) {
	a := newTestAPI(t)
	a.sb.HubSpot.Faults().Set(faults.Fault{Status: http.StatusInternalServerError})
	target := "/api/contacts/" + a.sb.Data.People[0].HubSpotID
	vol := a.breaker(resilience.HubSpot).Settings().VolumeThreshold
	for range vol {
		if r := a.send("GET", target, ""); r.problem().Code != "upstream_unavailable" {
			t.Fatalf("failing call answered %d %s", r.Code, r.Body.String())
		}
	}
	calls := a.sb.HubSpot.Counter().Total()
	r := a.send("GET", target, "").wantStatus(http.StatusServiceUnavailable)
	if got, want := r.problem().Code, "circuit_open"; got != want {
		t.Errorf("code after %d failures = %q, want %q", vol, got, want)
	}
	if n, _ := strconv.Atoi(r.Header().Get("Retry-After")); n < 1 || n > 30 {
		t.Errorf("Retry-After = %q, want 1..30 s", r.Header().Get("Retry-After"))
	}
	if got := a.sb.HubSpot.Counter().Total(); got != calls {
		t.Errorf("open circuit let %d requests through", got-calls)
	}
}

// TestContactStaleWhileOpen: an open circuit serves an expired copy.
func TestContactStaleWhileOpen(t *testing.T) {
	a := newTestAPI(t)
	target := "/api/contacts/" + a.sb.Data.People[0].HubSpotID
	a.send("GET", target, "").wantStatus(http.StatusOK)
	a.clock.Advance(a.breaker(resilience.HubSpot).Settings().CacheTTL + time.Second)
	a.breaker(resilience.HubSpot).ForceOpen()
	r := a.send("GET", target, "").wantStatus(http.StatusOK)
	if got, want := r.Header().Get("X-Cache"), "STALE"; got != want {
		t.Errorf("X-Cache = %q, want %q", got, want)
	}
	if got := r.object()["_fallback"]; got != true {
		t.Errorf("_fallback = %v, want true", got)
	}
}

// TestContactUpstreamTimeout: HubSpot slower than the attempt timeout is 503
// upstream_timeout with Retry-After 1.
func TestContactUpstreamTimeout(t *testing.T) {
	a := newTestAPI(t, withSettings(resilience.HubSpot, func(s *resilience.Settings) {
		s.AttemptTimeout, s.Timeout = 30*time.Millisecond, 60*time.Millisecond
	}))
	a.sb.HubSpot.Faults().Set(faults.Fault{Latency: time.Second})
	r := a.send("GET", "/api/contacts/"+a.sb.Data.People[0].HubSpotID, "").wantStatus(http.StatusServiceUnavailable)
	if p := r.problem(); p.Code != "upstream_timeout" || p.Service != resilience.HubSpot {
		t.Errorf("code, service = %q, %q; want upstream_timeout, hubspot", p.Code, p.Service)
	}
	if got, want := r.Header().Get("Retry-After"), "1"; got != want {
		t.Errorf("Retry-After = %q, want %q", got, want)
	}
}

// TestContactHalfOpen: after the reset timeout one probe goes through; a
// second call meanwhile is 503 with Retry-After 1; a good probe closes it.
func TestContactHalfOpen(t *testing.T) {
	a := newTestAPI(t, withSettings(resilience.HubSpot, func(s *resilience.Settings) { s.ResetTimeout = 20 * time.Millisecond }))
	b := a.breaker(resilience.HubSpot)
	a.sb.HubSpot.Faults().Set(faults.Fault{Status: http.StatusInternalServerError})
	probe := "/api/contacts/" + a.sb.Data.People[0].HubSpotID
	for range b.Settings().VolumeThreshold {
		a.send("GET", probe, "").wantStatus(http.StatusServiceUnavailable)
	}
	waitFor(t, time.Second, "HALF_OPEN", func() bool { return b.State() == resilience.StateHalfOpen })

	a.sb.HubSpot.Faults().Set(faults.Fault{Latency: 200 * time.Millisecond})
	gets := a.sb.HubSpot.Requests(hubspottest.RouteGet)
	done := make(chan int)
	go func() { done <- a.send("GET", probe, "").Code }()
	waitFor(t, time.Second, "the probe to reach HubSpot", func() bool { return a.sb.HubSpot.Requests(hubspottest.RouteGet) > gets })

	r := a.send("GET", "/api/contacts/"+a.sb.Data.People[1].HubSpotID, "").wantStatus(http.StatusServiceUnavailable)
	if got, want := r.problem().Code, "circuit_open"; got != want {
		t.Errorf("code while the probe runs = %q, want %q", got, want)
	}
	if got, want := r.Header().Get("Retry-After"), "1"; got != want {
		t.Errorf("Retry-After while the probe runs = %q, want %q", got, want)
	}
	if got, want := <-done, http.StatusOK; got != want {
		t.Fatalf("probe = %d, want %d", got, want)
	}
	if got, want := b.State(), resilience.StateClosed; got != want {
		t.Errorf("state after a good probe = %v, want %v", got, want)
	}
}

// TestUnreachableUpstreamIsNamed: a transport error or a full capacity has no
// upstream answer to name the service, yet the problem must (API.md §3).
func TestUnreachableUpstreamIsNamed(t *testing.T) {
	for _, tt := range []struct{ name, service, target string }{
		{"hubspot connection reset", resilience.HubSpot, "/api/contacts/10000000001"},
		{"lemlist connection reset", resilience.Lemlist, "/api/campaigns"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestAPI(t)
			a.sb.HubSpot.Faults().Set(faults.Fault{Reset: true})
			a.sb.Lemlist.Faults().Set(faults.Fault{Reset: true})
			p := a.send("GET", tt.target, "").wantStatus(http.StatusServiceUnavailable).problem()
			if p.Code != "upstream_unavailable" || p.Service != tt.service {
				t.Errorf("code, service = %q, %q; want upstream_unavailable, %q", p.Code, p.Service, tt.service)
			}
		})
	}
	t.Run("hubspot at capacity", func(t *testing.T) {
		a := newTestAPI(t, withSettings(resilience.HubSpot, func(s *resilience.Settings) { s.Capacity = 1 }))
		a.sb.HubSpot.Faults().Set(faults.Fault{Latency: 200 * time.Millisecond})
		done := make(chan int)
		go func() { done <- a.send("GET", "/api/contacts/"+a.sb.Data.People[0].HubSpotID, "").Code }()
		waitFor(t, time.Second, "the first call to hold the slot", func() bool { return a.sb.HubSpot.Requests(hubspottest.RouteGet) > 0 })
		r := a.send("GET", "/api/contacts/"+a.sb.Data.People[1].HubSpotID, "").wantStatus(http.StatusServiceUnavailable)
		if p := r.problem(); p.Code != "capacity_exceeded" || p.Service != resilience.HubSpot || r.Header().Get("Retry-After") != "1" {
			t.Errorf("code, service, Retry-After = %q, %q, %q; want capacity_exceeded, hubspot, 1", p.Code, p.Service, r.Header().Get("Retry-After"))
		}
		if got := <-done; got != http.StatusOK {
			t.Errorf("first call = %d, want 200", got)
		}
	})
}
