// Package monitoring holds the tests of the project's monitoring files:
// prometheus/alerts.yml and grafana/dashboards/*.json.
//
// They run the real Prometheus server (Debian's prometheus package) on loopback,
// load the alert rules into it and evaluate every alert and dashboard expression
// through its HTTP API, once against Prometheus's own metrics and once against the
// service built from ./cmd/api in sandbox mode with the hubspot circuit forced open.
// Without a prometheus binary on PATH those tests are skipped with a message; the
// static checks (metric names, dashboard structure) always run.
package monitoring
