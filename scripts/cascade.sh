#!/bin/bash
# cascade.sh - the cascade of 2025-10-20 after the DNS race: a lease fleet
# that reaches its lease store through the endpoint, on loopback, in both
# modes at once through the same real outage.  `make cascade` runs it;
# tests/e2e/cascade.sh runs a short version.
#
# usage: scripts/cascade.sh [--build DIR] [--out DIR] [--hosts N]
#            [--outage S] [--window S] [--operator S] [--after S]
#            [--no-plot]
#
# The lab: authd (its guard off), lbfarm with 4 load balancers on
# 127.X.0.1-4, the planner handing those addresses out for the endpoint,
# three legacy enactors, unbound in front of authd; two lease stores
# (leasestore) on the load balancers' addresses, one per mode, and two
# lease managers (leasemgr, unprotected and protected) resolving the
# endpoint through unbound.  Once every host holds a lease the legacy
# race is played with the enactors' pause points (as make demo does):
# the endpoint answers NXDOMAIN, through unbound too, until the
# operator's repair (dnsplanectl) --outage S seconds later.  The run
# watches --window S seconds after the repair; with --operator S the
# operator throttles the unprotected manager (SIGUSR1) S seconds after
# its DNS came back, and the run goes on --after S seconds more.
#
# It prints a summary, writes OUT/summary.json (per mode: hosts,
# dns_outage_s, recovered_s_after_dns, min_goodput_after_dns,
# store_requests_per_s_peak, timeouts) and draws OUT/cascade.png; the
# timelines (CSV), the events and every log stay in OUT.
BUILD=build
OUT=
HOSTS=1000
# Long enough that every lease lapses whatever the caches: a manager sees
# the outage up to 10 s shorter than authd (unbound's cached CNAME, TTL
# 5 s, at its start; the manager's own negative answer, 5 s, at its end),
# and its open connections outlive the answer by up to 3 s.
OUTAGE=20
WINDOW=30
OPERATOR=0
AFTER=20
PLOT=1
while [ $# -gt 0 ]; do
	case $1 in
	--build) BUILD=$2; shift ;;
	--out) OUT=$2; shift ;;
	--hosts) HOSTS=$2; shift ;;
	--outage) OUTAGE=$2; shift ;;
	--window) WINDOW=$2; shift ;;
	--operator) OPERATOR=$2; shift ;;
	--after) AFTER=$2; shift ;;
	--no-plot) PLOT=0 ;;
	*) echo "usage: $0 [--build DIR] [--out DIR] [--hosts N] [--outage S] [--window S] [--operator S] [--after S] [--no-plot]" >&2
	   exit 2 ;;
	esac
	shift
done
BUILD=$(cd "$BUILD" && pwd)
OUT=${OUT:-$BUILD/cascade}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
export AUTHD=$BUILD/authd BUILD_DIR=$BUILD
# The end-to-end tests' helpers: the lab's daemons, started and stopped.
for lib in lib planner_lib unbound_lib; do
	. "$(dirname "$0")/../tests/e2e/$lib.bash"
done
CTL=$BUILD/dnsplanectl
TTL=5
NEGTTL=5
MODES="unprotected protected"
T0=$(date +%s%3N)
rm -f "$OUT"/*.csv "$OUT"/*.log "$OUT"/*.txt "$OUT"/*.dat "$OUT"/events \
	"$OUT"/*.json "$OUT"/cascade.*

say() { printf '%s\n' "$*" | fold -s -w 76 | sed 's/^/   /'; }
event() { echo "$(date +%s%3N) $*" >>"$T/events"; }
keep() { cp "$T"/*.csv "$T"/*.log "$T"/*.txt "$T/events" "$OUT"/ 2>/dev/null || true; }
die() {
	echo "cascade: $*" >&2
	keep
	echo "cascade: the logs are in $OUT" >&2
	exit 1
}

# ---- the lab ----

for k in enactor operator; do new_key "$T/$k.key" "$k"; done
cat >"$T/api.zone" <<ZONE
\$ORIGIN api.test.
\$TTL 60
@	SOA	ns1 hostmaster 1 3600 600 86400 $NEGTTL
	NS	ns1
ns1	A	192.0.2.53
ZONE
: >"$T/events"
P=$(free_port)
start_lbfarm --listen "$NET.0.1-$NET.0.4:$LBPORT"
start_authd "$T/authd.log" --listen "127.0.0.1:$P" \
	--zone "api.test.=$T/api.zone" --state-dir "$T/authd" \
	--key "$T/enactor.key" --key "$T/operator.key" --guard "$E" \
	--guard-enabled no
{
	lab_planner_conf
	echo "endpoint $E"
	for i in 1 2 3 4; do
		echo "lb $E $NET.0.$i http://$NET.0.$i:$LBPORT/health 10"
	done
} >"$T/planner.conf"
start_planner "$T/planner.log" -c "$T/planner.conf"
wait_for 10 newer_than 0 || die "the planner wrote no plan"
start_unbound "$P" || die "unbound does not answer"

# start_enactor N ARGS...: legacy enactor N, its PID in EN<N>.
start_enactor() {
	n=$1
	shift
	"$ENACTOR" --id "$n" --mode legacy --store "$STORE" \
		--server "127.0.0.1:$P" --zone api.test. --key "$T/enactor.key" \
		--keep 2 --ttl "$TTL" --interval-ms 200 --heartbeat-ms 200 \
		"$@" >>"$T/enactor$n.log" 2>&1 &
	eval "EN$n=$!"
	PIDS="$PIDS $!"
}
stop_enactor() {
	stop_pid "enactor $1" "$(eval "echo \$EN$1")" >/dev/null
}
for n in 1 2 3; do start_enactor "$n"; done
resolves() { dig @127.0.0.1 -p "$U" +short "$E" A | grep -q "^$NET\."; }
wait_for 15 resolves || die "the endpoint does not resolve through unbound"

# The lease stores and the lease managers, one of each per mode.
for mode in $MODES; do
	sp=$(free_port)
	listen=()
	for i in 1 2 3 4; do listen+=(--listen "$NET.0.$i:$sp"); done
	eval "SM_$mode=$(free_port) MM_$mode=$(free_port)"
	"$BUILD/leasestore" "${listen[@]}" --timeline "$T/store-$mode.csv" \
		--metrics-listen "127.0.0.1:$(eval "echo \$SM_$mode")" \
		>"$T/store-$mode.log" 2>&1 &
	eval "STORE_$mode=$!"
	PIDS="$PIDS $!"
	wait_for 5 has "ready:" "$T/store-$mode.log" || die "leasestore did not start"
	"$BUILD/leasemgr" --mode "$mode" --endpoint "$E" \
		--resolver "127.0.0.1:$U" --store-port "$sp" --hosts "$HOSTS" \
		--timeline "$T/mgr-$mode.csv" \
		--metrics-listen "127.0.0.1:$(eval "echo \$MM_$mode")" \
		>"$T/mgr-$mode.log" 2>&1 &
	eval "MGR_$mode=$!"
	PIDS="$PIDS $!"
	wait_for 5 has "ready:" "$T/mgr-$mode.log" || die "leasemgr did not start"
done
event "fleets start"

# leased_share MODE: the last share of hosts leased, in percent.
leased_share() {
	tail -1 "$T/mgr-$1.csv" | awk -F, '$2 > 0 { printf "%d", $3 * 100 / $2 }'
}
all_leased() {
	for mode in $MODES; do
		[ "$(leased_share "$mode")" -ge 99 ] 2>/dev/null || return 1
	done
}
echo "== cascade: $HOSTS hosts per fleet, leases of 6 s renewed every 2 s, through $E"
wait_for 30 all_leased || die "the fleets never held their leases"
sleep 3
event "steady"
say "Both fleets hold their leases; the lease stores serve the renewals."

# ---- the outage: the legacy race, as make demo plays it ----

echo "== the legacy race"
for n in 1 2 3; do stop_enactor "$n"; done
start_enactor 1 --pause-at after-freshness-check --pause-at before-cleanup
wait_for 10 stopped "$EN1" || die "enactor 1 did not pause"
G1=$(grep "applying plan" "$T/enactor1.log" | tail -1 | grep -o 'plan [0-9]*' | cut -d' ' -f2)
event "a: enactor 1 delayed, plan $G1"
wait_for 10 newer_than $((G1 + 4)) || die "the planner wrote no newer plan"
start_enactor 2 --pause-at before-cleanup
start_enactor 3 --pause-at before-cleanup
wait_for 10 stopped "$EN2" && wait_for 10 stopped "$EN3" ||
	die "enactors 2 and 3 did not pause"
event "c: 2, 3 on the newest"
kill -CONT "$EN1"
wait_for 10 stopped "$EN1" || die "enactor 1 did not pause again"
event "d: 1 writes plan $G1"
kill -CONT "$EN2"
wait_for 10 grep -q "cleanup: deleted plan $G1 " "$T/enactor2.log" ||
	die "enactor 2 did not delete plan $G1"
event "e: plan $G1 deleted"
kill -CONT "$EN3" "$EN1"
nx() { dig @127.0.0.1 -p "$P" +norec "$E" A | grep -q "status: NXDOMAIN"; }
nx || die "the race did not empty the endpoint"
say "Enactor 1 wrote its old plan $G1 over the newest, enactor 2's cleanup \
deleted plan $G1: $E answers NXDOMAIN, and every enactor is stuck."
sleep "$OUTAGE"
CTLA=(--store "$STORE" --server "127.0.0.1:$P" --zone api.test.
	--key "$T/operator.key" --ttl "$TTL")
for c in "pause --reason cascade" repair "resume --reason repaired"; do
	# shellcheck disable=SC2086
	"$CTL" "${CTLA[@]}" $c >>"$T/ctl.log" 2>&1 || die "dnsplanectl $c failed"
done
nx && die "the repair did not bring the endpoint back"
event "repair"
REPAIR_MS=$(date +%s%3N)
say "After $OUTAGE s the operator repaired the endpoint (dnsplanectl pause, \
repair, resume); unbound and the managers still hold what they cached."

# dns_back MODE: unix ms of the manager's first answer with addresses
# after the race, or nothing.
STEADY_MS=$(awk '$2 == "steady" { print $1 }' "$T/events")
dns_down() {
	awk -F, -v t="$STEADY_MS" 'NR > 1 && $1 >= t && $11 == 0 { print $1; exit }' "$T/mgr-$1.csv"
}
dns_back() {
	d=$(dns_down "$1")
	[ -n "$d" ] || return 0
	awk -F, -v t="$d" 'NR > 1 && $1 >= t && $11 == 1 { print $1; exit }' "$T/mgr-$1.csv"
}
back_both() { [ -n "$(dns_back unprotected)" ] && [ -n "$(dns_back protected)" ]; }
down_both() { [ -n "$(dns_down unprotected)" ] && [ -n "$(dns_down protected)" ]; }
wait_for 10 down_both || die "the outage never reached the managers: \
their cached answers outlived it (try a longer --outage)"
wait_for 30 back_both || die "the managers never resolved the endpoint again"
for mode in $MODES; do
	event "dns back ($mode)"
	sed -i '$d' "$T/events"
	echo "$(dns_back "$mode") dns back ($mode)" >>"$T/events"
done
sleep "$WINDOW"
WINDOW_END=$(date +%s%3N)
if [ "$OPERATOR" -gt 0 ]; then
	at=$(($(dns_back unprotected) + OPERATOR * 1000))
	now=$(date +%s%3N)
	[ "$now" -ge "$at" ] || sleep "$(awk -v d=$((at - now)) 'BEGIN { print d / 1000 }')"
	kill -USR1 "$MGR_unprotected"
	event "operator throttles (unprotected)"
	say "The operator throttles the unprotected manager (SIGUSR1): its \
queue dropped, 16 items in flight at most."
	sleep "$AFTER"
fi
END_MS=$(date +%s%3N)
event "end"
# What each daemon's /metrics says at the end.
for mode in $MODES; do
	curl -s "127.0.0.1:$(eval "echo \$SM_$mode")/metrics" >"$T/metrics-store-$mode.txt" || true
	curl -s "127.0.0.1:$(eval "echo \$MM_$mode")/metrics" >"$T/metrics-mgr-$mode.txt" || true
done
# Each lease daemon must stop cleanly (under make asan: without a leak).
for mode in $MODES; do
	stop_pid "leasemgr $mode" "$(eval "echo \$MGR_$mode")" >/dev/null
	stop_pid "leasestore $mode" "$(eval "echo \$STORE_$mode")" >/dev/null
done
stop_planner >/dev/null
keep
[ "$FAILS" -eq 0 ] || die "a daemon did not stop cleanly (its log says why)"

# ---- the numbers ----

# summary MODE END: the JSON object of MODE, its rows up to END.
summary() {
	awk -F, -v down="$(dns_down "$1")" -v back="$(dns_back "$1")" -v end="$2" '
	NR == 1 { next }
	$1 > end { next }
	{ t[n] = $1; g[n] = $2 > 0 ? $3 / $2 : 0; hosts = $2; to = $7; n++ }
	END {
		rec = "null"
		min = 1
		for (i = 0; i < n; i++) {
			if (t[i] < back)
				continue
			if (g[i] < min)
				min = g[i]
			if (rec != "null" || t[i] + 5000 > end || g[i] < 0.95)
				continue
			ok = 1
			for (j = i; j < n && t[j] <= t[i] + 5000; j++)
				if (g[j] < 0.95)
					ok = 0
			if (ok)
				rec = sprintf("%.1f", (t[i] - back) / 1000)
		}
		printf "\"hosts\": %d, \"dns_outage_s\": %.1f, ", hosts, (back - down) / 1000
		printf "\"recovered_s_after_dns\": %s, \"min_goodput_after_dns\": %.3f, ", rec, min
		printf "\"timeouts\": %d", to
	}' "$T/mgr-$1.csv"
}
# peak MODE: the most requests the store received in one second.
peak() {
	awk -F, 'NR == 1 { next }
	{ s = int($1 / 1000); if (!(s in lo)) lo[s] = $4; hi[s] = $4 }
	END { for (s in lo) if (hi[s] - lo[s] > m) m = hi[s] - lo[s]; print m + 0 }' \
		"$T/store-$1.csv"
}
{
	echo "{"
	sep=""
	for mode in $MODES; do
		printf '%s  "%s": {%s, "store_requests_per_s_peak": %s}' "$sep" \
			"$mode" "$(summary "$mode" "$END_MS")" "$(peak "$mode")"
		sep=$',\n'
	done
	printf '\n}\n'
} >"$OUT/summary.json"
# In the window before any operator action, for the test.
{
	echo "{"
	sep=""
	for mode in $MODES; do
		printf '%s  "%s": {%s}' "$sep" "$mode" "$(summary "$mode" "$WINDOW_END")"
		sep=$',\n'
	done
	printf '\n}\n'
} >"$OUT/window.json"

field() { # field FILE MODE NAME
	sed -n "s/.*\"$2\": {\(.*\)}.*/\1/p" "$1" | tr ',' '\n' |
		sed -n "s/.*\"$3\": //p"
}
echo "== Summary ($OUT/summary.json)"
for mode in $MODES; do
	rec=$(field "$OUT/summary.json" "$mode" recovered_s_after_dns)
	case $rec in
	null) rec="not recovered in the run" ;;
	*) rec="recovered $rec s after DNS" ;;
	esac
	printf '   %-12s hosts %s, DNS out for the manager %s s; %s; min goodput %s;\n' \
		"$mode:" "$(field "$OUT/summary.json" "$mode" hosts)" \
		"$(field "$OUT/summary.json" "$mode" dns_outage_s)" "$rec" \
		"$(field "$OUT/summary.json" "$mode" min_goodput_after_dns)"
	printf '                store peak %s requests/s, %s items timed out\n' \
		"$(field "$OUT/summary.json" "$mode" store_requests_per_s_peak)" \
		"$(field "$OUT/summary.json" "$mode" timeouts)"
done
if [ "$OPERATOR" -gt 0 ]; then
	w=$(field "$OUT/window.json" unprotected recovered_s_after_dns)
	[ "$w" = null ] && w=never
	say "(unprotected: the operator throttled it $OPERATOR s after its DNS \
came back; before that, in the ${WINDOW} s after DNS came back, it \
recovered: $w)"
fi

# ---- the picture ----

[ "$PLOT" -eq 1 ] || exit 0
# rates MODE: seconds since the start, goodput %, store waiting, served/s.
for mode in $MODES; do
	awk -F, -v t0="$T0" 'NR > 1 { printf "%.2f %.1f %d\n", ($1 - t0) / 1000, $2 ? $3 * 100 / $2 : 0, $11 }' \
		"$OUT/mgr-$mode.csv" >"$OUT/plot-mgr-$mode.dat"
	awk -F, -v t0="$T0" 'NR > 1 { t[n] = $1; s[n] = $5; w[n] = $2; n++ }
	END { for (i = 10; i < n; i++)
		printf "%.2f %d %.0f\n", (t[i] - t0) / 1000, w[i], (s[i] - s[i - 10]) * 1000 / (t[i] - t[i - 10]) }' \
		"$OUT/store-$mode.csv" >"$OUT/plot-store-$mode.dat"
done
marks=""
while read -r ms label; do
	x=$(awk -v a="$ms" -v t0="$T0" 'BEGIN { printf "%.2f", (a - t0) / 1000 }')
	marks="$marks$x|$label"$'\n'
done <"$OUT/events"
{
	echo "set terminal pngcairo size 1400,1000 font ',10'"
	echo "set output '$OUT/cascade.png'"
	echo "set multiplot layout 4,1 title 'dnsplane cascade: $HOSTS hosts per fleet through $E (legacy race, operator repair after $OUTAGE s)'"
	echo "set xrange [0:$(((END_MS - T0) / 1000 + 1))]"
	echo "set grid"
	echo "set key top right opaque"
	echo "set lmargin 10"
	arrows() {
		i=0
		while IFS='|' read -r x label; do
			[ -n "$x" ] || continue
			i=$((i + 1))
			echo "set arrow $i from $x, graph 0 to $x, graph 1 nohead lc rgb 'gray50' dt 2"
			[ "$1" = labels ] &&
				echo "set label $i '$label' at $x, graph $(awk -v i=$i 'BEGIN { print 0.92 - (i % 6) * 0.08 }') font ',8' offset 0.3,0"
		done <<<"$marks"
	}
	arrows labels
	echo "set ylabel 'hosts leased (%)'"
	echo "set yrange [0:105]"
	echo "set key at graph 0.99, graph 0.5 right opaque"
	echo "plot '$OUT/plot-mgr-unprotected.dat' u 1:2 w l lw 2 lc rgb '#d62728' t 'unprotected: goodput', '$OUT/plot-mgr-protected.dat' u 1:2 w l lw 2 lc rgb '#2ca02c' t 'protected: goodput'"
	echo "unset label"
	echo "set key top right opaque"
	echo "set yrange [*:*]"
	echo "set ylabel 'store: waiting'"
	echo "plot '$OUT/plot-store-unprotected.dat' u 1:2 w l lw 2 lc rgb '#d62728' t 'unprotected store: requests waiting', '$OUT/plot-store-protected.dat' u 1:2 w l lw 2 lc rgb '#2ca02c' t 'protected store: requests waiting'"
	echo "set ylabel 'store: served/s'"
	echo "plot '$OUT/plot-store-unprotected.dat' u 1:3 w l lw 2 lc rgb '#d62728' t 'unprotected store: requests served per second', '$OUT/plot-store-protected.dat' u 1:3 w l lw 2 lc rgb '#2ca02c' t 'protected store: requests served per second'"
	echo "set ylabel 'DNS, as each manager got it'"
	echo "set yrange [-0.3:4.4]"
	echo "set ytics ('none' 0, 'addresses' 1, 'none' 1.5, 'addresses' 2.5)"
	echo "set xlabel 'seconds since the lab started'"
	echo "plot '$OUT/plot-mgr-unprotected.dat' u 1:3 w steps lw 2 lc rgb '#d62728' t 'unprotected manager: last answer', '$OUT/plot-mgr-protected.dat' u 1:(\$3 + 1.5) w steps lw 2 lc rgb '#2ca02c' t 'protected manager: last answer (raised)'"
	echo "unset multiplot"
} >"$OUT/cascade.gp"
gnuplot "$OUT/cascade.gp" || die "gnuplot failed"
echo "   plot: $OUT/cascade.png"
