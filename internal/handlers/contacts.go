package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/salesautomation/api/internal/cache"
	"github.com/salesautomation/api/internal/clients/hubspot"
	"github.com/salesautomation/api/internal/resilience"
)

// ContactsAPI is the part of hubspot.Client the contact routes use.
type ContactsAPI interface {
	GetContactJSON(ctx context.Context, id string, properties []string) (json.RawMessage, error)
	SearchContacts(ctx context.Context, req hubspot.SearchRequest) (hubspot.SearchResponse, error)
	CreateContact(ctx context.Context, in hubspot.ContactInput) (hubspot.Contact, error)
	UpdateContact(ctx context.Context, id string, in hubspot.ContactInput) (hubspot.Contact, error)
	ArchiveContact(ctx context.Context, id string) error
}

// contacts holds what the contact routes share: the client, its breaker and
// the read-through cache with HubSpot's TTLs.
type contacts struct {
	api   ContactsAPI
	cb    *resilience.Breaker
	cache *cache.ReadThrough
	now   func() time.Time
}

const (
	maxProperties   = 100
	maxPropertyName = 100
	maxSearchLimit  = 100
)

// read returns the contact's JSON through the cache: fresh copy, else one
// HubSpot call per key at a time through the breaker, else a stale copy.
func (h *contacts) read(ctx context.Context, id string, props []string) (cache.Result, error) {
	s := h.cb.Settings()
	res, err := h.cache.Get(ctx, resilience.HubSpot, cache.ContactKey(id, props), s.CacheTTL, s.StaleTTL,
		func(ctx context.Context) ([]byte, error) {
			// HubSpot's object is passed on as it came: the contract answers
			// with it unchanged, and decoding and re-encoding it was the largest
			// cost of a cache miss.
			return callUpstream(ctx, h.cb, func(ctx context.Context) ([]byte, error) {
				return h.api.GetContactJSON(ctx, id, props)
			})
		})
	if err == nil && res.Status == cache.Stale {
		h.cb.RecordFallback()
	}
	return res, err
}

// handleContactGet handles GET /api/contacts/:id (and ?enrich=true).
func (h *contacts) handleContactGet(enr *enrichment) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := contactIDParam(c)
		if !ok {
			return
		}
		var err error
		var props []string
		var enrich bool
		if c.Request.URL.RawQuery != "" { // parsing an absent query would still allocate
			if props, err = parseProperties(c.Query("properties")); err == nil {
				enrich, err = parseBool("enrich", c.Query("enrich"))
			}
			if err != nil {
				writeProblem(c, err)
				return
			}
		}
		res, err := h.read(c.Request.Context(), id, props)
		if err != nil {
			writeProblem(c, err)
			return
		}
		if enrich {
			res.Value = enr.attachTo(c.Request.Context(), res.Value)
		}
		writeCached(c, res, h.now())
	}
}

// handleContactSearch handles POST /api/contacts/search. Searches are not
// cached: their answers change with every write and every page.
func (h *contacts) handleContactSearch() gin.HandlerFunc {
	return func(c *gin.Context) {
		req, err := decode[hubspot.SearchRequest](c, true)
		if err != nil {
			writeProblem(c, err)
			return
		}
		if err := validateSearch(req); err != nil {
			writeProblem(c, err)
			return
		}
		// A search changes nothing, so its POST may be retried like a GET.
		ctx := resilience.WithRetryableWrite(c.Request.Context())
		out, err := callUpstream(ctx, h.cb, func(ctx context.Context) (hubspot.SearchResponse, error) {
			return h.api.SearchContacts(ctx, req)
		})
		if err != nil {
			writeProblem(c, err)
			return
		}
		if out.Results == nil {
			out.Results = []hubspot.Contact{}
		}
		c.JSON(http.StatusOK, out)
	}
}

func validateSearch(req hubspot.SearchRequest) error {
	if req.Limit < 0 || req.Limit > maxSearchLimit {
		return invalid("limit", "must be between 1 and 100")
	}
	if len(req.Properties) > maxProperties {
		return invalid("properties", "at most 100 properties")
	}
	for i, p := range req.Properties {
		if !validPropertyName(p) {
			return invalid("properties["+itoa(i)+"]", "not a property name")
		}
	}
	if len(req.Query) > 3000 {
		return invalid("query", "at most 3000 characters")
	}
	if req.After != "" && !isDigits(req.After) {
		return invalid("after", "must be the paging.next.after value of the previous page (digits)")
	}
	if len(req.Sorts) > 5 {
		return invalid("sorts", "at most 5 sorts")
	}
	for i, srt := range req.Sorts {
		if !validPropertyName(srt.PropertyName) {
			return invalid("sorts["+itoa(i)+"].propertyName", "not a property name")
		}
		if srt.Direction != "" && srt.Direction != "ASCENDING" && srt.Direction != "DESCENDING" {
			return invalid("sorts["+itoa(i)+"].direction", "must be ASCENDING or DESCENDING")
		}
	}
	return validateFilterGroups(req.FilterGroups)
}

// searchOperators are HubSpot's filter operators (UPSTREAMS.md A.9).
var searchOperators = map[string]bool{"EQ": true, "NEQ": true, "LT": true, "LTE": true, "GT": true, "GTE": true,
	"BETWEEN": true, "IN": true, "NOT_IN": true, "HAS_PROPERTY": true, "NOT_HAS_PROPERTY": true,
	"CONTAINS_TOKEN": true, "NOT_CONTAINS_TOKEN": true}

// validateFilterGroups applies HubSpot's limits (5 groups, 6 filters each,
// 18 in all) and checks each filter, so that a mistake is a 400 naming the
// filter rather than HubSpot's less precise one.
func validateFilterGroups(groups []hubspot.FilterGroup) error {
	if len(groups) > 5 {
		return invalid("filterGroups", "at most 5 filter groups (HubSpot's limit)")
	}
	total := 0
	for g, fg := range groups {
		total += len(fg.Filters)
		if len(fg.Filters) > 6 || total > 18 {
			return invalid("filterGroups["+itoa(g)+"].filters", "at most 6 filters per group and 18 in all (HubSpot's limits)")
		}
		for f, flt := range fg.Filters {
			at := "filterGroups[" + itoa(g) + "].filters[" + itoa(f) + "]."
			if !validPropertyName(flt.PropertyName) {
				return invalid(at+"propertyName", "not a property name")
			}
			if !searchOperators[flt.Operator] {
				return invalid(at+"operator", "must be one of EQ, NEQ, LT, LTE, GT, GTE, BETWEEN, IN, NOT_IN, HAS_PROPERTY, NOT_HAS_PROPERTY, CONTAINS_TOKEN, NOT_CONTAINS_TOKEN")
			}
			if len(flt.Values) > 100 || len(flt.Value) > 1000 || len(flt.HighValue) > 1000 {
				return invalid(at+"value", "at most 100 values of 1000 characters")
			}
		}
	}
	return nil
}

// contactIDParam reads :id, answering 400 itself when it is not a HubSpot ID.
func contactIDParam(c *gin.Context) (string, bool) {
	id := c.Param("id")
	if !isDigits(id) {
		writeProblem(c, invalid("id", "must be a HubSpot contact ID (digits only)"))
		return "", false
	}
	return id, true
}

// parseProperties reads ?properties=a,b,c.
func parseProperties(raw string) ([]string, error) {
	if raw == "" {
		return nil, nil
	}
	parts := strings.Split(raw, ",")
	if len(parts) > maxProperties {
		return nil, invalid("properties", "at most 100 properties")
	}
	out := parts[:0]
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !validPropertyName(p) {
			return nil, invalid("properties", quoteShort(p)+" is not a property name (letters, digits, _ and -)")
		}
		out = append(out, p)
	}
	return out, nil
}

// validPropertyName accepts HubSpot internal property names.
func validPropertyName(p string) bool { return isToken(p, maxPropertyName) }

func parseBool(field, raw string) (bool, error) {
	switch raw {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, invalid(field, "must be true or false")
}
