package lemlisttest

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/salesautomation/api/internal/clients/seed"
)

type campaign struct {
	ID        string   `json:"_id"`
	Name      string   `json:"name"`
	Labels    []string `json:"labels"`
	CreatedAt string   `json:"createdAt"`
	CreatedBy string   `json:"createdBy"`
	Status    string   `json:"status"`
	HasError  bool     `json:"hasError"`
	Errors    []string `json:"errors"`
}

type lead struct {
	ID          string
	ContactID   string
	CampaignID  string
	IsPaused    bool
	State       string
	Unsub       bool
	UpdatedAt   time.Time
	Variables   map[string]any // email, firstName, … and custom variables
	EmailStatus string
}

const teamUser = "usr_SandboxOwner00001"

// seed creates three campaigns and puts the first ten seeded people in the first.
func (s *Server) seed(people []seed.Person) {
	created := time.Date(2025, 2, 20, 14, 45, 54, 230_000_000, time.UTC)
	for i, c := range []struct{ name, status string }{
		{"Q3 Outbound - SaaS Founders", "running"},
		{"Product Launch Campaign", "running"},
		{"Webinar Follow-up", "paused"},
	} {
		s.campaigns = append(s.campaigns, &campaign{
			ID: s.newID("cam_"), Name: c.name, Labels: []string{}, Status: c.status,
			CreatedAt: created.Add(time.Duration(i) * 72 * time.Hour).Format("2006-01-02T15:04:05.000Z"),
			CreatedBy: teamUser, Errors: []string{},
		})
	}
	for _, p := range people[:min(10, len(people))] {
		s.addLeadLocked(s.campaigns[0], map[string]any{
			"email": p.Email, "firstName": p.FirstName, "lastName": p.LastName,
			"companyName": p.Company.Name, "companyDomain": p.Company.Domain, "jobTitle": p.JobTitle,
		})
	}
	s.listJSON, _ = json.Marshal(s.campaigns)
}

// addLeadLocked stores a new lead; the caller holds s.mu (or is seeding).
func (s *Server) addLeadLocked(c *campaign, vars map[string]any) *lead {
	l := &lead{
		ID: s.newID("lea_"), ContactID: s.newID("ctc_"), CampaignID: c.ID, State: "scanned",
		UpdatedAt: time.Now().UTC(), Variables: vars, EmailStatus: "deliverable",
	}
	email, _ := vars["email"].(string)
	key := strings.ToLower(email)
	if prev := s.leads[key]; len(prev) > 0 {
		l.ContactID = prev[0].ContactID // one contact, many campaign memberships
	}
	s.leads[key] = append(s.leads[key], l)
	return l
}

func (s *Server) campaignByID(id string) *campaign {
	for _, c := range s.campaigns {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// CampaignIDs returns the seeded campaigns' IDs in order.
func (s *Server) CampaignIDs() []string {
	out := make([]string, len(s.campaigns))
	for i, c := range s.campaigns {
		out[i] = c.ID
	}
	return out
}

// flat is the legacy/add-lead answer shape of a lead.
func (s *Server) flat(l *lead) map[string]any {
	out := map[string]any{}
	for k, v := range l.Variables {
		out[k] = v
	}
	out["_id"], out["contactId"], out["campaignId"], out["isPaused"] = l.ID, l.ContactID, l.CampaignID, l.IsPaused
	if c := s.campaignByID(l.CampaignID); c != nil {
		out["campaignName"] = c.Name
	}
	return out
}

// v2 is the GET /leads/{email}?version=v2 element shape.
func (s *Server) v2(l *lead) map[string]any {
	out := map[string]any{
		"_id": l.ID, "updatedAt": l.UpdatedAt.Format("2006-01-02T15:04:05.000Z"), "isPaused": l.IsPaused,
		"state": l.State, "status": "review", "personalized": false, "source": "api",
		"variables": l.Variables, "contactId": l.ContactID,
		"enrichment": map[string]string{"emailStatus": l.EmailStatus}, "sendingUser": map[string]any{},
	}
	if c := s.campaignByID(l.CampaignID); c != nil {
		out["campaign"] = map[string]string{"id": c.ID, "name": c.Name, "status": c.Status}
	}
	return out
}
