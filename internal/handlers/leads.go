package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/salesautomation/api/internal/clients/lemlist"
	"github.com/salesautomation/api/internal/queue"
	"github.com/salesautomation/api/internal/resilience"
)

// leadJob is the payload of a queued lead addition.
type leadJob struct {
	CampaignID string       `json:"campaignId"`
	Lead       lemlist.Lead `json:"lead"`
}

// knownLeadFields are the Lemlist lead fields the body may set; any other
// string field becomes a custom variable of the lead.
var knownLeadFields = map[string]func(*lemlist.Lead, string){
	"email":         func(l *lemlist.Lead, v string) { l.Email = v },
	"firstName":     func(l *lemlist.Lead, v string) { l.FirstName = v },
	"lastName":      func(l *lemlist.Lead, v string) { l.LastName = v },
	"companyName":   func(l *lemlist.Lead, v string) { l.CompanyName = v },
	"companyDomain": func(l *lemlist.Lead, v string) { l.CompanyDomain = v },
	"jobTitle":      func(l *lemlist.Lead, v string) { l.JobTitle = v },
	"linkedinUrl":   func(l *lemlist.Lead, v string) { l.LinkedinURL = v },
	"phone":         func(l *lemlist.Lead, v string) { l.Phone = v },
	"icebreaker":    func(l *lemlist.Lead, v string) { l.Icebreaker = v },
	"picture":       func(l *lemlist.Lead, v string) { l.Picture = v },
	"timezone":      func(l *lemlist.Lead, v string) { l.Timezone = v },
}

const maxLeadFields = 100

// decodeLead reads the lead body: string fields only, email required.
func decodeLead(c *gin.Context) (lemlist.Lead, error) {
	raw, err := decode[map[string]json.RawMessage](c, false)
	if err != nil {
		return lemlist.Lead{}, err
	}
	if len(raw) > maxLeadFields {
		return lemlist.Lead{}, invalid("body", "at most 100 fields")
	}
	var lead lemlist.Lead
	for k, v := range raw {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return lemlist.Lead{}, invalid(k, "must be a string")
		}
		if len(s) > 4096 {
			return lemlist.Lead{}, invalid(k, "at most 4096 characters")
		}
		if set, ok := knownLeadFields[k]; ok {
			set(&lead, s)
			continue
		}
		if !validToken(k) || strings.HasPrefix(k, "_") {
			return lemlist.Lead{}, invalid(k, "custom variable names: letters, digits, _ and - (not starting with _)")
		}
		if lead.Variables == nil {
			lead.Variables = map[string]string{}
		}
		lead.Variables[k] = s
	}
	lead.Email = strings.TrimSpace(lead.Email)
	if lead.Email == "" {
		return lemlist.Lead{}, invalid("email", "is required")
	}
	if !validEmail(lead.Email) {
		return lemlist.Lead{}, invalid("email", "not an e-mail address")
	}
	return lead, nil
}

// conflictError makes Lemlist's "already in another campaign" (which Lemlist
// sends as a 500) a 409: the caller's data conflicts, the upstream is fine,
// and the breaker must not count it as a failure.
type conflictError struct{ err error }

func (e *conflictError) Error() string   { return e.err.Error() }
func (e *conflictError) Unwrap() error   { return e.err }
func (e *conflictError) HTTPStatus() int { return http.StatusConflict }

func addLead(ctx context.Context, api LeadsAPI, campaignID string, lead lemlist.Lead) (lemlist.Lead, error) {
	out, err := api.AddLead(ctx, campaignID, lead)
	if errors.Is(err, lemlist.ErrAlreadyInOtherCampaign) {
		return out, &conflictError{err}
	}
	return out, err
}

// LeadDelivery is what the lead queue's worker needs to deliver queued leads
// through Lemlist's breaker and retrying transport.
type LeadDelivery struct {
	API    LeadsAPI
	CB     *resilience.Breaker
	Logger zerolog.Logger // where a failed attempt's full cause goes (the job keeps a client-safe summary)
}

// Deliver adds one queued lead to its campaign.
func (d LeadDelivery) Deliver(ctx context.Context, payload []byte) error {
	var j leadJob
	if err := json.Unmarshal(payload, &j); err != nil {
		return &permanentError{err}
	}
	// "Lead already in the campaign" makes a repeat harmless, so a queued
	// delivery may be retried by the transport even after it reached Lemlist.
	ctx = resilience.WithRetryableWrite(ctx)
	_, err := callUpstream(ctx, d.CB, func(ctx context.Context) (lemlist.Lead, error) {
		return addLead(ctx, d.API, j.CampaignID, j.Lead)
	})
	if err != nil {
		d.Logger.Info().Err(err).Str("campaign_id", j.CampaignID).Msg("queued lead: delivery attempt failed")
		return &deliveryError{err}
	}
	return nil
}

// deliveryError is what the job record keeps as lastError, which
// GET /api/jobs/:id shows to clients: the problem's detail ("lemlist is
// failing"), not the raw transport error with internal addresses in it. The
// cause stays reachable for Classify and is logged by the worker.
type deliveryError struct{ err error }

func (e *deliveryError) Error() string { return problemFor(e.err).Detail }
func (e *deliveryError) Unwrap() error { return e.err }

// Classify tells the worker what a delivery error means: the lead is in the
// campaign (delivered), will never be accepted (failed), or may pass later.
func (d LeadDelivery) Classify(err error) queue.Outcome {
	var perm *permanentError
	switch {
	case err == nil, errors.Is(err, lemlist.ErrAlreadyInCampaign):
		return queue.Delivered
	case errors.As(err, &perm):
		return queue.Fail
	case mayPass(err), problemFor(err).Status == http.StatusBadGateway:
		// 502: Lemlist refused our credentials. That passes when an operator
		// fixes the key; failing every accepted lead at once would lose them.
		return queue.Retry
	}
	return queue.Fail
}

// Gate holds deliveries while the circuit is open, so the worker waits
// instead of spending attempts on rejections.
func (d LeadDelivery) Gate() time.Duration {
	if d.CB.State() == resilience.StateOpen {
		return max(d.CB.RetryAfter(), time.Second)
	}
	return 0
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return "queued lead is malformed: " + e.err.Error() }
