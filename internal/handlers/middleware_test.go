package handlers

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	m.Run()
}

// newTestRouter builds the real router with extra test-only routes.
func newTestRouter(t *testing.T, logs *bytes.Buffer, extra func(*gin.Engine)) (*gin.Engine, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	logger := zerolog.Nop()
	if logs != nil {
		logger = zerolog.New(logs).Level(zerolog.DebugLevel)
	}
	r, err := NewRouter(Deps{Logger: logger, Metrics: reg, Life: NewLifecycle(time.Now()), MaxBodyBytes: 64,
		CORSOrigins: []string{"https://app.example"}})
	if err != nil {
		t.Fatal(err)
	}
	if extra != nil {
		extra(r)
	}
	return r, reg
}

func do(r http.Handler, method, target, body string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	return w
}

func decodeProblem(t *testing.T, w *httptest.ResponseRecorder) Problem {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	var p Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatalf("body %q: %v", w.Body.String(), err)
	}
	if p.Status != w.Code || p.Title == "" || p.Code == "" || p.Type == "" {
		t.Errorf("problem %+v does not match status %d", p, w.Code)
	}
	return p
}

func TestRequestID(t *testing.T) {
	r, _ := newTestRouter(t, nil, nil)
	tests := []struct {
		name, sent string
		keep       bool
	}{
		{"well-formed kept", "abc-123_x.y:z", true},
		{"absent generated", "", false},
		{"too long replaced", strings.Repeat("a", 129), false},
		{"unsafe characters replaced", "abc\"<script>", false},
		{"longest allowed kept", strings.Repeat("b", 128), true},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(r, "GET", "/health/live", "", "X-Request-ID", tt.sent)
			got := w.Header().Get("X-Request-ID")
			if tt.keep && got != tt.sent {
				t.Errorf("X-Request-ID = %q, want %q", got, tt.sent)
			}
			if !tt.keep && (got == "" || got == tt.sent || !validRequestID(got)) {
				t.Errorf("X-Request-ID = %q, want a fresh valid ID", got)
			}
			if seen[got] {
				t.Errorf("ID %q reused", got)
			}
			seen[got] = true
		})
	}
}

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	r, _ := newTestRouter(t, nil, nil)
	w := do(r, "GET", "/nope", "")
	if w.Code != http.StatusNotFound {
		t.Fatalf("unknown route = %d", w.Code)
	}
	if p := decodeProblem(t, w); p.RequestID == "" || p.RequestID != w.Header().Get("X-Request-ID") {
		t.Errorf("problem request ID %q, header %q", p.RequestID, w.Header().Get("X-Request-ID"))
	}
	w = do(r, "DELETE", "/health/live", "")
	if w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("wrong method = %d", w.Code)
	}
	decodeProblem(t, w)
}

func TestPanicBecomes500Problem(t *testing.T) {
	var logs bytes.Buffer
	r, _ := newTestRouter(t, &logs, func(e *gin.Engine) {
		e.GET("/boom", func(*gin.Context) { panic("kaboom") })
	})
	w := do(r, "GET", "/boom", "")
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("panic = %d", w.Code)
	}
	p := decodeProblem(t, w)
	if strings.Contains(w.Body.String(), "kaboom") || p.RequestID == "" {
		t.Errorf("500 body %s leaks the panic or lacks the request ID", w.Body.String())
	}
	if !strings.Contains(logs.String(), "kaboom") {
		t.Error("the panic was not logged")
	}
}

func TestBodyLimit(t *testing.T) {
	r, _ := newTestRouter(t, nil, func(e *gin.Engine) {
		e.POST("/echo", func(c *gin.Context) {
			var v map[string]any
			if err := json.NewDecoder(c.Request.Body).Decode(&v); err != nil {
				writeProblem(c, err)
				return
			}
			c.JSON(http.StatusOK, v)
		})
	})
	big := `{"k":"` + strings.Repeat("x", 100) + `"}`
	if w := do(r, "POST", "/echo", big); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("declared oversize body = %d, want 413", w.Code)
	} else {
		decodeProblem(t, w)
	}
	// Without Content-Length the limit trips while reading.
	req := httptest.NewRequest("POST", "/echo", strings.NewReader(big))
	req.ContentLength = -1
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("streamed oversize body = %d, want 413", w.Code)
	}
	if w := do(r, "POST", "/echo", `{"k":"v"}`); w.Code != http.StatusOK {
		t.Errorf("small body = %d", w.Code)
	}
}

func TestAccessLogOmitsQueryAndHeaders(t *testing.T) {
	var logs bytes.Buffer
	r, _ := newTestRouter(t, &logs, nil)
	do(r, "GET", "/health/live?token=s3cret", "", "Authorization", "Bearer hunter2")
	line := logs.String()
	for _, bad := range []string{"s3cret", "hunter2", "Authorization"} {
		if strings.Contains(line, bad) {
			t.Errorf("access log contains %q: %s", bad, line)
		}
	}
	var entry map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(logs.Bytes()), &entry); err != nil {
		t.Fatalf("log %q: %v", line, err)
	}
	if entry["route"] != "/health/live" || entry["status"] != float64(200) || entry["method"] != "GET" ||
		entry["request_id"] == nil || entry["duration"] == nil || entry["bytes"] == nil || entry["level"] != "debug" {
		t.Errorf("access log entry = %v", entry)
	}
}

func TestMetricsUseRouteTemplates(t *testing.T) {
	r, reg := newTestRouter(t, nil, func(e *gin.Engine) {
		e.GET("/items/:id", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	})
	for _, p := range []string{"/items/1", "/items/2", "/items/3", "/x/1", "/x/2"} {
		do(r, "GET", p, "")
	}
	do(r, "BREW", "/items/1", "")
	if got := counterValue(t, reg, "http_requests_total", map[string]string{"method": "GET", "route": "/items/:id", "status": "204"}); got != 3 {
		t.Errorf("requests for /items/:id = %v, want 3", got)
	}
	if got := counterValue(t, reg, "http_requests_total", map[string]string{"method": "GET", "route": "unmatched", "status": "404"}); got != 2 {
		t.Errorf("requests for unknown paths = %v, want 2", got)
	}
	n, err := testutil.GatherAndCount(reg, "http_requests_total")
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 { // /items/:id 204, unmatched 404, OTHER method
		t.Errorf("http_requests_total has %d series, want 3", n)
	}
}

// counterValue reads one series of a counter from reg; -1 when absent.
func counterValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if want, ok := labels[lp.GetName()]; ok && want != lp.GetValue() {
					continue series
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return -1
}

func TestCORS(t *testing.T) {
	r, _ := newTestRouter(t, nil, nil)
	w := do(r, "OPTIONS", "/health/live", "", "Origin", "https://app.example", "Access-Control-Request-Method", "GET")
	if got := w.Header().Get("Access-Control-Allow-Origin"); got != "https://app.example" {
		t.Errorf("allowed origin preflight: Allow-Origin = %q (status %d)", got, w.Code)
	}
	w = do(r, "GET", "/health/live", "", "Origin", "https://evil.example")
	if got := w.Header().Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("foreign origin got Allow-Origin %q", got)
	}
}
