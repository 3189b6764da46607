package monitoring

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// expression is one PromQL expression of a dashboard, with where it comes from.
type expression struct {
	where string // "dashboard.json: panel title"
	expr  string // with Grafana's variables already substituted
}

// grafanaVars replaces the dashboard variables by values valid for an instant query.
var grafanaVars = strings.NewReplacer(
	"$__rate_interval", "1m",
	"$__interval", "15s",
	"$__range", "1h",
	"${instance}", ".*",
	"$instance", ".*",
)

// leftoverVar finds a variable the replacer does not know ($1 of label_replace is fine).
var leftoverVar = regexp.MustCompile(`\$\{?[A-Za-z_]`)

// labelValues is Grafana's variable query function, not PromQL: its first argument is.
var labelValues = regexp.MustCompile(`^label_values\((.*),\s*\w+\)$`)

// dashboardExpressions returns every expression of every dashboard in grafana/dashboards:
// panel targets (rows included), annotation queries and variable queries.
func dashboardExpressions(t *testing.T) []expression {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot(t), "grafana", "dashboards", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboard in grafana/dashboards (%v)", err)
	}
	var all []expression
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		walkExpressions(doc, filepath.Base(file), func(where, expr string) {
			if m := labelValues.FindStringSubmatch(expr); m != nil {
				expr = m[1]
			}
			sub := grafanaVars.Replace(expr)
			if v := leftoverVar.FindString(sub); v != "" {
				t.Errorf("%s: unknown variable %q in %s", where, v, expr)
			}
			all = append(all, expression{where: where, expr: sub})
		})
	}
	return all
}

// walkExpressions calls fn for each "expr" string (targets, annotations) and each
// variable "definition" found in v, naming it by the nearest enclosing title or name.
func walkExpressions(v any, where string, fn func(where, expr string)) {
	switch v := v.(type) {
	case map[string]any:
		if title, ok := v["title"].(string); ok {
			where = strings.SplitN(where, ": ", 2)[0] + ": " + title
		} else if name, ok := v["name"].(string); ok {
			where = strings.SplitN(where, ": ", 2)[0] + ": " + name
		}
		for _, key := range []string{"expr", "definition"} {
			if s, ok := v[key].(string); ok && s != "" {
				fn(where, s)
			}
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			walkExpressions(v[k], where, fn)
		}
	case []any:
		for _, item := range v {
			walkExpressions(item, where, fn)
		}
	}
}

// knownMetrics are the service's metric names: API.md section 5 plus the cache and
// lead-queue metrics. Histograms are listed by their _bucket series, which is what
// histogram_quantile needs.
var knownMetrics = []string{
	"circuit_breaker_fire_total", "circuit_breaker_success_total", "circuit_breaker_failure_total",
	"circuit_breaker_timeout_total", "circuit_breaker_reject_total", "circuit_breaker_fallback_total",
	"circuit_breaker_semaphore_locked_total",
	"circuit_breaker_success_duration_seconds_bucket", "circuit_breaker_failed_duration_seconds_bucket",
	"circuit_breaker_state", "circuit_breaker_resets_total", "circuit_breaker_opens_total",
	"http_retries_total", "cache_hits_total", "cache_misses_total",
	"http_requests_total", "http_request_duration_seconds_bucket",
	"cache_stale_total", "cache_errors_total",
	"queue_depth", "queue_jobs_enqueued_total", "queue_jobs_delivered_total",
	"queue_jobs_failed_total", "queue_job_retries_total", "queue_delivery_latency_seconds_bucket",
	"queue_jobs_requeued_total",
	"up",
}

// metricRef finds identifiers that look like this service's metric names.
var metricRef = regexp.MustCompile(`\b(?:circuit_breaker|http|cache|queue)_[a-z_]+\b`)

// TestMetricNamesAreTheContracts catches a typo in a metric name (or a missing
// _total or _bucket) in the rules and dashboards without needing Prometheus: a
// misspelt name still parses and silently returns nothing.
func TestMetricNamesAreTheContracts(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "prometheus", "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{}
	for _, expr := range ruleExpressions(string(raw)) {
		texts["prometheus/alerts.yml"] += expr + "\n"
	}
	if len(texts) == 0 {
		t.Fatal("no expr found in prometheus/alerts.yml")
	}
	for _, e := range dashboardExpressions(t) {
		texts[e.where] += e.expr + "\n"
	}
	for where, text := range texts {
		for _, name := range metricRef.FindAllString(text, -1) {
			if !slices.Contains(knownMetrics, name) {
				t.Errorf("%s: %q is not a metric of the service (API.md section 5; histograms need _bucket)", where, name)
			}
		}
	}
}

// ruleExpressions returns the expr values of a rules file: the rest of the "expr:"
// line, or the more-indented lines under "expr: |". Enough YAML for our own file,
// without a YAML library in the service's module.
func ruleExpressions(text string) []string {
	var exprs []string
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		trimmed := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(trimmed, "expr:") {
			continue
		}
		value := strings.TrimSpace(strings.TrimPrefix(trimmed, "expr:"))
		if value != "|" && value != ">" && value != "|-" && value != ">-" {
			exprs = append(exprs, value)
			continue
		}
		indent := len(lines[i]) - len(strings.TrimLeft(lines[i], " "))
		var block []string
		for i+1 < len(lines) {
			next := lines[i+1]
			if strings.TrimSpace(next) != "" && len(next)-len(strings.TrimLeft(next, " ")) <= indent {
				break
			}
			block = append(block, strings.TrimSpace(next))
			i++
		}
		exprs = append(exprs, strings.Join(block, " "))
	}
	return exprs
}

// TestDashboardStructure checks what Grafana needs to show the panels with the
// provisioned datasource: its uid on every panel and target, unique panel ids, and
// a target on every non-row panel.
func TestDashboardStructure(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "grafana", "dashboards", "circuit-breakers.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		UID    string `json:"uid"`
		Panels []struct {
			ID         int    `json:"id"`
			Title      string `json:"title"`
			Type       string `json:"type"`
			Datasource struct {
				UID string `json:"uid"`
			} `json:"datasource"`
			Targets []struct {
				Expr       string `json:"expr"`
				Datasource struct {
					UID string `json:"uid"`
				} `json:"datasource"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatal(err)
	}
	provisioned, err := os.ReadFile(filepath.Join(repoRoot(t), "grafana", "provisioning", "datasources", "prometheus.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(provisioned), "uid: prometheus") {
		t.Fatal(`datasource provisioning must set uid: prometheus, the uid the panels use`)
	}
	if dash.UID == "" {
		t.Error("dashboard has no uid: links to it would change on every import")
	}
	ids := map[int]string{}
	var titles []string
	for _, p := range dash.Panels {
		if other, dup := ids[p.ID]; dup {
			t.Errorf("panel id %d used by %q and %q", p.ID, other, p.Title)
		}
		ids[p.ID] = p.Title
		titles = append(titles, p.Title)
		if p.Type == "row" {
			continue
		}
		if p.Datasource.UID != "prometheus" {
			t.Errorf("panel %q: datasource uid %q, want prometheus", p.Title, p.Datasource.UID)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			if tg.Expr == "" || tg.Datasource.UID != "prometheus" {
				t.Errorf("panel %q: target without expr or with datasource %q", p.Title, tg.Datasource.UID)
			}
		}
	}
	// The guide's panels, under their guide titles, so its readers find them.
	for _, want := range []string{"Circuit Breaker States", "Request Rate by Circuit", "Error Rate",
		"Circuit Open Events (last 1h)", "Fallback Execution Rate", "Request Latency P95"} {
		if !slices.Contains(titles, want) {
			t.Errorf("dashboard lacks the guide's panel %q", want)
		}
	}
}

// TestExpressionsEvaluate loads the alert rules into a real Prometheus that scrapes
// itself, and checks that every rule evaluates without error and every dashboard
// expression is accepted by the query API. It needs no running service.
func TestExpressionsEvaluate(t *testing.T) {
	bin := requirePrometheus(t)
	prom := startPrometheus(t, bin, nil)
	checkRulesHealthy(t, prom)
	for _, e := range dashboardExpressions(t) {
		if _, err := prom.query(e.expr); err != nil {
			t.Errorf("%s: %v\n  expr: %s", e.where, err, e.expr)
		}
	}
}

// checkRulesHealthy waits until every rule has been evaluated, then requires each to
// be healthy and queryable on its own through /api/v1/query.
func checkRulesHealthy(t *testing.T, prom *promServer) []ruleInfo {
	t.Helper()
	var rules []ruleInfo
	eventually(t, 15*time.Second, "every rule evaluated", func() (bool, string) {
		var err error
		if rules, err = prom.rules(); err != nil {
			return false, err.Error()
		}
		for _, r := range rules {
			if r.Health == "unknown" || r.Health == "" {
				return false, r.Name + " not evaluated yet"
			}
		}
		return len(rules) > 0, "no rules loaded"
	})
	for _, r := range rules {
		if r.Health != "ok" {
			t.Errorf("rule %s: health %s: %s", r.Name, r.Health, r.LastError)
		}
		if _, err := prom.query(r.Query); err != nil {
			t.Errorf("rule %s: %v", r.Name, err)
		}
	}
	if len(rules) < 4 {
		t.Errorf("only %d rules loaded from prometheus/alerts.yml", len(rules))
	}
	return rules
}
