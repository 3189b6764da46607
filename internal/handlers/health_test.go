package handlers

import (
	"net/http"
	"strings"
	"testing"

	"github.com/salesautomation/api/internal/resilience"
)

func TestHealthFollowsUserFacingCircuits(t *testing.T) {
	tests := []struct {
		name       string
		open       []string
		wantStatus int
		want       string
	}{
		{"all closed is healthy", nil, http.StatusOK, "healthy"},
		{"hubspot open is degraded", []string{resilience.HubSpot}, http.StatusServiceUnavailable, "degraded"},
		{"explorium open is degraded", []string{resilience.Explorium}, http.StatusServiceUnavailable, "degraded"},
		{"only lemlist open stays healthy", []string{resilience.Lemlist}, http.StatusOK, "healthy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestAPI(t)
			for _, svc := range tt.open {
				a.breaker(svc).ForceOpen()
			}
			out := a.send("GET", "/health", "").wantStatus(tt.wantStatus).object()
			if got := out["status"]; got != tt.want {
				t.Errorf("status = %v, want %v", got, tt.want)
			}
			circuits, _ := out["circuits"].(map[string]any)
			for _, svc := range resilience.Services {
				c, _ := circuits[resilience.CircuitName(svc)].(map[string]any)
				want := "CLOSED"
				if len(tt.open) > 0 && tt.open[0] == svc {
					want = "OPEN"
				}
				if got := c["state"]; got != want {
					t.Errorf("circuits[%s].state = %v, want %v", resilience.CircuitName(svc), got, want)
				}
			}
		})
	}
}

func TestHealthDetailed(t *testing.T) {
	a := newTestAPI(t)
	target := "/api/contacts/" + a.sb.Data.People[0].HubSpotID
	a.send("GET", target, "").wantStatus(http.StatusOK) // MISS: one HubSpot call
	a.send("GET", target, "").wantStatus(http.StatusOK) // HIT

	out := a.send("GET", "/health/detailed", "").wantStatus(http.StatusOK).object()
	circuits, _ := out["circuits"].([]any)
	if got, want := len(circuits), len(resilience.Services); got != want {
		t.Fatalf("%d circuits, want %d", got, want)
	}
	hs := circuits[0].(map[string]any)
	if got, want := hs["name"], "hubspot-circuit"; got != want {
		t.Fatalf("circuits[0].name = %v, want %v", got, want)
	}
	stats, _ := hs["stats"].(map[string]any)
	for k, want := range map[string]float64{"fires": 1, "successes": 1, "failures": 0, "cacheHits": 1, "cacheMisses": 1} {
		if got := stats[k]; got != want {
			t.Errorf("stats.%s = %v, want %v", k, got, want)
		}
	}
	metrics, _ := hs["metrics"].(map[string]any)
	for k, want := range map[string]float64{"errorRate": 0, "successRate": 100, "cacheHitRate": 50} {
		if got := metrics[k]; got != want {
			t.Errorf("metrics.%s = %v, want %v", k, got, want)
		}
	}
	lat, _ := hs["latency"].(map[string]any)
	pct, _ := lat["percentiles"].(map[string]any)
	p50, _ := pct["p50"].(float64)
	p99, _ := pct["p99"].(float64)
	if p50 <= 0 || p99 < p50 {
		t.Errorf("latency = %v, want 0 < p50 ≤ p99 after one call", lat)
	}
	overall, _ := out["overall"].(map[string]any)
	if got, want := overall["totalRequests"], float64(1); got != want {
		t.Errorf("overall.totalRequests = %v, want %v", got, want)
	}

	t.Run("any open circuit is 503", func(t *testing.T) {
		a := a.in(t)
		a.breaker(resilience.Lemlist).ForceOpen()
		out := a.send("GET", "/health/detailed", "").wantStatus(http.StatusServiceUnavailable).object()
		if got, want := out["status"], "degraded"; got != want {
			t.Errorf("status = %v, want %v", got, want)
		}
	})
}

func TestHealthReady(t *testing.T) {
	tests := []struct {
		name           string
		requireClosed  bool
		open, draining bool
		wantStatus     int
		wantReason     string
	}{
		{"closed circuits are ready", true, false, false, http.StatusOK, ""},
		{"open circuit is ready by default", false, true, false, http.StatusOK, ""},
		{"open circuit is not ready when required closed", true, true, false, http.StatusServiceUnavailable, "hubspot-circuit"},
		{"draining is not ready", false, false, true, http.StatusServiceUnavailable, "shutting down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestAPI(t, withDeps(func(d *Deps) { d.ReadyRequiresClosedCircuits = tt.requireClosed }))
			if tt.open {
				a.breaker(resilience.HubSpot).ForceOpen()
			}
			if tt.draining {
				a.life.Drain()
			}
			out := a.send("GET", "/health/ready", "").wantStatus(tt.wantStatus).object()
			if got, want := out["ready"], tt.wantStatus == http.StatusOK; got != want {
				t.Errorf("ready = %v, want %v", got, want)
			}
			if reason, _ := out["reason"].(string); !strings.Contains(reason, tt.wantReason) || (tt.wantReason == "") != (reason == "") {
				t.Errorf("reason = %q, want it to name %q", reason, tt.wantReason)
			}
		})
	}
}

func TestHealthLive(t *testing.T) {
	a := newTestAPI(t)
	a.breaker(resilience.HubSpot).ForceOpen()
	out := a.send("GET", "/health/live", "").wantStatus(http.StatusOK).object()
	if got, want := out["alive"], true; got != want {
		t.Errorf("alive = %v, want %v", got, want)
	}
}

func TestMetricsAndDocumentRoutes(t *testing.T) {
	a := newTestAPI(t)
	a.send("GET", "/api/contacts/"+a.sb.Data.People[0].HubSpotID, "").wantStatus(http.StatusOK)
	metrics := a.send("GET", "/metrics", "").wantStatus(http.StatusOK).Body.String()
	for _, name := range []string{`circuit_breaker_state{circuit_name="hubspot-circuit"}`, `cache_misses_total{service="hubspot"}`,
		`http_requests_total{method="GET",route="/api/contacts/:id",status="200"}`} {
		if !strings.Contains(metrics, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	a.send("GET", "/openapi.json", "").wantStatus(http.StatusOK)
}
