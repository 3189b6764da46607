package handlers

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/salesautomation/api/internal/clients/explorium/exploriumtest"
	"github.com/salesautomation/api/internal/clients/faults"
	"github.com/salesautomation/api/internal/resilience"
)

func TestEnrichCompanyAndPerson(t *testing.T) {
	a := newTestAPI(t)
	p := a.sb.Data.People[0]
	tests := []struct {
		name, target, body, idField string
	}{
		{"company by domain", "/api/enrichment/company", `{"domain":"https://www.` + p.Company.Domain + `/about"}`, "business_id"},
		{"person by email", "/api/enrichment/person", `{"email":"` + p.Email + `","name":"` + p.FullName() + `"}`, "prospect_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := a.in(t)
			first := a.send("POST", tt.target, tt.body).wantStatus(http.StatusOK)
			out := first.object()
			if got, want := out["_enriched"], true; got != want {
				t.Errorf("_enriched = %v, want %v: %v", got, want, out)
			}
			if id, _ := out[tt.idField].(string); id == "" {
				t.Errorf("%s missing: %v", tt.idField, out)
			}
			if got, want := first.Header().Get("X-Cache"), "MISS"; got != want {
				t.Errorf("first X-Cache = %q, want %q", got, want)
			}
			calls := a.sb.Explorium.Counter().Total()
			second := a.send("POST", tt.target, tt.body).wantStatus(http.StatusOK)
			if got, want := second.Header().Get("X-Cache"), "HIT"; got != want {
				t.Errorf("second X-Cache = %q, want %q", got, want)
			}
			if got := a.sb.Explorium.Counter().Total(); got != calls {
				t.Errorf("a HIT made %d Explorium calls", got-calls)
			}
		})
	}
}

func TestEnrichDefaultFallback(t *testing.T) {
	a := newTestAPI(t)
	a.sb.Explorium.Faults().Set(faults.Fault{Status: http.StatusServiceUnavailable})
	p := a.sb.Data.People[0]
	for _, tt := range []struct{ name, target, body string }{
		{"company", "/api/enrichment/company", `{"domain":"` + p.Company.Domain + `"}`},
		{"person", "/api/enrichment/person", `{"email":"` + p.Email + `"}`},
	} {
		t.Run(tt.name+" answers the default with 200", func(t *testing.T) {
			a := a.in(t)
			out := a.send("POST", tt.target, tt.body).wantStatus(http.StatusOK).object()
			for k, want := range map[string]any{"enriched": false, "_fallback": true, "_source": "default",
				"error": "Enrichment service temporarily unavailable"} {
				if got := out[k]; got != want {
					t.Errorf("%s = %v, want %v", k, got, want)
				}
			}
		})
	}
}

func TestEnrichCompanyStaleCopy(t *testing.T) {
	a := newTestAPI(t)
	body := `{"domain":"` + a.sb.Data.People[0].Company.Domain + `"}`
	a.send("POST", "/api/enrichment/company", body).wantStatus(http.StatusOK)
	a.clock.Advance(a.breaker(resilience.Explorium).Settings().CacheTTL + time.Minute)
	a.sb.Explorium.Faults().Set(faults.Fault{Status: http.StatusBadGateway})

	r := a.send("POST", "/api/enrichment/company", body).wantStatus(http.StatusOK)
	if got, want := r.Header().Get("X-Cache"), "STALE"; got != want {
		t.Errorf("X-Cache = %q, want %q", got, want)
	}
	out := r.object()
	for k, want := range map[string]any{"_enriched": true, "_fallback": true, "_cached": true, "_source": "cache"} {
		if got := out[k]; got != want {
			t.Errorf("%s = %v, want %v", k, got, want)
		}
	}
}

func TestEnrichBatch(t *testing.T) {
	a := newTestAPI(t)
	ppl := a.sb.Data.People
	items := []map[string]string{
		{"type": "company", "domain": ppl[0].Company.Domain},
		{"type": "person", "email": ppl[1].Email},
		{"type": "company", "domain": ppl[5].Company.Domain},
		{"type": "person", "email": ppl[7].Email},
	}
	body, _ := json.Marshal(map[string]any{"items": items})
	r := a.send("POST", "/api/enrichment/batch", string(body)).wantStatus(http.StatusOK)
	var out struct{ Results []json.RawMessage }
	if err := json.Unmarshal(r.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if got, want := len(out.Results), len(items); got != want {
		t.Fatalf("%d results, want %d", got, want)
	}
	// Each result is what the single route answers for its item, so the
	// order and the shape are both checked (the single answers are HITs).
	for i, it := range items {
		single := map[string]string{}
		for k, v := range it {
			if k != "type" {
				single[k] = v
			}
		}
		sj, _ := json.Marshal(single)
		s := a.send("POST", "/api/enrichment/"+it["type"], string(sj)).wantStatus(http.StatusOK)
		if got, want := string(out.Results[i]), s.Body.String(); got != want {
			t.Errorf("results[%d] = %s, want the single answer %s", i, got, want)
		}
	}
}

func TestEnrichBatchItemDegradesAlone(t *testing.T) {
	a := newTestAPI(t)
	a.sb.Explorium.Faults().Set(faults.Fault{Status: http.StatusServiceUnavailable, Route: "/v1/prospects"})
	ppl := a.sb.Data.People
	body := `{"items":[{"type":"company","domain":"` + ppl[0].Company.Domain + `"},` +
		`{"type":"person","email":"` + ppl[1].Email + `"},{"type":"company","domain":"` + ppl[5].Company.Domain + `"}]}`
	var out struct{ Results []map[string]any }
	if err := json.Unmarshal(a.send("POST", "/api/enrichment/batch", body).wantStatus(http.StatusOK).Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Results) != 3 {
		t.Fatalf("results = %v", out.Results)
	}
	for i, want := range []bool{true, false, true} {
		if got := out.Results[i]["_enriched"]; got != want {
			t.Errorf("results[%d]._enriched = %v, want %v", i, got, want)
		}
	}
	if got, want := out.Results[1]["_fallback"], true; got != want {
		t.Errorf("failed item _fallback = %v, want %v", got, want)
	}
	if a.sb.Explorium.Requests(exploriumtest.RouteMatchProspects) == 0 {
		t.Error("the person item never reached Explorium")
	}
}

func TestContactEnrichPartial(t *testing.T) {
	tests := []struct {
		name  string
		fault faults.Fault
	}{
		{"Explorium failing", faults.Fault{Status: http.StatusServiceUnavailable}},
		{"Explorium slower than ENRICH_TIMEOUT", faults.Fault{Latency: 500 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestAPI(t, withDeps(func(d *Deps) { d.EnrichTimeout = 30 * time.Millisecond }))
			a.sb.Explorium.Faults().Set(tt.fault)
			id := a.sb.Data.People[0].HubSpotID
			out := a.send("GET", "/api/contacts/"+id+"?enrich=true", "").wantStatus(http.StatusOK).object()
			for k, want := range map[string]any{"id": id, "_enriched": false, "_partial": true} {
				if got := out[k]; got != want {
					t.Errorf("%s = %v, want %v", k, got, want)
				}
			}
			if _, ok := out["enrichment"]; ok {
				t.Errorf("partial answer has enrichment: %v", out["enrichment"])
			}
		})
	}
}

func TestEnrichCircuitOpenUsesDefault(t *testing.T) {
	a := newTestAPI(t)
	a.admin("/health/circuits/explorium-circuit/open").wantStatus(http.StatusOK)
	out := a.send("POST", "/api/enrichment/company", `{"domain":"example.com"}`).wantStatus(http.StatusOK).object()
	if got, want := out["_fallback"], true; got != want {
		t.Errorf("_fallback = %v, want %v", got, want)
	}
	if got := a.sb.Explorium.Counter().Total(); got != 0 {
		t.Errorf("%d requests reached Explorium through an open circuit", got)
	}
}

// TestEnrichRetriesATransientFailure: Explorium's lookups are POSTs that only
// read, so a passing 503 is retried (EXPLORIUM_RETRY_MAX) rather than
// answered with the default fallback and counted against the circuit.
func TestEnrichRetriesATransientFailure(t *testing.T) {
	a := newTestAPI(t, withSettings("explorium", func(s *resilience.Settings) { s.RetryMax, s.Timeout = 1, 5*time.Second }))
	a.sb.Explorium.Faults().FailNext(1, http.StatusServiceUnavailable)
	p := a.sb.Data.People[0]
	out := a.send("POST", "/api/enrichment/company", `{"domain":"`+p.Company.Domain+`"}`).wantStatus(http.StatusOK).object()
	if out["_enriched"] != true || out["_fallback"] != nil {
		t.Errorf("after one 503 and a retry = %v, want the enriched answer", out)
	}
	if st := a.breaker("explorium").Stats(); st.Failures != 0 || st.Successes != 1 {
		t.Errorf("breaker stats = %+v, want one success and no failure", st)
	}
}
