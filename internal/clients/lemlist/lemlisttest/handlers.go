package lemlisttest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeText(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// handleTeam handles GET /team.
func (s *Server) handleTeam(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"_id": "tea_SandboxTeam000001", "name": "Sandbox", "userIds": []string{teamUser},
		"createdBy": teamUser, "createdAt": "2024-01-15T10:00:00.000Z", "beta": []string{},
	})
}

// handleCampaigns handles GET /campaigns: a bare array without version, the
// {campaigns, pagination} wrapper with version=v2; limit (≤100) and offset.
func (s *Server) handleCampaigns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, offset := 100, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			writeText(w, http.StatusBadRequest, "limit must be between 1 and 100")
			return
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeText(w, http.StatusBadRequest, "offset must be a positive integer")
			return
		}
		offset = n
	}
	if q.Get("version") != "v2" && limit == 100 && offset == 0 {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(s.listJSON) // campaigns never change: precomputed
		return
	}
	page := s.campaigns[min(offset, len(s.campaigns)):min(offset+limit, len(s.campaigns))]
	if q.Get("version") != "v2" {
		writeJSON(w, http.StatusOK, page)
		return
	}
	total := len(s.campaigns)
	writeJSON(w, http.StatusOK, map[string]any{"campaigns": page, "pagination": map[string]int{
		"totalRecords": total, "currentPage": offset/limit + 1, "nextPage": offset/limit + 2,
		"totalPage": (total + limit - 1) / limit,
	}})
}

// handleCampaign handles GET /campaigns/{campaignId}.
func (s *Server) handleCampaign(w http.ResponseWriter, r *http.Request) {
	c := s.campaignByID(r.PathValue("campaignId"))
	if c == nil {
		writeText(w, http.StatusNotFound, "Campaign not found")
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// handleAddLead handles POST /campaigns/{campaignId}/leads/ and the legacy
// POST /campaigns/{campaignId}/leads/{email}.
func (s *Server) handleAddLead(w http.ResponseWriter, r *http.Request) {
	vars := map[string]any{}
	if r.ContentLength != 0 {
		var raw any
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&raw); err != nil && r.ContentLength > 0 {
			writeText(w, http.StatusBadRequest, "Body of your request must be an object")
			return
		}
		obj, ok := raw.(map[string]any)
		if raw != nil && !ok {
			writeText(w, http.StatusBadRequest, "Body of your request must be an object")
			return
		}
		for k, v := range obj {
			if sv, isStr := v.(string); isStr && sv != "" {
				vars[k] = sv
			}
		}
	}
	if e := r.PathValue("email"); e != "" {
		if !validEmail(e) {
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "Invalid email address"})
			return
		}
		vars["email"] = e
	}
	email, _ := vars["email"].(string)
	_, hasLinkedin := vars["linkedinUrl"]
	switch {
	case email == "" && !hasLinkedin:
		writeText(w, http.StatusBadRequest, "No valid fields to add")
		return
	case email != "" && !validEmail(email):
		writeText(w, http.StatusBadRequest, "Invalid email address")
		return
	}
	key := strings.ToLower(email)
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.campaignByID(r.PathValue("campaignId"))
	switch {
	case c == nil:
		writeText(w, http.StatusNotFound, "Campaign not found")
		return
	case key != "" && s.graveyard[key]:
		writeText(w, http.StatusBadRequest, "Email address is in the graveyard")
		return
	}
	for _, l := range s.leads[key] {
		if key == "" {
			break
		}
		if l.CampaignID == c.ID {
			writeText(w, http.StatusBadRequest, "Lead already in the campaign")
			return
		}
		if r.URL.Query().Get("deduplicate") == "true" {
			writeText(w, http.StatusConflict, "Lead already in other campaign")
			return
		}
	}
	l := s.addLeadLocked(c, vars)
	writeJSON(w, http.StatusOK, s.flat(l))
}

func validEmail(e string) bool {
	local, domain, ok := strings.Cut(e, "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.ContainsAny(e, " <>,;") &&
		!strings.Contains(domain, "@") && !strings.HasSuffix(domain, ".")
}

// handleLead handles GET /leads/{email}: with version=v2 an array of the lead's
// campaign entries, without it the flat object of the latest; campaignId filters.
func (s *Server) handleLead(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	campaignID := q.Get("campaignId")
	s.mu.Lock()
	defer s.mu.Unlock()
	var found []*lead
	for _, l := range s.leads[strings.ToLower(r.PathValue("email"))] {
		if campaignID == "" || l.CampaignID == campaignID {
			found = append(found, l)
		}
	}
	if len(found) == 0 {
		writeText(w, http.StatusNotFound, "Lead not found")
		return
	}
	if q.Get("version") != "v2" {
		writeJSON(w, http.StatusOK, s.flat(found[len(found)-1]))
		return
	}
	out := make([]map[string]any, len(found))
	for i, l := range found {
		out[i] = s.v2(l)
	}
	writeJSON(w, http.StatusOK, out)
}

// handleUnsubscribe handles DELETE /campaigns/{campaignId}/leads/{email}: it
// unsubscribes (graveyard) or, with ?action=remove, deletes the lead.
func (s *Server) handleUnsubscribe(w http.ResponseWriter, r *http.Request) {
	key := strings.ToLower(r.PathValue("email"))
	campaignID := r.PathValue("campaignId")
	s.mu.Lock()
	defer s.mu.Unlock()
	entries := s.leads[key]
	for i, l := range entries {
		if l.CampaignID != campaignID && l.ID != r.PathValue("email") {
			continue
		}
		if r.URL.Query().Get("action") == "remove" {
			s.leads[key] = append(entries[:i:i], entries[i+1:]...)
		} else {
			s.graveyard[key] = true
			l.Unsub, l.State, l.UpdatedAt = true, "unsubscribed", time.Now().UTC()
		}
		writeJSON(w, http.StatusOK, map[string]any{"email": l.Variables["email"], "_id": l.ID,
			"isPaused": l.IsPaused, "campaignId": l.CampaignID, "contactId": l.ContactID})
		return
	}
	writeText(w, http.StatusNotFound, "Lead not found")
}

// handlePause handles POST /leads/pause/{email} and /leads/start/{email}.
func (s *Server) handlePause(pause bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		campaignID := r.URL.Query().Get("campaignId")
		s.mu.Lock()
		defer s.mu.Unlock()
		var out []map[string]any
		for _, l := range s.leads[strings.ToLower(r.PathValue("email"))] {
			if campaignID == "" || l.CampaignID == campaignID {
				l.IsPaused, l.UpdatedAt = pause, time.Now().UTC()
				out = append(out, s.flat(l))
			}
		}
		if len(out) == 0 {
			writeText(w, http.StatusNotFound, "Lead not found")
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}
