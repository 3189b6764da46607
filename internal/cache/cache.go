// Package cache keeps copies of successful upstream reads so that the service can
// answer from them: fresh copies instead of calling the upstream (X-Cache: HIT), and
// copies past their TTL but within the stale TTL when the upstream fails (STALE).
//
// A Store holds bytes under string keys; Memory (in-process, the default) and Redis
// (shared by replicas) implement it. ReadThrough puts a loader behind a Store with
// freshness, stale-if-error fallbacks and request coalescing. The key builders in
// keys.go put every input that changes an answer into its key.
//
// Keys may have two parts, a group and a variant, joined by VariantSep
// ("hubspot:contact:42|email,firstname"). Deleting the group ("hubspot:contact:42")
// removes every variant at once, which is how a write invalidates all cached reads
// of one contact whatever properties they asked for.
package cache

import (
	"context"
	"strings"
	"time"
)

// VariantSep joins a key's group and its variant. The key builders escape it inside
// the parts they are given, so it can only come from the builders themselves.
const VariantSep = '|'

// Entry is one stored copy.
type Entry struct {
	// Value is what was stored. Callers must not modify it: stores and ReadThrough
	// hand the same slice to every reader.
	Value []byte
	// StoredAt is when the copy was stored, by the store's clock; it is what a
	// fallback reports as the copy's age.
	StoredAt time.Time
}

// Store is a cache that ReadThrough and handlers use. Implementations are safe for
// concurrent use. A key is "group" or "group|variant" (see VariantSep).
type Store interface {
	// Get returns the entry stored under key. A missing or expired entry is
	// (Entry{}, false, nil): a miss is not an error. An error means the backend
	// could not answer; callers treat it as a miss.
	Get(ctx context.Context, key string) (Entry, bool, error)
	// Set stores e under key for ttl (after which Get misses). A ttl of zero or less
	// stores nothing. Setting a variant leaves the group's other variants in place.
	Set(ctx context.Context, key string, e Entry, ttl time.Duration) error
	// Delete removes keys. A group key removes the group and all its variants; a
	// "group|variant" key removes that variant only. Missing keys are not an error.
	Delete(ctx context.Context, keys ...string) error
}

// splitKey returns key's group and variant without allocating.
func splitKey(key string) (group, variant string, hasVariant bool) {
	i := strings.IndexByte(key, VariantSep)
	if i < 0 {
		return key, "", false
	}
	return key[:i], key[i+1:], true
}

// Option configures Memory, Redis and ReadThrough; each ignores the options that do
// not concern it.
type Option func(*options)

type options struct {
	now         func() time.Time
	fakeClock   bool // now is not time.Now
	cmdTimeout  time.Duration
	poolSize    int
	prefix      string
	logInterval time.Duration
	loadTimeout time.Duration
}

func buildOptions(opts []Option) options {
	o := options{
		now:         time.Now,
		cmdTimeout:  75 * time.Millisecond,
		poolSize:    32,
		prefix:      "salesapi:cache:",
		logInterval: 10 * time.Second,
	}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithClock replaces time.Now: the stores stamp and expire entries with it, and
// ReadThrough judges freshness with it. Tests pass a fake clock.
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.now, o.fakeClock = now, true
		}
	}
}

// WithCommandTimeout bounds each Redis command, dialling and waiting for a pooled
// connection included (default 75ms): the most a hung Redis can add to a request.
func WithCommandTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.cmdTimeout = d
		}
	}
}

// WithPoolSize sets the Redis connection pool size (default 32).
func WithPoolSize(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.poolSize = n
		}
	}
}

// WithKeyPrefix sets the prefix of every Redis key (default "salesapi:cache:"), so
// that the cache shares a Redis database with other users without collisions.
func WithKeyPrefix(p string) Option {
	return func(o *options) { o.prefix = p }
}

// WithLogInterval sets how often ReadThrough logs store errors (default 10s); every
// error is still counted in cache_errors_total.
func WithLogInterval(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.logInterval = d
		}
	}
}

// WithLoadTimeout bounds a coalesced load that no longer has a caller's context
// to end it (default none: the loader's own deadline, the breaker's call timeout,
// applies).
func WithLoadTimeout(d time.Duration) Option {
	return func(o *options) { o.loadTimeout = d }
}
