// Package hubspot is a typed client for the HubSpot CRM v3 contacts API
// (https://developers.hubspot.com/docs/api-reference/crm-contacts-v3). It uses only the
// standard library and knows nothing of retries or circuit breakers: the *http.Client
// it is given decides that. Every non-2xx answer becomes an *Error.
package hubspot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
)

// maxErrorBody bounds how much of an error answer is read; HTML error pages from a
// proxy can be large and only the start is useful.
const maxErrorBody = 64 << 10

// Client calls the HubSpot CRM v3 API. Create it with New; it is safe for concurrent use.
type Client struct {
	baseURL  *url.URL // ends in "/"; request paths are relative
	http     *http.Client
	apiKey   string
	lastRate atomic.Pointer[RateLimit]
}

// New returns a Client for baseURL (e.g. https://api.hubapi.com, which may carry a
// path prefix) authenticating with the private-app token apiKey. hc is used for every
// request; nil means http.DefaultClient, which has no timeout.
func New(baseURL, apiKey string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/") + "/")
	if err != nil {
		return nil, fmt.Errorf("hubspot: base URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("hubspot: base URL %q: scheme must be http or https", baseURL)
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{baseURL: u, http: hc, apiKey: apiKey}, nil
}

// RateLimit returns the quota HubSpot reported on the most recent answer that
// carried rate-limit headers (search answers carry none), and false before any did.
func (c *Client) RateLimit() (RateLimit, bool) {
	if rl := c.lastRate.Load(); rl != nil {
		return *rl, true
	}
	return RateLimit{}, false
}

// do sends one request. path is relative to the base URL (no leading slash) and
// may carry a query. in, when non-nil, is sent as JSON; out, when non-nil, receives
// the JSON answer. Non-2xx answers become *Error.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	u, err := c.baseURL.Parse(path)
	if err != nil {
		return fmt.Errorf("hubspot: %s %s: %w", method, path, err)
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("hubspot: encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return fmt.Errorf("hubspot: %s %s: %w", method, u.Path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			return fmt.Errorf("hubspot: %s %s: %w", method, u.Path, ctxErr)
		}
		return fmt.Errorf("hubspot: %s %s: %w", method, u.Path, stripURL(err))
	}
	defer drain(resp.Body)
	rl, hasRL := parseRateLimit(resp.Header)
	if hasRL {
		c.lastRate.Store(&rl)
	}
	if resp.StatusCode >= 300 {
		return newError(resp, rl, c.apiKey)
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("hubspot: %s %s: decode answer: %w", method, u.Path, err)
	}
	return nil
}

// drain reads what is left of body (bounded) and closes it, so the connection can
// be reused.
func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 256<<10))
	_ = body.Close()
}

// stripURL removes the request URL from a transport error: it is noise in logs and
// the query string could one day hold something sensitive.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// RateLimit is HubSpot's quota as reported in X-HubSpot-RateLimit-* headers. Fields
// HubSpot did not send are -1.
type RateLimit struct {
	IntervalMillis int // X-HubSpot-RateLimit-Interval-Milliseconds, e.g. 10000
	Max            int // X-HubSpot-RateLimit-Max: requests allowed per interval
	Remaining      int // X-HubSpot-RateLimit-Remaining in this interval
	Daily          int // X-HubSpot-RateLimit-Daily
	DailyRemaining int // X-HubSpot-RateLimit-Daily-Remaining
}

func parseRateLimit(h http.Header) (RateLimit, bool) {
	rl := RateLimit{
		IntervalMillis: headerInt(h, "X-HubSpot-RateLimit-Interval-Milliseconds"),
		Max:            headerInt(h, "X-HubSpot-RateLimit-Max"),
		Remaining:      headerInt(h, "X-HubSpot-RateLimit-Remaining"),
		Daily:          headerInt(h, "X-HubSpot-RateLimit-Daily"),
		DailyRemaining: headerInt(h, "X-HubSpot-RateLimit-Daily-Remaining"),
	}
	ok := rl.IntervalMillis >= 0 || rl.Max >= 0 || rl.Remaining >= 0 || rl.Daily >= 0 || rl.DailyRemaining >= 0
	return rl, ok
}

func headerInt(h http.Header, key string) int {
	v := h.Get(key)
	if v == "" {
		return -1
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return -1
	}
	return n
}
