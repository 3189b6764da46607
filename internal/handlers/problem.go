// Package handlers is the service's HTTP surface on Gin: it validates input,
// composes cache, breaker and typed clients, and maps every outcome to JSON or
// to an application/problem+json error (RFC 9457).
package handlers

import (
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
	if p.Status >= http.StatusInternalServerError {
		zerolog.Ctx(c.Request.Context()).Warn().Err(err).Str("route", c.FullPath()).
			Int("status", p.Status).Msg("request failed")
	}
	if p.RetryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(p.Status, p)
}
