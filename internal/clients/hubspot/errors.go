package hubspot

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Error is a non-2xx answer from HubSpot. Every field but StatusCode may be empty:
// HubSpot's error bodies vary, and a proxy may answer with HTML.
type Error struct {
	StatusCode    int           // HTTP status HubSpot answered with
	Category      string        // e.g. VALIDATION_ERROR, OBJECT_NOT_FOUND, OBJECT_ALREADY_EXISTS, CONFLICT, RATE_LIMITS
	SubCategory   string        // optional refinement of Category
	Message       string        // HubSpot's "message"; never contains the API key
	CorrelationID string        // "correlationId", else the X-HubSpot-Correlation-Id header
	RetryAfter    time.Duration // from Retry-After; zero when absent
	ExistingID    string        // on 409: the ID of the contact that already exists
	PolicyName    string        // on 429: DAILY, TEN_SECONDLY_ROLLING or SECONDLY
	ErrorType     string        // on 429: RATE_LIMIT
	Details       []ErrorDetail // "errors"
	RateLimit     RateLimit     // quota headers of this answer (-1 where absent)
	Body          string        // the raw body, at most 64 KiB, API key redacted
}

// ErrorDetail is one entry of HubSpot's "errors" array.
type ErrorDetail struct {
	Message     string              `json:"message"`
	In          string              `json:"in,omitempty"`
	Code        string              `json:"code,omitempty"`
	SubCategory string              `json:"subCategory,omitempty"`
	Context     map[string][]string `json:"context,omitempty"`
}

// Error implements error.
func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	if e.Category != "" {
		return fmt.Sprintf("hubspot: %d %s: %s", e.StatusCode, e.Category, msg)
	}
	return fmt.Sprintf("hubspot: %d: %s", e.StatusCode, msg)
}

// HTTPStatus returns the HTTP status, for classifiers that read it through a
// one-method interface.
func (e *Error) HTTPStatus() int { return e.StatusCode }

// RetryAfterDuration returns how long HubSpot asked to wait; zero when it did not say.
func (e *Error) RetryAfterDuration() time.Duration { return e.RetryAfter }

// errorBody is every field HubSpot is known to put in an error, all optional.
type errorBody struct {
	Status          string        `json:"status"`
	Message         string        `json:"message"`
	CorrelationID   string        `json:"correlationId"`
	Category        string        `json:"category"`
	SubCategory     string        `json:"subCategory"`
	Errors          []ErrorDetail `json:"errors"`
	PolicyName      string        `json:"policyName"`
	ErrorType       string        `json:"errorType"`
	IdentityProfile *struct {
		VID json.Number `json:"vid"`
	} `json:"identityProfile"`
}

var existingIDPattern = regexp.MustCompile(`Existing ID: ?(\d+)`)

func newError(resp *http.Response, rl RateLimit, apiKey string) *Error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	body := redact(string(raw), apiKey)
	e := &Error{
		StatusCode:    resp.StatusCode,
		CorrelationID: resp.Header.Get("X-HubSpot-Correlation-Id"),
		RetryAfter:    parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
		RateLimit:     rl,
		Body:          body,
	}
	var eb errorBody
	if json.Unmarshal(raw, &eb) != nil {
		return e // HTML or text from a proxy: the status is all there is
	}
	e.Message = redact(eb.Message, apiKey)
	e.Category, e.SubCategory = eb.Category, eb.SubCategory
	e.PolicyName, e.ErrorType = eb.PolicyName, eb.ErrorType
	e.Details = eb.Errors
	if eb.CorrelationID != "" {
		e.CorrelationID = eb.CorrelationID
	}
	if resp.StatusCode == http.StatusConflict {
		e.ExistingID = existingID(eb)
	}
	return e
}

// existingID finds the duplicate's ID in either 409 format: "Existing ID: N" in the
// message (both), in an errors[] message, or identityProfile.vid (current format).
func existingID(eb errorBody) string {
	if m := existingIDPattern.FindStringSubmatch(eb.Message); m != nil {
		return m[1]
	}
	for _, d := range eb.Errors {
		if m := existingIDPattern.FindStringSubmatch(d.Message); m != nil {
			return m[1]
		}
	}
	if eb.IdentityProfile != nil && eb.IdentityProfile.VID != "" {
		return eb.IdentityProfile.VID.String()
	}
	return ""
}

func redact(s, secret string) string {
	if secret == "" || !strings.Contains(s, secret) {
		return s
	}
	return strings.ReplaceAll(s, secret, "[REDACTED]")
}

// parseRetryAfter reads delay-seconds or an HTTP date; anything else is zero.
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
