#!/bin/bash
# genzone.sh N OUTFILE [QUERYFILE]
#
# Writes a zone file for "bench.test." with an SOA, NS (+ glue), and N host
# names hostNNNNNN.bench.test. (one A each; every 4th also has an AAAA; every
# 100th also has a TXT), plus N/10 CNAME aliases (aliasNNNNNN -> hostNNNNNN).
#
# If QUERYFILE is given, also writes a dnsperf query file (default 100000
# lines, override with QUERIES=n) with a deterministic pseudo-random mix of:
#   ~80% existing names: A for hosts, AAAA for hosts that have one, A via alias (CNAME)
#   ~10% NXDOMAIN:       nxNNNNNN.bench.test. A
#   ~10% NODATA:         existing host, type MX / AAAA-without-AAAA / TXT-without-TXT
# SEED=n changes the pseudo-random sequence (default 42).
set -eu

usage() { echo "usage: $0 N OUTFILE [QUERYFILE]" >&2; exit 2; }
[ $# -ge 2 ] && [ $# -le 3 ] || usage
N=$1; OUT=$2; QF=${3:-}
case $N in ''|*[!0-9]*) echo "$0: N must be a positive integer" >&2; exit 2;; esac
[ "$N" -ge 1 ] || { echo "$0: N must be >= 1" >&2; exit 2; }

awk -v n="$N" '
BEGIN {
  print "$ORIGIN bench.test."
  print "$TTL 3600"
  print "@\tIN\tSOA\tns1.bench.test. hostmaster.bench.test. ( 2024010101 7200 3600 1209600 300 )"
  print "@\tIN\tNS\tns1.bench.test."
  print "ns1\tIN\tA\t192.0.2.1"
  print "ns1\tIN\tAAAA\t2001:db8::1"
  for (i = 0; i < n; i++) {
    h = sprintf("host%06d", i)
    printf "%s\tIN\tA\t10.%d.%d.%d\n", h, int(i / 65536) % 256, int(i / 256) % 256, i % 256
    if (i % 4 == 0)   printf "%s\tIN\tAAAA\t2001:db8:%x:%x::1\n", h, int(i / 65536), i % 65536
    if (i % 100 == 0) printf "%s\tIN\tTXT\t\"bench text record %d\"\n", h, i
    if (i % 10 == 0)  printf "alias%06d\tIN\tCNAME\t%s\n", i, h
  }
}' > "$OUT"

[ -n "$QF" ] || exit 0

awk -v n="$N" -v q="${QUERIES:-100000}" -v seed="${SEED:-42}" '
function rnd(k) { return int(rand() * k) }
BEGIN {
  srand(seed)
  na = int((n + 3) / 4)                      # hosts with AAAA: i % 4 == 0
  nc = int((n + 9) / 10)                     # aliases: i % 10 == 0
  for (j = 0; j < q; j++) {
    r = rand()
    if (r < 0.80) {                          # existing name, positive answer
      s = rand()
      if (s < 0.70)      printf "host%06d.bench.test. A\n", rnd(n)
      else if (s < 0.90) printf "host%06d.bench.test. AAAA\n", 4 * rnd(na)
      else               printf "alias%06d.bench.test. A\n", 10 * rnd(nc)
    } else if (r < 0.90) {                   # NXDOMAIN
      printf "nx%06d.bench.test. A\n", rnd(1000000)
    } else {                                 # NODATA
      s = rand()
      if (s < 0.5) printf "host%06d.bench.test. MX\n", rnd(n)
      else {
        # a host without AAAA (i % 4 != 0) if one exists, else MX
        if (n > 1) { do i = rnd(n); while (i % 4 == 0); printf "host%06d.bench.test. AAAA\n", i }
        else printf "host%06d.bench.test. MX\n", 0
      }
    }
  }
}' > "$QF"
