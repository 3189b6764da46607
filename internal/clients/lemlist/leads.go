package lemlist

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// Lead is a lemlist lead: what AddLead sends and what lemlist answers. Fields from
// ID down are set by lemlist. Variables holds custom variables, sent and received
// as extra top-level string fields.
type Lead struct {
	Email         string `json:"email,omitempty"`
	FirstName     string `json:"firstName,omitempty"`
	LastName      string `json:"lastName,omitempty"`
	CompanyName   string `json:"companyName,omitempty"`
	CompanyDomain string `json:"companyDomain,omitempty"`
	JobTitle      string `json:"jobTitle,omitempty"`
	LinkedinURL   string `json:"linkedinUrl,omitempty"`
	Phone         string `json:"phone,omitempty"`
	Icebreaker    string `json:"icebreaker,omitempty"`
	Picture       string `json:"picture,omitempty"`
	Timezone      string `json:"timezone,omitempty"`
	ContactOwner  string `json:"contactOwner,omitempty"`

	ID           string `json:"_id,omitempty"`
	ContactID    string `json:"contactId,omitempty"`
	CampaignID   string `json:"campaignId,omitempty"`
	CampaignName string `json:"campaignName,omitempty"`
	IsPaused     bool   `json:"isPaused"`
	State        string `json:"state,omitempty"`
	Status       string `json:"status,omitempty"`
	EmailStatus  string `json:"emailStatus,omitempty"`

	Variables map[string]string `json:"-"`
}

// leadFields is Lead without its methods, so encoding it does not recurse.
type leadFields Lead

// MarshalJSON flattens Variables into the object, as lemlist expects.
func (l Lead) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(leadFields(l))
	if err != nil || len(l.Variables) == 0 {
		return b, err
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range l.Variables {
		if _, known := m[k]; !known {
			m[k] = v
		}
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads known fields and keeps other string fields in Variables.
func (l *Lead) UnmarshalJSON(b []byte) error {
	var f leadFields
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	known, _ := json.Marshal(leadFields{})
	var knownKeys map[string]json.RawMessage
	_ = json.Unmarshal(known, &knownKeys)
	for _, k := range []string{"email", "firstName", "lastName", "companyName", "companyDomain", "jobTitle",
		"linkedinUrl", "phone", "icebreaker", "picture", "timezone", "contactOwner", "_id", "contactId",
		"campaignId", "campaignName", "state", "status", "emailStatus", "leadUrl"} {
		knownKeys[k] = nil
	}
	for k, raw := range all {
		var s string
		if _, ok := knownKeys[k]; ok || json.Unmarshal(raw, &s) != nil {
			continue
		}
		if f.Variables == nil {
			f.Variables = map[string]string{}
		}
		f.Variables[k] = s
	}
	*l = Lead(f)
	return nil
}

// AddLead adds lead to a campaign and returns it as lemlist stored it. Not
// idempotent: when the lead is already in the campaign the error matches
// ErrAlreadyInCampaign (errors.Is), which after a retry means success; call
// GetLeadInCampaign to recover its ID. An unknown campaign gives a 404 *Error.
//
// lemlist API: POST /campaigns/{campaignId}/leads/
func (c *Client) AddLead(ctx context.Context, campaignID string, lead Lead) (Lead, error) {
	var out Lead
	path := "campaigns/" + url.PathEscape(campaignID) + "/leads/"
	err := c.do(ctx, http.MethodPost, path, lead, func(d *json.Decoder) error { return d.Decode(&out) })
	return out, err
}

// GetLeadByEmail returns the lead with that e-mail address in its most recent
// campaign. An unknown address gives an *Error with StatusCode 404.
//
// lemlist API: GET /leads/{email}?version=v2
func (c *Client) GetLeadByEmail(ctx context.Context, email string) (Lead, error) {
	return c.getLead(ctx, email, "")
}

// GetLeadInCampaign is GetLeadByEmail limited to one campaign.
//
// lemlist API: GET /leads/{email}?version=v2&campaignId=
func (c *Client) GetLeadInCampaign(ctx context.Context, campaignID, email string) (Lead, error) {
	return c.getLead(ctx, email, campaignID)
}

// leadEntry is one element of the v2 lead lookup answer.
type leadEntry struct {
	ID          string            `json:"_id"`
	ContactID   string            `json:"contactId"`
	IsPaused    bool              `json:"isPaused"`
	State       string            `json:"state"`
	Status      string            `json:"status"`
	Variables   map[string]any    `json:"variables"`
	Enrichment  map[string]string `json:"enrichment"`
	Campaign    struct{ ID, Name string }
	CampaignID  string `json:"campaignId"` // legacy flat shape
	EmailStatus string `json:"emailStatus"`
}

func (c *Client) getLead(ctx context.Context, email, campaignID string) (Lead, error) {
	q := url.Values{"version": {"v2"}}
	if campaignID != "" {
		q.Set("campaignId", campaignID)
	}
	var entries []json.RawMessage
	err := c.do(ctx, http.MethodGet, "leads/"+url.PathEscape(email)+"?"+q.Encode(), nil, func(d *json.Decoder) error {
		var raw json.RawMessage
		if err := d.Decode(&raw); err != nil {
			return err
		}
		if json.Unmarshal(raw, &entries) != nil { // legacy: one flat object
			entries = []json.RawMessage{raw}
		}
		return nil
	})
	if err != nil {
		return Lead{}, err
	}
	if len(entries) == 0 {
		return Lead{}, &Error{StatusCode: http.StatusNotFound, Message: "Lead not found"}
	}
	return leadFromEntry(entries[len(entries)-1])
}

func leadFromEntry(raw json.RawMessage) (Lead, error) {
	var e leadEntry
	if err := json.Unmarshal(raw, &e); err != nil {
		return Lead{}, fmt.Errorf("lemlist: decode lead: %w", err)
	}
	var l Lead
	if e.Variables != nil { // v2: fields live in variables
		vars, _ := json.Marshal(e.Variables)
		if err := json.Unmarshal(vars, &l); err != nil {
			return Lead{}, fmt.Errorf("lemlist: decode lead variables: %w", err)
		}
	} else if err := json.Unmarshal(raw, &l); err != nil {
		return Lead{}, fmt.Errorf("lemlist: decode lead: %w", err)
	}
	l.ID, l.ContactID, l.IsPaused, l.State, l.Status = e.ID, e.ContactID, e.IsPaused, e.State, e.Status
	l.CampaignID, l.CampaignName = e.Campaign.ID, e.Campaign.Name
	if l.CampaignID == "" {
		l.CampaignID = e.CampaignID
	}
	l.EmailStatus = e.EmailStatus
	if s := e.Enrichment["emailStatus"]; s != "" {
		l.EmailStatus = s
	}
	return l, nil
}
