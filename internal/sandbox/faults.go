package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/salesautomation/api/internal/clients/faults"
)

// faultSpec is the JSON form of a fault: durations as Go duration strings.
type faultSpec struct {
	ErrorRate  *float64 `json:"errorRate,omitempty"`
	Status     *int     `json:"status,omitempty"`
	Latency    *string  `json:"latency,omitempty"`
	Jitter     *string  `json:"jitter,omitempty"`
	Hang       *bool    `json:"hang,omitempty"`
	Reset      *bool    `json:"reset,omitempty"`
	RateLimit  *bool    `json:"rateLimit,omitempty"`
	RetryAfter *string  `json:"retryAfter,omitempty"`
	Route      *string  `json:"route,omitempty"`
}

// faultView is how a fault in force is shown.
type faultView struct {
	ErrorRate  float64 `json:"errorRate"`
	Status     int     `json:"status"`
	Latency    string  `json:"latency"`
	Jitter     string  `json:"jitter"`
	Hang       bool    `json:"hang"`
	Reset      bool    `json:"reset"`
	RateLimit  bool    `json:"rateLimit"`
	RetryAfter string  `json:"retryAfter"`
	Route      string  `json:"route"`
}

func view(f faults.Fault) faultView {
	return faultView{ErrorRate: f.ErrorRate, Status: f.Status, Latency: f.Latency.String(),
		Jitter: f.Jitter.String(), Hang: f.Hang, Reset: f.Reset, RateLimit: f.RateLimit,
		RetryAfter: f.RetryAfter.String(), Route: f.Route}
}

// fieldError is a bad value in a fault body.
type fieldError struct{ field, msg string }

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

func parseSpec(body io.Reader) (faults.Fault, error) {
	var spec faultSpec
	dec := json.NewDecoder(io.LimitReader(body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil && !errors.Is(err, io.EOF) {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			return faults.Fault{}, &fieldError{te.Field, "must be a " + te.Type.String()}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return faults.Fault{}, &fieldError{name, "unknown field"}
		}
		return faults.Fault{}, &fieldError{"body", "not a JSON object: " + err.Error()}
	}
	var f faults.Fault
	if spec.ErrorRate != nil {
		if *spec.ErrorRate < 0 || *spec.ErrorRate > 1 {
			return f, &fieldError{"errorRate", "must be between 0 and 1"}
		}
		f.ErrorRate = *spec.ErrorRate
	}
	if spec.Status != nil {
		if *spec.Status != 0 && (*spec.Status < 400 || *spec.Status > 599) {
			return f, &fieldError{"status", "must be an HTTP error status (400-599)"}
		}
		f.Status = *spec.Status
	}
	for _, d := range []struct {
		name string
		in   *string
		out  *time.Duration
	}{{"latency", spec.Latency, &f.Latency}, {"jitter", spec.Jitter, &f.Jitter}, {"retryAfter", spec.RetryAfter, &f.RetryAfter}} {
		if d.in == nil || *d.in == "" {
			continue
		}
		v, err := time.ParseDuration(*d.in)
		if err != nil || v < 0 || v > 10*time.Minute {
			return f, &fieldError{d.name, "must be a Go duration between 0 and 10m, such as 300ms"}
		}
		*d.out = v
	}
	f.Hang = spec.Hang != nil && *spec.Hang
	f.Reset = spec.Reset != nil && *spec.Reset
	f.RateLimit = spec.RateLimit != nil && *spec.RateLimit
	if spec.Route != nil {
		f.Route = strings.TrimSpace(*spec.Route)
		path := f.Route
		if _, p, ok := strings.Cut(f.Route, " "); ok {
			path = p
		}
		if f.Route != "" && !strings.HasPrefix(path, "/") {
			return f, &fieldError{"route", `must be a path such as "/crm/v3/objects/contacts", optionally after a method`}
		}
	}
	return f, nil
}

// FaultsHandler serves the fault API described in the package comment. It uses
// absolute paths, so mount it at the root of a mux (or with gin.WrapH).
func (s *Sandbox) FaultsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /sandbox/faults/{service}", func(w http.ResponseWriter, r *http.Request) {
		in := s.injector(r.PathValue("service"))
		if in == nil {
			s.unknownService(w, r)
			return
		}
		f, err := parseSpec(r.Body)
		if err != nil {
			var fe *fieldError
			errors.As(err, &fe)
			writeProblem(w, http.StatusBadRequest, "Invalid fault", fe.Error(), fe.field)
			return
		}
		in.Set(f)
		s.logger.Info().Str("service", r.PathValue("service")).Str("route", f.Route).Msg("sandbox fault set")
		writeJSON(w, http.StatusOK, view(f))
	})
	mux.HandleFunc("DELETE /sandbox/faults/{service}", func(w http.ResponseWriter, r *http.Request) {
		in := s.injector(r.PathValue("service"))
		if in == nil {
			s.unknownService(w, r)
			return
		}
		in.Clear()
		s.logger.Info().Str("service", r.PathValue("service")).Msg("sandbox faults cleared")
		writeJSON(w, http.StatusOK, map[string]any{"service": r.PathValue("service"), "faults": []faultView{}})
	})
	mux.HandleFunc("GET /sandbox/faults", func(w http.ResponseWriter, _ *http.Request) {
		out := map[string][]faultView{}
		for _, name := range []string{"hubspot", "lemlist", "explorium"} {
			views := []faultView{}
			for _, f := range s.injector(name).Faults() {
				views = append(views, view(f))
			}
			out[name] = views
		}
		writeJSON(w, http.StatusOK, out)
	})
	return mux
}

func (s *Sandbox) injector(service string) *faults.Injector {
	switch service {
	case "hubspot":
		return s.HubSpot.Faults()
	case "lemlist":
		return s.Lemlist.Faults()
	case "explorium":
		return s.Explorium.Faults()
	}
	return nil
}

func (s *Sandbox) unknownService(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, http.StatusNotFound, "Unknown service",
		fmt.Sprintf("service %q: want hubspot, lemlist or explorium", r.PathValue("service")), "service")
}

func writeProblem(w http.ResponseWriter, status int, title, detail, field string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type": "about:blank", "title": title, "status": status, "detail": detail, "field": field})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
