package cache

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sync/singleflight"
	"golang.org/x/time/rate"
)

// Status says where a ReadThrough result came from; its String is the X-Cache
// header value.
type Status uint8

// The outcomes of ReadThrough.Get.
const (
	Miss  Status = iota // loaded from the upstream now
	Hit                 // a fresh copy; the upstream was not called
	Stale               // a copy past its TTL, served because the load failed
)

// String returns "MISS", "HIT" or "STALE".
func (s Status) String() string {
	switch s {
	case Hit:
		return "HIT"
	case Stale:
		return "STALE"
	default:
		return "MISS"
	}
}

// Result is what ReadThrough.Get answers with.
type Result struct {
	// Value is the loaded or cached bytes (the JSON the handler writes). Shared by
	// concurrent callers: do not modify it.
	Value []byte
	// Status is Hit, Miss or Stale.
	Status Status
	// StoredAt is when the copy was stored (for Stale, the age behind _timestamp
	// and _cached); for a Miss, when it was loaded.
	StoredAt time.Time
	// Err is the load error a Stale copy stands in for, for logging; nil otherwise.
	Err error
}

// Operation names of cache_errors_total{op}.
const (
	opGet    = "get"
	opSet    = "set"
	opDelete = "delete"
)

// ReadThrough serves cached reads: a fresh copy without calling the loader, else
// one load per key at a time, stored on success, and a stale copy when the load
// fails. Store errors never fail a read: they are counted, logged now and then,
// and treated as misses. Create it with NewReadThrough; safe for concurrent use.
type ReadThrough struct {
	store       Store
	metrics     *Metrics
	log         zerolog.Logger
	now         func() time.Time
	loadTimeout time.Duration
	flights     singleflight.Group
	writes      atomic.Uint64 // bumped by Invalidate; see load
	logEvery    rate.Sometimes
	joined      func() // test hook: a caller has joined its key's flight
}

// NewReadThrough returns a ReadThrough over store. A nil m counts into metrics
// that are not registered anywhere. Options: WithClock, WithLogInterval,
// WithLoadTimeout.
func NewReadThrough(store Store, m *Metrics, logger zerolog.Logger, opts ...Option) *ReadThrough {
	o := buildOptions(opts)
	if m == nil {
		m, _ = NewMetrics(nil) // cannot fail without a registerer
	}
	return &ReadThrough{
		store:       store,
		metrics:     m,
		log:         logger,
		now:         o.now,
		loadTimeout: o.loadTimeout,
		logEvery:    rate.Sometimes{Interval: o.logInterval},
	}
}

// flight is what one load hands to every caller waiting on it.
type flight struct {
	value    []byte
	storedAt time.Time
}

// Get returns the value under key for service (a label: hubspot, lemlist,
// explorium). A copy younger than ttl is a Hit. Otherwise load runs, once per key
// however many callers wait, and its value is stored for ttl+staleTTL: a Miss.
// When load fails with anything but a client error (an error with HTTPStatus()
// 400..499 other than 408 and 429) and a copy younger than ttl+staleTTL exists,
// that copy is returned as Stale with the load error in Result.Err. Otherwise
// load's error is returned unchanged.
//
// A ttl of zero or less turns caching off: load runs for every call (a Miss). A
// staleTTL of zero keeps no stale copy.
//
// load runs with a context that keeps ctx's values but not its cancellation, so
// that one caller giving up does not fail the others waiting on the same load;
// load must bound itself (the breaker's call timeout does). A caller whose ctx
// ends first gets a stale copy if its deadline passed and one exists, else
// ctx.Err().
func (rt *ReadThrough) Get(ctx context.Context, service, key string, ttl, staleTTL time.Duration,
	load func(context.Context) ([]byte, error)) (Result, error) {
	if ttl <= 0 {
		rt.metrics.miss(service)
		v, err := load(ctx)
		if err != nil {
			return Result{}, err
		}
		return Result{Value: v, Status: Miss, StoredAt: rt.now()}, nil
	}
	staleTTL = max(staleTTL, 0)

	e, ok, err := rt.store.Get(ctx, key)
	if err != nil {
		rt.storeFailed(opGet, err)
		ok = false
	}
	hasFallback := false // a value, not a pointer to e, keeps e off the heap on a hit
	if ok {
		age := rt.now().Sub(e.StoredAt)
		if age < ttl {
			rt.metrics.hit(service)
			return Result{Value: e.Value, Status: Hit, StoredAt: e.StoredAt}, nil
		}
		if age < ttl+staleTTL {
			hasFallback = true
		}
	}

	// A read that starts after a write must not join a load that started
	// before it: the flight is keyed by the write count too.
	writes := rt.writes.Load()
	flightKey := key
	if writes > 0 {
		flightKey = key + "\x00" + strconv.FormatUint(writes, 36)
	}
	ch := rt.flights.DoChan(flightKey, func() (any, error) {
		return rt.load(ctx, key, ttl+staleTTL, writes, load)
	})
	if rt.joined != nil {
		rt.joined()
	}
	select {
	case r := <-ch:
		if r.Err == nil {
			f := r.Val.(flight)
			rt.metrics.miss(service)
			return Result{Value: f.value, Status: Miss, StoredAt: f.storedAt}, nil
		}
		return rt.fail(service, e, hasFallback, r.Err)
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.Canceled) {
			rt.metrics.miss(service)
			return Result{}, ctx.Err() // the caller left; nobody reads a fallback
		}
		return rt.fail(service, e, hasFallback, ctx.Err())
	}
}

// fail answers a failed load: the fallback copy when allowed, else err.
func (rt *ReadThrough) fail(service string, fallback Entry, hasFallback bool, err error) (Result, error) {
	if !hasFallback || isClientError(err) {
		rt.metrics.miss(service)
		return Result{}, err
	}
	rt.metrics.staleHit(service)
	return Result{Value: fallback.Value, Status: Stale, StoredAt: fallback.StoredAt, Err: err}, nil
}

// load runs the loader for the key's single flight and stores its value. A copy
// of a resource the upstream says is gone is deleted, so that no later failure
// serves it as a fallback.
//
// A load during which a write invalidated anything is answered but not
// stored: it may hold the state from before the write. (Counting every write
// rather than the written key keeps this free of bookkeeping; writes are rare
// next to reads. Other replicas' writes are not seen here: their race lives
// until the TTL ends.)
func (rt *ReadThrough) load(ctx context.Context, key string, keep time.Duration, writes uint64,
	load func(context.Context) ([]byte, error)) (_ any, err error) {
	ctx = context.WithoutCancel(ctx)
	if rt.loadTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, rt.loadTimeout)
		defer cancel()
	}
	defer func() {
		// singleflight would re-panic on a goroutine of its own, out of reach of
		// any recovery middleware, and take the process down.
		if p := recover(); p != nil {
			rt.log.Error().Interface("panic", p).Bytes("stack", debug.Stack()).Msg("cache loader panicked")
			err = fmt.Errorf("cache: loader panicked: %v", p)
		}
	}()
	v, err := load(ctx)
	if err != nil {
		if s := statusOf(err); s == http.StatusNotFound || s == http.StatusGone {
			if derr := rt.store.Delete(ctx, key); derr != nil {
				rt.storeFailed(opDelete, derr)
			}
		}
		return nil, err
	}
	f := flight{value: v, storedAt: rt.now()}
	if rt.writes.Load() != writes {
		return f, nil
	}
	if serr := rt.store.Set(ctx, key, Entry{Value: v, StoredAt: f.storedAt}, keep); serr != nil {
		rt.storeFailed(opSet, serr)
	}
	return f, nil
}

// Invalidate deletes keys (groups or variants) after a write, so that the next
// read loads the new state. A store error is counted, logged now and then, and
// returned; the write itself has succeeded, so callers usually only note it.
//
// Loads in flight when Invalidate is called do not store what they read, and
// reads after it do not join them (see load). A load that passed that check an
// instant before the write can still store the old state; it lives until the
// TTL ends.
func (rt *ReadThrough) Invalidate(ctx context.Context, keys ...string) error {
	rt.writes.Add(1)
	if err := rt.store.Delete(ctx, keys...); err != nil {
		rt.storeFailed(opDelete, err)
		return err
	}
	return nil
}

// storeFailed counts a store error and logs it at most once per log interval.
func (rt *ReadThrough) storeFailed(op string, err error) {
	rt.metrics.storeError(op)
	rt.logEvery.Do(func() {
		rt.log.Warn().Err(err).Str("op", op).
			Msg("cache store failed; treating as a miss (cache_errors_total counts every failure)")
	})
}

// statusCoder is the typed client errors' view of their HTTP status.
type statusCoder interface{ HTTPStatus() int }

func statusOf(err error) int {
	var sc statusCoder
	if errors.As(err, &sc) {
		return sc.HTTPStatus()
	}
	return 0
}

// isClientError reports an answer about the request itself (404, 400, 403…),
// which a stale copy must not hide. 408 and 429 are the upstream's trouble.
func isClientError(err error) bool {
	s := statusOf(err)
	return s >= 400 && s < 500 && s != http.StatusRequestTimeout && s != http.StatusTooManyRequests
}
