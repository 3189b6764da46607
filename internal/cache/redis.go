package cache

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is the Store shared by replicas. Each group is a Redis hash under the
// key prefix plus the group; each variant is a field whose value carries the time
// it was stored and the time it expires, judged by the store's clock. Redis's own
// TTL on the hash only collects garbage. Every command is bounded by the command
// timeout, so a hung Redis costs a caller at most that; the client reconnects by
// itself when Redis comes back. Safe for concurrent use.
type Redis struct {
	rdb     *redis.Client
	owned   bool // Close closes rdb
	prefix  string
	timeout time.Duration
	now     func() time.Time
}

var _ Store = (*Redis)(nil)

// errMalformed reports a value this version cannot read (written by another
// program or an incompatible version); Get treats it as an error, so it is counted.
var errMalformed = errors.New("cache: redis: malformed value")

// valueVersion is the first byte of every stored value; change it when the layout
// changes so that old values read as malformed rather than as garbage.
const (
	valueVersion = 1
	headerLen    = 1 + 8 + 8 // version, stored at, expires at (Unix ns, big-endian)
)

// NewRedis connects to the Redis at rawURL ("redis://host:6379/0", "rediss://…")
// with one pooled client sized by WithPoolSize and timeouts set by
// WithCommandTimeout (the URL's own timeout parameters are overridden). It does
// not wait for Redis: call Ping to check it. Close releases the connections.
func NewRedis(rawURL string, opts ...Option) (*Redis, error) {
	ro, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("cache: redis URL: %w", err)
	}
	o := buildOptions(opts)
	ro.PoolSize = o.poolSize
	ro.PoolTimeout = o.cmdTimeout
	ro.DialTimeout = o.cmdTimeout
	ro.ReadTimeout = o.cmdTimeout
	ro.WriteTimeout = o.cmdTimeout
	ro.DialerRetries = 1
	ro.MaxRetries = 1 // one retry replaces a pooled connection that died with the server
	ro.ContextTimeoutEnabled = true
	ro.DisableIdentity = true // CLIENT SETINFO fails on older servers and proxies
	return newRedis(redis.NewClient(ro), true, o), nil
}

// NewRedisClient uses rdb, which the caller configured and keeps owning: Close
// leaves it open. Commands are still bounded by WithCommandTimeout through their
// context, which needs rdb's ContextTimeoutEnabled.
func NewRedisClient(rdb *redis.Client, opts ...Option) *Redis {
	return newRedis(rdb, false, buildOptions(opts))
}

func newRedis(rdb *redis.Client, owned bool, o options) *Redis {
	return &Redis{rdb: rdb, owned: owned, prefix: o.prefix, timeout: o.cmdTimeout, now: o.now}
}

// Ping reports whether Redis answers within the command timeout.
func (r *Redis) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	if err := r.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("cache: redis ping: %w", err)
	}
	return nil
}

// Close closes the client when NewRedis created it.
func (r *Redis) Close() error {
	if !r.owned {
		return nil
	}
	return r.rdb.Close()
}

// Get returns the entry under key. Errors (Redis down, timeout, malformed value)
// do not name the key, which may hold an email address.
func (r *Redis) Get(ctx context.Context, key string) (Entry, bool, error) {
	group, variant, _ := splitKey(key)
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	b, err := r.rdb.HGet(ctx, r.prefix+group, variant).Bytes()
	if errors.Is(err, redis.Nil) {
		return Entry{}, false, nil // a miss is not an error; redis.Nil never escapes
	}
	if err != nil {
		return Entry{}, false, fmt.Errorf("cache: redis get: %w", err)
	}
	if len(b) < headerLen || b[0] != valueVersion {
		return Entry{}, false, errMalformed
	}
	storedAt := int64(binary.BigEndian.Uint64(b[1:9]))
	expiresAt := int64(binary.BigEndian.Uint64(b[9:17]))
	if expiresAt <= r.now().UnixNano() {
		return Entry{}, false, nil
	}
	return Entry{Value: b[headerLen:], StoredAt: time.Unix(0, storedAt)}, true, nil
}

// Set stores e under key for ttl. The hash's Redis TTL is set to ttl as well, in
// the same transaction, so that no group outlives its newest variant.
func (r *Redis) Set(ctx context.Context, key string, e Entry, ttl time.Duration) error {
	if ttl <= 0 {
		return nil
	}
	group, variant, _ := splitKey(key)
	b := make([]byte, headerLen+len(e.Value))
	b[0] = valueVersion
	binary.BigEndian.PutUint64(b[1:9], uint64(e.StoredAt.UnixNano()))
	binary.BigEndian.PutUint64(b[9:17], uint64(r.now().Add(ttl).UnixNano()))
	copy(b[headerLen:], e.Value)

	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	k := r.prefix + group
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, k, variant, b)
		p.PExpire(ctx, k, ttl)
		return nil
	})
	if err != nil {
		return fmt.Errorf("cache: redis set: %w", err)
	}
	return nil
}

// Delete removes keys: a group key deletes the hash, a variant key its field.
func (r *Redis) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, key := range keys {
			group, variant, hasVariant := splitKey(key)
			if hasVariant {
				p.HDel(ctx, r.prefix+group, variant)
			} else {
				p.Del(ctx, r.prefix+group)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("cache: redis delete: %w", err)
	}
	return nil
}
