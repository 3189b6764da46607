// Package queue is a durable job queue for writes that must reach an upstream
// eventually: the service accepts the write (202), the queue stores it, and a
// Worker delivers it once the upstream recovers. A job the queue accepted is
// never dropped: it ends either delivered or failed (kept, visible, counted).
//
// Two implementations share one behaviour: RedisQueue (Redis Streams with a
// consumer group, durable, several replicas) and MemoryQueue (in-process, not
// durable; for sandbox mode and single-process development). The package knows
// nothing about leads or Lemlist: payloads are opaque bytes, and the caller
// supplies the delivery function and the classification of its errors.
package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// State is where a job is in its life.
type State string

// The states of a job, as API.md's GET /api/jobs/:jobId reports them.
const (
	StateQueued    State = "queued"    // accepted, not yet attempted
	StateRetrying  State = "retrying"  // attempted at least once, waiting for its next attempt
	StateDelivered State = "delivered" // delivered (or the upstream already had it); final
	StateFailed    State = "failed"    // gave up (permanent error or attempts exhausted); final, kept
)

// Final reports whether no further delivery attempt will be made.
func (s State) Final() bool { return s == StateDelivered || s == StateFailed }

// Job is one queued payload and its delivery record. Payload is never marshalled to
// JSON (it may hold personal data); after delivery it is no longer stored.
type Job struct {
	ID          string    `json:"jobId"`
	State       State     `json:"state"`
	Attempts    int       `json:"attempts"`
	LastError   string    `json:"lastError,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
	DeliveredAt time.Time `json:"deliveredAt,omitzero"`
	Payload     []byte    `json:"-"`
}

// Queue is what an HTTP handler needs: store a job, and look it up.
type Queue interface {
	// Enqueue stores payload as a new job in state queued and returns it. When it
	// returns nil the job is stored (durably for RedisQueue) and will be delivered or
	// marked failed; when it returns an error nothing was stored.
	Enqueue(ctx context.Context, payload []byte) (Job, error)
	// Get returns the job with the given ID. ok is false when no such job exists,
	// including finished jobs older than the retention and malformed IDs.
	Get(ctx context.Context, id string) (job Job, ok bool, err error)
	// Requeue gives a failed job another round: it becomes queued with attempts
	// reset to 0 (lastError kept, so the earlier failure stays visible), is no longer
	// subject to the retention, and is handed to a worker again. Only a failed job
	// that still has its payload qualifies. It returns the updated job, or
	// ErrJobNotFound, or ErrNotFailed together with the job as it is.
	Requeue(ctx context.Context, id string) (Job, error)
}

// Source is a Queue a Worker can consume. *RedisQueue and *MemoryQueue implement it;
// its consuming methods are unexported because their contract is internal.
type Source interface {
	Queue
	// claim hands one job to consumer: a retry that is due, a job another consumer
	// held for longer than ClaimMinIdle, or a new one. It waits up to wait for work
	// and returns ok=false when none came.
	claim(ctx context.Context, consumer string, wait time.Duration) (c claimed, ok bool, err error)
	// settle records the outcome of a claimed job. owned is false when another
	// consumer took the job over meanwhile; then nothing was changed.
	settle(ctx context.Context, c claimed, s settlement) (owned bool, err error)
	// retire forgets a consumer that stopped, unless it still holds jobs.
	retire(ctx context.Context, consumer string) error
}

// claimed is a job handed to one consumer.
type claimed struct {
	job      Job
	ref      string // the stream entry ID (Redis) or the claim token (memory)
	consumer string
	missing  bool // the entry names a job record that no longer exists
}

// settleMode is what happens to a claimed job.
type settleMode string

const (
	settleDelivered settleMode = "delivered"
	settleRetry     settleMode = "retry"
	settleFailed    settleMode = "failed"
	settleRelease   settleMode = "release" // hand back unattempted (shutdown): not counted
	settleDrop      settleMode = "drop"    // acknowledge an entry whose job is gone or final
)

type settlement struct {
	mode      settleMode
	lastError string
	delay     time.Duration // settleRetry: wait before the next attempt
}

// Options configures a queue. The zero value is usable except for Name.
type Options struct {
	// Name labels the metrics ({queue="<Name>"}) and, for Redis, the keys. Required;
	// the service uses "lemlist-leads".
	Name string
	// KeyPrefix is the prefix of every Redis key; default "queue:{<Name>}:" (the
	// braces keep all keys in one Redis Cluster slot, as the scripts need).
	KeyPrefix string
	// Retention is how long a job record is kept after it is delivered or failed
	// (JOB_RETENTION). Default 168h.
	Retention time.Duration
	// ClaimMinIdle is how long a job may stay with one consumer before another may
	// take it over (the holder is presumed dead). It must exceed the longest delivery
	// (LEMLIST_TIMEOUT plus the rate limiter's wait), or a slow delivery is repeated.
	// Default 2m.
	ClaimMinIdle time.Duration
	// Clock stamps jobs and decides when a retry is due. Default time.Now.
	Clock func() time.Time
	// Registerer receives the queue_* metrics; nil registers nothing.
	Registerer prometheus.Registerer
	// Logger receives warnings about anomalies (a stream entry without a job record).
	Logger zerolog.Logger
}

// Defaults of Options and WorkerOptions; they match API.md's configuration table.
const (
	DefaultRetention    = 168 * time.Hour
	DefaultClaimMinIdle = 2 * time.Minute
	DefaultMaxAttempts  = 20
	DefaultBackoffMin   = time.Second
	DefaultBackoffMax   = 16 * time.Second
	DefaultPollInterval = time.Second
)

// maxErrorLen caps LastError: the record is shown to API clients and kept for days.
const maxErrorLen = 512

// Errors of Requeue; test with errors.Is.
var (
	// ErrJobNotFound: no such job (never existed, expired after the retention, or a
	// malformed ID).
	ErrJobNotFound = errors.New("queue: job not found")
	// ErrNotFailed: the job exists but is not failed (queued, retrying or
	// delivered), so there is nothing to re-queue.
	ErrNotFailed = errors.New("queue: job is not failed")
)

// notFailed is ErrNotFailed saying what the job is instead.
func notFailed(j Job) error {
	if j.State == StateFailed {
		return fmt.Errorf("%w: job %s has no payload left", ErrNotFailed, j.ID)
	}
	return fmt.Errorf("%w: job %s is %s", ErrNotFailed, j.ID, j.State)
}

// ErrNoName is returned by the constructors when Options.Name is empty.
var ErrNoName = errors.New("queue: Options.Name is required")

func (o Options) withDefaults() (Options, error) {
	if o.Name == "" {
		return o, ErrNoName
	}
	if o.KeyPrefix == "" {
		o.KeyPrefix = "queue:{" + o.Name + "}:"
	}
	if o.Retention <= 0 {
		o.Retention = DefaultRetention
	}
	if o.ClaimMinIdle <= 0 {
		o.ClaimMinIdle = DefaultClaimMinIdle
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	return o, nil
}

// newJobID returns 32 random hex digits: unguessable, so job IDs can be shown to clients.
func newJobID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// validID reports whether id could be one of ours; other strings never reach Redis.
func validID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// capError trims s to maxErrorLen bytes without splitting a UTF-8 sequence.
func capError(s string) string {
	if len(s) <= maxErrorLen {
		return s
	}
	cut := maxErrorLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
