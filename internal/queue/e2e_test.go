package queue

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeLemlist answers POST /campaigns/{id}/leads/ as UPSTREAMS.md describes Lemlist:
// 200 with the lead, 400 "Lead already in the campaign" for a duplicate, 400 "No
// valid fields to add" without an email. down makes it answer 503; loseNext stores
// the next lead but answers 504, as a proxy whose upstream was slow would.
type fakeLemlist struct {
	down     atomic.Bool
	loseNext atomic.Bool

	mu    sync.Mutex
	leads map[string]int // email → times stored
}

func (f *fakeLemlist) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.down.Load() {
		http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
		return
	}
	var lead struct{ Email string }
	if err := json.NewDecoder(r.Body).Decode(&lead); err != nil || lead.Email == "" {
		http.Error(w, "No valid fields to add", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.leads[lead.Email] > 0 {
		http.Error(w, "Lead already in the campaign", http.StatusBadRequest)
		return
	}
	f.leads[lead.Email]++
	if f.loseNext.CompareAndSwap(true, false) {
		http.Error(w, "Gateway Timeout", http.StatusGatewayTimeout)
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]string{"_id": "lea_1", "email": lead.Email})
}

func (f *fakeLemlist) stored(email string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.leads[email]
}

type statusError struct {
	status int
	body   string
}

func (e *statusError) Error() string { return fmt.Sprintf("lemlist: %d %s", e.status, e.body) }

// lemlistDeliverer is the kind of Deliver and Classify the service passes in.
func lemlistDeliverer(client *http.Client, url string) (func(context.Context, []byte) error, func(error) Outcome) {
	deliver := func(ctx context.Context, payload []byte) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/campaigns/cam_1/leads/", bytes.NewReader(payload))
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		if resp.StatusCode >= 300 {
			return &statusError{resp.StatusCode, strings.TrimSpace(string(body))}
		}
		return nil
	}
	classify := func(err error) Outcome {
		se, ok := err.(*statusError)
		switch {
		case ok && strings.Contains(se.body, "Lead already in the campaign"):
			return Delivered
		case ok && se.status == http.StatusBadRequest:
			return Fail
		}
		return Retry
	}
	return deliver, classify
}

func TestEndToEndLemlist(t *testing.T) {
	tests := []struct {
		name         string
		setup        func(f *fakeLemlist)
		payload      string
		wantState    State
		wantAttempts int
		wantStored   int
	}{
		{"down then back: delivered once", func(f *fakeLemlist) { f.down.Store(true) }, `{"email":"a@example.com"}`, StateDelivered, 2, 1},
		{"answer lost after Lemlist stored it", func(f *fakeLemlist) { f.loseNext.Store(true) }, `{"email":"a@example.com"}`, StateDelivered, 2, 1},
		{"invalid lead fails for good", func(*fakeLemlist) {}, `{"firstName":"A"}`, StateFailed, 1, 0},
	}
	for _, b := range backends() {
		for _, tt := range tests {
			t.Run(b.name+"/"+tt.name, func(t *testing.T) {
				fake := &fakeLemlist{leads: map[string]int{}}
				tt.setup(fake)
				srv := httptest.NewServer(fake)
				t.Cleanup(srv.Close)
				clock := newFakeClock()
				o, _ := testOptions(clock)
				q := b.open(t, o)
				wo := fastWorker(nil)
				wo.Deliver, wo.Classify = lemlistDeliverer(srv.Client(), srv.URL)
				stop := startWorker(t, mustWorker(t, q, wo))

				job, err := q.Enqueue(t.Context(), []byte(tt.payload))
				if err != nil {
					t.Fatal(err)
				}
				if fake.down.Load() {
					eventually(t, "a failed attempt", func() bool { return mustGet(t, q, job.ID).State == StateRetrying })
					fake.down.Store(false)
				}
				eventually(t, "a final state", func() bool {
					clock.Advance(time.Minute)
					return mustGet(t, q, job.ID).State.Final()
				})
				stop()
				got := mustGet(t, q, job.ID)
				if got.State != tt.wantState || got.Attempts != tt.wantAttempts {
					t.Errorf("job = %s after %d attempts (%q), want %s after %d", got.State, got.Attempts, got.LastError, tt.wantState, tt.wantAttempts)
				}
				if n := fake.stored("a@example.com"); n != tt.wantStored {
					t.Errorf("Lemlist stored the lead %d times, want %d", n, tt.wantStored)
				}
			})
		}
	}
}
