package lemlist_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/salesautomation/api/internal/clients/faults"
	"github.com/salesautomation/api/internal/clients/lemlist"
	"github.com/salesautomation/api/internal/clients/lemlist/lemlisttest"
)

func setup(t *testing.T, cfg lemlisttest.Config, key string) (*lemlist.Client, *lemlisttest.Server) {
	t.Helper()
	fake := lemlisttest.New(cfg)
	mux := http.NewServeMux()
	mux.Handle("/api/", http.StripPrefix("/api", fake))
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { fake.Close(); srv.Close() })
	if key == "" {
		key = fake.APIKey()
	}
	c, err := lemlist.New(srv.URL+"/api", key, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return c, fake
}

func asError(t *testing.T, err error, status int) *lemlist.Error {
	t.Helper()
	var le *lemlist.Error
	if !errors.As(err, &le) || le.HTTPStatus() != status {
		t.Fatalf("err = %v, want *lemlist.Error %d", err, status)
	}
	return le
}

func TestListCampaigns(t *testing.T) {
	c, fake := setup(t, lemlisttest.Config{}, "")
	got, err := c.ListCampaigns(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].ID != fake.CampaignIDs()[0] || !strings.HasPrefix(got[0].ID, "cam_") || len(got[0].ID) != 21 {
		t.Fatalf("campaigns = %+v", got)
	}
	one, err := c.GetCampaign(t.Context(), got[1].ID)
	if err != nil || one.Name != got[1].Name {
		t.Fatalf("GetCampaign = %+v, %v", one, err)
	}
}

func TestListCampaignsBareArray(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/campaigns" {
			t.Errorf("path %s", r.URL.Path)
		}
		_, _ = w.Write([]byte(`[{"_id":"cam_a","name":"A","status":"draft"}]`))
	}))
	t.Cleanup(srv.Close)
	c, _ := lemlist.New(srv.URL, "k", srv.Client())
	got, err := c.ListCampaigns(t.Context())
	if err != nil || len(got) != 1 || got[0].ID != "cam_a" {
		t.Fatalf("%+v, %v", got, err)
	}
}

func TestAddLeadAndLookup(t *testing.T) {
	c, fake := setup(t, lemlisttest.Config{}, "")
	ctx := t.Context()
	camp := fake.CampaignIDs()[1]
	in := lemlist.Lead{Email: "new.person@example.org", FirstName: "New", CompanyName: "Example",
		Variables: map[string]string{"customVariable1": "hello"}}
	added, err := c.AddLead(ctx, camp, in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(added.ID, "lea_") || added.CampaignID != camp || added.Variables["customVariable1"] != "hello" {
		t.Errorf("added = %+v", added)
	}
	_, err = c.AddLead(ctx, camp, in)
	if !errors.Is(err, lemlist.ErrAlreadyInCampaign) {
		t.Fatalf("second add: %v, want ErrAlreadyInCampaign", err)
	}
	if le := asError(t, err, http.StatusBadRequest); le.Message != "Lead already in the campaign" {
		t.Errorf("message = %q", le.Message)
	}
	if n := fake.Requests(lemlisttest.RouteAddLead); n != 2 {
		t.Errorf("add requests = %d, want 2", n)
	}
	got, err := c.GetLeadByEmail(ctx, "New.Person@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != added.ID || got.Email != in.Email || got.CampaignID != camp || got.FirstName != "New" {
		t.Errorf("lookup = %+v", got)
	}
	if _, err := c.GetLeadInCampaign(ctx, fake.CampaignIDs()[2], in.Email); err == nil {
		t.Error("found lead in a campaign it is not in")
	}
}

func TestErrors(t *testing.T) {
	ctx := t.Context()
	lead := lemlist.Lead{Email: "x@example.com"}
	t.Run("401 text/plain", func(t *testing.T) {
		c, _ := setup(t, lemlisttest.Config{}, "wrong-key-123")
		_, err := c.ListCampaigns(ctx)
		if le := asError(t, err, http.StatusUnauthorized); le.Message != "The authentication you supplied is incorrect" {
			t.Errorf("%q", le.Message)
		}
		if strings.Contains(err.Error(), "wrong-key-123") {
			t.Error("error contains the key")
		}
	})
	t.Run("404 campaign", func(t *testing.T) {
		c, _ := setup(t, lemlisttest.Config{}, "")
		_, err := c.AddLead(ctx, "cam_doesnotexist", lead)
		if le := asError(t, err, http.StatusNotFound); le.Message != "Campaign not found" {
			t.Errorf("%q", le.Message)
		}
	})
	t.Run("400 invalid email", func(t *testing.T) {
		c, fake := setup(t, lemlisttest.Config{}, "")
		_, err := c.AddLead(ctx, fake.CampaignIDs()[0], lemlist.Lead{Email: "not-an-email"})
		asError(t, err, http.StatusBadRequest)
	})
	t.Run("404 lead", func(t *testing.T) {
		c, _ := setup(t, lemlisttest.Config{}, "")
		_, err := c.GetLeadByEmail(ctx, "nobody@nowhere.test")
		asError(t, err, http.StatusNotFound)
	})
	t.Run("429 with Retry-After", func(t *testing.T) {
		c, _ := setup(t, lemlisttest.Config{RateLimit: 1}, "")
		_, _ = c.ListCampaigns(ctx)
		_, err := c.ListCampaigns(ctx)
		le := asError(t, err, http.StatusTooManyRequests)
		if le.RetryAfterDuration() != 2*time.Second || le.RateLimit.Limit != 1 || !strings.Contains(le.RateLimit.Reset, "GMT") {
			t.Errorf("%+v", le)
		}
	})
	t.Run("JSON error and 500 other campaign", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/leads/") {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusNotFound)
				_, _ = w.Write([]byte(`{"error":"CAMPAIGN_LEAD_REVIEW_LEAD_NOT_FOUND","message":"Lead not found"}`))
				return
			}
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte("HTTP Error 500: Lead already in other campaign"))
		}))
		t.Cleanup(srv.Close)
		c, _ := lemlist.New(srv.URL, "k", srv.Client())
		_, err := c.GetLeadByEmail(ctx, "a@b.co")
		if le := asError(t, err, http.StatusNotFound); le.Message != "Lead not found" || le.Code != "CAMPAIGN_LEAD_REVIEW_LEAD_NOT_FOUND" {
			t.Errorf("%+v", le)
		}
		_, err = c.AddLead(ctx, "cam_x", lead)
		if !errors.Is(err, lemlist.ErrAlreadyInOtherCampaign) || errors.Is(err, lemlist.ErrAlreadyInCampaign) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("503 injected", func(t *testing.T) {
		c, fake := setup(t, lemlisttest.Config{}, "")
		fake.Faults().Set(faults.Fault{Status: http.StatusServiceUnavailable, Route: "POST /campaigns"})
		if _, err := c.ListCampaigns(ctx); err != nil {
			t.Fatalf("GET hit a POST-only fault: %v", err)
		}
		_, err := c.AddLead(ctx, fake.CampaignIDs()[0], lead)
		asError(t, err, http.StatusServiceUnavailable)
	})
}

func TestBasicAuthNotQuery(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("access_token") {
			t.Error("key sent in the query string")
		}
		want := "Basic " + base64.StdEncoding.EncodeToString([]byte(":secret"))
		if got := r.Header.Get("Authorization"); got != want {
			t.Errorf("Authorization = %q", got)
		}
		_, _ = w.Write([]byte(`[]`))
	}))
	t.Cleanup(srv.Close)
	c, _ := lemlist.New(srv.URL, "secret", srv.Client())
	if _, err := c.ListCampaigns(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestContextCancellation(t *testing.T) {
	c, fake := setup(t, lemlisttest.Config{}, "")
	fake.Faults().Set(faults.Fault{Latency: time.Hour})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := c.ListCampaigns(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
}

func TestImportsOnlyStandardLibrary(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports " "}}`, ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range strings.Fields(string(out)) {
		if strings.Contains(strings.Split(imp, "/")[0], ".") {
			t.Errorf("lemlist imports %s; clients stay stdlib-only", imp)
		}
	}
}
