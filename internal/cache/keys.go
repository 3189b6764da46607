package cache

import (
	"net/url"
	"slices"
	"strings"
)

// Key prefixes: service, then operation.
const (
	contactPrefix = ServiceHubSpot + ":contact:"
	companyPrefix = ServiceExplorium + ":company:"
	personPrefix  = ServiceExplorium + ":person:"
)

// ContactGroup is the group of every cached read of contact id, whatever its
// properties: Delete it after the contact is updated or archived.
func ContactGroup(id string) string {
	return contactPrefix + escape(id)
}

// ContactKey is the key of contact id read with properties. The order and
// repetition of properties do not matter, and properties is not modified; no
// properties (HubSpot's default set) is a variant of its own.
func ContactKey(id string, properties []string) string {
	props := make([]string, 0, len(properties))
	for _, p := range properties {
		if p = strings.TrimSpace(p); p != "" {
			props = append(props, escape(p))
		}
	}
	slices.Sort(props)
	props = slices.Compact(props)
	return ContactGroup(id) + string(VariantSep) + strings.Join(props, ",")
}

// CompanyKey is the key of the company enrichment of domain and name. The domain
// is normalised (NormalizeDomain), so "https://WWW.Acme.com/about" and "acme.com"
// share a key; the name is trimmed, its spaces collapsed and lower-cased. Keys are
// grouped by domain.
func CompanyKey(domain, name string) string {
	return companyPrefix + escape(NormalizeDomain(domain)) + string(VariantSep) + escape(normalizeText(name))
}

// PersonKey is the key of the person enrichment of email, name and company. The
// email is trimmed and lower-cased; name and company as in CompanyKey. Keys are
// grouped by email.
func PersonKey(email, name, company string) string {
	return personPrefix + escape(strings.ToLower(strings.TrimSpace(email))) + string(VariantSep) +
		escape(normalizeText(name)) + ":" + escape(normalizeText(company))
}

// NormalizeDomain reduces a domain or URL to its lower-case host name: no scheme,
// user, port, path, query, "www." or trailing dot ("https://WWW.Acme.com:443/x"
// → "acme.com").
func NormalizeDomain(domain string) string {
	d := strings.ToLower(strings.TrimSpace(domain))
	if i := strings.Index(d, "://"); i >= 0 {
		d = d[i+3:]
	}
	if i := strings.IndexAny(d, "/?#"); i >= 0 {
		d = d[:i]
	}
	if i := strings.LastIndexByte(d, '@'); i >= 0 {
		d = d[i+1:]
	}
	if i := strings.LastIndexByte(d, ':'); i >= 0 && !strings.Contains(d[i:], "]") {
		d = d[:i]
	}
	d = strings.TrimRight(d, ".")
	return strings.TrimPrefix(d, "www.")
}

// normalizeText trims, collapses runs of white space and lower-cases, so that
// names that mean the same share a key.
func normalizeText(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// escape keeps the separators (':', '|', ',') out of the parts of a key, so that
// different inputs never build the same key.
func escape(s string) string {
	if !strings.ContainsAny(s, ":|,%+ ") && isPrintableASCII(s) {
		return s // the common case: digits, domains, property names
	}
	return url.QueryEscape(s)
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
