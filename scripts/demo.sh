#!/bin/sh
# demo.sh - serve the sample zone with authd on a loopback port and query it
# with dig.  The full outage demo replaces this once the planner and the
# enactors exist.
set -eu
AUTHD=${1:-build/authd}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/dnsplane-demo.XXXXXX)
PORT=5300
while ss -Hlnut "sport = :$PORT" | grep -q .; do PORT=$((PORT + 1)); done
"$AUTHD" --listen "127.0.0.1:$PORT" \
	--zone "example.test.=$ROOT/tests/zones/example.test.zone" \
	--state-dir "$T/state" >"$T/authd.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$T"' EXIT INT TERM
i=0
until grep -q "ready:" "$T/authd.log"; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then cat "$T/authd.log"; exit 1; fi
	sleep 0.05
done
echo "== authd is serving example.test. on 127.0.0.1:$PORT"
cat "$T/authd.log"
for q in "www.example.test A" "alias.example.test AAAA" \
	"nothere.example.test A" "host.sub.example.test A"; do
	echo
	echo "\$ dig @127.0.0.1 -p $PORT $q +norec"
	# shellcheck disable=SC2086
	dig @127.0.0.1 -p "$PORT" $q +norec +nocmd +nostats
done
echo
echo "== done; authd stopped, its state directory removed"
