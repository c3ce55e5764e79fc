# unbound_lib.bash - a real unbound in front of authd, for the demo and
# the tests, from contrib/unbound/lab.conf.in.  Sourced after lib.bash.

UNBOUND_TEMPLATE=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/contrib/unbound/lab.conf.in

# start_unbound AUTHD_PORT [SETTING...]: unbound on a free loopback port,
# $U, with api.test. stubbed to authd on 127.0.0.1:AUTHD_PORT, its PID in
# UNBOUND_PID, its log in $T/unbound.log; waits until it answers.  Each
# SETTING ("serve-expired: yes") is a server: line that takes the place
# of the template's.  A port taken between the choice and the bind (the
# local port of some client's connection) is given up for another.
start_unbound() {
	authd_port=$1
	shift
	for _ in 1 2 3 4 5; do
		U=$(free_port)
		sed -e "s|@DIR@|$T|g" -e "s|@PORT@|$U|g" \
			-e "s|@AUTHD@|127.0.0.1@$authd_port|g" \
			"$UNBOUND_TEMPLATE" >"$T/unbound.conf"
		for setting in "$@"; do
			sed -i "/^[[:space:]]*${setting%%:*}:/d" "$T/unbound.conf"
			sed -i "s|^server:\$|server:\n\t$setting|" "$T/unbound.conf"
		done
		unbound -d -c "$T/unbound.conf" >"$T/unbound.log" 2>&1 &
		UNBOUND_PID=$!
		for _ in $(seq 100); do
			if dig @127.0.0.1 -p "$U" +time=1 +tries=1 api.test SOA |
				grep -q "status: NOERROR"; then
				PIDS="$PIDS $UNBOUND_PID"
				return 0
			fi
			kill -0 "$UNBOUND_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill "$UNBOUND_PID" 2>/dev/null || true
		wait "$UNBOUND_PID" 2>/dev/null || true
	done
	echo "unbound does not answer:" >&2
	cat "$T/unbound.log" >&2
	return 1
}
