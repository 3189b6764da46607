#!/usr/bin/env bash
# Makes sure what the tests need beyond Go is here: a Redis server answering on
# 127.0.0.1:6379 (started from redis-server if it is installed but not
# running) and Debian's prometheus package (promtool for the alert rules, the
# server for the dashboard/alert expression test). Installs with apt-get when
# run as root; otherwise says what to install and leaves the verdict to the
# tests, which fail with their own one-line message (or skip Redis with
# SKIP_REDIS_TESTS=1). Used by `make test` and .ci/run.
set -euo pipefail

apt_updated=false
apt_install() {
	if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
		echo "ensure-tools: missing $*; install it (e.g. sudo apt-get install $*)" >&2
		return 1
	fi
	if [ "$apt_updated" = false ]; then
		apt-get update -qq
		apt_updated=true
	fi
	echo "ensure-tools: installing $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

redis_answers() { redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; }

if [ "${SKIP_REDIS_TESTS:-}" != 1 ] && ! command -v redis-server >/dev/null 2>&1; then
	apt_install redis-server || true
fi
if [ "${SKIP_REDIS_TESTS:-}" != 1 ] && command -v redis-server >/dev/null 2>&1 && ! redis_answers; then
	redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
	for _ in $(seq 1 50); do
		redis_answers && break
		sleep 0.1
	done
	redis_answers || echo "ensure-tools: redis-server did not answer on 127.0.0.1:6379; the tests will start their own" >&2
fi

if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
	apt_install prometheus || exit 0
	# The package may start a daemon on :9090; the tests run their own server.
	(systemctl stop prometheus || service prometheus stop || pkill -x prometheus || true) >/dev/null 2>&1
fi
