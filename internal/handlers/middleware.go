package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"
)

const (
	headerRequestID = "X-Request-Id" // canonical form: net/http need not rewrite it per request
	ctxRequestID    = "requestID"
	ctxLogger       = "logger"
	maxRequestIDLen = 128
)

// idSource makes request IDs: a random per-process prefix and a counter, so an
// ID is unique across replicas without a syscall or allocation per request
// beyond the string itself.
type idSource struct {
	prefix string
	n      atomic.Uint64
}

func newIDSource() *idSource {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return &idSource{prefix: hex.EncodeToString(b[:]) + "-"}
}

func (s *idSource) next() string {
	var buf [40]byte
	b := append(buf[:0], s.prefix...)
	return string(strconv.AppendUint(b, s.n.Add(1), 36))
}

// validRequestID accepts a client's ID only if it is short and made of a safe
// set, so it can go into logs and headers without escaping.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == ':'
		if !ok {
			return false
		}
	}
	return true
}

// withRequestID sets X-Request-ID on every response and keeps the ID and the
// base logger in the request, for logFor. The request-scoped logger is built
// only when something is logged: at info, a successful request builds none.
func withRequestID(ids *idSource, base zerolog.Logger) gin.HandlerFunc {
	bp := &base
	return func(c *gin.Context) {
		id := c.GetHeader(headerRequestID)
		if !validRequestID(id) {
			id = ids.next()
		}
		c.Set(ctxRequestID, id)
		c.Set(ctxLogger, bp)
		c.Header(headerRequestID, id)
		c.Next()
	}
}

// baseLogger is the service's logger, as withRequestID stored it.
func baseLogger(c *gin.Context) *zerolog.Logger {
	if v, ok := c.Get(ctxLogger); ok {
		if l, ok := v.(*zerolog.Logger); ok {
			return l
		}
	}
	nop := zerolog.Nop()
	return &nop
}

// logFor is the request's logger: the base logger with the request ID.
func logFor(c *gin.Context) zerolog.Logger {
	return baseLogger(c).With().Str("request_id", requestID(c)).Logger()
}

func requestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

// routeLabel is the route template, bounded in cardinality: every unknown path
// shares one value.
func routeLabel(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		return r
	}
	return "unmatched"
}

// logAccess writes one line per request: method, route template, status,
// duration, bytes, request ID, and for a failure its code and cause; never
// headers, query strings or bodies. Successes are logged at debug only, so
// the hot path pays nothing at info.
func logAccess() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		status := c.Writer.Status()
		level := zerolog.DebugLevel
		v, _ := c.Get(ctxFailure)
		f, failed := v.(failure)
		switch {
		case failed:
			level = f.level
		case status >= 500:
			level = zerolog.WarnLevel
		case status >= 400:
			level = zerolog.InfoLevel
		}
		ev := baseLogger(c).WithLevel(level)
		if ev == nil {
			return
		}
		ev = ev.Str("request_id", requestID(c)).Str("method", c.Request.Method).Str("route", routeLabel(c)).Int("status", status).
			Dur("duration", time.Since(start)).Int("bytes", c.Writer.Size())
		if failed {
			ev = ev.Str("code", f.code).Err(f.err)
		}
		ev.Msg("request")
	}
}

// recoverPanics turns a panic into a 500 problem carrying the request ID, and
// logs the panic value once.
func recoverPanics() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler { // the client went away; net/http's own signal
					panic(v)
				}
				l := logFor(c)
				l.Error().Interface("panic", v).Str("route", routeLabel(c)).Msg("handler panicked")
				writeProblem(c, newProblem(http.StatusInternalServerError, "internal_error", "internal error"))
			}
		}()
		c.Next()
	}
}

// limitBody refuses bodies over max bytes: at once when Content-Length says
// so, otherwise when the decoder reads past the limit (http.MaxBytesError).
func limitBody(max int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > max {
			writeProblem(c, &http.MaxBytesError{Limit: max})
			return
		}
		if c.Request.Body != nil && c.Request.Body != http.NoBody {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max)
		}
		c.Next()
	}
}
