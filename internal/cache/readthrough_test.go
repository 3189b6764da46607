package cache

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

const (
	testTTL   = 5 * time.Minute
	testStale = time.Hour
)

// loader is a load function whose next answers the test sets.
type loader struct {
	calls atomic.Int32
	val   string
	err   error
}

func (l *loader) load(context.Context) ([]byte, error) {
	l.calls.Add(1)
	if l.err != nil {
		return nil, l.err
	}
	return []byte(l.val), nil
}

// TestReadThrough runs one table of behaviours against every Store implementation.
// Each case optionally primes the cache with "old" at the fake clock's start, moves
// the clock by age, then reads with a loader answering val or err.
func TestReadThrough(t *testing.T) {
	errOpen := errors.New("circuit breaker is open")
	tests := []struct {
		name      string
		primed    bool
		age       time.Duration
		ttl       time.Duration
		staleTTL  time.Duration
		loadErr   error
		want      Status
		wantVal   string
		wantErr   error // matched with errors.Is
		wantCalls int32
	}{
		{name: "fresh copy is a hit without loading", primed: true, age: testTTL - time.Second,
			want: Hit, wantVal: "old", wantCalls: 0},
		{name: "no copy loads", want: Miss, wantVal: "new", wantCalls: 1},
		{name: "expired copy loads", primed: true, age: testTTL, want: Miss, wantVal: "new", wantCalls: 1},
		{name: "5xx falls back to stale copy", primed: true, age: testTTL + time.Minute,
			loadErr: statusErr(503), want: Stale, wantVal: "old", wantCalls: 1},
		{name: "open circuit falls back to stale copy", primed: true, age: testTTL,
			loadErr: errOpen, want: Stale, wantVal: "old", wantCalls: 1},
		{name: "timeout falls back to stale copy", primed: true, age: testTTL,
			loadErr: context.DeadlineExceeded, want: Stale, wantVal: "old", wantCalls: 1},
		{name: "408 falls back to stale copy", primed: true, age: testTTL,
			loadErr: statusErr(http.StatusRequestTimeout), want: Stale, wantVal: "old", wantCalls: 1},
		{name: "429 falls back to stale copy", primed: true, age: testTTL,
			loadErr: statusErr(http.StatusTooManyRequests), want: Stale, wantVal: "old", wantCalls: 1},
		{name: "404 is not replaced by stale copy", primed: true, age: testTTL,
			loadErr: statusErr(http.StatusNotFound), wantErr: statusErr(http.StatusNotFound), wantCalls: 1},
		{name: "400 is not replaced by stale copy", primed: true, age: testTTL,
			loadErr: statusErr(http.StatusBadRequest), wantErr: statusErr(http.StatusBadRequest), wantCalls: 1},
		{name: "copy past the stale TTL is not served", primed: true, age: testTTL + testStale,
			loadErr: errOpen, wantErr: errOpen, wantCalls: 1},
		{name: "zero stale TTL keeps no stale copy", primed: true, age: testTTL, staleTTL: -1,
			loadErr: errOpen, wantErr: errOpen, wantCalls: 1},
		{name: "failure without copy returns the error unchanged",
			loadErr: statusErr(502), wantErr: statusErr(502), wantCalls: 1},
		{name: "zero TTL always loads", primed: true, ttl: -1, want: Miss, wantVal: "new", wantCalls: 1},
	}
	for _, sf := range stores(t) {
		t.Run(sf.name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					clock := newFakeClock()
					store := sf.new(t, clock)
					m, _ := NewMetrics(nil)
					rt := NewReadThrough(store, m, zerolog.Nop(), WithClock(clock.Now))
					ttl, staleTTL := testTTL, testStale
					if tt.ttl < 0 {
						ttl = 0
					}
					if tt.staleTTL < 0 {
						staleTTL = 0
					}
					key := ContactKey("42", []string{"email"})
					primedAt := clock.Now()
					if tt.primed {
						prime := &loader{val: "old"}
						if _, err := rt.Get(t.Context(), ServiceHubSpot, key, ttl, staleTTL, prime.load); err != nil {
							t.Fatal(err)
						}
					}
					clock.Advance(tt.age)
					l := &loader{val: "new", err: tt.loadErr}
					res, err := rt.Get(t.Context(), ServiceHubSpot, key, ttl, staleTTL, l.load)

					if got := l.calls.Load(); got != tt.wantCalls {
						t.Errorf("loader calls = %d, want %d", got, tt.wantCalls)
					}
					if tt.wantErr != nil {
						if !errors.Is(err, tt.wantErr) {
							t.Fatalf("Get error = %v, want %v", err, tt.wantErr)
						}
						return
					}
					if err != nil {
						t.Fatalf("Get error = %v", err)
					}
					if res.Status != tt.want || string(res.Value) != tt.wantVal {
						t.Fatalf("Get = %v %q, want %v %q", res.Status, res.Value, tt.want, tt.wantVal)
					}
					if tt.want == Stale {
						if !res.StoredAt.Equal(primedAt) {
							t.Errorf("stale StoredAt = %v, want the original %v", res.StoredAt, primedAt)
						}
						if !errors.Is(res.Err, tt.loadErr) {
							t.Errorf("stale Err = %v, want %v", res.Err, tt.loadErr)
						}
					}
				})
			}
		})
	}
}

func TestReadThroughMissIsStoredThenHit(t *testing.T) {
	for _, sf := range stores(t) {
		t.Run(sf.name, func(t *testing.T) {
			clock := newFakeClock()
			m, _ := NewMetrics(nil)
			rt := NewReadThrough(sf.new(t, clock), m, zerolog.Nop(), WithClock(clock.Now))
			l := &loader{val: "v"}
			wantStatus := []Status{Miss, Hit, Hit}
			for i, want := range wantStatus {
				res, err := rt.Get(t.Context(), ServiceExplorium, CompanyKey("acme.com", ""), testTTL, testStale, l.load)
				if err != nil || res.Status != want || string(res.Value) != "v" {
					t.Fatalf("call %d: Get = %v %q %v, want %v \"v\"", i, res.Status, res.Value, err, want)
				}
				clock.Advance(time.Minute)
			}
			if got := l.calls.Load(); got != 1 {
				t.Errorf("loader calls = %d, want 1", got)
			}
			if h, ms, s := m.Snapshot(ServiceExplorium); h != 2 || ms != 1 || s != 0 {
				t.Errorf("Snapshot = %d hits %d misses %d stale, want 2 1 0", h, ms, s)
			}
		})
	}
}

func TestReadThrough404DeletesCopy(t *testing.T) {
	for _, sf := range stores(t) {
		t.Run(sf.name, func(t *testing.T) {
			clock := newFakeClock()
			rt := NewReadThrough(sf.new(t, clock), nil, zerolog.Nop(), WithClock(clock.Now))
			key := ContactKey("7", nil)
			_, _ = rt.Get(t.Context(), ServiceHubSpot, key, testTTL, testStale, (&loader{val: "v"}).load)
			clock.Advance(testTTL)
			gone := &loader{err: statusErr(http.StatusNotFound)}
			_, _ = rt.Get(t.Context(), ServiceHubSpot, key, testTTL, testStale, gone.load)
			down := &loader{err: statusErr(http.StatusServiceUnavailable)}
			if res, err := rt.Get(t.Context(), ServiceHubSpot, key, testTTL, testStale, down.load); err == nil {
				t.Fatalf("after a 404 a failure served %v %q, want the error", res.Status, res.Value)
			}
		})
	}
}

func TestReadThroughInvalidateRemovesEveryVariant(t *testing.T) {
	for _, sf := range stores(t) {
		t.Run(sf.name, func(t *testing.T) {
			clock := newFakeClock()
			rt := NewReadThrough(sf.new(t, clock), nil, zerolog.Nop(), WithClock(clock.Now))
			keys := []string{ContactKey("9", nil), ContactKey("9", []string{"email"}), ContactKey("9", []string{"email", "phone"})}
			for _, k := range keys {
				_, _ = rt.Get(t.Context(), ServiceHubSpot, k, testTTL, testStale, (&loader{val: "old"}).load)
			}
			if err := rt.Invalidate(t.Context(), ContactGroup("9")); err != nil {
				t.Fatal(err)
			}
			for _, k := range keys {
				res, err := rt.Get(t.Context(), ServiceHubSpot, k, testTTL, testStale, (&loader{val: "new"}).load)
				if err != nil || res.Status != Miss || string(res.Value) != "new" {
					t.Errorf("after Invalidate, Get(%q) = %v %q %v, want MISS \"new\"", k, res.Status, res.Value, err)
				}
			}
		})
	}
}
