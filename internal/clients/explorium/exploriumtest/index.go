package exploriumtest

import (
	"net/url"
	"strings"

	"github.com/salesautomation/api/internal/clients/seed"
)

// index is the fixture table; built once, read-only afterwards.
type index struct {
	byDomain   map[string]*seed.Company
	byName     map[string]*seed.Company
	byBizID    map[string]*seed.Company
	byEmail    map[string]*seed.Person
	byLinkedin map[string]*seed.Person
	byNameCo   map[string]*seed.Person // "full name|company name", lower case
	byProspect map[string]*seed.Person
}

func newIndex(d seed.Data) index {
	ix := index{
		byDomain: map[string]*seed.Company{}, byName: map[string]*seed.Company{}, byBizID: map[string]*seed.Company{},
		byEmail: map[string]*seed.Person{}, byLinkedin: map[string]*seed.Person{},
		byNameCo: map[string]*seed.Person{}, byProspect: map[string]*seed.Person{},
	}
	for i := range d.Companies {
		c := &d.Companies[i]
		ix.byDomain[normDomain(c.Domain)] = c
		ix.byName[strings.ToLower(c.Name)] = c
		ix.byBizID[c.BusinessID()] = c
	}
	for i := range d.People {
		p := &d.People[i]
		ix.byEmail[strings.ToLower(p.Email)] = p
		ix.byLinkedin[normURL(p.LinkedIn)] = p
		ix.byNameCo[strings.ToLower(p.FullName()+"|"+p.Company.Name)] = p
		ix.byProspect[p.ProspectID()] = p
	}
	return ix
}

// normDomain reduces a domain or URL to its lower-case host without "www.".
func normDomain(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if strings.Contains(s, "://") {
		if u, err := url.Parse(s); err == nil {
			s = u.Host
		}
	}
	s, _, _ = strings.Cut(s, "/")
	return strings.TrimPrefix(s, "www.")
}

func normURL(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	return strings.TrimSuffix(strings.TrimPrefix(s, "www."), "/")
}

func (ix *index) company(domain, u, name string) *seed.Company {
	for _, d := range []string{domain, u} {
		if d != "" {
			if c := ix.byDomain[normDomain(d)]; c != nil {
				return c
			}
		}
	}
	if name != "" {
		return ix.byName[strings.ToLower(strings.TrimSpace(name))]
	}
	return nil
}

func (ix *index) person(email, linkedin, fullName, company string) *seed.Person {
	if p := ix.byEmail[strings.ToLower(strings.TrimSpace(email))]; p != nil && email != "" {
		return p
	}
	if p := ix.byLinkedin[normURL(linkedin)]; p != nil && linkedin != "" {
		return p
	}
	if fullName != "" && company != "" {
		return ix.byNameCo[strings.ToLower(fullName+"|"+company)]
	}
	return nil
}

func firmographics(c *seed.Company) map[string]any {
	return map[string]any{
		"business_id": c.BusinessID(), "name": strings.ToLower(c.Name),
		"business_description": c.Name + " operates in " + c.Industry + ".",
		"website":              "https://" + c.Domain, "country_name": c.Country, "region_name": c.Region,
		"city_name": c.City, "street": c.Street, "zip_code": c.Zip,
		"naics": c.NAICS, "naics_description": c.NAICSDesc, "sic_code": c.SIC, "sic_code_description": c.SICDesc,
		"number_of_employees_range": c.EmployeesRange, "yearly_revenue_range": c.RevenueRange,
		"linkedin_industry_category": c.Industry,
		"linkedin_profile":           "https://linkedin.com/company/" + strings.SplitN(c.Domain, ".", 2)[0],
		"locations_distribution":     []any{},
	}
}

func contactInfo(p *seed.Person, types []string) map[string]any {
	email, phone := len(types) == 0, len(types) == 0
	for _, t := range types {
		email = email || t == "email"
		phone = phone || t == "phone"
	}
	out := map[string]any{}
	if email {
		out["emails"] = []map[string]string{{"address": p.Email, "type": "professional"}}
		out["professions_email"] = p.Email
		out["professional_email_status"] = "valid"
	}
	if phone {
		out["phone_numbers"] = []map[string]string{{"phone_number": p.Phone}}
		out["mobile_phone"] = p.Mobile
	}
	return out
}
