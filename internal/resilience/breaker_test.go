package resilience

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sony/gobreaker/v2"
)

// Every test that involves time runs in a synctest bubble: time.Now (which
// gobreaker reads), timers and context deadlines are virtual, and time.Sleep
// advances them at once.

func TestOpensAtThresholdOverCompletedCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newTestBreaker(t, testSettings()) // 50 %, volume 4
		callN(b, 2, succeed)
		callN(b, 1, failWith(errBoom))
		wantState(t, b, StateClosed) // 3 calls: below the volume
		callN(b, 1, failWith(errBoom))
		wantState(t, b, StateOpen) // 2 of 4 = 50 %: ≥ threshold opens

		called := false
		_, err := Call(context.Background(), b, func(context.Context) (int, error) { called = true; return 0, nil })
		var oe *OpenError
		if !errors.As(err, &oe) || !errors.Is(err, ErrOpen) || !errors.Is(err, gobreaker.ErrOpenState) || called {
			t.Fatalf("call while open: err %v, called %v; want *OpenError and no call", err, called)
		}
		if oe.RetryAfter != 10*time.Second || b.RetryAfter() != 10*time.Second {
			t.Errorf("RetryAfter = %s / %s, want 10s", oe.RetryAfter, b.RetryAfter())
		}
		st := b.Stats()
		if st.Fires != 5 || st.Successes != 2 || st.Failures != 2 || st.Rejects != 1 {
			t.Errorf("stats = %+v, want fires 5, successes 2, failures 2, rejects 1", st)
		}
	})
}

func TestStaysClosedBelowThresholdOrVolume(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newTestBreaker(t, testSettings())
		callN(b, 3, succeed)
		callN(b, 1, failWith(errBoom)) // 25 %
		wantState(t, b, StateClosed)

		s := testSettings()
		s.VolumeThreshold = 3
		b = newTestBreaker(t, s)
		callN(b, 2, failWith(errBoom))
		wantState(t, b, StateClosed) // 100 % but only 2 calls
		callN(b, 1, failWith(errBoom))
		wantState(t, b, StateOpen)
	})
}

func TestTripCountsRollOutOfTheWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newTestBreaker(t, testSettings())
		callN(b, 3, failWith(errBoom))
		time.Sleep(11 * time.Second) // the window is 10s
		callN(b, 1, failWith(errBoom))
		wantState(t, b, StateClosed) // one failure left in the window: below the volume
		if st := b.Stats(); st.Failures != 1 {
			t.Errorf("stats window failures = %d, want 1", st.Failures)
		}
	})
}

func TestHalfOpenAfterResetTimeoutWithoutTraffic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		b := newTestBreaker(t, testSettings(), WithListener(rec.listen))
		callN(b, 4, failWith(errBoom))
		wantState(t, b, StateOpen)
		time.Sleep(9 * time.Second)
		wantState(t, b, StateOpen)
		if got := b.RetryAfter(); got != time.Second {
			t.Errorf("RetryAfter = %s, want 1s", got)
		}
		time.Sleep(time.Second + time.Millisecond)
		rec.reset()
		wantState(t, b, StateHalfOpen)
		if got := rec.types(); !slices.Equal(got, []string{"halfOpen"}) {
			t.Errorf("events on reading the state = %v, want [halfOpen]", got)
		}
		rec.reset()
		callN(b, 1, succeed)
		wantState(t, b, StateClosed)
		if got := rec.types(); !slices.Equal(got, []string{"fire", "success", "close"}) {
			t.Errorf("probe events = %v, want [fire success close]", got)
		}
	})
}

func TestFailedProbeReopensEvenWithWarmUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := testSettings()
		s.AllowWarmUp = true
		rec := &recorder{}
		b := newTestBreaker(t, s, WithListener(rec.listen))
		time.Sleep(s.RollingCountTimeout) // warm-up over
		callN(b, 4, failWith(errBoom))
		time.Sleep(s.ResetTimeout + time.Millisecond)
		wantState(t, b, StateHalfOpen)
		rec.reset()
		callN(b, 1, failWith(statusErr(503)))
		wantState(t, b, StateOpen)
		if got := rec.types(); !slices.Equal(got, []string{"fire", "failure", "open"}) {
			t.Errorf("events = %v, want [fire failure open]", got)
		}
		if got := b.RetryAfter(); got != s.ResetTimeout {
			t.Errorf("RetryAfter after re-open = %s, want a full %s", got, s.ResetTimeout)
		}
	})
}

func TestWarmUpDelaysOpening(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := testSettings()
		s.AllowWarmUp = true
		b := newTestBreaker(t, s)
		callN(b, 6, failWith(errBoom))
		wantState(t, b, StateClosed)
		time.Sleep(s.RollingCountTimeout)
		callN(b, 4, failWith(errBoom))
		wantState(t, b, StateOpen)
	})
}

func TestHalfOpenAdmitsHalfOpenMaxCallsProbes(t *testing.T) {
	for _, tc := range []struct {
		name      string
		probeErrs []error
		want      State
	}{
		{"all succeed closes", []error{nil, nil, nil}, StateClosed},
		{"one failure reopens", []error{nil, statusErr(500), nil}, StateOpen},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := testSettings()
				s.HalfOpenMaxCalls = 3
				b := newTestBreaker(t, s)
				callN(b, 4, failWith(errBoom))
				time.Sleep(s.ResetTimeout + time.Millisecond)

				release := make([]chan struct{}, 3)
				done := make(chan error, 3)
				for i := range release {
					release[i] = make(chan struct{})
					go func() {
						_, err := Call(context.Background(), b, func(context.Context) (int, error) {
							<-release[i]
							return 0, tc.probeErrs[i]
						})
						done <- err
					}()
				}
				synctest.Wait() // three probes in flight
				_, err := Call(context.Background(), b, succeed)
				var oe *OpenError
				if !errors.As(err, &oe) || !oe.HalfOpen {
					t.Fatalf("fourth call: %v, want a half-open *OpenError", err)
				}
				for i := range release {
					close(release[i])
					<-done
				}
				wantState(t, b, tc.want)
			})
		})
	}
}

func TestHungProbeIsBoundedByTheTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := testSettings()
		b := newTestBreaker(t, s)
		callN(b, 4, failWith(errBoom))
		time.Sleep(s.ResetTimeout + time.Millisecond)
		done := make(chan error, 1)
		go func() { _, err := Call(context.Background(), b, hang); done <- err }()
		synctest.Wait()
		if _, err := Call(context.Background(), b, succeed); !errors.Is(err, ErrOpen) {
			t.Fatalf("call beside the probe: %v, want ErrOpen", err)
		}
		err := <-done // returns at the whole-call timeout, virtual time
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("hung probe: %v, want ErrTimeout", err)
		}
		wantState(t, b, StateOpen)
	})
}
