package resilience

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// statusErr is an upstream answer with a status, as the typed clients return.
type statusErr int

func (e statusErr) Error() string   { return fmt.Sprintf("upstream answered %d", int(e)) }
func (e statusErr) HTTPStatus() int { return int(e) }

var errBoom = errors.New("connection reset")

// testSettings: threshold 50 %, volume 4, reset 10s, window 10s/10 buckets,
// whole-call timeout 1s, capacity 10, one probe, no warm-up.
func testSettings() Settings {
	return Settings{
		Name: "test-circuit", Service: "test", Enabled: true,
		Timeout: time.Second, AttemptTimeout: 100 * time.Millisecond, RetryMax: 0,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 10 * time.Millisecond,
		ErrorThresholdPercentage: 50, VolumeThreshold: 4,
		ResetTimeout: 10 * time.Second, RollingCountTimeout: 10 * time.Second, RollingCountBuckets: 10,
		Capacity: 10, HalfOpenMaxCalls: 1,
	}
}

func newTestBreaker(t *testing.T, s Settings, opts ...Option) *Breaker {
	t.Helper()
	b, err := NewBreaker(s, opts...)
	if err != nil {
		t.Fatalf("NewBreaker: %v", err)
	}
	return b
}

// recorder collects event types in delivery order.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) listen(e Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) types() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.events))
	for i, e := range r.events {
		out[i] = e.Type.String()
	}
	return out
}

func (r *recorder) reset() {
	r.mu.Lock()
	r.events = nil
	r.mu.Unlock()
}

func succeed(context.Context) (int, error) { return 1, nil }
func failWith(err error) func(context.Context) (int, error) {
	return func(context.Context) (int, error) { return 0, err }
}

// hang waits until the call's context ends.
func hang(ctx context.Context) (int, error) {
	<-ctx.Done()
	return 0, ctx.Err()
}

// run calls fn n times through b and returns the last error.
func callN(b *Breaker, n int, fn func(context.Context) (int, error)) error {
	var err error
	for range n {
		_, err = Call(context.Background(), b, fn)
	}
	return err
}

func wantState(t *testing.T, b *Breaker, want State) {
	t.Helper()
	if got := b.State(); got != want {
		t.Fatalf("state = %s, want %s", got, want)
	}
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed)) }

func TestEventNames(t *testing.T) {
	want := []string{"fire", "success", "failure", "timeout", "reject", "fallback", "semaphoreLocked", "open", "halfOpen", "close", "unknown"}
	for i, w := range want {
		if got := EventType(i).String(); got != w {
			t.Errorf("EventType(%d) = %q, want %q", i, got, w)
		}
	}
}
