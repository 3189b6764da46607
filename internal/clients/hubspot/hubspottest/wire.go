package hubspottest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// writeJSON answers status with v encoded as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeError answers in HubSpot's generic error format (UPSTREAMS.md A.11).
func writeError(w http.ResponseWriter, status int, category, msg string, extra map[string]any) {
	body := map[string]any{
		"status":        "error",
		"message":       msg,
		"correlationId": w.Header().Get("X-HubSpot-Correlation-Id"),
		"category":      category,
	}
	for k, v := range extra {
		body[k] = v
	}
	writeJSON(w, status, body)
}

func writeRateLimitBody(w http.ResponseWriter, policy, msg string) {
	writeJSON(w, http.StatusTooManyRequests, map[string]any{
		"status":        "error",
		"message":       msg,
		"errorType":     "RATE_LIMIT",
		"correlationId": w.Header().Get("X-HubSpot-Correlation-Id"),
		"policyName":    policy,
		"requestId":     newUUID(),
	})
}

// validationError is HubSpot's 400 for bad property values.
func validationError(w http.ResponseWriter, name, code, msg string) {
	detail, _ := json.Marshal([]map[string]any{{"isValid": false, "message": msg, "error": code, "name": name}})
	writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Property values were not valid: "+string(detail), nil)
}

// responder writes injected faults the way HubSpot and its edge do: gateway errors
// as HTML pages, the rest as HubSpot JSON.
type responder struct{}

func (responder) WriteStatus(w http.ResponseWriter, _ *http.Request, status int) {
	switch status {
	case http.StatusBadGateway, http.StatusGatewayTimeout, 521, 522, 523:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html><head><title>%d %s</title></head><body><center><h1>%d %s</h1></center><hr><center>cloudflare</center></body></html>\n",
			status, http.StatusText(status), status, http.StatusText(status))
	case http.StatusTooManyRequests:
		writeRateLimitBody(w, "TEN_SECONDLY_ROLLING", "You have reached your ten_secondly_rolling limit.")
	case http.StatusLocked:
		writeError(w, status, "LOCKED", "The resource is locked by a bulk operation; retry in 2 seconds.", nil)
	case 477:
		w.Header().Set("Retry-After", "2")
		writeError(w, status, "MIGRATION_IN_PROGRESS", "This portal is being migrated; retry later.", nil)
	default:
		category := "INTERNAL_ERROR"
		switch {
		case status == http.StatusBadRequest:
			category = "VALIDATION_ERROR"
		case status == http.StatusUnauthorized:
			category = "INVALID_AUTHENTICATION"
		case status == http.StatusForbidden:
			category = "MISSING_SCOPES"
		case status == http.StatusNotFound:
			category = "OBJECT_NOT_FOUND"
		case status == http.StatusConflict:
			category = "CONFLICT"
		case status == http.StatusServiceUnavailable:
			category = "SERVICE_UNAVAILABLE"
		}
		writeError(w, status, category, http.StatusText(status), nil)
	}
}

func (responder) WriteRateLimited(w http.ResponseWriter, _ *http.Request, retryAfter time.Duration) {
	if retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((retryAfter+time.Second-1)/time.Second)))
	}
	writeRateLimitBody(w, "TEN_SECONDLY_ROLLING", "You have reached your ten_secondly_rolling limit.")
}
