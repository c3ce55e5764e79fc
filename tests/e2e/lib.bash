# lib.bash - helpers for the end-to-end tests: start the real authd on a
# random loopback port in a temporary directory, wait until it answers,
# stop it by PID.  Sourced by tests/e2e/*.sh (bash).

set -eu

: "${AUTHD:?set AUTHD to the authd binary}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ZONES=$ROOT/tests/zones
T=$(mktemp -d /tmp/dnsplane-e2e.XXXXXX)
PIDS=""
FAILS=0
CHECKS=0

# proc_state PID: the state letter of PID (/proc/PID/stat: R, S, T, Z...).
proc_state() { awk '{print $3}' "/proc/$1/stat" 2>/dev/null; }
# stopped PID: is PID stopped (SIGSTOP, a pause point)?
stopped() { [ "$(proc_state "$1")" = T ]; }

# continue_stopped PID: SIGCONT to PID if it is stopped, and only then:
# a SIGCONT to a process in its exit, while LeakSanitizer's tracer holds
# its threads stopped, deadlocks that check (make asan).
continue_stopped() {
	if stopped "$1"; then
		kill -CONT "$1" 2>/dev/null || true
	fi
}

# cleanup: stop what the test started (also a process stopped at a pause
# point, which takes SIGTERM only once continued); when the test failed,
# show the end of every log it wrote.  E2E_KEEP=1 keeps the directory.
cleanup() {
	st=$?
	killed=0
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do continue_stopped "$p"; done
	# A process that does not stop fails the test rather than hang it.
	for p in $PIDS; do
		n=0
		while [ "$(proc_state "$p")" != Z ] &&
			kill -0 "$p" 2>/dev/null && [ $n -lt 400 ]; do
			sleep 0.05
			n=$((n + 1))
		done
		if [ $n -ge 400 ]; then
			echo "FAIL - cleanup: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-120) (pid $p) still runs 20 s after SIGTERM: killed"
			kill -KILL "$p" 2>/dev/null || true
			FAILS=$((FAILS + 1))
			killed=1
		fi
		wait "$p" 2>/dev/null || true
	done
	if [ "$st" -ne 0 ] || [ "$FAILS" -ne 0 ]; then
		for f in "$T"/*.log; do
			[ -f "$f" ] || continue
			echo "--- the end of $f:"
			tail -n 15 "$f" | sed 's/^/    /'
		done
	fi
	if [ -n "${E2E_KEEP:-}" ]; then
		echo "kept: $T"
	else
		rm -rf "$T"
	fi
	[ "$killed" -eq 0 ] || exit 1
}
trap cleanup EXIT INT TERM

# free_port: a TCP and UDP port nobody listens on, below the kernel's
# ephemeral range (32768-60999 here), so that no outgoing connection of
# another test takes it between this check and the bind.
free_port() {
	lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	while :; do
		p=$(shuf -i 10000-$((lo - 1)) -n 1)
		if ! ss -Hlnut "sport = :$p" | grep -q .; then
			echo "$p"
			return
		fi
	done
}

# start_authd LOG ARGS...: start authd in the background, set AUTHD_PID,
# wait for its ready line; fail with its log otherwise.
start_authd() {
	log=$1
	shift
	: >"$log"
	"$AUTHD" "$@" >>"$log" 2>&1 &
	AUTHD_PID=$!
	PIDS="$PIDS $AUTHD_PID"
	i=0
	while ! grep -q "ready:" "$log"; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$AUTHD_PID" 2>/dev/null; then
			echo "authd did not become ready:" >&2
			cat "$log" >&2
			exit 1
		fi
		sleep 0.05
	done
}

# stop_pid WHO PID: SIGTERM (and SIGCONT) and wait; the exit status must be 0.
stop_pid() {
	kill -TERM "$2"
	# A process stopped at a pause point (SIGSTOP) takes the SIGTERM
	# only once continued: without this the wait never ends.
	continue_stopped "$2"
	st=0
	wait "$2" || st=$?
	PIDS=$(echo "$PIDS" | sed "s/ $2//")
	check "$1 exits 0 on SIGTERM" [ "$st" -eq 0 ]
}

# stop_authd: stop_pid for authd.
stop_authd() {
	stop_pid authd "$AUTHD_PID"
}

# check DESCRIPTION COMMAND...: run the command, count a failure if it
# fails.
check() {
	desc=$1
	shift
	CHECKS=$((CHECKS + 1))
	if "$@"; then
		echo "ok   - $desc"
	else
		echo "FAIL - $desc"
		FAILS=$((FAILS + 1))
	fi
}

# new_key FILE NAME: a BIND key file, hmac-sha256 with a random secret.
new_key() {
	printf 'key "%s" { algorithm hmac-sha256; secret "%s"; };\n' \
		"$2" "$(head -c 32 /dev/urandom | base64)" >"$1"
}

# api_zone FILE SERIAL [RECORDS]: the zone api.test. of the enactor tests
# (negative TTL 5 s) with RECORDS, by default the endpoint's address
# before any plan.
api_zone() {
	cat >"$1" <<ZONE
\$ORIGIN api.test.
\$TTL 60
@	SOA	ns1 hostmaster $2 3600 600 86400 5
	NS	ns1
ns1	A	192.0.2.53
${3:-dynamodb.us-east-1	A	192.0.2.250}
ZONE
}

# has TEXT FILE: does FILE contain TEXT (fixed string)?
has() {
	grep -qF -- "$1" "$2"
}

finish() {
	echo "$(basename "$0"): $CHECKS checks, $FAILS failures"
	[ "$FAILS" -eq 0 ]
}

# nsd_secondary_conf DIR LISTEN PRIMARY NOTIFIER ZONE SECRET: an NSD
# configuration (DIR/nsd.conf) for a secondary of ZONE on LISTEN
# (ADDR@PORT) transferring from PRIMARY (ADDR@PORT) and taking NOTIFY
# from the address NOTIFIER, all signed with key "k" of SECRET.
nsd_secondary_conf() {
	mkdir -p "$1"
	cat >"$1/nsd.conf" <<NSDCONF
server:
    ip-address: $2
    server-count: 1
    zonesdir: "$1"
    pidfile: "$1/nsd.pid"
    database: ""
    xfrdfile: "$1/xfrd.state"
    xfrdir: "$1"
    zonelistfile: "$1/zone.list"
    zonefiles-write: 0
    username: ""
    chroot: ""
    verbosity: 2
    xfrd-reload-timeout: 0
remote-control:
    control-enable: no
key:
    name: "k"
    algorithm: hmac-sha256
    secret: "$6"
zone:
    name: "$5"
    request-xfr: $3 k
    allow-notify: $4 k
NSDCONF
}

# start_nsd_secondary PORT PRIMARY_PORT ZONE SECRET: a real NSD on
# 127.0.0.1:PORT, secondary for ZONE from authd on PRIMARY_PORT (transfers
# and NOTIFY signed with key "k" of SECRET), in $T/nsd; logs to $T/nsd.log.
start_nsd_secondary() {
	nsd_secondary_conf "$T/nsd" "127.0.0.1@$1" "127.0.0.1@$2" 127.0.0.1 \
		"$3" "$4"
	nsd-checkconf "$T/nsd/nsd.conf"
	nsd -d -c "$T/nsd/nsd.conf" >"$T/nsd.log" 2>&1 &
	PIDS="$PIDS $!"
}

# wait_for SECONDS COMMAND...: poll until the command succeeds.
wait_for() {
	limit=$(($1 * 20))
	shift
	i=0
	until "$@" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -ge $limit ]; then
			echo "wait_for: not true within $((limit / 20)) s: $*" >&2
			return 1
		fi
		sleep 0.05
	done
}
