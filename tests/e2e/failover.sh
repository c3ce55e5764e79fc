#!/bin/bash
# failover.sh - backup records that activate by themselves.  authd runs
# the legacy lab (guard off) with a failover rule for the endpoint, a
# real NSD secondary follows it by NOTIFY and IXFR, and a prober at 100
# queries a second asks each of them.  The legacy race's cleanup empties
# the endpoint: from that commit on both answer the backup addresses (no
# answer without an address, at authd or at the secondary); a safe
# enactor's plan takes it off the backup in its own commit.  A zone
# loaded without the endpoint starts on the backup.  The log, /metrics
# and the zone itself say so.
. "$(dirname "$0")/lib.bash"

PROBE=$BUILD_DIR/dnsprobe
E=dynamodb.us-east-1.api.test
P=$(free_port)
NP=$(free_port)
MP=$(free_port)
S=$(head -c 32 /dev/urandom | base64)
printf 'key "k" { algorithm hmac-sha256; secret "%s"; };\n' "$S" >"$T/k.key"
cp "$ZONES/api.test.zone" "$T/api.zone"
cat >"$T/authd.conf" <<EOF
listen 127.0.0.1:$P
zone api.test.=$T/api.zone
state-dir $T/state
key $T/k.key
guard-enabled no
failover "$E. 192.0.2.250 2001:db8::250"
allow-transfer "127.0.0.1 k"
notify "127.0.0.1:$NP k"
metrics-listen 127.0.0.1:$MP
EOF
start_authd "$T/authd.log" -c "$T/authd.conf"

start_nsd_secondary "$NP" "$P" api.test. "$S"
D="dig @127.0.0.1 -p $P +short +time=1 +tries=1"
N="dig @127.0.0.1 -p $NP +short +time=1 +tries=1"
up() { # up COMMAND...: one nsupdate message
	{
		echo "server 127.0.0.1 $P"
		echo "check-names no"
		echo "zone api.test."
		printf 'update %s\n' "$@"
		echo send
	} | nsupdate -k "$T/k.key"
}
serial() { $1 api.test SOA | awk '{print $3}'; }
same_serial() { [ "$(serial "$N")" = "$(serial "$D")" ]; }
follow() { wait_for 5 same_serial; } # the secondary serves authd's serial
metric() { curl -s "127.0.0.1:$MP/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

# Plan 6, as the enactors lay it out: E -> g6._plan.E.
up "add g6._plan.$E. 5 A 10.0.0.6" "delete $E. A" "add $E. 5 CNAME g6._plan.$E." \
	"delete _gen.$E. TXT" "add _gen.$E. 5 TXT \"6\""
check "the secondary follows authd" follow
check "on plan 6" [ "$($D $E A | tail -1)" = 10.0.0.6 ]
check "not on the backup: metric 0" [ "$(metric "dnsplane_authd_failover_active{endpoint=\"$E.\"}")" = 0 ]

for who in authd nsd; do
	port=$P
	[ $who = nsd ] && port=$NP
	"$PROBE" --server "127.0.0.1:$port" --name "$E" --rate 100 \
		--interval-ms 100 --summary "$T/$who.json" --csv "$T/$who.csv" \
		>"$T/$who.out" 2>"$T/$who.err" &
	eval "PROBER_$who=\$!"
	PIDS="$PIDS $!"
done
sleep 1
s0=$(serial "$D")
# The legacy race's last step: cleanup deletes plan 6, in use.
up "delete g6._plan.$E. A"
check "the endpoint answers its backup at once" \
	[ "$($D $E A)" = 192.0.2.250 -a "$($D $E AAAA)" = 2001:db8::250 ]
check "in the same commit (serial +1)" [ "$(serial "$D")" -eq $((s0 + 1)) ]
check "no CNAME to the deleted plan left" [ -z "$($D $E CNAME)" ]
check "the zone says so (_failover TXT)" [ "$($D _failover.$E TXT)" = '"backup"' ]
check "the log says so" grep -q "failover: $E. has no address of its own; answering its 2 backup addresses" "$T/authd.log"
check "metric: active" [ "$(metric "dnsplane_authd_failover_active{endpoint=\"$E.\"}")" = 1 ]
check "metric: one activation" [ "$(metric dnsplane_authd_failover_activations_total)" = 1 ]
check "the secondary follows (IXFR)" follow
check "the secondary serves the backup" [ "$($N $E A)" = 192.0.2.250 ]
sleep 1
# A safe enactor's plan 7: off the backup, in its own commit.
up "add g7._plan.$E. 5 A 10.0.0.7" "delete $E. A" "delete $E. AAAA" \
	"add $E. 5 CNAME g7._plan.$E." "delete _gen.$E. TXT" "add _gen.$E. 5 TXT \"7\""
check "on plan 7" [ "$($D $E A | tail -1)" = 10.0.0.7 ]
check "the backup is gone" [ -z "$($D $E AAAA | grep 2001:db8::250)" ]
check "the mark is gone" [ -z "$($D _failover.$E TXT)" ]
check "the log says so" grep -q "failover: $E. is off its backup addresses" "$T/authd.log"
check "metric: not active" [ "$(metric "dnsplane_authd_failover_active{endpoint=\"$E.\"}")" = 0 ]
check "the secondary follows" follow
sleep 1
for who in authd nsd; do
	eval "pid=\$PROBER_$who"
	kill -TERM "$pid"
	st=0
	wait "$pid" || st=$?
	PIDS=$(echo "$PIDS" | sed "s/ $pid//")
	check "$who: the prober saw an address in every answer" [ "$st" -eq 0 ]
	n=$(tr ',' '\n' <"$T/$who.json" | awk -F: '/"probes"/ {print $2+0}')
	check "$who: ...in $n probes" [ "${n:-0}" -ge 200 ]
done

# A zone taken in without the endpoint: it starts on its backup.
stop_authd
grep -v "^dynamodb.us-east-1\|^_gen" "$ZONES/api.test.zone" |
	sed 's/SOA\tns1 hostmaster 1 /SOA\tns1 hostmaster 100 /' >"$T/api.zone"
start_authd "$T/authd2.log" -c "$T/authd.conf"
check "a zone file without the endpoint: backup at start" [ "$($D $E A)" = 192.0.2.250 ]
check "as a change of the zone (serial 101)" [ "$(serial "$D")" = 101 ]
check "logged at start" grep -q "failover: $E. has no address of its own" "$T/authd2.log"
check "the secondary follows" follow
check "...and serves the backup" [ "$($N $E A)" = 192.0.2.250 ]

# A reload with a new rule: taken with the keys, applied at once.
new_on_backup() { [ "$($D new.api.test A)" = 192.0.2.251 ]; }
echo 'failover "new.api.test. 192.0.2.251"' >>"$T/authd.conf"
kill -HUP "$AUTHD_PID"
check "reload: a new rule applies at once" wait_for 5 new_on_backup
check "reload: logged" grep -q "failover: new.api.test. has no address of its own" "$T/authd2.log"
echo 'failover "new.api.test. nonsense"' >>"$T/authd.conf"
kill -HUP "$AUTHD_PID"
check "reload: a bad rule keeps the old settings" \
	wait_for 5 grep -q "reload failed, keeping the old settings: .*option 'failover'" "$T/authd2.log"
check "...and the old backup" new_on_backup
stop_authd
finish
