package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/salesautomation/api/internal/clients/faults"
	"github.com/salesautomation/api/internal/clients/hubspot/hubspottest"
	"github.com/salesautomation/api/internal/resilience"
)

func TestContactGetIsCached(t *testing.T) {
	a := newTestAPI(t)
	p := a.sb.Data.People[0]
	url := "/api/contacts/" + p.HubSpotID

	first := a.send("GET", url, "").wantStatus(http.StatusOK)
	if got, want := first.Header().Get("X-Cache"), "MISS"; got != want {
		t.Errorf("first X-Cache = %q, want %q", got, want)
	}
	c := first.object()
	if got, want := c["id"], p.HubSpotID; got != want {
		t.Errorf("id = %v, want %v", got, want)
	}
	if props, _ := c["properties"].(map[string]any); props["email"] != p.Email {
		t.Errorf("properties = %v, want email %s", props, p.Email)
	}

	second := a.send("GET", url, "").wantStatus(http.StatusOK)
	if got, want := second.Header().Get("X-Cache"), "HIT"; got != want {
		t.Errorf("second X-Cache = %q, want %q", got, want)
	}
	if got, want := second.Body.String(), first.Body.String(); got != want {
		t.Errorf("HIT body = %s, want the MISS body %s", got, want)
	}
	if got, want := a.sb.HubSpot.Requests(hubspottest.RouteGet), int64(1); got != want {
		t.Errorf("HubSpot GETs = %d, want %d (a HIT must not call HubSpot)", got, want)
	}
}

func TestContactGetVariants(t *testing.T) {
	a := newTestAPI(t)
	p := a.sb.Data.People[1]
	t.Run("properties query returns those properties", func(t *testing.T) {
		a := a.in(t)
		c := a.send("GET", "/api/contacts/"+p.HubSpotID+"?properties=email,jobtitle", "").wantStatus(http.StatusOK).object()
		props, _ := c["properties"].(map[string]any)
		if got, want := props["jobtitle"], p.JobTitle; got != want {
			t.Errorf("jobtitle = %v, want %v", got, want)
		}
	})
	t.Run("enrich adds the company", func(t *testing.T) {
		a := a.in(t)
		c := a.send("GET", "/api/contacts/"+p.HubSpotID+"?enrich=true", "").wantStatus(http.StatusOK).object()
		if got, want := c["_enriched"], true; got != want {
			t.Errorf("_enriched = %v, want %v", got, want)
		}
		enr, _ := c["enrichment"].(map[string]any)
		if len(enr) == 0 {
			t.Fatalf("no enrichment in %v", c)
		}
		if _, partial := c["_partial"]; partial {
			t.Errorf("_partial set on a full answer: %v", c)
		}
	})
	t.Run("unknown contact is 404", func(t *testing.T) {
		a := a.in(t)
		r := a.send("GET", "/api/contacts/99999999999", "").wantStatus(http.StatusNotFound)
		if got, want := r.problem().Code, "not_found"; got != want {
			t.Errorf("code = %q, want %q", got, want)
		}
	})
}

func TestContactSearch(t *testing.T) {
	a := newTestAPI(t)
	tests := []struct {
		name, body string
		maxResults int
	}{
		{"empty body lists the first page", "", 100},
		{"limit caps the page", `{"limit":2}`, 2},
		{"query narrows the results", `{"query":"` + a.sb.Data.People[2].Email + `","limit":10}`, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := a.in(t)
			out := a.send("POST", "/api/contacts/search", tt.body).wantStatus(http.StatusOK).object()
			results, _ := out["results"].([]any)
			if len(results) == 0 || len(results) > tt.maxResults {
				t.Errorf("%d results, want 1..%d", len(results), tt.maxResults)
			}
			if total, _ := out["total"].(float64); int(total) < len(results) {
				t.Errorf("total = %v < %d results", out["total"], len(results))
			}
		})
	}
}

func TestContactWritesInvalidateTheCache(t *testing.T) {
	a := newTestAPI(t)
	created := a.send("POST", "/api/contacts", `{"properties":{"email":"new.person@example.com","firstname":"New"}}`).
		wantStatus(http.StatusCreated).object()
	id, _ := created["id"].(string)
	if !isDigits(id) {
		t.Fatalf("created id = %q", id)
	}
	url := "/api/contacts/" + id
	a.send("GET", url, "").wantStatus(http.StatusOK)
	if got := a.send("GET", url, "").Header().Get("X-Cache"); got != "HIT" {
		t.Fatalf("X-Cache before update = %q, want HIT", got)
	}

	updated := a.send("PATCH", url, `{"properties":{"firstname":"Renamed"}}`).wantStatus(http.StatusOK).object()
	if props, _ := updated["properties"].(map[string]any); props["firstname"] != "Renamed" {
		t.Errorf("updated properties = %v", props)
	}
	after := a.send("GET", url, "").wantStatus(http.StatusOK)
	if got, want := after.Header().Get("X-Cache"), "MISS"; got != want {
		t.Errorf("X-Cache after update = %q, want %q", got, want)
	}
	if !strings.Contains(after.Body.String(), "Renamed") {
		t.Errorf("GET after update shows the old contact: %s", after.Body.String())
	}

	if r := a.send("DELETE", url, "").wantStatus(http.StatusNoContent); r.Body.Len() != 0 {
		t.Errorf("204 with body %q", r.Body.String())
	}
	if got, want := a.send("GET", url, "").Code, http.StatusNotFound; got != want {
		t.Errorf("GET after archive = %d, want %d", got, want)
	}
}

func TestContactCreateConflict(t *testing.T) {
	a := newTestAPI(t)
	p := a.sb.Data.People[3]
	r := a.send("POST", "/api/contacts", `{"properties":{"email":"`+p.Email+`"}}`).wantStatus(http.StatusConflict)
	pr := r.problem()
	if got, want := pr.Code, "contact_exists"; got != want {
		t.Errorf("code = %q, want %q", got, want)
	}
	if got, want := pr.ExistingID, p.HubSpotID; got != want || !strings.Contains(pr.Detail, want) {
		t.Errorf("existingId = %q, detail %q, want %s in both", got, pr.Detail, want)
	}
}

func TestContactCreateIdempotency(t *testing.T) {
	a := newTestAPI(t)
	body := `{"properties":{"email":"idem@example.com"}}`
	first := a.send("POST", "/api/contacts", body, "Idempotency-Key", "k-1").wantStatus(http.StatusCreated)
	if got := first.Header().Get("Idempotent-Replayed"); got != "" {
		t.Errorf("first answer Idempotent-Replayed = %q, want none", got)
	}
	t.Run("same key and body replays the answer", func(t *testing.T) {
		a := a.in(t)
		again := a.send("POST", "/api/contacts", body, "Idempotency-Key", "k-1").wantStatus(http.StatusCreated)
		if got, want := again.Body.String(), first.Body.String(); got != want {
			t.Errorf("replay = %s, want %s", got, want)
		}
		if got, want := again.Header().Get("Idempotent-Replayed"), "true"; got != want {
			t.Errorf("Idempotent-Replayed = %q, want %q", got, want)
		}
		if got, want := a.sb.HubSpot.Requests(hubspottest.RouteCreate), int64(1); got != want {
			t.Errorf("HubSpot creates = %d, want %d", got, want)
		}
	})
	t.Run("same key with another body is 422", func(t *testing.T) {
		a := a.in(t)
		r := a.send("POST", "/api/contacts", `{"properties":{"email":"other@example.com"}}`, "Idempotency-Key", "k-1")
		r.wantStatus(http.StatusUnprocessableEntity)
		if got, want := r.problem().Code, "idempotency_key_reused"; got != want {
			t.Errorf("code = %q, want %q", got, want)
		}
		if got, want := a.sb.HubSpot.Requests(hubspottest.RouteCreate), int64(1); got != want {
			t.Errorf("HubSpot creates = %d, want %d", got, want)
		}
	})
}

func TestContactUpstreamRateLimit(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter time.Duration
		want       string
	}{
		{"upstream Retry-After passes through", 3 * time.Second, "3"},
		{"no upstream Retry-After means 1", 0, "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestAPI(t)
			a.sb.HubSpot.Faults().Set(faults.Fault{RateLimit: true, RetryAfter: tt.retryAfter})
			r := a.send("GET", "/api/contacts/"+a.sb.Data.People[0].HubSpotID, "").wantStatus(http.StatusTooManyRequests)
			if got := r.Header().Get("Retry-After"); got != tt.want {
				t.Errorf("Retry-After = %q, want %q", got, tt.want)
			}
			if got, want := r.problem().RetryAfter, tt.want; strconv.Itoa(got) != want {
				t.Errorf("retryAfter = %d, want %s", got, want)
			}
		})
	}
}

// TestContactCreateIdempotencyKeepsFinalAnswers: a 4xx is replayed like a
// success; a 503 is not kept, so a retry with the same key tries again.
func TestContactCreateIdempotencyKeepsFinalAnswers(t *testing.T) {
	a := newTestAPI(t)
	t.Run("conflict is replayed", func(t *testing.T) {
		a := a.in(t)
		p := a.sb.Data.People[4]
		body := `{"properties":{"email":"` + p.Email + `"}}`
		first := a.send("POST", "/api/contacts", body, "Idempotency-Key", "dup").wantStatus(http.StatusConflict)
		again := a.send("POST", "/api/contacts", body, "Idempotency-Key", "dup").wantStatus(http.StatusConflict)
		if got, want := again.problem().ExistingID, first.problem().ExistingID; got != want || got != p.HubSpotID {
			t.Errorf("replayed existingId = %q, first %q, want %s", got, want, p.HubSpotID)
		}
		if got, want := again.Header().Get("Idempotent-Replayed"), "true"; got != want {
			t.Errorf("Idempotent-Replayed = %q, want %q", got, want)
		}
	})
	t.Run("open circuit is not kept", func(t *testing.T) {
		a := a.in(t)
		body := `{"properties":{"email":"later@example.com"}}`
		a.breaker(resilience.HubSpot).ForceOpen()
		r := a.send("POST", "/api/contacts", body, "Idempotency-Key", "later").wantStatus(http.StatusServiceUnavailable)
		if r.Header().Get("Retry-After") == "" {
			t.Error("503 without Retry-After")
		}
		a.breaker(resilience.HubSpot).Reset()
		before := a.sb.HubSpot.Requests(hubspottest.RouteCreate)
		a.send("POST", "/api/contacts", body, "Idempotency-Key", "later").wantStatus(http.StatusCreated)
		if got, want := a.sb.HubSpot.Requests(hubspottest.RouteCreate)-before, int64(1); got != want {
			t.Errorf("HubSpot creates after reset = %d, want %d", got, want)
		}
	})
}

func TestContactWriteUnknownID(t *testing.T) {
	a := newTestAPI(t)
	r := a.send("PATCH", "/api/contacts/99999999999", `{"properties":{"firstname":"A"}}`).wantStatus(http.StatusNotFound)
	if got, want := r.problem().Code, "not_found"; got != want {
		t.Errorf("code = %q, want %q", got, want)
	}
}
