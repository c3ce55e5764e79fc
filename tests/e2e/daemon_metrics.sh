#!/bin/bash
# daemon_metrics.sh - /metrics and /healthz of the planner and the
# enactors, beside authd's: authd, lbfarm, a planner and two safe
# enactors, each with metrics-listen on a loopback port.  After a few
# generations and a load balancer taken down, the scrapes show the
# planner writing, checking and seeing the load balancer down, the
# enactors passing, moving the endpoint and counting a guard refusal
# (a plan without addresses written by hand), and every scrape passes
# promtool check metrics.  The HTTP server answers 404, 405, 400, 431
# and 505 to what it should, resets connections beyond its limit and
# closes idle ones, and goes on serving.  The alert rules pass promtool
# check rules and their unit tests, the dashboard is valid JSON, and
# every metric the rules and the dashboard name is one a daemon serves.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/planner_lib.bash"

PROMTOOL=${PROMTOOL:-promtool}
RULES=$ROOT/contrib/prometheus/dnsplane.rules.yml
AM=$(free_port)
PM=$(free_port)
EM1=$(free_port)
EM2=$(free_port)
lab_authd --metrics-listen "127.0.0.1:$AM"
start_lbfarm --listen "$NET.0.1-$NET.0.3:$LBPORT"
{
	lab_planner_conf
	echo "metrics-listen 127.0.0.1:$PM"
	echo "endpoint $E"
	for i in 1 2 3; do
		echo "lb $E 10.0.0.$i http://$NET.0.$i:$LBPORT/health 10"
	done
} >"$T/planner.conf"
start_planner "$T/planner.log" -c "$T/planner.conf"
for n in 1 2; do
	eval "port=\$EM$n"
	"$ENACTOR" --id "$n" --mode safe --store "$STORE" \
		--server "127.0.0.1:$P" --zone api.test. --key "$T/k.key" \
		--keep 2 --interval-ms 100 --heartbeat-ms 100 \
		--metrics-listen "127.0.0.1:$port" >"$T/enactor$n.log" 2>&1 &
	eval "EN$n=$!"
	PIDS="$PIDS $!"
done

addr_list() { dig @127.0.0.1 -p "$P" +short +norec "$E" A | grep '^10\.' | sort | tr '\n' ' '; }
serves() { [ "$(addr_list)" = "$1" ]; }
# scrape PORT FILE: /metrics into FILE.
scrape() { curl -sf --max-time 5 "http://127.0.0.1:$1/metrics" >"$2"; }
# val FILE SAMPLE: the value of the sample named so (with its labels).
val() { awk -v s="$2" '$1 == s { print $2 }' "$1"; }
# ge A B: A >= B, numerically (A may be a float).
ge() { awk -v a="${1:-x}" -v b="$2" 'BEGIN { exit !(a != "x" && a + 0 >= b + 0) }'; }

check "the endpoint serves its three load balancers" wait_for 10 serves "10.0.0.1 10.0.0.2 10.0.0.3 "
check "a few generations pass" wait_for 10 eval '[ "$(newest)" -ge 4 ]'
ctl down "$NET.0.1:$LBPORT"
check "the endpoint loses the load balancer taken down" wait_for 10 serves "10.0.0.2 10.0.0.3 "

# A plan that would empty the endpoint: authd's guard refuses it.  The
# planner is held meanwhile: a newer plan would supersede it before an
# enactor sends it.
kill -STOP "$PLANNER_PID"
g=$("$PLANWRITE" "$STORE" write "$E=")
check "an enactor counts the guard's refusal" wait_for 10 eval \
	'scrape $EM1 $T/e1 && scrape $EM2 $T/e2 && [ $(( $(val $T/e1 "dnsplane_enactor_updates_refused_total{reason=\"guard\"}") + $(val $T/e2 "dnsplane_enactor_updates_refused_total{reason=\"guard\"}") )) -ge 1 ]'
kill -CONT "$PLANNER_PID"
check "the planner heals it past plan $g" wait_for 10 eval '[ "$(newest)" -gt "$g" ] && serves "10.0.0.2 10.0.0.3 "'

g_before=$(newest)
scrape "$PM" "$T/planner.prom"
g_after=$(newest)
scrape "$EM1" "$T/e1.prom"
scrape "$EM2" "$T/e2.prom"
scrape "$AM" "$T/authd.prom"
pm=$T/planner.prom
check "planner: ready" [ "$(val "$pm" dnsplane_planner_ready)" = 1 ]
check "planner: generations written >= 4" ge "$(val "$pm" dnsplane_planner_generations_written_total)" 4
check "planner: each write timed" [ "$(val "$pm" dnsplane_planner_write_seconds_count)" = "$(val "$pm" dnsplane_planner_generations_written_total)" ]
lastg=$(val "$pm" dnsplane_planner_last_generation)
check "planner: last generation is the store's newest at the scrape ($g_before <= $lastg <= $g_after)" \
	eval '[ "$lastg" -ge "$g_before" ] && [ "$lastg" -le "$g_after" ]'
check "planner: health checks ok counted" ge "$(val "$pm" 'dnsplane_planner_health_checks_total{result="ok"}')" 10
check "planner: failed checks counted" ge "$(val "$pm" 'dnsplane_planner_health_checks_total{result="fail"}')" 1
check "planner: the load balancer down is 0" [ "$(val "$pm" "dnsplane_planner_lb_healthy{endpoint=\"$E\",address=\"10.0.0.1\"}")" = 0 ]
check "planner: the others are 1" [ "$(val "$pm" "dnsplane_planner_lb_healthy{endpoint=\"$E\",address=\"10.0.0.3\"}")" = 1 ]
check "planner: no store errors" [ "$(val "$pm" dnsplane_planner_store_errors_total)" = 0 ]
moved=0
conv=0
for n in 1 2; do
	f=$T/e$n.prom
	check "enactor $n: passes > 0" ge "$(val "$f" dnsplane_enactor_passes_total)" 1
	check "enactor $n: info names it" [ "$(val "$f" "dnsplane_enactor_info{id=\"$n\",mode=\"safe\"}")" = 1 ]
	eval "port=\$EM$n"
	check "enactor $n: the endpoint seen on a recent plan" wait_for 10 eval \
		'scrape $port $T/seen$n && ge "$(val $T/seen$n "dnsplane_enactor_endpoint_generation{endpoint=\"$E\"}")" "$g"'
	check "enactor $n: convergence counted per move" [ "$(val "$f" dnsplane_enactor_convergence_seconds_count)" -le "$(val "$f" dnsplane_enactor_endpoints_moved_total)" ]
	moved=$((moved + $(val "$f" dnsplane_enactor_endpoints_moved_total)))
	conv=$((conv + $(val "$f" dnsplane_enactor_convergence_seconds_count)))
done
check "enactors: the endpoint moved at least 3 times ($moved)" [ "$moved" -ge 3 ]
check "enactors: convergence times observed ($conv)" [ "$conv" -ge 3 ]
check "authd: the guard refusal counted" ge "$(val "$T/authd.prom" 'dnsplane_authd_guard_refusals_total{rule="min_addresses"}')" 1
for f in planner e1 e2 authd; do
	st=0
	out=$("$PROMTOOL" check metrics <"$T/$f.prom" 2>&1) || st=$?
	check "promtool check metrics: $f clean" [ "$st" -eq 0 -a -z "$out" ]
	[ -z "$out" ] || echo "$out" | head -5
done

# /healthz, 404, 405.
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
check "planner /healthz ok" [ "$(curl -sf "http://127.0.0.1:$PM/healthz")" = ok ]
check "enactor /healthz ok" [ "$(curl -sf "http://127.0.0.1:$EM1/healthz")" = ok ]
check "unknown path: 404" [ "$(code "http://127.0.0.1:$PM/nope")" = 404 ]
check "query strings ignored" [ "$(code "http://127.0.0.1:$EM2/metrics?x=1")" = 200 ]
check "POST: 405" [ "$(code -X POST -d x "http://127.0.0.1:$EM1/metrics")" = 405 ]
check "HEAD: 405" [ "$(code -I "http://127.0.0.1:$PM/metrics")" = 405 ]
check "content type of the text format" \
	curl -sf -o /dev/null -w '%{content_type}' "http://127.0.0.1:$PM/metrics" |
	grep -q 'version=0.0.4'

# raw PORT FORMAT [ARGS]: send printf FORMAT ARGS, print the status code.
raw() {
	port=$1
	shift
	exec {fd}<>"/dev/tcp/127.0.0.1/$port"
	# shellcheck disable=SC2059
	printf "$@" >&$fd 2>/dev/null || true
	line=
	read -r -t 5 line <&$fd || true
	exec {fd}>&-
	echo "$line" | awk '{ print $2 }'
}
big=$(head -c 9000 /dev/zero | tr '\0' a)
check "garbage: 400" [ "$(raw "$PM" 'hello\r\n\r\n')" = 400 ]
check "no version: 400" [ "$(raw "$PM" 'GET /metrics\r\n\r\n')" = 400 ]
check "not a path: 400" [ "$(raw "$EM1" 'GET metrics HTTP/1.1\r\n\r\n')" = 400 ]
check "a NUL byte: 400" [ "$(raw "$EM1" 'GET /\0 HTTP/1.1\r\n\r\n')" = 400 ]
check "HTTP/2.0: 505" [ "$(raw "$PM" 'GET / HTTP/2.0\r\n\r\n')" = 505 ]
check "a method of its own: 405" [ "$(raw "$PM" 'BREW /pot HTTP/1.1\r\n\r\n')" = 405 ]
check "headers beyond 8 KiB: 431" [ "$(raw "$PM" 'GET / HTTP/1.1\r\nX: %s\r\n\r\n' "$big")" = 431 ]
check "a line beyond 8 KiB: 414" [ "$(raw "$EM2" 'GET /%s' "$big")" = 414 ]
check "bare LF line ends: 200" [ "$(raw "$EM2" 'GET /healthz HTTP/1.0\n\n')" = 200 ]
# A request cut short, then the client gone.
exec {cut}<>"/dev/tcp/127.0.0.1/$PM"
printf 'GET /met' >&$cut
exec {cut}>&-
# Idle connections: beyond 32 the server resets them (a scrape too)
# until its 5 s timeout closes the idle ones.
held=()
for _ in $(seq 40); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$EM1"
	held+=("$fd")
done
sleep 0.3
check "beyond 32 connections a scrape is refused" [ "$(code "http://127.0.0.1:$EM1/metrics")" != 200 ]
check "the idle connections time out, and it serves again" wait_for 10 \
	eval '[ "$(code "http://127.0.0.1:$EM1/metrics")" = 200 ]'
closed=0
for fd in "${held[@]}"; do
	if ! read -r -t 1 _ <&"$fd" 2>/dev/null; then closed=$((closed + 1)); fi
	exec {fd}>&-
done
check "every idle connection was closed ($closed)" [ "$closed" -eq 40 ]
check "the planner still serves" [ "$(code "http://127.0.0.1:$PM/metrics")" = 200 ]
check "the planner still plans" eval 'g=$(newest); wait_for 5 eval "[ \$(newest) -gt $g ]"'

# The alert rules and their tests; the dashboard.
st=0
out=$("$PROMTOOL" check rules "$RULES" 2>&1) || st=$?
check "promtool check rules" [ "$st" -eq 0 ]
[ "$st" -eq 0 ] || echo "$out"
st=0
out=$(cd "$ROOT/contrib/prometheus" &&
	"$PROMTOOL" test rules dnsplane.rules.test.yml 2>&1) || st=$?
check "promtool test rules" [ "$st" -eq 0 ]
[ "$st" -eq 0 ] || echo "$out"
DASH=$ROOT/contrib/grafana/dnsplane.json
check "the dashboard is valid JSON" python3 -m json.tool "$DASH" >/dev/null
# Every dnsplane_ metric the rules and the dashboard name is served.
cat "$T"/*.prom | awk '/^# TYPE/ { print $3 }' | sort -u >"$T/served"
grep -ohE 'dnsplane_[a-z0-9_]+' "$RULES" "$DASH" |
	sed -E 's/_(bucket|sum|count)$//' | sort -u >"$T/named"
missing=$(comm -23 "$T/named" "$T/served" | tr '\n' ' ')
check "every metric named in rules and dashboard is served ($missing)" [ -z "$missing" ]

stop_pid "enactor 1" "$EN1"
stop_pid "enactor 2" "$EN2"
stop_planner
stop_authd
finish
