// Package faults is the fault injection, request counting and rate limiting shared by
// the fake upstream servers (hubspottest, lemlisttest, exploriumtest). Everything here
// is safe for concurrent use and cheap on the happy path: a request with no fault in
// force costs one atomic load and no lock.
package faults

import (
	"net"
	"net/http"
	"strings"
	"time"
)

// Fault describes misbehaviour a fake applies to requests. The zero Fault does nothing.
// Effects apply in this order: Latency (+Jitter), Hang, Reset, RateLimit, Status.
type Fault struct {
	// ErrorRate is the probability (0..1) that a request gets RateLimit or Status.
	// Zero means every request does (when RateLimit or Status is set).
	ErrorRate float64
	// Status is the HTTP status to answer with, in the upstream's error format.
	// When zero and ErrorRate > 0, the fake answers 500.
	Status int
	// Latency is added before the request is handled; Jitter adds a uniform random
	// 0..Jitter on top.
	Latency time.Duration
	Jitter  time.Duration
	// Hang holds the request until the client gives up (or the fake is closed).
	Hang bool
	// Reset closes the TCP connection abruptly (RST) without an answer.
	Reset bool
	// RateLimit answers 429 in the upstream's format, with the rate-limit headers.
	RateLimit bool
	// RetryAfter is sent as Retry-After on injected 429s; zero sends no header.
	RetryAfter time.Duration
	// Route limits the fault to requests whose path (relative to the fake's root) is
	// Route or lies under it, e.g. "/crm/v3/objects/contacts". A leading method, as
	// in "POST /campaigns", limits it to that method too. Empty means every route.
	Route string
}

// IsZero reports whether f has no effect.
func (f Fault) IsZero() bool {
	return f.ErrorRate == 0 && f.Status == 0 && f.Latency == 0 && f.Jitter == 0 &&
		!f.Hang && !f.Reset && !f.RateLimit
}

// matches reports whether f.Route selects r.
func (f *Fault) matches(r *http.Request) bool {
	if f.Route == "" {
		return true
	}
	route := f.Route
	if method, path, ok := strings.Cut(route, " "); ok {
		if !strings.EqualFold(method, r.Method) {
			return false
		}
		route = path
	}
	route = strings.TrimRight(route, "/")
	p := strings.TrimRight(r.URL.Path, "/")
	return route == "" || p == route || strings.HasPrefix(p, route+"/")
}

// Responder writes a fake's injected error answers in its upstream's wire format.
type Responder interface {
	// WriteStatus answers with status and an error body typical of the upstream.
	WriteStatus(w http.ResponseWriter, r *http.Request, status int)
	// WriteRateLimited answers 429; retryAfter zero means no Retry-After header.
	WriteRateLimited(w http.ResponseWriter, r *http.Request, retryAfter time.Duration)
}

// Apply applies the fault in force for r, if any. It returns true when the request
// has been fully dealt with (answered, reset, or abandoned by the client) and the
// fake must not handle it further.
func (in *Injector) Apply(w http.ResponseWriter, r *http.Request, resp Responder) bool {
	if n := in.failNext.Load(); n > 0 && in.failNext.CompareAndSwap(n, n-1) {
		resp.WriteStatus(w, r, int(in.failStatus.Load()))
		return true
	}
	f := in.lookup(r)
	if f == nil {
		return false
	}
	if d := f.Latency + in.jitter(f.Jitter); d > 0 {
		if !in.wait(r, d) {
			return true
		}
	}
	if f.Hang {
		in.wait(r, 0)
		if r.Context().Err() == nil {
			panic(http.ErrAbortHandler) // the fake is closing: drop the connection
		}
		return true
	}
	if f.Reset {
		reset(w)
		return true
	}
	if (f.RateLimit || f.Status != 0 || f.ErrorRate > 0) && in.roll(f.ErrorRate) {
		if f.RateLimit {
			resp.WriteRateLimited(w, r, f.RetryAfter)
			return true
		}
		status := f.Status
		if status == 0 {
			status = http.StatusInternalServerError
		}
		resp.WriteStatus(w, r, status)
		return true
	}
	return false
}

// wait blocks for d (forever when d is 0) or until the client goes away or the
// injector is closed. It returns true when the full duration elapsed. No lock is held.
func (in *Injector) wait(r *http.Request, d time.Duration) bool {
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-timeout:
		return true
	case <-r.Context().Done():
		return false
	case <-in.stop:
		return false
	}
}

// reset closes the connection under w with SO_LINGER 0, so the client sees a
// connection reset rather than a clean EOF.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
