package resilience

import (
	"context"
	"time"

	"github.com/sony/gobreaker/v2"
)

// Call runs fn through b: the breaker outside, fn's retries inside, so one
// Call is one outcome for the circuit. fn gets a context that ends at the
// caller's deadline or at Settings.Timeout, whichever comes first, and must
// return when it ends (a probe that ignores it would hold a half-open slot).
//
// Errors: an *OpenError (errors.Is ErrOpen) when the circuit rejects the call,
// ErrCapacity when Settings.Capacity calls are running, a *TimeoutError
// (errors.Is ErrTimeout) when the whole-call timeout fired; otherwise fn's own
// error, unchanged. Call is a function because methods cannot take type
// parameters.
func Call[T any](ctx context.Context, b *Breaker, fn func(context.Context) (T, error)) (T, error) {
	var out T
	_, err := b.run(ctx, func(ctx context.Context) error {
		v, err := fn(ctx)
		out = v
		return err
	})
	return out, err
}

// CallWithFallback is Call, and when the call failed, timed out or was
// rejected (open circuit or capacity) it returns fallback(ctx, err) instead
// and counts a fallback. Errors that count as successes (4xx other than 408)
// and excluded ones (429, the caller's cancellation) are returned as they
// are: the upstream answered, or nobody is waiting.
func CallWithFallback[T any](ctx context.Context, b *Breaker, fn func(context.Context) (T, error),
	fallback func(ctx context.Context, err error) (T, error)) (T, error) {
	var out T
	o, err := b.run(ctx, func(ctx context.Context) error {
		v, err := fn(ctx)
		out = v
		return err
	})
	if err == nil || o == outcomeSuccess || o == outcomeExcluded {
		return out, err
	}
	b.recordFallback(err)
	return fallback(ctx, err)
}

// outcomeRejected is run's result for calls that never reached fn.
const outcomeRejected outcome = 255

// run is the breaker's call path; it reports how the call counted.
func (b *Breaker) run(ctx context.Context, f func(context.Context) error) (outcome, error) {
	name := b.s.Name
	if !b.enabled.Load() {
		b.events.emit(Event{Type: EventFire, Circuit: name})
		b.stats.add(b.now(), func(c *counters) { c.fires++ }, -1)
		return outcomeSuccess, f(ctx)
	}
	start := b.now()
	until := b.openUntil.Load()
	if until != 0 && start.UnixNano() >= until {
		b.State() // the reset timeout passed: half-open now, so halfOpen precedes this call's fire
	}
	b.events.emit(Event{Type: EventFire, Circuit: name})
	if b.forced.Load() {
		return outcomeRejected, b.reject(start, b.s.ResetTimeout, false)
	}
	if until != 0 && start.UnixNano() < until {
		return outcomeRejected, b.reject(start, time.Duration(until-start.UnixNano()), false)
	}
	select {
	case b.sem <- struct{}{}:
	default:
		b.stats.add(start, func(c *counters) { c.fires++; c.semRejections++ }, -1)
		b.events.emit(Event{Type: EventSemaphoreLocked, Circuit: name, Err: ErrCapacity})
		return outcomeRejected, ErrCapacity
	}
	defer func() { <-b.sem }()

	callCtx := ctx
	if d, ok := ctx.Deadline(); !ok || d.Sub(start) > b.s.Timeout {
		var cancel context.CancelFunc
		callCtx, cancel = context.WithTimeoutCause(ctx, b.s.Timeout, errWholeCallTimeout)
		defer cancel()
	}

	var (
		callErr error
		o       = outcomeRejected
	)
	_, gerr := b.gen.Load().cb.Execute(func() (struct{}, error) {
		callErr = f(callCtx)
		end := b.now()
		o = classify(ctx, callCtx, callErr)
		b.record(o, end, end.Sub(start), callErr)
		return struct{}{}, o.marker()
	})
	b.events.drain()          // state changes gobreaker made under its lock
	if o == outcomeRejected { // gobreaker refused: OPEN, or HALF_OPEN with every probe taken
		halfOpen := gerr == gobreaker.ErrTooManyRequests
		wait := time.Second
		if !halfOpen {
			wait = b.RetryAfter()
		}
		return o, b.reject(b.now(), wait, halfOpen)
	}
	if o == outcomeTimeout && callCtx != ctx && context.Cause(callCtx) == errWholeCallTimeout {
		return o, &TimeoutError{Circuit: name, Timeout: b.s.Timeout, Err: callErr}
	}
	return o, callErr
}

// record counts a finished call and emits its outcome events, before
// gobreaker sees it, so that a resulting open follows the failure.
func (b *Breaker) record(o outcome, now time.Time, latency time.Duration, err error) {
	e := Event{Circuit: b.s.Name, Latency: latency, Err: err}
	switch o {
	case outcomeSuccess:
		b.stats.add(now, func(c *counters) { c.fires++; c.successes++ }, latency)
		e.Type = EventSuccess
	case outcomeFailure:
		b.stats.add(now, func(c *counters) { c.fires++; c.failures++ }, latency)
		e.Type = EventFailure
	case outcomeTimeout:
		b.stats.add(now, func(c *counters) { c.fires++; c.failures++; c.timeouts++ }, latency)
		e.Type = EventTimeout
		b.events.emit(e)
		e.Type = EventFailure
	default: // excluded: neither success nor failure
		b.stats.add(now, func(c *counters) { c.fires++ }, -1)
		return
	}
	b.events.emit(e)
}

// reject counts and reports a call refused by an open circuit.
func (b *Breaker) reject(now time.Time, wait time.Duration, halfOpen bool) error {
	err := &OpenError{Circuit: b.s.Name, RetryAfter: wait, HalfOpen: halfOpen}
	b.stats.add(now, func(c *counters) { c.fires++; c.rejects++ }, -1)
	b.events.emit(Event{Type: EventReject, Circuit: b.s.Name, Err: err})
	return err
}
