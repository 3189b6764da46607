package faults_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/salesautomation/api/internal/clients/explorium/exploriumtest"
	"github.com/salesautomation/api/internal/clients/faults"
	"github.com/salesautomation/api/internal/clients/hubspot/hubspottest"
	"github.com/salesautomation/api/internal/clients/lemlist/lemlisttest"
)

// fake is one upstream fake plus a request that succeeds against it.
type fake struct {
	name    string
	handler http.Handler
	inj     *faults.Injector
	close   func()
	request func(base string) *http.Request
	route   string // the request's path, for route-scoped faults
}

func fakes() []fake {
	hs := hubspottest.New(hubspottest.Config{RateLimit: -1})
	ll := lemlisttest.New(lemlisttest.Config{RateLimit: -1})
	ex := exploriumtest.New(exploriumtest.Config{RateLimit: -1})
	return []fake{
		{"hubspot", hs, hs.Faults(), hs.Close, func(base string) *http.Request {
			r, _ := http.NewRequest(http.MethodGet, base+"/crm/v3/objects/contacts/10000000001", nil)
			r.Header.Set("Authorization", "Bearer "+hs.Token())
			return r
		}, "/crm/v3/objects/contacts"},
		{"lemlist", ll, ll.Faults(), ll.Close, func(base string) *http.Request {
			r, _ := http.NewRequest(http.MethodGet, base+"/campaigns", nil)
			r.SetBasicAuth("", ll.APIKey())
			return r
		}, "/campaigns"},
		{"explorium", ex, ex.Faults(), ex.Close, func(base string) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, base+"/v1/businesses/match",
				bytes.NewReader([]byte(`{"businesses_to_match":[{"domain":"northwindanalytics.com"}]}`)))
			r.Header.Set("api_key", ex.APIKey())
			return r
		}, "/v1/businesses/match"},
	}
}

func TestFaultModes(t *testing.T) {
	for _, f := range fakes() {
		srv := httptest.NewServer(f.handler)
		t.Cleanup(func() { f.close(); srv.Close() })
		do := func(t *testing.T, ctx context.Context) (*http.Response, []byte, error) {
			t.Helper()
			resp, err := srv.Client().Do(f.request(srv.URL).WithContext(ctx))
			if err != nil {
				return nil, nil, err
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp, b, nil
		}
		t.Run(f.name+"/none", func(t *testing.T) {
			resp, body, err := do(t, t.Context())
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("%v %v %s", resp, err, body)
			}
		})
		t.Run(f.name+"/status", func(t *testing.T) {
			f.inj.Set(faults.Fault{Status: http.StatusServiceUnavailable})
			defer f.inj.Clear()
			resp, body, err := do(t, t.Context())
			if err != nil || resp.StatusCode != http.StatusServiceUnavailable || len(body) == 0 {
				t.Fatalf("%v %v %s", resp, err, body)
			}
		})
		t.Run(f.name+"/errorRate", func(t *testing.T) {
			f.inj.Set(faults.Fault{ErrorRate: 0.5, Status: http.StatusBadGateway})
			defer f.inj.Clear()
			failed := 0
			for range 40 {
				resp, _, err := do(t, t.Context())
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode == http.StatusBadGateway {
					failed++
				}
			}
			if failed == 0 || failed == 40 {
				t.Errorf("%d of 40 failed with rate 0.5", failed)
			}
		})
		t.Run(f.name+"/rateLimit", func(t *testing.T) {
			for _, ra := range []time.Duration{0, 2 * time.Second} {
				f.inj.Set(faults.Fault{RateLimit: true, RetryAfter: ra})
				resp, _, err := do(t, t.Context())
				f.inj.Clear()
				if err != nil || resp.StatusCode != http.StatusTooManyRequests {
					t.Fatalf("%v %v", resp, err)
				}
				if got, want := resp.Header.Get("Retry-After"), map[time.Duration]string{0: "", 2 * time.Second: "2"}[ra]; got != want {
					t.Errorf("Retry-After = %q, want %q", got, want)
				}
			}
		})
		t.Run(f.name+"/latency", func(t *testing.T) {
			f.inj.Set(faults.Fault{Latency: time.Hour, Jitter: time.Minute})
			defer f.inj.Clear()
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
			defer cancel()
			if _, _, err := do(t, ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want the client to give up", err)
			}
		})
		t.Run(f.name+"/hang", func(t *testing.T) {
			f.inj.Set(faults.Fault{Hang: true})
			defer f.inj.Clear()
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
			defer cancel()
			if _, _, err := do(t, ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run(f.name+"/reset", func(t *testing.T) {
			f.inj.Set(faults.Fault{Reset: true})
			defer f.inj.Clear()
			_, _, err := do(t, t.Context())
			if err == nil {
				t.Fatal("no error from a reset connection")
			}
			if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Logf("reset surfaced as %v", err) // the exact error depends on timing; any error will do
			}
		})
		t.Run(f.name+"/route", func(t *testing.T) {
			f.inj.Set(faults.Fault{Status: http.StatusInternalServerError, Route: "/not" + f.route})
			resp, _, err := do(t, t.Context())
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("fault on another route applied: %v %v", resp, err)
			}
			f.inj.Set(faults.Fault{Status: http.StatusInternalServerError, Route: f.route})
			resp, _, err = do(t, t.Context())
			f.inj.Clear()
			if err != nil || resp.StatusCode != http.StatusInternalServerError {
				t.Fatalf("route fault not applied: %v %v", resp, err)
			}
		})
		t.Run(f.name+"/failNext", func(t *testing.T) {
			f.inj.FailNext(1, http.StatusServiceUnavailable)
			first, _, _ := do(t, t.Context())
			second, _, _ := do(t, t.Context())
			if first.StatusCode != http.StatusServiceUnavailable || second.StatusCode != http.StatusOK {
				t.Fatalf("statuses %d, %d", first.StatusCode, second.StatusCode)
			}
		})
	}
}

func TestInjectorSetReplacesPerRoute(t *testing.T) {
	in := faults.NewInjector(1)
	in.Set(faults.Fault{Status: 500})
	in.Set(faults.Fault{Status: 502, Route: "/a"})
	in.Set(faults.Fault{Status: 503, Route: "/a"})
	in.Set(faults.Fault{Latency: time.Second, Route: "/a/b"})
	got := in.Faults()
	if len(got) != 3 || got[0].Status != 500 || got[1].Route != "/a/b" || got[2].Status != 503 {
		t.Fatalf("faults = %+v", got)
	}
	in.Set(faults.Fault{Route: "/a"}) // no effect: clears that route
	if got := in.Faults(); len(got) != 2 {
		t.Fatalf("faults = %+v", got)
	}
	in.Clear()
	if got := in.Faults(); len(got) != 0 {
		t.Fatalf("faults = %+v", got)
	}
}

func TestCloseReleasesHangs(t *testing.T) {
	in := faults.NewInjector(1)
	in.Set(faults.Fault{Hang: true})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in.Apply(w, r, nil)
	}))
	done := make(chan error, 1)
	go func() {
		resp, err := srv.Client().Get(srv.URL)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	// Whether Close comes before or during the hang, the request must end in an error.
	time.AfterFunc(10*time.Millisecond, in.Close)
	if err := <-done; err == nil {
		t.Error("hung request answered normally after Close")
	}
	srv.Close() // would block if the hang were still held
}
