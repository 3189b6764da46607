package queue

import (
	"math/rand/v2"
	"time"
)

// backoff is the wait after the attempt-th failed attempt (attempt ≥ 1): lo doubling
// per attempt, capped at hi, then jittered into [d/2, d] so that jobs failed by one
// outage do not all come back at once, and never below lo.
func backoff(attempt int, lo, hi time.Duration) time.Duration {
	d := lo
	for i := 1; i < attempt && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	d = d/2 + rand.N(d/2+1)
	return max(d, lo)
}
