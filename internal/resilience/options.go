package resilience

import "github.com/rs/zerolog"

// Option configures NewBreaker, NewRegistry and NewHTTPClient; each uses the
// options that concern it.
type Option func(*options)

type options struct {
	listeners []Listener
	logger    *zerolog.Logger
	metrics   *Metrics
}

// WithListener adds a listener to every breaker built with the option.
func WithListener(l Listener) Option {
	return func(o *options) { o.listeners = append(o.listeners, l) }
}

// WithLogger logs state changes (open at warn, halfOpen and close at info)
// and, at debug only, per-call events and HTTP attempts. Errors are logged
// without URLs' query strings; headers are never logged. Without it nothing
// is logged.
func WithLogger(l zerolog.Logger) Option {
	return func(o *options) { o.logger = &l }
}

// WithMetrics records breaker events and HTTP retries in m.
func WithMetrics(m *Metrics) Option {
	return func(o *options) { o.metrics = m }
}

func collect(opts []Option) options {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// listenersFor builds b's listeners: metrics first (pre-bound to b's
// labels), then the log, then the caller's own.
func (o options) listenersFor(b *Breaker) []Listener {
	var ls []Listener
	if o.metrics != nil {
		ls = append(ls, o.metrics.bind(b.s.Name))
	}
	if o.logger != nil {
		ls = append(ls, logListener(o.logger.With().Str("circuit", b.s.Name).Logger()))
	}
	return append(ls, o.listeners...)
}
