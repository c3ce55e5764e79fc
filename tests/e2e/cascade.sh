#!/bin/bash
# cascade.sh - the cascade, short: both lease managers (unprotected and
# protected) through one real legacy race (scripts/cascade.sh), 1000
# hosts each.  After DNS comes back the protected fleet holds its leases
# again within 15 s; the unprotected one does not within the window
# (its store busy with work whose clients gave up), and does once the
# operator throttles it.
. "$(dirname "$0")/lib.bash"

OUT=$T/out
st=0
bash "$ROOT/scripts/cascade.sh" --build "$BUILD_DIR" --out "$OUT" \
	--hosts 1000 --outage 20 --window 12 --operator 12 --after 15 \
	>"$T/cascade.out" 2>&1 || st=$?
check "scripts/cascade.sh runs to its end" [ "$st" -eq 0 ]
[ "$st" -eq 0 ] || tail -40 "$T/cascade.out"

# get FILE MODE FIELD: a number of the summary, "null" for none.
get() {
	python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))[sys.argv[2]][sys.argv[3]]
print("null" if v is None else v)' "$@" 2>/dev/null || echo missing
}
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "null" && a + 0 >= b + 0) }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "null" && a + 0 <= b + 0) }'; }
S=$OUT/summary.json
W=$OUT/window.json
for mode in unprotected protected; do
	check "$mode: summary.json has every field" \
		python3 -c 'import json, sys
o = json.load(open(sys.argv[1]))[sys.argv[2]]
want = {"hosts", "dns_outage_s", "recovered_s_after_dns",
        "min_goodput_after_dns", "store_requests_per_s_peak", "timeouts"}
sys.exit(set(o) != want)' "$S" "$mode"
	check "$mode: 1000 hosts" [ "$(get "$S" "$mode" hosts)" = 1000 ]
	check "$mode: the endpoint did not resolve for the manager for a while ($(get "$S" "$mode" dns_outage_s) s)" \
		ge "$(get "$S" "$mode" dns_outage_s)" 9
	check "$mode: every lease lapsed in the outage (min goodput $(get "$S" "$mode" min_goodput_after_dns))" \
		le "$(get "$S" "$mode" min_goodput_after_dns)" 0.05
	check "$mode: the store served requests" \
		ge "$(get "$S" "$mode" store_requests_per_s_peak)" 100
done
P_REC=$(get "$S" protected recovered_s_after_dns)
check "protected: 95 % of hosts leased for 5 s within 15 s of DNS ($P_REC s)" \
	le "$P_REC" 15
check "protected: no item timed out ($(get "$S" protected timeouts))" \
	le "$(get "$S" protected timeouts)" 10
U_WIN=$(get "$W" unprotected recovered_s_after_dns)
check "unprotected: not recovered in the 12 s window after DNS ($U_WIN)" \
	[ "$U_WIN" = null ]
check "unprotected: items timed out ($(get "$S" unprotected timeouts))" \
	ge "$(get "$S" unprotected timeouts)" 100
U_REC=$(get "$S" unprotected recovered_s_after_dns)
check "unprotected: recovered once the operator throttled it ($U_REC s after DNS)" \
	ge "$U_REC" 12
check "the picture is drawn" [ -s "$OUT/cascade.png" ]
metric() { # metric FILE NAME: its value
	awk -v k="$2" '$1 == k { print $2 }' "$1" 2>/dev/null
}
check "leasemgr's /metrics: all 1000 protected hosts leased at the end" \
	[ "$(metric "$OUT/metrics-mgr-protected.txt" leasemgr_hosts_leased)" = 1000 ]
check "leasemgr's /metrics: the throttle is on for unprotected" \
	[ "$(metric "$OUT/metrics-mgr-unprotected.txt" leasemgr_throttled)" = 1 ]
check "leasestore's /metrics: requests abandoned by the unprotected store" \
	ge "$(metric "$OUT/metrics-store-unprotected.txt" leasestore_requests_abandoned_total)" 1
check "the managers logged the outage and the recovery of DNS" \
	grep -q "resolves again" "$OUT/mgr-protected.log"
check "the managers said what they did when they stopped" \
	grep -q "stopped: 1000 of 1000 hosts leased" "$OUT/mgr-protected.log"
finish
