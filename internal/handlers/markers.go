package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/salesautomation/api/internal/cache"
)

// field is one JSON member to splice into an object: a key and its raw,
// already-encoded value.
type field struct {
	key string
	raw string
}

// withFields returns obj (an encoded JSON object) with fields added at the
// front. Cached answers are stored encoded, so markers are spliced in rather
// than decoded and re-encoded: a STALE answer costs one copy, not a round
// trip through encoding/json.
func withFields(obj []byte, fields ...field) []byte {
	if len(obj) < 2 || obj[0] != '{' {
		return obj
	}
	n := len(obj)
	for _, f := range fields {
		n += len(f.key) + len(f.raw) + 4
	}
	out := make([]byte, 0, n)
	out = append(out, '{')
	for i, f := range fields {
		if i > 0 {
			out = append(out, ',')
		}
		out = strconv.AppendQuote(out, f.key)
		out = append(out, ':')
		out = append(out, f.raw...)
	}
	rest := obj[1:]
	if !isEmptyObjectTail(rest) {
		out = append(out, ',')
	}
	return append(out, rest...)
}

// isEmptyObjectTail reports whether rest is the "}" that closes an empty object.
func isEmptyObjectTail(rest []byte) bool {
	for _, c := range rest {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '}':
			return true
		}
		return false
	}
	return true
}

func unixMillis(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// staleMarkers are the guide's fallback markers for a copy served from the
// cache because the upstream failed. _timestamp is when it was served (the
// contract); _cachedAt, an addition, is when the copy was stored, so a client
// can tell how old the data is (the guide's _timestamp alone cannot).
func staleMarkers(now, storedAt time.Time) []field {
	return []field{
		{"_fallback", "true"}, {"_cached", "true"}, {"_source", `"cache"`},
		{"_timestamp", unixMillis(now)}, {"_cachedAt", unixMillis(storedAt)},
	}
}

// writeCached writes a read-through result: the stored JSON as it is for HIT
// and MISS, with the fallback markers and an Age header for STALE.
func writeCached(c *gin.Context, res cache.Result, now time.Time) {
	c.Header("X-Cache", res.Status.String())
	body := res.Value
	if res.Status == cache.Stale {
		body = withFields(body, staleMarkers(now, res.StoredAt)...)
		c.Header("Age", strconv.Itoa(int(now.Sub(res.StoredAt)/time.Second)))
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
}
