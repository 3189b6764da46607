package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/salesautomation/api/internal/clients/lemlist"
	"github.com/salesautomation/api/internal/queue"
	"github.com/salesautomation/api/internal/resilience"
)

// LeadsAPI is the part of lemlist.Client the campaign routes and the lead
// queue use.
type LeadsAPI interface {
	ListCampaigns(ctx context.Context) ([]lemlist.Campaign, error)
	AddLead(ctx context.Context, campaignID string, lead lemlist.Lead) (lemlist.Lead, error)
}

// LeadQueue stores lead additions durably until Lemlist takes them.
type LeadQueue interface {
	Enqueue(ctx context.Context, payload []byte) (queue.Job, error)
	Get(ctx context.Context, id string) (queue.Job, bool, error)
	// Requeue puts a failed job back in the queue (queue.ErrJobNotFound,
	// queue.ErrNotFailed with the job as it is).
	Requeue(ctx context.Context, id string) (queue.Job, error)
}

// campaigns holds what the campaign routes share.
type campaigns struct {
	api   LeadsAPI
	cb    *resilience.Breaker
	queue LeadQueue // nil without a durable queue: an unavailable Lemlist is then a 503
	now   func() time.Time
}

// handleCampaignList handles GET /api/campaigns.
func (h *campaigns) handleCampaignList() gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := callUpstream(c.Request.Context(), h.cb, h.api.ListCampaigns)
		if err != nil {
			writeProblem(c, err)
			return
		}
		if list == nil {
			list = []lemlist.Campaign{}
		}
		c.JSON(http.StatusOK, gin.H{"campaigns": list})
	}
}

// handleLeadAdd handles POST /api/campaigns/:campaignId/leads: 201 when
// Lemlist took the lead; when Lemlist cannot take it now (open circuit,
// timeout, 5xx, 429, transport error) the lead is written to the durable
// queue first and then answered 202 with the job to poll. Nothing accepted
// is lost: if the queue cannot store it either, the answer is 503.
func (h *campaigns) handleLeadAdd() gin.HandlerFunc {
	return func(c *gin.Context) {
		campaignID := c.Param("campaignId")
		if !validToken(campaignID) {
			writeProblem(c, invalid("campaignId", "letters, digits, _ and - only (e.g. cam_A1b2C3)"))
			return
		}
		lead, err := decodeLead(c)
		if err != nil {
			writeProblem(c, err)
			return
		}
		ctx := c.Request.Context()
		out, err := callUpstream(ctx, h.cb, func(ctx context.Context) (lemlist.Lead, error) {
			return addLead(ctx, h.api, campaignID, lead)
		})
		switch {
		case err == nil:
			c.JSON(http.StatusCreated, out)
		case mayPass(err) && h.queue != nil:
			h.enqueue(c, leadJob{CampaignID: campaignID, Lead: lead})
		default:
			writeProblem(c, err)
		}
	}
}

func (h *campaigns) enqueue(c *gin.Context, j leadJob) {
	payload, err := json.Marshal(j)
	if err != nil {
		writeProblem(c, err)
		return
	}
	// Not the client's cancellation (a lead half-queued is worse than one
	// queued), but bounded: a hung Redis must not hold the request.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), enqueueTimeout)
	defer cancel()
	job, err := h.queue.Enqueue(ctx, payload)
	if err != nil {
		writeProblem(c, errors.Join(queueUnavailable(
			"lemlist is unavailable and the lead could not be queued either; it was not accepted, retry later"), err))
		return
	}
	h.cb.RecordFallback()
	c.Header("Location", "/api/jobs/"+job.ID)
	c.JSON(http.StatusAccepted, gin.H{"queued": true, "jobId": job.ID, "_fallback": true,
		"_source": "queue", "_timestamp": h.now().UnixMilli()})
}

// enqueueTimeout bounds writing a lead to the durable queue.
const enqueueTimeout = 2 * time.Second

// handleJobGet handles GET /api/jobs/:jobId.
func (h *campaigns) handleJobGet() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := jobIDParam(c)
		if !ok {
			return
		}
		if h.queue == nil {
			writeProblem(c, newProblem(http.StatusNotFound, "job_not_found", "no job "+id+": leads are not queued without REDIS_URL"))
			return
		}
		job, ok, err := h.queue.Get(c.Request.Context(), id)
		if err != nil {
			writeProblem(c, errors.Join(queueUnavailable("the job store cannot be read now; retry later"), err))
			return
		}
		if !ok {
			writeProblem(c, newProblem(http.StatusNotFound, "job_not_found", "no job "+id+" (finished jobs are kept for JOB_RETENTION)"))
			return
		}
		c.JSON(http.StatusOK, job)
	}
}

// handleJobRetry handles POST /api/jobs/:jobId/retry (admin, behind
// requireAdmin): a failed job is queued again. Audited at warn with the job id
// and outcome, like the circuit actions; the payload (personal data) never.
func (h *campaigns) handleJobRetry() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := jobIDParam(c)
		if !ok {
			return
		}
		log := logFor(c)
		audit := func(outcome string) {
			log.Warn().Str("action", "retry job").Str("job_id", id).Str("outcome", outcome).Msg("admin action")
		}
		if h.queue == nil {
			audit("no queue")
			writeProblem(c, newProblem(http.StatusNotFound, "job_not_found", "no job "+id+": leads are not queued without REDIS_URL"))
			return
		}
		job, err := h.queue.Requeue(c.Request.Context(), id)
		switch {
		case err == nil:
			audit("requeued")
			c.JSON(http.StatusOK, job)
		case errors.Is(err, queue.ErrJobNotFound):
			audit("unknown job")
			writeProblem(c, newProblem(http.StatusNotFound, "job_not_found", "no job "+id+" (finished jobs are kept for JOB_RETENTION)"))
		case errors.Is(err, queue.ErrNotFailed):
			audit("not failed: " + string(job.State))
			writeProblem(c, newProblem(http.StatusConflict, "job_not_failed",
				"job "+id+" is "+string(job.State)+"; only a failed job can be retried"))
		default:
			audit("store error")
			writeProblem(c, errors.Join(queueUnavailable("the job store cannot be updated now; retry later"), err))
		}
	}
}

// queueUnavailable is the durable queue (Redis) failing: the operator's
// problem, logged at error, with its own code so on-call sees Redis, not Lemlist.
func queueUnavailable(detail string) *Error {
	p := newProblem(http.StatusServiceUnavailable, "queue_unavailable", detail)
	p.P.RetryAfter = 1
	return p
}

// mayPass reports failures that a later attempt may get past, the ones worth
// queueing: open circuit, capacity, timeout, 5xx, 429, transport errors.
func mayPass(err error) bool {
	p := problemFor(err)
	return p.Status >= 500 && p.Status != http.StatusBadGateway || p.Status == http.StatusTooManyRequests
}

// jobIDParam reads :jobId, answering 400 itself when it cannot be a job ID.
func jobIDParam(c *gin.Context) (string, bool) {
	id := c.Param("jobId")
	if !validToken(id) {
		writeProblem(c, invalid("jobId", "not a job ID"))
		return "", false
	}
	return id, true
}

// validToken accepts 1–64 letters, digits, _ and -: Lemlist IDs, job IDs and
// custom variable names, none of which needs escaping anywhere.
func validToken(id string) bool { return isToken(id, 64) }
