package hubspottest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Search limits (UPSTREAMS.md A.9: the fake defaults to 5 groups, 6 filters per
// group, 18 in total).
const (
	maxGroups         = 5
	maxFiltersInGroup = 6
	maxFilters        = 18
	maxSearchLimit    = 200
	maxSearchOffset   = 10_000
)

type searchRequest struct {
	FilterGroups []struct {
		Filters []searchFilter `json:"filters"`
	} `json:"filterGroups"`
	Sorts      []json.RawMessage `json:"sorts"` // objects or plain strings
	Query      string            `json:"query"`
	Properties []string          `json:"properties"`
	Limit      *int              `json:"limit"`
	After      json.RawMessage   `json:"after"` // string or number
}

type searchFilter struct {
	PropertyName string   `json:"propertyName"`
	Operator     string   `json:"operator"`
	Value        any      `json:"value"`
	HighValue    any      `json:"highValue"`
	Values       []any    `json:"values"`
	values       []string // Values as strings
}

// handleSearch handles POST /crm/v3/objects/contacts/search.
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	var req searchRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON on line 1: "+err.Error(), nil)
		return
	}
	limit, offset, msg := searchPaging(req)
	if msg == "" {
		msg = checkFilters(&req)
	}
	if msg != "" {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", msg, nil)
		return
	}
	sortProp, desc := "hs_object_id", false
	if len(req.Sorts) > 0 {
		sortProp, desc = parseSort(req.Sorts[0])
	}
	var hits []*record
	for _, rec := range s.store.snapshot() {
		if !rec.archived && matchesQuery(rec, req.Query) && matchesGroups(rec, &req) {
			hits = append(hits, rec)
		}
	}
	sortRecords(hits, sortProp, desc)
	results := make([]wireContact, 0, limit)
	for i := offset; i < len(hits) && len(results) < limit; i++ {
		results = append(results, hits[i].wire(req.Properties))
	}
	body := map[string]any{"total": len(hits), "results": results}
	if end := offset + len(results); end < len(hits) {
		body["paging"] = map[string]any{"next": map[string]string{"after": strconv.Itoa(end)}}
	}
	writeJSON(w, http.StatusOK, body)
}

func searchPaging(req searchRequest) (limit, offset int, msg string) {
	limit = 10
	if req.Limit != nil {
		limit = *req.Limit
		if limit < 0 || limit > maxSearchLimit {
			return 0, 0, fmt.Sprintf("limit must be between 0 and %d", maxSearchLimit)
		}
	}
	if a := strings.Trim(string(req.After), `"`); a != "" && a != "null" {
		n, err := strconv.Atoi(a)
		if err != nil || n < 0 {
			return 0, 0, "after must be a non-negative integer offset"
		}
		offset = n
	}
	if offset+limit > maxSearchOffset {
		return 0, 0, "Search results are limited to 10000 records; narrow the query instead of paging further"
	}
	return limit, offset, ""
}

func checkFilters(req *searchRequest) string {
	if len(req.FilterGroups) > maxGroups {
		return fmt.Sprintf("Too many filter groups: %d (max %d)", len(req.FilterGroups), maxGroups)
	}
	total := 0
	for gi := range req.FilterGroups {
		fs := req.FilterGroups[gi].Filters
		if len(fs) > maxFiltersInGroup {
			return fmt.Sprintf("Too many filters in group %d: %d (max %d)", gi, len(fs), maxFiltersInGroup)
		}
		total += len(fs)
		for fi := range fs {
			f := &fs[fi]
			switch f.Operator {
			case "EQ", "NEQ", "LT", "LTE", "GT", "GTE", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN", "BETWEEN",
				"IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY":
			default:
				return fmt.Sprintf("Unsupported operator %q for property %q", f.Operator, f.PropertyName)
			}
			for _, v := range f.Values {
				f.values = append(f.values, str(v))
			}
		}
	}
	if total > maxFilters {
		return fmt.Sprintf("Too many filters: %d (max %d)", total, maxFilters)
	}
	return ""
}

func parseSort(raw json.RawMessage) (prop string, desc bool) {
	var obj struct{ PropertyName, Direction string }
	if json.Unmarshal(raw, &obj) == nil && obj.PropertyName != "" {
		return obj.PropertyName, obj.Direction == "DESCENDING"
	}
	var name string
	if json.Unmarshal(raw, &name) == nil {
		name, desc = strings.CutPrefix(name, "-")
		return name, desc
	}
	return "hs_object_id", false
}

// matchesQuery is HubSpot's "query": a substring of a default searchable property.
func matchesQuery(rec *record, q string) bool {
	if q == "" {
		return true
	}
	q = strings.ToLower(q)
	for _, p := range []string{"email", "firstname", "lastname", "phone", "company", "website"} {
		if strings.Contains(strings.ToLower(rec.props[p]), q) {
			return true
		}
	}
	return false
}

func matchesGroups(rec *record, req *searchRequest) bool {
	if len(req.FilterGroups) == 0 {
		return true
	}
	for _, g := range req.FilterGroups {
		all := true
		for i := range g.Filters {
			if !matchesFilter(rec, &g.Filters[i]) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func matchesFilter(rec *record, f *searchFilter) bool {
	v, has := rec.props[f.PropertyName]
	has = has && v != ""
	want := str(f.Value)
	switch f.Operator {
	case "HAS_PROPERTY":
		return has
	case "NOT_HAS_PROPERTY":
		return !has
	case "EQ":
		return has && compareValues(v, want) == 0
	case "NEQ":
		return !has || compareValues(v, want) != 0
	case "LT":
		return has && compareValues(v, want) < 0
	case "LTE":
		return has && compareValues(v, want) <= 0
	case "GT":
		return has && compareValues(v, want) > 0
	case "GTE":
		return has && compareValues(v, want) >= 0
	case "BETWEEN":
		return has && compareValues(v, want) >= 0 && compareValues(v, str(f.HighValue)) <= 0
	case "IN", "NOT_IN":
		in := false
		for _, x := range f.values {
			if compareValues(v, x) == 0 {
				in = true
				break
			}
		}
		return has && in == (f.Operator == "IN") || !has && f.Operator == "NOT_IN"
	case "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN":
		return containsToken(v, want) == (f.Operator == "CONTAINS_TOKEN")
	}
	return false
}

// containsToken is a case-insensitive whole-word match; "*" in the token is a wildcard
// only at its ends, as HubSpot allows.
func containsToken(v, token string) bool {
	token = strings.ToLower(strings.Trim(token, "*"))
	if token == "" {
		return true
	}
	words := strings.FieldsFunc(strings.ToLower(v), func(r rune) bool {
		return r == ' ' || r == '@' || r == '.' || r == ',' || r == '-' || r == '_'
	})
	for _, w := range words {
		if w == token {
			return true
		}
	}
	return strings.Contains(strings.ToLower(v), token) && strings.ContainsAny(token, "@.")
}

// compareValues compares as numbers when both are numbers, as instants when one is a
// timestamp and the other epoch milliseconds, else case-insensitively as text.
func compareValues(a, b string) int {
	fa, errA := strconv.ParseFloat(a, 64)
	fb, errB := strconv.ParseFloat(b, 64)
	if errA == nil && errB == nil {
		return cmpFloat(fa, fb)
	}
	if ta, err := time.Parse(time.RFC3339Nano, a); err == nil {
		if errB == nil {
			return cmpFloat(float64(ta.UnixMilli()), fb)
		}
		if tb, err := time.Parse(time.RFC3339Nano, b); err == nil {
			return ta.Compare(tb)
		}
	}
	return strings.Compare(strings.ToLower(a), strings.ToLower(b))
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}
