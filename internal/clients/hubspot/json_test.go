package hubspot_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/salesautomation/api/internal/clients/hubspot"
	"github.com/salesautomation/api/internal/clients/hubspot/hubspottest"
)

// TestGetContactJSONIsTheSameContact: the raw answer decodes to exactly what
// GetContact returns, with the requested properties.
func TestGetContactJSONIsTheSameContact(t *testing.T) {
	c, _ := setup(t, hubspottest.Config{})
	props := []string{"email", "company", "hs_email_domain"}
	want, err := c.GetContact(t.Context(), "10000000008", props)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := c.GetContactJSON(t.Context(), "10000000008", props)
	if err != nil {
		t.Fatal(err)
	}
	var got hubspot.Contact
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("GetContactJSON = %s: %v", raw, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GetContactJSON decodes to %+v, GetContact gives %+v", got, want)
	}
}

func TestGetContactJSONErrors(t *testing.T) {
	c, _ := setup(t, hubspottest.Config{})
	if _, err := c.GetContactJSON(t.Context(), "42", nil); asError(t, err, http.StatusNotFound) == nil {
		t.Fatal("unknown contact: want a 404 *Error")
	}
	notObject := fixed(t, http.StatusOK, "application/json", nil, `["not","an","object"]`)
	if _, err := notObject.GetContactJSON(t.Context(), "1", nil); err == nil {
		t.Error("an answer that is not a JSON object was accepted")
	}
	malformed := fixed(t, http.StatusOK, "application/json", nil, `{"id":`)
	if _, err := malformed.GetContactJSON(t.Context(), "1", nil); err == nil {
		t.Error("a truncated answer was accepted")
	}
}
