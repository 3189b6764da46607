package resilience

import "fmt"

// Registry holds the process's breakers by name; run builds exactly one and
// passes it on (no package-level state). Read-only after NewRegistry, so safe
// for concurrent use without a lock.
type Registry struct {
	list   []*Breaker
	byName map[string]*Breaker
}

// NewRegistry builds one breaker per settings entry, in that order, each with
// opts (listeners, logger, metrics). Names must be unique.
func NewRegistry(settings []Settings, opts ...Option) (*Registry, error) {
	r := &Registry{byName: make(map[string]*Breaker, len(settings))}
	for _, s := range settings {
		if _, dup := r.byName[s.Name]; dup {
			return nil, fmt.Errorf("resilience: duplicate circuit name %q", s.Name)
		}
		b, err := NewBreaker(s, opts...)
		if err != nil {
			return nil, fmt.Errorf("resilience: circuit %s: %w", s.Name, err)
		}
		r.list = append(r.list, b)
		r.byName[s.Name] = b
	}
	return r, nil
}

// Get returns the breaker with the given circuit name ("hubspot-circuit").
func (r *Registry) Get(name string) (*Breaker, bool) {
	b, ok := r.byName[name]
	return b, ok
}

// Breakers returns the breakers in the order of the settings given to
// NewRegistry. The slice is a copy.
func (r *Registry) Breakers() []*Breaker { return append([]*Breaker(nil), r.list...) }

// Close stops every goroutine the package started for these breakers. The
// breakers start none (OPEN turns HALF_OPEN lazily, from the clock, when the
// state is read or a call arrives), so Close only exists so that run can
// treat the registry like its other resources; it is idempotent and the
// breakers keep working after it.
func (r *Registry) Close() error { return nil }
