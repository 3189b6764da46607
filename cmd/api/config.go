package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/salesautomation/api/internal/resilience"
)

// Config is everything the service reads from its environment (API.md section 2).
type Config struct {
	Port        int
	AppEnv      string
	Sandbox     bool
	LogLevel    zerolog.Level
	LogFormat   string
	RedisURL    string // may hold a password: log only redactURL(RedisURL)
	AdminToken  string // secret
	CORSOrigins []string

	MaxBodyBytes                int64
	ShutdownTimeout             time.Duration
	EnrichTimeout               time.Duration
	ReadyRequiresClosedCircuits bool

	QueueMaxAttempts int
	JobRetention     time.Duration
	QueueBackoffMin  time.Duration
	QueueBackoffMax  time.Duration

	Upstreams [len(resilience.Services)]Upstream // in resilience.Services order

	// ignoredInSandbox names the *_BASE_URL / *_API_KEY variables set although
	// sandbox mode ignores them, for a start-up warning.
	ignoredInSandbox []string
}

// Upstream is one third-party API: where it is, how to authenticate, and the
// breaker and retry settings that protect calls to it.
type Upstream struct {
	BaseURL  string
	APIKey   string // secret
	Settings resilience.Settings
}

var defaultBaseURLs = map[string]string{
	resilience.HubSpot:   "https://api.hubapi.com",
	resilience.Lemlist:   "https://api.lemlist.com/api",
	resilience.Explorium: "https://api.explorium.ai",
}

// loadConfig reads and validates the configuration. Its error is one line
// naming every bad variable and value (secrets excepted).
func loadConfig(getenv func(string) string) (Config, error) {
	r := &envReader{getenv: getenv}
	cfg := Config{
		Port:                        r.integer("PORT", 3000, 0, 65535),
		AppEnv:                      r.oneOf("APP_ENV", "production", "development", "staging", "production"),
		Sandbox:                     r.boolean("SANDBOX", false),
		LogFormat:                   r.oneOf("LOG_FORMAT", "json", "json", "console"),
		RedisURL:                    r.str("REDIS_URL", ""),
		AdminToken:                  r.str("ADMIN_TOKEN", ""),
		CORSOrigins:                 r.list("CORS_ALLOWED_ORIGINS"),
		MaxBodyBytes:                int64(r.integer("MAX_BODY_BYTES", 1<<20, 1, 1<<30)),
		ShutdownTimeout:             r.duration("SHUTDOWN_TIMEOUT", 30*time.Second, 0),
		EnrichTimeout:               r.duration("ENRICH_TIMEOUT", 2*time.Second, time.Millisecond),
		ReadyRequiresClosedCircuits: r.boolean("READY_REQUIRES_CLOSED_CIRCUITS", false),
		QueueMaxAttempts:            r.integer("QUEUE_MAX_ATTEMPTS", 20, 1, 1000),
		JobRetention:                r.duration("JOB_RETENTION", 168*time.Hour, time.Minute),
		QueueBackoffMin:             r.duration("QUEUE_BACKOFF_MIN", time.Second, time.Millisecond),
		QueueBackoffMax:             r.duration("QUEUE_BACKOFF_MAX", 16*time.Second, time.Millisecond),
	}
	cfg.LogLevel = logLevel(r)
	if cfg.QueueBackoffMax < cfg.QueueBackoffMin {
		r.fail("QUEUE_BACKOFF_MAX", cfg.QueueBackoffMax.String(), "must not be below QUEUE_BACKOFF_MIN="+cfg.QueueBackoffMin.String())
	}
	if cfg.RedisURL != "" {
		// Checked here so that later steps never see (and never print) a bad URL:
		// go-redis's own parse errors quote the whole URL, password included.
		if _, err := redis.ParseURL(cfg.RedisURL); err != nil {
			r.fail("REDIS_URL", redactURL(cfg.RedisURL), "want redis://[user:password@]host:port/db or rediss://…")
		}
	}
	for i, svc := range resilience.Services {
		cfg.Upstreams[i] = readUpstream(r, &cfg, svc)
	}
	return cfg, r.err()
}

func logLevel(r *envReader) zerolog.Level {
	v := r.oneOf("LOG_LEVEL", "info", "trace", "debug", "info", "warn", "error", "fatal", "panic", "disabled")
	lvl, err := zerolog.ParseLevel(v)
	if err != nil {
		return zerolog.InfoLevel
	}
	return lvl
}

// readUpstream applies the {SVC}_* variables over the service's preset.
func readUpstream(r *envReader, cfg *Config, svc string) Upstream {
	p := strings.ToUpper(svc) + "_"
	s, _ := resilience.Preset(svc, cfg.AppEnv)
	s.Enabled = r.boolean(p+"ENABLED", s.Enabled)
	s.AttemptTimeout = r.duration(p+"ATTEMPT_TIMEOUT", s.AttemptTimeout, time.Millisecond)
	s.RetryMax = r.integer(p+"RETRY_MAX", s.RetryMax, 0, 10)
	s.RetryWaitMin = r.duration(p+"RETRY_WAIT_MIN", s.RetryWaitMin, time.Millisecond)
	s.RetryWaitMax = r.duration(p+"RETRY_WAIT_MAX", s.RetryWaitMax, time.Millisecond)
	s.ErrorThresholdPercentage = r.percent(p+"ERROR_THRESHOLD_PERCENTAGE", s.ErrorThresholdPercentage)
	s.VolumeThreshold = r.integer(p+"VOLUME_THRESHOLD", s.VolumeThreshold, 0, 1_000_000)
	s.ResetTimeout = r.duration(p+"RESET_TIMEOUT", s.ResetTimeout, time.Millisecond)
	s.RollingCountTimeout = r.duration(p+"ROLLING_COUNT_TIMEOUT", s.RollingCountTimeout, time.Millisecond)
	s.RollingCountBuckets = r.integer(p+"ROLLING_COUNT_BUCKETS", s.RollingCountBuckets, 1, 1000)
	s.Capacity = r.integer(p+"CAPACITY", s.Capacity, 1, 100_000)
	s.HalfOpenMaxCalls = r.integer(p+"HALF_OPEN_MAX_CALLS", s.HalfOpenMaxCalls, 1, 1000)
	s.AllowWarmUp = r.boolean(p+"ALLOW_WARM_UP", s.AllowWarmUp)
	s.CacheTTL = r.duration(p+"CACHE_TTL", s.CacheTTL, 0)
	s.StaleTTL = r.duration(p+"STALE_TTL", s.StaleTTL, 0)
	// Unset: the preset or the retry budget, whichever is larger. Set: taken
	// as given, and Validate refuses one that cannot hold the budget.
	if r.isSet(p + "TIMEOUT") {
		s.Timeout = r.duration(p+"TIMEOUT", s.Timeout, time.Millisecond)
	} else {
		s.Timeout = max(s.Timeout, s.RetryBudget())
	}
	if err := s.Validate(); err != nil {
		r.problems = append(r.problems, err.Error())
	}

	up := Upstream{Settings: s}
	if cfg.Sandbox {
		for _, k := range []string{p + "BASE_URL", p + "API_KEY"} {
			if r.isSet(k) {
				cfg.ignoredInSandbox = append(cfg.ignoredInSandbox, k)
			}
		}
		return up
	}
	up.BaseURL = r.baseURL(p+"BASE_URL", defaultBaseURLs[svc])
	up.APIKey = r.str(p+"API_KEY", "")
	if up.APIKey == "" {
		r.problems = append(r.problems, p+"API_KEY is required outside sandbox mode (set it, or SANDBOX=true to use the built-in fake upstreams)")
	}
	return up
}

// Upstream returns the configuration of one service by name.
func (c Config) Upstream(svc string) Upstream {
	for i, s := range resilience.Services {
		if s == svc {
			return c.Upstreams[i]
		}
	}
	panic(fmt.Sprintf("unknown upstream %q", svc)) // a programming error, never input
}
