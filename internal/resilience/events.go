package resilience

import (
	"sync"
	"time"
)

// EventType names what happened on a circuit; the names are opossum's.
type EventType uint8

// The events a Breaker emits, in the order a listener can see them for one
// call: fire, then one of success, failure (after timeout for a timed-out
// call), reject or semaphoreLocked, then possibly fallback; open, halfOpen and
// close whenever the state changes.
const (
	EventFire EventType = iota
	EventSuccess
	EventFailure
	EventTimeout
	EventReject
	EventFallback
	EventSemaphoreLocked
	EventOpen
	EventHalfOpen
	EventClose
)

// eventNames holds the names in EventType order, split at eventOffsets.
const eventNames = "firesuccessfailuretimeoutrejectfallbacksemaphoreLockedopenhalfOpenclose"

// String returns opossum's event name ("fire", "semaphoreLocked", …).
func (t EventType) String() string {
	offsets := [...]uint8{0, 4, 11, 18, 25, 31, 39, 54, 58, 66, 71}
	if int(t)+1 < len(offsets) {
		return eventNames[offsets[t]:offsets[t+1]]
	}
	return "unknown"
}

// Event is one thing that happened on a circuit.
type Event struct {
	Type    EventType
	Circuit string        // circuit name
	Latency time.Duration // success, failure, timeout: how long the call ran
	Err     error         // the call's error (success of a 4xx, failure, timeout, reject, semaphoreLocked, fallback)
	From    State         // open, halfOpen, close: the state left
}

// Listener receives a circuit's events one at a time, in the order they
// happened, never while the breaker holds a lock; it may call the breaker's
// methods. It runs on the goroutine of some caller, so it must be quick and
// must not panic.
type Listener func(Event)

// dispatcher delivers events in order to fixed listeners without a goroutine:
// whoever emits while nobody is delivering becomes the deliverer and drains
// the queue, others only append. Events raised under gobreaker's lock are
// only enqueued; the caller drains after gobreaker returns.
type dispatcher struct {
	listeners []Listener // fixed at construction

	mu       sync.Mutex
	queue    []Event
	spare    []Event
	draining bool
}

// enqueue appends an event without delivering it (safe under other locks).
func (d *dispatcher) enqueue(e Event) {
	if len(d.listeners) == 0 {
		return
	}
	d.mu.Lock()
	d.queue = append(d.queue, e)
	d.mu.Unlock()
}

// emit appends an event and delivers everything queued unless another
// goroutine is delivering already (it will deliver this one too, in order).
func (d *dispatcher) emit(e Event) {
	if len(d.listeners) == 0 {
		return
	}
	d.mu.Lock()
	d.queue = append(d.queue, e)
	d.deliverLocked()
}

// drain delivers whatever enqueue left behind.
func (d *dispatcher) drain() {
	if len(d.listeners) == 0 {
		return
	}
	d.mu.Lock()
	d.deliverLocked()
}

// deliverLocked is called with d.mu held and returns with it released.
func (d *dispatcher) deliverLocked() {
	if d.draining || len(d.queue) == 0 {
		d.mu.Unlock()
		return
	}
	d.draining = true
	done := false
	defer func() { // a panicking listener must not wedge delivery
		if !done {
			d.mu.Lock()
			d.draining = false
			d.mu.Unlock()
		}
	}()
	for len(d.queue) > 0 {
		batch := d.queue
		d.queue = d.spare[:0]
		d.mu.Unlock()
		for _, e := range batch {
			for _, l := range d.listeners {
				l(e)
			}
		}
		clear(batch) // drop references to errors
		d.mu.Lock()
		d.spare = batch[:0]
	}
	d.draining, done = false, true
	d.mu.Unlock()
}
