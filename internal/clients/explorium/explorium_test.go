package explorium_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/salesautomation/api/internal/clients/explorium"
	"github.com/salesautomation/api/internal/clients/explorium/exploriumtest"
	"github.com/salesautomation/api/internal/clients/faults"
	"github.com/salesautomation/api/internal/clients/seed"
)

func setup(t *testing.T, cfg exploriumtest.Config, key string) (*explorium.Client, *exploriumtest.Server) {
	t.Helper()
	fake := exploriumtest.New(cfg)
	mux := http.NewServeMux()
	mux.Handle("/ex/", http.StripPrefix("/ex", fake))
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { fake.Close(); srv.Close() })
	if key == "" {
		key = fake.APIKey()
	}
	c, err := explorium.New(srv.URL+"/ex/", key, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return c, fake
}

func asError(t *testing.T, err error, status int) *explorium.Error {
	t.Helper()
	var ee *explorium.Error
	if !errors.As(err, &ee) || ee.HTTPStatus() != status {
		t.Fatalf("err = %v, want *explorium.Error %d", err, status)
	}
	return ee
}

var data = seed.New(seed.DefaultSeed, seed.DefaultPeople)

func TestBusinessFlow(t *testing.T) {
	c, fake := setup(t, exploriumtest.Config{}, "")
	ctx := t.Context()
	co := data.People[5].Company
	m, err := c.MatchBusinesses(ctx, []explorium.BusinessMatchInput{
		{Domain: "https://WWW." + co.Domain + "/about"}, {Name: "Nopeco", Domain: "fakeurl.xyz"}})
	if err != nil {
		t.Fatal(err)
	}
	if m.TotalResults != 2 || m.TotalMatches != 1 || m.MatchedBusinesses[0].BusinessID != co.BusinessID() ||
		m.MatchedBusinesses[1].BusinessID != "" || len(m.ResponseContext.CorrelationID) != 32 {
		t.Fatalf("%+v", m)
	}
	f, err := c.EnrichFirmographics(ctx, co.BusinessID())
	if err != nil {
		t.Fatal(err)
	}
	if f.Data.Website != "https://"+co.Domain || f.Data.NumberOfEmployeesRange != co.EmployeesRange {
		t.Errorf("%+v", f.Data)
	}
	bulk, err := c.BulkEnrichFirmographics(ctx, []string{co.BusinessID(), data.Companies[0].BusinessID()})
	if err != nil || bulk.TotalResults != 2 || bulk.Data[1].BusinessID != data.Companies[0].BusinessID() {
		t.Fatalf("%+v, %v", bulk, err)
	}
	got, err := c.EnrichCompany(ctx, co.Domain, "")
	if err != nil || !got.Matched || got.Firmographics.Name != strings.ToLower(co.Name) {
		t.Fatalf("%+v, %v", got, err)
	}
	miss, err := c.EnrichCompany(ctx, "unknown.example", "")
	if err != nil || miss.Matched {
		t.Fatalf("%+v, %v", miss, err)
	}
	if before := fake.Credits(); before != 1_000_000-4 {
		t.Errorf("credits = %d, want 4 spent", before)
	}
}

func TestPersonFlow(t *testing.T) {
	c, fake := setup(t, exploriumtest.Config{}, "")
	ctx := t.Context()
	p := data.People[7]
	got, err := c.EnrichPerson(ctx, strings.ToUpper(p.Email), "", "", explorium.ContactTypeEmail)
	if err != nil || !got.Matched || got.ProspectID != p.ProspectID() {
		t.Fatalf("%+v, %v", got, err)
	}
	if len(got.ContactInfo.Emails) != 1 || got.ContactInfo.Emails[0].Address != p.Email || got.ContactInfo.MobilePhone != "" {
		t.Errorf("%+v", got.ContactInfo)
	}
	m, err := c.MatchProspects(ctx, []explorium.ProspectMatchInput{{FullName: p.FullName(), CompanyName: p.Company.Name}})
	if err != nil || m.MatchedProspects[0].ProspectID != p.ProspectID() {
		t.Fatalf("%+v, %v", m, err)
	}
	bulk, err := c.BulkEnrichContactInformation(ctx, []string{p.ProspectID(), data.People[0].ProspectID()})
	if err != nil || bulk.TotalResults != 2 || bulk.Data[0].Data.MobilePhone != p.Mobile {
		t.Fatalf("%+v, %v", bulk, err)
	}
	if spent := 1_000_000 - fake.Credits(); spent != 2+5+5 {
		t.Errorf("spent %d credits, want 12", spent)
	}
}

func TestErrors(t *testing.T) {
	ctx := t.Context()
	t.Run("401", func(t *testing.T) {
		c, _ := setup(t, exploriumtest.Config{}, "bad-key-xyz")
		_, err := c.EnrichFirmographics(ctx, data.Companies[0].BusinessID())
		if ee := asError(t, err, http.StatusUnauthorized); ee.CorrelationID == "" || strings.Contains(err.Error(), "bad-key-xyz") {
			t.Errorf("%+v", ee)
		}
	})
	t.Run("422 detail array", func(t *testing.T) {
		c, _ := setup(t, exploriumtest.Config{}, "")
		_, err := c.EnrichFirmographics(ctx, "not-hex")
		ee := asError(t, err, http.StatusUnprocessableEntity)
		if len(ee.Detail) != 1 || ee.Detail[0].Type != "value_error.str.regex" || ee.Detail[0].Loc[1] != "business_id" {
			t.Errorf("%+v", ee.Detail)
		}
		_, err = c.BulkEnrichFirmographics(ctx, make([]string, 51))
		asError(t, err, http.StatusUnprocessableEntity)
	})
	t.Run("422 transient on bulk", func(t *testing.T) {
		c, fake := setup(t, exploriumtest.Config{}, "")
		fake.FailBulkEnrich(1)
		ids := []string{data.People[0].ProspectID()}
		_, err := c.BulkEnrichContactInformation(ctx, ids)
		asError(t, err, http.StatusUnprocessableEntity)
		if _, err := c.BulkEnrichContactInformation(ctx, ids); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("403 credits", func(t *testing.T) {
		c, fake := setup(t, exploriumtest.Config{}, "")
		fake.SetCredits(1)
		_, err := c.EnrichContactInformation(ctx, data.People[0].ProspectID())
		if ee := asError(t, err, http.StatusForbidden); !ee.InsufficientCredits() {
			t.Errorf("%+v", ee)
		}
	})
	t.Run("429 retry_after from header", func(t *testing.T) {
		c, _ := setup(t, exploriumtest.Config{RateLimit: 1}, "")
		_, _ = c.MatchBusinesses(ctx, []explorium.BusinessMatchInput{{Domain: "a.com"}})
		_, err := c.MatchBusinesses(ctx, []explorium.BusinessMatchInput{{Domain: "a.com"}})
		if ee := asError(t, err, http.StatusTooManyRequests); ee.RetryAfter != 60*time.Second || ee.Code != "rate_limit_exceeded" {
			t.Errorf("%+v", ee)
		}
	})
	t.Run("429 retry_after from body and string detail", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, "match") {
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = w.Write([]byte(`{"code":429,"message":"Rate limit exceeded.","retry_after":7}`))
				return
			}
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = w.Write([]byte(`{"detail":"size must be >= page_size"}`))
		}))
		t.Cleanup(srv.Close)
		c, _ := explorium.New(srv.URL, "k", srv.Client())
		_, err := c.MatchProspects(ctx, []explorium.ProspectMatchInput{{Email: "a@b.co"}})
		if ee := asError(t, err, http.StatusTooManyRequests); ee.RetryAfterDuration() != 7*time.Second {
			t.Errorf("%+v", ee)
		}
		_, err = c.EnrichFirmographics(ctx, "x")
		if ee := asError(t, err, http.StatusUnprocessableEntity); ee.Message != "size must be >= page_size" {
			t.Errorf("%+v", ee)
		}
	})
	t.Run("500 injected", func(t *testing.T) {
		c, fake := setup(t, exploriumtest.Config{}, "")
		fake.Faults().Set(faults.Fault{ErrorRate: 1})
		_, err := c.EnrichFirmographics(ctx, data.Companies[0].BusinessID())
		if ee := asError(t, err, http.StatusInternalServerError); ee.Message != "An internal server error occurred" {
			t.Errorf("%+v", ee)
		}
	})
}

func TestContextCancellation(t *testing.T) {
	c, fake := setup(t, exploriumtest.Config{}, "")
	fake.Faults().Set(faults.Fault{Hang: true})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := c.MatchBusinesses(ctx, []explorium.BusinessMatchInput{{Domain: "a.com"}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

func TestImportsOnlyStandardLibrary(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports " "}}`, ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range strings.Fields(string(out)) {
		if strings.Contains(strings.Split(imp, "/")[0], ".") {
			t.Errorf("explorium imports %s; clients stay stdlib-only", imp)
		}
	}
}
