package hubspot_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/salesautomation/api/internal/clients/faults"
	"github.com/salesautomation/api/internal/clients/hubspot"
	"github.com/salesautomation/api/internal/clients/hubspot/hubspottest"
)

const prefix = "/hubspot-prefix"

// setup serves a fresh fake under a path prefix, to catch absolute request paths.
func setup(t *testing.T, cfg hubspottest.Config) (*hubspot.Client, *hubspottest.Server) {
	t.Helper()
	fake := hubspottest.New(cfg)
	mux := http.NewServeMux()
	mux.Handle(prefix+"/", http.StripPrefix(prefix, fake))
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { fake.Close(); srv.Close() })
	c, err := hubspot.New(srv.URL+prefix, fake.Token(), srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return c, fake
}

func asError(t *testing.T, err error, status int) *hubspot.Error {
	t.Helper()
	var he *hubspot.Error
	if !errors.As(err, &he) {
		t.Fatalf("err = %v (%T), want *hubspot.Error", err, err)
	}
	if he.HTTPStatus() != status {
		t.Fatalf("status = %d, want %d (err: %v)", he.HTTPStatus(), status, err)
	}
	return he
}

func TestContactLifecycle(t *testing.T) {
	c, fake := setup(t, hubspottest.Config{})
	ctx := t.Context()
	created, err := c.CreateContact(ctx, hubspot.ContactInput{Properties: map[string]string{
		"email": "Jane.Doe@Example.com", "firstname": "Jane", "lastname": "Doe"}})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := created.Property("hs_object_id"); v != created.ID || created.ID == "" {
		t.Errorf("hs_object_id = %q, id = %q", v, created.ID)
	}
	got, err := c.GetContact(ctx, created.ID, []string{"email", "phone", "nonexistent_prop"})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := got.Property("email"); !ok || v != "Jane.Doe@Example.com" {
		t.Errorf("email = %q, %v", v, ok)
	}
	if p, ok := got.Properties["phone"]; !ok || p != nil {
		t.Errorf("phone = %v, present %v; want null", p, ok)
	}
	if _, ok := got.Properties["nonexistent_prop"]; ok {
		t.Error("unknown property came back; HubSpot ignores it")
	}
	upd, err := c.UpdateContact(ctx, created.ID, hubspot.ContactInput{Properties: map[string]string{"company": "Acme", "firstname": ""}})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := upd.Property("company"); v != "Acme" {
		t.Errorf("company = %q", v)
	}
	if _, ok := upd.Property("firstname"); ok {
		t.Error(`firstname still set after "" update`)
	}
	if !upd.UpdatedAt.After(created.CreatedAt) && !upd.UpdatedAt.Equal(created.CreatedAt) {
		t.Error("updatedAt went backwards")
	}
	if err := c.ArchiveContact(ctx, created.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.ArchiveContact(ctx, created.ID); err != nil {
		t.Fatalf("second archive: %v (HubSpot answers 204)", err)
	}
	_, err = c.GetContact(ctx, created.ID, nil)
	asError(t, err, http.StatusNotFound)
	if n := fake.Requests(hubspottest.RouteCreate); n != 1 {
		t.Errorf("create requests = %d, want 1", n)
	}
}

func TestGetSeededContactDefaults(t *testing.T) {
	c, _ := setup(t, hubspottest.Config{})
	got, err := c.GetContact(t.Context(), "10000000001", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"} {
		if _, ok := got.Property(p); !ok {
			t.Errorf("default property %s missing", p)
		}
	}
	if len(got.Properties) != 6 {
		t.Errorf("got %d properties, want the 6 defaults", len(got.Properties))
	}
	email, _ := got.Property("email")
	byEmail, err := c.GetContactByEmail(t.Context(), email, []string{"hs_email_domain", "company"})
	if err != nil {
		t.Fatal(err)
	}
	if byEmail.ID != got.ID {
		t.Errorf("by e-mail id = %s, want %s", byEmail.ID, got.ID)
	}
	if d, _ := byEmail.Property("hs_email_domain"); !strings.HasSuffix(email, "@"+d) {
		t.Errorf("hs_email_domain = %q for %q", d, email)
	}
	if rl, ok := c.RateLimit(); !ok || rl.Max != 0 && rl.IntervalMillis != 10000 {
		t.Errorf("rate limit = %+v, %v", rl, ok)
	}
}

func TestSearch(t *testing.T) {
	c, _ := setup(t, hubspottest.Config{})
	ctx := t.Context()
	all, err := c.SearchContacts(ctx, hubspot.SearchRequest{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	if all.Total < 50 || len(all.Results) != all.Total || all.Paging != nil {
		t.Fatalf("total %d, results %d, paging %v", all.Total, len(all.Results), all.Paging)
	}
	email, _ := all.Results[3].Property("email")
	one, err := c.SearchContacts(ctx, hubspot.SearchRequest{
		FilterGroups: []hubspot.FilterGroup{{Filters: []hubspot.Filter{{PropertyName: "email", Operator: "EQ", Value: strings.ToUpper(email)}}}},
		Properties:   []string{"email", "company"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if one.Total != 1 || one.Results[0].ID != all.Results[3].ID {
		t.Errorf("EQ email: total %d", one.Total)
	}
	page, err := c.SearchContacts(ctx, hubspot.SearchRequest{Limit: 5, Sorts: []hubspot.Sort{{PropertyName: "createdate", Direction: "DESCENDING"}}})
	if err != nil {
		t.Fatal(err)
	}
	if page.Paging == nil || page.Paging.Next.After != "5" || len(page.Results) != 5 {
		t.Errorf("paging = %+v, %d results", page.Paging, len(page.Results))
	}
	if page.Results[0].CreatedAt.Before(page.Results[4].CreatedAt) {
		t.Error("not sorted descending")
	}
	tooMany := make([]hubspot.FilterGroup, 6)
	_, err = c.SearchContacts(ctx, hubspot.SearchRequest{FilterGroups: tooMany})
	if he := asError(t, err, http.StatusBadRequest); he.Category != "VALIDATION_ERROR" {
		t.Errorf("category = %q", he.Category)
	}
	_, err = c.SearchContacts(ctx, hubspot.SearchRequest{Limit: 201})
	asError(t, err, http.StatusBadRequest)
}

func TestErrors(t *testing.T) {
	ctx := t.Context()
	t.Run("401", func(t *testing.T) {
		_, fake := setup(t, hubspottest.Config{})
		srv := httptest.NewServer(fake)
		t.Cleanup(srv.Close)
		c, _ := hubspot.New(srv.URL, "pat-na1-wrong-secret", srv.Client())
		_, err := c.GetContact(ctx, "10000000001", nil)
		he := asError(t, err, http.StatusUnauthorized)
		if he.Category != "INVALID_AUTHENTICATION" || he.CorrelationID == "" {
			t.Errorf("%+v", he)
		}
		if strings.Contains(err.Error(), "wrong-secret") || strings.Contains(he.Body, "wrong-secret") {
			t.Error("error contains the API key")
		}
	})
	t.Run("403", func(t *testing.T) {
		_, fake := setup(t, hubspottest.Config{})
		srv := httptest.NewServer(fake)
		t.Cleanup(srv.Close)
		c, _ := hubspot.New(srv.URL, hubspottest.DefaultNoScopeToken, srv.Client())
		_, err := c.GetContact(ctx, "10000000001", nil)
		if he := asError(t, err, http.StatusForbidden); he.Category != "MISSING_SCOPES" || len(he.Details) != 1 {
			t.Errorf("%+v", he)
		}
	})
	t.Run("400 unknown property", func(t *testing.T) {
		c, _ := setup(t, hubspottest.Config{})
		_, err := c.UpdateContact(ctx, "10000000001", hubspot.ContactInput{Properties: map[string]string{"foo": "x"}})
		if he := asError(t, err, http.StatusBadRequest); !strings.Contains(he.Message, "PROPERTY_DOESNT_EXIST") {
			t.Errorf("message = %q", he.Message)
		}
	})
	t.Run("409 current format", func(t *testing.T) {
		c, _ := setup(t, hubspottest.Config{})
		seeded, _ := c.GetContact(ctx, "10000000008", nil)
		email, _ := seeded.Property("email")
		_, err := c.CreateContact(ctx, hubspot.ContactInput{Properties: map[string]string{"email": strings.ToUpper(email)}})
		if he := asError(t, err, http.StatusConflict); he.ExistingID != "10000000008" || he.Category != "OBJECT_ALREADY_EXISTS" {
			t.Errorf("%+v", he)
		}
	})
	t.Run("409 older format", func(t *testing.T) {
		c := fixed(t, http.StatusConflict, "application/json", nil,
			`{"status":"error","message":"Contact already exists. Existing ID: 2926551","correlationId":"b6881283","category":"CONFLICT"}`)
		_, err := c.CreateContact(ctx, hubspot.ContactInput{Properties: map[string]string{"email": "a@b.co"}})
		if he := asError(t, err, http.StatusConflict); he.ExistingID != "2926551" || he.CorrelationID != "b6881283" {
			t.Errorf("%+v", he)
		}
	})
	t.Run("429 with headers", func(t *testing.T) {
		c, fake := setup(t, hubspottest.Config{RateLimit: 2})
		fake.SetRetryAfterOn429(3 * time.Second)
		var err error
		for range 3 {
			_, err = c.GetContact(ctx, "10000000001", nil)
		}
		he := asError(t, err, http.StatusTooManyRequests)
		if he.PolicyName != "TEN_SECONDLY_ROLLING" || he.ErrorType != "RATE_LIMIT" || he.RetryAfterDuration() != 3*time.Second {
			t.Errorf("%+v", he)
		}
		if he.RateLimit.Max != 2 || he.RateLimit.Remaining != 0 || he.RateLimit.IntervalMillis != 10000 {
			t.Errorf("rate limit = %+v", he.RateLimit)
		}
	})
	t.Run("502 HTML", func(t *testing.T) {
		c, fake := setup(t, hubspottest.Config{})
		fake.Faults().FailNext(1, http.StatusBadGateway)
		_, err := c.GetContact(ctx, "10000000001", nil)
		if he := asError(t, err, http.StatusBadGateway); !strings.Contains(he.Body, "<html>") || he.Message != "" {
			t.Errorf("%+v", he)
		}
	})
	t.Run("477 Retry-After", func(t *testing.T) {
		c, fake := setup(t, hubspottest.Config{})
		fake.Faults().FailNext(1, 477)
		err := c.ArchiveContact(ctx, "1")
		if he := asError(t, err, 477); he.RetryAfter != 2*time.Second {
			t.Errorf("retry after = %v", he.RetryAfter)
		}
	})
}

// fixed serves one canned answer, for shapes the fake does not produce.
func fixed(t *testing.T, status int, ctype string, hdr http.Header, body string) *hubspot.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range hdr {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c, _ := hubspot.New(srv.URL, "k", srv.Client())
	return c
}

func TestContextCancellation(t *testing.T) {
	c, fake := setup(t, hubspottest.Config{})
	fake.Faults().Set(faults.Fault{Hang: true})
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		for fake.Requests(hubspottest.RouteGet) == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := c.GetContact(ctx, "10000000001", nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestTransportErrorKeepsNoURL(t *testing.T) {
	c, fake := setup(t, hubspottest.Config{})
	fake.Faults().Set(faults.Fault{Reset: true})
	_, err := c.GetContact(t.Context(), "10000000001", nil)
	var he *hubspot.Error
	if err == nil || errors.As(err, &he) {
		t.Fatalf("err = %v, want a transport error", err)
	}
}

func TestImportsOnlyStandardLibrary(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports " "}}`, ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range strings.Fields(string(out)) {
		if strings.Contains(strings.Split(imp, "/")[0], ".") {
			t.Errorf("hubspot imports %s; clients stay stdlib-only", imp)
		}
	}
}
