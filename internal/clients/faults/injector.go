package faults

import (
	"math/rand/v2"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Injector holds the faults in force for one fake: at most one for the whole
// upstream and one per route. Reads are lock-free (copy on write).
type Injector struct {
	state      atomic.Pointer[state]
	writeMu    sync.Mutex // serialises Set/Clear; never held while a request waits
	rngMu      sync.Mutex
	rng        *rand.Rand
	failNext   atomic.Int64
	failStatus atomic.Int64
	stop       chan struct{}
	stopOnce   sync.Once
}

type state struct {
	all    *Fault
	routes []*Fault // longest Route first, so the most specific wins
}

// NewInjector returns an Injector with no fault in force. seed fixes the random
// choices (error rate, jitter) so runs repeat.
func NewInjector(seed uint64) *Injector {
	in := &Injector{
		rng:  rand.New(rand.NewPCG(seed, seed+1)),
		stop: make(chan struct{}),
	}
	in.state.Store(&state{})
	return in
}

// Set puts f in force, replacing the fault for the same Route ("" = every route).
// A zero-effect f clears that route's fault. It returns f.
func (in *Injector) Set(f Fault) Fault {
	in.writeMu.Lock()
	defer in.writeMu.Unlock()
	old := in.state.Load()
	next := &state{all: old.all}
	for _, rf := range old.routes {
		if rf.Route != f.Route {
			next.routes = append(next.routes, rf)
		}
	}
	switch {
	case f.Route == "" && f.IsZero():
		next.all = nil
	case f.Route == "":
		next.all = &f
	case !f.IsZero():
		next.routes = append(next.routes, &f)
		sort.SliceStable(next.routes, func(i, j int) bool {
			return len(next.routes[i].Route) > len(next.routes[j].Route)
		})
	}
	in.state.Store(next)
	return f
}

// Clear removes every fault, including pending FailNext answers.
func (in *Injector) Clear() {
	in.writeMu.Lock()
	defer in.writeMu.Unlock()
	in.state.Store(&state{})
	in.failNext.Store(0)
}

// Faults returns the faults in force: the upstream-wide one first (if any), then
// the per-route ones.
func (in *Injector) Faults() []Fault {
	s := in.state.Load()
	var out []Fault
	if s.all != nil {
		out = append(out, *s.all)
	}
	for _, f := range s.routes {
		out = append(out, *f)
	}
	return out
}

// FailNext makes the next n requests (any route) answer status in the upstream's
// error format, before any other fault applies.
func (in *Injector) FailNext(n int, status int) {
	if status == 0 {
		status = http.StatusInternalServerError
	}
	in.failStatus.Store(int64(status))
	in.failNext.Store(int64(n))
}

// Close releases every hung or delayed request; later hangs return at once. Call it
// before closing the server, or Close on an httptest.Server waits for hung requests.
func (in *Injector) Close() {
	in.stopOnce.Do(func() { close(in.stop) })
}

func (in *Injector) lookup(r *http.Request) *Fault {
	s := in.state.Load()
	for _, f := range s.routes {
		if f.matches(r) {
			return f
		}
	}
	return s.all
}

// roll reports true with probability p; p <= 0 or p >= 1 always hits.
func (in *Injector) roll(p float64) bool {
	if p <= 0 || p >= 1 {
		return true
	}
	in.rngMu.Lock()
	v := in.rng.Float64()
	in.rngMu.Unlock()
	return v < p
}

func (in *Injector) jitter(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	in.rngMu.Lock()
	v := in.rng.Int64N(int64(max) + 1)
	in.rngMu.Unlock()
	return time.Duration(v)
}
