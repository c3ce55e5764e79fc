#!/bin/bash
# planner.sh - the planner on a region of 2,000 endpoints x 50 load
# balancers (100,000 addresses) health-checked against lbfarm.
#
# usage: bench/planner.sh [--build DIR] [--endpoints E] [--lbs N]
#                         [--rounds R] [--concurrency C] [--check http|tcp]
#                         [--keep]
#
# Endpoint e (0-based) has its load balancers on loopback address
# 127.10.x.y (number e+1) at ports 30000..30000+N-1; the addresses the plan
# hands out are 10.0.0.0/8 (four in five) and 2001:db8::/64 (one in five),
# weight 100.  lbfarm runs as several processes (shards) when one process
# may not hold 100,000 listening sockets (the open-file limit, `ulimit -Hn`).
#
# The planner runs with check-interval-ms 1000 and plan-interval-ms 100, so
# that every health round ends in a full generation written (a periodic one
# when nothing changed): each round is one sample of both.  Measured:
#   - per health round: wall time and the planner's CPU (its own log line),
#     and lbfarm's CPU (/proc/PID/stat of every shard) over the same rounds;
#   - per generation: time to write it (the planner's log line: validate,
#     one transaction, commit with fsync) and the store's size per
#     generation (SQLite's dbstat over the plan tables);
#   - a flip: 10 % of all load balancers taken down at once (5 of 50 per
#     endpoint, within the velocity limit), then brought back;
#   - reading one whole generation back through the plan_addr view;
#   - memory (VmHWM) of the planner and lbfarm.
# Nothing here is asserted; the figures go to docs/BENCHMARKS.md.
set -eu
set -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=$ROOT/build
ENDPOINTS=2000
LBS=50
ROUNDS=8
CONCURRENCY=1024
CHECK=http
KEEP=${KEEP_TMP:-0}
PORT=30000

while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=$(cd "$2" && pwd); shift 2 ;;
	--endpoints) ENDPOINTS=$2; shift 2 ;;
	--lbs) LBS=$2; shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	--concurrency) CONCURRENCY=$2; shift 2 ;;
	--check) CHECK=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	*) sed -n '2,8p' "$0" >&2; exit 2 ;;
	esac
done

PLANNER=$BUILD/planner
LBFARM=$BUILD/lbfarm
T=$(mktemp -d /tmp/dnsplane-bench-planner.XXXXXX)
PIDS=""
LBPIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	if [ "$KEEP" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT INT TERM

ip_of() { echo "127.10.$(($1 >> 8)).$(($1 & 255))"; }
cpu_ticks() { # utime+stime of the PIDs, in clock ticks
	local sum=0
	for p in "$@"; do
		sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat")))
	done
	echo "$sum"
}
hwm_mb() { awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
stat_line() { # min / median / max of numbers on stdin
	sort -n | awk '{v[NR] = $1} END {m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "min %.1f  median %.1f  max %.1f  (n=%d)", v[1], m, v[NR], NR}'
}
wait_log() { # wait_log FILE TEXT SECONDS
	local i=0
	until grep -qF -- "$2" "$1"; do
		i=$((i + 1))
		if [ $i -gt $(($3 * 10)) ]; then
			echo "timed out waiting for '$2' in $1" >&2
			tail -5 "$1" >&2
			exit 1
		fi
		sleep 0.1
	done
}

TOTAL=$((ENDPOINTS * LBS))
HZ=$(getconf CLK_TCK)
NOFILE=$(ulimit -Hn)
[ "$NOFILE" = unlimited ] && NOFILE=1048576
# Endpoints per lbfarm process: its listeners plus some room.
PER=$(((NOFILE - 2000) / LBS))
[ "$PER" -gt "$ENDPOINTS" ] && PER=$ENDPOINTS
SHARDS=$(((ENDPOINTS + PER - 1) / PER))

echo "date:     $(date -u '+%Y-%m-%d %H:%M:%S UTC')  host: $(hostname)  cpus: $(nproc)"
echo "versions: $("$PLANNER" -V) | SQLite $(sqlite3 -version | cut -d' ' -f1) | libuv $(pkg-config --modversion libuv 2>/dev/null || echo '?')"
echo "region:   $ENDPOINTS endpoints x $LBS load balancers = $TOTAL addresses, $CHECK checks, concurrency $CONCURRENCY"
echo "lbfarm:   $SHARDS process(es) of up to $((PER * LBS)) listeners (open-file limit $NOFILE)"

# The region.
{
	echo "region bench-1"
	echo "store $T/plans.db"
	echo "check-interval-ms 1000"
	echo "check-timeout-ms 900"
	echo "check-concurrency $CONCURRENCY"
	echo "plan-interval-ms 100"
	echo "healthy-threshold 1"
	echo "unhealthy-threshold 1"
	echo "log-level debug"
	awk -v E="$ENDPOINTS" -v N="$LBS" -v P="$PORT" -v C="$CHECK" 'BEGIN {
		for (e = 0; e < E; e++) {
			name = sprintf("ep%04d.bench-1.api.test.", e)
			print "endpoint " name
			a = e + 1
			host = sprintf("127.10.%d.%d", int(a / 256), a % 256)
			for (i = 0; i < N; i++) {
				k = e * N + i
				if (i % 5 == 4)
					addr = sprintf("2001:db8::%x:%x", int(k / 65536), k % 65536)
				else
					addr = sprintf("10.%d.%d.%d", int(k / 65536),
					    int(k / 256) % 256, k % 256)
				if (C == "tcp")
					chk = sprintf("tcp://%s:%d", host, P + i)
				else
					chk = sprintf("http://%s:%d/health", host, P + i)
				printf "lb %s %s %s 100\n", name, addr, chk
			}
		}
	}'
} >"$T/planner.conf"
t0=$(date +%s.%N)
"$PLANNER" -c "$T/planner.conf" -n >/dev/null
t1=$(date +%s.%N)
printf "config:   %d lines, %.1f MB, checked (-n) in %.2f s\n" \
	"$(wc -l <"$T/planner.conf")" \
	"$(echo "$(stat -c %s "$T/planner.conf") / 1048576" | bc -l)" \
	"$(echo "$t1 - $t0" | bc -l)"

# lbfarm shards.
t0=$(date +%s.%N)
for s in $(seq 0 $((SHARDS - 1))); do
	first=$((s * PER))
	last=$(((s + 1) * PER - 1))
	[ $last -ge "$ENDPOINTS" ] && last=$((ENDPOINTS - 1))
	: >"$T/lbfarm$s.log"
	"$LBFARM" --listen "$(ip_of $((first + 1)))-$(ip_of $((last + 1))):$PORT-$((PORT + LBS - 1))" \
		--control "$T/lb$s.sock" >"$T/lbfarm$s.log" 2>&1 &
	PIDS="$PIDS $!"
	LBPIDS="$LBPIDS $!"
done
for s in $(seq 0 $((SHARDS - 1))); do wait_log "$T/lbfarm$s.log" "ready:" 60; done
t1=$(date +%s.%N)
printf "lbfarm:   %d listeners up in %.2f s\n" "$TOTAL" "$(echo "$t1 - $t0" | bc -l)"

# The planner: start, first round, first generation, ready.
L=$T/planner.log
: >"$L"
t0=$(date +%s.%N)
"$PLANNER" -c "$T/planner.conf" >"$L" 2>&1 &
PPID_=$!
PIDS="$PIDS $PPID_"
wait_log "$L" "ready:" 120
t1=$(date +%s.%N)
printf "planner:  ready in %.2f s (settings, store, first round of %d checks, generation 1)\n" \
	"$(echo "$t1 - $t0" | bc -l)" "$TOTAL"

# Steady rounds: every one ends in a generation.
n0=$(grep -c "health round:" "$L")
c0=$(cpu_ticks $LBPIDS)
wait_log "$L" "$(printf 'generation %d (' $((ROUNDS + 2)))" $((ROUNDS * 30))
c1=$(cpu_ticks $LBPIDS)
n1=$(grep -c "health round:" "$L")
rounds=$((n1 - n0))

# The flip: ports 30000..30004 of every address (10 % of capacity).
g0=$(grep -c "planner notice: generation" "$L")
for s in $(seq 0 $((SHARDS - 1))); do
	"$LBFARM" ctl "$T/lb$s.sock" down "127.10.0.0-127.10.255.255:$PORT-$((PORT + 4))" >/dev/null
done
wait_log "$L" "-10.0.0.0 " 60
down_line=$(grep -m1 -- "-10.0.0.0 " "$L")
for s in $(seq 0 $((SHARDS - 1))); do
	"$LBFARM" ctl "$T/lb$s.sock" up all >/dev/null
done
wait_log "$L" "+10.0.0.0 " 60
up_line=$(grep -m1 -- "+10.0.0.0 " "$L")
phwm=$(hwm_mb "$PPID_")
lhwm=$(for p in $LBPIDS; do hwm_mb "$p"; echo; done | awk '{s += $1} END {printf "%.1f", s}')
kill -TERM "$PPID_"
wait "$PPID_" || true
PIDS=$(echo "$PIDS" | sed "s/ $PPID_//")

echo
echo "Health rounds ($rounds steady rounds of $TOTAL checks; the first round is in 'ready'):"
grep "health round:" "$L" | tail -n +$((n0 + 1)) | head -n "$rounds" >"$T/rounds"
echo "  wall ms         $(sed 's/.*failed, \([0-9]*\) ms.*/\1/' "$T/rounds" | stat_line)"
echo "  planner cpu ms  $(sed 's/.*cpu \([0-9]*\) ms.*/\1/' "$T/rounds" | stat_line)"
printf "  lbfarm cpu ms   %.1f per round (all shards, averaged)\n" \
	"$(echo "($c1 - $c0) * 1000 / $HZ / $rounds" | bc -l)"
awk -v t="$TOTAL" '{ sub(/.*failed, /, ""); ms = $1 + 0; if (ms > 0) n += t * 1000 / ms; c++ } END { if (c) printf "  checks/s        %.0f (mean over rounds)\n", n / c }' "$T/rounds"

echo
echo "Generations of $TOTAL addresses (write: validate, one transaction, commit with fsync):"
grep "planner notice: generation" "$L" | sed 's/.*written in \([0-9.]*\) ms.*/\1/' >"$T/writes"
echo "  write ms        $(stat_line <"$T/writes")"
gens=$(sqlite3 "$T/plans.db" "SELECT count(*) FROM plan")
bytes=$(sqlite3 "$T/plans.db" "SELECT sum(pgsize) FROM dbstat WHERE name IN ('plan', 'plan_endpoint', 'sqlite_autoindex_plan_endpoint_1')")
printf "  store           %d generations, %.2f MB of pages per generation (%.1f bytes per address); file %.1f MB + WAL %.1f MB\n" \
	"$gens" "$(echo "$bytes / $gens / 1048576" | bc -l)" \
	"$(echo "$bytes / $gens / $TOTAL" | bc -l)" \
	"$(echo "$(stat -c %s "$T/plans.db") / 1048576" | bc -l)" \
	"$(echo "$(stat -c %s "$T/plans.db-wal" 2>/dev/null || echo 0) / 1048576" | bc -l)"
g=$(sqlite3 "$T/plans.db" "SELECT max(generation) FROM plan")
rd=$(printf '.timer on\nSELECT count(*), sum(weight) FROM plan_addr WHERE generation = %d;\n' "$g" |
	sqlite3 "$T/plans.db" | sed -n 's/.*Run Time: real \([0-9.]*\).*/\1/p')
printf "  read back       generation %d through the plan_addr view: %.1f ms\n" "$g" "$(echo "$rd * 1000" | bc -l)"
echo "  endpoint read   one endpoint of one generation is one row (primary key)"

echo
echo "Flip of 10 % of the load balancers:"
echo "  down: ${down_line:0:230}..."
echo "  up:   ${up_line:0:230}..."
echo
echo "Memory (VmHWM): planner $phwm MB, lbfarm $lhwm MB over $SHARDS process(es)"
echo "Errors in the logs: $(cat "$L" "$T"/lbfarm*.log | grep -c ' error: ' || true)"
