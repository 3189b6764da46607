package resilience

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// NewHTTPClient returns the retrying client of one upstream (RESILIENCE.md
// decision 9), a standard *http.Client for the typed clients. It has its own
// connection pool, sized for Settings.Capacity concurrent calls to one host.
// Each attempt is limited to Settings.AttemptTimeout; up to Settings.RetryMax
// retries follow transport errors, 5xx other than 501, and 429, with
// exponential backoff and jitter: wait i (from 0) is drawn from [w/2, w] with
// w = RetryWaitMin·2^i capped at RetryWaitMax. A Retry-After on 429/503 is
// honoured but capped at RetryWaitMax, and no retry starts that could not
// finish its wait before the request's context ends.
//
// Writes (any method but GET, HEAD, OPTIONS, TRACE) are retried only when
// the attempt surely did not reach the server (dial or DNS failure), unless
// the request's context is marked by WithRetryableWrite. Other answers are
// never retried. When retries run out the last response is returned as it
// is, with a nil error, so the caller sees the final status and body; when
// every attempt timed out the error matches ErrTimeout. Bodies are buffered
// and re-sent on every attempt. Context cancellation stops the attempts.
//
// With WithMetrics, each retry counts in http_retries_total{service}; with
// WithLogger, attempts are logged at debug (method, host and path only).
// CloseIdleConnections on the client closes the pool's idle connections; a
// failed call never does.
func NewHTTPClient(s Settings, opts ...Option) *http.Client {
	o := collect(opts)
	base := newTransport(s)
	p := &policy{s: s}
	if o.metrics != nil {
		p.retries = o.metrics.retryCounter(s.Service)
	}
	if o.logger != nil && o.logger.GetLevel() <= zerolog.DebugLevel {
		l := o.logger.With().Str("service", s.Service).Logger()
		p.log = &l
	}
	rc := retryablehttp.NewClient()
	rc.HTTPClient = &http.Client{Transport: keepIdle{base}, Timeout: s.AttemptTimeout, CheckRedirect: noRedirects}
	rc.Logger = nil // its lines carry query strings; attempts are logged by the hooks
	rc.RetryMax = s.RetryMax
	rc.RetryWaitMin, rc.RetryWaitMax = s.RetryWaitMin, s.RetryWaitMax
	rc.CheckRetry = p.checkRetry
	rc.Backoff = p.backoff
	rc.ErrorHandler = keepLastResponse
	rc.RequestLogHook = p.onAttempt
	return &http.Client{Transport: &transport{rc: rc, base: base, attemptTimeout: s.AttemptTimeout}, CheckRedirect: noRedirects}
}

// noRedirects hands a redirect back to the typed client as an answer. The
// upstream APIs do not redirect, and following one would carry credentials
// that net/http does not strip (Explorium's api_key header) to another host.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// newTransport is one upstream's pool, tuned for many concurrent requests to
// a single host.
func newTransport(s Settings) *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: min(s.AttemptTimeout, 10*time.Second), KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          max(100, 2*s.Capacity),
		MaxIdleConnsPerHost:   max(s.Capacity, 2), // every concurrent call may return its connection to the pool
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   min(s.AttemptTimeout, 10*time.Second),
		ExpectContinueTimeout: time.Second,
	}
}

// keepIdle hides the pool's CloseIdleConnections from retryablehttp, which
// calls it after every failed Do and would drop every caller's connections.
type keepIdle struct{ t *http.Transport }

func (k keepIdle) RoundTrip(r *http.Request) (*http.Response, error) { return k.t.RoundTrip(r) }

// transport is the outer RoundTripper: it tracks the attempts of one request
// and turns "every attempt timed out" into a *TimeoutError.
type transport struct {
	rc             *retryablehttp.Client
	base           *http.Transport
	attemptTimeout time.Duration
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	tr := &tracker{write: !safeMethod(req.Method), marked: ctx.Value(retryableWriteKey{}) != nil}
	rreq, err := retryablehttp.FromRequest(req.WithContext(context.WithValue(ctx, trackerKey{}, tr)))
	if err != nil {
		return nil, err
	}
	resp, err := t.rc.Do(rreq)
	if err == nil {
		return resp, nil
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue == err { // http.Client wraps again; do not nest
		err = ue.Err
	}
	if tr.attempts > 0 && tr.timeouts == tr.attempts && ctx.Err() == nil {
		err = &TimeoutError{Timeout: t.attemptTimeout, Attempts: tr.attempts, Err: err}
	}
	return resp, err
}

// CloseIdleConnections closes the pool's idle connections (at shutdown).
func (t *transport) CloseIdleConnections() { t.base.CloseIdleConnections() }

type (
	trackerKey        struct{}
	retryableWriteKey struct{}
)

// WithRetryableWrite marks a write request as safe to re-send (an upstream
// that makes a duplicate harmless, an Idempotency-Key, or a read sent as a
// POST such as HubSpot's search), so it is retried like a GET.
func WithRetryableWrite(ctx context.Context) context.Context {
	return context.WithValue(ctx, retryableWriteKey{}, true)
}

// tracker follows one request through its attempts; only the goroutine
// running retryablehttp's Do touches it.
type tracker struct {
	write, marked      bool
	attempts, timeouts int
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions || m == http.MethodTrace
}

// policy is one upstream's CheckRetry, Backoff and attempt hook.
type policy struct {
	s       Settings
	retries prometheus.Counter // nil without metrics
	log     *zerolog.Logger    // nil unless debug logging is on
}

func (p *policy) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	tr, _ := ctx.Value(trackerKey{}).(*tracker)
	if tr == nil {
		tr = &tracker{}
	}
	tr.attempts++
	if ctx.Err() != nil { // the caller or the breaker's timeout ended the call: no retry
		return false, ctx.Err()
	}
	retry := p.decide(ctx, tr, resp, err)
	if p.log != nil {
		ev := p.log.Debug().Int("attempt", tr.attempts).Bool("retry", retry)
		if err != nil {
			ev = ev.Str("error", safeError(err))
		} else {
			ev = ev.Int("status", resp.StatusCode)
		}
		ev.Msg("http attempt finished")
	}
	return retry, nil
}

func (p *policy) decide(ctx context.Context, tr *tracker, resp *http.Response, err error) bool {
	if err != nil {
		if isTimeout(err) {
			tr.timeouts++
		}
		if ok, _ := retryablehttp.DefaultRetryPolicy(ctx, resp, err); !ok {
			return false // bad scheme, certificate, redirect loop: retrying cannot help
		}
		if tr.write && !tr.marked && !notSent(err) {
			return false // the server may have acted on it
		}
		return fits(ctx, p.wait(tr.attempts-1)/2)
	}
	code := resp.StatusCode
	switch {
	case code == http.StatusTooManyRequests:
		if tr.write && !tr.marked {
			return false
		}
		if ra, ok := retryAfter(resp); ok {
			return fits(ctx, min(ra, p.s.RetryWaitMax))
		}
		return fits(ctx, p.wait(tr.attempts-1)/2)
	case code >= 500 && code != http.StatusNotImplemented:
		if tr.write && !tr.marked {
			return false
		}
		return fits(ctx, p.wait(tr.attempts-1)/2)
	}
	return false
}

// wait is the upper bound of backoff wait i: RetryWaitMin·2^i capped at RetryWaitMax.
func (p *policy) wait(i int) time.Duration {
	w := p.s.RetryWaitMin
	for range i {
		if w >= p.s.RetryWaitMax {
			break
		}
		w *= 2
	}
	return min(w, p.s.RetryWaitMax)
}

// backoff is retryablehttp's Backoff: equal jitter over wait(i), or the
// upstream's Retry-After capped at RetryWaitMax, never past the deadline.
func (p *policy) backoff(_, _ time.Duration, i int, resp *http.Response) time.Duration {
	w := p.wait(i)
	d := w/2 + time.Duration(rand.Int64N(int64(w/2)+1))
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if ra, ok := retryAfter(resp); ok {
			d = min(ra, p.s.RetryWaitMax)
		}
	}
	if resp != nil && resp.Request != nil {
		if dl, ok := resp.Request.Context().Deadline(); ok {
			d = min(d, time.Until(dl))
		}
	}
	return max(d, 0)
}

// onAttempt is retryablehttp's RequestLogHook: it counts retries and logs the
// attempt without headers or query string.
func (p *policy) onAttempt(_ retryablehttp.Logger, r *http.Request, attempt int) {
	if attempt > 0 && p.retries != nil {
		p.retries.Inc()
	}
	if p.log != nil {
		p.log.Debug().Str("method", r.Method).Str("host", r.URL.Host).Str("path", r.URL.Path).
			Int("attempt", attempt+1).Msg("http attempt")
	}
}

// keepLastResponse is the ErrorHandler: when retries run out the last
// response goes back as it is (the typed client reads status and body);
// a transport or context error goes back alone.
func keepLastResponse(resp *http.Response, err error, _ int) (*http.Response, error) {
	if resp != nil && err == nil {
		return resp, nil
	}
	if resp != nil {
		resp.Body.Close()
	}
	return nil, err
}

// fits reports whether a wait of d can end before ctx does.
func fits(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) > d
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

// notSent reports whether a transport error proves the request never left:
// the connection could not be made.
func notSent(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return (errors.As(err, &op) && op.Op == "dial") || errors.As(err, &dns)
}

// retryAfter parses Retry-After as seconds or an HTTP date.
func retryAfter(resp *http.Response) (time.Duration, bool) {
	v := resp.Header.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}
