package main

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// envReader reads typed values through an injected getenv and collects every
// problem, so one start-up attempt reports all bad variables on one line.
//
// A library such as caarlos0/env was considered: its parse errors name the
// struct field rather than the variable, and our defaults depend on APP_ENV
// and on the service, so a dozen small typed readers are clearer.
type envReader struct {
	getenv   func(string) string
	problems []string
}

func (r *envReader) fail(key, val, want string) {
	r.problems = append(r.problems, fmt.Sprintf("%s=%q: %s", key, val, want))
}

func (r *envReader) err() error {
	if len(r.problems) == 0 {
		return nil
	}
	return fmt.Errorf("configuration: %s", strings.Join(r.problems, "; "))
}

func (r *envReader) str(key, def string) string {
	if v := strings.TrimSpace(r.getenv(key)); v != "" {
		return v
	}
	return def
}

// isSet tells whether the operator set key at all (to apply "default or budget").
func (r *envReader) isSet(key string) bool { return strings.TrimSpace(r.getenv(key)) != "" }

func (r *envReader) oneOf(key, def string, allowed ...string) string {
	v := r.str(key, def)
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	r.fail(key, v, "want one of "+strings.Join(allowed, ", "))
	return def
}

func (r *envReader) boolean(key string, def bool) bool {
	v := r.str(key, "")
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.fail(key, v, "want true or false")
		return def
	}
	return b
}

func (r *envReader) integer(key string, def, lo, hi int) int {
	v := r.str(key, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		r.fail(key, v, fmt.Sprintf("want a whole number from %d to %d", lo, hi))
		return def
	}
	return n
}

func (r *envReader) percent(key string, def float64) float64 {
	v := r.str(key, "")
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 || f > 100 {
		r.fail(key, v, "want a percentage in (0, 100]")
		return def
	}
	return f
}

// duration accepts Go syntax (250ms, 10s, 1m); min is the smallest allowed value.
func (r *envReader) duration(key string, def, min time.Duration) time.Duration {
	v := r.str(key, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		r.fail(key, v, "want a Go duration such as 250ms or 10s")
		return def
	}
	if d < min {
		r.fail(key, v, fmt.Sprintf("must be at least %s", min))
		return def
	}
	return d
}

// baseURL accepts an absolute http or https URL without query or fragment.
func (r *envReader) baseURL(key, def string) string {
	v := r.str(key, def)
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		r.fail(key, redactURL(v), "want an absolute http(s) URL without query string")
		return def
	}
	return v
}

func (r *envReader) list(key string) []string {
	var out []string
	for _, p := range strings.Split(r.str(key, ""), ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// redactURL hides a password in a URL (REDIS_URL may carry one). A URL that
// does not parse is not echoed at all: a password with "/" or "#" in it is
// exactly what makes it unparsable.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparsable URL>"
	}
	if u.User == nil {
		return raw
	}
	return u.Redacted()
}
