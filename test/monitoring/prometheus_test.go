package monitoring

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// promServer is a Prometheus server started by a test; it is stopped by t.Cleanup.
type promServer struct {
	url    string
	client *http.Client
}

// sample is one series of an instant-vector result.
type sample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

// apiResponse is the envelope of Prometheus's HTTP API.
type apiResponse struct {
	Status    string          `json:"status"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
	Data      json.RawMessage `json:"data"`
}

// ruleInfo is one rule as /api/v1/rules reports it after evaluating it.
type ruleInfo struct {
	Name      string `json:"name"`
	Query     string `json:"query"`
	Health    string `json:"health"`
	LastError string `json:"lastError"`
	Type      string `json:"type"`
}

// requirePrometheus returns the path of the prometheus binary or skips the test.
func requirePrometheus(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("prometheus not on PATH: install it (Debian: apt-get install -y --no-install-recommends prometheus) to evaluate the alert and dashboard expressions")
	}
	return bin
}

// repoRoot is the main module's directory (this package is test/monitoring).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found at %s: %v", root, err)
	}
	return root
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// groupInterval matches the evaluation interval of each rule group. The copy of the
// rules loaded by the tests evaluates every second instead of every 30s or 1m, so the
// first evaluation happens within the test's time.
var groupInterval = regexp.MustCompile(`(?m)^(\s+)interval:\s*\S+\s*$`)

// startPrometheus runs Prometheus on a free loopback port with a 1s scrape and
// evaluation interval, loading prometheus/alerts.yml and scraping the given
// targets as job "sales-auto-api" (and itself as job "prometheus").
func startPrometheus(t *testing.T, bin string, apiTargets []string) *promServer {
	t.Helper()
	dir := t.TempDir()
	rules, err := os.ReadFile(filepath.Join(repoRoot(t), "prometheus", "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	rulesPath := filepath.Join(dir, "alerts.yml")
	if err := os.WriteFile(rulesPath, groupInterval.ReplaceAll(rules, []byte("${1}interval: 1s")), 0o600); err != nil {
		t.Fatal(err)
	}

	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	quoted := make([]string, len(apiTargets))
	for i, target := range apiTargets {
		quoted[i] = fmt.Sprintf("%q", target)
	}
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - %q
scrape_configs:
  - job_name: sales-auto-api
    static_configs:
      - targets: [%s]
  - job_name: prometheus
    static_configs:
      - targets: [%q]
`, rulesPath, strings.Join(quoted, ", "), addr)
	configPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}

	cmd := exec.CommandContext(t.Context(), bin,
		"--config.file="+configPath,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--log.level=warn",
	)
	exited := startProcess(t, "prometheus", cmd)
	p := &promServer{url: "http://" + addr, client: &http.Client{Timeout: 5 * time.Second}}
	waitHTTP(t, "prometheus", p.url+"/-/ready", exited, 20*time.Second)
	return p
}

// startProcess starts cmd with its output captured, and registers a cleanup that
// stops it (SIGTERM through the test's context, SIGKILL after WaitDelay), waits
// for it, and prints its output when the test failed. The returned channel is
// closed when the process exits.
func startProcess(t *testing.T, name string, cmd *exec.Cmd) <-chan struct{} {
	t.Helper()
	var out bytes.Buffer // one writer for both streams: exec serialises its writes
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		// t.Context() is cancelled before cleanups run, which sent SIGTERM.
		<-exited
		if t.Failed() {
			t.Logf("%s exited (%v); its output:\n%s", name, waitErr, out.String())
		}
	})
	return exited
}

// waitHTTP polls url until it answers 200, the process exits, or timeout passes.
func waitHTTP(t *testing.T, name, url string, exited <-chan struct{}, timeout time.Duration) {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := client.Get(url)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s not ready after %s (last error %v)", name, url, timeout, err)
		}
		select {
		case <-exited:
			t.Fatalf("%s exited before %s answered 200", name, url)
		case <-tick.C:
		}
	}
}

// api calls one endpoint of Prometheus's HTTP API and decodes its data.
func (p *promServer) api(path string, form url.Values, data any) error {
	var resp *http.Response
	var err error
	if form == nil {
		resp, err = p.client.Get(p.url + path)
	} else {
		resp, err = p.client.PostForm(p.url+path, form)
	}
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r apiResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return fmt.Errorf("%s: HTTP %d, undecodable body: %w", path, resp.StatusCode, err)
	}
	if r.Status != "success" {
		return fmt.Errorf("%s (%s)", r.Error, r.ErrorType)
	}
	return json.Unmarshal(r.Data, data)
}

// query evaluates expr at the current time. Scalar and string results are
// returned as no samples; an error means Prometheus rejected the expression.
func (p *promServer) query(expr string) ([]sample, error) {
	var data struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := p.api("/api/v1/query", url.Values{"query": {expr}}, &data); err != nil {
		return nil, err
	}
	if data.ResultType != "vector" {
		return nil, nil
	}
	var samples []sample
	return samples, json.Unmarshal(data.Result, &samples)
}

// rules returns every loaded rule with its health after the latest evaluation.
func (p *promServer) rules() ([]ruleInfo, error) {
	var data struct {
		Groups []struct {
			Rules []ruleInfo `json:"rules"`
		} `json:"groups"`
	}
	if err := p.api("/api/v1/rules", nil, &data); err != nil {
		return nil, err
	}
	var all []ruleInfo
	for _, g := range data.Groups {
		all = append(all, g.Rules...)
	}
	return all, nil
}

// eventually polls cond every 200ms until it returns true or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, detail := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true after %s: %s", what, timeout, detail)
		}
		<-tick.C
	}
}
