package hubspottest_test

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/salesautomation/api/internal/clients/hubspot/hubspottest"
	"github.com/salesautomation/api/internal/clients/seed"
)

func TestSeedRepeats(t *testing.T) {
	a, b := seed.New(seed.DefaultSeed, seed.DefaultPeople), seed.New(seed.DefaultSeed, seed.DefaultPeople)
	if !reflect.DeepEqual(a, b) || len(a.People) < 50 {
		t.Fatal("seeded data differs between runs or is too small")
	}
}

// BenchmarkGetContact measures the fake's happy path (no network), which load
// tests of the service go through.
func BenchmarkGetContact(b *testing.B) {
	fake := hubspottest.New(hubspottest.Config{RateLimit: -1})
	req := httptest.NewRequest(http.MethodGet, "/crm/v3/objects/contacts/10000000001", nil)
	req.Header.Set("Authorization", "Bearer "+fake.Token())
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := httptest.NewRecorder()
			fake.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatal(w.Code)
			}
		}
	})
}
