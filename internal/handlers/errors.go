package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/salesautomation/api/internal/clients/explorium"
	"github.com/salesautomation/api/internal/clients/hubspot"
	"github.com/salesautomation/api/internal/clients/lemlist"
	"github.com/salesautomation/api/internal/resilience"
)

// statusClientClosed is logged and counted when the client hung up before
// the answer (nginx's convention); nobody reads the body.
const statusClientClosed = 499

// problemFor maps every error the handlers can see to the problem the client
// gets: the one table of error → status in the service. Upstream 5xx, timeouts
// and open circuits are 503 with Retry-After; the upstream's 404/409/429 pass
// through; an upstream that refuses our credentials is our fault (502).
func problemFor(err error) Problem {
	// errors.AsType, unlike errors.As, does not allocate: this runs on every
	// failed request, including each fast rejection while a circuit is open.
	if pe, ok := errors.AsType[*Error](err); ok {
		return pe.P
	}
	if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return newProblem(http.StatusRequestEntityTooLarge, "body_too_large",
			"body: larger than "+strconv.FormatInt(mbe.Limit, 10)+" bytes").P
	}
	if open, ok := errors.AsType[*resilience.OpenError](err); ok {
		p := newProblem(http.StatusServiceUnavailable, "circuit_open", circuitOpenDetail(open.Circuit)).P
		p.RetryAfter = ceilSeconds(open.RetryAfter)
		return withService(p, serviceOf(open.Circuit))
	}
	switch {
	case errors.Is(err, resilience.ErrCapacity):
		p := newProblem(http.StatusServiceUnavailable, "capacity_exceeded", "too many concurrent calls to the upstream").P
		p.RetryAfter = 1
		return withService(p, upstreamName(err))
	case errors.Is(err, resilience.ErrTimeout):
		p := newProblem(http.StatusServiceUnavailable, "upstream_timeout", "the upstream did not answer in time").P
		p.RetryAfter = 1
		return withService(p, upstreamName(err))
	case errors.Is(err, context.Canceled):
		return newProblem(statusClientClosed, "client_closed", "the client closed the request").P
	case isLeadConflict(err):
		return withService(newProblem(http.StatusConflict, "lead_exists", "the lead is already in this campaign or, with deduplication, in another one").P, resilience.Lemlist)
	}
	if status, retryAfter, msg, ok := upstreamStatus(err); ok {
		return upstreamProblem(status, retryAfter, msg, upstreamName(err), err)
	}
	// Transport errors (refused, reset, DNS) after the retries.
	p := newProblem(http.StatusServiceUnavailable, "upstream_unavailable", "the upstream could not be reached").P
	p.RetryAfter = 1
	return withService(p, upstreamName(err))
}

// upstreamProblem maps an upstream's HTTP answer.
func upstreamProblem(status int, retryAfter time.Duration, msg, svc string, err error) Problem {
	var p Problem
	switch {
	case status == http.StatusNotFound:
		p = newProblem(http.StatusNotFound, "not_found", svc+": not found").P
	case status == http.StatusConflict:
		p = conflictProblem(err)
	case status == http.StatusTooManyRequests:
		p = newProblem(http.StatusTooManyRequests, "rate_limited", svc+" is rate-limiting us; retry later").P
		p.RetryAfter = max(ceilSeconds(retryAfter), 1)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		p = newProblem(http.StatusBadGateway, "upstream_error", svc+" refused the service's credentials").P
	case status >= 500 || status == http.StatusRequestTimeout:
		p = newProblem(http.StatusServiceUnavailable, "upstream_unavailable", svc+" is failing").P
		p.RetryAfter = max(ceilSeconds(retryAfter), 1)
	case status >= 400:
		p = newProblem(http.StatusBadRequest, "invalid_request", svc+" rejected the request: "+msg).P
	default:
		p = newProblem(http.StatusBadGateway, "upstream_error", svc+" answered unexpectedly").P
	}
	return withService(p, svc)
}

func conflictProblem(err error) Problem {
	if hs, ok := errors.AsType[*hubspot.Error](err); ok {
		p := newProblem(http.StatusConflict, "contact_exists", "a contact with this email already exists: id "+hs.ExistingID).P
		p.ExistingID = hs.ExistingID
		return p
	}
	return newProblem(http.StatusConflict, "lead_exists", "the lead is already in the campaign").P
}

// upstreamStatus reads the status, Retry-After and message of a typed client error.
func upstreamStatus(err error) (status int, retryAfter time.Duration, msg string, ok bool) {
	if e, ok := errors.AsType[*hubspot.Error](err); ok {
		return e.StatusCode, e.RetryAfter, e.Message, true
	}
	if e, ok := errors.AsType[*lemlist.Error](err); ok {
		return e.StatusCode, e.RetryAfter, e.Message, true
	}
	if e, ok := errors.AsType[*explorium.Error](err); ok {
		return e.StatusCode, e.RetryAfter, e.Message, true
	}
	return 0, 0, "", false
}

// upstreamName names the upstream an error came from, for the problem's
// service field; empty when the error does not say.
func upstreamName(err error) string {
	if se, ok := errors.AsType[*serviceError](err); ok {
		return se.service
	}
	if _, ok := errors.AsType[*hubspot.Error](err); ok {
		return resilience.HubSpot
	}
	if _, ok := errors.AsType[*lemlist.Error](err); ok {
		return resilience.Lemlist
	}
	if _, ok := errors.AsType[*explorium.Error](err); ok {
		return resilience.Explorium
	}
	if tout, ok := errors.AsType[*resilience.TimeoutError](err); ok {
		return serviceOf(tout.Circuit) // empty for the HTTP client's own timeouts, which name no circuit
	}
	return ""
}

// serviceError tags an error with the upstream it came from, for errors that
// carry no typed client error (transport errors, capacity).
type serviceError struct {
	service string
	err     error
}

func (e *serviceError) Error() string { return e.service + ": " + e.err.Error() }
func (e *serviceError) Unwrap() error { return e.err }

// callUpstream is resilience.Call that tags every error with cb's service,
// so that the problem's service field says which upstream failed even for
// errors that name none (transport errors, capacity, timeouts).
func callUpstream[T any](ctx context.Context, cb *resilience.Breaker, fn func(context.Context) (T, error)) (T, error) {
	out, err := resilience.Call(ctx, cb, fn)
	if err != nil {
		err = &serviceError{service: cb.Service(), err: err}
	}
	return out, err
}

func withService(p Problem, svc string) Problem {
	p.Service = svc
	return p
}

// serviceOf turns "hubspot-circuit" into "hubspot".
func serviceOf(circuit string) string {
	for _, s := range resilience.Services {
		if resilience.CircuitName(s) == circuit {
			return s
		}
	}
	return ""
}

// circuitOpenDetail is the detail of a circuit_open problem, one constant
// string per circuit so the fast-rejection path does not build it.
func circuitOpenDetail(circuit string) string {
	const tail = " is open: the upstream is failing, answering fast instead of waiting"
	switch circuit {
	case "hubspot-circuit":
		return "hubspot-circuit" + tail
	case "lemlist-circuit":
		return "lemlist-circuit" + tail
	case "explorium-circuit":
		return "explorium-circuit" + tail
	}
	return circuit + tail
}

// ceilSeconds rounds d up to whole seconds, at least 1 for a positive d.
func ceilSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
}

// isLeadConflict recognises Lemlist's "already in the campaign" (a 400) and
// "already in another campaign" (a 500 wrapped as a conflictError).
func isLeadConflict(err error) bool {
	_, wrapped := errors.AsType[*conflictError](err)
	return wrapped || errors.Is(err, lemlist.ErrAlreadyInCampaign)
}
