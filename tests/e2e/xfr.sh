#!/bin/bash
# xfr.sh - zone transfer out and NOTIFY against a real secondary: NSD
# transfers the zone from authd (AXFR, TSIG-signed), follows every update
# made with nsupdate through NOTIFY and IXFR, and the allow-transfer rules
# refuse the wrong address, a missing or wrong key.
. "$(dirname "$0")/lib.bash"

P=$(free_port)
NP=$(free_port)
while [ "$NP" = "$P" ]; do NP=$(free_port); done
secret() { head -c 32 /dev/urandom | base64; }
S=$(secret)
printf 'key "k" { algorithm hmac-sha256; secret "%s"; };\n' "$S" >"$T/k.key"
printf 'key "other" { algorithm hmac-sha256; secret "%s"; };\n' "$(secret)" >"$T/other.key"

# A zone large enough that an AXFR takes several messages.
cp "$ZONES/example.test.zone" "$T/example.zone"
for i in $(seq 1 1500); do echo "host-$i IN A 10.0.$((i / 256)).$((i % 256))"; done >>"$T/example.zone"

cat >"$T/authd.conf" <<EOF
listen 127.0.0.1:$P
zone example.test.=$T/example.zone
state-dir $T/state
key $T/k.key
key $T/other.key
allow-transfer "127.0.0.1 k"
allow-transfer "127.0.0.4"
notify "127.0.0.1:$NP k"
log-level debug
EOF
start_authd "$T/authd.log" -c "$T/authd.conf"

D="dig @127.0.0.1 -p $P +time=3 +tries=1"
Y="-y hmac-sha256:k:$S"

# Transfers by hand: who gets one.
out=$($D example.test AXFR $Y)
records() { awk '!/^;/ && $3 == "IN"' | wc -l; }
check "signed AXFR: the whole zone" [ "$(records <<<"$out")" -eq 1525 ]
check "signed AXFR: several messages, every one verified" \
	grep -qE "XFR size: 1525 records \(messages [2-9]" <<<"$out"
check "signed AXFR: SOA first and last" \
	[ "$(grep -v '^;' <<<"$out" | grep . | grep -v TSIG | sed -n '1p;$p' | awk '{print $4}' | sort -u)" = SOA ]
check "unsigned AXFR refused when the rule names a key" \
	grep -q "Transfer failed" <<<"$($D example.test AXFR)"
check "AXFR with another key refused" \
	grep -q "Transfer failed" <<<"$($D example.test AXFR -k "$T/other.key")"
check "AXFR with a wrong secret: NOTAUTH" \
	grep -qi "tsig\|NOTAUTH\|failed" <<<"$($D example.test AXFR -y "hmac-sha256:k:$(secret)" 2>&1)"
check "signed AXFR from a disallowed address refused" \
	grep -q "Transfer failed" <<<"$($D -b 127.0.0.3 example.test AXFR $Y)"
check "unsigned AXFR from an address allowed without a key" \
	grep -q "XFR size: 1525 records" <<<"$($D -b 127.0.0.4 example.test AXFR)"
check "refusals are logged" has "transfer of example.test. refused to 127.0.0.3" "$T/authd.log"
check "REFUSED with EDE 18 (prohibited) for a refused transfer" \
	[ "$($D +tcp example.test AXFR +comments | grep -cE 'status: REFUSED|EDE: 18')" -eq 2 ]
check "IXFR over UDP from an allowed client: the current SOA alone" \
	[ "$($D +notcp +short example.test IXFR=1 $Y | awk '{print $3}')" = 2026112301 ]

# The secondary.
start_nsd_secondary "$NP" "$P" example.test. "$S"
N="dig @127.0.0.1 -p $NP +short +time=1 +tries=1"
for _ in $(seq 100); do
	[ "$($N example.test SOA | awk '{print $3}')" = 2026112301 ] && break
	sleep 0.1
done
check "NSD transferred the zone (AXFR)" [ "$($N host-1500.example.test A)" = 10.0.5.220 ]
check "authd logged the full transfer to NSD" grep -q "transfer: .* of example.test. .*key k.: full zone" "$T/authd.log"

# Updates: NSD must follow each through NOTIFY and IXFR.
worst=0
total=0
for i in 1 2 3 4 5; do
	printf 'server 127.0.0.1 %s\nzone example.test\nupdate add new%s.example.test 300 A 192.0.2.%s\nupdate delete host-%s.example.test A\nsend\n' \
		"$P" "$i" "$i" "$i" | nsupdate -k "$T/k.key"
	t0=$(date +%s%N)
	got=""
	for _ in $(seq 500); do
		got=$($N "new$i.example.test" A)
		[ -n "$got" ] && break
		sleep 0.01
	done
	ms=$((($(date +%s%N) - t0) / 1000000))
	total=$((total + ms))
	[ "$ms" -gt "$worst" ] && worst=$ms
	check "update $i reached the secondary" [ "$got" = "192.0.2.$i" ]
	check "update $i: the deletion too" [ -z "$($N "host-$i.example.test" A)" ]
done
echo "secondary follows an update within ${worst} ms (worst of 5, mean $((total / 5)) ms)"
check "NSD serves the new serial" [ "$($N example.test SOA | awk '{print $3}')" = 2026112306 ]
check "the updates went by IXFR" grep -q "IXFR of example.test. from serial 2026112305 .*incremental, 1 steps" "$T/authd.log"
check "NOTIFY acknowledged by NSD" grep -q "notify: example.test. serial 2026112306 acknowledged by 127.0.0.1:$NP" "$T/authd.log"

# IXFR by hand: several steps, and a serial the journal does not hold.
out=$($D example.test IXFR=2026112301 $Y +nostats +nocmd | grep -v '^;' | grep -v TSIG | grep .)
check "IXFR from the first serial: 5 steps, 2 records each" [ "$(records <<<"$out")" -eq $((2 + 5 * 4)) ]
check "IXFR shows a removal" grep -q "host-3.example.test.*10.0.0.3" <<<"$out"
out=$($D example.test IXFR=2026000000 $Y)
check "IXFR from an unknown serial: the full zone" grep -q "XFR size: 1525 records" <<<"$out"

# A newer zone file on SIGHUP starts a new history: the secondary is
# notified and takes the whole zone, then follows updates by IXFR again.
sed -i -e 's/2026112301 ; serial/2026112401 ; serial/' "$T/example.zone"
echo "reloaded IN A 192.0.2.77" >>"$T/example.zone"
kill -HUP "$AUTHD_PID"
for _ in $(seq 300); do
	[ "$($N reloaded.example.test A)" = 192.0.2.77 ] && break
	sleep 0.01
done
check "SIGHUP with a newer zone file: the secondary follows" [ "$($N reloaded.example.test A)" = 192.0.2.77 ]
check "after the new zone file the secondary gets the full zone" \
	grep -q "IXFR of example.test. from serial 2026112306 .*full zone, serial 2026112401" "$T/authd.log"
printf 'server 127.0.0.1 %s\nzone example.test\nupdate add after.example.test 300 A 192.0.2.88\nsend\n' "$P" |
	nsupdate -k "$T/k.key"
for _ in $(seq 300); do
	[ "$($N after.example.test A)" = 192.0.2.88 ] && break
	sleep 0.01
done
check "an update after the reload reaches the secondary" [ "$($N after.example.test A)" = 192.0.2.88 ]
check "... by IXFR" grep -q "IXFR of example.test. from serial 2026112401 .*incremental, 1 steps" "$T/authd.log"

stop_authd
check "the import of the new file cleared the old journal" \
	[ "$(sqlite3 "$T/state/zones.db" 'SELECT count(*), min(prev_serial) FROM journal')" = "3|2026112401" ]
check "no leak or crash at exit" [ -z "$(grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error' "$T/authd.log")" ]
# Configuration errors name the file, line and option, or the key.
printf 'allow-transfer "127.0.0.1/40"\n' >"$T/bad1.conf"
check "a bad allow-transfer prefix: file, line and option" \
	grep -q "bad1.conf:1: option 'allow-transfer'.*prefix length" <("$AUTHD" -c "$T/bad1.conf" -n 2>&1)
printf 'key %s\nnotify "127.0.0.1:53 nokey"\n' "$T/k.key" >"$T/bad2.conf"
check "a notify target with an unknown key is refused" \
	grep -q "notify '127.0.0.1:53 nokey': no key named nokey." <("$AUTHD" -c "$T/bad2.conf" -n 2>&1)
printf 'notify "ns2.example.test"\n' >"$T/bad3.conf"
check "a notify target must be an address" \
	grep -q "bad3.conf:1: option 'notify'" <("$AUTHD" -c "$T/bad3.conf" -n 2>&1)
finish
