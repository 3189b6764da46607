package sandbox_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/salesautomation/api/internal/clients/explorium"
	"github.com/salesautomation/api/internal/clients/hubspot"
	"github.com/salesautomation/api/internal/clients/lemlist"
	"github.com/salesautomation/api/internal/sandbox"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func start(t *testing.T) *sandbox.Sandbox {
	t.Helper()
	sb, err := sandbox.Start(t.Context(), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	return sb
}

func TestUpstreamsAnswerWithTheirKeys(t *testing.T) {
	sb := start(t)
	ctx := t.Context()
	hc := &http.Client{}
	defer hc.CloseIdleConnections()

	hs, _ := hubspot.New(sb.HubSpotURL, sb.HubSpotAPIKey, hc)
	p := sb.Data.People[0]
	contact, err := hs.GetContact(ctx, p.HubSpotID, []string{"email", "hs_email_domain"})
	if err != nil {
		t.Fatal(err)
	}
	domain, _ := contact.Property("hs_email_domain")

	ll, _ := lemlist.New(sb.LemlistURL, sb.LemlistAPIKey, hc)
	campaigns, err := ll.ListCampaigns(ctx)
	if err != nil || len(campaigns) == 0 {
		t.Fatalf("%v %v", campaigns, err)
	}

	ex, _ := explorium.New(sb.ExploriumURL, sb.ExploriumAPIKey, hc)
	co, err := ex.EnrichCompany(ctx, domain, "")
	if err != nil || !co.Matched || co.Firmographics.Website != "https://"+domain {
		t.Fatalf("company for a seeded contact's domain: %+v %v", co, err)
	}
	email, _ := contact.Property("email")
	person, err := ex.EnrichPerson(ctx, email, "", "")
	if err != nil || !person.Matched {
		t.Fatalf("person for a seeded contact: %+v %v", person, err)
	}

	bad, _ := hubspot.New(sb.HubSpotURL, "wrong", hc)
	if _, err := bad.GetContact(ctx, p.HubSpotID, nil); err == nil {
		t.Error("wrong HubSpot token accepted")
	}
}

func TestFaultRoundTrip(t *testing.T) {
	sb := start(t)
	root := http.NewServeMux()
	root.Handle("/sandbox/", sb.FaultsHandler())
	api := httptest.NewServer(root)
	defer api.Close()

	call := func(method, path, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, api.URL+path, strings.NewReader(body))
		resp, err := api.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var out map[string]any
		_ = json.Unmarshal(b, &out)
		return resp.StatusCode, out
	}

	status, got := call("POST", "/sandbox/faults/lemlist", `{"status":503,"latency":"1ms","route":"/campaigns"}`)
	if status != 200 || got["status"] != 503.0 || got["latency"] != "1ms" || got["route"] != "/campaigns" {
		t.Fatalf("%d %v", status, got)
	}
	hc := &http.Client{}
	defer hc.CloseIdleConnections()
	ll, _ := lemlist.New(sb.LemlistURL, sb.LemlistAPIKey, hc)
	if _, err := ll.ListCampaigns(t.Context()); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("fault not in force: %v", err)
	}
	_, all := call("GET", "/sandbox/faults", "")
	if l, _ := all["lemlist"].([]any); len(l) != 1 {
		t.Errorf("GET faults = %v", all)
	}
	if status, _ := call("DELETE", "/sandbox/faults/lemlist", ""); status != 200 {
		t.Errorf("DELETE = %d", status)
	}
	if _, err := ll.ListCampaigns(t.Context()); err != nil {
		t.Errorf("after clear: %v", err)
	}

	for _, tc := range []struct{ body, field string }{
		{`{"errorRate":1.5}`, "errorRate"},
		{`{"latency":"soon"}`, "latency"},
		{`{"status":"x"}`, "status"},
		{`{"bogus":true}`, "bogus"},
		{`{"status":200}`, "status"},
		{`{"route":"campaigns"}`, "route"},
	} {
		status, got := call("POST", "/sandbox/faults/hubspot", tc.body)
		if status != 400 || got["field"] != tc.field {
			t.Errorf("%s: %d %v, want 400 naming %s", tc.body, status, got, tc.field)
		}
	}
	if status, _ := call("POST", "/sandbox/faults/salesforce", `{}`); status != 404 {
		t.Errorf("unknown service = %d", status)
	}
}

func TestCloseReleasesHungRequests(t *testing.T) {
	sb, err := sandbox.Start(t.Context(), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	sb.FaultsHandler().ServeHTTP(httptest.NewRecorder(),
		httptest.NewRequest("POST", "/sandbox/faults/explorium", bytes.NewReader([]byte(`{"hang":true}`))))
	done := make(chan error, 1)
	hc := &http.Client{}
	go func() {
		ex, _ := explorium.New(sb.ExploriumURL, sb.ExploriumAPIKey, hc)
		_, err := ex.MatchBusinesses(t.Context(), []explorium.BusinessMatchInput{{Domain: "x.com"}})
		done <- err
	}()
	for sb.Explorium.Requests("POST /v1/businesses/match") == 0 {
		select {
		case err := <-done:
			t.Fatalf("request ended before Close: %v", err)
		default:
		}
	}
	sb.Close()
	if err := <-done; err == nil {
		t.Error("hung request succeeded")
	}
	hc.CloseIdleConnections()
}
