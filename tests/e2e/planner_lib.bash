# planner_lib.bash - helpers for the planner's end-to-end tests: lbfarm on
# a random loopback range and port, the planner writing into a store in
# the test's directory, and queries of that store.  Sourced after lib.bash.

: "${BUILD_DIR:?set BUILD_DIR to the build directory}"
PLANNER=$BUILD_DIR/planner
LBFARM=$BUILD_DIR/lbfarm
ENACTOR=$BUILD_DIR/enactor
PLANWRITE=$BUILD_DIR/tests/planwrite
DPUPDATE=$BUILD_DIR/tests/dpupdate
# The endpoint of the region us-east-1 in the enactor tests.
E=dynamodb.us-east-1.api.test.
STORE=$T/plans.db
# A /16 of loopback of our own, so that tests running at once do not meet.
NET=127.$(shuf -i 20-250 -n 1)
LBPORT=$(free_port)

# start_lbfarm ARGS...: lbfarm with its control socket at $T/lb.sock.
start_lbfarm() {
	"$LBFARM" --control "$T/lb.sock" "$@" >"$T/lbfarm.log" 2>&1 &
	LBFARM_PID=$!
	PIDS="$PIDS $LBFARM_PID"
	wait_for 5 has "ready:" "$T/lbfarm.log" || {
		cat "$T/lbfarm.log" >&2
		exit 1
	}
}

# ctl COMMAND ARGS...: tell lbfarm.
ctl() {
	"$LBFARM" ctl "$T/lb.sock" "$@" >/dev/null
}

# start_planner LOG ARGS...: the planner, waiting for its ready line.
start_planner() {
	plog=$1
	shift
	: >"$plog"
	"$PLANNER" "$@" >>"$plog" 2>&1 &
	PLANNER_PID=$!
	PIDS="$PIDS $PLANNER_PID"
	wait_for 10 has "ready:" "$plog" || {
		echo "planner did not become ready:" >&2
		cat "$plog" >&2
		exit 1
	}
}

# stop_planner: stop_pid for the planner.
stop_planner() {
	stop_pid planner "$PLANNER_PID"
}

# dpu UPDATE...: a signed UPDATE of api.test. at authd (port $P, key
# $T/k.key) with dpupdate, quiet.
dpu() { "$DPUPDATE" -s "127.0.0.1:$P" -k "$T/k.key" -z api.test. "$@" >/dev/null; }

# legacy_enactor LOG ARGS...: legacy enactor 1 on the lab's store and
# authd, a pass every 100 ms, ARGS added, its output appended to LOG;
# its PID in $EN.
legacy_enactor() {
	elog=$1
	shift
	"$ENACTOR" --id 1 --mode legacy --store "$STORE" \
		--server "127.0.0.1:$P" --zone api.test. --key "$T/k.key" \
		--interval-ms 100 "$@" >>"$elog" 2>&1 &
	EN=$!
	PIDS="$PIDS $EN"
}

q() {
	sqlite3 -cmd ".timeout 5000" "$STORE" "$1"
}

# gen_served: the generation authd's marker _gen.$E holds (port $P).
gen_served() {
	dig @127.0.0.1 -p "$P" +short +norec "_gen.$E" TXT | tr -d '"'
}

newest() {
	q "SELECT coalesce(max(generation), 0) FROM plan"
}

# addrs G ENDPOINT: the endpoint's addresses in plan G, sorted.
addrs() {
	q "SELECT group_concat(address, ' ') FROM (SELECT address FROM
	   plan_addr WHERE generation = $1 AND endpoint = '$2'
	   ORDER BY address)"
}

# naddrs G ENDPOINT: how many addresses the endpoint has in plan G.
naddrs() {
	q "SELECT count(*) FROM plan_addr WHERE generation = $1 AND
	   endpoint = '$2'"
}

newer_than() {
	[ "$(newest)" -gt "$1" ]
}

# newest_has ENDPOINT N: the newest plan gives ENDPOINT N addresses.
newest_has() {
	[ "$(naddrs "$(newest)" "$1")" -eq "$2" ]
}

# lab_authd ARGS...: key $T/k.key ("enactor"), the zone api.test. at
# serial 1, and authd on port $P guarding $E, with ARGS added.
lab_authd() {
	new_key "$T/k.key" enactor
	api_zone "$T/api.zone" 1
	P=$(free_port)
	start_authd "$T/authd.log" --listen "127.0.0.1:$P" \
		--zone "api.test.=$T/api.zone" --state-dir "$T/state" \
		--key "$T/k.key" --guard "$E" "$@"
}

# lab_planner_conf: the settings of a planner for the lab, reacting
# within a few 100 ms: the store $STORE, authd's markers on port $P,
# checks every 100 ms whose every result counts, a generation at least
# every 300 ms, no velocity limit.  Endpoints and lbs are the caller's.
lab_planner_conf() {
	cat <<CONF
region us-east-1
store $STORE
server 127.0.0.1:$P
check-interval-ms 100
check-timeout-ms 80
healthy-threshold 1
unhealthy-threshold 1
plan-interval-ms 300
velocity-limit no
CONF
}
