package lemlist

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Conditions callers act on; match them with errors.Is on an error from this package.
var (
	// ErrAlreadyInCampaign: the lead is already in this campaign (400 "Lead already in
	// the campaign"). For an add, that means an earlier attempt succeeded.
	ErrAlreadyInCampaign = errors.New("lemlist: lead already in the campaign")
	// ErrAlreadyInOtherCampaign: with deduplication, the lead is in another campaign
	// (409, sometimes 500). A final business outcome; do not retry.
	ErrAlreadyInOtherCampaign = errors.New("lemlist: lead already in other campaign")
)

// Error is a non-2xx answer from lemlist. lemlist answers mostly in text/plain, and
// in JSON on newer endpoints; Message holds the text either way.
type Error struct {
	StatusCode int           // HTTP status lemlist answered with
	Message    string        // the plain-text body, or JSON "message"/"error"; never the API key
	Code       string        // JSON error code when lemlist sent one, e.g. CAMPAIGN_LEAD_REVIEW_LEAD_NOT_FOUND
	RetryAfter time.Duration // from Retry-After; zero when absent
	RateLimit  RateLimit     // quota headers of this answer
}

// RateLimit is lemlist's quota as reported in X-RateLimit-* headers. Reset is kept as
// the text lemlist sends (a JavaScript Date string), not parsed.
type RateLimit struct {
	Limit     int // X-RateLimit-Limit, -1 when absent
	Remaining int // X-RateLimit-Remaining, -1 when absent
	Reset     string
}

// Error implements error.
func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	return fmt.Sprintf("lemlist: %d: %s", e.StatusCode, msg)
}

// HTTPStatus returns the HTTP status, for classifiers that read it through a
// one-method interface.
func (e *Error) HTTPStatus() int { return e.StatusCode }

// RetryAfterDuration returns how long lemlist asked to wait; zero when it did not say.
func (e *Error) RetryAfterDuration() time.Duration { return e.RetryAfter }

// Is matches ErrAlreadyInCampaign and ErrAlreadyInOtherCampaign by lemlist's text, not
// its status, because the same condition has surfaced under different statuses.
func (e *Error) Is(target error) bool {
	msg := strings.ToLower(e.Message)
	switch target {
	case ErrAlreadyInCampaign:
		return strings.Contains(msg, "lead already in the campaign")
	case ErrAlreadyInOtherCampaign:
		return strings.Contains(msg, "already in other campaign")
	}
	return false
}

func newError(resp *http.Response, apiKey string) *Error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	e := &Error{
		StatusCode: resp.StatusCode,
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
		RateLimit: RateLimit{
			Limit:     headerInt(resp.Header, "X-RateLimit-Limit"),
			Remaining: headerInt(resp.Header, "X-RateLimit-Remaining"),
			Reset:     resp.Header.Get("X-RateLimit-Reset"),
		},
	}
	text := strings.TrimSpace(string(raw))
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "text/plain" && strings.HasPrefix(text, "{") {
		e.Message, e.Code = decodeJSONError(raw)
	}
	if e.Message == "" {
		e.Message = text
	}
	if apiKey != "" {
		e.Message = strings.ReplaceAll(e.Message, apiKey, "[REDACTED]")
	}
	return e
}

// decodeJSONError reads the JSON error shapes lemlist uses: {"error":"…"},
// {"error":"CODE","message":"…"}, {"success":false,"error":{"code","message"}} and
// {"ok":false,"message":"…"}.
func decodeJSONError(raw []byte) (msg, code string) {
	var b struct {
		Message string          `json:"message"`
		Error   json.RawMessage `json:"error"`
	}
	if json.Unmarshal(raw, &b) != nil {
		return "", ""
	}
	var s string
	var obj struct{ Code, Message string }
	switch {
	case json.Unmarshal(b.Error, &s) == nil:
		if b.Message == "" {
			return s, ""
		}
		return b.Message, s
	case json.Unmarshal(b.Error, &obj) == nil && (obj.Code != "" || obj.Message != ""):
		return obj.Message, obj.Code
	}
	return b.Message, ""
}

func headerInt(h http.Header, key string) int {
	n, err := strconv.Atoi(strings.TrimSpace(h.Get(key)))
	if err != nil {
		return -1
	}
	return n
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
