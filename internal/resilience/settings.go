// Package resilience wraps calls to the upstream APIs in circuit breakers with
// opossum's semantics built on sony/gobreaker, and gives each upstream a
// retrying HTTP client built on hashicorp/go-retryablehttp. The breaker sits
// outside the retries: it sees one outcome per logical call.
package resilience

import (
	"fmt"
	"strings"
	"time"
)

// Settings configure one upstream's breaker and retrying client. cmd/api
// fills them from the environment on top of Preset; nothing here reads it.
type Settings struct {
	Name    string // circuit name, e.g. "hubspot-circuit"; the circuit_name label
	Service string // upstream name, e.g. "hubspot"; the service label of http_retries_total
	Enabled bool   // false: calls pass straight through, nothing is counted against the circuit

	Timeout        time.Duration // one whole logical call, retries included
	AttemptTimeout time.Duration // one HTTP attempt
	RetryMax       int           // retries after the first attempt
	RetryWaitMin   time.Duration // first backoff wait; doubles per retry
	RetryWaitMax   time.Duration // cap on one backoff wait, and on an upstream's Retry-After

	ErrorThresholdPercentage float64       // failures+timeouts ≥ this % of completed calls opens the circuit
	VolumeThreshold          int           // completed calls needed in the window before it may open
	ResetTimeout             time.Duration // time OPEN before HALF_OPEN
	RollingCountTimeout      time.Duration // rolling window length
	RollingCountBuckets      int           // buckets in the window
	Capacity                 int           // concurrent calls; more are rejected at once
	HalfOpenMaxCalls         int           // probes admitted while HALF_OPEN
	AllowWarmUp              bool          // no opening during the first window after start

	CacheTTL time.Duration // fresh lifetime of a cached read; 0 disables caching
	StaleTTL time.Duration // extra lifetime of a copy kept only for fallbacks
}

// The three upstreams the service calls.
const (
	HubSpot   = "hubspot"
	Lemlist   = "lemlist"
	Explorium = "explorium"
)

// Services lists the upstreams in a fixed order (for help text and health output).
var Services = [...]string{HubSpot, Lemlist, Explorium}

// CircuitName is the breaker name of a service, as API.md section 4 spells it.
func CircuitName(service string) string { return service + "-circuit" }

// Preset returns the guide's production values for a service (section
// "Production Configuration Values") with API.md's retry and cache defaults,
// then applies the APP_ENV profile. ok is false for an unknown service.
//
// The guide's environment profiles ("By Environment") only make sense as
// overrides of the trip thresholds: its per-service values are themselves the
// production values, so layering the profile strictly underneath them would
// make development and staging identical to production. Timeouts are never
// taken from a profile: the development profile's 5 s cannot hold HubSpot's
// retry budget (3 × 3 s + 0.6 s), which the guide's own Timeout Calculation
// section requires.
func Preset(service, appEnv string) (s Settings, ok bool) {
	base := Settings{
		Service: service, Name: CircuitName(service), Enabled: true,
		RetryMax: 2, RetryWaitMin: 200 * time.Millisecond, RetryWaitMax: 2 * time.Second,
		RollingCountBuckets: 10, HalfOpenMaxCalls: 1, AllowWarmUp: true,
		StaleTTL: 24 * time.Hour,
	}
	switch service {
	case HubSpot:
		base.Timeout, base.AttemptTimeout = 10*time.Second, 3*time.Second
		base.ErrorThresholdPercentage, base.VolumeThreshold = 50, 10
		base.ResetTimeout, base.RollingCountTimeout = 30*time.Second, 20*time.Second
		base.Capacity, base.CacheTTL = 50, 5*time.Minute
	case Lemlist:
		base.Timeout, base.AttemptTimeout = 15*time.Second, 4*time.Second
		base.ErrorThresholdPercentage, base.VolumeThreshold = 60, 5
		base.ResetTimeout, base.RollingCountTimeout = 45*time.Second, 30*time.Second
		base.Capacity, base.CacheTTL = 20, 0
	case Explorium:
		base.Timeout, base.AttemptTimeout = 30*time.Second, 9*time.Second
		base.ErrorThresholdPercentage, base.VolumeThreshold = 40, 3
		base.ResetTimeout, base.RollingCountTimeout = 60*time.Second, 60*time.Second
		base.RollingCountBuckets, base.Capacity, base.CacheTTL = 12, 10, time.Hour
	default:
		return Settings{}, false
	}
	applyProfile(&base, appEnv)
	return base, true
}

// applyProfile overrides the trip thresholds for development and staging
// (guide, "By Environment"); production keeps the per-service values.
func applyProfile(s *Settings, appEnv string) {
	switch appEnv {
	case "development":
		s.ErrorThresholdPercentage, s.ResetTimeout, s.VolumeThreshold = 75, 10*time.Second, 2
	case "staging":
		s.ErrorThresholdPercentage, s.ResetTimeout, s.VolumeThreshold = 60, 20*time.Second, 5
	}
}

// RetryBudget is the longest a call's attempts and backoff waits can take:
// (RetryMax+1) × AttemptTimeout plus each wait at its upper bound
// (RetryWaitMin × 2^i, capped at RetryWaitMax). The breaker's Timeout must
// hold it, or the breaker would cut off retries it asked for.
func (s Settings) RetryBudget() time.Duration {
	budget := time.Duration(s.RetryMax+1) * s.AttemptTimeout
	wait := s.RetryWaitMin
	for range s.RetryMax {
		budget += min(wait, s.RetryWaitMax)
		wait *= 2
	}
	return budget
}

// Validate reports the first setting that cannot work, naming it with the
// environment variable prefix of the service (e.g. HUBSPOT_TIMEOUT).
func (s Settings) Validate() error {
	p := envPrefix(s.Service)
	switch {
	case s.Timeout <= 0:
		return fmt.Errorf("%sTIMEOUT=%s: must be positive", p, s.Timeout)
	case s.AttemptTimeout <= 0:
		return fmt.Errorf("%sATTEMPT_TIMEOUT=%s: must be positive", p, s.AttemptTimeout)
	case s.RetryMax < 0 || s.RetryMax > 10:
		return fmt.Errorf("%sRETRY_MAX=%d: must be between 0 and 10", p, s.RetryMax)
	case s.RetryWaitMin <= 0 || s.RetryWaitMax < s.RetryWaitMin:
		return fmt.Errorf("%sRETRY_WAIT_MIN=%s %sRETRY_WAIT_MAX=%s: want 0 < min ≤ max", p, s.RetryWaitMin, p, s.RetryWaitMax)
	case s.ErrorThresholdPercentage <= 0 || s.ErrorThresholdPercentage > 100:
		return fmt.Errorf("%sERROR_THRESHOLD_PERCENTAGE=%g: must be in (0, 100]", p, s.ErrorThresholdPercentage)
	case s.VolumeThreshold < 0:
		return fmt.Errorf("%sVOLUME_THRESHOLD=%d: must not be negative", p, s.VolumeThreshold)
	case s.ResetTimeout <= 0:
		return fmt.Errorf("%sRESET_TIMEOUT=%s: must be positive", p, s.ResetTimeout)
	case s.RollingCountBuckets < 1:
		return fmt.Errorf("%sROLLING_COUNT_BUCKETS=%d: must be at least 1", p, s.RollingCountBuckets)
	case s.RollingCountTimeout < time.Duration(s.RollingCountBuckets)*time.Millisecond:
		return fmt.Errorf("%sROLLING_COUNT_TIMEOUT=%s: must be at least 1ms per bucket (%d buckets)", p, s.RollingCountTimeout, s.RollingCountBuckets)
	case s.Capacity < 1:
		return fmt.Errorf("%sCAPACITY=%d: must be at least 1", p, s.Capacity)
	case s.HalfOpenMaxCalls < 1:
		return fmt.Errorf("%sHALF_OPEN_MAX_CALLS=%d: must be at least 1", p, s.HalfOpenMaxCalls)
	case s.CacheTTL < 0 || s.StaleTTL < 0:
		return fmt.Errorf("%sCACHE_TTL=%s %sSTALE_TTL=%s: must not be negative", p, s.CacheTTL, p, s.StaleTTL)
	}
	if b := s.RetryBudget(); s.Timeout < b {
		return fmt.Errorf("%sTIMEOUT=%s cannot hold the retry budget %s = (%sRETRY_MAX %d + 1) × %sATTEMPT_TIMEOUT %s + backoff %s: raise %sTIMEOUT or lower the retries",
			p, s.Timeout, b, p, s.RetryMax, p, s.AttemptTimeout, b-time.Duration(s.RetryMax+1)*s.AttemptTimeout, p)
	}
	return nil
}

// envPrefix is the environment variable prefix of a service ("HUBSPOT_").
func envPrefix(service string) string { return strings.ToUpper(service) + "_" }
