package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/salesautomation/api/internal/clients/faults"
)

// TestAbandonedUpdateStillLandsAndInvalidates: a frontend that hangs up
// while HubSpot applies a PATCH must not leave the old contact cached (a HIT
// for up to HUBSPOT_CACHE_TTL): the write runs to its end and the cache is
// dropped.
func TestAbandonedUpdateStillLandsAndInvalidates(t *testing.T) {
	a := newTestAPI(t)
	id := a.sb.Data.People[0].HubSpotID
	url := "/api/contacts/" + id
	a.send("GET", url, "").wantStatus(http.StatusOK)
	if got := a.send("GET", url, "").Header().Get("X-Cache"); got != "HIT" {
		t.Fatalf("X-Cache = %q, want HIT before the update", got)
	}

	a.sb.HubSpot.Faults().Set(faults.Fault{Latency: 150 * time.Millisecond, Route: "PATCH /crm/v3/objects/contacts"})
	ctx, hangUp := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer hangUp()
	req := httptest.NewRequest("PATCH", url, strings.NewReader(`{"properties":{"firstname":"Abandoned"}}`)).WithContext(ctx)
	req.Header.Set("Content-Type", "application/json")
	a.router.ServeHTTP(httptest.NewRecorder(), req) // returns once the write has finished
	a.sb.HubSpot.Faults().Clear()

	after := a.send("GET", url, "").wantStatus(http.StatusOK)
	if got := after.Header().Get("X-Cache"); got != "MISS" {
		t.Errorf("X-Cache after the abandoned update = %q, want MISS (cache dropped)", got)
	}
	if !strings.Contains(after.Body.String(), `"Abandoned"`) {
		t.Errorf("HubSpot did not get the update the client abandoned: %s", after.Body.String())
	}
}
