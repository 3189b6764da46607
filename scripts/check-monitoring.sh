#!/usr/bin/env bash
# Checks the monitoring and deployment files: Prometheus config and rules (with
# their unit tests), the Kubernetes manifests and docker-compose.yml (strict
# decoding, in the deploy/validate module), and, where the tools exist,
# `kubectl kustomize` and `docker compose config`.
#
# Needs promtool: Debian `apt-get install -y --no-install-recommends prometheus`
# (the package also brings the server used by test/monitoring; it does not start
# a daemon where policy-rc.d forbids it, as in containers).
# The Go tests of test/monitoring run with the main module (go test ./...).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v promtool >/dev/null 2>&1; then
	echo "check-monitoring: promtool not found; install it with: apt-get install -y --no-install-recommends prometheus" >&2
	exit 1
fi

echo "== promtool check config prometheus/prometheus.yml"
promtool check config prometheus/prometheus.yml
echo "== promtool check rules prometheus/alerts.yml"
promtool check rules prometheus/alerts.yml
echo "== promtool test rules prometheus/alerts_test.yml"
promtool test rules prometheus/alerts_test.yml

echo "== deploy/validate: Kubernetes manifests and docker-compose.yml"
(cd deploy/validate && go test -race -count=1 ./...)

if command -v kubectl >/dev/null 2>&1; then
	echo "== kubectl kustomize deploy/base"
	kubectl kustomize deploy/base >/dev/null
else
	echo "== kubectl not found: kustomize build skipped (deploy/validate checked the files)"
fi

if docker compose version >/dev/null 2>&1; then
	echo "== docker compose config -q"
	docker compose config -q
else
	echo "== docker compose plugin not found: 'docker compose config' skipped (deploy/validate loaded the file with compose-go)"
fi
echo "check-monitoring: OK"
