#!/bin/bash
# probe.sh - dnsprobe against the real authd (guard off, the legacy lab):
# an NXDOMAIN period, an empty (NODATA) period and a generation going
# back, each made with signed UPDATEs, must be seen, told on stderr,
# counted in the summary and the timeline, and drawn; a healthy endpoint
# over TCP and a server that does not answer break no invariant.
. "$(dirname "$0")/lib.bash"

: "${BUILD_DIR:?set BUILD_DIR to the build directory}"
PROBE=$BUILD_DIR/dnsprobe
DPUPDATE=$BUILD_DIR/tests/dpupdate
E=dynamodb.us-east-1.api.test.

printf 'key "probe-test" { algorithm hmac-sha256; secret "%s"; };\n' \
	"$(head -c 32 /dev/urandom | base64)" >"$T/k.key"
cat >"$T/api.zone" <<ZONE
\$ORIGIN api.test.
\$TTL 60
@	SOA	ns1 hostmaster 1 3600 600 86400 5
	NS	ns1
ns1	A	192.0.2.53
dynamodb.us-east-1	5	CNAME	g5._plan.dynamodb.us-east-1
g5._plan.dynamodb.us-east-1	5	A	10.0.0.1
g5._plan.dynamodb.us-east-1	5	A	10.0.0.2
_gen.dynamodb.us-east-1	5	TXT	"5"
ZONE
P=$(free_port)
start_authd "$T/authd.log" --listen "127.0.0.1:$P" \
	--zone "api.test.=$T/api.zone" --state-dir "$T/state" \
	--key "$T/k.key" --guard "$E" --guard-enabled no

up() { "$DPUPDATE" -s "127.0.0.1:$P" -k "$T/k.key" -z api.test. "$@" >>"$T/updates" 2>&1; }
event() { echo "$(date +%s%3N) $1" >>"$T/events"; }
# plan G ADDR...: the endpoint onto plan G, as an enactor writes it.
plan() {
	g=$1
	shift
	args=("del $E CNAME" "add $E 5 CNAME g$g._plan.$E"
		"del _gen.$E TXT" "add _gen.$E 5 TXT \"$g\"")
	for a in "$@"; do args+=("add g$g._plan.$E 5 A $a"); done
	up "${args[@]}"
}
# num KEY FILE: the first number at "KEY": in a JSON file.
num() { grep -o "\"$1\":[0-9]*" "$2" | head -1 | cut -d: -f2; }
longest() { grep -o '"longest_ms":{[^}]*}' "$2" | grep -o "\"$1\":[0-9]*" | cut -d: -f2; }
started() { grep -q "answers with addresses at" "$1"; }
wait_file() { # wait_file SECONDS COMMAND...
	i=0
	until "${@:2}" 2>/dev/null; do
		i=$((i + 1))
		[ $i -ge $(($1 * 20)) ] && return 1
		sleep 0.05
	done
}

# ---- an outage, an empty answer, a step back, over UDP ----
: >"$T/events"
"$PROBE" --server "127.0.0.1:$P" --name "$E" --rate 100 --interval-ms 100 \
	--csv "$T/t.csv" --json "$T/t.json" --summary "$T/s.json" \
	--plot "$T/t.png" --events "$T/events" --label authd \
	>"$T/probe.out" 2>"$T/probe.err" &
PROBER=$!
PIDS="$PIDS $PROBER"
wait_file 5 started "$T/probe.err"
sleep 0.5
event "plan 5 deleted"
up "del g5._plan.$E A"
sleep 1
event "repaired: plan 6"
plan 6 10.0.0.1 10.0.0.3
sleep 0.5
event "plan 6 emptied"
up "add g6._plan.$E 5 TXT \"no address\"" "del g6._plan.$E A"
sleep 0.5
up "add g6._plan.$E 5 A 10.0.0.1"
sleep 0.5
event "stale write: plan 3"
plan 3 10.0.0.9
sleep 0.5
kill -TERM "$PROBER"
st=0
wait "$PROBER" || st=$?
PIDS=$(echo "$PIDS" | sed "s/ $PROBER//")

check "udp: exit status 1 (invariants broken)" [ "$st" -eq 1 ]
check "udp: told the NXDOMAIN on stderr" grep -q "INVARIANT BROKEN: NXDOMAIN since" "$T/probe.err"
check "udp: told the empty answers" grep -q "INVARIANT BROKEN: empty answers (NODATA) since" "$T/probe.err"
check "udp: told the recovery" grep -q "answers with addresses since .*generation 6" "$T/probe.err"
check "udp: told the step back" grep -q "went back from 6 to 3 (the CNAME's plan)" "$T/probe.err"
check "udp: the marker's step back too" grep -q "went back from 6 to 3 (_gen TXT)" "$T/probe.err"
nx=$(num nxdomain "$T/s.json")
check "udp: NXDOMAIN answers counted ($nx)" [ "${nx:-0}" -ge 20 ]
lnx=$(longest nxdomain "$T/s.json")
check "udp: the NXDOMAIN period lasted about a second (${lnx} ms)" [ "${lnx:-0}" -ge 500 -a "${lnx:-0}" -le 5000 ]
check "udp: empty answers counted" [ "$(num empty "$T/s.json")" -ge 5 ]
check "udp: one step back of each generation" [ "$(num generation_back "$T/s.json")" -eq 1 -a "$(num generation_back_txt "$T/s.json")" -eq 1 ]
check "udp: the highest generation seen is 6" [ "$(num gen_max "$T/s.json")" -eq 6 ]
check "udp: the last generation seen is 3" [ "$(num gen_last "$T/s.json")" -eq 3 ]
check "udp: no answer lost" [ "$(num noanswer "$T/s.json")" -eq 0 ]
check "udp: the summary on stdout says so" grep -q "invariants *BROKEN" "$T/probe.out"
check "udp: the timeline has the header" has "t_ms,probes,ok,empty,nxdomain" "$T/t.csv"
rows=$(awk -F, 'NR > 1 && $5 > 0' "$T/t.csv" | wc -l)
check "udp: timeline rows with NXDOMAIN ($rows)" [ "$rows" -ge 5 ]
check "udp: a timeline row with the step back" awk -F, 'NR > 1 && $12 > 0 { f = 1 } END { exit !f }' "$T/t.csv"
check "udp: the CSV and JSON timelines agree" [ "$(($(wc -l <"$T/t.csv") - 1))" -eq "$(wc -l <"$T/t.json")" ]
check "udp: the plot is a PNG" [ "$(head -c 4 "$T/t.png" | tail -c 3)" = PNG ]
check "udp: its gnuplot script is kept, with the events" grep -q "stale write: plan 3" "$T/t.png.gp"

# ---- the same endpoint, healthy, over TCP ----
plan 7 10.0.0.1 10.0.0.2
"$PROBE" --server "127.0.0.1:$P" --name "$E" --transport tcp --rate 100 \
	--duration 1 --summary "$T/tcp.json" >"$T/tcp.out" 2>"$T/tcp.err"
st=$?
check "tcp: exit status 0 (invariants held)" [ "$st" -eq 0 ]
check "tcp: every probe answered with addresses" [ "$(num ok "$T/tcp.json")" -eq "$(num probes "$T/tcp.json")" -a "$(num probes "$T/tcp.json")" -ge 50 ]
check "tcp: generation 7" [ "$(num gen_max "$T/tcp.json")" -eq 7 ]
check "tcp: probed over TCP" grep -q "over TCP" "$T/tcp.err"

# ---- a server that does not answer: unavailable, not a violation ----
Q=$(free_port)
"$PROBE" --server "127.0.0.1:$Q" --name "$E" --rate 50 --timeout-ms 100 \
	--duration 1 --summary "$T/none.json" >"$T/none.out" 2>"$T/none.err"
st=$?
check "down: exit status 0" [ "$st" -eq 0 ]
check "down: every probe went unanswered" [ "$(num noanswer "$T/none.json")" -eq "$(num probes "$T/none.json")" ]
check "down: told on stderr" grep -q "no answer at" "$T/none.err"

check "usage: a bad server is exit 2" [ "$("$PROBE" --server nowhere 2>/dev/null; echo $?)" -eq 2 ]

stop_authd
finish
