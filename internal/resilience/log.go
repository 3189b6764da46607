package resilience

import (
	"errors"
	"net/url"

	"github.com/rs/zerolog"
)

// logListener writes the guide's event log lines: state changes at warn/info,
// everything per call at debug only.
func logListener(l zerolog.Logger) Listener {
	return func(e Event) {
		switch e.Type {
		case EventOpen:
			l.Warn().Str("from", e.From.String()).Msg("circuit opened: failing fast")
		case EventHalfOpen:
			l.Info().Msg("circuit half-open: testing recovery")
		case EventClose:
			l.Info().Str("from", e.From.String()).Msg("circuit closed: normal operation resumed")
		default:
			ev := l.Debug()
			if !ev.Enabled() {
				return
			}
			ev = ev.Str("event", e.Type.String())
			if e.Latency > 0 {
				ev = ev.Dur("latency", e.Latency)
			}
			if e.Err != nil {
				ev = ev.Str("error", safeError(e.Err))
			}
			ev.Msg("circuit event")
		}
	}
}

// safeError renders an error without the query string of any URL it names
// (a *url.Error prints the full URL).
func safeError(err error) string {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err.Error()
	}
	return ue.Op + " " + redact(ue.URL) + ": " + safeError(ue.Err)
}

// redact drops a URL's query, fragment and user info.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparsable url>"
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return u.String()
}
