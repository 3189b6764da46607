package explorium

import (
	"context"
	"fmt"
)

// Company is the answer to "who is the company at this domain": the match and, when
// it matched, its firmographics.
type Company struct {
	Matched       bool
	BusinessID    string
	Firmographics Firmographics
}

// EnrichCompany matches a company by domain (and optional name) and, on a match,
// fetches its firmographics: two calls. No match is not an error (Matched false).
func (c *Client) EnrichCompany(ctx context.Context, domain, name string) (Company, error) {
	m, err := c.MatchBusinesses(ctx, []BusinessMatchInput{{Domain: domain, Name: name}})
	if err != nil {
		return Company{}, fmt.Errorf("enrich company: %w", err)
	}
	if len(m.MatchedBusinesses) == 0 || m.MatchedBusinesses[0].BusinessID == "" {
		return Company{}, nil
	}
	id := m.MatchedBusinesses[0].BusinessID
	f, err := c.EnrichFirmographics(ctx, id)
	if err != nil {
		return Company{}, fmt.Errorf("enrich company %s: %w", id, err)
	}
	return Company{Matched: true, BusinessID: id, Firmographics: f.Data}, nil
}

// Person is the answer to "who is this person": the match and, when it matched,
// the contact information.
type Person struct {
	Matched     bool
	ProspectID  string
	ContactInfo ContactInformation
}

// EnrichPerson matches a person by e-mail (plus full name and company name when
// given) and, on a match, fetches contact information: two calls. No match is not
// an error (Matched false).
func (c *Client) EnrichPerson(ctx context.Context, email, fullName, companyName string, contactTypes ...string) (Person, error) {
	in := ProspectMatchInput{Email: email}
	if fullName != "" && companyName != "" { // Explorium wants both or neither
		in.FullName, in.CompanyName = fullName, companyName
	}
	m, err := c.MatchProspects(ctx, []ProspectMatchInput{in})
	if err != nil {
		return Person{}, fmt.Errorf("enrich person: %w", err)
	}
	if len(m.MatchedProspects) == 0 || m.MatchedProspects[0].ProspectID == "" {
		return Person{}, nil
	}
	id := m.MatchedProspects[0].ProspectID
	ci, err := c.EnrichContactInformation(ctx, id, contactTypes...)
	if err != nil {
		return Person{}, fmt.Errorf("enrich person %s: %w", id, err)
	}
	return Person{Matched: true, ProspectID: id, ContactInfo: ci.Data}, nil
}
