package resilience

import (
	"errors"
	"fmt"
	"time"

	"github.com/sony/gobreaker/v2"
)

// Errors a call through a Breaker can return besides the wrapped function's
// own. Match them with errors.Is; the typed ones also with errors.As.
var (
	// ErrOpen matches every rejection by an open circuit (an *OpenError),
	// including a HALF_OPEN circuit whose probes are all taken.
	ErrOpen = errors.New("resilience: circuit open")
	// ErrTimeout matches a call that reached the breaker's whole-call timeout,
	// and one whose HTTP attempts all timed out (a *TimeoutError).
	ErrTimeout = errors.New("resilience: call timed out")
	// ErrCapacity is returned at once, without calling the function, when the
	// circuit already runs Settings.Capacity calls. It is not a failure.
	ErrCapacity = errors.New("resilience: circuit at capacity")
)

// OpenError is the rejection of a call by an open circuit. errors.Is(err,
// ErrOpen) and errors.Is(err, gobreaker.ErrOpenState) are true for it.
type OpenError struct {
	Circuit string // circuit name, e.g. "hubspot-circuit"
	// RetryAfter is the time until the circuit half-opens (the reset timeout
	// while it is forced open, 1s while HALF_OPEN with its probes taken).
	// Round it up to whole seconds for a Retry-After header.
	RetryAfter time.Duration
	HalfOpen   bool // the circuit was HALF_OPEN with every probe slot taken
}

func (e *OpenError) Error() string {
	if e.HalfOpen {
		return fmt.Sprintf("resilience: %s: circuit half-open, probe in flight", e.Circuit)
	}
	return fmt.Sprintf("resilience: %s: circuit open, retry after %s", e.Circuit, e.RetryAfter)
}

// Is reports whether target is ErrOpen or gobreaker's equivalent sentinel.
func (e *OpenError) Is(target error) bool {
	return target == ErrOpen || target == gobreaker.ErrOpenState || (e.HalfOpen && target == gobreaker.ErrTooManyRequests)
}

// TimeoutError is a call that timed out: the breaker's whole-call timeout
// fired (Attempts is 0), or every HTTP attempt hit its own timeout (Attempts
// counts them). errors.Is(err, ErrTimeout) is true; Unwrap gives the cause.
type TimeoutError struct {
	Circuit  string        // circuit name; empty when raised by the HTTP client
	Timeout  time.Duration // the limit that fired
	Attempts int           // HTTP attempts that all timed out; 0 for the whole-call timeout
	Err      error         // what the function or the transport returned
}

func (e *TimeoutError) Error() string {
	if e.Attempts > 0 {
		return fmt.Sprintf("resilience: all %d attempts timed out after %s each: %v", e.Attempts, e.Timeout, e.Err)
	}
	return fmt.Sprintf("resilience: %s: call timed out after %s: %v", e.Circuit, e.Timeout, e.Err)
}

// Is reports whether target is ErrTimeout.
func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout }

// Unwrap returns the underlying error.
func (e *TimeoutError) Unwrap() error { return e.Err }
