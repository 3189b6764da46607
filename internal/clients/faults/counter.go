package faults

import (
	"sort"
	"sync/atomic"
)

// Counter counts requests per route. Routes are registered while the fake is built
// and the map is read-only afterwards, so counting is one atomic add.
type Counter struct {
	byRoute map[string]*atomic.Int64
}

// NewCounter returns an empty Counter.
func NewCounter() *Counter { return &Counter{byRoute: map[string]*atomic.Int64{}} }

// Register adds route and returns its counter. Call it only before serving.
func (c *Counter) Register(route string) *atomic.Int64 {
	n, ok := c.byRoute[route]
	if !ok {
		n = new(atomic.Int64)
		c.byRoute[route] = n
	}
	return n
}

// Count returns how many requests reached route (0 for unknown routes).
func (c *Counter) Count(route string) int64 {
	if n, ok := c.byRoute[route]; ok {
		return n.Load()
	}
	return 0
}

// Total returns the number of requests over all routes.
func (c *Counter) Total() int64 {
	var t int64
	for _, n := range c.byRoute {
		t += n.Load()
	}
	return t
}

// Snapshot returns the non-zero counts by route.
func (c *Counter) Snapshot() map[string]int64 {
	out := make(map[string]int64)
	for r, n := range c.byRoute {
		if v := n.Load(); v > 0 {
			out[r] = v
		}
	}
	return out
}

// Routes returns the registered route names, sorted.
func (c *Counter) Routes() []string {
	out := make([]string, 0, len(c.byRoute))
	for r := range c.byRoute {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// Reset sets every count to zero.
func (c *Counter) Reset() {
	for _, n := range c.byRoute {
		n.Store(0)
	}
}
