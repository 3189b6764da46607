package queue

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// TestAbandonedJobIsTakenOver: a consumer that claimed a job and died (never settles)
// loses it after ClaimMinIdle; its late settle changes nothing.
func TestAbandonedJobIsTakenOver(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			clock := newFakeClock()
			o, reg := testOptions(clock)
			o.ClaimMinIdle = 50 * time.Millisecond // Redis measures idle time itself, in real time
			q := b.open(t, o)
			job, err := q.Enqueue(t.Context(), []byte("lead"))
			if err != nil {
				t.Fatal(err)
			}
			dead, ok, err := q.claim(t.Context(), "dead-consumer", time.Second)
			if err != nil || !ok || dead.job.ID != job.ID {
				t.Fatalf("claim() = %+v, %v, %v; want the job", dead, ok, err)
			}
			rec := newRecorder(nil)
			stop := startWorker(t, mustWorker(t, q, fastWorker(rec.deliver)))
			eventually(t, "another worker to take the job over", func() bool {
				clock.Advance(time.Second) // the memory queue measures idle time on the clock
				return mustGet(t, q, job.ID).State == StateDelivered
			})
			stop()
			owned, err := q.settle(t.Context(), dead, settlement{mode: settleFailed, lastError: "late"})
			if err != nil || owned {
				t.Errorf("late settle by the dead consumer = %v, %v; want not owned", owned, err)
			}
			got := mustGet(t, q, job.ID)
			if got.State != StateDelivered || got.Attempts != 1 || rec.count("lead") != 1 {
				t.Errorf("job = %s, %d attempts, %d deliveries; want delivered once", got.State, got.Attempts, rec.count("lead"))
			}
			if n := metricValue(t, reg, "queue_jobs_failed_total"); n != 0 {
				t.Errorf("queue_jobs_failed_total = %v, want 0", n)
			}
		})
	}
}

// TestTwoWorkersFlappingDeliverEachOnce: 1000 jobs, two workers, a third of the
// attempts failing at random: every payload arrives exactly once and none fails.
func TestTwoWorkersFlappingDeliverEachOnce(t *testing.T) {
	const jobs = 1000
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			o, reg := testOptions(newFakeClock())
			o.Clock = time.Now // real time: the backoffs below are milliseconds
			q := b.open(t, o)
			var attempts atomic.Int64
			rec := newRecorder(func([]byte) error {
				if attempts.Add(1)%3 == 0 {
					return errDown
				}
				return nil
			})
			ids := make([]string, jobs)
			for i := range jobs {
				j, err := q.Enqueue(t.Context(), fmt.Appendf(nil, "lead-%d", i))
				if err != nil {
					t.Fatal(err)
				}
				ids[i] = j.ID
			}
			for i := range 2 {
				wo := fastWorker(rec.deliver)
				wo.Concurrency, wo.MaxAttempts = 4, 100
				wo.BackoffMin, wo.BackoffMax = time.Millisecond, 4*time.Millisecond
				wo.Consumer = fmt.Sprintf("worker-%d", i)
				startWorker(t, mustWorker(t, q, wo))
			}
			eventually(t, "every job delivered", func() bool {
				return metricValue(t, reg, "queue_jobs_delivered_total") == jobs
			})
			for i := range jobs {
				if n := rec.count(fmt.Sprintf("lead-%d", i)); n != 1 {
					t.Errorf("lead-%d delivered %d times, want 1", i, n)
				}
			}
			for _, id := range ids {
				if j := mustGet(t, q, id); j.State != StateDelivered {
					t.Errorf("job %s is %s, want delivered", id, j.State)
				}
			}
			if n := metricValue(t, reg, "queue_jobs_failed_total"); n != 0 {
				t.Errorf("queue_jobs_failed_total = %v, want 0", n)
			}
			if n := metricValue(t, reg, "queue_depth"); n != 0 {
				t.Errorf("queue_depth = %v, want 0", n)
			}
			if rec.distinct() != jobs {
				t.Errorf("%d distinct payloads delivered, want %d", rec.distinct(), jobs)
			}
		})
	}
}
