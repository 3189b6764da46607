package explorium

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Error is a non-2xx answer from Explorium: a 422 validation error with Detail, or
// the generic {"details", "correlation_id"} body, or a 429 with retry_after.
type Error struct {
	StatusCode    int                // HTTP status Explorium answered with
	Message       string             // "details", "message", or a 422's first msg; never the API key
	Code          string             // "error" (e.g. rate_limit_exceeded) when sent
	CorrelationID string             // "correlation_id" when sent
	Detail        []ValidationDetail // 422: FastAPI's detail array (a string detail becomes one entry)
	RetryAfter    time.Duration      // Retry-After header, else the body's retry_after; zero when absent
}

// ValidationDetail is one FastAPI validation failure. Loc is the path to the field,
// e.g. ["body", "business_ids", 0].
type ValidationDetail struct {
	Loc  []any  `json:"loc"`
	Msg  string `json:"msg"`
	Type string `json:"type"`
}

// Error implements error.
func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	return fmt.Sprintf("explorium: %d: %s", e.StatusCode, msg)
}

// HTTPStatus returns the HTTP status, for classifiers that read it through a
// one-method interface.
func (e *Error) HTTPStatus() int { return e.StatusCode }

// RetryAfterDuration returns how long Explorium asked to wait; zero when it did not say.
func (e *Error) RetryAfterDuration() time.Duration { return e.RetryAfter }

// InsufficientCredits reports whether this is the 403 that means the account has
// run out of credits.
func (e *Error) InsufficientCredits() bool {
	return e.StatusCode == http.StatusForbidden && strings.Contains(strings.ToLower(e.Message), "insufficient credits")
}

type errorBody struct {
	Detail        json.RawMessage `json:"detail"`
	Details       any             `json:"details"`
	Message       string          `json:"message"`
	Error         string          `json:"error"`
	CorrelationID string          `json:"correlation_id"`
	RetryAfter    json.Number     `json:"retry_after"`
}

func newError(resp *http.Response, apiKey string) *Error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	e := &Error{
		StatusCode: resp.StatusCode,
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
	}
	var b errorBody
	if json.Unmarshal(raw, &b) != nil {
		e.Message = strings.TrimSpace(string(raw))
	} else {
		e.Code, e.CorrelationID = b.Error, b.CorrelationID
		e.Detail = decodeDetail(b.Detail)
		switch {
		case b.Details != nil:
			e.Message = fmt.Sprint(b.Details)
		case b.Message != "":
			e.Message = b.Message
		case len(e.Detail) > 0:
			e.Message = e.Detail[0].Msg
		}
		if e.RetryAfter == 0 && b.RetryAfter != "" {
			if f, err := b.RetryAfter.Float64(); err == nil && f > 0 {
				e.RetryAfter = time.Duration(f * float64(time.Second))
			}
		}
	}
	if len(e.Message) > 1024 {
		e.Message = e.Message[:1024]
	}
	if apiKey != "" {
		e.Message = strings.ReplaceAll(e.Message, apiKey, "[REDACTED]")
	}
	return e
}

// decodeDetail reads FastAPI's detail: an array of failures, or a plain string.
func decodeDetail(raw json.RawMessage) []ValidationDetail {
	if len(raw) == 0 {
		return nil
	}
	var list []ValidationDetail
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var s string
	if json.Unmarshal(raw, &s) == nil && s != "" {
		return []ValidationDetail{{Msg: s}}
	}
	return nil
}

func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
