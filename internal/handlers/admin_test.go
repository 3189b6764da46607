package handlers

import (
	"net/http"
	"testing"

	"github.com/salesautomation/api/internal/clients/faults"
	"github.com/salesautomation/api/internal/resilience"
)

func TestAdminAuth(t *testing.T) {
	tests := []struct {
		name       string
		token      string // the service's ADMIN_TOKEN
		auth       string // the request's Authorization header
		wantStatus int
		wantCode   string
	}{
		{"missing token is 401", testAdminToken, "", http.StatusUnauthorized, "unauthorized"},
		{"wrong token is 401", testAdminToken, "Bearer nope", http.StatusUnauthorized, "unauthorized"},
		{"token without Bearer is 401", testAdminToken, testAdminToken, http.StatusUnauthorized, "unauthorized"},
		{"admin disabled is 403", "", "Bearer " + testAdminToken, http.StatusForbidden, "admin_disabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestAPI(t, withDeps(func(d *Deps) { d.AdminToken = tt.token }))
			r := a.send("POST", "/health/circuits/hubspot-circuit/open", "", "Authorization", tt.auth).wantStatus(tt.wantStatus)
			if got := r.problem().Code; got != tt.wantCode {
				t.Errorf("code = %q, want %q", got, tt.wantCode)
			}
			if got, want := a.breaker(resilience.HubSpot).State(), resilience.StateClosed; got != want {
				t.Errorf("circuit state = %v, want %v: a refused request changed it", got, want)
			}
		})
	}
}

func TestAdminUnknownCircuit(t *testing.T) {
	a := newTestAPI(t)
	for _, action := range []string{"open", "reset"} {
		t.Run(action+" is 404", func(t *testing.T) {
			a := a.in(t)
			r := a.admin("/health/circuits/nope-circuit/" + action).wantStatus(http.StatusNotFound)
			if got, want := r.problem().Code, "unknown_circuit"; got != want {
				t.Errorf("code = %q, want %q", got, want)
			}
		})
	}
}

func TestAdminOpenAndReset(t *testing.T) {
	a := newTestAPI(t)
	steps := []struct {
		name, action, wantPrev, wantState string
	}{
		{"open forces it open", "open", "CLOSED", "OPEN"},
		{"open again keeps it open", "open", "OPEN", "OPEN"},
		{"reset closes it", "reset", "OPEN", "CLOSED"},
		{"reset again keeps it closed", "reset", "CLOSED", "CLOSED"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			a := a.in(t)
			out := a.admin("/health/circuits/explorium-circuit/" + st.action).wantStatus(http.StatusOK).object()
			if got := out["previousState"]; got != st.wantPrev {
				t.Errorf("previousState = %v, want %v", got, st.wantPrev)
			}
			if got := out["state"]; got != st.wantState {
				t.Errorf("state = %v, want %v", got, st.wantState)
			}
			if msg, _ := out["message"].(string); msg == "" {
				t.Error("no message")
			}
			if got := a.breaker(resilience.Explorium).State().String(); got != st.wantState {
				t.Errorf("breaker state = %v, want %v", got, st.wantState)
			}
		})
	}
}

// TestAdminResetClosesTrippedCircuit: a circuit opened by failures is closed
// by reset, and calls reach the (healed) upstream again.
func TestAdminResetClosesTrippedCircuit(t *testing.T) {
	a := newTestAPI(t)
	a.sb.HubSpot.Faults().Set(faults.Fault{Status: http.StatusInternalServerError})
	target := "/api/contacts/" + a.sb.Data.People[0].HubSpotID
	for range a.breaker(resilience.HubSpot).Settings().VolumeThreshold {
		a.send("GET", target, "").wantStatus(http.StatusServiceUnavailable)
	}
	if got, want := a.breaker(resilience.HubSpot).State(), resilience.StateOpen; got != want {
		t.Fatalf("state after failures = %v, want %v", got, want)
	}
	a.sb.HubSpot.Faults().Clear()

	out := a.admin("/health/circuits/hubspot-circuit/reset").wantStatus(http.StatusOK).object()
	if got, want := out["previousState"], "OPEN"; got != want {
		t.Errorf("previousState = %v, want %v", got, want)
	}
	if got, want := out["state"], "CLOSED"; got != want {
		t.Errorf("state = %v, want %v", got, want)
	}
	a.send("GET", target, "").wantStatus(http.StatusOK)
}
