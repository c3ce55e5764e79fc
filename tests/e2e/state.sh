#!/bin/bash
# state.sh - the zone store survives restarts, SIGHUP takes in a newer zone
# file and keeps serving the old data when the new file is broken, and a
# foreign database is refused with a message.
. "$(dirname "$0")/lib.bash"

P=$(free_port)
cp "$ZONES/example.test.zone" "$T/example.zone"
args=(--listen "127.0.0.1:$P" --zone "example.test.=$T/example.zone"
	--state-dir "$T/state")
D="dig @127.0.0.1 -p $P +norec +short +time=2 +tries=1"

start_authd "$T/a1.log" "${args[@]}"
check "first start imports the zone file" has "imported $T/example.zone" "$T/a1.log"
check "serves mail A" [ "$($D mail.example.test A)" = "192.0.2.25" ]
stop_authd
check "zones.db exists" [ -s "$T/state/zones.db" ]

# Restart with the same command line: served from the store.
start_authd "$T/a2.log" "${args[@]}"
check "restart does not re-import an unchanged file" [ "$(grep -c imported "$T/a2.log" || true)" -eq 0 ]
check "restart serves the stored zone" [ "$($D mail.example.test A)" = "192.0.2.25" ]

# SIGHUP with a newer serial and a changed record.
sed -e 's/2026112301 ; serial/2026112302 ; serial/' \
	-e 's/^mail.*/mail	IN A	192.0.2.26/' "$ZONES/example.test.zone" \
	>"$T/example.zone"
kill -HUP "$AUTHD_PID"
for _ in $(seq 50); do
	grep -q "reloaded" "$T/a2.log" && break
	sleep 0.1
done
check "SIGHUP takes in the newer zone" [ "$($D mail.example.test A)" = "192.0.2.26" ]
check "SOA serial moved" [ "$($D example.test SOA | awk '{print $3}')" = "2026112302" ]

# SIGHUP with a broken file: an error, and the old data keeps serving.
sed -e 's/2026112301 ; serial/2026112303 ; serial/' \
	"$ZONES/example.test.zone" >"$T/example.zone"
echo "broken IN A 999.1.1.1" >>"$T/example.zone"
kill -HUP "$AUTHD_PID"
for _ in $(seq 50); do
	grep -q "reload failed" "$T/a2.log" && break
	sleep 0.1
done
check "broken zone file: reload fails with file and line" grep -q "reload failed.*example.zone:[0-9]*:" "$T/a2.log"
check "broken zone file: old data still served" [ "$($D mail.example.test A)" = "192.0.2.26" ]
stop_authd

# A zone file with an older serial does not replace the stored zone.
sed -e 's/^mail.*/mail	IN A	192.0.2.99/' "$ZONES/example.test.zone" \
	>"$T/example.zone"
start_authd "$T/a3.log" "${args[@]}"
check "older serial: warning" has "not newer than the stored serial 2026112302" "$T/a3.log"
check "older serial: the stored zone is served" [ "$($D mail.example.test A)" = "192.0.2.26" ]
stop_authd

# A database of another program is refused, not reused.
mkdir -p "$T/foreign"
sqlite3 "$T/foreign/zones.db" "CREATE TABLE x(y); PRAGMA application_id=7;"
st=0
"$AUTHD" --listen "127.0.0.1:$P" --zone "example.test.=$T/example.zone" \
	--state-dir "$T/foreign" >"$T/f.log" 2>&1 || st=$?
check "foreign database: exit status 1" [ "$st" -eq 1 ]
check "foreign database: message names the file" has "$T/foreign/zones.db: not a dnsplane zone store" "$T/f.log"
check "foreign database: left untouched" [ "$(sqlite3 "$T/foreign/zones.db" 'PRAGMA application_id')" = 7 ]
finish
