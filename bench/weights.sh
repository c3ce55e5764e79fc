#!/bin/bash
# weights.sh - weighted answers measured: the share of answers per address
# over many queries against the weights, and authd's CPU per query with
# weighted answers against its unweighted answers, beside NSD and Knot DNS
# serving the same zone (which answer every address).
#
# usage: bench/weights.sh [--queries Q] [--rounds R] [--seconds S]
#                         [--names N] [--authd PATH] [--no-pin] [--keep]
#
# The zone bench.test. holds N endpoints e<i> of 4 A records without
# weights and N endpoints w<i> of 4 A records weighed 50:30:15:5 by
# their _weight.w<i> TXT records.  Share: Q queries (default 100000) of
# w000000 A with dig, one answer record each (weighted-answers 1), the
# share of each address against its weight, in percentage points.  CPU:
# dnsperf over UDP and TCP, a query file of random e<i> (unweighted) and
# one of random w<i> (weighted), R rounds of S seconds; cpu_us/q is the
# server's utime+stime per completed query (as bench/qps.sh), the medians
# compared as ratios; then authd again with --weighted-answers 4, whose
# weighted answers are as long as the unweighted ones, so that the draw's
# cost is not hidden by the shorter answer.  Servers on CPU 1, dnsperf on
# CPU 0 (taskset).
set -eu
set -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

QUERIES=100000
ROUNDS=3
DURATION=5
NAMES=1000
AUTHD=$ROOT/build/authd
CLIENTS=8
OUTSTANDING=200
TCP_QPC=0
PIN=1
KEEP=${KEEP_TMP:-0}
START_TIMEOUT=60

usage() { sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }
die() { echo "weights.sh: error: $*" >&2; exit 1; }
need_arg() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs an argument"; }

while [ $# -gt 0 ]; do
    case $1 in
        --queries) need_arg "$@"; QUERIES=$2; shift 2;;
        --rounds)  need_arg "$@"; ROUNDS=$2; shift 2;;
        --seconds) need_arg "$@"; DURATION=$2; shift 2;;
        --names)   need_arg "$@"; NAMES=$2; shift 2;;
        --authd)   need_arg "$@"; AUTHD=$2; shift 2;;
        --no-pin)  PIN=0; shift;;
        --keep)    KEEP=1; shift;;
        -h|--help) usage 0;;
        *)         echo "weights.sh: unknown argument: $1" >&2; usage 2;;
    esac
done
for v in QUERIES ROUNDS DURATION NAMES; do
    case ${!v} in ''|*[!0-9]*|0) die "--$(echo "$v" | tr 'A-Z' 'a-z') must be a positive integer";; esac
done
for tool in nsd knotd dnsperf dig ss taskset awk; do
    command -v "$tool" >/dev/null 2>&1 || die "required tool '$tool' not found in PATH"
done
[ -x "$AUTHD" ] || die "authd binary '$AUTHD' not found (make first)"

if [ "$PIN" = 1 ] && [ "$(getconf _NPROCESSORS_ONLN)" -lt 2 ]; then PIN=0; fi
if [ "$PIN" = 1 ]; then SRV_PIN=(taskset -c 1); CLI_PIN=(taskset -c 0)
else SRV_PIN=(); CLI_PIN=(); fi
HZ=$(getconf CLK_TCK)

. "$HERE/lib.bash"

# The zone and the query files.
WEIGHTS="50 30 15 5"
D=$TMP/data; mkdir -p "$D"
awk -v n="$NAMES" -v w="$WEIGHTS" '
BEGIN {
  split(w, wt, " ")
  print "$ORIGIN bench.test."
  print "$TTL 3600"
  print "@\tIN\tSOA\tns1.bench.test. hostmaster.bench.test. ( 2024010101 7200 3600 1209600 300 )"
  print "@\tIN\tNS\tns1.bench.test."
  print "ns1\tIN\tA\t192.0.2.1"
  for (i = 0; i < n; i++) {
    for (k = 1; k <= 4; k++) {
      a = sprintf("10.%d.%d.%d", int(i / 256) % 256, i % 256, k)
      b = sprintf("10.%d.%d.%d", 128 + int(i / 256) % 128, i % 256, k)
      printf "e%06d\tIN\tA\t%s\n", i, a
      printf "w%06d\tIN\tA\t%s\n", i, b
      printf "_weight.w%06d\tIN\tTXT\t\"%s %s\"\n", i, b, wt[k]
    }
  }
}' >"$D/bench.zone"
awk -v n="$NAMES" 'BEGIN { srand(42); for (q = 0; q < 100000; q++) {
    i = int(rand() * n)
    printf "e%06d.bench.test. A\n", i >"'"$D"'/unweighted.txt"
    printf "w%06d.bench.test. A\n", i >"'"$D"'/weighted.txt" } }'

echo "date:     $(date -u '+%Y-%m-%d %H:%M:%S UTC')  host: $(uname -n)  cpus: $(getconf _NPROCESSORS_ONLN)"
echo "versions: $(nsd -v 2>&1 | head -1) | $(knotd --version 2>&1 | head -1)"
echo "zone:     $NAMES unweighted and $NAMES weighted endpoints of 4 addresses (weights $WEIGHTS)"

for s in authd nsd knot; do start_server "$s" "$D/bench.zone" e000000.bench.test. w; done

# The share of answers per address.
echo
echo "Share of answers per address, $QUERIES queries of w000000.bench.test. A (authd, UDP):"
awk -v q="$QUERIES" 'BEGIN { for (i = 0; i < q; i++) print "w000000.bench.test. A" }' >"$D/share.txt"
dig @127.0.0.1 -p "${PORT[authd]}" +norec +noall +answer +time=2 +tries=3 -f "$D/share.txt" |
    awk '$4 == "A" { n[$5]++; t++ } END { for (a in n) print a, n[a], t }' | sort >"$D/share.out"
report=$(awk -v w="$WEIGHTS" -v q="$QUERIES" '
    BEGIN { split(w, wt, " "); for (k = 1; k <= 4; k++) tot += wt[k] }
    { split($1, o, "."); k = o[4]; want = 100 * wt[k] / tot; got = 100 * $2 / $3
      d = got - want; if (d < 0) d = -d; if (d > worst) worst = d
      printf "  %-14s weight %3d  want %6.2f %%  got %6.2f %%  (%d of %d answers)  off %.2f points\n",
             $1, wt[k], want, got, $2, $3, d
      answers = $3 }
    END { if (answers != q) printf "  WARNING: %d answers to %d queries\n", answers, q
          printf "%.2f\n", worst }' "$D/share.out")
sed '$d' <<<"$report"
worst=$(tail -n 1 <<<"$report")
echo "  largest difference: $worst percentage points (target: within 1)"

# CPU per query.
echo
echo "CPU per query (dnsperf -c $CLIENTS -q $OUTSTANDING, $ROUNDS x ${DURATION}s per server, file and transport):"
printf '  %-6s %-4s %-10s %10s %9s %7s\n' server proto answers qps cpu_us/q resp_B
RES=$TMP/res.tsv; : >"$RES"
# measure SERVER TRANSPORT FILE LABEL: one dnsperf run of FILE's queries,
# a row of the table, and LABEL's CPU per query into $RES.
measure() {
    local out=$TMP/$RANDOM-$1-$2-$4.out ticks comp qps rsz cpq
    ticks=$(run_dnsperf "$1" "$2" "$D/$3.txt" "$DURATION" "$out")
    read -r comp _ qps _ _ rsz _ _ <<<"$(parse_dnsperf "$out")"
    cpq=$(awk -v t="$ticks" -v hz="$HZ" -v c="$comp" 'BEGIN { printf "%.3f", (c > 0 ? t * 1e6 / hz / c : 0) }')
    printf '  %-6s %-4s %-10s %10s %9s %7s\n' "$1" "$2" "$4" "$qps" "$cpq" "$rsz"
    printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$4" "$cpq" >>"$RES"
}
for r in $(seq "$ROUNDS"); do
    for s in authd nsd knot; do
        for tr in udp tcp; do
            for f in unweighted weighted; do measure "$s" "$tr" "$f" "$f"; done
        done
    done
done
# The draw alone: 4 addresses drawn per answer, as long as the
# unweighted answer.
stop_server authd
AUTHD_EXTRA="--weighted-answers 4" start_server authd "$D/bench.zone" e000000.bench.test. w4
for r in $(seq "$ROUNDS"); do
    for tr in udp tcp; do measure authd "$tr" weighted weighted4; done
done
med() { awk -F'\t' -v s="$1" -v t="$2" -v f="$3" '$1 == s && $2 == t && $3 == f {print $4}' "$RES" | median; }
echo
echo "Medians and ratios (cpu_us/q):"
for tr in udp tcp; do
    aw=$(med authd "$tr" weighted); au=$(med authd "$tr" unweighted)
    nu=$(med nsd "$tr" unweighted); ku=$(med knot "$tr" unweighted)
    a4=$(med authd "$tr" weighted4)
    echo "  $tr: authd weighted $aw, unweighted $au: weighted/unweighted $(ratio "$aw" "$au") (target <= 1.10)"
    echo "  $tr: authd weighted, 4 per answer (the unweighted answer's size) $a4: $(ratio "$a4" "$au") of unweighted"
    echo "  $tr: NSD $nu, Knot $ku: authd weighted/NSD $(ratio "$aw" "$nu"), authd weighted/Knot $(ratio "$aw" "$ku")," \
         "authd unweighted/NSD $(ratio "$au" "$nu"), authd unweighted/Knot $(ratio "$au" "$ku")"
done
