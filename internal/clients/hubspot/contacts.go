package hubspot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Contact is HubSpot's contact object (SimplePublicObject[WithAssociations]). The
// JSON tags are HubSpot's, so a Contact can be passed on unchanged. Every property
// value is a string; a requested property without a value is nil (JSON null).
type Contact struct {
	ID                    string                       `json:"id"`
	Properties            map[string]*string           `json:"properties"`
	PropertiesWithHistory map[string][]PropertyVersion `json:"propertiesWithHistory,omitempty"`
	CreatedAt             time.Time                    `json:"createdAt"`
	UpdatedAt             time.Time                    `json:"updatedAt"`
	Archived              bool                         `json:"archived"`
	ArchivedAt            *time.Time                   `json:"archivedAt,omitempty"`
	Associations          map[string]AssociationList   `json:"associations,omitempty"`
	URL                   string                       `json:"url,omitempty"`
}

// Property returns the value of property name and whether it is set (present and
// not null).
func (c Contact) Property(name string) (string, bool) {
	if v, ok := c.Properties[name]; ok && v != nil {
		return *v, true
	}
	return "", false
}

// PropertyVersion is one entry of a property's history.
type PropertyVersion struct {
	Value           string    `json:"value"`
	Timestamp       time.Time `json:"timestamp"`
	SourceType      string    `json:"sourceType"`
	SourceID        string    `json:"sourceId,omitempty"`
	SourceLabel     string    `json:"sourceLabel,omitempty"`
	UpdatedByUserID int64     `json:"updatedByUserId,omitempty"`
}

// AssociationList is the contact's associations with one object type.
type AssociationList struct {
	Results []AssociatedID `json:"results"`
	Paging  *Paging        `json:"paging,omitempty"`
}

// AssociatedID names one associated object.
type AssociatedID struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// ContactInput is the body of a create or update. For an update, "" clears a value.
type ContactInput struct {
	Properties   map[string]string  `json:"properties"`
	Associations []AssociationInput `json:"associations,omitempty"`
}

// AssociationInput associates a new contact with another object on create.
type AssociationInput struct {
	To    AssociationTarget `json:"to"`
	Types []AssociationType `json:"types"`
}

// AssociationTarget is the object an AssociationInput points to.
type AssociationTarget struct {
	ID string `json:"id"`
}

// AssociationType is one label of an association; Category is HUBSPOT_DEFINED,
// USER_DEFINED, INTEGRATOR_DEFINED or WORK.
type AssociationType struct {
	Category string `json:"associationCategory"`
	TypeID   int    `json:"associationTypeId"`
}

// Paging carries the cursor of the next page; Next is nil on the last page.
type Paging struct {
	Next *NextPage `json:"next,omitempty"`
}

// NextPage is the cursor to pass as After for the next page.
type NextPage struct {
	After string `json:"after"`
	Link  string `json:"link,omitempty"`
}

// GetContact returns the contact with the given ID and the named properties (nil:
// HubSpot's defaults: createdate, email, firstname, hs_object_id, lastmodifieddate,
// lastname). Requested properties without a value come back as nil. An unknown ID
// gives an *Error with StatusCode 404.
//
// HubSpot API: GET /crm/v3/objects/contacts/{contactId}
func (c *Client) GetContact(ctx context.Context, id string, properties []string) (Contact, error) {
	return c.getContact(ctx, id, "", properties)
}

// GetContactByEmail is GetContact keyed by e-mail address (idProperty=email).
//
// HubSpot API: GET /crm/v3/objects/contacts/{email}?idProperty=email
func (c *Client) GetContactByEmail(ctx context.Context, email string, properties []string) (Contact, error) {
	return c.getContact(ctx, email, "email", properties)
}

// GetContactJSON is GetContact returning HubSpot's JSON object as it came,
// for a caller that passes the contact on unchanged: it skips decoding into a
// Contact and encoding it again, the largest cost of a cache miss in the
// service. Errors are those of GetContact.
//
// HubSpot API: GET /crm/v3/objects/contacts/{contactId}
func (c *Client) GetContactJSON(ctx context.Context, id string, properties []string) (json.RawMessage, error) {
	var out json.RawMessage
	err := c.do(ctx, http.MethodGet, contactPath(id, "", properties), nil, &out)
	if err == nil && (len(out) == 0 || out[0] != '{') {
		return nil, fmt.Errorf("hubspot: GET contact %s: answer is not a JSON object", id)
	}
	return out, err
}

func (c *Client) getContact(ctx context.Context, id, idProperty string, properties []string) (Contact, error) {
	var out Contact
	err := c.do(ctx, http.MethodGet, contactPath(id, idProperty, properties), nil, &out)
	return out, err
}

// contactPath is the relative path of one contact, with its query.
func contactPath(id, idProperty string, properties []string) string {
	q := url.Values{}
	for _, p := range properties {
		q.Add("properties", p) // repeated, as the official SDK sends them
	}
	if idProperty != "" {
		q.Set("idProperty", idProperty)
	}
	path := "crm/v3/objects/contacts/" + url.PathEscape(id)
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return path
}

// SearchRequest is HubSpot's PublicObjectSearchRequest. Filters within a group are
// AND-ed, groups are OR-ed. Limit is at most 200.
type SearchRequest struct {
	FilterGroups []FilterGroup `json:"filterGroups,omitempty"`
	Sorts        []Sort        `json:"sorts,omitempty"`
	Query        string        `json:"query,omitempty"`
	Properties   []string      `json:"properties,omitempty"`
	Limit        int           `json:"limit,omitempty"`
	After        string        `json:"after,omitempty"`
}

// FilterGroup is a set of filters that must all hold.
type FilterGroup struct {
	Filters []Filter `json:"filters"`
}

// Filter compares one property. Operator is one of EQ NEQ LT LTE GT GTE BETWEEN
// (Value..HighValue) IN NOT_IN (Values) HAS_PROPERTY NOT_HAS_PROPERTY CONTAINS_TOKEN
// NOT_CONTAINS_TOKEN.
type Filter struct {
	PropertyName string   `json:"propertyName"`
	Operator     string   `json:"operator"`
	Value        string   `json:"value,omitempty"`
	HighValue    string   `json:"highValue,omitempty"`
	Values       []string `json:"values,omitempty"`
}

// Sort orders results by a property; Direction is ASCENDING or DESCENDING.
type Sort struct {
	PropertyName string `json:"propertyName"`
	Direction    string `json:"direction,omitempty"`
}

// SearchResponse is one page of search results; Paging is nil on the last page.
type SearchResponse struct {
	Total   int       `json:"total"`
	Results []Contact `json:"results"`
	Paging  *Paging   `json:"paging,omitempty"`
}

// SearchContacts runs a search. Invalid requests (too many filters, limit above
// 200, paging past 10,000 results) give an *Error with StatusCode 400.
//
// HubSpot API: POST /crm/v3/objects/contacts/search
func (c *Client) SearchContacts(ctx context.Context, req SearchRequest) (SearchResponse, error) {
	var out SearchResponse
	err := c.do(ctx, http.MethodPost, "crm/v3/objects/contacts/search", req, &out)
	return out, err
}

// CreateContact creates a contact. When the e-mail address is taken it returns an
// *Error with StatusCode 409 and ExistingID set, which callers may treat as "already
// created". Not safe to retry blindly (a retry after a timeout gets that 409).
//
// HubSpot API: POST /crm/v3/objects/contacts (201)
func (c *Client) CreateContact(ctx context.Context, in ContactInput) (Contact, error) {
	var out Contact
	err := c.do(ctx, http.MethodPost, "crm/v3/objects/contacts", in, &out)
	return out, err
}

// UpdateContact sets the given properties ("" clears one) and returns the contact.
// Unknown or read-only properties give an *Error with StatusCode 400.
//
// HubSpot API: PATCH /crm/v3/objects/contacts/{contactId}
func (c *Client) UpdateContact(ctx context.Context, id string, in ContactInput) (Contact, error) {
	var out Contact
	err := c.do(ctx, http.MethodPatch, "crm/v3/objects/contacts/"+url.PathEscape(id), in, &out)
	return out, err
}

// ArchiveContact archives (soft-deletes) a contact; HubSpot answers 204 even when
// it is already archived.
//
// HubSpot API: DELETE /crm/v3/objects/contacts/{contactId} (204)
func (c *Client) ArchiveContact(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "crm/v3/objects/contacts/"+url.PathEscape(id), nil, nil)
}
