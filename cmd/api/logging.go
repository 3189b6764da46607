package main

import (
	"io"
	"log"
	"time"

	"github.com/rs/zerolog"
)

// newLogger builds the process's one logger; everything else receives it.
func newLogger(cfg Config, w io.Writer) zerolog.Logger {
	if cfg.LogFormat == "console" {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.RFC3339}
	}
	return zerolog.New(w).Level(cfg.LogLevel).With().Timestamp().Str("service", "sales-api").Logger()
}

// newStdLogger routes net/http's own error log (TLS handshakes, panics in the
// server) through zerolog at warn.
func newStdLogger(l zerolog.Logger) *log.Logger {
	return log.New(l.With().Str("source", "net/http").Logger().Level(zerolog.WarnLevel), "", 0)
}

// logStartup writes the effective configuration once, with secrets redacted.
func logStartup(l zerolog.Logger, cfg Config) {
	ev := l.Info().Int("port", cfg.Port).Str("app_env", cfg.AppEnv).Bool("sandbox", cfg.Sandbox).
		Str("redis_url", redactURL(cfg.RedisURL)).Bool("admin_enabled", cfg.AdminToken != "").
		Strs("cors_allowed_origins", cfg.CORSOrigins)
	for _, u := range cfg.Upstreams {
		s := u.Settings
		ev = ev.Dict(s.Service, zerolog.Dict().Str("base_url", u.BaseURL).Bool("api_key_set", u.APIKey != "").
			Str("timeout", s.Timeout.String()).Str("attempt_timeout", s.AttemptTimeout.String()).Int("retry_max", s.RetryMax).
			Float64("error_threshold_percentage", s.ErrorThresholdPercentage).Int("volume_threshold", s.VolumeThreshold).
			Str("reset_timeout", s.ResetTimeout.String()).Int("capacity", s.Capacity).Bool("enabled", s.Enabled))
	}
	ev.Msg("configuration")
	for _, k := range cfg.ignoredInSandbox {
		l.Warn().Str("variable", k).Msg("ignored in sandbox mode: the built-in fake upstreams are used")
	}
}
