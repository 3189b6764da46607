package lemlist

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Campaign is a lemlist campaign. JSON tags are lemlist's.
type Campaign struct {
	ID        string   `json:"_id"`
	Name      string   `json:"name"`
	Labels    []string `json:"labels,omitempty"`
	CreatedAt string   `json:"createdAt,omitempty"`
	CreatedBy string   `json:"createdBy,omitempty"`
	Status    string   `json:"status,omitempty"` // running, paused, draft, ended, archived, errors
	HasError  bool     `json:"hasError,omitempty"`
	Errors    []string `json:"errors,omitempty"`
}

// campaignsPage is the largest page lemlist serves.
const campaignsPage = 100

// ListCampaigns returns every campaign of the team, following offset paging. It
// accepts both answer shapes lemlist uses: a bare array and {campaigns, pagination}.
//
// lemlist API: GET /campaigns?version=v2&limit=&offset=
func (c *Client) ListCampaigns(ctx context.Context) ([]Campaign, error) {
	var all []Campaign
	for offset := 0; ; offset += campaignsPage {
		q := url.Values{"version": {"v2"}, "limit": {strconv.Itoa(campaignsPage)}, "offset": {strconv.Itoa(offset)}}
		var page []Campaign
		err := c.do(ctx, http.MethodGet, "campaigns?"+q.Encode(), nil, func(d *json.Decoder) error {
			var err error
			page, err = decodeCampaigns(d)
			return err
		})
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) < campaignsPage {
			return all, nil
		}
	}
}

func decodeCampaigns(d *json.Decoder) ([]Campaign, error) {
	var raw json.RawMessage
	if err := d.Decode(&raw); err != nil {
		return nil, err
	}
	var list []Campaign
	if json.Unmarshal(raw, &list) == nil {
		return list, nil
	}
	var wrapped struct {
		Campaigns []Campaign `json:"campaigns"`
	}
	if err := json.Unmarshal(raw, &wrapped); err != nil {
		return nil, fmt.Errorf("campaigns: neither an array nor {campaigns}: %w", err)
	}
	return wrapped.Campaigns, nil
}

// GetCampaign returns one campaign; an unknown ID gives an *Error with StatusCode 404.
//
// lemlist API: GET /campaigns/{campaignId}
func (c *Client) GetCampaign(ctx context.Context, campaignID string) (Campaign, error) {
	var out Campaign
	err := c.do(ctx, http.MethodGet, "campaigns/"+url.PathEscape(campaignID), nil, func(d *json.Decoder) error {
		return d.Decode(&out)
	})
	return out, err
}
