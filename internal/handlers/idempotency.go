package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/singleflight"

	"github.com/salesautomation/api/internal/cache"
)

const (
	headerIdempotencyKey = "Idempotency-Key"
	maxIdempotencyKeyLen = 255
	idempotencyTTL       = 24 * time.Hour
)

// idempotency replays the first answer to a write sent again with the same
// Idempotency-Key and body within 24 h, so a frontend that retries after a
// network error cannot create a contact twice. Records live in the cache
// store (Redis when configured, so every replica sees them). Concurrent
// repeats in one replica share the one upstream call (singleflight); across
// replicas, two repeats racing within the same instant may both reach
// HubSpot, where the duplicate becomes a 409 naming the first contact.
type idempotency struct {
	store  cache.Store
	flight singleflight.Group
}

// idemRecord is a stored answer.
type idemRecord struct {
	BodyHash string          `json:"h"`
	Status   int             `json:"s"`
	Body     json.RawMessage `json:"b"`
	replayed bool
}

func (i *idempotency) serve(c *gin.Context, scope, key string, body any, do func(context.Context) (int, any, error)) {
	if len(key) > maxIdempotencyKeyLen || !printableASCII(key) {
		writeProblem(c, invalid(headerIdempotencyKey, "1 to 255 printable ASCII characters"))
		return
	}
	canonical, err := json.Marshal(body)
	if err != nil {
		writeProblem(c, err)
		return
	}
	hash := hexSHA256(canonical)
	storeKey := "idem:" + scope + ":" + hexSHA256([]byte(key))
	// The first caller's cancellation must not fail the repeats waiting on it;
	// the breaker's timeout bounds the call.
	ctx := context.WithoutCancel(c.Request.Context())
	executed := false // only this caller's own closure can set it
	v, err, _ := i.flight.Do(storeKey, func() (any, error) {
		executed = true
		if rec, ok := i.load(ctx, storeKey); ok {
			return rec, nil
		}
		status, out, err := do(ctx)
		rec, keep, err := recordFor(hash, status, out, err)
		if err != nil {
			return nil, err
		}
		if keep {
			b, _ := json.Marshal(rec)
			_ = i.store.Set(ctx, storeKey, cache.Entry{Value: b, StoredAt: time.Now()}, idempotencyTTL)
		}
		return rec, nil
	})
	if err != nil {
		writeProblem(c, err)
		return
	}
	rec := v.(*idemRecord)
	if rec.BodyHash != hash {
		writeProblem(c, newProblem(http.StatusUnprocessableEntity, "idempotency_key_reused",
			headerIdempotencyKey+": already used with a different body"))
		return
	}
	if rec.replayed || !executed {
		c.Header("Idempotent-Replayed", "true")
	}
	ct := "application/json; charset=utf-8"
	if rec.Status >= 400 {
		ct = "application/problem+json"
	}
	c.Data(rec.Status, ct, rec.Body)
}

// recordFor turns an outcome into a record. Answers that will not change on
// a retry (success, 4xx) are kept; failures the client should retry (5xx,
// 429, open circuit) are returned as errors and not kept.
func recordFor(hash string, status int, out any, err error) (*idemRecord, bool, error) {
	if err != nil {
		p := problemFor(err)
		if p.Status >= 500 || p.Status == http.StatusTooManyRequests || p.Status == statusClientClosed {
			return nil, false, err
		}
		b, _ := json.Marshal(p)
		return &idemRecord{BodyHash: hash, Status: p.Status, Body: b}, true, nil
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, false, err
	}
	return &idemRecord{BodyHash: hash, Status: status, Body: b}, true, nil
}

func (i *idempotency) load(ctx context.Context, key string) (*idemRecord, bool) {
	e, ok, err := i.store.Get(ctx, key)
	if err != nil || !ok {
		return nil, false // a cache outage must not block writes
	}
	var rec idemRecord
	if json.Unmarshal(e.Value, &rec) != nil {
		return nil, false
	}
	rec.replayed = true
	return &rec, true
}

func hexSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func printableASCII(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
