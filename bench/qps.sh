#!/bin/bash
# qps.sh - compare authd against NSD and Knot DNS on loopback.
#
# usage: bench/qps.sh [--rounds R] [--seconds S] [--names N] [--authd PATH]
#                     [--mem-names M] [--no-mem] [--clients C] [--outstanding Q]
#                     [--servers nsd,knot,authd] [--tcp-qpc N] [--no-pin] [--keep]
#
# --tcp-qpc N: dnsperf reconnects after N queries per TCP connection (default:
# never; the 8 connections stay open and dnsperf pipelines queries on them).
# Note dnsperf 2.10 reconnects slowly (~10 reconnects/s per client), so small N
# caps the rate far below what the servers can do; use N in the hundreds.
#
# For every round, each server (order rotated per round) is measured with
# dnsperf over UDP and then TCP.  The server's CPU time (utime+stime of the
# process and all its descendants, from /proc/PID/stat) is sampled before and
# after each dnsperf run to get CPU microseconds per completed query.
#
# Pinning (default on, needs >= 2 CPUs): servers run on CPU 1 (taskset -c 1),
# dnsperf on CPU 0 (taskset -c 0), so client and server never compete for a
# core.  --no-pin disables this.
#
# Memory phase (default on): each server is started alone on a --mem-names
# (default 100000) zone, a 2 s UDP query burst is run, and VmRSS (plus PSS
# from smaps_rollup) is reported.  For NSD the numbers are summed over all of
# its processes (main + xfrd + server child).
#
# Environment: KEEP_TMP=1 (same as --keep) keeps the temp dir with logs.
set -eu
set -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

ROUNDS=3
DURATION=10
NAMES=10000
MEM_NAMES=100000
DO_MEM=1
AUTHD=$ROOT/build/authd
CLIENTS=8
OUTSTANDING=200
PIN=1
TCP_QPC=0
SERVERS=nsd,knot,authd
KEEP=${KEEP_TMP:-0}
START_TIMEOUT=60        # seconds, per server start (doubled for the memory zone)

CMDLINE=$0
for _a in "$@"; do
    if [[ $_a =~ ^[A-Za-z0-9_./=:,+@%-]+$ ]]; then CMDLINE+=" $_a"; else CMDLINE+=" $(printf '%q' "$_a")"; fi
done

usage() { sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }
die() { echo "qps.sh: error: $*" >&2; exit 1; }
need_arg() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs an argument"; }
is_uint() { case $1 in ''|*[!0-9]*) return 1;; esac; }

while [ $# -gt 0 ]; do
    case $1 in
        --rounds)      need_arg "$@"; ROUNDS=$2; shift 2;;
        --seconds)     need_arg "$@"; DURATION=$2; shift 2;;
        --names)       need_arg "$@"; NAMES=$2; shift 2;;
        --mem-names)   need_arg "$@"; MEM_NAMES=$2; shift 2;;
        --authd)       need_arg "$@"; AUTHD=$2; shift 2;;
        --clients)     need_arg "$@"; CLIENTS=$2; shift 2;;
        --outstanding) need_arg "$@"; OUTSTANDING=$2; shift 2;;
        --servers)     need_arg "$@"; SERVERS=$2; shift 2;;
        --tcp-qpc)     need_arg "$@"; TCP_QPC=$2; shift 2;;
        --no-mem)      DO_MEM=0; shift;;
        --no-pin)      PIN=0; shift;;
        --keep)        KEEP=1; shift;;
        -h|--help)     usage 0;;
        *)             echo "qps.sh: unknown argument: $1" >&2; usage 2;;
    esac
done
for v in ROUNDS DURATION NAMES MEM_NAMES CLIENTS OUTSTANDING; do
    is_uint "${!v}" && [ "${!v}" -ge 1 ] || die "--$(echo "$v" | tr 'A-Z_' 'a-z-') must be a positive integer (got '${!v}')"
done
[ "$DURATION" -ge 2 ] || die "--seconds must be >= 2"
is_uint "$TCP_QPC" || die "--tcp-qpc must be a non-negative integer"

for tool in nsd knotd dnsperf dig ss taskset awk getconf; do
    command -v "$tool" >/dev/null 2>&1 || die "required tool '$tool' not found in PATH"
done
[ -x "$HERE/genzone.sh" ] || die "$HERE/genzone.sh missing or not executable"

NCPU=$(getconf _NPROCESSORS_ONLN)
if [ "$PIN" = 1 ] && [ "$NCPU" -lt 2 ]; then
    echo "note: only $NCPU CPU online, disabling pinning" >&2; PIN=0
fi
if [ "$PIN" = 1 ]; then
    SRV_PIN=(taskset -c 1); CLI_PIN=(taskset -c 0)
    PIN_DESC="servers pinned to CPU 1, dnsperf pinned to CPU 0 (taskset)"
else
    SRV_PIN=(); CLI_PIN=()
    PIN_DESC="no CPU pinning"
fi
HZ=$(getconf CLK_TCK)

# Which servers to run.
RUN_SERVERS=()
IFS=, read -r -a _req <<<"$SERVERS"
for s in "${_req[@]}"; do
    case $s in
        nsd|knot) RUN_SERVERS+=("$s");;
        authd)
            if [ -x "$AUTHD" ]; then RUN_SERVERS+=(authd)
            else echo "NOTE: authd binary '$AUTHD' not found or not executable -- skipping authd" >&2
                 AUTHD_SKIPPED=1
            fi;;
        *) die "unknown server '$s' in --servers (use nsd, knot, authd)";;
    esac
done
[ ${#RUN_SERVERS[@]} -gt 0 ] || die "no servers to run"

. "$HERE/lib.bash"

hr() { printf '%*s\n' 86 '' | tr ' ' -; }
TABFMT='%-6s %-4s %9s %10s %7s %9s %8s %7s %6s %6s\n'
table_header() { printf "$TABFMT" server proto qps avg_lat_us lost cpu_us/q srv_cpu% lost% resp_B nxdom%; }

# ---------------------------------------------------------------------------
echo "command: $CMDLINE"
echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC')  host: $(uname -n)  cpus: $NCPU  CLK_TCK: $HZ"
echo "versions: $(nsd -v 2>&1 | head -1) | $(knotd --version 2>&1 | head -1) | dnsperf $(dnsperf -h 2>&1 | awk '/^Version/ {print $2}')"
echo "authd:   ${AUTHD}$( [ "${AUTHD_SKIPPED:-0}" = 1 ] && echo '  (NOT FOUND - skipped)')"
echo "setup:   zone ${NAMES} names, ${ROUNDS} round(s) x ${DURATION}s per server/transport,"
echo "         dnsperf -c $CLIENTS -q $OUTSTANDING -t 2$( [ "$TCP_QPC" -gt 0 ] && echo " (tcp: -O num-queries-per-conn=$TCP_QPC)"); 1 server worker/thread each; $PIN_DESC"
echo "         cpu_us/q = server (utime+stime of all its processes/threads) / completed queries"
echo "         srv_cpu% = server CPU time / dnsperf run time (100% = one core saturated)"
echo

# Warn if the machine is not idle (other processes would skew CPU numbers).
busy=$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat; sleep 1; awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
busy=$(echo $busy | awk '{ b = $3 - $1; i = $4 - $2; if (b + i > 0) printf "%.0f", 100 * b / (b + i); else print 0 }')
if [ "$busy" -gt 10 ]; then
    echo "WARNING: machine is ${busy}% busy before the benchmark (other processes?); numbers may be skewed"
    ps -eo pid,pcpu,comm --sort=-pcpu | head -6 | sed 's/^/  /'
    echo
fi

QDIR=$TMP/data; mkdir -p "$QDIR"
"$HERE/genzone.sh" "$NAMES" "$QDIR/bench.zone" "$QDIR/queries.txt"
LAST_HOST=$(printf 'host%06d.bench.test.' $(( NAMES - 1 )))

for s in "${RUN_SERVERS[@]}"; do start_server "$s" "$QDIR/bench.zone" "$LAST_HOST" qps; done
echo "servers: $(for s in "${RUN_SERVERS[@]}"; do printf '%s=127.0.0.1:%s(pid %s) ' "$s" "${PORT[$s]}" "${PID[$s]}"; done)"

# Sanity check: answers for an existing name, NXDOMAIN and NODATA.
for s in "${RUN_SERVERS[@]}"; do
    a=$(dig +tries=1 +time=1 -p "${PORT[$s]}" @127.0.0.1 host000004.bench.test. AAAA 2>/dev/null | awk '/status:/ {print $6}' | tr -d ,)
    n=$(dig +tries=1 +time=1 -p "${PORT[$s]}" @127.0.0.1 nx000001.bench.test. A 2>/dev/null | awk '/status:/ {print $6}' | tr -d ,)
    d=$(dig +tries=1 +time=1 -p "${PORT[$s]}" @127.0.0.1 host000001.bench.test. MX 2>/dev/null | awk '/ANSWER:/ {print $9}' | tr -d ,)
    c=$(dig +short +tries=1 +time=1 -p "${PORT[$s]}" @127.0.0.1 alias000010.bench.test. A 2>/dev/null | tr '\n' ' ')
    printf 'check %-6s AAAA:%s  nx:%s  nodata-answers:%s  cname:%s\n' "$s" "${a:-?}" "${n:-?}" "${d:-?}" "${c:-?}"
done

# Warm-up (not recorded): 1 s per server and transport.
for s in "${RUN_SERVERS[@]}"; do
    for tr in udp tcp; do run_dnsperf "$s" "$tr" "$QDIR/queries.txt" 1 "$TMP/warmup-$s-$tr.out" >/dev/null; done
done

RES=$TMP/results.tsv; : > "$RES"
ODD_RCODES=()
NS=${#RUN_SERVERS[@]}
for r in $(seq "$ROUNDS"); do
    echo; echo "Round $r/$ROUNDS"; hr; table_header
    for k in $(seq 0 $(( NS - 1 ))); do
        s=${RUN_SERVERS[$(( (k + r - 1) % NS ))]}
        for tr in udp tcp; do
            out=$TMP/r$r-$s-$tr.out
            ticks=$(run_dnsperf "$s" "$tr" "$QDIR/queries.txt" "$DURATION" "$out")
            parsed=$(parse_dnsperf "$out") || { cat "$out" >&2; die "could not parse dnsperf output ($s $tr)"; }
            read -r comp lost qps lat rt rsz nxp other <<<"$parsed"
            line=$(awk -v s="$s" -v tr="$tr" -v r="$r" -v c="$comp" -v l="$lost" -v q="$qps" \
                       -v a="$lat" -v rt="$rt" -v t="$ticks" -v hz="$HZ" -v rsz="$rsz" -v nxp="$nxp" 'BEGIN {
                us = t * 1e6 / hz
                cpq = (c > 0) ? us / c : 0
                pct = (rt > 0) ? 100 * us / 1e6 / rt : 0
                lp = (c + l > 0) ? 100 * l / (c + l) : 0
                printf "%d\t%s\t%s\t%.0f\t%.1f\t%d\t%.3f\t%.1f\t%.3f\t%d\t%s\t%.2f\n", r, s, tr, q, a, l, cpq, pct, lp, c, rsz, nxp }')
            echo "$line" >> "$RES"
            echo "$line" | awk -F'\t' -v f="$TABFMT" '{ printf f, $2, $3, $4, $5, $6, $7, $8, $9, $11, $12 }'
            if [ "$other" != - ]; then
                echo "  WARNING: $s/$tr returned unexpected response codes: $other"
                ODD_RCODES+=("round $r $s/$tr: $other")
            fi
        done
    done
done

echo; echo "Summary: median over $ROUNDS round(s)"; hr; table_header
declare -A MED_CPQ=()
for s in "${RUN_SERVERS[@]}"; do
    for tr in udp tcp; do
        col() { awk -F'\t' -v s="$s" -v tr="$tr" -v c="$1" '$2 == s && $3 == tr { print $c }' "$RES" | median; }
        q=$(col 4); a=$(col 5); l=$(col 6); cpq=$(col 7); pct=$(col 8); lp=$(col 9); rsz=$(col 11); nxp=$(col 12)
        MED_CPQ[$s/$tr]=$cpq
        awk -v f="$TABFMT" -v s="$s" -v tr="$tr" -v q="$q" -v a="$a" -v l="$l" -v cpq="$cpq" -v pct="$pct" -v lp="$lp" -v rsz="$rsz" -v nxp="$nxp" \
            'BEGIN { printf f, s, tr, sprintf("%.0f", q), sprintf("%.1f", a), sprintf("%.0f", l), sprintf("%.3f", cpq), sprintf("%.1f", pct), sprintf("%.3f", lp), sprintf("%.0f", rsz), sprintf("%.2f", nxp) }'
    done
done
hr
echo "resp_B = dnsperf's average response size (bytes); nxdom% = share of NXDOMAIN answers (query mix has ~10%)."
[ ${#ODD_RCODES[@]} -eq 0 ] || { echo "WARNING: unexpected response codes seen:"; printf '  %s\n' "${ODD_RCODES[@]}"; }
if [ -n "${PID[authd]:-}" ]; then
    echo "CPU us/query ratios (lower is better for authd; median values):"
    for tr in udp tcp; do
        printf '  %-4s  authd/NSD = %s   authd/Knot = %s\n' "$tr" \
            "$( [ -n "${MED_CPQ[nsd/$tr]:-}" ] && ratio "${MED_CPQ[authd/$tr]}" "${MED_CPQ[nsd/$tr]}" || echo n/a)" \
            "$( [ -n "${MED_CPQ[knot/$tr]:-}" ] && ratio "${MED_CPQ[authd/$tr]}" "${MED_CPQ[knot/$tr]}" || echo n/a)"
    done
else
    echo "CPU us/query ratios: n/a (authd not run)"
    if [ -n "${MED_CPQ[nsd/udp]:-}" ] && [ -n "${MED_CPQ[knot/udp]:-}" ]; then
        printf '  (reference) Knot/NSD: udp %s  tcp %s\n' "$(ratio "${MED_CPQ[knot/udp]}" "${MED_CPQ[nsd/udp]}")" \
            "$(ratio "${MED_CPQ[knot/tcp]}" "${MED_CPQ[nsd/tcp]}")"
    fi
fi

for s in "${!PID[@]}"; do stop_server "$s"; done

# ---------------------------------------------------------------------------
# Memory phase
if [ "$DO_MEM" = 1 ]; then
    echo; echo "Memory: ${MEM_NAMES}-name zone, each server started alone"
    echo "  'loaded' = right after the zone answers; 'after burst' = after a 2 s UDP dnsperf burst."
    echo "  NSD forks main + xfrd + server child: its VmRSS is the SUM over all its processes"
    echo "  (shared copy-on-write pages are counted once per process); PSS splits shared pages fairly."
    "$HERE/genzone.sh" "$MEM_NAMES" "$QDIR/mem.zone" "$QDIR/mem-queries.txt"
    MEM_LAST=$(printf 'host%06d.bench.test.' $(( MEM_NAMES - 1 )))
    hr
    MEMFMT='%-22s %6s %14s %14s %16s %8s\n'
    printf "$MEMFMT" server procs "RSS loaded MB" "PSS loaded MB" "RSS after burst" "load s"
    declare -A MEM_RSS=() MEM_RSS0=()
    mem_one() {           # mem_one NAME LABEL
        local s=$1 label=$2 t0 t1 m1 m2
        t0=$(date +%s.%N)
        start_server "$s" "$QDIR/mem.zone" "$MEM_LAST" mem
        t1=$(date +%s.%N)
        sleep 1
        m1=$(mem_kb "${PID[$s]}")
        run_dnsperf "$s" udp "$QDIR/mem-queries.txt" 2 "$TMP/mem-$s.out" >/dev/null
        m2=$(mem_kb "${PID[$s]}")
        stop_server "$s"
        if [ "$s" = authd ]; then
            AUTHD_DB_KB=$(du -sk "$TMP/authd-mem/state" | awk '{print $1}')
        fi
        set -- $m1 $m2
        MEM_RSS[$label]=$4; MEM_RSS0[$label]=$1
        awk -v f="$MEMFMT" -v n="$label" -v p="$3" -v r1="$1" -v p1="$2" -v r2="$4" -v t0="$t0" -v t1="$t1" \
            'BEGIN { printf f, n, p, sprintf("%.1f", r1/1024), sprintf("%.1f", p1/1024), sprintf("%.1f", r2/1024), sprintf("%.1f", t1 - t0) }'
    }
    for s in "${RUN_SERVERS[@]}"; do
        if [ "$s" = authd ]; then
            mem_one authd "authd (import)"
            mem_one authd "authd (restart)"  # same state dir: DB already exists
        else
            mem_one "$s" "$s"
        fi
    done
    hr
    if [ -n "${AUTHD_DB_KB:-}" ]; then
        echo "authd --state-dir size on disk after import+restart: $(awk -v k="$AUTHD_DB_KB" 'BEGIN { printf "%.1f MB", k / 1024 }')"
    fi
    if [ -n "${MEM_RSS[authd (restart)]:-}" ]; then
        echo "VmRSS ratios (loaded / after burst):"
        for lab in "authd (import)" "authd (restart)"; do
            rk="n/a"; rn="n/a"
            [ -n "${MEM_RSS[knot]:-}" ] && rk="$(ratio "${MEM_RSS0[$lab]}" "${MEM_RSS0[knot]}") / $(ratio "${MEM_RSS[$lab]}" "${MEM_RSS[knot]}")"
            [ -n "${MEM_RSS[nsd]:-}" ] && rn="$(ratio "${MEM_RSS0[$lab]}" "${MEM_RSS0[nsd]}") / $(ratio "${MEM_RSS[$lab]}" "${MEM_RSS[nsd]}")"
            printf '  %-16s authd/Knot = %-12s  authd/NSD(sum of 3 procs) = %s\n' "$lab:" "$rk" "$rn"
        done
    else
        echo "memory ratio authd/Knot: n/a (authd not run)"
    fi
fi

# Notable log lines (warnings/errors) from the servers; NSD's normal
# "signal received, shutting down" on SIGTERM is filtered out.
echo
WARNS=$(grep -HiE 'warn|error|fail' "$TMP"/*/*.log 2>/dev/null | grep -v 'signal received, shutting down' | sed "s|$TMP/||" || true)
if [ -n "$WARNS" ]; then
    echo "Server log warnings/errors ($(echo "$WARNS" | wc -l) lines, first 20):"
    echo "$WARNS" | head -20 | sed 's/^/  /'
else
    echo "Server logs: no warnings/errors."
fi
