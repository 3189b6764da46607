#!/usr/bin/env bash
# Load test: the Go service side by side with the Express + opossum original
# (bench/original) and a bare Go reverse proxy (bench/proxy), all calling the
# same fake HubSpot process (bench/fakeupstream). See bench/README.md.
#
#   bash bench/run.sh            # ~3 minutes; writes bench/results/<date>.md
#
# Knobs (environment): BENCH_DURATION (20), BENCH_WARMUP (5), BENCH_FAILFAST_DURATION
# (15), BENCH_CONNECTIONS (64), BENCH_THREADS (2), BENCH_PORT_BASE (18900).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
DURATION=${BENCH_DURATION:-20}
WARMUP=${BENCH_WARMUP:-5}
FF_DURATION=${BENCH_FAILFAST_DURATION:-15}
CONNS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
PORT_BASE=${BENCH_PORT_BASE:-18900}
FAKE_PORT=$PORT_BASE
ORIG_PORT=$((PORT_BASE + 1))
PROXY_PORT=$((PORT_BASE + 2))
SVC_PORT=$((PORT_BASE + 3))
FAKE_URL="http://127.0.0.1:$FAKE_PORT"
HUBSPOT_TOKEN=pat-na1-sandbox-0000-hubspot # hubspottest.DefaultToken, what the sandbox uses
PROBE_ID=10000000001

# CPU layout, identical for every contender. The mission measures the contender
# on 2 cores: it always gets cores 0-1. With 4 or more cores the fake upstream
# gets core 2 and wrk the rest, so neither competes with the contender; with
# fewer (a 2-core machine) all three share cores 0-1, and the upstream's and
# wrk's CPU time comes out of the contender's budget, the same for each contender.
NCPU=$(nproc)
CONTENDER_CPUS=0-1
if ((NCPU >= 4)); then
	UPSTREAM_CPUS=2
	WRK_CPUS="3-$((NCPU - 1))"
	LAYOUT="contender on cores 0-1, fake upstream on core 2, wrk on cores $WRK_CPUS"
else
	UPSTREAM_CPUS=0-1
	WRK_CPUS=0-1
	LAYOUT="only $NCPU cores: contender, fake upstream and wrk all share cores 0-1"
fi

declare -A RPS RESULT_ROW PEAK_RSS FF_P99_US FF_STATE
WORK=$(mktemp -d)
PIDS=()
KEEP_LOGS=1

cleanup() {
	local pid i
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
	done
	if ((KEEP_LOGS)); then
		echo "logs kept in $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '==> %s\n' "$*" >&2; }
die() {
	printf 'run.sh: %s\n' "$*" >&2
	exit 1
}

# start NAME CPUS CMD... runs CMD in the background pinned to CPUS, logging to
# $WORK/NAME.log; the pid (taskset execs CMD, so it is CMD's) goes to LAST_PID.
start() {
	local name=$1 cpus=$2
	shift 2
	taskset -c "$cpus" "$@" >"$WORK/$name.log" 2>&1 &
	LAST_PID=$!
	PIDS+=("$LAST_PID")
}

# stop PID: SIGTERM, up to 10 s to exit, then SIGKILL.
stop() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# wait_ok URL PID: up to 15 s for URL to answer 200 while PID lives.
wait_ok() {
	local url=$1 pid=$2 i
	for ((i = 0; i < 150; i++)); do
		kill -0 "$pid" 2>/dev/null || die "process $pid exited while waiting for $url (logs in $WORK)"
		if [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true) == 200 ]]; then
			return 0
		fi
		sleep 0.1
	done
	die "no 200 from $url within 15 s (logs in $WORK)"
}

# cpu_ticks PID: user+system CPU time of PID in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# cpu_pct TICKS SECONDS: CPU use in % of one core.
cpu_pct() { awk -v t="$1" -v s="$2" -v hz="$CLK_TCK" 'BEGIN { printf "%.0f", 100 * t / hz / s }'; }
CLK_TCK=$(getconf CLK_TCK)

peak_rss_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }

# bench_wrk NAME PORT SECONDS: runs wrk over contacts.lua and sets the globals
# REQS NON2XX SOCKERR DUR_US P50_US P99_US from the script's RESULT line.
bench_wrk() {
	local name=$1 port=$2 secs=$3 line
	taskset -c "$WRK_CPUS" wrk -t"$THREADS" -c"$CONNS" -d"${secs}s" --latency \
		-s "$BENCH/contacts.lua" "http://127.0.0.1:$port" >"$WORK/wrk-$name.txt" 2>&1 ||
		die "wrk failed for $name: $(cat "$WORK/wrk-$name.txt")"
	line=$(grep '^RESULT ' "$WORK/wrk-$name.txt") || die "no RESULT line from wrk for $name"
	REQS=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$line")
	NON2XX=$(sed -E 's/.*non2xx=([0-9]+).*/\1/' <<<"$line")
	SOCKERR=$(sed -E 's/.*sockerr=([0-9]+).*/\1/' <<<"$line")
	DUR_US=$(sed -E 's/.*duration_us=([0-9]+).*/\1/' <<<"$line")
	P50_US=$(sed -E 's/.*p50_us=([0-9]+).*/\1/' <<<"$line")
	P99_US=$(sed -E 's/.*p99_us=([0-9]+).*/\1/' <<<"$line")
}

ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }


# measure NAME PID PORT: warm-up, timed run, peak RSS; records a table row.
measure() {
	local name=$1 pid=$2 port=$3 ok rps rss
	log "$name: warm-up ${WARMUP}s"
	taskset -c "$WRK_CPUS" wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" -s "$BENCH/contacts.lua" \
		"http://127.0.0.1:$port" >"$WORK/warmup-$name.txt" 2>&1 || die "warm-up wrk failed for $name"
	log "$name: wrk -t$THREADS -c$CONNS -d${DURATION}s"
	local c0 u0
	c0=$(cpu_ticks "$pid")
	u0=$(cpu_ticks "$FAKE_PID")
	bench_wrk "$name" "$port" "$DURATION"
	CPU_C=$(cpu_pct $(($(cpu_ticks "$pid") - c0)) "$DURATION")
	CPU_U=$(cpu_pct $(($(cpu_ticks "$FAKE_PID") - u0)) "$DURATION")
	rss=$(peak_rss_kib "$pid")
	ok=$((REQS - NON2XX))
	rps=$(awk -v n="$ok" -v us="$DUR_US" 'BEGIN { printf "%.0f", n / (us / 1e6) }')
	RPS[$name]=$rps
	RESULT_ROW[$name]="| $name | $rps | $REQS | $NON2XX | $SOCKERR | $(ms "$P50_US") | $(ms "$P99_US") | $(mib "$rss") | $CPU_C | $CPU_U |"
	log "$name: ${rps} ok req/s, non-2xx $NON2XX, p50 $(ms "$P50_US") ms, p99 $(ms "$P99_US") ms, peak RSS $(mib "$rss") MiB"
	PEAK_RSS[$name]=$rss
}

# trip_circuit NAME PORT PID: with the fault on, sends up to 200 sequential
# requests (bounded: 2 s each) until /health shows hubspot-circuit OPEN.
trip_circuit() {
	local name=$1 port=$2 pid=$3 i
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || die "$name exited while tripping its circuit (logs in $WORK)"
		curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/api/contacts/$PROBE_ID" || true
		if ((i % 5 == 4)) && circuit_open "$port"; then
			log "$name: hubspot-circuit OPEN after $((i + 1)) requests"
			return 0
		fi
	done
	die "$name: hubspot-circuit did not open after 200 failing requests"
}

circuit_open() {
	curl -s --max-time 2 "http://127.0.0.1:$1/health" | tr -d ' \n' | grep -q '"hubspot-circuit":{"state":"OPEN"'
}

set_fault() { curl -sf -o /dev/null --max-time 2 -X POST -d '{"errorRate":1,"status":503}' "$FAKE_URL/__bench/faults"; }
clear_fault() { curl -sf -o /dev/null --max-time 2 -X DELETE "$FAKE_URL/__bench/faults"; }

# fail_fast NAME PID PORT: trips the circuit, then measures while it is open.
fail_fast() {
	local name=$1 pid=$2 port=$3 still rss
	set_fault
	trip_circuit "$name" "$port" "$pid"
	log "$name: circuit open, wrk -t$THREADS -c$CONNS -d${FF_DURATION}s"
	local c0 u0
	c0=$(cpu_ticks "$pid")
	u0=$(cpu_ticks "$FAKE_PID")
	bench_wrk "$name" "$port" "$FF_DURATION"
	CPU_C=$(cpu_pct $(($(cpu_ticks "$pid") - c0)) "$FF_DURATION")
	CPU_U=$(cpu_pct $(($(cpu_ticks "$FAKE_PID") - u0)) "$FF_DURATION")
	rss=$(peak_rss_kib "$pid")
	if circuit_open "$port"; then still=OPEN; else still="NOT OPEN (closed or half-open during the run)"; fi
	clear_fault
	local rps
	rps=$(awk -v n="$REQS" -v us="$DUR_US" 'BEGIN { printf "%.0f", n / (us / 1e6) }')
	RESULT_ROW[$name]="| $name | $rps (all answers) | $REQS | $NON2XX | $SOCKERR | $(ms "$P50_US") | $(ms "$P99_US") | $(mib "$rss") | $CPU_C | $CPU_U |"
	FF_P99_US[$name]=$P99_US
	PEAK_RSS[$name]=$rss
	log "$name: p50 $(ms "$P50_US") ms, p99 $(ms "$P99_US") ms, $NON2XX of $REQS non-2xx; circuit after the run: $still"
	FF_STATE[$name]=$still
}

# ---- Tools and builds ----
if ! command -v wrk >/dev/null 2>&1; then
	log "installing wrk"
	apt-get update -qq
	apt-get install -y wrk
fi
for tool in go node npm curl taskset awk; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is required"
done

log "building (go build, npm ci)"
BIN="$BENCH/.bin"
mkdir -p "$BIN" "$BENCH/results"
(cd "$ROOT" && go build -o "$BIN/api" ./cmd/api && go build -o "$BIN/proxy" ./bench/proxy &&
	go build -o "$BIN/fakeupstream" ./bench/fakeupstream)
if [[ ! -d "$BENCH/original/node_modules" ]]; then
	(cd "$BENCH/original" && npm ci --no-audit --no-fund --loglevel=error)
fi

for p in "$FAKE_PORT" "$ORIG_PORT" "$PROXY_PORT" "$SVC_PORT"; do
	if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$p/"; then
		die "port $p is already in use (set BENCH_PORT_BASE)"
	fi
done
log "CPU layout: $LAYOUT"
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
log "load average: $LOADAVG"

# ---- The shared upstream ----
start fakeupstream "$UPSTREAM_CPUS" "$BIN/fakeupstream" -addr "127.0.0.1:$FAKE_PORT"
FAKE_PID=$LAST_PID
for ((i = 0; i < 150; i++)); do
	[[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -H "Authorization: Bearer $HUBSPOT_TOKEN" \
		"$FAKE_URL/crm/v3/objects/contacts/$PROBE_ID" || true) == 200 ]] && break
	kill -0 "$FAKE_PID" 2>/dev/null || die "fake upstream exited (logs in $WORK)"
	sleep 0.1
done

# Environment of each contender.
ORIG_ENV=(env HUBSPOT_BASE_URL="$FAKE_URL" HUBSPOT_API_KEY="$HUBSPOT_TOKEN" PORT="$ORIG_PORT" HUBSPOT_CACHE_TTL=0)
PROXY_ENV=(env HUBSPOT_BASE_URL="$FAKE_URL" HUBSPOT_API_KEY="$HUBSPOT_TOKEN" PORT="$PROXY_PORT")
# Not sandbox mode: the service calls the shared fake like the others. Lemlist and
# Explorium are never called by this load; they point at the loopback discard port.
SVC_ENV=(env PORT="$SVC_PORT" LOG_LEVEL=warn SHUTDOWN_TIMEOUT=2s HUBSPOT_CACHE_TTL=0
	HUBSPOT_BASE_URL="$FAKE_URL" HUBSPOT_API_KEY="$HUBSPOT_TOKEN"
	LEMLIST_BASE_URL=http://127.0.0.1:9/api LEMLIST_API_KEY=unused
	EXPLORIUM_BASE_URL=http://127.0.0.1:9 EXPLORIUM_API_KEY=unused)
# Fail-fast: no retries and no warm-up window, so a handful of failures opens the circuit.
TRIP_ENV=(HUBSPOT_RETRY_MAX=0 HUBSPOT_ALLOW_WARM_UP=false)

# ---- Cache-miss throughput ----
start original "$CONTENDER_CPUS" "${ORIG_ENV[@]}" node "$BENCH/original/app.js"
pid=$LAST_PID
wait_ok "http://127.0.0.1:$ORIG_PORT/api/contacts/$PROBE_ID" "$pid"
measure original "$pid" "$ORIG_PORT"
stop "$pid"

start proxy "$CONTENDER_CPUS" "${PROXY_ENV[@]}" "$BIN/proxy"
pid=$LAST_PID
wait_ok "http://127.0.0.1:$PROXY_PORT/api/contacts/$PROBE_ID" "$pid"
measure proxy "$pid" "$PROXY_PORT"
stop "$pid"

start service "$CONTENDER_CPUS" "${SVC_ENV[@]}" "$BIN/api"
pid=$LAST_PID
wait_ok "http://127.0.0.1:$SVC_PORT/api/contacts/$PROBE_ID" "$pid"
measure service "$pid" "$SVC_PORT"
stop "$pid"

# Informational, not a target: the same with the bulkhead raised above the load's
# 64 connections (the preset's capacity of 50 rejects the excess with 503).
start service-cap64 "$CONTENDER_CPUS" "${SVC_ENV[@]}" HUBSPOT_CAPACITY=64 "$BIN/api"
pid=$LAST_PID
wait_ok "http://127.0.0.1:$SVC_PORT/api/contacts/$PROBE_ID" "$pid"
measure service-cap64 "$pid" "$SVC_PORT"
stop "$pid"

# ---- Fail fast while the circuit is open (fault on the shared fake) ----
start service-failfast "$CONTENDER_CPUS" "${SVC_ENV[@]}" "${TRIP_ENV[@]}" "$BIN/api"
pid=$LAST_PID
wait_ok "http://127.0.0.1:$SVC_PORT/health/live" "$pid"
fail_fast service-failfast "$pid" "$SVC_PORT"
# The service's own view of the same run: the share of fail-fast answers it
# handled within 1 ms and 5 ms (http_request_duration_seconds), which wrk's
# client-side p99 cannot separate from wrk sharing the two cores.
SERVER_SIDE=$(curl -s --max-time 2 "http://127.0.0.1:$SVC_PORT/metrics" | awk -F' ' '
	/^http_request_duration_seconds_bucket\{method="GET",route="\/api\/contacts\/:id"/ {
		if ($1 ~ /le="0.001"/) a = $2; if ($1 ~ /le="0.005"/) b = $2; if ($1 ~ /le="\+Inf"/) n = $2 }
	END { if (n > 0) printf "%.2f%% within 1 ms, %.3f%% within 5 ms (of %d)", 100 * a / n, 100 * b / n, n }')
log "service-failfast, server side: $SERVER_SIDE"
stop "$pid"

start original-failfast "$CONTENDER_CPUS" "${ORIG_ENV[@]}" "${TRIP_ENV[@]}" node "$BENCH/original/app.js"
pid=$LAST_PID
wait_ok "http://127.0.0.1:$ORIG_PORT/health/live" "$pid"
fail_fast original-failfast "$pid" "$ORIG_PORT"
stop "$pid"

# ---- Report ----
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
# verdict A OP B: PASS when the number A compares to the number B as OP (ge or lt).
verdict() {
	if awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN { exit !(op == "ge" ? a + 0 >= b + 0 : a + 0 < b + 0) }'; then
		echo PASS
	else
		echo MISS
	fi
}
R_ORIG=$(ratio "${RPS[service]}" "${RPS[original]}")
R_PROXY=$(ratio "${RPS[service]}" "${RPS[proxy]}")
SVC_RSS=${PEAK_RSS[service]}
FF_RSS=${PEAK_RSS[service-failfast]}
((FF_RSS > SVC_RSS)) && SVC_RSS=$FF_RSS
FF_P99=${FF_P99_US[service-failfast]}

STAMP=$(date -u +%Y-%m-%dT%H%MZ)
OUT="$BENCH/results/$STAMP.md"
{
	echo "# Load test $STAMP"
	echo
	echo "## Machine"
	echo
	echo "- nproc: $NCPU"
	echo "- CPU: $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
	echo "- kernel: $(uname -r)"
	echo "- $(go version)"
	echo "- node $(node --version); original: express $(node -p "require('$BENCH/original/node_modules/express/package.json').version"), opossum $(node -p "require('$BENCH/original/node_modules/opossum/package.json').version"), axios $(node -p "require('$BENCH/original/node_modules/axios/package.json').version"), axios-retry $(node -p "require('$BENCH/original/node_modules/axios-retry/package.json').version")"
	echo "- $(wrk --version 2>&1 | head -1)"
	echo "- CPU layout: $LAYOUT"
	echo "- load average before the run: $LOADAVG (other work on the machine skews every figure; compare runs with a low one)"
	echo
	echo "## Results"
	echo
	echo "wrk -t$THREADS -c$CONNS --latency, GET /api/contacts/{id} over the 60 seeded IDs; ${WARMUP} s warm-up then ${DURATION} s measured"
	echo "(fail-fast rows: ${FF_DURATION} s with the circuit open, no warm-up). Cache off (HUBSPOT_CACHE_TTL=0) everywhere:"
	echo "every request reaches the fake HubSpot. ok req/s counts 2xx answers only. Peak RSS is VmHWM at the end of the run."
	echo "CPU % is CPU time during the measured run in % of one core (200 = both cores), for the contender and for the shared fake HubSpot."
	echo
	echo "| contender | ok req/s | requests | non-2xx | socket errors | p50 ms | p99 ms | peak RSS MiB | contender CPU % | upstream CPU % |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for n in original proxy service service-cap64 service-failfast original-failfast; do echo "${RESULT_ROW[$n]}"; done
	echo
	echo "service-cap64 (informational, not a target): the service with HUBSPOT_CAPACITY=64, so its bulkhead admits all 64 connections;"
	echo "with the preset's capacity of 50 the excess answers 503 at once (counted in non-2xx). service/proxy with it: $(ratio "${RPS[service-cap64]}" "${RPS[proxy]}")."
	echo
	echo "Circuit state after the fail-fast runs: service ${FF_STATE[service-failfast]}, original ${FF_STATE[original-failfast]}."
	echo
	echo "service-failfast as the service measured it (http_request_duration_seconds, request in to answer out): $SERVER_SIDE."
	echo
	echo "## Targets"
	echo
	echo "| target | measured | verdict |"
	echo "|---|---:|---|"
	echo "| cache-miss ok req/s ≥ 5× original | ${R_ORIG}× | $(verdict "$R_ORIG" ge 5) |"
	echo "| cache-miss ok req/s ≥ 70% of bare proxy | $(awk -v r="$R_PROXY" 'BEGIN { printf "%.0f%%", r * 100 }') | $(verdict "$R_PROXY" ge 0.70) |"
	echo "| fail-fast p99 < 5 ms (circuit open) | $(ms "$FF_P99") ms | $(verdict "$FF_P99" lt 5000) |"
	echo "| service peak RSS < 40 MiB | $(mib "$SVC_RSS") MiB | $(verdict "$SVC_RSS" lt 40960) |"
} >"$OUT"

echo
cat "$OUT"
echo
echo "written to ${OUT#"$ROOT"/}"
KEEP_LOGS=0
