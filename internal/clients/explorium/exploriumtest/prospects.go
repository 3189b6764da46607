package exploriumtest

import (
	"net/http"
	"time"
)

type prospectInput struct {
	Email       string `json:"email"`
	PhoneNumber string `json:"phone_number"`
	FullName    string `json:"full_name"`
	CompanyName string `json:"company_name"`
	Linkedin    string `json:"linkedin"`
	BusinessID  string `json:"business_id"`
}

// handleMatchProspects handles POST /v1/prospects/match.
func (s *Server) handleMatchProspects(w http.ResponseWriter, r *http.Request, start time.Time) {
	var req struct {
		common
		Prospects []prospectInput `json:"prospects_to_match"`
	}
	if !decode(w, r, &req) || !checkSize(w, "prospects_to_match", len(req.Prospects)) {
		return
	}
	for i, in := range req.Prospects {
		if (in.FullName == "") != (in.CompanyName == "") {
			write422(w, detail{[]any{"body", "prospects_to_match", i}, "full_name must be accompanied by company_name", "value_error"})
			return
		}
	}
	out := make([]map[string]any, len(req.Prospects))
	matches := 0
	for i, in := range req.Prospects {
		var id any
		if p := s.idx.person(in.Email, in.Linkedin, in.FullName, in.CompanyName); p != nil {
			id = p.ProspectID()
			matches++
		}
		out[i] = map[string]any{"input": map[string]any{
			"business_id": nullable(in.BusinessID), "full_name": nullable(in.FullName),
			"company_name": nullable(in.CompanyName), "email": nullable(in.Email),
			"phone_number": nullable(in.PhoneNumber), "linkedin": nullable(in.Linkedin)}, "prospect_id": id}
	}
	respond(w, start, status(matches), map[string]any{
		"total_results": len(out), "total_matches": matches, "matched_prospects": out})
}

type contactParams struct {
	ContactTypes []string `json:"contact_types"`
}

// cost is Explorium's price: 2 credits for e-mail only, 5 with phone (the default).
func (p contactParams) cost() int64 {
	if len(p.ContactTypes) == 1 && p.ContactTypes[0] == "email" {
		return 2
	}
	return 5
}

func validTypes(w http.ResponseWriter, p contactParams) bool {
	for i, t := range p.ContactTypes {
		if t != "email" && t != "phone" {
			write422(w, detail{[]any{"body", "parameters", "contact_types", i}, "value is not a valid enumeration member; permitted: 'email', 'phone'", "type_error.enum"})
			return false
		}
	}
	return true
}

// handleContactInformation handles POST /v1/prospects/contacts_information/enrich.
func (s *Server) handleContactInformation(w http.ResponseWriter, r *http.Request, start time.Time) {
	var req struct {
		RequestContext map[string]any `json:"request_context"`
		Parameters     contactParams  `json:"parameters"`
		ProspectID     string         `json:"prospect_id"`
	}
	if !decode(w, r, &req) || !checkIDs(w, "prospect_id", []string{req.ProspectID}, prospectIDPattern) ||
		!validTypes(w, req.Parameters) {
		return
	}
	p := s.idx.byProspect[req.ProspectID]
	if p == nil {
		respond(w, start, "miss", map[string]any{"data": map[string]any{}})
		return
	}
	if !s.spend(w, req.Parameters.cost()) {
		return
	}
	respond(w, start, "success", map[string]any{"data": contactInfo(p, req.Parameters.ContactTypes)})
}

// handleBulkContactInformation handles POST /v1/prospects/contacts_information/bulk_enrich.
func (s *Server) handleBulkContactInformation(w http.ResponseWriter, r *http.Request, start time.Time) {
	var req struct {
		RequestContext map[string]any `json:"request_context"`
		Parameters     contactParams  `json:"parameters"`
		ProspectIDs    []string       `json:"prospect_ids"`
	}
	if !decode(w, r, &req) || !checkSize(w, "prospect_ids", len(req.ProspectIDs)) ||
		!checkIDs(w, "prospect_ids", req.ProspectIDs, prospectIDPattern) || !validTypes(w, req.Parameters) ||
		!s.transient422(w) {
		return
	}
	var data []map[string]any
	for _, id := range req.ProspectIDs {
		if p := s.idx.byProspect[id]; p != nil {
			data = append(data, map[string]any{"prospect_id": id, "data": contactInfo(p, req.Parameters.ContactTypes)})
		}
	}
	if !s.spend(w, req.Parameters.cost()*int64(len(data))) {
		return
	}
	respond(w, start, status(len(data)), map[string]any{"data": orEmpty(data), "total_results": len(data)})
}
