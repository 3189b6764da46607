package cache

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// TestWriteDuringLoad: a read that began before a write must neither store
// the pre-write state nor hand it to a read that begins after the write.
func TestWriteDuringLoad(t *testing.T) {
	for _, sf := range stores(t) {
		t.Run(sf.name, func(t *testing.T) {
			clock := newFakeClock()
			store := sf.new(t, clock)
			rt := NewReadThrough(store, nil, zerolog.Nop(), WithClock(clock.Now))
			key := ContactKey("42", nil)

			var calls atomic.Int32
			entered, release := make(chan struct{}), make(chan struct{})
			slowOld := func(context.Context) ([]byte, error) {
				calls.Add(1)
				close(entered)
				<-release
				return []byte("before the write"), nil
			}
			done := make(chan Result, 1)
			go func() {
				r, _ := rt.Get(context.Background(), "hubspot", key, testTTL, testStale, slowOld)
				done <- r
			}()
			<-entered

			if err := rt.Invalidate(t.Context(), ContactGroup("42")); err != nil {
				t.Fatal(err)
			}
			fresh := func(context.Context) ([]byte, error) { calls.Add(1); return []byte("after the write"), nil }
			// Bounded, so that a read joining the old load fails the test instead of hanging it.
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
			defer cancel()
			after, err := rt.Get(ctx, "hubspot", key, testTTL, testStale, fresh)
			if err != nil || string(after.Value) != "after the write" {
				t.Errorf("read after the write = %q, %v; want the new state, not the old load's", after.Value, err)
			}
			close(release)
			if r := <-done; string(r.Value) != "before the write" {
				t.Errorf("the reader that began first got %q", r.Value)
			}
			again, _ := rt.Get(t.Context(), "hubspot", key, testTTL, testStale, fresh)
			if string(again.Value) != "after the write" || again.Status != Hit {
				t.Errorf("next read = %q (%s), want the new state as a HIT: the old load must not have been stored", again.Value, again.Status)
			}
			if got := calls.Load(); got != 2 {
				t.Errorf("loads = %d, want 2 (one before, one after the write)", got)
			}
		})
	}
}
