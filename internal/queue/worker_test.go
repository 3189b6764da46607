package queue

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/time/rate"
)

// recorder is a fake deliverer: it records every payload it accepted.
type recorder struct {
	calls atomic.Int64
	fail  func(payload []byte) error // nil: accept everything

	mu  sync.Mutex
	got map[string]int
}

func newRecorder(fail func([]byte) error) *recorder {
	return &recorder{fail: fail, got: map[string]int{}}
}

func (r *recorder) deliver(_ context.Context, p []byte) error {
	r.calls.Add(1)
	if r.fail != nil {
		if err := r.fail(p); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got[string(p)]++
	return nil
}

func (r *recorder) count(p string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got[p]
}

func (r *recorder) distinct() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// fastWorker returns worker options that never wait on a rate limit and poll often.
func fastWorker(deliver func(context.Context, []byte) error) WorkerOptions {
	return WorkerOptions{
		Deliver: deliver, Limiter: rate.NewLimiter(rate.Inf, 0),
		PollInterval: 5 * time.Millisecond, Logger: zerolog.Nop(),
	}
}

func mustWorker(t *testing.T, src Source, o WorkerOptions) *Worker {
	t.Helper()
	w, err := NewWorker(src, o)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

var errDown = errors.New("lemlist: 503 Service Unavailable")

func TestDownThenRecovered(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			clock := newFakeClock()
			o, reg := testOptions(clock)
			q := b.open(t, o)
			var down atomic.Bool
			down.Store(true)
			rec := newRecorder(func([]byte) error {
				if down.Load() {
					return errDown
				}
				return nil
			})
			stop := startWorker(t, mustWorker(t, q, fastWorker(rec.deliver)))

			job, err := q.Enqueue(t.Context(), []byte("lead-1"))
			if err != nil {
				t.Fatal(err)
			}
			if job.State != StateQueued || job.Attempts != 0 {
				t.Fatalf("Enqueue() = %+v, want queued with 0 attempts", job)
			}
			eventually(t, "the first attempt to fail", func() bool {
				return mustGet(t, q, job.ID).State == StateRetrying
			})

			down.Store(false)
			eventually(t, "delivery once the retry is due", func() bool {
				clock.Advance(time.Minute) // past any backoff; the clock decides when a retry is due
				return mustGet(t, q, job.ID).State == StateDelivered
			})
			stop()

			got := mustGet(t, q, job.ID)
			if got.Attempts != 2 || got.LastError != errDown.Error() || got.DeliveredAt.IsZero() || got.Payload != nil {
				t.Errorf("job = %+v, want 2 attempts, lastError %q, deliveredAt set, payload gone", got, errDown)
			}
			if n := rec.count("lead-1"); n != 1 {
				t.Errorf("payload delivered %d times, want 1", n)
			}
			for name, want := range map[string]float64{
				"queue_jobs_enqueued_total": 1, "queue_jobs_delivered_total": 1, "queue_job_retries_total": 1,
				"queue_jobs_failed_total": 0, "queue_depth": 0, "queue_delivery_latency_seconds": 1,
			} {
				if got := metricValue(t, reg, name); got != want {
					t.Errorf("%s = %v, want %v", name, got, want)
				}
			}
		})
	}
}

func TestOutcomes(t *testing.T) {
	errAlready := errors.New("lemlist: 400 Lead already in the campaign")
	errBad := errors.New("lemlist: 400 No valid fields to add")
	tests := []struct {
		name         string
		err          error
		outcome      Outcome
		wantState    State
		wantAttempts int
		wantError    string
	}{
		{"already in campaign counts as delivered", errAlready, Delivered, StateDelivered, 1, ""},
		{"permanent error fails at once", errBad, Fail, StateFailed, 1, errBad.Error()},
		{"retries end in failed after MaxAttempts", errDown, Retry, StateFailed, 3, errDown.Error()},
		{"long errors are capped", errors.New(strings.Repeat("é", 2000)), Fail, StateFailed, 1, strings.Repeat("é", 256) + "…"},
	}
	for _, b := range backends() {
		for _, tt := range tests {
			t.Run(b.name+"/"+tt.name, func(t *testing.T) {
				clock := newFakeClock()
				o, reg := testOptions(clock)
				q := b.open(t, o)
				rec := newRecorder(func([]byte) error { return tt.err })
				wo := fastWorker(rec.deliver)
				wo.MaxAttempts = 3
				wo.Classify = func(error) Outcome { return tt.outcome }
				stop := startWorker(t, mustWorker(t, q, wo))
				job, err := q.Enqueue(t.Context(), []byte("lead"))
				if err != nil {
					t.Fatal(err)
				}
				eventually(t, "a final state", func() bool {
					clock.Advance(time.Minute)
					return mustGet(t, q, job.ID).State.Final()
				})
				stop()
				got := mustGet(t, q, job.ID) // a failed job is kept and visible
				if got.State != tt.wantState || got.Attempts != tt.wantAttempts || got.LastError != tt.wantError {
					t.Errorf("job = %s after %d attempts, lastError %q; want %s after %d, %q",
						got.State, got.Attempts, got.LastError, tt.wantState, tt.wantAttempts, tt.wantError)
				}
				if calls := rec.calls.Load(); calls != int64(tt.wantAttempts) {
					t.Errorf("Deliver called %d times, want %d", calls, tt.wantAttempts)
				}
				wantFailed := 0.0
				if tt.wantState == StateFailed {
					wantFailed = 1
				}
				if got := metricValue(t, reg, "queue_jobs_failed_total"); got != wantFailed {
					t.Errorf("queue_jobs_failed_total = %v, want %v", got, wantFailed)
				}
				if got := metricValue(t, reg, "queue_depth"); got != 0 {
					t.Errorf("queue_depth = %v, want 0", got)
				}
			})
		}
	}
}

func TestGateClosedMeansNoAttempts(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			o, _ := testOptions(newFakeClock())
			q := b.open(t, o)
			job, err := q.Enqueue(t.Context(), []byte("lead"))
			if err != nil {
				t.Fatal(err)
			}
			rec := newRecorder(nil)
			var open atomic.Bool
			asked := make(chan struct{}, 100)
			wo := fastWorker(rec.deliver)
			wo.Gate = func() time.Duration {
				if open.Load() {
					return 0
				}
				select {
				case asked <- struct{}{}:
				default:
				}
				return time.Hour // the worker re-asks every PollInterval, not after an hour
			}
			startWorker(t, mustWorker(t, q, wo))
			for range 3 {
				<-asked
			}
			if n := rec.calls.Load(); n != 0 {
				t.Fatalf("Deliver called %d times while the gate was closed, want 0", n)
			}
			if got := mustGet(t, q, job.ID); got.State != StateQueued || got.Attempts != 0 {
				t.Fatalf("job = %s with %d attempts while the gate was closed, want queued with 0", got.State, got.Attempts)
			}
			open.Store(true)
			eventually(t, "delivery once the gate opens", func() bool {
				return mustGet(t, q, job.ID).State == StateDelivered
			})
		})
	}
}

// TestShutdownHandsBackJob: a worker stopped mid-delivery hands its job back without
// counting the attempt, and another worker delivers it.
func TestShutdownHandsBackJob(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			o, _ := testOptions(newFakeClock())
			q := b.open(t, o)
			started := make(chan struct{})
			stopA := startWorker(t, mustWorker(t, q, fastWorker(func(ctx context.Context, _ []byte) error {
				close(started)
				<-ctx.Done()
				return ctx.Err()
			})))
			job, err := q.Enqueue(t.Context(), []byte("lead"))
			if err != nil {
				t.Fatal(err)
			}
			<-started
			stopA()
			if got := mustGet(t, q, job.ID); got.State != StateQueued || got.Attempts != 0 {
				t.Fatalf("after shutdown job = %s with %d attempts, want queued with 0", got.State, got.Attempts)
			}
			rec := newRecorder(nil)
			stopB := startWorker(t, mustWorker(t, q, fastWorker(rec.deliver)))
			eventually(t, "the second worker to deliver", func() bool {
				return mustGet(t, q, job.ID).State == StateDelivered
			})
			stopB()
			if got := mustGet(t, q, job.ID); got.Attempts != 1 || rec.count("lead") != 1 {
				t.Errorf("attempts %d, deliveries %d; want 1 and 1", got.Attempts, rec.count("lead"))
			}
		})
	}
}
