package hubspottest

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/salesautomation/api/internal/clients/seed"
)

// defaultProperties are returned when a request names none (UPSTREAMS.md A.3).
var defaultProperties = []string{"createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"}

// writable are the properties a client may set; anything else is rejected like
// HubSpot rejects properties that do not exist.
var writable = map[string]bool{
	"email": true, "firstname": true, "lastname": true, "company": true, "phone": true,
	"mobilephone": true, "jobtitle": true, "website": true, "city": true, "state": true,
	"country": true, "zip": true, "address": true, "lifecyclestage": true,
	"hs_lead_status": true, "industry": true,
}

// readOnly properties exist but only HubSpot sets them.
var readOnly = map[string]bool{
	"createdate": true, "lastmodifieddate": true, "hs_object_id": true, "hs_email_domain": true,
}

// record is one stored contact. Records are immutable once stored: an update stores
// a new record, so a reader may use one after releasing the lock.
type record struct {
	id          string
	props       map[string]string
	createdAt   time.Time
	updatedAt   time.Time
	archived    bool
	archivedAt  time.Time
	defaultJSON []byte // the answer to a GET without properties, computed once
}

type store struct {
	mu      sync.RWMutex
	byID    map[string]*record
	byEmail map[string]string // lower-case e-mail of live contacts → id
	order   []string          // ids in creation order (ascending numerically)
	nextID  int64
}

func newStore(people []seed.Person) *store {
	st := &store{byID: map[string]*record{}, byEmail: map[string]string{}, nextID: 10_000_000_001}
	lifecycle := []string{"subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer"}
	for i, p := range people {
		props := map[string]string{
			"email": p.Email, "firstname": p.FirstName, "lastname": p.LastName,
			"company": p.Company.Name, "website": "https://" + p.Company.Domain,
			"phone": p.Phone, "mobilephone": p.Mobile, "jobtitle": p.JobTitle,
			"city": titleCase(p.Company.City), "country": titleCase(p.Company.Country),
			"lifecyclestage": lifecycle[i%len(lifecycle)],
		}
		updated := p.CreatedAt.Add(time.Duration(i%7) * time.Hour)
		st.insert(p.HubSpotID, props, p.CreatedAt, updated)
		if n, _ := strconv.ParseInt(p.HubSpotID, 10, 64); n >= st.nextID {
			st.nextID = n + 1
		}
	}
	return st
}

func titleCase(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

// insert stores a new record; the caller holds mu (or is the constructor).
func (st *store) insert(id string, props map[string]string, created, updated time.Time) *record {
	props["hs_object_id"] = id
	props["createdate"] = stamp(created)
	props["lastmodifieddate"] = stamp(updated)
	if _, domain, ok := strings.Cut(props["email"], "@"); ok {
		props["hs_email_domain"] = strings.ToLower(domain)
	}
	rec := &record{id: id, props: props, createdAt: created, updatedAt: updated}
	rec.defaultJSON, _ = json.Marshal(rec.wire(nil))
	if _, exists := st.byID[id]; !exists {
		st.order = append(st.order, id)
	}
	st.byID[id] = rec
	if e := strings.ToLower(props["email"]); e != "" {
		st.byEmail[e] = id
	}
	return rec
}

func (st *store) get(id string) (*record, bool) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	rec, ok := st.byID[id]
	return rec, ok
}

func (st *store) idByEmail(email string) (string, bool) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	id, ok := st.byEmail[strings.ToLower(email)]
	return id, ok
}

// snapshot returns the records in creation order.
func (st *store) snapshot() []*record {
	st.mu.RLock()
	defer st.mu.RUnlock()
	out := make([]*record, len(st.order))
	for i, id := range st.order {
		out[i] = st.byID[id]
	}
	return out
}

// wireContact is the contact as HubSpot sends it.
type wireContact struct {
	ID         string             `json:"id"`
	Properties map[string]*string `json:"properties"`
	CreatedAt  string             `json:"createdAt"`
	UpdatedAt  string             `json:"updatedAt"`
	Archived   bool               `json:"archived"`
	ArchivedAt string             `json:"archivedAt,omitempty"`
}

// wire renders the record with the named properties (nil: the defaults).
// Requested properties without a value are null; unknown ones are left out.
func (rec *record) wire(names []string) wireContact {
	if len(names) == 0 {
		names = defaultProperties
	}
	props := make(map[string]*string, len(names))
	for _, n := range names {
		if v, ok := rec.props[n]; ok && v != "" {
			props[n] = &v
		} else if writable[n] || readOnly[n] {
			props[n] = nil
		}
	}
	wc := wireContact{ID: rec.id, Properties: props, CreatedAt: stamp(rec.createdAt),
		UpdatedAt: stamp(rec.updatedAt), Archived: rec.archived}
	if rec.archived {
		wc.ArchivedAt = stamp(rec.archivedAt)
	}
	return wc
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// sortRecords orders records by property (or id) for search.
func sortRecords(recs []*record, prop string, desc bool) {
	sort.SliceStable(recs, func(i, j int) bool {
		a, b := recs[i].props[prop], recs[j].props[prop]
		c := compareValues(a, b)
		if desc {
			return c > 0
		}
		return c < 0
	})
}
