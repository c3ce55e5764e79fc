#!/bin/bash
# etcd_store.sh - the plan store on a real 3-member etcd cluster on
# loopback (tests/etcd/cluster.bash): check_planstore's behavioural tests
# run against it (DNSPLANE_TEST_ETCD), then the planner, three safe
# enactors (a pass a minute: new plans reach them by the etcd watch)
# and dnsplanectl share it with --store etcd://A,B,C while load
# balancers go down, the etcd leader is killed, an enactor is paused,
# and two of three members are lost and come back.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/planner_lib.bash"
. "$ROOT/tests/etcd/cluster.bash"

if ! command -v etcd >/dev/null || ! command -v etcdctl >/dev/null; then
	echo "SKIP - etcd_store.sh: etcd and etcdctl are not installed" \
		"(apt-get install etcd-server etcd-client)"
	exit 0
fi
CTL=$BUILD_DIR/dnsplanectl

etcd_cluster_start
echo "cluster: $ETCD_URL"
STORE=$ETCD_URL

check "the store's unit tests against the cluster" \
	env DNSPLANE_TEST_ETCD="$ETCD_URL" CK_VERBOSITY=minimal \
	"$BUILD_DIR/tests/check_planstore"
# The daemons start on an empty store.
etcdctl --endpoints "$ETCD_CLIENT1" del --prefix /dnsplane/ >/dev/null

# ---- the daemons on the cluster ----

PM=$(free_port)
EM1=$(free_port)
lab_authd
start_lbfarm --listen "$NET.0.1-$NET.0.4:$LBPORT"
{
	lab_planner_conf
	echo "metrics-listen 127.0.0.1:$PM"
	echo "endpoint $E"
	for i in 1 2 3 4; do
		echo "lb $E 10.0.0.$i http://$NET.0.$i:$LBPORT/health 10"
	done
} >"$T/planner.conf"
start_planner "$T/planner.log" -c "$T/planner.conf"
# The enactors' passes are a minute apart: within the test, plans reach
# them by the store's watch alone.
# A stopped enactor takes no SIGTERM: continue them before the cleanup.
trap 'for p in $PIDS; do continue_stopped "$p"; done; cleanup' EXIT INT TERM
for n in 1 2 3; do
	metrics=()
	[ "$n" = 1 ] && metrics=(--metrics-listen "127.0.0.1:$EM1")
	"$ENACTOR" --id "$n" --mode safe --store "$STORE" \
		--server "127.0.0.1:$P" --zone api.test. --key "$T/k.key" \
		--keep 3 --interval-ms 60000 --heartbeat-ms 200 "${metrics[@]}" \
		>"$T/enactor$n.log" 2>&1 &
	eval "EN$n=$!"
	PIDS="$PIDS $!"
done

addr_list() { dig @127.0.0.1 -p "$P" +short +norec +time=1 +tries=1 "$E" A | grep '^10\.' | sort | tr '\n' ' '; }
serves() { [ "$(addr_list)" = "$1" ]; }
ctl_status() { "$CTL" --store "$STORE" --server "127.0.0.1:$P" --key "$T/k.key" status >"$T/status.out" 2>&1; }
metric() { curl -sf --max-time 5 "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m {print $2}'; }
# gens: the generations of the plans in the store, and of those deleted.
gens() {
	etcdctl --endpoints "$ETCD_URL_PLAIN" get --prefix --keys-only \
		/dnsplane/ | sed -nE 's@^/dnsplane/(plan/([0-9]+)/meta|deleted/([0-9]+))$@\2\3@p' |
		sed 's/^0*//' | sort -n | uniq
}
issued() { etcdctl --endpoints "$ETCD_URL_PLAIN" get --print-value-only /dnsplane/gen; }
ETCD_URL_PLAIN=${ETCD_URL#etcd://}

check "the endpoint is served from the etcd store" \
	wait_for 15 serves "10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4 "

# The prober: every 50 ms, the addresses and the generation authd serves.
(
	while :; do
		echo "$(addr_list | wc -w) $(gen_served)"
		sleep 0.05
	done
) >"$T/probe.txt" 2>/dev/null &
PROBE=$!
PIDS="$PIDS $PROBE"

ctl down "$NET.0.1:$LBPORT"
check "a load balancer down is gone from DNS" \
	wait_for 10 serves "10.0.0.2 10.0.0.3 10.0.0.4 "

# The leader killed: another is elected, the daemons go on.
leader=$(etcdctl --endpoints "$ETCD_URL_PLAIN" endpoint status 2>/dev/null |
	awk -F', ' '$5 == "true" {print $1}')
for n in $ETCD_MEMBERS; do
	eval "[ \"\$ETCD_CLIENT$n\" = \"$leader\" ]" && L=$n
done
echo "etcd leader: member $L ($leader)"
etcd_member_kill "$L" 2>/dev/null
ctl down "$NET.0.2:$LBPORT"
check "with the leader killed, the next change reaches DNS" \
	wait_for 15 serves "10.0.0.3 10.0.0.4 "

# Enactor 2 paused while a load balancer comes back.
kill -STOP "$EN2"
ctl up "$NET.0.1:$LBPORT"
check "with enactor 2 paused, the others apply the change" \
	wait_for 15 serves "10.0.0.1 10.0.0.3 10.0.0.4 "
kill -CONT "$EN2"
etcd_member_start "$L"
check "the killed member is back" wait_for 20 etcd_healthy "$L"
sleep 1
check "dnsplanectl status reads the etcd store" ctl_status
check "and shows its region, the store and the three enactors" eval \
	'grep -q "^region *us-east-1" "$T/status.out" &&
	 grep -q "^store *etcd://" "$T/status.out" &&
	 [ "$(grep -cE "^[123]  " "$T/status.out")" -eq 3 ]'

# Two of three members lost: no leader.  DNS stays as it is.
before=$(gens | tr '\n' ' ')
issued_before=$(issued)
errors_before=$(metric "$PM" dnsplane_planner_store_errors_total)
A=1; B=2
[ "$L" = 3 ] || { A=$L; B=$((L % 3 + 1)); }
etcd_member_kill "$A" 2>/dev/null
etcd_member_kill "$B" 2>/dev/null
ctl down "$NET.0.3:$LBPORT"
no_leader_logged() { grep -qE "store has no leader|store unreachable" "$T/planner.log"; }
check "the planner says the store has no leader" wait_for 20 no_leader_logged
check "dnsplanectl status says so" eval '! ctl_status && grep -qE "store has no leader|store unreachable" "$T/status.out"'
grep -E "no leader|unreachable" "$T/status.out" | head -2
store_errors_grew() { [ "$(metric "$PM" dnsplane_planner_store_errors_total)" -gt "${errors_before:-0}" ]; }
check "the planner's metrics count the store's errors" wait_for 10 store_errors_grew
enactor_errors() { [ "$(metric "$EM1" dnsplane_enactor_store_errors_total)" -gt 0 ]; }
check "so do the enactor's" wait_for 10 enactor_errors
# A generation written just before the loss may still be applied; then
# nothing moves.
gen_outage=$(gen_served)
sleep 2
check "DNS stays as it was" serves "10.0.0.1 10.0.0.3 10.0.0.4 "
check "on the same generation ($gen_outage)" [ "$(gen_served)" = "$gen_outage" ]

# The majority back: the daemons go on by themselves.
etcd_member_start "$A"
etcd_member_start "$B"
check "the majority is back" wait_for 20 eval 'etcd_healthy 1 && etcd_healthy 2 && etcd_healthy 3'
check "the planner and the enactors continue by themselves" \
	wait_for 20 serves "10.0.0.1 10.0.0.4 "
after=" $(gens | tr '\n' ' ')"
lost=""
for g in $before; do
	case "$after" in *" $g "*) ;; *) lost="$lost $g" ;; esac
done
check "no generation lost (plans or deletion records: ${lost:-none} missing)" [ -z "$lost" ]
check "the counter went on from $issued_before to $(issued)" [ "$(issued)" -gt "$issued_before" ]
check "and no generation twice" [ "$(gens | uniq -d | wc -l)" -eq 0 ]

kill "$PROBE" 2>/dev/null || true
wait "$PROBE" 2>/dev/null || true
empty=$(awk '$1 == 0' "$T/probe.txt" | wc -l)
back=$(awk '$2 != "" { if (prev != "" && $2 + 0 < prev + 0) n++; prev = $2 } END { print n + 0 }' "$T/probe.txt")
check "the prober never saw the endpoint without an address ($empty of $(wc -l <"$T/probe.txt"))" [ "$empty" -eq 0 ]
check "nor a generation going back ($back times)" [ "$back" -eq 0 ]
check "the prober saw several generations" [ "$(awk '{print $2}' "$T/probe.txt" | sort -u | wc -l)" -ge 3 ]

stop_planner
for n in 1 2 3; do eval "stop_pid enactor$n \$EN$n"; done
stop_authd
finish
