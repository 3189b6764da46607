package faults

import (
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Limiter is an upstream's request quota: Max requests per Window, refilled
// continuously (a token bucket approximates the upstreams' rolling windows). A
// Limiter with Max 0 never refuses but still reports Max as remaining, so the fake
// keeps sending its rate-limit headers.
type Limiter struct {
	cfg atomic.Pointer[limiterConfig]
}

type limiterConfig struct {
	max    int
	window time.Duration
	lim    *rate.Limiter // nil: unlimited
}

// NewLimiter returns a Limiter allowing max requests per window; max <= 0 disables it.
func NewLimiter(max int, window time.Duration) *Limiter {
	l := &Limiter{}
	l.Set(max, window)
	return l
}

// Set replaces the quota; the bucket starts full.
func (l *Limiter) Set(max int, window time.Duration) {
	c := &limiterConfig{max: max, window: window}
	if max > 0 && window > 0 {
		c.lim = rate.NewLimiter(rate.Limit(float64(max)/window.Seconds()), max)
	}
	l.cfg.Store(c)
}

// Allow takes one request from the quota. It returns whether the request may
// proceed, the quota size and what remains of it.
func (l *Limiter) Allow() (ok bool, max, remaining int) {
	c := l.cfg.Load()
	if c.lim == nil {
		return true, c.max, c.max
	}
	ok = c.lim.Allow()
	remaining = int(c.lim.Tokens())
	if remaining < 0 {
		remaining = 0
	}
	return ok, c.max, remaining
}

// Window returns the configured window.
func (l *Limiter) Window() time.Duration { return l.cfg.Load().window }

// RetryAfter is how long until one request fits again (at least one second, as
// upstreams send whole seconds).
func (l *Limiter) RetryAfter() time.Duration {
	c := l.cfg.Load()
	if c.lim == nil {
		return 0
	}
	d := time.Duration(float64(time.Second) / float64(c.lim.Limit()))
	if d < time.Second {
		d = time.Second
	}
	return d.Round(time.Second)
}
