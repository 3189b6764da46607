package queue

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

var errInvalid = errors.New("lemlist: 400 Invalid email")

// jobIn returns a new job brought to state by claiming and settling it directly.
func jobIn(t *testing.T, q Source, payload string, state State) Job {
	t.Helper()
	j, err := q.Enqueue(t.Context(), []byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	mode := map[State]settleMode{StateRetrying: settleRetry, StateDelivered: settleDelivered, StateFailed: settleFailed}[state]
	if mode == "" {
		return j
	}
	c, ok, err := q.claim(t.Context(), "setup", time.Second)
	if err != nil || !ok || c.job.ID != j.ID {
		t.Fatalf("claim() = %+v, %v, %v; want job %s", c, ok, err, j.ID)
	}
	s := settlement{mode: mode, delay: time.Hour}
	if mode != settleDelivered {
		s.lastError = errInvalid.Error()
	}
	if owned, err := q.settle(t.Context(), c, s); err != nil || !owned {
		t.Fatalf("settle(%s) = %v, %v", mode, owned, err)
	}
	return mustGet(t, q, j.ID)
}

// TestRequeueFailedJob: a job the worker failed is re-queued (attempts reset,
// lastError kept, no expiry, counted active again) and then delivered once.
func TestRequeueFailedJob(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			clock := newFakeClock()
			o, reg := testOptions(clock)
			o.Retention = time.Hour
			q := b.open(t, o)
			var mu sync.Mutex
			broken := true
			rec := newRecorder(func([]byte) error {
				mu.Lock()
				defer mu.Unlock()
				if broken {
					return errInvalid
				}
				return nil
			})
			wo := fastWorker(rec.deliver)
			wo.Classify = func(error) Outcome { return Fail }
			job, err := q.Enqueue(t.Context(), []byte("lead"))
			if err != nil {
				t.Fatal(err)
			}
			stop := startWorker(t, mustWorker(t, q, wo))
			eventually(t, "the job to fail", func() bool { return mustGet(t, q, job.ID).State == StateFailed })
			stop()

			mu.Lock()
			broken = false
			mu.Unlock()
			clock.Advance(time.Minute)
			got, err := q.Requeue(t.Context(), job.ID)
			if err != nil {
				t.Fatalf("Requeue() error = %v", err)
			}
			if got.State != StateQueued || got.Attempts != 0 || got.LastError != errInvalid.Error() ||
				!got.UpdatedAt.Equal(clock.Now()) || !got.CreatedAt.Equal(job.CreatedAt) || string(got.Payload) != "lead" {
				t.Errorf("Requeue() = %+v; want queued, 0 attempts, lastError kept, updated %v", got, clock.Now())
			}
			if stored := mustGet(t, q, job.ID); stored.State != StateQueued || stored.Attempts != 0 || stored.LastError != got.LastError {
				t.Errorf("stored job = %+v, want the re-queued record", stored)
			}
			for name, want := range map[string]float64{"queue_depth": 1, "queue_jobs_requeued_total": 1, "queue_jobs_failed_total": 1} {
				if n := metricValue(t, reg, name); n != want {
					t.Errorf("%s = %v, want %v", name, n, want)
				}
			}
			if rq, ok := q.(*RedisQueue); ok {
				if ttl := rq.rdb.PTTL(t.Context(), rq.jobKey(job.ID)).Val(); ttl != -1 {
					t.Errorf("PTTL of the re-queued record = %v, want -1 (no expiry)", ttl)
				}
			}
			clock.Advance(2 * o.Retention) // a live job never expires
			mustGet(t, q, job.ID)

			startWorker(t, mustWorker(t, q, wo))
			eventually(t, "the job to be delivered", func() bool { return mustGet(t, q, job.ID).State == StateDelivered })
			if n := rec.count("lead"); n != 1 {
				t.Errorf("lead delivered %d times, want 1", n)
			}
			if j := mustGet(t, q, job.ID); j.Attempts != 1 || j.Payload != nil {
				t.Errorf("delivered job = %+v, want 1 attempt and no payload", j)
			}
			if n := metricValue(t, reg, "queue_depth"); n != 0 {
				t.Errorf("queue_depth = %v, want 0", n)
			}
		})
	}
}

// TestRequeueRefused: only failed jobs can be re-queued; nothing changes otherwise.
func TestRequeueRefused(t *testing.T) {
	tests := []struct {
		name  string
		state State // "" means an unknown ID
		id    string
		want  error
	}{
		{"unknown id", "", "0123456789abcdef0123456789abcdef", ErrJobNotFound},
		{"malformed id", "", "not-an-id", ErrJobNotFound},
		{"queued job", StateQueued, "", ErrNotFailed},
		{"retrying job", StateRetrying, "", ErrNotFailed},
		{"delivered job", StateDelivered, "", ErrNotFailed},
	}
	for _, b := range backends() {
		for _, tt := range tests {
			t.Run(b.name+"/"+tt.name, func(t *testing.T) {
				o, reg := testOptions(newFakeClock())
				q := b.open(t, o)
				id := tt.id
				var before Job
				if tt.state != "" {
					before = jobIn(t, q, "lead", tt.state)
					id = before.ID
				}
				got, err := q.Requeue(t.Context(), id)
				if !errors.Is(err, tt.want) {
					t.Fatalf("Requeue() error = %v, want %v", err, tt.want)
				}
				if tt.state != "" {
					if got.State != tt.state || !strings.Contains(err.Error(), string(tt.state)) {
						t.Errorf("Requeue() = %+v, %v; want the job as it is (%s)", got, err, tt.state)
					}
					if after := mustGet(t, q, id); after.State != before.State || after.Attempts != before.Attempts ||
						!after.UpdatedAt.Equal(before.UpdatedAt) {
						t.Errorf("job changed from %+v to %+v", before, after)
					}
				}
				if n := metricValue(t, reg, "queue_jobs_requeued_total"); n != 0 {
					t.Errorf("queue_jobs_requeued_total = %v, want 0", n)
				}
			})
		}
	}
}

// TestRequeueIsAtomic: two concurrent Requeue calls on one failed job: exactly
// one wins, the other gets ErrNotFailed, and the job is delivered once.
func TestRequeueIsAtomic(t *testing.T) {
	const jobs = 10
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			o, reg := testOptions(newFakeClock())
			q := b.open(t, o)
			ids := make([]string, jobs)
			for i := range ids {
				ids[i] = jobIn(t, q, "lead-"+string(rune('a'+i)), StateFailed).ID
			}
			errs := make([][2]error, jobs)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, id := range ids {
				for k := range 2 {
					wg.Go(func() {
						<-start
						_, errs[i][k] = q.Requeue(t.Context(), id)
					})
				}
			}
			close(start)
			wg.Wait()
			for i, e := range errs {
				won := (e[0] == nil) != (e[1] == nil)
				lost := errors.Is(e[0], ErrNotFailed) || errors.Is(e[1], ErrNotFailed)
				if !won || !lost {
					t.Errorf("job %d: Requeue() errors = %v, %v; want one nil and one ErrNotFailed", i, e[0], e[1])
				}
			}
			if n := metricValue(t, reg, "queue_depth"); n != jobs {
				t.Errorf("queue_depth = %v, want %d", n, jobs)
			}
			rec := newRecorder(nil)
			wo := fastWorker(rec.deliver)
			wo.Concurrency = 4
			startWorker(t, mustWorker(t, q, wo))
			eventually(t, "every job delivered", func() bool {
				return metricValue(t, reg, "queue_jobs_delivered_total") == jobs
			})
			for i, id := range ids {
				if n := rec.count("lead-" + string(rune('a'+i))); n != 1 {
					t.Errorf("job %s delivered %d times, want 1", id, n)
				}
			}
			if n := metricValue(t, reg, "queue_jobs_requeued_total"); n != jobs {
				t.Errorf("queue_jobs_requeued_total = %v, want %d", n, jobs)
			}
		})
	}
}
