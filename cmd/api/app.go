package main

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/rs/zerolog"

	"github.com/salesautomation/api/internal/handlers"
)

// app is every long-lived object of the process, built once by newApp.
type app struct {
	handler http.Handler
	life    *handlers.Lifecycle
	closers []func() // run in reverse order by close
}

// newApp wires the service. Each step returns a wrapped error; nothing here
// reads the environment.
func newApp(_ context.Context, cfg Config, logger zerolog.Logger, stdout io.Writer) (*app, error) {
	a := &app{life: handlers.NewLifecycle(time.Now())}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	router, err := handlers.NewRouter(handlers.Deps{
		Logger:       logger,
		Metrics:      reg,
		Life:         a.life,
		MaxBodyBytes: cfg.MaxBodyBytes,
		CORSOrigins:  cfg.CORSOrigins,
	})
	if err != nil {
		a.close()
		return nil, err
	}
	a.handler = router
	if cfg.Sandbox {
		logger.Warn().Msg("sandbox mode: only health and metrics are served until the fake upstreams land")
	}
	_ = stdout
	return a, nil
}

// start launches background work (queue workers) that lives until ctx ends.
func (a *app) start(context.Context) {}

// stop waits for background work to settle after the server has drained.
func (a *app) stop() {}

func (a *app) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}
