package cache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// TestReadThroughCoalesces checks that 100 concurrent misses on one key make one
// load, and that every caller gets its value.
func TestReadThroughCoalesces(t *testing.T) {
	const callers = 100
	for _, sf := range stores(t) {
		t.Run(sf.name, func(t *testing.T) {
			clock := newFakeClock()
			rt := NewReadThrough(sf.new(t, clock), nil, zerolog.Nop(), WithClock(clock.Now))
			var joined sync.WaitGroup
			joined.Add(callers)
			rt.joined = joined.Done
			var calls atomic.Int32
			load := func(context.Context) ([]byte, error) {
				calls.Add(1)
				joined.Wait() // every caller is in the flight before it lands
				return []byte("v"), nil
			}
			results := make(chan Result, callers)
			var wg sync.WaitGroup
			for range callers {
				wg.Go(func() {
					res, err := rt.Get(t.Context(), ServiceHubSpot, ContactKey("1", nil), testTTL, testStale, load)
					if err != nil {
						t.Errorf("Get: %v", err)
					}
					results <- res
				})
			}
			wg.Wait()
			close(results)
			if got := calls.Load(); got != 1 {
				t.Errorf("loader calls = %d, want 1", got)
			}
			for res := range results {
				if res.Status != Miss || string(res.Value) != "v" {
					t.Fatalf("a caller got %v %q, want MISS \"v\"", res.Status, res.Value)
				}
			}
		})
	}
}

// TestReadThroughCancelledCallerDoesNotFailOthers cancels the caller that started
// a load while another waits on it.
func TestReadThroughCancelledCallerDoesNotFailOthers(t *testing.T) {
	clock := newFakeClock()
	store, _ := NewMemory(1<<20, WithClock(clock.Now))
	t.Cleanup(func() { _ = store.Close() })
	rt := NewReadThrough(store, nil, zerolog.Nop(), WithClock(clock.Now))
	joins := make(chan struct{}, 2)
	rt.joined = func() { joins <- struct{}{} }
	release := make(chan struct{})
	loadCtxErr := make(chan error, 1)
	load := func(ctx context.Context) ([]byte, error) {
		<-release
		loadCtxErr <- ctx.Err()
		return []byte("v"), nil
	}
	key := ContactKey("1", nil)

	firstCtx, cancelFirst := context.WithCancel(t.Context())
	firstErr := make(chan error, 1)
	go func() {
		_, err := rt.Get(firstCtx, ServiceHubSpot, key, testTTL, testStale, load)
		firstErr <- err
	}()
	<-joins
	second := make(chan Result, 1)
	go func() {
		res, err := rt.Get(t.Context(), ServiceHubSpot, key, testTTL, testStale, load)
		if err != nil {
			t.Errorf("waiting caller failed: %v", err)
		}
		second <- res
	}()
	<-joins
	cancelFirst()
	if err := <-firstErr; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller got %v, want context.Canceled", err)
	}
	close(release)
	if res := <-second; res.Status != Miss || string(res.Value) != "v" {
		t.Errorf("waiting caller got %v %q, want MISS \"v\"", res.Status, res.Value)
	}
	if err := <-loadCtxErr; err != nil {
		t.Errorf("loader's context ended with %v when its first caller left", err)
	}
}

func TestReadThroughCallerDeadlineServesStale(t *testing.T) {
	clock := newFakeClock()
	store, _ := NewMemory(1<<20, WithClock(clock.Now))
	t.Cleanup(func() { _ = store.Close() })
	rt := NewReadThrough(store, nil, zerolog.Nop(), WithClock(clock.Now))
	key := ContactKey("1", nil)
	_, _ = rt.Get(t.Context(), ServiceHubSpot, key, testTTL, testStale, (&loader{val: "old"}).load)
	clock.Advance(testTTL)

	release := make(chan struct{})
	defer close(release)
	ctx, cancel := context.WithDeadline(t.Context(), time.Now()) // already past
	defer cancel()
	res, err := rt.Get(ctx, ServiceHubSpot, key, testTTL, testStale, func(context.Context) ([]byte, error) {
		<-release
		return nil, errors.New("never answered in time")
	})
	if err != nil || res.Status != Stale || string(res.Value) != "old" {
		t.Fatalf("Get = %v %q %v, want STALE \"old\"", res.Status, res.Value, err)
	}
}

func TestReadThroughLoaderPanicIsAnError(t *testing.T) {
	store, _ := NewMemory(1 << 20)
	t.Cleanup(func() { _ = store.Close() })
	rt := NewReadThrough(store, nil, zerolog.Nop())
	_, err := rt.Get(t.Context(), ServiceHubSpot, "k", testTTL, testStale, func(context.Context) ([]byte, error) {
		panic("boom")
	})
	if err == nil {
		t.Fatal("Get after a loader panic succeeded, want an error")
	}
}

func TestStatusString(t *testing.T) {
	for s, want := range map[Status]string{Hit: "HIT", Miss: "MISS", Stale: "STALE"} {
		if got := s.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", s, got, want)
		}
	}
}
