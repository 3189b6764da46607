package explorium

import (
	"context"
	"encoding/json"
	"net/http"
)

// ResponseContext accompanies every successful Explorium answer.
type ResponseContext struct {
	CorrelationID     string  `json:"correlation_id"`
	RequestStatus     string  `json:"request_status"` // success, miss or failure
	TimeTookInSeconds float64 `json:"time_took_in_seconds"`
}

// BusinessMatchInput identifies one company to match; give at least one field,
// ideally Domain.
type BusinessMatchInput struct {
	Name        string `json:"name,omitempty"`
	Domain      string `json:"domain,omitempty"`
	URL         string `json:"url,omitempty"`
	LinkedinURL string `json:"linkedin_url,omitempty"`
}

// BusinessMatch is the result for one input; BusinessID is "" when nothing matched.
type BusinessMatch struct {
	Input      BusinessMatchInput `json:"input"`
	BusinessID string             `json:"business_id"`
	Error      string             `json:"error,omitempty"`
	ErrorType  string             `json:"error_type,omitempty"`
}

// BusinessMatchResponse lists one result per input, in input order.
type BusinessMatchResponse struct {
	ResponseContext   ResponseContext `json:"response_context"`
	TotalResults      int             `json:"total_results"`
	TotalMatches      int             `json:"total_matches"`
	MatchedBusinesses []BusinessMatch `json:"matched_businesses"`
}

// MatchBusinesses resolves 1–50 companies to Explorium business IDs. Unmatched
// inputs come back with an empty BusinessID, not as an error.
//
// Explorium API: POST /v1/businesses/match
func (c *Client) MatchBusinesses(ctx context.Context, inputs []BusinessMatchInput) (BusinessMatchResponse, error) {
	var out BusinessMatchResponse
	err := c.do(ctx, http.MethodPost, "v1/businesses/match",
		map[string]any{"businesses_to_match": inputs}, &out)
	return out, err
}

// Firmographics is Explorium's firmographics record. Places are lower case; ranges
// are Explorium's enum strings (e.g. "11-50", "1M-5M").
type Firmographics struct {
	BusinessID               string          `json:"business_id"`
	Name                     string          `json:"name,omitempty"`
	BusinessDescription      string          `json:"business_description,omitempty"`
	Website                  string          `json:"website,omitempty"`
	CountryName              string          `json:"country_name,omitempty"`
	RegionName               string          `json:"region_name,omitempty"`
	CityName                 string          `json:"city_name,omitempty"`
	Street                   string          `json:"street,omitempty"`
	ZipCode                  string          `json:"zip_code,omitempty"`
	NAICS                    string          `json:"naics,omitempty"`
	NAICSDescription         string          `json:"naics_description,omitempty"`
	SICCode                  string          `json:"sic_code,omitempty"`
	SICCodeDescription       string          `json:"sic_code_description,omitempty"`
	Ticker                   string          `json:"ticker,omitempty"`
	NumberOfEmployeesRange   string          `json:"number_of_employees_range,omitempty"`
	YearlyRevenueRange       string          `json:"yearly_revenue_range,omitempty"`
	LinkedinIndustryCategory string          `json:"linkedin_industry_category,omitempty"`
	LinkedinProfile          string          `json:"linkedin_profile,omitempty"`
	BusinessLogo             string          `json:"business_logo,omitempty"`
	LocationsDistribution    json.RawMessage `json:"locations_distribution,omitempty"`
}

// FirmographicsResponse is a single firmographics enrichment.
type FirmographicsResponse struct {
	ResponseContext ResponseContext `json:"response_context"`
	Data            Firmographics   `json:"data"`
}

// UnmarshalJSON accepts data as an object or as a one-element array (the spec allows both).
func (r *FirmographicsResponse) UnmarshalJSON(b []byte) error {
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

// decodeObjectOrFirst decodes an object, or the first element of an array, into v.
func decodeObjectOrFirst(raw json.RawMessage, v any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil || len(list) == 0 {
			return err
		}
		raw = list[0]
	}
	return json.Unmarshal(raw, v)
}

// EnrichFirmographics returns the firmographics of one business. A malformed ID
// gives an *Error with StatusCode 422; no credits left gives 403.
//
// Explorium API: POST /v1/businesses/firmographics/enrich
func (c *Client) EnrichFirmographics(ctx context.Context, businessID string) (FirmographicsResponse, error) {
	var out FirmographicsResponse
	err := c.do(ctx, http.MethodPost, "v1/businesses/firmographics/enrich",
		map[string]any{"business_id": businessID}, &out)
	return out, err
}

// BusinessFirmographics is one entry of a bulk firmographics answer.
type BusinessFirmographics struct {
	BusinessID string        `json:"business_id"`
	Data       Firmographics `json:"data"`
}

// BulkFirmographicsResponse holds one entry per business Explorium had data for.
type BulkFirmographicsResponse struct {
	ResponseContext ResponseContext         `json:"response_context"`
	TotalResults    int                     `json:"total_results"`
	Data            []BusinessFirmographics `json:"data"`
}

// BulkEnrichFirmographics enriches 1–50 businesses in one call.
//
// Explorium API: POST /v1/businesses/firmographics/bulk_enrich
func (c *Client) BulkEnrichFirmographics(ctx context.Context, businessIDs []string) (BulkFirmographicsResponse, error) {
	var out BulkFirmographicsResponse
	err := c.do(ctx, http.MethodPost, "v1/businesses/firmographics/bulk_enrich",
		map[string]any{"business_ids": businessIDs}, &out)
	return out, err
}
