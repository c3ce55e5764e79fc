#!/bin/bash
# update.sh - RFC 2136 UPDATE end to end with nsupdate and dpupdate:
# add, replace, delete; every prerequisite kind passing and failing;
# unsigned, unknown-key, wrong-secret, tampered and stale updates refused
# with the right codes; key policies; every guard rule, with the guard on
# and off; durability across a restart.
. "$(dirname "$0")/lib.bash"

DPUPDATE=$BUILD_DIR/tests/dpupdate
P=$(free_port)
newkey() { printf 'key "%s" {\n\talgorithm %s;\n\tsecret "%s";\n};\n' \
	"$1" "${3:-hmac-sha256}" "$(head -c 32 /dev/urandom | base64)" >"$2"; }
newkey enactor-1 "$T/e1.key"
newkey enactor-2 "$T/e2.key" hmac-sha512
newkey scoped "$T/scoped.key"
newkey enactor-1 "$T/wrong.key"   # same name, other secret
newkey stranger "$T/unknown.key"
cp "$ZONES/api.test.zone" "$T/api.zone"
cat >"$T/authd.conf" <<CONF
listen 127.0.0.1:$P
zone "api.test.=$T/api.zone"
state-dir $T/state
key $T/e1.key
key $T/e2.key
key $T/scoped.key
policy "scoped subdomain s3.us-east-1.api.test. A AAAA"
guard dynamodb.us-east-1.api.test.
guard s3.us-east-1.api.test.=1
CONF
start_authd "$T/authd.log" -c "$T/authd.conf"

D="dig @127.0.0.1 -p $P +norec +short +time=2 +tries=1"
nsu() { # nsu KEYFILE COMMANDS...: one nsupdate session; prints its output
	k=$1
	shift
	{ echo "server 127.0.0.1 $P"; printf '%s\n' "$@"; echo send; } |
		nsupdate -t 5 -k "$k" 2>&1
}
dpu() { "$DPUPDATE" -s "127.0.0.1:$P" -k "$1" -z api.test. "${@:2}"; }
serial() { $D api.test SOA | awk '{print $3}'; }

# Add, replace, delete.
s0=$(serial)
out=$(nsu "$T/e1.key" "update add www.api.test. 60 A 192.0.2.80")
check "add: nsupdate succeeds" [ -z "$out" ]
check "add: served at once" [ "$($D www.api.test A)" = "192.0.2.80" ]
check "serial up by one per update" [ "$(serial)" -eq $((s0 + 1)) ]
nsu "$T/e1.key" "update delete www.api.test. A" \
	"update add www.api.test. 60 A 192.0.2.81" >/dev/null
check "replace in one update" [ "$($D www.api.test A)" = "192.0.2.81" ]
check "serial up by one for a multi-record update" [ "$(serial)" -eq $((s0 + 2)) ]
nsu "$T/e2.key" "update add www.api.test. 60 AAAA 2001:db8::81" >/dev/null
check "hmac-sha512 key works" [ "$($D www.api.test AAAA)" = "2001:db8::81" ]
nsu "$T/e1.key" "update delete www.api.test. A 192.0.2.81" >/dev/null
check "delete one record" [ -z "$($D www.api.test A)" ]
nsu "$T/e1.key" "update delete www.api.test." >/dev/null
check "delete a name" grep -q NXDOMAIN <(dig @127.0.0.1 -p "$P" www.api.test AAAA)
out=$(nsu "$T/e1.key" "update delete api.test. SOA" "update delete api.test. NS")
check "apex SOA and NS cannot be deleted" [ "$($D api.test NS)" = "ns1.api.test." ]

# The five prerequisites, passing and failing (RFC 2136 2.4).
pre() { # pre EXPECTED PREREQ...: the prerequisite, then an add
	dpu "$T/e1.key" "${@:2}" "add pre-$RANDOM.api.test. 60 A 192.0.2.9" |
		grep -q "rcode=$1"
}
check "name in use: passes" pre NOERROR "yxdomain dynamodb.us-east-1.api.test."
check "name in use: YXDOMAIN->NXDOMAIN" pre NXDOMAIN "yxdomain none.api.test."
check "name not in use: passes" pre NOERROR "nxdomain none.api.test."
check "name not in use: YXDOMAIN" pre YXDOMAIN "nxdomain dynamodb.us-east-1.api.test."
check "RRset exists: passes" pre NOERROR "yxrrset dynamodb.us-east-1.api.test. A"
check "RRset exists: NXRRSET" pre NXRRSET "yxrrset dynamodb.us-east-1.api.test. MX"
check "RRset exists (value): passes" pre NOERROR \
	"yxrrset dynamodb.us-east-1.api.test. A 10.0.0.1" \
	"yxrrset dynamodb.us-east-1.api.test. A 10.0.0.2"
check "RRset exists (value): NXRRSET on a subset" pre NXRRSET \
	"yxrrset dynamodb.us-east-1.api.test. A 10.0.0.1"
check "RRset does not exist: passes" pre NOERROR "nxrrset dynamodb.us-east-1.api.test. AAAA"
check "RRset does not exist: YXRRSET" pre YXRRSET "nxrrset dynamodb.us-east-1.api.test. A"
check "prerequisite outside the zone: NOTZONE" pre NOTZONE "yxdomain www.example.org."
# A compare-and-swap on the generation marker, as the enactors use it.
out=$(dpu "$T/e1.key" 'yxrrset _gen.dynamodb.us-east-1.api.test. TXT "5"' \
	'del _gen.dynamodb.us-east-1.api.test. TXT' \
	'add _gen.dynamodb.us-east-1.api.test. 60 TXT "6"')
check "CAS on the marker: 5 -> 6" grep -q "rcode=NOERROR" <<<"$out"
out=$(dpu "$T/e1.key" 'yxrrset _gen.dynamodb.us-east-1.api.test. TXT "5"' \
	'del _gen.dynamodb.us-east-1.api.test. TXT' \
	'add _gen.dynamodb.us-east-1.api.test. 60 TXT "7"')
check "CAS with a stale read fails: NXRRSET" grep -q "rcode=NXRRSET" <<<"$out"
check "the failed update changed nothing" [ "$($D _gen.dynamodb.us-east-1.api.test TXT)" = '"6"' ]

# Signatures (RFC 8945).
out=$(printf 'server 127.0.0.1 %s\nupdate add u.api.test. 60 A 192.0.2.1\nsend\n' "$P" | nsupdate 2>&1 || true)
check "unsigned: REFUSED" grep -q "REFUSED" <<<"$out"
check "unknown key: NOTAUTH/BADKEY" grep -q "rcode=NOTAUTH tsig_error=17" <(dpu "$T/unknown.key" "add u.api.test. 60 A 192.0.2.1")
check "wrong secret: NOTAUTH/BADSIG" grep -q "rcode=NOTAUTH tsig_error=16" <(dpu "$T/wrong.key" "add u.api.test. 60 A 192.0.2.1")
check "tampered after signing: NOTAUTH/BADSIG" grep -q "rcode=NOTAUTH tsig_error=16" <(dpu "$T/e1.key" --tamper "add u.api.test. 60 A 192.0.2.1")
check "stale time: NOTAUTH/BADTIME, signed" grep -q "rcode=NOTAUTH tsig_error=18 signed=yes" <(dpu "$T/e1.key" --time-offset -3600 "add u.api.test. 60 A 192.0.2.1")
check "answers to signed updates are signed" grep -q "signed=yes" <(dpu "$T/e1.key" "add v.api.test. 60 A 192.0.2.2")
check "none of the refused updates landed" [ -z "$($D u.api.test A)" ]

# Key policy: scoped may change A/AAAA under s3.us-east-1 only.
check "policy: allowed name and type" grep -q "rcode=NOERROR" <(dpu "$T/scoped.key" "add lb.s3.us-east-1.api.test. 60 A 10.0.1.2")
out=$(dpu "$T/scoped.key" "add www.api.test. 60 A 192.0.2.3")
check "policy: name outside the policy REFUSED" grep -q "rcode=REFUSED" <<<"$out"
check "policy: EDE names key and name" grep -q 'text="policy: key scoped. may not change www.api.test.' <<<"$out"
check "policy: type outside the policy REFUSED" grep -q "rcode=REFUSED" <(dpu "$T/scoped.key" 'add lb.s3.us-east-1.api.test. 60 TXT "x"')

# The guard: every rule.
out=$(dpu "$T/e1.key" "del dynamodb.us-east-1.api.test. A")
check "guard: deleting the A RRset REFUSED" grep -q "rcode=REFUSED" <<<"$out"
check "guard: EDE text names rule and name" grep -q 'ede=18 text="guard: update would leave dynamodb.us-east-1.api.test. with 0 addresses (minimum 1)"' <<<"$out"
check "guard: deleting the last records one by one REFUSED" grep -q "rcode=REFUSED" <(dpu "$T/e1.key" "del dynamodb.us-east-1.api.test. A 10.0.0.1" "del dynamodb.us-east-1.api.test. A 10.0.0.2")
check "guard: deleting the name REFUSED" grep -q "rcode=REFUSED" <(dpu "$T/e1.key" "del dynamodb.us-east-1.api.test.")
check "guard: CNAME to a name without addresses REFUSED" grep -q "rcode=REFUSED" <(dpu "$T/e1.key" "del dynamodb.us-east-1.api.test. A" "add dynamodb.us-east-1.api.test. 60 CNAME empty.api.test.")
check "guard: deleting what the CNAME points at REFUSED" grep -q "rcode=REFUSED" <(dpu "$T/e1.key" "del lb.s3.us-east-1.api.test. A")
check "guard: a CNAME to a name with addresses passes" grep -q "rcode=NOERROR" <(dpu "$T/e1.key" "add g2.dynamodb.us-east-1.api.test. 60 A 10.0.2.1" "del dynamodb.us-east-1.api.test. A" "add dynamodb.us-east-1.api.test. 60 CNAME g2.dynamodb.us-east-1.api.test.")
check "guard: the endpoint still answers through the CNAME" [ "$($D dynamodb.us-east-1.api.test A | tail -1)" = "10.0.2.1" ]
out=$(dpu "$T/e1.key" 'del _gen.dynamodb.us-east-1.api.test. TXT' 'add _gen.dynamodb.us-east-1.api.test. 60 TXT "3"')
check "fence: lowering the generation REFUSED" grep -q 'rcode=REFUSED.*text="fence: update would move dynamodb.us-east-1.api.test. back from generation 6 to 3"' <<<"$out"
check "fence: deleting the marker REFUSED" grep -q "rcode=REFUSED" <(dpu "$T/e1.key" 'del _gen.dynamodb.us-east-1.api.test. TXT')
check "fence: raising it passes" grep -q "rcode=NOERROR" <(dpu "$T/e1.key" 'del _gen.dynamodb.us-east-1.api.test. TXT' 'add _gen.dynamodb.us-east-1.api.test. 60 TXT "8"')
check "guard refusals are logged with the key" grep -q "update refused: key enactor-1.: guard: update would leave dynamodb.us-east-1.api.test." "$T/authd.log"
stop_authd

# Durability: a restart serves every committed update.
start_authd "$T/authd2.log" -c "$T/authd.conf"
check "after restart: updates kept" [ "$($D _gen.dynamodb.us-east-1.api.test TXT)" = '"8"' ]
check "after restart: v.api.test kept" [ "$($D v.api.test A)" = "192.0.2.2" ]
stop_authd

# The guard off (the legacy lab): the same updates go through.
echo "guard-enabled no" >>"$T/authd.conf"
start_authd "$T/authd3.log" -c "$T/authd.conf"
check "guard off: lowering the generation passes" grep -q "rcode=NOERROR" <(dpu "$T/e1.key" 'del _gen.dynamodb.us-east-1.api.test. TXT' 'add _gen.dynamodb.us-east-1.api.test. 60 TXT "3"')
check "guard off: emptying the endpoint passes" grep -q "rcode=NOERROR" <(dpu "$T/e1.key" "del dynamodb.us-east-1.api.test.")
check "guard off: the endpoint has no address" [ -z "$($D dynamodb.us-east-1.api.test A)" ]
check "guard off: deleting what a CNAME points at passes" grep -q "rcode=NOERROR" <(dpu "$T/e1.key" "del lb.s3.us-east-1.api.test. A")
stop_authd
finish
