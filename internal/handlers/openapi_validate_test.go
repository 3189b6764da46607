package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// oasFile is the document served at GET /openapi.json, read from the
// package directory (go test runs in it).
const oasFile = "openapi.json"

// loadSpec loads openapi.json and validates it as an OpenAPI 3.0 document.
func loadSpec(t testing.TB) *openapi3.T {
	t.Helper()
	doc, err := oasRead(t)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func oasRead(t testing.TB) (*openapi3.T, error) {
	data, err := os.ReadFile(oasFile)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("openapi: %s does not load: %w", oasFile, err)
	}
	if err := doc.Validate(t.Context()); err != nil {
		return nil, fmt.Errorf("openapi: %s is not a valid OpenAPI document: %w", oasFile, err)
	}
	return doc, nil
}

// oasCache is the document and its router, built once per test binary:
// parsing and compiling the document for every response would dominate the
// handler tests' run time. Both are read-only once built.
type oasCache struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

var oasShared oasCache

func (s *oasCache) get(t testing.TB) (*openapi3.T, routers.Router) {
	t.Helper()
	s.once.Do(func() {
		if s.doc, s.err = oasRead(t); s.err != nil {
			return
		}
		if s.router, s.err = gorillamux.NewRouter(s.doc); s.err != nil {
			s.err = fmt.Errorf("openapi: router: %w", s.err)
		}
	})
	if s.err != nil {
		t.Fatal(s.err)
	}
	return s.doc, s.router
}

// oasOptions are the options of every response validation. The
// problem+json body decoder needs no registration: kin-openapi v0.153.0
// registers application/problem+json (and falls back to the JSON decoder for
// any other +json type) in its own init, so no global state is touched here.
func oasOptions() *openapi3filter.Options {
	opts := &openapi3filter.Options{
		IncludeResponseStatus: true, // an undocumented status is an error
		MultiError:            true, // report every mismatch, not only the first
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	}
	opts.WithCustomSchemaErrorFunc(oasSchemaError)
	return opts
}

// oasSchemaError says where the body is wrong and why, instead of
// kin-openapi's default dump of the whole schema.
func oasSchemaError(e *openapi3.SchemaError) string {
	v, err := json.Marshal(e.Value)
	if err != nil {
		v = []byte(fmt.Sprint(e.Value))
	}
	return fmt.Sprintf("at /%s: %s (got %s)", strings.Join(e.JSONPointer(), "/"), e.Reason, oasClip(v, 200))
}

// validateResponse fails the test (without stopping it) when the response
// to req does not match openapi.json: an undocumented route or status, a
// missing required header (X-Request-ID, Retry-After, X-Cache, Location), a
// wrong content type or a body that does not match the schema. A request to
// an unknown path answered 404, or to a known path with an unlisted method
// answered 405, is checked against components.responses NotFound and
// MethodNotAllowed. req needs only its method and URL (httptest.NewRequest
// is fine); it is not read.
func validateResponse(t testing.TB, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	doc, router := oasShared.get(t)
	where := req.Method + " " + req.URL.Path

	route, params, err := router.FindRoute(req)
	if err != nil {
		route, params, err = oasFallbackRoute(doc, req, status, err)
	}
	if err != nil {
		t.Errorf("openapi: %s → %d: %v", where, status, err)
		return
	}
	if status == http.StatusNoContent && len(body) > 0 {
		t.Errorf("openapi: %s (route %s %s) → 204 has a body (%d bytes): %s", where, route.Method, route.Path, len(body), oasClip(body, 2000))
		return
	}

	opts := oasOptions()
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    req,
			PathParams: params,
			Route:      route,
			Options:    opts,
		},
		Status:  status,
		Header:  header,
		Options: opts,
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(t.Context(), in); err != nil {
		t.Errorf("openapi: %s (route %s %s) → %d does not match openapi.json:\n%v\nContent-Type: %q\nbody: %s",
			where, route.Method, route.Path, status, err, header.Get("Content-Type"), oasClip(body, 2000))
	}
}

// oasFallbackRoute handles requests the router does not map to an operation:
//   - an unknown path answered 404 and a known path with an unlisted method
//     answered 405 validate against the generic responses in components;
//   - gorillamux stops at the first path template that matches, so
//     GET /api/contacts/search (a contact id that is not digits, answered
//     400) reports "method not allowed" although GET /api/contacts/{id}
//     exists; such requests are matched here against later templates.
func oasFallbackRoute(doc *openapi3.T, req *http.Request, status int, findErr error) (*routers.Route, map[string]string, error) {
	switch {
	case errors.Is(findErr, routers.ErrMethodNotAllowed):
		if route, params := oasMatchTemplate(doc, req); route != nil {
			return route, params, nil
		}
		if status == http.StatusMethodNotAllowed {
			return oasGenericRoute(doc, req, status, "MethodNotAllowed")
		}
	case errors.Is(findErr, routers.ErrPathNotFound):
		if status == http.StatusNotFound {
			return oasGenericRoute(doc, req, status, "NotFound")
		}
	}
	return nil, nil, fmt.Errorf("no operation for this request in %s (%w); document the route or fix the request", oasFile, findErr)
}

// oasMatchTemplate finds an operation for req.Method whose path template has
// the request's segments, literal segments equal and {params} non-empty.
func oasMatchTemplate(doc *openapi3.T, req *http.Request) (*routers.Route, map[string]string) {
	segs := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		op := item.GetOperation(req.Method)
		if op == nil {
			continue
		}
		tmpl := strings.Split(strings.Trim(path, "/"), "/")
		if len(tmpl) != len(segs) {
			continue
		}
		params := map[string]string{}
		ok := true
		for i, s := range tmpl {
			if name, isParam := strings.CutPrefix(s, "{"); isParam {
				if segs[i] == "" {
					ok = false
					break
				}
				params[strings.TrimSuffix(name, "}")] = segs[i]
			} else if s != segs[i] {
				ok = false
				break
			}
		}
		if ok {
			return &routers.Route{Spec: doc, Path: path, PathItem: item, Method: req.Method, Operation: op}, params
		}
	}
	return nil, nil
}

// oasGenericRoute is a synthetic operation whose only response is the named
// components.responses entry for status.
func oasGenericRoute(doc *openapi3.T, req *http.Request, status int, name string) (*routers.Route, map[string]string, error) {
	resp := doc.Components.Responses[name]
	if resp == nil {
		return nil, nil, fmt.Errorf("components.responses.%s is missing from %s", name, oasFile)
	}
	op := &openapi3.Operation{Responses: openapi3.NewResponses(openapi3.WithStatus(status, resp))}
	return &routers.Route{Spec: doc, Path: "(components.responses." + name + ")", Method: req.Method, Operation: op}, nil, nil
}

func oasClip(b []byte, max int) string {
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

// TestOpenAPIDocumentIsValid checks that openapi.json is a valid OpenAPI 3.0
// document that lists exactly the contract's routes (API.md sections 3 and 4)
// with their methods, and the conventions every operation follows.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc := loadSpec(t)
	if err := doc.Validate(t.Context()); err != nil {
		t.Fatalf("openapi.json does not validate: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}

	want := map[string][]string{
		"/api/contacts/{id}":                {"DELETE", "GET", "PATCH"},
		"/api/contacts/search":              {"POST"},
		"/api/contacts":                     {"POST"},
		"/api/enrichment/company":           {"POST"},
		"/api/enrichment/person":            {"POST"},
		"/api/enrichment/batch":             {"POST"},
		"/api/campaigns":                    {"GET"},
		"/api/campaigns/{campaignId}/leads": {"POST"},
		"/api/jobs/{jobId}":                 {"GET"},
		"/api/jobs/{jobId}/retry":           {"POST"},
		"/health":                           {"GET"},
		"/health/detailed":                  {"GET"},
		"/health/live":                      {"GET"},
		"/health/ready":                     {"GET"},
		"/health/circuits/{name}/reset":     {"POST"},
		"/health/circuits/{name}/open":      {"POST"},
		"/metrics":                          {"GET"},
		"/openapi.json":                     {"GET"},
	}
	for path, methods := range want {
		item := doc.Paths.Value(path)
		if item == nil {
			t.Errorf("path %s is missing", path)
			continue
		}
		var got []string
		for m := range item.Operations() {
			got = append(got, m)
		}
		sort.Strings(got)
		if !slices.Equal(got, methods) {
			t.Errorf("%s methods = %v, want %v", path, got, methods)
		}
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		if _, ok := want[path]; !ok {
			t.Errorf("path %s is not in the contract", path)
		}
	}

	for _, name := range []string{"NotFound", "MethodNotAllowed", "PayloadTooLarge"} {
		if doc.Components.Responses[name] == nil {
			t.Errorf("components.responses.%s is missing", name)
		}
	}

	for _, path := range doc.Paths.InMatchingOrder() {
		for method, op := range doc.Paths.Value(path).Operations() {
			at := method + " " + path
			if op.OperationID == "" || op.Summary == "" || op.Description == "" {
				t.Errorf("%s: operationId, summary and description are required", at)
			}
			for code, ref := range op.Responses.Map() {
				r := ref.Value
				apiError := code[0] == '4' || (code[0] == '5' && strings.HasPrefix(path, "/api/"))
				if r.Headers["X-Request-ID"] == nil {
					t.Errorf("%s %s: X-Request-ID header not documented", at, code)
				}
				if (code == "429" || (code == "503" && strings.HasPrefix(path, "/api/"))) &&
					(r.Headers["Retry-After"] == nil || !r.Headers["Retry-After"].Value.Required) {
					t.Errorf("%s %s: Retry-After must be a required header", at, code)
				}
				if apiError {
					if mt := r.Content.Get("application/problem+json"); mt == nil || mt.Schema == nil || mt.Schema.Ref != "#/components/schemas/Problem" {
						t.Errorf("%s %s: errors must be application/problem+json Problem", at, code)
					}
				}
			}
		}
	}
}
