package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/salesautomation/api/internal/cache"
	"github.com/salesautomation/api/internal/clients/explorium"
	"github.com/salesautomation/api/internal/resilience"
)

// Enricher is the part of explorium.Client the enrichment routes use.
type Enricher interface {
	EnrichCompany(ctx context.Context, domain, name string) (explorium.Company, error)
	EnrichPerson(ctx context.Context, email, fullName, companyName string, contactTypes ...string) (explorium.Person, error)
}

// enrichment answers company and person lookups through Explorium's breaker
// and the cache, degrading to a cached copy and then to the guide's default
// answer, so an Explorium outage never fails a page.
type enrichment struct {
	api     Enricher
	cb      *resilience.Breaker
	cache   *cache.ReadThrough
	now     func() time.Time
	timeout time.Duration // ENRICH_TIMEOUT, for ?enrich=true on a contact
}

// enrichAnswer is one enrichment result ready to write.
type enrichAnswer struct {
	body   []byte
	status cache.Status
}

const unavailableMessage = "Enrichment service temporarily unavailable"

// company looks up a company by its normalised domain (and optional name).
func (e *enrichment) company(ctx context.Context, domain, name string) (cache.Result, error) {
	return e.lookup(ctx, cache.CompanyKey(domain, name), func(ctx context.Context) ([]byte, error) {
		co, err := e.api.EnrichCompany(ctx, domain, name)
		if err != nil {
			return nil, err
		}
		if !co.Matched {
			return noMatch("domain", domain), nil
		}
		b, err := json.Marshal(co.Firmographics)
		if err != nil {
			return nil, err
		}
		return withFields(b, field{"_enriched", "true"}), nil
	})
}

// person looks up a person by e-mail (and optional name and company).
func (e *enrichment) person(ctx context.Context, email, name, company string) (cache.Result, error) {
	return e.lookup(ctx, cache.PersonKey(email, name, company), func(ctx context.Context) ([]byte, error) {
		p, err := e.api.EnrichPerson(ctx, email, name, company)
		if err != nil {
			return nil, err
		}
		if !p.Matched {
			return noMatch("email", email), nil
		}
		b, err := json.Marshal(p.ContactInfo)
		if err != nil {
			return nil, err
		}
		return withFields(b, field{"prospect_id", strconv.Quote(p.ProspectID)}, field{"_enriched", "true"}), nil
	})
}

// lookup runs load through the breaker behind the cache.
func (e *enrichment) lookup(ctx context.Context, key string, load func(context.Context) ([]byte, error)) (cache.Result, error) {
	s := e.cb.Settings()
	res, err := e.cache.Get(ctx, resilience.Explorium, key, s.CacheTTL, s.StaleTTL, func(ctx context.Context) ([]byte, error) {
		// Explorium's match and enrich endpoints are POSTs that only read: a
		// repeat is harmless, so they are retried like GETs (EXPLORIUM_RETRY_MAX,
		// its Retry-After honoured) instead of failing on the first 5xx or 429.
		return callUpstream(resilience.WithRetryableWrite(ctx), e.cb, load)
	})
	if err == nil && res.Status == cache.Stale {
		e.cb.RecordFallback()
	}
	return res, err
}

// answer turns a lookup into what the routes write: the result with the
// stale markers when it is a fallback copy, else the default answer for an
// upstream failure. Only a 4xx from Explorium (our request was wrong) is
// returned as an error.
func (e *enrichment) answer(res cache.Result, err error) (enrichAnswer, error) {
	now := e.now()
	if err == nil {
		body := res.Value
		if res.Status == cache.Stale {
			body = withFields(body, staleMarkers(now, res.StoredAt)...)
		}
		return enrichAnswer{body: body, status: res.Status}, nil
	}
	if isUpstreamClientError(err) {
		return enrichAnswer{}, err
	}
	e.cb.RecordFallback()
	return enrichAnswer{body: defaultEnrichment(now), status: cache.Miss}, nil
}

// defaultEnrichment is the guide's default-value fallback, marked.
func defaultEnrichment(now time.Time) []byte {
	return []byte(`{"enriched":false,"_enriched":false,"error":"` + unavailableMessage +
		`","_fallback":true,"_source":"default","_timestamp":` + unixMillis(now) + `}`)
}

// noMatchPrefix starts every no-match answer, so a cached one is recognised
// without decoding it.
const noMatchPrefix = `{"_enriched":false,"matched":false,`

func noMatch(key, value string) []byte {
	return []byte(noMatchPrefix + strconv.Quote(key) + `:` + strconv.Quote(value) + `}`)
}

// isUpstreamClientError reports an upstream 4xx other than 408 and 429: the
// request was wrong, and no fallback would be honest.
func isUpstreamClientError(err error) bool {
	if errors.Is(err, context.Canceled) {
		return true // nobody is waiting for a fallback
	}
	status, _, _, ok := upstreamStatus(err)
	return ok && status >= 400 && status < 500 && status != 408 && status != 429
}
