package resilience

import (
	"context"
	"errors"
	"net/http"
)

// statusCoder is implemented by the typed errors of the upstream clients
// (hubspot.Error, lemlist.Error, explorium.Error); resilience reads the status
// through it and never imports a client.
type statusCoder interface{ HTTPStatus() int }

// outcome is how one finished call counts against the circuit.
type outcome uint8

const (
	outcomeSuccess  outcome = iota // counted as a success
	outcomeFailure                 // counted as a failure
	outcomeTimeout                 // counted as a failure and as a timeout
	outcomeExcluded                // counted as neither (429, caller cancellation)
)

// Markers handed to gobreaker in place of the call's error: the breaker has
// classified the call already (it alone knows whose context ended).
var (
	errMarkFailure  = errors.New("resilience: counted failure")
	errMarkExcluded = errors.New("resilience: excluded outcome")
)

// marker is what gobreaker sees for an outcome.
func (o outcome) marker() error {
	switch o {
	case outcomeSuccess:
		return nil
	case outcomeExcluded:
		return errMarkExcluded
	default:
		return errMarkFailure
	}
}

// gobreaker's IsSuccessful and IsExcluded: they only ever see the markers.
func markedSuccessful(err error) bool { return err == nil }
func markedExcluded(err error) bool   { return err == errMarkExcluded }

// isSuccessful reports whether an error still proves the upstream healthy:
// nil, or an answer with a status below 500 other than 408 (the caller was
// wrong, not the upstream: opossum's errorFilter).
func isSuccessful(err error) bool {
	if err == nil {
		return true
	}
	var sc statusCoder
	if !errors.As(err, &sc) {
		return false // transport error or timeout: the upstream is unhealthy
	}
	s := sc.HTTPStatus()
	return s < 500 && s != http.StatusRequestTimeout
}

// isExcluded reports whether an error says nothing about the upstream's
// health: a 429 ("slow down", not "unhealthy") or a cancelled context.
func isExcluded(err error) bool {
	var sc statusCoder
	return errors.Is(err, context.Canceled) ||
		(errors.As(err, &sc) && sc.HTTPStatus() == http.StatusTooManyRequests)
}

// classify decides how a finished call counts. parent is the caller's
// context, callCtx the one the function ran with (it carries the whole-call
// timeout). Order matters: our own timeout first, then the caller's end,
// then the error's content.
func classify(parent, callCtx context.Context, err error) outcome {
	if err == nil {
		return outcomeSuccess
	}
	if callCtx != parent && context.Cause(callCtx) == errWholeCallTimeout {
		return outcomeTimeout
	}
	if parent.Err() != nil {
		return outcomeExcluded // the caller hung up or its own deadline passed
	}
	if errors.Is(err, ErrTimeout) {
		return outcomeTimeout // every HTTP attempt timed out
	}
	if isExcluded(err) {
		return outcomeExcluded
	}
	if isSuccessful(err) {
		return outcomeSuccess
	}
	return outcomeFailure
}

// errWholeCallTimeout is the cause set on a call's context when the breaker's
// timeout fires, so it can be told apart from the caller's own deadline.
var errWholeCallTimeout = errors.New("resilience: whole-call timeout")
