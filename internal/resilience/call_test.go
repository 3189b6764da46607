package resilience

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

func TestWholeCallTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		b := newTestBreaker(t, testSettings(), WithListener(rec.listen))
		start := time.Now()
		_, err := Call(context.Background(), b, hang)
		var te *TimeoutError
		if !errors.As(err, &te) || !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want *TimeoutError wrapping the context's error", err)
		}
		if el := time.Since(start); el != time.Second {
			t.Errorf("returned after %s, want the 1s timeout", el)
		}
		st := b.Stats()
		if st.Timeouts != 1 || st.Failures != 1 || st.Successes != 0 {
			t.Errorf("stats = %+v, want 1 timeout counted as 1 failure", st)
		}
		if got := rec.types(); !slices.Equal(got, []string{"fire", "timeout", "failure"}) {
			t.Errorf("events = %v, want [fire timeout failure]", got)
		}
	})
}

func TestCallerDeadlineAndCancellationAreExcluded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := testSettings()
		s.VolumeThreshold = 1
		b := newTestBreaker(t, s)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := Call(ctx, b, hang)
		if errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want the caller's own deadline error", err)
		}
		ctx, cancel = context.WithCancel(context.Background())
		go func() { synctest.Wait(); cancel() }()
		if _, err := Call(ctx, b, hang); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		wantState(t, b, StateClosed)
		if st := b.Stats(); st.Failures != 0 || st.Successes != 0 || st.Timeouts != 0 || st.Fires != 2 {
			t.Errorf("stats = %+v, want 2 fires counted as neither", st)
		}
	})
}

func TestClassification(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want outcome
	}{
		{"nil", nil, outcomeSuccess},
		{"400", statusErr(400), outcomeSuccess},
		{"404 wrapped", errors.Join(errors.New("get contact"), statusErr(404)), outcomeSuccess},
		{"408", statusErr(408), outcomeFailure},
		{"429", statusErr(429), outcomeExcluded},
		{"500", statusErr(500), outcomeFailure},
		{"503", statusErr(503), outcomeFailure},
		{"transport", errBoom, outcomeFailure},
		{"attempts timed out", &TimeoutError{Attempts: 3, Err: errBoom}, outcomeTimeout},
		{"canceled", context.Canceled, outcomeExcluded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := classify(context.Background(), context.Background(), tc.err); got != tc.want {
				t.Errorf("classify(%v) = %d, want %d", tc.err, got, tc.want)
			}
		})
	}
}

func TestFourHundredsDoNotOpenAndCloseAHalfOpenCircuit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newTestBreaker(t, testSettings())
		if err := callN(b, 10, failWith(statusErr(404))); !errors.Is(err, statusErr(404)) {
			t.Fatalf("err = %v, want the 404 unchanged", err)
		}
		callN(b, 10, failWith(statusErr(429)))
		callN(b, 9, failWith(statusErr(500)))
		wantState(t, b, StateClosed) // 9 of 19: the 404s are successes, the 429s not counted
		callN(b, 1, failWith(statusErr(500)))
		wantState(t, b, StateOpen) // 10 of 20
		if st := b.Stats(); st.Successes != 10 || st.Failures != 10 || st.Fires != 30 {
			t.Errorf("stats = %+v, want 10 successes, 10 failures, 30 fires", st)
		}
	})
}

func TestCapacityRejectsAtOnceWithoutFailing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := testSettings()
		s.Capacity, s.VolumeThreshold = 1, 1
		rec := &recorder{}
		b := newTestBreaker(t, s, WithListener(rec.listen))
		release := make(chan struct{})
		done := make(chan struct{})
		go func() {
			Call(context.Background(), b, func(context.Context) (int, error) { <-release; return 1, nil })
			close(done)
		}()
		synctest.Wait()
		called := false
		_, err := Call(context.Background(), b, func(context.Context) (int, error) { called = true; return 0, nil })
		if !errors.Is(err, ErrCapacity) || called {
			t.Fatalf("second call: err %v, called %v; want ErrCapacity without a call", err, called)
		}
		close(release)
		<-done
		wantState(t, b, StateClosed)
		st := b.Stats()
		if st.SemaphoreRejections != 1 || st.Failures != 0 || st.Successes != 1 {
			t.Errorf("stats = %+v, want 1 semaphore rejection, no failure", st)
		}
		if !slices.Contains(rec.types(), "semaphoreLocked") {
			t.Errorf("events %v lack semaphoreLocked", rec.types())
		}
		if _, err := Call(context.Background(), b, succeed); err != nil {
			t.Errorf("slot not released: %v", err)
		}
	})
}

func TestOldSuccessDoesNotCloseAnOpenCircuit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newTestBreaker(t, testSettings())
		release := make(chan struct{})
		done := make(chan struct{})
		go func() {
			Call(context.Background(), b, func(context.Context) (int, error) { <-release; return 1, nil })
			close(done)
		}()
		synctest.Wait()
		callN(b, 4, failWith(errBoom))
		wantState(t, b, StateOpen)
		close(release)
		<-done
		wantState(t, b, StateOpen)
	})
}

func TestDisabledPassesThrough(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := testSettings()
		s.Enabled = false
		rec := &recorder{}
		b := newTestBreaker(t, s, WithListener(rec.listen))
		if err := callN(b, 20, failWith(errBoom)); err != errBoom {
			t.Fatalf("err = %v, want the function's error", err)
		}
		wantState(t, b, StateClosed)
		if got := rec.types(); len(got) != 20 || got[0] != "fire" {
			t.Errorf("events = %v, want only fire", got)
		}
		b.SetEnabled(true)
		callN(b, 4, failWith(errBoom))
		wantState(t, b, StateOpen)
	})
}

func TestForceOpenAndReset(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		b := newTestBreaker(t, testSettings(), WithListener(rec.listen))
		b.ForceOpen()
		wantState(t, b, StateOpen)
		time.Sleep(time.Hour)
		wantState(t, b, StateOpen) // forced: no half-open
		if _, err := Call(context.Background(), b, succeed); !errors.Is(err, ErrOpen) {
			t.Fatalf("call while forced open: %v", err)
		}
		b.Reset()
		wantState(t, b, StateClosed)
		if _, err := Call(context.Background(), b, succeed); err != nil {
			t.Fatalf("call after reset: %v", err)
		}
		callN(b, 3, failWith(errBoom)) // 3 of 4: opens
		b.Reset()
		wantState(t, b, StateClosed)
		want := []string{"open", "fire", "reject", "close", "fire", "success",
			"fire", "failure", "fire", "failure", "fire", "failure", "open", "close"}
		if got := rec.types(); !slices.Equal(got, want) {
			t.Errorf("events =\n %v\nwant\n %v", got, want)
		}
		if st := b.Stats(); st.Failures != 3 || st.Rejects != 1 || st.Successes != 1 {
			t.Errorf("stats after reset = %+v: the window must survive", st)
		}
	})
}

func TestFallback(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		b := newTestBreaker(t, testSettings(), WithListener(rec.listen))
		var gotErrs []error
		fb := func(_ context.Context, err error) (int, error) { gotErrs = append(gotErrs, err); return -1, nil }
		v, err := CallWithFallback(context.Background(), b, failWith(errBoom), fb)
		if v != -1 || err != nil || len(gotErrs) != 1 || gotErrs[0] != errBoom {
			t.Fatalf("failure: %d, %v, fallback got %v", v, err, gotErrs)
		}
		if got := rec.types(); !slices.Equal(got, []string{"fire", "failure", "fallback"}) {
			t.Errorf("events = %v, want [fire failure fallback]", got)
		}
		if _, err := CallWithFallback(context.Background(), b, failWith(statusErr(404)), fb); !errors.Is(err, statusErr(404)) || len(gotErrs) != 1 {
			t.Errorf("404 went to the fallback: %v", err)
		}
		callN(b, 4, failWith(errBoom))
		v, _ = CallWithFallback(context.Background(), b, succeed, fb)
		if v != -1 || !errors.Is(gotErrs[1], ErrOpen) {
			t.Errorf("open: %d, fallback got %v", v, gotErrs)
		}
		b.RecordFallback()
		if st := b.Stats(); st.Fallbacks != 3 {
			t.Errorf("fallbacks = %d, want 3", st.Fallbacks)
		}
	})
}

func TestStatsPercentilesAndWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newTestBreaker(t, testSettings())
		if st := b.Stats(); st.Latency != (Latency{}) {
			t.Errorf("empty latency = %+v, want zeros", st.Latency)
		}
		for _, ms := range []int{10, 20, 30, 40} {
			Call(context.Background(), b, func(context.Context) (int, error) {
				time.Sleep(time.Duration(ms) * time.Millisecond)
				return 0, nil
			})
		}
		st := b.Stats()
		near := func(got, want float64) bool { return got >= want*0.99 && got <= want*1.01 }
		if !near(st.Latency.Mean, 25) || !near(st.Latency.P50, 20) || !near(st.Latency.P95, 40) || !near(st.Latency.P99, 40) {
			t.Errorf("latency = %+v, want mean 25, p50 20, p95 40, p99 40 (ms, ±1 %%)", st.Latency)
		}
		time.Sleep(5 * time.Second)
		if st := b.Stats(); st.Successes != 4 {
			t.Errorf("after half the window: successes %d, want 4", st.Successes)
		}
		time.Sleep(6 * time.Second)
		if st := b.Stats(); st != (Stats{}) {
			t.Errorf("after the window: %+v, want zeros", st)
		}
	})
}

func TestEventsFullCycle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		b := newTestBreaker(t, testSettings(), WithListener(rec.listen))
		callN(b, 3, succeed)
		callN(b, 3, failWith(errBoom))
		callN(b, 1, succeed)
		time.Sleep(10*time.Second + time.Millisecond)
		callN(b, 1, succeed)
		want := []string{"fire", "success", "fire", "success", "fire", "success",
			"fire", "failure", "fire", "failure", "fire", "failure", "open",
			"fire", "reject", "halfOpen", "fire", "success", "close"}
		if got := rec.types(); !slices.Equal(got, want) {
			t.Errorf("events =\n %v\nwant\n %v", got, want)
		}
	})
}

// A listener that calls back into the breaker would deadlock if it ran under
// gobreaker's lock (RESILIENCE.md TL;DR 8).
func TestListenersRunOutsideTheLock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b *Breaker
		var seen []State
		b = newTestBreaker(t, testSettings(), WithListener(func(e Event) {
			if e.Type == EventOpen || e.Type == EventHalfOpen || e.Type == EventClose {
				seen = append(seen, b.State())
				_ = b.Stats()
			}
		}))
		callN(b, 4, failWith(errBoom))
		time.Sleep(11 * time.Second)
		callN(b, 1, succeed)
		if want := []State{StateOpen, StateHalfOpen, StateClosed}; !slices.Equal(seen, want) {
			t.Errorf("states seen by the listener = %v, want %v", seen, want)
		}
	})
}

// Property: while the circuit is OPEN, the wrapped function is never called.
func TestPropertyNeverCallsWhileOpen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := testSettings()
		s.VolumeThreshold = 2
		b := newTestBreaker(t, s)
		rng := newRand(42)
		for i := range 5000 {
			switch rng.IntN(10) {
			case 0:
				time.Sleep(time.Duration(rng.IntN(3000)) * time.Millisecond)
			case 1:
				if rng.IntN(50) == 0 {
					b.Reset()
				}
			default:
				open := b.State() == StateOpen
				called := false
				fail := rng.IntN(3) > 0
				Call(context.Background(), b, func(context.Context) (int, error) {
					called = true
					if fail {
						return 0, errBoom
					}
					return 1, nil
				})
				if open && called {
					t.Fatalf("step %d: function called while OPEN", i)
				}
			}
		}
	})
}
