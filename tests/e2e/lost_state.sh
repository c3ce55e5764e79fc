#!/bin/bash
# lost_state.sh - authd restarted after losing its database, only the
# zone file left (which, as in production, does not hold the endpoint:
# enactors write it), measured behind a real resolver (unbound, records
# of TTL 1 s, negative TTL 5 s), a client asking every 50 ms:
#   a. with a failover rule for the endpoint: no client ever gets an
#      NXDOMAIN or an empty answer; it gets the backup address until a
#      safe enactor puts the endpoint back on its plan (and behind a
#      resolver up to the backup records' TTL, 30 s, after that);
#   b. without one: authd says at start that the guarded endpoint answers
#      no address, and answers it SERVFAIL (Not Ready) until an enactor
#      rewrote it: no client ever gets an NXDOMAIN or an answer without an
#      address, which the resolver would cache for the negative TTL; the
#      window of SERVFAIL answers is printed (unbound holds a SERVFAIL
#      for 5 s, whatever the zone's negative TTL);
#   c. the same behind a resolver that serves stale data (unbound's
#      serve-expired, RFC 8767): clients keep getting the endpoint's last
#      addresses throughout.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/planner_lib.bash"
. "$(dirname "$0")/unbound_lib.bash"

command -v unbound >/dev/null || {
	echo "lost_state.sh: unbound is missing (scripts/deps.sh test installs it)" >&2
	exit 1
}
new_key "$T/k.key" enactor
api_zone "$T/api.zone" 1 "; the endpoint is the enactors' to write"
P=$(free_port)
"$PLANWRITE" "$STORE" write "$E=10.0.0.1,10.0.0.2" >/dev/null
authd_args=(--listen "127.0.0.1:$P" --zone "api.test.=$T/api.zone"
	--state-dir "$T/state" --key "$T/k.key" --guard "$E")
"$ENACTOR" --id 1 --mode safe --store "$STORE" --server "127.0.0.1:$P" \
	--zone api.test. --key "$T/k.key" --ttl 1 --interval-ms 200 \
	--full-scan-ms 1000 --backoff-max-ms 200 >"$T/enactor.log" 2>&1 &
EN=$!
PIDS="$PIDS $EN"
trap 'kill -CONT $EN 2>/dev/null || true; cleanup' EXIT INT TERM
addrs() { dig @127.0.0.1 -p "$P" +short +norec "$E" A | grep '^10\.' | sort | tr '\n' ' '; }
on_plan() { [ "$(addrs)" = "10.0.0.1 10.0.0.2 " ]; }
# client FILE: through unbound every 50 ms, "ms rcode addresses".
client() {
	while :; do
		out=$(dig @127.0.0.1 -p "$U" +time=1 +tries=1 "$E" A 2>/dev/null)
		rc=$(grep -o 'status: [A-Z]*' <<<"$out" | cut -d' ' -f2)
		a=$(grep -E "IN[[:space:]]+A[[:space:]]" <<<"$out" | awk '{print $NF}' | sort | tr '\n' ,)
		echo "$(date +%s%3N) ${rc:-none} ${a:--}" >>"$1"
		sleep 0.05
	done
}
# run CASE UNBOUND_SETTINGS FAILOVER_ARGS...: the endpoint on its plan,
# authd loses its database and restarts, until the endpoint is on its
# plan again; unbound with the settings (one word per setting, '_' for a
# space: "serve-expired:_yes"; "-" for none).
run() {
	name=$1
	ub=()
	[ "$2" = - ] || for x in $2; do ub+=("${x//_/ }"); done
	shift 2
	rm -rf "$T/state"
	start_authd "$T/authd-$name.log" "${authd_args[@]}" "$@"
	start_unbound "$P" "${ub[@]}"
	wait_for 10 on_plan || { echo "no plan at start" >&2; exit 1; }
	client "$T/client-$name" &
	CL=$!
	PIDS="$PIDS $CL"
	sleep 1
	# The enactor is held for 2 s across the restart, so what authd
	# answers by itself shows behind the resolver.
	kill -STOP "$EN"
	stop_pid "authd ($name)" "$AUTHD_PID"
	rm -f "$T/state/zones.db" "$T/state/zones.db-wal" "$T/state/zones.db-shm"
	start_authd "$T/authd-$name-2.log" "${authd_args[@]}" "$@"
	sleep 2
	kill -CONT "$EN"
	wait_for 15 on_plan
	sleep 7 # the negative TTL and then some
	kill "$CL"
	wait "$CL" 2>/dev/null || true
	PIDS=$(echo "$PIDS" | sed "s/ $CL//")
	kill "$UNBOUND_PID"
	wait "$UNBOUND_PID" 2>/dev/null || true
	stop_pid "authd ($name, restarted)" "$AUTHD_PID"
}
# empties FILE: answers with no address (NXDOMAIN, or NOERROR without A).
empties() { awk '$2 == "NXDOMAIN" || ($2 == "NOERROR" && $3 == "-")' "$1" | wc -l; }
# count FILE RCODE: answers with RCODE.
count() { awk -v r="$2" '$2 == r' "$1" | wc -l; }
# window FILE [RCODE]: ms from the first to the last empty answer (with
# RCODE: to the last answer with that rcode).
window() {
	awk -v r="${2:-}" '(r == "" && ($2 == "NXDOMAIN" || ($2 == "NOERROR" && $3 == "-"))) ||
	       (r != "" && $2 == r) {
	       if (!f) f = $1; l = $1 } END { print (f ? l - f : 0) }' "$1"
}
# others FILE: answers that are not the plan's two addresses.
others() { awk '$3 != "10.0.0.1,10.0.0.2,"' "$1" | wc -l; }

run failover - --failover "$E 192.0.2.99"
check "a. failover: no client got an empty answer ($(empties "$T/client-failover") of $(wc -l <"$T/client-failover"))" \
	[ "$(empties "$T/client-failover")" -eq 0 ]
backup=$(grep -c ' 192.0.2.99,$' "$T/client-failover" || true)
check "a. failover: clients got the backup address meanwhile ($backup answers)" [ "$backup" -gt 0 ]
check "a. failover: the enactor put it back on its plan" \
	grep -q "failover: $E is off its backup addresses" "$T/authd-failover-2.log"

run plain -
check "b. no failover: authd says the guarded endpoint answers no address, SERVFAIL (Not Ready)" \
	grep -q "guarded endpoint $E answers no address as loaded.*SERVFAIL (Not Ready)" \
	"$T/authd-plain-2.log"
n=$(empties "$T/client-plain")
all=$(wc -l <"$T/client-plain")
sf=$(count "$T/client-plain" SERVFAIL)
w=$(window "$T/client-plain" SERVFAIL)
echo "b. without a failover rule: $n empty answers, $sf SERVFAIL over $w ms behind unbound ($all answers)"
check "b. no failover: no client got an NXDOMAIN or an answer without an address ($n of $all)" \
	[ "$n" -eq 0 ]
check "b. no failover: the gap shows as SERVFAIL behind the resolver ($sf answers)" \
	[ "$sf" -gt 0 ]
check "b. no failover: it ends within the enactor's return, a scan and unbound's hold of a SERVFAIL, 5 s ($w ms)" \
	[ "$w" -lt 11000 ]
check "b. no failover: then the plan's addresses again" \
	[ "$(tail -1 "$T/client-plain" | cut -d' ' -f3)" = "10.0.0.1,10.0.0.2," ]

run stale "serve-expired:_yes"
n=$(empties "$T/client-stale")
all=$(wc -l <"$T/client-stale")
o=$(others "$T/client-stale")
echo "c. serve-expired: $n empty answers, $(count "$T/client-stale" SERVFAIL) SERVFAIL, $o of $all answers without the plan's addresses"
check "c. serve-expired: no client got an NXDOMAIN or an answer without an address ($n of $all)" \
	[ "$n" -eq 0 ]
check "c. serve-expired: every client kept the last addresses ($o of $all answers without them)" \
	[ "$o" -eq 0 ]
stop_pid "the enactor" "$EN"
finish
