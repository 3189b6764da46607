package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/errgroup"

	"github.com/salesautomation/api/internal/cache"
)

// companyRequest is the body of POST /api/enrichment/company (and a batch item).
type companyRequest struct {
	Domain string `json:"domain"`
	Name   string `json:"name,omitempty"`
}

// personRequest is the body of POST /api/enrichment/person (and a batch item).
type personRequest struct {
	Email   string `json:"email"`
	Name    string `json:"name,omitempty"`
	Company string `json:"company,omitempty"`
}

// batchItem is one item of POST /api/enrichment/batch.
type batchItem struct {
	Type    string `json:"type"`
	Domain  string `json:"domain,omitempty"`
	Email   string `json:"email,omitempty"`
	Name    string `json:"name,omitempty"`
	Company string `json:"company,omitempty"`
}

const (
	maxBatchItems = 50
	maxNameLen    = 200
	// batchParallel bounds one batch's concurrent lookups below Explorium's
	// capacity, so one batch cannot fill the circuit and reject itself.
	batchParallel = 4
)

func (r *companyRequest) validate(prefix string) error {
	r.Domain = cache.NormalizeDomain(r.Domain)
	if r.Domain == "" {
		return invalid(prefix+"domain", "is required")
	}
	if !validDomain(r.Domain) {
		return invalid(prefix+"domain", "not a domain name such as example.com")
	}
	if len(r.Name) > maxNameLen {
		return invalid(prefix+"name", "at most 200 characters")
	}
	return nil
}

func (r *personRequest) validate(prefix string) error {
	r.Email = strings.ToLower(strings.TrimSpace(r.Email))
	if r.Email == "" {
		return invalid(prefix+"email", "is required")
	}
	if !validEmail(r.Email) {
		return invalid(prefix+"email", "not an e-mail address")
	}
	if len(r.Name) > maxNameLen || len(r.Company) > maxNameLen {
		return invalid(prefix+"name", "name and company: at most 200 characters each")
	}
	return nil
}

// handleEnrichCompany handles POST /api/enrichment/company.
func (e *enrichment) handleEnrichCompany() gin.HandlerFunc {
	return func(c *gin.Context) {
		req, err := decode[companyRequest](c, false)
		if err == nil {
			err = req.validate("")
		}
		if err != nil {
			writeProblem(c, err)
			return
		}
		a, err := e.answer(e.company(c.Request.Context(), req.Domain, req.Name))
		e.write(c, a, err)
	}
}

// handleEnrichPerson handles POST /api/enrichment/person.
func (e *enrichment) handleEnrichPerson() gin.HandlerFunc {
	return func(c *gin.Context) {
		req, err := decode[personRequest](c, false)
		if err == nil {
			err = req.validate("")
		}
		if err != nil {
			writeProblem(c, err)
			return
		}
		a, err := e.answer(e.person(c.Request.Context(), req.Email, req.Name, req.Company))
		e.write(c, a, err)
	}
}

func (e *enrichment) write(c *gin.Context, a enrichAnswer, err error) {
	if err != nil {
		writeProblem(c, err)
		return
	}
	c.Header("X-Cache", a.status.String())
	c.Data(http.StatusOK, "application/json; charset=utf-8", a.body)
}

// handleEnrichBatch handles POST /api/enrichment/batch: every item is checked
// before any lookup, then looked up concurrently; each item degrades alone
// and results keep the input order.
func (e *enrichment) handleEnrichBatch() gin.HandlerFunc {
	return func(c *gin.Context) {
		req, err := decode[struct {
			Items []batchItem `json:"items"`
		}](c, false)
		if err == nil {
			err = validateBatch(req.Items)
		}
		if err != nil {
			writeProblem(c, err)
			return
		}
		results := make([]json.RawMessage, len(req.Items))
		statuses := make([]cache.Status, len(req.Items))
		g, ctx := errgroup.WithContext(c.Request.Context())
		g.SetLimit(batchParallel)
		for i, it := range req.Items {
			g.Go(func() error {
				a, err := e.answer(e.item(ctx, it))
				if err != nil {
					a.body = itemError(err)
				}
				results[i], statuses[i] = a.body, a.status
				return nil
			})
		}
		_ = g.Wait()
		c.Header("X-Cache", batchCacheStatus(statuses).String())
		c.JSON(http.StatusOK, gin.H{"results": results})
	}
}

func (e *enrichment) item(ctx context.Context, it batchItem) (cache.Result, error) {
	if it.Type == "company" {
		return e.company(ctx, it.Domain, it.Name)
	}
	return e.person(ctx, it.Email, it.Name, it.Company)
}

func validateBatch(items []batchItem) error {
	if len(items) == 0 || len(items) > maxBatchItems {
		return invalid("items", "must hold 1 to 50 items")
	}
	for i := range items {
		it := &items[i]
		prefix := "items[" + itoa(i) + "]."
		var err error
		switch it.Type {
		case "company":
			r := companyRequest{Domain: it.Domain, Name: it.Name}
			err = r.validate(prefix)
			it.Domain = r.Domain
		case "person":
			r := personRequest{Email: it.Email, Name: it.Name, Company: it.Company}
			err = r.validate(prefix)
			it.Email = r.Email
		default:
			err = invalid(prefix+"type", `must be "company" or "person"`)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// itemError is a batch item whose lookup Explorium refused as invalid.
func itemError(err error) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"_enriched": false, "error": problemFor(err).Detail})
	return b
}

// batchCacheStatus is STALE if any item is a fallback copy, HIT if all came
// from the cache, else MISS.
func batchCacheStatus(ss []cache.Status) cache.Status {
	out := cache.Hit
	for _, s := range ss {
		switch s {
		case cache.Stale:
			return cache.Stale
		case cache.Miss:
			out = cache.Miss
		}
	}
	return out
}
