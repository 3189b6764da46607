// Package seed is the fixed, repeatable data set shared by the fake upstream servers:
// companies whose domains the fake Explorium matches, and people who are HubSpot
// contacts, Lemlist leads and Explorium prospects at once. The same call returns the
// same data in every run, so tests and load tests can name contacts by ID or e-mail.
package seed

import (
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Company is one seeded organisation. Field values use Explorium's lower-case
// spelling for places and its enum strings for ranges.
type Company struct {
	Name           string
	Domain         string
	Industry       string // LinkedIn industry category, lower case
	NAICS          string
	NAICSDesc      string
	SIC            string
	SICDesc        string
	EmployeesRange string
	RevenueRange   string
	Country        string
	Region         string
	City           string
	Street         string
	Zip            string
}

// BusinessID is the company's Explorium business_id: 32 lower-case hex digits,
// derived from the domain so it never changes between runs.
func (c Company) BusinessID() string {
	sum := md5.Sum([]byte(strings.ToLower(c.Domain)))
	return hex.EncodeToString(sum[:])
}

// Person is one seeded human: a HubSpot contact, a potential Lemlist lead and an
// Explorium prospect.
type Person struct {
	HubSpotID  string // numeric string, 11 digits, increasing in seed order
	FirstName  string
	LastName   string
	Email      string // lower case, at the company's domain
	Phone      string // E.164
	Mobile     string // E.164
	JobTitle   string
	Department string
	Seniority  string
	Company    Company
	CreatedAt  time.Time // ms precision, UTC
	LinkedIn   string
}

// FullName is "First Last".
func (p Person) FullName() string { return p.FirstName + " " + p.LastName }

// ProspectID is the person's Explorium prospect_id: 40 lower-case hex digits derived
// from the e-mail address.
func (p Person) ProspectID() string {
	sum := sha1.Sum([]byte(strings.ToLower(p.Email)))
	return hex.EncodeToString(sum[:])
}

// Data is the whole seeded data set. Treat it as read-only.
type Data struct {
	Companies []Company
	People    []Person
}

// DefaultSeed is the random seed the fakes use unless told otherwise.
const DefaultSeed = 20240611

// DefaultPeople is how many people New creates by default.
const DefaultPeople = 60

// New builds a data set of n people spread over the fixed companies. The same seed
// and n always give the same data.
func New(seed uint64, n int) Data {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	cs := make([]Company, len(companies))
	copy(cs, companies)
	base := time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)
	used := make(map[string]bool, n)
	people := make([]Person, 0, n)
	for i := 0; len(people) < n; i++ {
		first := firstNames[rng.IntN(len(firstNames))]
		last := lastNames[rng.IntN(len(lastNames))]
		co := cs[len(people)%len(cs)] // every company gets people, so every domain can match
		local := strings.ToLower(first + "." + strings.ReplaceAll(last, "'", ""))
		email := local + "@" + co.Domain
		if used[email] {
			continue
		}
		used[email] = true
		job := jobTitles[rng.IntN(len(jobTitles))]
		created := base.Add(time.Duration(len(people))*37*time.Hour +
			time.Duration(rng.IntN(3_600_000))*time.Millisecond)
		people = append(people, Person{
			HubSpotID:  fmt.Sprintf("%d", 10_000_000_001+len(people)*7),
			FirstName:  first,
			LastName:   last,
			Email:      email,
			Phone:      fmt.Sprintf("+1%03d555%04d", 200+rng.IntN(700), rng.IntN(10000)),
			Mobile:     fmt.Sprintf("+1%03d555%04d", 200+rng.IntN(700), rng.IntN(10000)),
			JobTitle:   job.title,
			Department: job.department,
			Seniority:  job.seniority,
			Company:    co,
			CreatedAt:  created.Truncate(time.Millisecond),
			LinkedIn:   "https://linkedin.com/in/" + strings.ReplaceAll(local, ".", "-") + fmt.Sprintf("-%04x", rng.IntN(65536)),
		})
	}
	return Data{Companies: cs, People: people}
}
