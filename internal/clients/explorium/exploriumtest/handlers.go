package exploriumtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

var (
	businessIDPattern = regexp.MustCompile(`^[a-f0-9]{32}$`)
	prospectIDPattern = regexp.MustCompile(`^[a-f0-9]{40}$`)
)

type detail struct {
	Loc  []any  `json:"loc"`
	Msg  string `json:"msg"`
	Type string `json:"type"`
}

func write422(w http.ResponseWriter, details ...detail) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": details})
}

// decode reads a JSON body strictly, like a FastAPI model with extra=forbid.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		field, msg, typ := "__root__", err.Error(), "value_error.jsondecode"
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			field, msg, typ = strings.Trim(name, `"`), "extra fields not permitted", "value_error.extra"
		}
		write422(w, detail{Loc: []any{"body", field}, Msg: msg, Type: typ})
		return false
	}
	return true
}

func checkSize(w http.ResponseWriter, field string, n int) bool {
	switch {
	case n == 0:
		write422(w, detail{[]any{"body", field}, "ensure this value has at least 1 items", "value_error.list.min_items"})
	case n > 50:
		write422(w, detail{[]any{"body", field}, "ensure this value has at most 50 items", "value_error.list.max_items"})
	default:
		return true
	}
	return false
}

func checkIDs(w http.ResponseWriter, field string, ids []string, pattern *regexp.Regexp) bool {
	for i, id := range ids {
		if !pattern.MatchString(id) {
			write422(w, detail{[]any{"body", field, i}, fmt.Sprintf("string does not match regex %q", pattern.String()), "value_error.str.regex"})
			return false
		}
	}
	return true
}

// spend takes n credits, or answers 403 when there are not enough.
func (s *Server) spend(w http.ResponseWriter, n int64) bool {
	for {
		have := s.credits.Load()
		if have < n {
			writeDetails(w, http.StatusForbidden, "You have insufficient credits to perform this operation. Please purchase additional credits.")
			return false
		}
		if s.credits.CompareAndSwap(have, have-n) {
			return true
		}
	}
}

type common struct {
	RequestContext map[string]any `json:"request_context"`
	Parameters     map[string]any `json:"parameters"`
}

type businessInput struct {
	Name        string `json:"name"`
	Domain      string `json:"domain"`
	URL         string `json:"url"`
	LinkedinURL string `json:"linkedin_url"`
}

// handleMatchBusinesses handles POST /v1/businesses/match.
func (s *Server) handleMatchBusinesses(w http.ResponseWriter, r *http.Request, start time.Time) {
	var req struct {
		common
		Businesses []businessInput `json:"businesses_to_match"`
	}
	if !decode(w, r, &req) || !checkSize(w, "businesses_to_match", len(req.Businesses)) {
		return
	}
	out := make([]map[string]any, len(req.Businesses))
	matches := 0
	for i, in := range req.Businesses {
		var id any
		if c := s.idx.company(in.Domain, in.URL, in.Name); c != nil {
			id = c.BusinessID()
			matches++
		}
		out[i] = map[string]any{"input": map[string]any{"name": nullable(in.Name), "domain": nullable(in.Domain),
			"url": nullable(in.URL), "linkedin_url": nullable(in.LinkedinURL)}, "business_id": id}
	}
	respond(w, start, status(matches), map[string]any{
		"total_results": len(out), "total_matches": matches, "matched_businesses": out})
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func status(matches int) string {
	if matches == 0 {
		return "miss"
	}
	return "success"
}

// handleFirmographics handles POST /v1/businesses/firmographics/enrich.
func (s *Server) handleFirmographics(w http.ResponseWriter, r *http.Request, start time.Time) {
	var req struct {
		common
		BusinessID string `json:"business_id"`
	}
	if !decode(w, r, &req) || !checkIDs(w, "business_id", []string{req.BusinessID}, businessIDPattern) {
		return
	}
	c := s.idx.byBizID[req.BusinessID]
	if c == nil {
		respond(w, start, "miss", map[string]any{"data": map[string]any{"business_id": req.BusinessID}})
		return
	}
	if !s.spend(w, 1) {
		return
	}
	respond(w, start, "success", map[string]any{"data": firmographics(c)})
}

// handleBulkFirmographics handles POST /v1/businesses/firmographics/bulk_enrich.
func (s *Server) handleBulkFirmographics(w http.ResponseWriter, r *http.Request, start time.Time) {
	var req struct {
		common
		BusinessIDs []string `json:"business_ids"`
	}
	if !decode(w, r, &req) || !checkSize(w, "business_ids", len(req.BusinessIDs)) ||
		!checkIDs(w, "business_ids", req.BusinessIDs, businessIDPattern) || !s.transient422(w) {
		return
	}
	var data []map[string]any
	for _, id := range req.BusinessIDs {
		if c := s.idx.byBizID[id]; c != nil { // unknown ids are left out
			data = append(data, map[string]any{"business_id": id, "data": firmographics(c)})
		}
	}
	if !s.spend(w, int64(len(data))) {
		return
	}
	respond(w, start, status(len(data)), map[string]any{"data": orEmpty(data), "total_results": len(data)})
}

func orEmpty(d []map[string]any) []map[string]any {
	if d == nil {
		return []map[string]any{}
	}
	return d
}

func (s *Server) transient422(w http.ResponseWriter) bool {
	for {
		n := s.bulk422.Load()
		if n <= 0 {
			return true
		}
		if s.bulk422.CompareAndSwap(n, n-1) {
			responder{s}.WriteStatus(w, nil, http.StatusUnprocessableEntity)
			return false
		}
	}
}

// handleCredits handles GET /v1/credits.
func (s *Server) handleCredits(w http.ResponseWriter, _ *http.Request, start time.Time) {
	respond(w, start, "success", map[string]any{"allocated_credits": s.allocated, "remaining_credits": s.credits.Load()})
}
