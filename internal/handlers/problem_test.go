package handlers

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestProblemJSONMatchesEncodingJSON: the hand-written encoder must mean the
// same as encoding/json for every problem, including client text in detail.
func TestProblemJSONMatchesEncodingJSON(t *testing.T) {
	problems := []Problem{
		newProblem(503, "circuit_open", circuitOpenDetail("hubspot-circuit")).P,
		{Type: "t", Title: "Bad Request", Status: 400, Detail: `id: "12\\x" is <not> ok` + "\n\t\u00e9\u2028\x01", Code: "invalid_request", RequestID: "r-1"},
		{Type: "t", Title: "Conflict", Status: 409, Detail: "exists", Code: "contact_exists", ExistingID: "42", Service: "hubspot", RetryAfter: 3},
		{Type: "t", Title: "", Status: 499, Detail: "", Code: "client_closed"},
	}
	for _, p := range problems {
		got := p.appendJSON(nil)
		if !json.Valid(got) {
			t.Fatalf("appendJSON(%+v) = %s: not JSON", p, got)
		}
		var fromHand, fromStd map[string]any
		std, _ := json.Marshal(p)
		_ = json.Unmarshal(got, &fromHand)
		_ = json.Unmarshal(std, &fromStd)
		if !reflect.DeepEqual(fromHand, fromStd) {
			t.Errorf("appendJSON = %s\nencoding/json = %s", got, std)
		}
	}
}
