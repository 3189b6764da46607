package resilience

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
)

// State is a circuit's state. It marshals to JSON as its name.
type State int8

// The three states; the values are those of the circuit_breaker_state gauge.
const (
	StateClosed   State = 0
	StateHalfOpen State = 1
	StateOpen     State = 2
)

// String returns "CLOSED", "HALF_OPEN" or "OPEN".
func (s State) String() string {
	switch s {
	case StateClosed:
		return "CLOSED"
	case StateHalfOpen:
		return "HALF_OPEN"
	case StateOpen:
		return "OPEN"
	}
	return fmt.Sprintf("State(%d)", int8(s))
}

// MarshalText makes a State a JSON string.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func fromGobreaker(s gobreaker.State) State {
	switch s {
	case gobreaker.StateOpen:
		return StateOpen
	case gobreaker.StateHalfOpen:
		return StateHalfOpen
	}
	return StateClosed
}

// Breaker is one upstream's circuit breaker: gobreaker counts and decides,
// and Breaker adds opossum's whole-call timeout, capacity, warm-up, error
// classification, manual control, events and rolling stats. Create it with
// NewBreaker or through a Registry; call through it with Call or
// CallWithFallback. Safe for concurrent use.
type Breaker struct {
	s        Settings
	now      func() time.Time // the clock of everything the breaker times itself
	warmEnds time.Time        // no opening before this when Settings.AllowWarmUp

	sem       chan struct{} // capacity: a slot per running call
	enabled   atomic.Bool
	forced    atomic.Bool  // ForceOpen: rejected until Reset
	openUntil atomic.Int64 // unix ns when an OPEN circuit half-opens; 0 when not OPEN
	gen       atomic.Pointer[generation]

	// The state seam: today the open record lives in openUntil. A shared
	// "open until" record (Redis, DESIGN.md growth path) would implement
	// openRecord, be consulted on the fast reject path next to openUntil and
	// be published to from onStateChange; nothing else needs to change.
	shared openRecord

	events dispatcher
	stats  *window
}

// openRecord is the seam for sharing the trip decision between replicas
// (RESILIENCE.md decision 8): a local breaker plus a shared "open until"
// record. Not implemented yet; a nil openRecord means local only.
type openRecord interface {
	// OpenUntil reports until when another replica has opened the circuit.
	OpenUntil(circuit string) (time.Time, bool)
	// PublishOpen records that this replica opened the circuit until t.
	PublishOpen(circuit string, until time.Time)
}

// generation is one gobreaker instance. Reset swaps in a fresh one; the
// callbacks of a replaced one are ignored.
type generation struct {
	cb *gobreaker.CircuitBreaker[struct{}]
}

// NewBreaker builds a breaker from validated settings. Options add listeners
// (WithListener, WithLogger, WithMetrics).
func NewBreaker(s Settings, opts ...Option) (*Breaker, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	o := collect(opts)
	b := &Breaker{s: s, now: time.Now, sem: make(chan struct{}, s.Capacity)}
	now := b.now()
	b.warmEnds = now.Add(s.RollingCountTimeout)
	b.enabled.Store(s.Enabled)
	b.stats = newWindow(s.RollingCountTimeout, s.RollingCountBuckets, now)
	b.events.listeners = o.listenersFor(b)
	b.gen.Store(b.newGeneration())
	if o.metrics != nil {
		o.metrics.track(b)
	}
	return b, nil
}

// newGeneration builds a closed gobreaker with the project's trip rule over a
// rolling window of RollingCountBuckets buckets.
func (b *Breaker) newGeneration() *generation {
	g := &generation{}
	s := b.s
	vol := uint32(s.VolumeThreshold)
	g.cb = gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:         s.Name,
		MaxRequests:  uint32(s.HalfOpenMaxCalls),
		Interval:     s.RollingCountTimeout,
		BucketPeriod: s.RollingCountTimeout / time.Duration(s.RollingCountBuckets),
		Timeout:      s.ResetTimeout,
		ReadyToTrip: func(c gobreaker.Counts) bool { // called under gobreaker's lock
			if s.AllowWarmUp && b.now().Before(b.warmEnds) {
				return false
			}
			n := c.TotalSuccesses + c.TotalFailures // completed, counted calls: not in-flight or excluded ones
			return n > 0 && n >= vol && float64(c.TotalFailures)*100 >= s.ErrorThresholdPercentage*float64(n)
		},
		OnStateChange: func(_ string, from, to gobreaker.State) { b.onStateChange(g, from, to) },
		IsSuccessful:  markedSuccessful,
		IsExcluded:    markedExcluded,
	})
	return g
}

// onStateChange runs under gobreaker's lock: it only records and enqueues.
func (b *Breaker) onStateChange(g *generation, from, to gobreaker.State) {
	if b.gen.Load() != g {
		return // a replaced generation finishing an old call
	}
	e := Event{Circuit: b.s.Name, From: fromGobreaker(from)}
	switch to {
	case gobreaker.StateOpen:
		until := b.now().Add(b.s.ResetTimeout)
		b.openUntil.Store(until.UnixNano())
		if b.shared != nil {
			b.shared.PublishOpen(b.s.Name, until)
		}
		e.Type = EventOpen
	case gobreaker.StateHalfOpen:
		b.openUntil.Store(0)
		e.Type = EventHalfOpen
	default:
		e.Type = EventClose
	}
	b.events.enqueue(e)
}

// Name is the circuit name ("hubspot-circuit"), the circuit_name label.
func (b *Breaker) Name() string { return b.s.Name }

// Service is the upstream's name ("hubspot").
func (b *Breaker) Service() string { return b.s.Service }

// Settings returns the settings the breaker was built with.
func (b *Breaker) Settings() Settings { return b.s }

// Enabled reports whether the breaker protects calls; a disabled one passes
// them straight through (emitting only fire) and never opens.
func (b *Breaker) Enabled() bool { return b.enabled.Load() }

// SetEnabled turns protection on or off; the state is left as it is.
func (b *Breaker) SetEnabled(on bool) { b.enabled.Store(on) }

// State returns the current state: an OPEN circuit whose reset timeout has
// passed reports HALF_OPEN (and emits halfOpen) even without traffic.
func (b *Breaker) State() State {
	if b.forced.Load() {
		return StateOpen
	}
	st := b.gen.Load().cb.State() // may move OPEN to HALF_OPEN
	b.events.drain()
	return fromGobreaker(st)
}

// RetryAfter is the time until an OPEN circuit half-opens (the reset timeout
// while forced open); zero when the circuit is not OPEN.
func (b *Breaker) RetryAfter() time.Duration {
	if b.forced.Load() {
		return b.s.ResetTimeout
	}
	until := b.openUntil.Load()
	if until == 0 {
		return 0
	}
	return max(time.Duration(until-b.now().UnixNano()), 0)
}

// ForceOpen opens the circuit until Reset, whatever the calls do (isolating
// a misbehaving upstream). Emits open unless it was OPEN already.
func (b *Breaker) ForceOpen() {
	prev := b.State()
	if b.forced.Swap(true) || prev == StateOpen {
		return
	}
	b.events.emit(Event{Type: EventOpen, Circuit: b.s.Name, From: prev})
}

// Reset closes the circuit with fresh trip counts and lifts ForceOpen; the
// stats window is kept. Emits close unless it was CLOSED already.
func (b *Breaker) Reset() {
	prev := b.State()
	b.gen.Store(b.newGeneration())
	b.openUntil.Store(0)
	b.forced.Store(false)
	if prev != StateClosed {
		b.events.emit(Event{Type: EventClose, Circuit: b.s.Name, From: prev})
	}
}

// Stats returns the rolling stats window as of now.
func (b *Breaker) Stats() Stats { return b.stats.snapshot(b.now()) }

// RecordFallback counts a fallback the caller served after a call failed or
// was rejected (the cache's stale copy), as CallWithFallback does for its own.
func (b *Breaker) RecordFallback() { b.recordFallback(nil) }

func (b *Breaker) recordFallback(err error) {
	b.stats.add(b.now(), func(c *counters) { c.fallbacks++ }, -1)
	b.events.emit(Event{Type: EventFallback, Circuit: b.s.Name, Err: err})
}
