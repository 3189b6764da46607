package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/salesautomation/api/internal/clients/faults"
	"github.com/salesautomation/api/internal/clients/lemlist"
	"github.com/salesautomation/api/internal/clients/lemlist/lemlisttest"
	"github.com/salesautomation/api/internal/queue"
	"github.com/salesautomation/api/internal/resilience"
)

func TestCampaignList(t *testing.T) {
	a := newTestAPI(t)
	out := a.send("GET", "/api/campaigns", "").wantStatus(http.StatusOK).object()
	list, _ := out["campaigns"].([]any)
	if got, want := len(list), len(a.sb.Lemlist.CampaignIDs()); got != want {
		t.Fatalf("%d campaigns, want %d", got, want)
	}
	for i, c := range list {
		if got, want := c.(map[string]any)["_id"], a.sb.Lemlist.CampaignIDs()[i]; got != want {
			t.Errorf("campaigns[%d]._id = %v, want %v", i, got, want)
		}
	}
}

func TestLeadAdd(t *testing.T) {
	a := newTestAPI(t)
	cam := a.sb.Lemlist.CampaignIDs()[0]
	t.Run("new lead is 201", func(t *testing.T) {
		a := a.in(t)
		out := a.send("POST", "/api/campaigns/"+cam+"/leads", `{"email":"fresh@example.com","firstName":"Fresh","plan":"pro"}`).
			wantStatus(http.StatusCreated).object()
		if got, want := out["email"], "fresh@example.com"; got != want {
			t.Errorf("email = %v, want %v", got, want)
		}
		if got := leadsInCampaign(t, a, cam, "fresh@example.com"); got != 1 {
			t.Errorf("lemlist has the lead %d times, want 1", got)
		}
	})
	t.Run("lead already in the campaign is 409", func(t *testing.T) {
		a := a.in(t)
		r := a.send("POST", "/api/campaigns/"+cam+"/leads", `{"email":"`+a.sb.Data.People[0].Email+`"}`).
			wantStatus(http.StatusConflict)
		if got, want := r.problem().Code, "lead_exists"; got != want {
			t.Errorf("code = %q, want %q", got, want)
		}
	})
	t.Run("unknown job is 404", func(t *testing.T) {
		a := a.in(t)
		r := a.send("GET", "/api/jobs/0123456789abcdef0123456789abcdef", "").wantStatus(http.StatusNotFound)
		if got, want := r.problem().Code, "job_not_found"; got != want {
			t.Errorf("code = %q, want %q", got, want)
		}
	})
}

// TestLeadQueuedWhileLemlistFails: a lead Lemlist cannot take is accepted
// (202), retried by the worker and delivered once Lemlist heals.
func TestLeadQueuedWhileLemlistFails(t *testing.T) {
	a := newTestAPI(t, withSettings(resilience.Lemlist, func(s *resilience.Settings) { s.VolumeThreshold = 1000 }))
	a.sb.Lemlist.Faults().Set(faults.Fault{Status: http.StatusServiceUnavailable})
	cam := a.sb.Lemlist.CampaignIDs()[1]
	jobID := queueLead(t, a, cam, "queued@example.com")

	job := waitForJob(t, a, jobID, func(j map[string]any) bool { return j["state"] == "retrying" })
	if msg, _ := job["lastError"].(string); msg == "" {
		t.Errorf("retrying job has no lastError: %v", job)
	}
	a.sb.Lemlist.Faults().Clear()
	job = waitForJob(t, a, jobID, func(j map[string]any) bool { return j["state"] == "delivered" })
	if n, _ := job["attempts"].(float64); n < 2 {
		t.Errorf("attempts = %v, want at least 2 (one failed, one delivered)", job["attempts"])
	}
	if got := leadsInCampaign(t, a, cam, "queued@example.com"); got != 1 {
		t.Errorf("lemlist has the lead %d times, want exactly 1", got)
	}
}

// TestLeadQueuedWhileCircuitOpen: with the circuit open nothing reaches
// Lemlist; after a reset the worker delivers with exactly one request.
func TestLeadQueuedWhileCircuitOpen(t *testing.T) {
	a := newTestAPI(t)
	a.admin("/health/circuits/lemlist-circuit/open").wantStatus(http.StatusOK)
	cam := a.sb.Lemlist.CampaignIDs()[1]
	jobID := queueLead(t, a, cam, "held@example.com")
	job := a.send("GET", "/api/jobs/"+jobID, "").wantStatus(http.StatusOK).object()
	if got, want := job["state"], "queued"; got != want {
		t.Errorf("state while open = %v, want %v", got, want)
	}
	if got := a.sb.Lemlist.Requests(lemlisttest.RouteAddLead); got != 0 {
		t.Fatalf("%d requests reached lemlist through an open circuit", got)
	}

	a.admin("/health/circuits/lemlist-circuit/reset").wantStatus(http.StatusOK)
	job = waitForJob(t, a, jobID, func(j map[string]any) bool { return j["state"] == "delivered" })
	if got, want := job["attempts"], float64(1); got != want {
		t.Errorf("attempts = %v, want %v", got, want)
	}
	if got, want := a.sb.Lemlist.Requests(lemlisttest.RouteAddLead), int64(1); got != want {
		t.Errorf("lemlist add-lead requests = %d, want %d", got, want)
	}
}

// queueLead posts a lead that must be queued and returns its job ID.
func queueLead(t *testing.T, a *testAPI, campaignID, email string) string {
	t.Helper()
	r := a.send("POST", "/api/campaigns/"+campaignID+"/leads", `{"email":"`+email+`"}`).wantStatus(http.StatusAccepted)
	out := r.object()
	jobID, _ := out["jobId"].(string)
	for k, want := range map[string]any{"queued": true, "_fallback": true, "_source": "queue"} {
		if got := out[k]; got != want {
			t.Errorf("%s = %v, want %v", k, got, want)
		}
	}
	if got, want := r.Header().Get("Location"), "/api/jobs/"+jobID; jobID == "" || got != want {
		t.Fatalf("Location = %q, want %q", got, want)
	}
	return jobID
}

// waitForJob polls GET /api/jobs/:id until done accepts the job, for at most 5 s.
func waitForJob(t *testing.T, a *testAPI, id string, done func(map[string]any) bool) map[string]any {
	t.Helper()
	var job map[string]any
	waitFor(t, 5*time.Second, "job "+id, func() bool {
		job = a.send("GET", "/api/jobs/"+id, "").wantStatus(http.StatusOK).object()
		return done(job)
	})
	return job
}

// leadsInCampaign asks the fake Lemlist directly how often email is in the campaign.
func leadsInCampaign(t *testing.T, a *testAPI, campaignID, email string) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET",
		a.sb.LemlistURL+"/leads/"+url.PathEscape(email)+"?version=v2&campaignId="+campaignID, nil)
	req.SetBasicAuth("", a.sb.LemlistAPIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return 0
	}
	var entries []json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&entries); err != nil {
		t.Fatalf("lead lookup %d: %v", resp.StatusCode, err)
	}
	return len(entries)
}

func TestLeadAddUpstreamAnswers(t *testing.T) {
	tests := []struct {
		name       string
		campaign   string // "" means a seeded one
		fault      faults.Fault
		wantStatus int
	}{
		{"unknown campaign is 404", "cam_Unknown000", faults.Fault{}, http.StatusNotFound},
		{"rate-limited lemlist queues the lead", "", faults.Fault{RateLimit: true, RetryAfter: time.Second}, http.StatusAccepted},
		{"lemlist 500 queues the lead", "", faults.Fault{Status: http.StatusInternalServerError}, http.StatusAccepted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestAPI(t, withSettings(resilience.Lemlist, func(s *resilience.Settings) { s.VolumeThreshold = 1000 }))
			a.sb.Lemlist.Faults().Set(tt.fault)
			cam := tt.campaign
			if cam == "" {
				cam = a.sb.Lemlist.CampaignIDs()[2]
			}
			r := a.send("POST", "/api/campaigns/"+cam+"/leads", `{"email":"someone@example.com"}`).wantStatus(tt.wantStatus)
			if tt.wantStatus >= 400 {
				r.problem()
			}
		})
	}
}

func TestCampaignListCircuitOpen(t *testing.T) {
	a := newTestAPI(t)
	a.breaker(resilience.Lemlist).ForceOpen()
	r := a.send("GET", "/api/campaigns", "").wantStatus(http.StatusServiceUnavailable)
	if got, want := r.problem().Code, "circuit_open"; got != want {
		t.Errorf("code = %q, want %q", got, want)
	}
	if got := a.sb.Lemlist.Counter().Total(); got != 0 {
		t.Errorf("%d requests reached lemlist", got)
	}
}

// TestQueuedLeadAlreadyInCampaignCountsAsDelivered: API.md: "for a queued
// job it counts as delivered".
func TestQueuedLeadAlreadyInCampaignCountsAsDelivered(t *testing.T) {
	a := newTestAPI(t)
	a.breaker(resilience.Lemlist).ForceOpen()
	jobID := queueLead(t, a, a.sb.Lemlist.CampaignIDs()[0], a.sb.Data.People[0].Email)
	a.breaker(resilience.Lemlist).Reset()
	job := waitForJob(t, a, jobID, func(j map[string]any) bool { s := j["state"]; return s == "delivered" || s == "failed" })
	if got, want := job["state"], "delivered"; got != want {
		t.Errorf("state = %v, want %v (lastError %v)", got, want, job["lastError"])
	}
}

// TestLeadRefusedWithoutDurableQueue: without a durable queue (no REDIS_URL
// outside sandbox mode) a lead Lemlist cannot take now is refused with 503 and
// Retry-After, never answered 202 with a promise nothing keeps.
func TestLeadRefusedWithoutDurableQueue(t *testing.T) {
	a := newTestAPI(t, withoutQueue())
	a.sb.Lemlist.Faults().Set(faults.Fault{Status: http.StatusServiceUnavailable})
	cam := a.sb.Lemlist.CampaignIDs()[0]
	r := a.send("POST", "/api/campaigns/"+cam+"/leads", `{"email":"not.queued@example.com"}`).wantStatus(http.StatusServiceUnavailable)
	if r.Header().Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	a.send("GET", "/api/jobs/0123456789abcdef0123456789abcdef", "").wantStatus(http.StatusNotFound)
}

// TestQueuedLeadClassification: what a delivery attempt's outcome means for
// the job. A refused key must not fail every accepted lead at once.
func TestQueuedLeadClassification(t *testing.T) {
	d := LeadDelivery{}
	tests := []struct {
		name string
		err  error
		want queue.Outcome
	}{
		{"delivered", nil, queue.Delivered},
		{"already in the campaign", &lemlist.Error{StatusCode: 400, Message: "Lead already in the campaign"}, queue.Delivered},
		{"lemlist down", &lemlist.Error{StatusCode: 503}, queue.Retry},
		{"rate limited", &lemlist.Error{StatusCode: 429}, queue.Retry},
		{"circuit open", &resilience.OpenError{Circuit: "lemlist-circuit", RetryAfter: time.Second}, queue.Retry},
		{"key refused", &lemlist.Error{StatusCode: 401, Message: "Unauthorized"}, queue.Retry},
		{"invalid lead", &lemlist.Error{StatusCode: 400, Message: "Invalid email"}, queue.Fail},
		{"unknown campaign", &lemlist.Error{StatusCode: 404}, queue.Fail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.err != nil {
				err = &deliveryError{tt.err}
			}
			if got := d.Classify(err); got != tt.want {
				t.Errorf("Classify(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
	safe := (&deliveryError{&serviceError{service: "lemlist", err: errors.New("dial tcp 10.1.2.3:443: connect: connection refused")}}).Error()
	if strings.Contains(safe, "10.1.2.3") {
		t.Errorf("lastError shown to clients = %q, leaks an internal address", safe)
	}
}

// brokenQueue is a lead queue whose store (Redis) is down.
type brokenQueue struct{}

func (brokenQueue) Enqueue(context.Context, []byte) (queue.Job, error) {
	return queue.Job{}, errors.New("dial tcp 10.0.0.9:6379: connect: connection refused")
}

func (brokenQueue) Get(context.Context, string) (queue.Job, bool, error) {
	return queue.Job{}, false, errors.New("dial tcp 10.0.0.9:6379: connect: connection refused")
}

// TestLeadRefusedWhenTheQueueIsDown: Lemlist and Redis both down → the lead
// is refused (503 queue_unavailable, Retry-After), not accepted and lost.
func TestLeadRefusedWhenTheQueueIsDown(t *testing.T) {
	a := newTestAPI(t, withoutQueue(), withDeps(func(d *Deps) { d.Leads = brokenQueue{} }))
	a.sb.Lemlist.Faults().Set(faults.Fault{Status: http.StatusServiceUnavailable})
	cam := a.sb.Lemlist.CampaignIDs()[0]
	r := a.send("POST", "/api/campaigns/"+cam+"/leads", `{"email":"lost@example.com"}`).wantStatus(http.StatusServiceUnavailable)
	if p := r.problem(); p.Code != "queue_unavailable" || r.Header().Get("Retry-After") == "" || strings.Contains(p.Detail, "10.0.0.9") {
		t.Errorf("problem = %+v (Retry-After %q), want queue_unavailable with Retry-After and no address", p, r.Header().Get("Retry-After"))
	}
	r = a.send("GET", "/api/jobs/0123456789abcdef0123456789abcdef", "").wantStatus(http.StatusServiceUnavailable)
	if p := r.problem(); p.Code != "queue_unavailable" {
		t.Errorf("job lookup problem = %+v, want queue_unavailable", p)
	}
}
