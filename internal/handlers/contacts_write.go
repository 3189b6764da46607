package handlers

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/salesautomation/api/internal/cache"
	"github.com/salesautomation/api/internal/clients/hubspot"
)

// contactBody is the body of POST /api/contacts and PATCH /api/contacts/:id.
type contactBody struct {
	Properties   map[string]string          `json:"properties"`
	Associations []hubspot.AssociationInput `json:"associations,omitempty"`
}

func (b contactBody) validate(create bool) error {
	if len(b.Properties) == 0 {
		return invalid("properties", "at least one property is required")
	}
	if len(b.Properties) > 1000 {
		return invalid("properties", "at most 1000 properties")
	}
	for k, v := range b.Properties {
		if !validPropertyName(k) {
			return invalid("properties", quoteShort(k)+" is not a property name (letters, digits, _ and -)")
		}
		if len(v) > 65536 {
			return invalid("properties."+k, "at most 65536 characters")
		}
	}
	if email, ok := b.Properties["email"]; ok && (create || email != "") && !validEmail(email) {
		return invalid("properties.email", "not an e-mail address")
	}
	if !create && len(b.Associations) > 0 {
		return invalid("associations", "cannot be changed with PATCH")
	}
	return validateAssociations(b.Associations)
}

// validateAssociations checks what HubSpot would otherwise be sent blind:
// object IDs are digits, categories are HubSpot's three.
func validateAssociations(as []hubspot.AssociationInput) error {
	if len(as) > 100 {
		return invalid("associations", "at most 100 associations")
	}
	for i, a := range as {
		at := "associations[" + itoa(i) + "]."
		if !isDigits(a.To.ID) {
			return invalid(at+"to.id", "must be a HubSpot object ID (digits only)")
		}
		if len(a.Types) == 0 || len(a.Types) > 10 {
			return invalid(at+"types", "1 to 10 association types")
		}
		for j, t := range a.Types {
			switch t.Category {
			case "HUBSPOT_DEFINED", "USER_DEFINED", "INTEGRATOR_DEFINED":
			default:
				return invalid(at+"types["+itoa(j)+"].associationCategory", "must be HUBSPOT_DEFINED, USER_DEFINED or INTEGRATOR_DEFINED")
			}
			if t.TypeID <= 0 {
				return invalid(at+"types["+itoa(j)+"].associationTypeId", "must be a positive number")
			}
		}
	}
	return nil
}

// handleContactCreate handles POST /api/contacts. Writes are never faked:
// an open circuit is a 503 with Retry-After, and the request is not retried
// once it may have reached HubSpot. With an Idempotency-Key, a repeat of the
// same body within 24 h replays the first answer without calling HubSpot.
func (h *contacts) handleContactCreate(idem *idempotency) gin.HandlerFunc {
	return func(c *gin.Context) {
		body, err := decode[contactBody](c, false)
		if err == nil {
			err = body.validate(true)
		}
		if err != nil {
			writeProblem(c, err)
			return
		}
		create := func(ctx context.Context) (int, any, error) {
			ctx = context.WithoutCancel(ctx) // see writeContext
			out, err := callUpstream(ctx, h.cb, func(ctx context.Context) (hubspot.Contact, error) {
				return h.api.CreateContact(ctx, hubspot.ContactInput{Properties: body.Properties, Associations: body.Associations})
			})
			return http.StatusCreated, out, err
		}
		key := c.GetHeader(headerIdempotencyKey)
		if key == "" {
			status, out, err := create(c.Request.Context())
			writeResult(c, status, out, err)
			return
		}
		idem.serve(c, "contacts:create", key, body, create)
	}
}

// handleContactUpdate handles PATCH /api/contacts/:id and drops every cached
// read of the contact, whatever properties it asked for.
func (h *contacts) handleContactUpdate() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := contactIDParam(c)
		if !ok {
			return
		}
		body, err := decode[contactBody](c, false)
		if err == nil {
			err = body.validate(false)
		}
		if err != nil {
			writeProblem(c, err)
			return
		}
		ctx := writeContext(c)
		out, err := callUpstream(ctx, h.cb, func(ctx context.Context) (hubspot.Contact, error) {
			return h.api.UpdateContact(ctx, id, hubspot.ContactInput{Properties: body.Properties})
		})
		h.invalidate(ctx, id, err)
		writeResult(c, http.StatusOK, out, err)
	}
}

// handleContactArchive handles DELETE /api/contacts/:id.
func (h *contacts) handleContactArchive() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := contactIDParam(c)
		if !ok {
			return
		}
		ctx := writeContext(c)
		_, err := callUpstream(ctx, h.cb, func(ctx context.Context) (struct{}, error) {
			return struct{}{}, h.api.ArchiveContact(ctx, id)
		})
		h.invalidate(ctx, id, err)
		if err != nil {
			writeProblem(c, err)
			return
		}
		c.Status(http.StatusNoContent)
	}
}

// writeContext is the context of an upstream write: the client hanging up
// must not cut a write off half-way, leaving the caller, HubSpot and the cache
// disagreeing on whether it happened. The breaker's whole-call timeout still
// bounds it.
func writeContext(c *gin.Context) context.Context { return context.WithoutCancel(c.Request.Context()) }

// invalidate drops the contact's cached reads after a write that may have
// happened: also after a timeout or transport error, where HubSpot may have
// applied it. A cache error is logged by the cache and never fails the write.
func (h *contacts) invalidate(ctx context.Context, id string, err error) {
	if err != nil && !mayHaveApplied(err) {
		return
	}
	_ = h.cache.Invalidate(context.WithoutCancel(ctx), cache.ContactGroup(id)) // the cache counts and logs its own errors
}

// mayHaveApplied is false only for answers that prove the write did not
// happen (an upstream 4xx, an open circuit, capacity).
func mayHaveApplied(err error) bool {
	p := problemFor(err)
	return (p.Status >= 500 || p.Status == statusClientClosed) && p.Code != "circuit_open" && p.Code != "capacity_exceeded"
}

// writeResult writes out with status, or err as a problem.
func writeResult(c *gin.Context, status int, out any, err error) {
	if err != nil {
		writeProblem(c, err)
		return
	}
	c.JSON(status, out)
}
