package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/time/rate"
)

// Outcome is the caller's verdict on a delivery error (see WorkerOptions.Classify).
type Outcome int

const (
	// Retry: try again after a backoff, until MaxAttempts. The zero value, so a
	// classifier that falls through never gives up on a job.
	Retry Outcome = iota
	// Delivered: the upstream has the payload after all (e.g. Lemlist's "Lead already
	// in the campaign"); the job ends delivered.
	Delivered
	// Fail: the error is permanent (e.g. a 400 that will never pass); the job ends
	// failed at once.
	Fail
)

// Limiter paces delivery attempts; *rate.Limiter implements it.
type Limiter interface {
	Wait(ctx context.Context) error
}

// WorkerOptions configures a Worker. Only Deliver is required.
type WorkerOptions struct {
	// Deliver sends one payload upstream; nil means delivered. It must honour ctx:
	// a delivery cut short by shutdown hands the job back unattempted.
	Deliver func(ctx context.Context, payload []byte) error
	// Classify judges a non-nil Deliver error. Default: always Retry.
	Classify func(error) Outcome
	// Gate says how long to wait before trying the upstream (0 = go), e.g. the time
	// left until the circuit half-opens. While it is closed no job is attempted, so an
	// outage does not burn attempts. Default: always open.
	Gate func() time.Duration
	// Limiter paces attempts. Default: one per 100 ms, which keeps one worker under
	// Lemlist's 20 requests per 2 s; share one limiter with the direct call path (and
	// lower it per replica) to keep the whole service under it.
	Limiter Limiter
	// MaxAttempts is how many attempts a job gets before it is marked failed
	// (QUEUE_MAX_ATTEMPTS). Default 20.
	MaxAttempts int
	// BackoffMin and BackoffMax bound the wait between a job's attempts
	// (QUEUE_BACKOFF_MIN/MAX): BackoffMin doubling per attempt, capped at BackoffMax,
	// jittered down by up to half but never below BackoffMin. Defaults 1s and 16s.
	BackoffMin, BackoffMax time.Duration
	// Concurrency is how many jobs this worker delivers at once. Default 1.
	Concurrency int
	// PollInterval bounds how long the worker waits for work or re-checks a closed
	// Gate, and so how long Run takes to return after ctx is done. Default 1s.
	PollInterval time.Duration
	// Consumer names this worker in the consumer group; it must be unique among
	// running workers. Default: host name plus random digits.
	Consumer string
	// Logger receives one line per failed job and per store error.
	Logger zerolog.Logger
}

// settleTimeout bounds recording an outcome, which still runs after ctx is done so
// that the job in hand is settled before Run returns.
const settleTimeout = 5 * time.Second

// Worker delivers jobs from a Source. Run one per replica; several workers, in one
// process or many, share the jobs so that each is delivered once.
type Worker struct {
	src Source
	o   WorkerOptions
}

// NewWorker returns a worker for src. It returns an error when Deliver is nil or the
// backoff bounds are inconsistent.
func NewWorker(src Source, o WorkerOptions) (*Worker, error) {
	if o.Deliver == nil {
		return nil, errors.New("queue: WorkerOptions.Deliver is required")
	}
	if o.Classify == nil {
		o.Classify = func(error) Outcome { return Retry }
	}
	if o.Gate == nil {
		o.Gate = func() time.Duration { return 0 }
	}
	if o.Limiter == nil {
		o.Limiter = rate.NewLimiter(rate.Every(100*time.Millisecond), 1)
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.BackoffMin <= 0 {
		o.BackoffMin = DefaultBackoffMin
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = max(DefaultBackoffMax, o.BackoffMin)
	}
	if o.BackoffMax < o.BackoffMin {
		return nil, fmt.Errorf("queue: BackoffMax %v is below BackoffMin %v", o.BackoffMax, o.BackoffMin)
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 1
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.Consumer == "" {
		host, _ := os.Hostname()
		var b [4]byte
		_, _ = rand.Read(b[:])
		o.Consumer = host + "-" + hex.EncodeToString(b[:])
	}
	return &Worker{src: src, o: o}, nil
}

// Run delivers jobs until ctx is done, then returns nil once every job in hand is
// settled: delivered, scheduled again, failed, or handed back unattempted when the
// delivery was cut short. A job whose settling fails (store down) stays with this
// consumer and is taken over by another after ClaimMinIdle.
func (w *Worker) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for i := range w.o.Concurrency {
		consumer := w.o.Consumer + "-" + strconv.Itoa(i)
		wg.Go(func() {
			w.loop(ctx, consumer)
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
			defer cancel()
			if err := w.src.retire(rctx, consumer); err != nil {
				w.o.Logger.Warn().Err(err).Msg("queue: could not remove the stopped consumer")
			}
		})
	}
	wg.Wait()
	return nil
}

func (w *Worker) loop(ctx context.Context, consumer string) {
	log := w.o.Logger.With().Str("consumer", consumer).Logger()
	for ctx.Err() == nil {
		if d := w.o.Gate(); d > 0 {
			sleep(ctx, min(d, w.o.PollInterval))
			continue
		}
		c, ok, err := w.src.claim(ctx, consumer, w.o.PollInterval)
		if err != nil {
			if ctx.Err() == nil {
				log.Error().Err(err).Msg("queue: claim failed")
				sleep(ctx, w.o.PollInterval)
			}
			continue
		}
		if ok {
			w.process(ctx, c, log)
		}
	}
}

// process attempts one claimed job and records the outcome.
func (w *Worker) process(ctx context.Context, c claimed, log zerolog.Logger) {
	s := w.attempt(ctx, c)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	owned, err := w.src.settle(sctx, c, s)
	l := log.With().Str("job_id", c.job.ID).Str("outcome", string(s.mode)).Logger()
	switch {
	case err != nil:
		l.Error().Err(err).Msg("queue: recording the outcome failed; the job will be claimed again")
	case !owned:
		l.Warn().Msg("queue: another consumer took the job over; outcome not recorded")
	case s.mode == settleFailed:
		l.Warn().Int("attempts", c.job.Attempts+1).Str("last_error", capError(s.lastError)).Msg("queue: job failed")
	}
}

// attempt delivers the job unless it must not be tried now, and judges the result.
func (w *Worker) attempt(ctx context.Context, c claimed) settlement {
	if c.missing || c.job.State.Final() {
		return settlement{mode: settleDrop}
	}
	if err := w.o.Limiter.Wait(ctx); err != nil {
		return settlement{mode: settleRelease}
	}
	if w.o.Gate() > 0 { // closed while we waited: keep the attempt for later
		return settlement{mode: settleRelease}
	}
	err := w.deliver(ctx, c.job.Payload)
	if err == nil {
		return settlement{mode: settleDelivered}
	}
	if ctx.Err() != nil {
		return settlement{mode: settleRelease}
	}
	switch w.o.Classify(err) {
	case Delivered:
		return settlement{mode: settleDelivered}
	case Fail:
		return settlement{mode: settleFailed, lastError: err.Error()}
	}
	n := c.job.Attempts + 1
	if n >= w.o.MaxAttempts {
		return settlement{mode: settleFailed, lastError: err.Error()}
	}
	return settlement{mode: settleRetry, lastError: err.Error(), delay: backoff(n, w.o.BackoffMin, w.o.BackoffMax)}
}

// deliver calls Deliver, turning a panic into an error so one bad payload cannot
// stop the worker.
func (w *Worker) deliver(ctx context.Context, payload []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("queue: deliver panicked: %v", r)
		}
	}()
	return w.o.Deliver(ctx, payload)
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
