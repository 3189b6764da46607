package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/salesautomation/api/internal/resilience"
)

// envDoc is one line of `api --help`. TestHelpListsEveryVariable keeps this
// table and loadConfig in step.
type envDoc struct{ name, def, meaning string }

var globalDocs = []envDoc{
	{"PORT", "3000", "listen port"},
	{"APP_ENV", "production", "development, staging or production: the guide's environment profile (trip thresholds)"},
	{"SANDBOX", "false", "true: built-in fake HubSpot, Lemlist and Explorium on loopback; keys and base URLs ignored"},
	{"LOG_LEVEL", "info", "zerolog level: trace, debug, info, warn, error, disabled"},
	{"LOG_FORMAT", "json", "json, or console for human-readable logs"},
	{"REDIS_URL", "", "redis://host:port/db; empty: in-process cache and a non-durable lead queue"},
	{"ADMIN_TOKEN", "", "bearer token for POST /health/circuits/:name/{reset,open}; empty disables them (403)"},
	{"CORS_ALLOWED_ORIGINS", "", "comma-separated origins of the sales frontend"},
	{"MAX_BODY_BYTES", "1048576", "larger request bodies get 413"},
	{"SHUTDOWN_TIMEOUT", "30s", "grace period for in-flight requests on SIGTERM/SIGINT"},
	{"ENRICH_TIMEOUT", "2s", "how long ?enrich=true waits for Explorium before answering _partial"},
	{"QUEUE_MAX_ATTEMPTS", "20", "delivery attempts of a queued lead before it is marked failed"},
	{"JOB_RETENTION", "168h", "how long finished job records are kept"},
	{"QUEUE_BACKOFF_MIN", "1s", "first backoff between a queued lead's delivery attempts"},
	{"QUEUE_BACKOFF_MAX", "16s", "longest backoff between a queued lead's delivery attempts"},
	{"READY_REQUIRES_CLOSED_CIRCUITS", "false", "true: /health/ready fails while any circuit is open"},
}

// serviceDocs describes the {SVC}_* variables with the service's production defaults.
func serviceDocs(svc string) []envDoc {
	s, _ := resilience.Preset(svc, "production")
	p := strings.ToUpper(svc) + "_"
	return []envDoc{
		{p + "API_KEY", "", "credential; required outside sandbox mode; never logged"},
		{p + "BASE_URL", defaultBaseURLs[svc], "where the client sends requests"},
		{p + "TIMEOUT", s.Timeout.String(), "breaker timeout of one whole call, retries included (unset: max(default, retry budget))"},
		{p + "ATTEMPT_TIMEOUT", s.AttemptTimeout.String(), "HTTP timeout of one attempt"},
		{p + "RETRY_MAX", fmt.Sprint(s.RetryMax), "retries after the first attempt"},
		{p + "RETRY_WAIT_MIN", s.RetryWaitMin.String(), "first backoff wait (doubles, with jitter)"},
		{p + "RETRY_WAIT_MAX", s.RetryWaitMax.String(), "cap on one backoff wait and on an upstream Retry-After"},
		{p + "ERROR_THRESHOLD_PERCENTAGE", fmt.Sprint(s.ErrorThresholdPercentage), "failure % of completed calls in the window that opens the circuit"},
		{p + "VOLUME_THRESHOLD", fmt.Sprint(s.VolumeThreshold), "completed calls in the window before the circuit may open"},
		{p + "RESET_TIMEOUT", s.ResetTimeout.String(), "time OPEN before HALF_OPEN"},
		{p + "ROLLING_COUNT_TIMEOUT", s.RollingCountTimeout.String(), "rolling window length"},
		{p + "ROLLING_COUNT_BUCKETS", fmt.Sprint(s.RollingCountBuckets), "buckets in the rolling window"},
		{p + "CAPACITY", fmt.Sprint(s.Capacity), "concurrent calls allowed; more are rejected at once"},
		{p + "HALF_OPEN_MAX_CALLS", fmt.Sprint(s.HalfOpenMaxCalls), "probes let through while HALF_OPEN"},
		{p + "ALLOW_WARM_UP", fmt.Sprint(s.AllowWarmUp), "no opening during the first rolling window after start"},
		{p + "ENABLED", fmt.Sprint(s.Enabled), "false: calls pass straight through, no breaking"},
		{p + "CACHE_TTL", s.CacheTTL.String(), "TTL of cached successful reads (0: off)"},
		{p + "STALE_TTL", s.StaleTTL.String(), "how long a copy past its TTL is kept for fallbacks (0: none)"},
	}
}

func allDocs() []envDoc {
	docs := append([]envDoc(nil), globalDocs...)
	for _, svc := range resilience.Services {
		docs = append(docs, serviceDocs(svc)...)
	}
	return docs
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "api: the sales-automation API (HubSpot, Lemlist, Explorium behind circuit breakers).")
	fmt.Fprintln(w, "Usage: api [--help] [--version]; configured by environment variables:")
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VARIABLE\tDEFAULT\tMEANING")
	for _, d := range allDocs() {
		def := d.def
		if def == "" {
			def = "(empty)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", d.name, def, d.meaning)
	}
	tw.Flush()
}
