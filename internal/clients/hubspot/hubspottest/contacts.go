package hubspottest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const maxBody = 1 << 20

// properties reads ?properties= in both the CSV and the repeated form.
func properties(q url.Values) []string {
	var out []string
	for _, v := range q["properties"] {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func notFound(w http.ResponseWriter, id string) {
	writeError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "Object not found.  objectId are usually numeric.",
		map[string]any{"context": map[string][]string{"id": {id}}})
}

// handleGet handles GET /crm/v3/objects/contacts/{contactId}[?idProperty=email].
func (s *Server) handleGet(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id := r.PathValue("contactId")
	rec, ok := s.lookup(id, q.Get("idProperty"))
	if !ok || (rec.archived && q.Get("archived") != "true") {
		notFound(w, id)
		return
	}
	props := properties(q)
	if len(props) == 0 {
		writeRaw(w, http.StatusOK, rec.defaultJSON)
		return
	}
	writeJSON(w, http.StatusOK, rec.wire(props))
}

func (s *Server) lookup(id, idProperty string) (*record, bool) {
	if idProperty == "email" {
		var ok bool
		if id, ok = s.store.idByEmail(id); !ok {
			return nil, false
		}
	}
	return s.store.get(id)
}

// handleList handles GET /crm/v3/objects/contacts?limit=&after=.
func (s *Server) handleList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 10
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", fmt.Sprintf("limit must be between 1 and 100, got %q", v), nil)
			return
		}
		limit = n
	}
	archived := q.Get("archived") == "true"
	after := q.Get("after")
	props := properties(q)
	results := make([]wireContact, 0, limit)
	var next string
	for _, rec := range s.store.snapshot() {
		if rec.archived != archived || (after != "" && cmpID(rec.id, after) < 0) {
			continue
		}
		if len(results) == limit {
			next = rec.id
			break
		}
		results = append(results, rec.wire(props))
	}
	body := map[string]any{"results": results}
	if next != "" {
		nq := url.Values{"after": {next}, "limit": {strconv.Itoa(limit)}}
		body["paging"] = map[string]any{"next": map[string]string{
			"after": next, "link": "https://api.hubapi.com/crm/v3/objects/contacts?" + nq.Encode()}}
	}
	writeJSON(w, http.StatusOK, body)
}

// cmpID compares numeric-string ids.
func cmpID(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

type contactInput struct {
	Properties   map[string]*string `json:"properties"`
	Associations []json.RawMessage  `json:"associations"`
}

func decodeInput(w http.ResponseWriter, r *http.Request) (map[string]string, bool) {
	var in contactInput
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON on line 1: "+err.Error(), nil)
		return nil, false
	}
	if in.Properties == nil {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "properties is required", nil)
		return nil, false
	}
	props := make(map[string]string, len(in.Properties))
	for k, v := range in.Properties {
		switch {
		case readOnly[k]:
			validationError(w, k, "READ_ONLY_VALUE", fmt.Sprintf("%q is a read only property; its value cannot be set.", k))
			return nil, false
		case !writable[k]:
			validationError(w, k, "PROPERTY_DOESNT_EXIST", fmt.Sprintf("Property %q does not exist", k))
			return nil, false
		}
		if v != nil {
			props[k] = *v
		} else {
			props[k] = ""
		}
	}
	if e, ok := props["email"]; ok && e != "" && !validEmail(e) {
		validationError(w, "email", "INVALID_EMAIL", fmt.Sprintf("Email address %s is invalid", e))
		return nil, false
	}
	return props, true
}

func validEmail(e string) bool {
	local, domain, ok := strings.Cut(e, "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.ContainsAny(e, " \t<>,;") &&
		!strings.Contains(domain, "@") && !strings.HasSuffix(domain, ".")
}

// handleCreate handles POST /crm/v3/objects/contacts (201; 409 on a taken e-mail).
func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request) {
	props, ok := decodeInput(w, r)
	if !ok {
		return
	}
	if props["email"] == "" && props["firstname"] == "" && props["lastname"] == "" {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "At least one of email, firstname or lastname is required", nil)
		return
	}
	for k, v := range props {
		if v == "" {
			delete(props, k)
		}
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	st := s.store
	st.mu.Lock()
	email := strings.ToLower(props["email"])
	if existing, taken := st.byEmail[email]; taken && email != "" {
		st.mu.Unlock()
		conflict(w, existing, props["email"])
		return
	}
	id := strconv.FormatInt(st.nextID, 10)
	st.nextID += 3 // HubSpot ids grow but are not consecutive
	rec := st.insert(id, props, now, now)
	st.mu.Unlock()
	writeJSON(w, http.StatusCreated, rec.wire(keys(props)))
}

// conflict writes the current 409 format (UPSTREAMS.md A.8).
func conflict(w http.ResponseWriter, existing, email string) {
	vid, _ := strconv.ParseInt(existing, 10, 64)
	writeError(w, http.StatusConflict, "OBJECT_ALREADY_EXISTS", "Contact already exists. Existing ID: "+existing, map[string]any{
		"errors": []any{map[string]any{
			"message": fmt.Sprintf("A contact with email %s already exists. Existing ID: %s", email, existing),
			"in":      "email",
		}},
		"error": "CONTACT_EXISTS",
		"identityProfile": map[string]any{"vid": vid, "identity": []any{
			map[string]any{"value": email, "type": "EMAIL", "isPrimary": true}}},
	})
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// handleUpdate handles PATCH /crm/v3/objects/contacts/{contactId}; "" clears a value.
func (s *Server) handleUpdate(w http.ResponseWriter, r *http.Request) {
	changes, ok := decodeInput(w, r)
	if !ok {
		return
	}
	id := r.PathValue("contactId")
	st := s.store
	st.mu.Lock()
	old, found := st.byID[id]
	if r.URL.Query().Get("idProperty") == "email" {
		old, found = nil, false
		if realID, ok := st.byEmail[strings.ToLower(id)]; ok {
			old, found = st.byID[realID]
		}
	}
	if !found || old.archived {
		st.mu.Unlock()
		notFound(w, id)
		return
	}
	if e := strings.ToLower(changes["email"]); e != "" {
		if other, taken := st.byEmail[e]; taken && other != old.id {
			st.mu.Unlock()
			conflict(w, other, changes["email"])
			return
		}
	}
	props := make(map[string]string, len(old.props)+len(changes))
	for k, v := range old.props {
		props[k] = v
	}
	for k, v := range changes {
		props[k] = v
	}
	if e := strings.ToLower(old.props["email"]); e != strings.ToLower(props["email"]) {
		delete(st.byEmail, e)
	}
	if props["email"] == "" {
		delete(props, "hs_email_domain")
	}
	rec := st.insert(old.id, props, old.createdAt, time.Now().UTC().Truncate(time.Millisecond))
	st.mu.Unlock()
	writeJSON(w, http.StatusOK, rec.wire(append(keys(changes), defaultProperties...)))
}

// handleArchive handles DELETE /crm/v3/objects/contacts/{contactId}: 204 whether or
// not the contact exists or is already archived.
func (s *Server) handleArchive(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("contactId")
	st := s.store
	st.mu.Lock()
	if old, ok := st.byID[id]; ok && !old.archived {
		rec := *old
		rec.archived = true
		rec.archivedAt = time.Now().UTC().Truncate(time.Millisecond)
		rec.defaultJSON, _ = json.Marshal(rec.wire(nil))
		st.byID[id] = &rec
		delete(st.byEmail, strings.ToLower(old.props["email"]))
	}
	st.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}
