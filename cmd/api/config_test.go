package main

import (
	"strings"
	"testing"
	"time"
)

// envMap returns a getenv over m.
func envMap(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func sandboxEnv(kv ...string) map[string]string {
	m := map[string]string{"SANDBOX": "true"}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := loadConfig(envMap(sandboxEnv()))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Port != 3000 || cfg.AppEnv != "production" || cfg.MaxBodyBytes != 1<<20 ||
		cfg.ShutdownTimeout != 30*time.Second || cfg.EnrichTimeout != 2*time.Second ||
		cfg.QueueMaxAttempts != 20 || cfg.JobRetention != 168*time.Hour || cfg.ReadyRequiresClosedCircuits {
		t.Errorf("globals = %+v", cfg)
	}
	tests := []struct {
		svc                      string
		timeout, attempt, reset  time.Duration
		pct                      float64
		volume, capacity, bucket int
		cacheTTL                 time.Duration
	}{
		{"hubspot", 10 * time.Second, 3 * time.Second, 30 * time.Second, 50, 10, 50, 10, 5 * time.Minute},
		{"lemlist", 15 * time.Second, 4 * time.Second, 45 * time.Second, 60, 5, 20, 10, 0},
		{"explorium", 30 * time.Second, 9 * time.Second, 60 * time.Second, 40, 3, 10, 12, time.Hour},
	}
	for _, tt := range tests {
		s := cfg.Upstream(tt.svc).Settings
		if s.Timeout != tt.timeout || s.AttemptTimeout != tt.attempt || s.ResetTimeout != tt.reset ||
			s.ErrorThresholdPercentage != tt.pct || s.VolumeThreshold != tt.volume || s.Capacity != tt.capacity ||
			s.RollingCountBuckets != tt.bucket || s.CacheTTL != tt.cacheTTL || s.StaleTTL != 24*time.Hour ||
			s.RetryMax != 2 || s.HalfOpenMaxCalls != 1 || !s.AllowWarmUp || !s.Enabled {
			t.Errorf("%s settings = %+v", tt.svc, s)
		}
		if s.Name != tt.svc+"-circuit" {
			t.Errorf("%s circuit name = %q", tt.svc, s.Name)
		}
	}
}

func TestLoadConfigOverrides(t *testing.T) {
	cfg, err := loadConfig(envMap(sandboxEnv(
		"PORT", "8080", "APP_ENV", "development", "LOG_LEVEL", "debug", "LOG_FORMAT", "console",
		"CORS_ALLOWED_ORIGINS", "https://a.example, https://b.example,", "MAX_BODY_BYTES", "2048",
		"HUBSPOT_RETRY_MAX", "0", "HUBSPOT_TIMEOUT", "4s", "HUBSPOT_ENABLED", "false",
		"LEMLIST_ERROR_THRESHOLD_PERCENTAGE", "33.5", "EXPLORIUM_CACHE_TTL", "0s",
		"READY_REQUIRES_CLOSED_CIRCUITS", "true",
	)))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(cfg.CORSOrigins, "|"), "https://a.example|https://b.example"; got != want {
		t.Errorf("CORS origins = %q, want %q", got, want)
	}
	hs := cfg.Upstream("hubspot").Settings
	if cfg.Port != 8080 || cfg.MaxBodyBytes != 2048 || !cfg.ReadyRequiresClosedCircuits ||
		hs.RetryMax != 0 || hs.Timeout != 4*time.Second || hs.Enabled {
		t.Errorf("overrides not applied: %+v / %+v", cfg, hs)
	}
	// development profile: the guide's lenient thresholds, explicit variables still win.
	if hs.ErrorThresholdPercentage != 75 || hs.VolumeThreshold != 2 || hs.ResetTimeout != 10*time.Second {
		t.Errorf("development profile not applied to hubspot: %+v", hs)
	}
	if got := cfg.Upstream("lemlist").Settings.ErrorThresholdPercentage; got != 33.5 {
		t.Errorf("lemlist threshold = %v, want 33.5", got)
	}
	if got := cfg.Upstream("explorium").Settings.CacheTTL; got != 0 {
		t.Errorf("explorium cache TTL = %v, want 0", got)
	}
}

func TestLoadConfigTimeoutDefaultsToBudget(t *testing.T) {
	cfg, err := loadConfig(envMap(sandboxEnv("HUBSPOT_ATTEMPT_TIMEOUT", "5s")))
	if err != nil {
		t.Fatal(err)
	}
	// 3 attempts × 5 s + waits 200 ms + 400 ms: larger than the 10 s default.
	if got, want := cfg.Upstream("hubspot").Settings.Timeout, 15600*time.Millisecond; got != want {
		t.Errorf("timeout = %v, want the budget %v", got, want)
	}
}

func TestLoadConfigRejects(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string // every fragment must appear in the one-line error
	}{
		{"missing keys", map[string]string{}, []string{"HUBSPOT_API_KEY is required", "LEMLIST_API_KEY", "EXPLORIUM_API_KEY"}},
		{"bad port", sandboxEnv("PORT", "http"), []string{`PORT="http"`}},
		{"port out of range", sandboxEnv("PORT", "70000"), []string{`PORT="70000"`}},
		{"bad app env", sandboxEnv("APP_ENV", "prod"), []string{`APP_ENV="prod"`, "development, staging, production"}},
		{"bad bool", sandboxEnv("SANDBOX", "yes please"), []string{`SANDBOX="yes please"`}},
		{"bad log level", sandboxEnv("LOG_LEVEL", "loud"), []string{`LOG_LEVEL="loud"`}},
		{"bad log format", sandboxEnv("LOG_FORMAT", "xml"), []string{`LOG_FORMAT="xml"`}},
		{"bad duration", sandboxEnv("SHUTDOWN_TIMEOUT", "30"), []string{`SHUTDOWN_TIMEOUT="30"`, "Go duration"}},
		{"bad body size", sandboxEnv("MAX_BODY_BYTES", "-1"), []string{`MAX_BODY_BYTES="-1"`}},
		{"bad redis url", sandboxEnv("REDIS_URL", "http://user:hunter2@host"), []string{"REDIS_URL", "xxxxx"}},
		{"unparsable redis url", sandboxEnv("REDIS_URL", "redis://:hunter2/x#y@10.0.0.1:6379/0"), []string{"REDIS_URL", "<unparsable URL>"}},
		{"redis url with a bad db", sandboxEnv("REDIS_URL", "redis://:hunter2@127.0.0.1:6379/notanumber"), []string{"REDIS_URL", "xxxxx"}},
		{"backoff inverted", sandboxEnv("QUEUE_BACKOFF_MIN", "10s", "QUEUE_BACKOFF_MAX", "1s"), []string{"QUEUE_BACKOFF_MAX"}},
		{"bad percentage", sandboxEnv("HUBSPOT_ERROR_THRESHOLD_PERCENTAGE", "150"), []string{`HUBSPOT_ERROR_THRESHOLD_PERCENTAGE="150"`}},
		{"bad buckets", sandboxEnv("EXPLORIUM_ROLLING_COUNT_BUCKETS", "0"), []string{`EXPLORIUM_ROLLING_COUNT_BUCKETS="0"`}},
		{"bad capacity", sandboxEnv("LEMLIST_CAPACITY", "none"), []string{`LEMLIST_CAPACITY="none"`}},
		{"bad base url", map[string]string{"HUBSPOT_API_KEY": "k", "LEMLIST_API_KEY": "k", "EXPLORIUM_API_KEY": "k",
			"HUBSPOT_BASE_URL": "api.hubapi.com"}, []string{`HUBSPOT_BASE_URL="api.hubapi.com"`}},
		{"budget does not fit", sandboxEnv("HUBSPOT_TIMEOUT", "5s"), []string{
			"HUBSPOT_TIMEOUT=5s cannot hold the retry budget 9.6s", "HUBSPOT_RETRY_MAX 2", "HUBSPOT_ATTEMPT_TIMEOUT 3s", "backoff 600ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadConfig(envMap(tt.env))
			if err == nil {
				t.Fatal("loadConfig accepted it")
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error spans lines: %q", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			if strings.Contains(msg, "hunter2") {
				t.Errorf("error leaks a secret: %q", msg)
			}
		})
	}
}

func TestLoadConfigNeverPrintsKeys(t *testing.T) {
	env := map[string]string{"HUBSPOT_API_KEY": "pat-secret-1", "LEMLIST_API_KEY": "ll-secret-2",
		"EXPLORIUM_API_KEY": "ex-secret-3", "PORT": "nope"}
	_, err := loadConfig(envMap(env))
	if err == nil {
		t.Fatal("want an error for PORT")
	}
	for _, k := range []string{"pat-secret-1", "ll-secret-2", "ex-secret-3"} {
		if strings.Contains(err.Error(), k) {
			t.Errorf("error leaks %s", k)
		}
	}
}

// TestHelpListsEveryVariable keeps --help and loadConfig in step: every
// variable loadConfig reads is documented, and nothing documented is unread.
func TestHelpListsEveryVariable(t *testing.T) {
	read := map[string]bool{}
	getenv := func(k string) string { read[k] = true; return "" }
	_, _ = loadConfig(getenv) // production mode: reads base URLs and keys too
	documented := map[string]bool{}
	for _, d := range allDocs() {
		documented[d.name] = true
		if !read[d.name] {
			t.Errorf("--help documents %s, which loadConfig never reads", d.name)
		}
	}
	for k := range read {
		if !documented[k] {
			t.Errorf("loadConfig reads %s, which --help does not document", k)
		}
	}
}
