#!/bin/bash
# seeds.sh - capture the wire seeds of fuzz/corpus/ from the real tools:
# the queries dig and kdig send, the UPDATEs nsupdate sends (signed with
# fuzz/fuzz.key), and authd's answers to some of them (for the clients'
# parsers).  The text seeds (zone files, settings, key files) are copies
# of the repository's own files, made by hand.
#
# usage: fuzz/seeds.sh AUTHD [OUTDIR]   (OUTDIR defaults to fuzz/corpus)
# Needs dig, kdig, nsupdate and socat (scripts/deps.sh test).
set -eu

AUTHD=${1:?usage: seeds.sh AUTHD [OUTDIR]}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${2:-$ROOT/fuzz/corpus}
T=$(mktemp -d /tmp/dnsplane-seeds.XXXXXX)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$OUT/query" "$OUT/update"

P=$((20000 + RANDOM % 5000))
secret() { sed -n "/\"$1\"/,/};/s/.*secret \"\(.*\)\";/\1/p" \
	"$ROOT/fuzz/fuzz.key"; }
KEY="hmac-sha256:fuzz-key:$(secret fuzz-key)"
LIMITED="hmac-sha512:fuzz-limited:$(secret fuzz-limited)"

# udp FILE CMD...: run CMD (which sends to 127.0.0.1:$P) and keep the
# first datagram it sends in FILE.
udp() {
	f=$1
	shift
	timeout 5 socat -u UDP4-RECVFROM:$P,bind=127.0.0.1 OPEN:"$f",creat,trunc &
	s=$!
	sleep 0.2
	"$@" >/dev/null 2>&1 || true
	wait $s || true
}

# tcp FILE CMD...: the same over TCP, without the length prefix.
tcp() {
	f=$1
	shift
	timeout 5 socat -u TCP4-LISTEN:$P,bind=127.0.0.1,reuseaddr OPEN:"$T/tcp",creat,trunc &
	s=$!
	sleep 0.2
	"$@" >/dev/null 2>&1 || true
	wait $s || true
	tail -c +3 "$T/tcp" >"$f"
}

DIG="dig @127.0.0.1 -p $P +tries=1 +time=1"
KDIG="kdig @127.0.0.1 -p $P +retry=0 +time=1"
q=$OUT/query
udp "$q/dig-a-endpoint" $DIG dynamodb.us-east-1.api.test A
udp "$q/dig-aaaa-nodata" $DIG dynamodb.us-east-1.api.test AAAA
udp "$q/dig-txt-marker" $DIG _gen.dynamodb.us-east-1.api.test TXT
udp "$q/dig-cname" $DIG s3.us-east-1.api.test A
udp "$q/dig-nxdomain" $DIG nothing.api.test A +norec
udp "$q/dig-soa-do" $DIG api.test SOA +dnssec
udp "$q/dig-ns-nsid" $DIG example.test NS +nsid
udp "$q/dig-any" $DIG +notcp example.test ANY
udp "$q/dig-mx" $DIG example.test MX
udp "$q/dig-wildcard" $DIG foo.wild.example.test A
udp "$q/dig-delegation" $DIG www.child.example.test A
udp "$q/dig-big-truncated" $DIG big.test TXT +bufsize=512
udp "$q/dig-ptr" $DIG -x 192.0.2.1
udp "$q/dig-edns1-badvers" $DIG api.test SOA +edns=1 +noednsneg
udp "$q/dig-noedns" $DIG api.test NS +noedns
udp "$q/dig-chaos" $DIG version.bind TXT CH
udp "$q/dig-refused" $DIG www.example.org A
udp "$q/dig-signed" $DIG -y "$KEY" dynamodb.us-east-1.api.test A
udp "$q/dig-ixfr-udp" $DIG +notcp api.test IXFR=1
udp "$q/kdig-a-cookie" $KDIG +cookie dynamodb.us-east-1.api.test A
udp "$q/kdig-padding" $KDIG +padding=64 example.test SOA
tcp "$q/dig-axfr" $DIG api.test AXFR
tcp "$q/dig-ixfr" $DIG api.test IXFR=1
tcp "$q/dig-tcp-big" $DIG +tcp big.test TXT
tcp "$q/dig-axfr-signed" $DIG -y "$KEY" example.test AXFR

# nsupdate: one script, one message.
nsu() {
	f=$1
	k=$2
	shift 2
	{
		echo "server 127.0.0.1 $P"
		for l in "$@"; do echo "$l"; done
		echo send
	} >"$T/nsu"
	if [ -n "$k" ]; then
		udp "$f" nsupdate -y "$k" -t 1 -u 1 -r 0 "$T/nsu"
	else
		udp "$f" nsupdate -t 1 -u 1 -r 0 "$T/nsu"
	fi
}
u=$OUT/update
E=dynamodb.us-east-1.api.test.
nsu "$u/add-address" "$KEY" "zone api.test." "update add $E 60 A 10.0.0.3"
nsu "$u/delete-addresses-guard" "$KEY" "zone api.test." "update delete $E A"
nsu "$u/delete-name-guard" "$KEY" "zone api.test." "update delete $E"
nsu "$u/replace-address" "$KEY" "zone api.test." \
	"update delete $E A 10.0.0.1" "update delete $E A 10.0.0.2" \
	"update add $E 60 A 10.0.0.9" "update add $E 60 AAAA 2001:db8::9"
nsu "$u/cas-marker" "$KEY" "zone api.test." \
	"prereq yxrrset _gen.$E TXT \"5\"" "update delete _gen.$E TXT" \
	"update add _gen.$E 60 TXT \"6\""
nsu "$u/fence-back" "$KEY" "zone api.test." "update delete _gen.$E TXT" \
	"update add _gen.$E 60 TXT \"4\""
nsu "$u/plan-cname" "$KEY" "check-names off" "zone api.test." \
	"update add g7._plan.$E 60 A 10.0.7.1" "update delete $E A" \
	"update add $E 60 CNAME g7._plan.$E" \
	"update delete _gen.$E TXT" "update add _gen.$E 60 TXT \"7\""
nsu "$u/cname-beside-data" "$KEY" "zone api.test." \
	"update add ns1.api.test. 60 CNAME $E"
nsu "$u/prereq-nxdomain" "$KEY" "zone api.test." "prereq nxdomain new.api.test." \
	"update add new.api.test. 60 TXT \"hello\""
nsu "$u/prereq-yxdomain-fails" "$KEY" "zone api.test." \
	"prereq yxdomain nothing.api.test." "update add nothing.api.test. 60 A 1.2.3.4"
nsu "$u/prereq-nxrrset" "$KEY" "zone api.test." "prereq nxrrset $E AAAA" \
	"update add $E 60 AAAA 2001:db8::1"
nsu "$u/soa-serial" "$KEY" "zone api.test." \
	"update add api.test. 60 SOA ns1.api.test. hostmaster.api.test. 100 3600 600 86400 30"
nsu "$u/mx-srv-example" "$KEY" "zone example.test." \
	"update add example.test. 60 MX 10 mail.example.test." \
	"update add _dns._tcp.example.test. 60 SRV 0 0 53 ns1.example.test."
nsu "$u/outside-zone" "$KEY" "zone api.test." "update add www.example.test. 60 A 1.2.3.4"
nsu "$u/notauth-zone" "$KEY" "zone example.org." "update add www.example.org. 60 A 1.2.3.4"
nsu "$u/limited-allowed" "$LIMITED" "zone api.test." "update add $E 60 A 10.0.0.4"
nsu "$u/limited-policy" "$LIMITED" "zone api.test." "update add evil.api.test. 60 A 10.6.6.6"
nsu "$u/unsigned" "" "zone api.test." "update add $E 60 A 10.0.0.5"

# authd's answers, which the clients' parsers read.
sd=$T/state
mkdir -p "$sd"
AP=$((P + 1))
"$AUTHD" --listen 127.0.0.1:$AP --state-dir "$sd" --key "$ROOT/fuzz/fuzz.key" \
	--zone "api.test.=$ROOT/tests/zones/api.test.zone" \
	--zone "example.test.=$ROOT/tests/zones/example.test.zone" \
	--guard $E --log-level error >"$T/authd.log" 2>&1 &
PIDS="$PIDS $!"
sleep 0.5
ask() { socat -t 1 - UDP4:127.0.0.1:$AP <"$1" >"$2"; }
ask "$q/dig-a-endpoint" "$q/answer-a-endpoint"
ask "$q/dig-txt-marker" "$q/answer-txt-marker"
ask "$q/dig-cname" "$q/answer-cname"
ask "$q/dig-nxdomain" "$q/answer-nxdomain"
ask "$q/dig-edns1-badvers" "$q/answer-badvers"
ask "$q/dig-signed" "$q/answer-signed"
ask "$u/delete-addresses-guard" "$q/answer-update-guard-ede"
ask "$u/plan-cname" "$q/answer-update-plan"
echo "seeds: $(ls "$q" | wc -l) query, $(ls "$u" | wc -l) update"
