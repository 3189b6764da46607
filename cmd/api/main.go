// Command api serves the sales-automation REST API: HubSpot contacts, Lemlist
// campaigns and Explorium enrichment behind circuit breakers, retries, a cache
// and a durable queue. Configuration comes from the environment (api --help).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/salesautomation/api/internal/handlers"
)

// defaultMemoryLimit is the Go runtime's soft memory limit unless GOMEMLIMIT
// is set.
const defaultMemoryLimit = 30 << 20

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	gin.SetMode(gin.ReleaseMode) // process-wide; set here so parallel tests of run never race on it
	if os.Getenv("GOMEMLIMIT") == "" {
		// A soft limit makes the GC work harder before the heap's headroom
		// takes the process past its budget (40 MiB peak with a full
		// in-process cache); GOMEMLIMIT overrides it, e.g. from a container's
		// memory limit.
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	if err := run(ctx, os.Args, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "api:", err) // the contract's one-line start-up error
		os.Exit(1)
	}
}

// run is the whole program; main only supplies the operating system's inputs.
// It returns when ctx is cancelled and in-flight requests have finished (or
// SHUTDOWN_TIMEOUT passed), or at once on a start-up error.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	// ---- Flags ----
	fs := flag.NewFlagSet("api", flag.ContinueOnError)
	fs.SetOutput(stdout)
	showHelp := fs.Bool("help", false, "print the configuration variables and exit")
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() { printHelp(stdout) }
	if len(args) > 0 {
		args = args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	switch {
	case *showHelp:
		printHelp(stdout)
		return nil
	case *showVersion:
		fmt.Fprintln(stdout, "api", version)
		return nil
	}

	// ---- Configuration and logging ----
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, stdout)
	logStartup(logger, cfg)

	// ---- Application ----
	a, err := newApp(ctx, cfg, logger, stdout)
	if err != nil {
		return err
	}
	defer a.close()

	// ---- Serve until cancelled, then drain ----
	ln, err := net.Listen("tcp", net.JoinHostPort("", strconv.Itoa(cfg.Port)))
	if err != nil {
		return fmt.Errorf("listen on port %d: %w", cfg.Port, err)
	}
	// The workers outlive the signal: they stop only once the server has
	// drained, so a lead accepted during the drain is still delivered here.
	workerCtx, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	a.start(workerCtx)
	logger.Info().Str("addr", ln.Addr().String()).Bool("sandbox", cfg.Sandbox).Str("version", version).Msg("listening")
	err = serve(ctx, ln, newServer(cfg, a.handler, logger), a.life, cfg.ShutdownTimeout, logger)
	stopWorkers()
	a.stop()
	if err == nil {
		logger.Info().Msg("stopped")
	}
	return err
}

// serve runs srv on ln until ctx ends, then drains in two steps within grace:
// a lame-duck period (a quarter of grace, at most 5 s) in which everything is
// still served but /health/ready answers 503, so load balancers that poll it
// stop sending traffic; then Shutdown, which closes the listener and waits for
// in-flight requests for the rest of grace.
func serve(ctx context.Context, ln net.Listener, srv *http.Server, life *handlers.Lifecycle, grace time.Duration, logger zerolog.Logger) error {
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	life.Drain()
	logger.Info().Str("grace", grace.String()).Msg("shutting down")
	// A fresh context: ctx is already cancelled and would allow no grace at all.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	lameDuck := time.NewTimer(min(grace/4, 5*time.Second))
	defer lameDuck.Stop()
	select {
	case <-lameDuck.C:
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	}
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// newServer sets every timeout explicitly. WriteTimeout must outlast the
// longest upstream call a handler may wait for, or the server would cut off
// an answer the breaker still allows.
func newServer(cfg Config, h http.Handler, logger zerolog.Logger) *http.Server {
	var longest time.Duration
	for _, u := range cfg.Upstreams {
		longest = max(longest, u.Settings.Timeout)
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      longest + 5*time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          newStdLogger(logger),
	}
}
