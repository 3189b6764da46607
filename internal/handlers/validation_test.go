package handlers

import (
	"net/http"
	"strings"
	"testing"
)

// TestBadInputNeverReachesAnUpstream: every bad input is a 400 (413 for an
// oversize body) whose detail names the field, and no fake sees a request.
func TestBadInputNeverReachesAnUpstream(t *testing.T) {
	a := newTestAPI(t)
	cam := a.sb.Lemlist.CampaignIDs()[0]
	leads := "/api/campaigns/" + cam + "/leads"
	company := `{"type":"company","domain":"example.com"}`
	tests := []struct {
		name, method, target, body string
		hdr                        []string
		wantStatus                 int
		wantField                  string // the detail starts with "<field>: "
	}{
		{"non-digit id", "GET", "/api/contacts/12a", "", nil, 400, "id"},
		{"word as id", "GET", "/api/contacts/search", "", nil, 400, "id"},
		{"id too long", "GET", "/api/contacts/" + strings.Repeat("1", 21), "", nil, 400, "id"},
		{"bad property name", "GET", "/api/contacts/1?properties=email,first%20name", "", nil, 400, "properties"},
		{"enrich=maybe", "GET", "/api/contacts/1?enrich=maybe", "", nil, 400, "enrich"},
		{"search limit 101", "POST", "/api/contacts/search", `{"limit":101}`, nil, 400, "limit"},
		{"search negative limit", "POST", "/api/contacts/search", `{"limit":-1}`, nil, 400, "limit"},
		{"search bad filter property", "POST", "/api/contacts/search",
			`{"filterGroups":[{"filters":[{"propertyName":"a b","operator":"EQ","value":"x"}]}]}`, nil, 400,
			"filterGroups[0].filters[0].propertyName"},
		{"search unknown operator", "POST", "/api/contacts/search",
			`{"filterGroups":[{"filters":[{"propertyName":"email","operator":"LIKE","value":"x"}]}]}`, nil, 400,
			"filterGroups[0].filters[0].operator"},
		{"search bad sort direction", "POST", "/api/contacts/search", `{"sorts":[{"propertyName":"createdate","direction":"UP"}]}`, nil, 400, "sorts[0].direction"},
		{"search cursor not digits", "POST", "/api/contacts/search", `{"after":"../1"}`, nil, 400, "after"},
		{"association to a non-digit id", "POST", "/api/contacts",
			`{"properties":{"email":"a@example.com"},"associations":[{"to":{"id":"x"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":1}]}]}`,
			nil, 400, "associations[0].to.id"},
		{"association with an unknown category", "POST", "/api/contacts",
			`{"properties":{"email":"a@example.com"},"associations":[{"to":{"id":"7"},"types":[{"associationCategory":"MINE","associationTypeId":1}]}]}`,
			nil, 400, "associations[0].types[0].associationCategory"},
		{"malformed JSON", "POST", "/api/contacts", `{"properties":`, nil, 400, "body"},
		{"broken JSON", "POST", "/api/contacts", `{"properties":}`, nil, 400, "body"},
		{"trailing data", "POST", "/api/contacts", `{"properties":{"email":"a@example.com"}} {}`, nil, 400, "body"},
		{"empty create body", "POST", "/api/contacts", "", nil, 400, "body"},
		{"unknown field", "POST", "/api/contacts", `{"properties":{"email":"a@example.com"},"extra":1}`, nil, 400, "extra"},
		{"wrong type", "POST", "/api/contacts", `{"properties":"email"}`, nil, 400, "properties"},
		{"property value not a string", "POST", "/api/contacts", `{"properties":{"age":3}}`, nil, 400, "properties"},
		{"no properties", "POST", "/api/contacts", `{"properties":{}}`, nil, 400, "properties"},
		{"bad contact email", "POST", "/api/contacts", `{"properties":{"email":"not-an-email"}}`, nil, 400, "properties.email"},
		{"bad Idempotency-Key", "POST", "/api/contacts", `{"properties":{"email":"a@example.com"}}`,
			[]string{"Idempotency-Key", strings.Repeat("k", 256)}, 400, "Idempotency-Key"},
		{"update non-digit id", "PATCH", "/api/contacts/x1", `{"properties":{"firstname":"A"}}`, nil, 400, "id"},
		{"update with associations", "PATCH", "/api/contacts/1",
			`{"properties":{"firstname":"A"},"associations":[{"to":{"id":"1"},"types":[]}]}`, nil, 400, "associations"},
		{"archive non-digit id", "DELETE", "/api/contacts/-1", "", nil, 400, "id"},
		{"company without domain", "POST", "/api/enrichment/company", `{"name":"Acme"}`, nil, 400, "domain"},
		{"bad domain", "POST", "/api/enrichment/company", `{"domain":"localhost"}`, nil, 400, "domain"},
		{"domain with spaces", "POST", "/api/enrichment/company", `{"domain":"exa mple.com"}`, nil, 400, "domain"},
		{"bad person email", "POST", "/api/enrichment/person", `{"email":"someone"}`, nil, 400, "email"},
		{"batch of 0", "POST", "/api/enrichment/batch", `{"items":[]}`, nil, 400, "items"},
		{"batch without items", "POST", "/api/enrichment/batch", `{}`, nil, 400, "items"},
		{"batch of 51", "POST", "/api/enrichment/batch", `{"items":[` + strings.Repeat(company+",", 50) + company + `]}`, nil, 400, "items"},
		{"batch item bad type", "POST", "/api/enrichment/batch", `{"items":[` + company + `,{"type":"robot"}]}`, nil, 400, "items[1].type"},
		{"batch item bad domain", "POST", "/api/enrichment/batch", `{"items":[{"type":"company","domain":"nope"}]}`, nil, 400, "items[0].domain"},
		{"batch item bad email", "POST", "/api/enrichment/batch", `{"items":[` + company + `,` + company + `,{"type":"person","email":"x@"}]}`, nil, 400, "items[2].email"},
		{"bad campaignId", "POST", "/api/campaigns/cam.1/leads", `{"email":"a@example.com"}`, nil, 400, "campaignId"},
		{"lead without email", "POST", leads, `{"firstName":"Ann"}`, nil, 400, "email"},
		{"lead bad email", "POST", leads, `{"email":"ann@"}`, nil, 400, "email"},
		{"lead field not a string", "POST", leads, `{"email":"a@example.com","score":3}`, nil, 400, "score"},
		{"lead bad variable name", "POST", leads, `{"email":"a@example.com","_secret":"x"}`, nil, 400, "_secret"},
		{"lead body not an object", "POST", leads, `["a@example.com"]`, nil, 400, "body"},
		{"bad jobId", "GET", "/api/jobs/not.a.job", "", nil, 400, "jobId"},
		{"jobId too long", "GET", "/api/jobs/" + strings.Repeat("a", 65), "", nil, 400, "jobId"},
		{"oversize body", "POST", "/api/contacts/search", `{"query":"` + strings.Repeat("x", 1<<20) + `"}`, nil, 413, "body"},
		{"oversize lead", "POST", leads, `{"email":"a@example.com","notes":"` + strings.Repeat("x", 1<<20) + `"}`, nil, 413, "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := a.in(t)
			before := a.upstreamCalls()
			r := a.send(tt.method, tt.target, tt.body, tt.hdr...)
			if r.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", r.Code, tt.wantStatus, r.Body.String())
			}
			if p := r.problem(); !strings.HasPrefix(p.Detail, tt.wantField+": ") {
				t.Errorf("detail = %q, want it to name %q", p.Detail, tt.wantField)
			}
			if got := a.upstreamCalls(); got != before {
				t.Errorf("%d requests reached the fakes", got-before)
			}
		})
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	a := newTestAPI(t)
	tests := []struct {
		name, method, target string
		want                 int
	}{
		{"unknown route is 404", "GET", "/api/nothing", http.StatusNotFound},
		{"wrong method is 405", "PUT", "/api/contacts/1", http.StatusMethodNotAllowed},
		// Gin would answer these with a bare redirect, skipping the middleware
		// (no X-Request-ID, no access log, no metrics) and returning HTML.
		{"trailing slash on a read is 404", "GET", "/api/contacts/1/", http.StatusNotFound},
		{"trailing slash on a write is 404", "POST", "/api/contacts/", http.StatusNotFound},
		{"trailing slash on health is 404", "GET", "/health/", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := a.in(t)
			r := a.send(tt.method, tt.target, "").wantStatus(tt.want)
			r.problem()
			if r.Header().Get("X-Request-ID") == "" {
				t.Error("no X-Request-ID")
			}
		})
	}
}
