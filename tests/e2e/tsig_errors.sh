#!/bin/bash
# tsig_errors.sh - an enactor that cannot work says at once what is wrong
# and where, once, not on every attempt: a key authd does not know
# (BADKEY), a secret that is not authd's (BADSIG), a clock ten minutes
# off (BADTIME, with authd's clock; libfaketime moves the enactor's), in
# its log and in dnsplanectl status; a mistyped --store (no store is
# created: the planner makes it).
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/planner_lib.bash"

dpkg -L libfaketime 2>/dev/null | grep -q 'libfaketime\.so\.1$' || {
	echo "tsig_errors.sh: faketime is missing (scripts/deps.sh test installs it)" >&2
	exit 1
}
new_key "$T/k.key" enactor
new_key "$T/wrong.key" enactor  # the same name, another secret
new_key "$T/other.key" stranger
api_zone "$T/api.zone" 1
P=$(free_port)
start_authd "$T/authd.log" --listen "127.0.0.1:$P" \
	--zone "api.test.=$T/api.zone" --state-dir "$T/state" --key "$T/k.key"
"$PLANWRITE" "$STORE" write "$E=10.0.0.1,10.0.0.2" >/dev/null
# run_enactor LOG KEY [WRAPPER...]: a safe enactor for 3 s.
run_enactor() {
	log=$1 key=$2
	shift 2
	"$@" "$ENACTOR" --id 1 --mode safe --store "$STORE" \
		--server "127.0.0.1:$P" --zone api.test. --key "$key" \
		--interval-ms 100 --backoff-max-ms 200 >"$log" 2>&1 &
	pid=$!
	PIDS="$PIDS $pid"
	sleep 3
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	PIDS=$(echo "$PIDS" | sed "s/ $pid//")
}
once() { [ "$(grep -c "authd refused our signature" "$1")" -eq 1 ]; }

run_enactor "$T/badkey.log" "$T/other.key"
check "BADKEY: named, with the key" grep -q "authd refused our signature: BADKEY: authd does not know key stranger." "$T/badkey.log"
check "BADKEY: said once, not on every attempt" once "$T/badkey.log"

run_enactor "$T/badsig.log" "$T/wrong.key"
check "BADSIG: named, with the key" grep -q "authd refused our signature: BADSIG: authd's secret for key enactor. is not ours" "$T/badsig.log"
check "BADSIG: said once" once "$T/badsig.log"

# libfaketime preloaded through env, which execs the enactor in place
# (the faketime wrapper would keep it as a child the SIGTERM misses); it
# comes before an AddressSanitizer runtime: let it.
FAKELIB=$(dpkg -L libfaketime 2>/dev/null | grep -m1 'libfaketime\.so\.1$')
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
	run_enactor "$T/badtime.log" "$T/k.key" \
	env LD_PRELOAD="$FAKELIB" FAKETIME=+600s
check "BADTIME: named, with authd's clock" grep -qE "authd refused our signature: BADTIME: authd's clock is (59[89]|60[012]) s behind ours \(server time [0-9]+\): check NTP" "$T/badtime.log"
check "BADTIME: said once" once "$T/badtime.log"
# dnsplanectl status says it too, under the enactors, with since when.
"$BUILD_DIR/dnsplanectl" --store "$STORE" --server "127.0.0.1:$P" status >"$T/status.bad" 2>&1 || true
check "status: the enactor is stopped by BADTIME" \
	grep -qE "^  enactor 1 stopped since .*: authd refuses our signature: BADTIME: authd's clock is" "$T/status.bad"
"$BUILD_DIR/dnsplanectl" --store "$STORE" --server "127.0.0.1:$P" status --json >"$T/status.json" 2>&1 || true
check "status --json: the problem" grep -q '"problem":"authd refuses our signature: BADTIME' "$T/status.json"
check "nothing was applied meanwhile" [ -z "$(dig @127.0.0.1 -p "$P" +short "_gen.$E" TXT)" ]

# The right key from the start: no complaint, the plan applied.
run_enactor "$T/ok.log" "$T/k.key"
check "the right key: no complaint" [ "$(grep -c "refused our signature" "$T/ok.log")" -eq 0 ]
check "the right key: the plan applied" [ "$(dig @127.0.0.1 -p "$P" +short "_gen.$E" TXT)" = '"1"' ]
"$BUILD_DIR/dnsplanectl" --store "$STORE" --server "127.0.0.1:$P" status >"$T/status.ok" 2>&1 || true
check "status: nothing stops the enactor any more" \
	bash -c "! grep -q 'enactor 1 stopped' $T/status.ok"
# A mistyped store path: refused at start, nothing created.
st=0
"$ENACTOR" --id 1 --store "$T/plan.db" --server "127.0.0.1:$P" \
	--key "$T/k.key" >"$T/nostore.log" 2>&1 || st=$?
check "a mistyped --store: the enactor exits 1" [ "$st" -eq 1 ]
check "...saying so" grep -q "$T/plan.db: no plan store there (No such file or directory); the planner creates it: is --store right?" "$T/nostore.log"
check "...creating nothing" [ ! -e "$T/plan.db" ]
st=0
"$BUILD_DIR/dnsplanectl" --store "$T/plan.db" --server "127.0.0.1:$P" status >"$T/ctl.out" 2>&1 || st=$?
check "dnsplanectl too" grep -q "no plan store there" "$T/ctl.out"
check "...creating nothing" [ ! -e "$T/plan.db" ]
stop_authd
finish
