package handlers

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/salesautomation/api/internal/clients/faults"
	"github.com/salesautomation/api/internal/clients/lemlist/lemlisttest"
	"github.com/salesautomation/api/internal/queue"
)

func (brokenQueue) Requeue(context.Context, string) (queue.Job, error) {
	return queue.Job{}, errors.New("dial tcp 10.0.0.9:6379: connect: connection refused")
}

// lockedBuffer collects log output written from any goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// failedLead queues a lead while the circuit is open, then lets Lemlist
// refuse it for good (400), and returns the failed job's ID.
func failedLead(t *testing.T, a *testAPI, campaignID, email string) string {
	t.Helper()
	a.admin("/health/circuits/lemlist-circuit/open").wantStatus(http.StatusOK)
	jobID := queueLead(t, a, campaignID, email)
	a.sb.Lemlist.Faults().Set(faults.Fault{Status: http.StatusBadRequest, Route: "POST /campaigns"})
	a.admin("/health/circuits/lemlist-circuit/reset").wantStatus(http.StatusOK)
	job := waitForJob(t, a, jobID, func(j map[string]any) bool { s := j["state"]; return s == "failed" || s == "delivered" })
	if job["state"] != "failed" || job["lastError"] == nil {
		t.Fatalf("job = %v, want failed with a lastError", job)
	}
	return jobID
}

// TestJobRetry: a lead Lemlist refused for good is re-queued by an operator
// once the cause is fixed, and then reaches Lemlist exactly once.
func TestJobRetry(t *testing.T) {
	logs := &lockedBuffer{}
	a := newTestAPI(t, withDeps(func(d *Deps) { d.Logger = zerolog.New(logs) }))
	cam := a.sb.Lemlist.CampaignIDs()[1]
	const email = "refused.once@example.com"
	jobID := failedLead(t, a, cam, email)
	failed := a.send("GET", "/api/jobs/"+jobID, "").wantStatus(http.StatusOK).object()

	a.send("POST", "/api/jobs/"+jobID+"/retry", "").wantStatus(http.StatusUnauthorized)
	if got := a.send("GET", "/api/jobs/"+jobID, "").object()["state"]; got != "failed" {
		t.Fatalf("state after a refused retry = %v, want failed", got)
	}

	a.sb.Lemlist.Faults().Clear()
	job := a.admin("/api/jobs/" + jobID + "/retry").wantStatus(http.StatusOK).object()
	if job["jobId"] != jobID || job["state"] != "queued" || job["attempts"] != float64(0) || job["lastError"] != failed["lastError"] {
		t.Errorf("retry answer = %v; want queued, 0 attempts, lastError %v kept", job, failed["lastError"])
	}
	job = waitForJob(t, a, jobID, func(j map[string]any) bool { s := j["state"]; return s == "delivered" || s == "failed" })
	if job["state"] != "delivered" || job["attempts"] != float64(1) {
		t.Errorf("job = %v, want delivered on its first new attempt", job)
	}
	if got := leadsInCampaign(t, a, cam, email); got != 1 {
		t.Errorf("lemlist has the lead %d times, want exactly 1", got)
	}
	if got, want := a.sb.Lemlist.Requests(lemlisttest.RouteAddLead), int64(2); got != want {
		t.Errorf("lemlist add-lead requests = %d, want %d (the refused one and the delivery)", got, want)
	}

	r := a.admin("/api/jobs/" + jobID + "/retry").wantStatus(http.StatusConflict)
	if p := r.problem(); p.Code != "job_not_failed" || !strings.Contains(p.Detail, "delivered") {
		t.Errorf("retry of a delivered job = %+v, want job_not_failed naming its state", p)
	}
	var audit []string
	for line := range strings.Lines(logs.String()) {
		if strings.Contains(line, `"admin action"`) && strings.Contains(line, jobID) {
			audit = append(audit, line)
		}
	}
	if len(audit) != 2 || !strings.Contains(audit[0], `"outcome":"requeued"`) || !strings.Contains(audit[0], `"level":"warn"`) {
		t.Errorf("audit lines = %q, want a warn line per admin retry, the first requeued", audit)
	}
	if strings.Contains(strings.Join(audit, ""), email) {
		t.Errorf("audit lines leak the payload: %q", audit)
	}
}

// TestJobRetryRefused: every way a retry is turned down, each validated
// against openapi.json by send.
func TestJobRetryRefused(t *testing.T) {
	a := newTestAPI(t)
	const unknown = "0123456789abcdef0123456789abcdef"
	a.admin("/health/circuits/lemlist-circuit/open").wantStatus(http.StatusOK)
	queued := queueLead(t, a, a.sb.Lemlist.CampaignIDs()[0], "still.queued@example.com")
	tests := []struct {
		name       string
		api        *testAPI
		auth       string
		id         string
		wantStatus int
		wantCode   string
	}{
		{"no token is 401", a, "", unknown, http.StatusUnauthorized, "unauthorized"},
		{"wrong token is 401", a, "Bearer nope", unknown, http.StatusUnauthorized, "unauthorized"},
		{"admin disabled is 403", newTestAPI(t, withDeps(func(d *Deps) { d.AdminToken = "" })), "Bearer " + testAdminToken, unknown, http.StatusForbidden, "admin_disabled"},
		{"malformed id is 400", a, "Bearer " + testAdminToken, "not.a.job", http.StatusBadRequest, "invalid_request"},
		{"unknown job is 404", a, "Bearer " + testAdminToken, unknown, http.StatusNotFound, "job_not_found"},
		{"queued job is 409", a, "Bearer " + testAdminToken, queued, http.StatusConflict, "job_not_failed"},
		{"no queue is 404", newTestAPI(t, withoutQueue()), "Bearer " + testAdminToken, unknown, http.StatusNotFound, "job_not_found"},
		{"queue down is 503", newTestAPI(t, withoutQueue(), withDeps(func(d *Deps) { d.Leads = brokenQueue{} })),
			"Bearer " + testAdminToken, unknown, http.StatusServiceUnavailable, "queue_unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.api.in(t).send("POST", "/api/jobs/"+tt.id+"/retry", "", "Authorization", tt.auth).wantStatus(tt.wantStatus)
			p := r.problem()
			if p.Code != tt.wantCode {
				t.Errorf("code = %q, want %q", p.Code, tt.wantCode)
			}
			if strings.Contains(p.Detail, "10.0.0.9") {
				t.Errorf("detail %q leaks an internal address", p.Detail)
			}
			if tt.wantStatus == http.StatusServiceUnavailable && r.Header().Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
			if tt.wantCode == "job_not_failed" && !strings.Contains(p.Detail, "queued") {
				t.Errorf("detail = %q, want it to name the state", p.Detail)
			}
		})
	}
	if got := a.send("GET", "/api/jobs/"+queued, "").wantStatus(http.StatusOK).object()["state"]; got != "queued" {
		t.Errorf("queued job is %v after refused retries, want queued", got)
	}
}
