package explorium

import (
	"context"
	"encoding/json"
	"net/http"
)

// ProspectMatchInput identifies one person: by Email, Linkedin, PhoneNumber, or
// FullName together with CompanyName; BusinessID narrows the search.
type ProspectMatchInput struct {
	Email       string `json:"email,omitempty"`
	PhoneNumber string `json:"phone_number,omitempty"`
	FullName    string `json:"full_name,omitempty"`
	CompanyName string `json:"company_name,omitempty"`
	Linkedin    string `json:"linkedin,omitempty"`
	BusinessID  string `json:"business_id,omitempty"`
}

// ProspectMatch is the result for one input; ProspectID is "" when nothing matched.
type ProspectMatch struct {
	Input      ProspectMatchInput `json:"input"`
	ProspectID string             `json:"prospect_id"`
}

// ProspectMatchResponse lists one result per input, in input order.
type ProspectMatchResponse struct {
	ResponseContext  ResponseContext `json:"response_context"`
	TotalResults     int             `json:"total_results"`
	TotalMatches     int             `json:"total_matches"`
	MatchedProspects []ProspectMatch `json:"matched_prospects"`
}

// MatchProspects resolves 1–50 people to Explorium prospect IDs.
//
// Explorium API: POST /v1/prospects/match
func (c *Client) MatchProspects(ctx context.Context, inputs []ProspectMatchInput) (ProspectMatchResponse, error) {
	var out ProspectMatchResponse
	err := c.do(ctx, http.MethodPost, "v1/prospects/match",
		map[string]any{"prospects_to_match": inputs}, &out)
	return out, err
}

// ContactInformation is a prospect's e-mail addresses and phone numbers.
type ContactInformation struct {
	Emails                  []Email `json:"emails,omitempty"`
	ProfessionsEmail        string  `json:"professions_email,omitempty"` // sic: Explorium's spelling
	ProfessionalEmailStatus string  `json:"professional_email_status,omitempty"`
	PhoneNumbers            []Phone `json:"phone_numbers,omitempty"`
	MobilePhone             string  `json:"mobile_phone,omitempty"`
}

// Email is one address; Type is personal, professional or current_professional.
type Email struct {
	Address string `json:"address"`
	Type    string `json:"type,omitempty"`
}

// Phone is one E.164 number.
type Phone struct {
	PhoneNumber string `json:"phone_number"`
}

// Contact types for EnrichContactInformation: e-mail costs 2 credits, phone (alone
// or with e-mail, the default) 5.
const (
	ContactTypeEmail = "email"
	ContactTypePhone = "phone"
)

// ContactInformationResponse is a single contact-information enrichment.
type ContactInformationResponse struct {
	ResponseContext ResponseContext    `json:"response_context"`
	Data            ContactInformation `json:"data"`
}

// UnmarshalJSON accepts data as an object or a one-element array.
func (r *ContactInformationResponse) UnmarshalJSON(b []byte) error {
	var raw struct {
		ResponseContext ResponseContext `json:"response_context"`
		Data            json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	r.ResponseContext = raw.ResponseContext
	return decodeObjectOrFirst(raw.Data, &r.Data)
}

func contactParams(types []string) map[string]any {
	if len(types) == 0 {
		return nil
	}
	return map[string]any{"contact_types": types}
}

// EnrichContactInformation returns one prospect's contact details. contactTypes
// (ContactTypeEmail, ContactTypePhone) limits what is fetched and so the credits
// spent; none means both.
//
// Explorium API: POST /v1/prospects/contacts_information/enrich
func (c *Client) EnrichContactInformation(ctx context.Context, prospectID string, contactTypes ...string) (ContactInformationResponse, error) {
	body := map[string]any{"prospect_id": prospectID}
	if p := contactParams(contactTypes); p != nil {
		body["parameters"] = p
	}
	var out ContactInformationResponse
	err := c.do(ctx, http.MethodPost, "v1/prospects/contacts_information/enrich", body, &out)
	return out, err
}

// ProspectContactInformation is one entry of a bulk contact-information answer.
type ProspectContactInformation struct {
	ProspectID string             `json:"prospect_id"`
	Data       ContactInformation `json:"data"`
}

// BulkContactInformationResponse holds one entry per prospect with data.
type BulkContactInformationResponse struct {
	ResponseContext ResponseContext              `json:"response_context"`
	TotalResults    int                          `json:"total_results"`
	Data            []ProspectContactInformation `json:"data"`
}

// BulkEnrichContactInformation enriches 1–50 prospects in one call. Explorium has
// been seen answering 422 transiently here; callers may retry a 422 a bounded number
// of times.
//
// Explorium API: POST /v1/prospects/contacts_information/bulk_enrich
func (c *Client) BulkEnrichContactInformation(ctx context.Context, prospectIDs []string, contactTypes ...string) (BulkContactInformationResponse, error) {
	body := map[string]any{"prospect_ids": prospectIDs}
	if p := contactParams(contactTypes); p != nil {
		body["parameters"] = p
	}
	var out BulkContactInformationResponse
	err := c.do(ctx, http.MethodPost, "v1/prospects/contacts_information/bulk_enrich", body, &out)
	return out, err
}
