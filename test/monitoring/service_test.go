package monitoring

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// circuits are the contract's circuit names (API.md section 4).
var circuits = []string{"explorium-circuit", "hubspot-circuit", "lemlist-circuit"}

// mainPanels are the dashboard panels that must show one series per circuit once
// the service has served traffic: if one comes back empty, operators see "No data"
// exactly when they need the panel.
var mainPanels = []string{"Circuit Breaker States", "Request Rate by Circuit", "Error Rate"}

// TestServiceEndToEnd builds ./cmd/api, runs it in sandbox mode, opens the hubspot
// circuit through the sandbox's fault injection, and evaluates every alert and
// dashboard expression against a real Prometheus scraping it.
func TestServiceEndToEnd(t *testing.T) {
	bin := requirePrometheus(t)
	base := startService(t)
	prom := startPrometheus(t, bin, []string{strings.TrimPrefix(base, "http://")})
	eventually(t, 10*time.Second, "first scrape of the service", func() (bool, string) {
		s, err := prom.query(`up{job="sales-auto-api"} == 1`)
		return err == nil && len(s) == 1, fmt.Sprint(s, err)
	})

	// Some healthy traffic through every circuit, so that each has fired.
	for i := range 3 {
		call(t, base, http.MethodGet, fmt.Sprintf("/api/contacts/%d", i+1), "")
		call(t, base, http.MethodGet, "/api/campaigns", "")
		call(t, base, http.MethodPost, "/api/enrichment/company", fmt.Sprintf(`{"domain":"example%d.com"}`, i))
	}

	// Make the fake HubSpot fail until the circuit opens (no need to heal it: the
	// process is stopped at the end). Fresh ids each time: a cached contact would be
	// served without calling HubSpot.
	if status, body := call(t, base, http.MethodPost, "/sandbox/faults/hubspot", `{"errorRate": 1.0, "status": 503}`); status/100 != 2 {
		t.Fatalf("POST /sandbox/faults/hubspot: %d %s", status, body)
	}
	opened := false
	for i := range 40 {
		call(t, base, http.MethodGet, fmt.Sprintf("/api/contacts/%d", 1000+i), "")
		if _, metrics := call(t, base, http.MethodGet, "/metrics", ""); strings.Contains(metrics, `circuit_breaker_state{circuit_name="hubspot-circuit"} 2`) {
			opened = true
			break
		}
	}
	if !opened {
		t.Fatal(`hubspot-circuit did not open after 40 failing calls (want circuit_breaker_state{circuit_name="hubspot-circuit"} 2 on /metrics)`)
	}
	eventually(t, 15*time.Second, "Prometheus sees the open circuit and the failure rate", func() (bool, string) {
		open, err := prom.query(`circuit_breaker_state{circuit_name="hubspot-circuit"} == 2`)
		if err != nil || len(open) == 0 {
			return false, fmt.Sprint("state: ", open, err)
		}
		failing, err := prom.query(`rate(circuit_breaker_failure_total{circuit_name="hubspot-circuit"}[1m]) > 0`)
		return err == nil && len(failing) > 0, fmt.Sprint("failure rate: ", failing, err,
			" (a counter first exported only at its first increment loses those increments to rate():"+
				" export every circuit_name at 0 at start-up)")
	})

	// Every rule evaluates cleanly against the real series.
	rules := checkRulesHealthy(t, prom)
	for _, r := range rules {
		if r.Name != "CircuitBreakerOpen" {
			continue
		}
		got, err := prom.query(r.Query)
		if err != nil || !slices.Contains(circuitNames(got), "hubspot-circuit") {
			t.Errorf("CircuitBreakerOpen's expression %q = %v (%v), want a hubspot-circuit series", r.Query, got, err)
		}
	}

	// Every dashboard expression parses; the main ones show all three circuits.
	for _, e := range dashboardExpressions(t) {
		got, err := prom.query(e.expr)
		if err != nil {
			t.Errorf("%s: %v\n  expr: %s", e.where, err, e.expr)
			continue
		}
		title := e.where[strings.Index(e.where, ": ")+2:]
		if slices.Contains(mainPanels, title) {
			if names := circuitNames(got); !slices.Equal(names, circuits) {
				t.Errorf("%s: series for circuits %v, want %v (a counter that has not fired yet must still be exported at 0 for every circuit_name)\n  expr: %s", e.where, names, circuits, e.expr)
			}
		}
	}
	opens, err := prom.query(`circuit_breaker_opens_total{circuit_name="hubspot-circuit"} >= 1`)
	if err != nil || len(opens) == 0 {
		t.Errorf("circuit_breaker_opens_total for hubspot-circuit: %v (%v), want >= 1", opens, err)
	}
	routes, err := prom.query(`sum by (route) (http_requests_total)`)
	if err != nil || len(routes) == 0 {
		t.Errorf("http_requests_total: %v (%v), want series per route", routes, err)
	}
}

// startService builds ./cmd/api and runs it in sandbox mode on a free port, with
// warm-up and retries off so that the hubspot circuit opens within a few calls.
// It returns the base URL.
func startService(t *testing.T) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "api")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", exe, "./cmd/api")
	build.Dir = repoRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/api: %v\n%s", err, out)
	}
	port := freePort(t)
	cmd := exec.CommandContext(t.Context(), exe)
	cmd.Env = append(os.Environ(), // later entries win over inherited ones
		"SANDBOX=true",
		fmt.Sprintf("PORT=%d", port),
		"REDIS_URL=",
		"LOG_LEVEL=warn",
		"ADMIN_TOKEN=",
	)
	for _, svc := range []string{"HUBSPOT", "LEMLIST", "EXPLORIUM"} {
		cmd.Env = append(cmd.Env, svc+"_ALLOW_WARM_UP=false", svc+"_RETRY_MAX=0")
	}
	exited := startProcess(t, "api", cmd)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitHTTP(t, "api", base+"/health/live", exited, 20*time.Second)
	return base
}

// call sends one request and returns the status and body; a transport error fails
// the test, any status is the caller's to judge.
func call(t *testing.T, base, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// circuitNames returns the sorted, distinct circuit_name labels of samples.
func circuitNames(samples []sample) []string {
	var names []string
	for _, s := range samples {
		if n := s.Metric["circuit_name"]; n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}
