// Package handlers is the service's HTTP surface on Gin: it validates input,
// composes cache, breaker and typed clients, and maps every outcome to JSON or
// to an application/problem+json error (RFC 9457).
package handlers

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"
)

// Problem is an RFC 9457 problem document with the contract's extensions.
type Problem struct {
	Type       string `json:"type"`
	Title      string `json:"title"`
	Status     int    `json:"status"`
	Detail     string `json:"detail"`
	Code       string `json:"code"`
	Service    string `json:"service,omitempty"`
	RetryAfter int    `json:"retryAfter,omitempty"` // seconds; also sent as the Retry-After header
	RequestID  string `json:"requestId,omitempty"`
	ExistingID string `json:"existingId,omitempty"` // 409 contact_exists: the contact that has the email
}

// Error is an error that already knows the problem it should become; handlers
// return it for bad input and other conditions they detect themselves.
type Error struct{ P Problem }

func (e *Error) Error() string { return e.P.Code + ": " + e.P.Detail }

func newProblem(status int, code, detail string) *Error {
	return &Error{P: Problem{
		Type:   "https://docs.salesautomation.example/problems/" + code,
		Title:  http.StatusText(status),
		Status: status,
		Detail: detail,
		Code:   code,
	}}
}

// invalid is a 400 naming the field at fault.
func invalid(field, why string) *Error {
	return newProblem(http.StatusBadRequest, "invalid_request", field+": "+why)
}

// writeProblem writes err as problem+json and logs it once, here, when it is
// the service's fault (5xx). Error text never reaches the body for 5xx.
func writeProblem(c *gin.Context, err error) {
	p := problemFor(err)
	p.RequestID = requestID(c)
	c.Set(ctxFailure, failure{err: err, code: p.Code, level: problemLevel(p)})
	h := c.Writer.Header()
	if p.RetryAfter > 0 {
		h["Retry-After"] = []string{strconv.Itoa(p.RetryAfter)}
	}
	h["Content-Type"] = []string{"application/problem+json"}
	c.Writer.WriteHeader(p.Status)
	var buf [512]byte
	_, _ = c.Writer.Write(p.appendJSON(buf[:0]))
	c.Abort()
}

// appendJSON encodes p as encoding/json would (same names, same omitempty),
// without reflection: problems are written on the fast-rejection path of an
// open circuit, where every microsecond shows in the tail latency.
func (p Problem) appendJSON(b []byte) []byte {
	b = append(b, `{"type":`...)
	b = strconv.AppendQuote(b, p.Type)
	b = append(b, `,"title":`...)
	b = strconv.AppendQuote(b, p.Title)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(p.Status), 10)
	b = append(b, `,"detail":`...)
	b = appendJSONString(b, p.Detail)
	b = append(b, `,"code":`...)
	b = strconv.AppendQuote(b, p.Code)
	for _, f := range [...]struct{ key, val string }{{"service", p.Service}, {"requestId", p.RequestID}, {"existingId", p.ExistingID}} {
		if f.val != "" {
			b = append(b, `,"`...)
			b = append(b, f.key...)
			b = append(b, `":`...)
			b = appendJSONString(b, f.val)
		}
	}
	if p.RetryAfter != 0 {
		b = append(b, `,"retryAfter":`...)
		b = strconv.AppendInt(b, int64(p.RetryAfter), 10)
	}
	return append(b, '}')
}

// problemLevel is the level of a failed request's log line. Internal errors
// are errors; upstream trouble is info (the breaker's own open/close lines are
// the alarm); a fast rejection by an open circuit or a full capacity, and a
// client that hung up, are debug: one line per rejected request at info would
// flood the logs and slow the very path that must stay fast in an outage.
func problemLevel(p Problem) zerolog.Level {
	switch {
	case p.Status == http.StatusInternalServerError, p.Code == "queue_unavailable":
		return zerolog.ErrorLevel
	case p.Code == "circuit_open" || p.Code == "capacity_exceeded" || p.Status == statusClientClosed:
		return zerolog.DebugLevel
	default:
		return zerolog.InfoLevel
	}
}

// failure is what writeProblem leaves for the access log, so that a failed
// request is logged once, with its cause, at the level it deserves.
type failure struct {
	err   error
	code  string
	level zerolog.Level
}

const ctxFailure = "failure"

// appendJSONString appends s as a JSON string. strconv.AppendQuote is not
// JSON for every input (it writes \x escapes), so text that may hold client
// input goes through encoding/json's rules: anything unusual takes the slow,
// exact path.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			enc, _ := json.Marshal(s)
			return append(b, enc...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
