package validate

import (
	"slices"
	"strings"
)

// globalVars are the service-wide variables of API.md section 2.
var globalVars = []string{
	"PORT", "APP_ENV", "SANDBOX", "LOG_LEVEL", "LOG_FORMAT", "REDIS_URL", "ADMIN_TOKEN",
	"CORS_ALLOWED_ORIGINS", "MAX_BODY_BYTES", "SHUTDOWN_TIMEOUT", "ENRICH_TIMEOUT",
	"QUEUE_MAX_ATTEMPTS", "JOB_RETENTION", "QUEUE_BACKOFF_MIN", "QUEUE_BACKOFF_MAX",
	"READY_REQUIRES_CLOSED_CIRCUITS",
}

// serviceVars are the per-service knobs of API.md section 2, without the
// HUBSPOT_, LEMLIST_ or EXPLORIUM_ prefix.
var serviceVars = []string{
	"API_KEY", "BASE_URL", "TIMEOUT", "ATTEMPT_TIMEOUT", "RETRY_MAX", "RETRY_WAIT_MIN",
	"RETRY_WAIT_MAX", "ERROR_THRESHOLD_PERCENTAGE", "VOLUME_THRESHOLD", "RESET_TIMEOUT",
	"ROLLING_COUNT_TIMEOUT", "ROLLING_COUNT_BUCKETS", "CAPACITY", "HALF_OPEN_MAX_CALLS",
	"ALLOW_WARM_UP", "ENABLED", "CACHE_TTL", "STALE_TTL",
}

// secretVars must never sit in a ConfigMap or a committed file.
var secretVars = []string{"HUBSPOT_API_KEY", "LEMLIST_API_KEY", "EXPLORIUM_API_KEY", "ADMIN_TOKEN"}

// isServiceVar reports whether name is one of the service's configuration variables.
func isServiceVar(name string) bool {
	if slices.Contains(globalVars, name) {
		return true
	}
	for _, prefix := range []string{"HUBSPOT_", "LEMLIST_", "EXPLORIUM_"} {
		if rest, ok := strings.CutPrefix(name, prefix); ok && slices.Contains(serviceVars, rest) {
			return true
		}
	}
	return false
}
