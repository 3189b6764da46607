package handlers

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/salesautomation/api/internal/cache"
)

// attachTo adds the contact's company enrichment to its JSON, waiting at
// most ENRICH_TIMEOUT: a slow or failing Explorium never holds the contact,
// which is then answered with _enriched: false, _partial: true. The company
// domain is hs_email_domain, else the domain of email.
func (e *enrichment) attachTo(ctx context.Context, contactJSON []byte) []byte {
	domain := contactDomain(contactJSON)
	if domain == "" || !validDomain(domain) {
		return withFields(contactJSON, field{"_enriched", "false"})
	}
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	res, err := e.company(ctx, domain, "")
	if err != nil {
		return withFields(contactJSON, field{"_enriched", "false"}, field{"_partial", "true"})
	}
	body := res.Value
	if res.Status == cache.Stale {
		body = withFields(body, staleMarkers(e.now(), res.StoredAt)...)
	}
	matched := !strings.HasPrefix(string(res.Value), noMatchPrefix)
	return withFields(contactJSON, field{"enrichment", string(body)}, field{"_enriched", boolJSON(matched)})
}

// contactDomain reads the company domain of an encoded HubSpot contact.
func contactDomain(contactJSON []byte) string {
	var c struct {
		Properties map[string]*string `json:"properties"`
	}
	if json.Unmarshal(contactJSON, &c) != nil {
		return ""
	}
	if d := c.Properties["hs_email_domain"]; d != nil && *d != "" {
		return cache.NormalizeDomain(*d)
	}
	if em := c.Properties["email"]; em != nil {
		if at := strings.LastIndexByte(*em, '@'); at >= 0 {
			return cache.NormalizeDomain((*em)[at+1:])
		}
	}
	return ""
}

func boolJSON(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
