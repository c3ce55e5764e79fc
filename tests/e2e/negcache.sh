#!/bin/bash
# negcache.sh - what sets the tail of an outage behind a resolver: a real
# unbound in front of authd caches an NXDOMAIN, authd is repaired at once,
# and dnsprobe (through unbound) measures how long clients still get the
# NXDOMAIN.  The zone's negative TTL is 4 s (RFC 2308: min(SOA TTL,
# MINIMUM)).
#
#   a. an endpoint on a deleted plan (CNAME to a missing name), CNAME TTL
#      1 s: the tail is the CNAME's TTL, shorter than the negative TTL;
#   b. the same with a CNAME TTL of 8 s: the tail is the CNAME's TTL again,
#      longer than the negative TTL (the resolver follows its cached CNAME
#      back to the deleted name);
#   c. a name that is gone itself: the tail is the negative TTL.
#
# So in dnsplane's layout (an endpoint is a CNAME to its plan) the records'
# TTL bounds what clients behind a resolver see after a repair, not the
# SOA's negative TTL.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/unbound_lib.bash"

: "${BUILD_DIR:?set BUILD_DIR to the build directory}"
PROBE=$BUILD_DIR/dnsprobe
DPUPDATE=$BUILD_DIR/tests/dpupdate
if ! command -v unbound >/dev/null; then
	echo "negcache.sh: unbound is missing (scripts/deps.sh test installs it)" >&2
	exit 1
fi

printf 'key "k" { algorithm hmac-sha256; secret "%s"; };\n' \
	"$(head -c 32 /dev/urandom | base64)" >"$T/k.key"
cat >"$T/api.zone" <<'ZONE'
$ORIGIN api.test.
$TTL 60
@	SOA	ns1 hostmaster 1 3600 600 86400 4
	NS	ns1
ns1	A	192.0.2.53
a	1	CNAME	g1._plan.a
b	8	CNAME	g1._plan.b
ZONE
P=$(free_port)
start_authd "$T/authd.log" --listen "127.0.0.1:$P" \
	--zone "api.test.=$T/api.zone" --state-dir "$T/state" \
	--key "$T/k.key" --guard-enabled no
start_unbound "$P" || exit 1

# The outage, cached once by the resolver: a and b name a plan that is
# gone, c does not exist.
for n in a b c; do
	dig @127.0.0.1 -p "$U" "$n.api.test" A >"$T/dig-$n"
	check "$n: the resolver caches NXDOMAIN" has "status: NXDOMAIN" "$T/dig-$n"
done
# The repair at authd, right away.
"$DPUPDATE" -s "127.0.0.1:$P" -k "$T/k.key" -z api.test. \
	"del a.api.test. CNAME" "add a.api.test. 1 CNAME g2._plan.a.api.test." \
	"add g2._plan.a.api.test. 1 A 10.0.0.1" \
	"del b.api.test. CNAME" "add b.api.test. 8 CNAME g2._plan.b.api.test." \
	"add g2._plan.b.api.test. 8 A 10.0.0.1" \
	"add c.api.test. 1 A 10.0.0.1" >"$T/repair"
check "authd repaired" grep -q "rcode=NOERROR" "$T/repair"
# Clients behind the resolver, from now on.
for n in a b c; do
	"$PROBE" --server "127.0.0.1:$U" --name "$n.api.test." --gen-txt no \
		--rate 50 --duration 10 --summary "$T/$n.json" \
		>"$T/$n.out" 2>"$T/$n.err" &
	eval "PR_$n=$!"
done
wait "$PR_a" "$PR_b" "$PR_c" || true
# tail N: how long the first NXDOMAIN period lasted, in ms.
tail_ms() { grep -o '"longest_ms":{[^}]*}' "$T/$1.json" | grep -o '"nxdomain":[0-9]*' | cut -d: -f2; }
ok_after() { grep -q "answers with addresses since" "$T/$1.err"; }
a=$(tail_ms a)
b=$(tail_ms b)
c=$(tail_ms c)
echo "tails behind the resolver: a ${a} ms (CNAME TTL 1 s), b ${b} ms (CNAME TTL 8 s), c ${c} ms (the name itself; negative TTL 4 s)"
check "a: clients recover" ok_after a
check "b: clients recover" ok_after b
check "c: clients recover" ok_after c
check "a: the tail ends with the CNAME's TTL, before the negative TTL ($a ms < 3000)" [ "${a:-99999}" -lt 3000 ]
check "b: the tail ends with the CNAME's TTL, after the negative TTL ($b ms > 6000)" [ "${b:-0}" -gt 6000 ]
check "c: the tail is the negative TTL (2500 < $c ms < 6500)" [ "${c:-0}" -gt 2500 -a "${c:-99999}" -lt 6500 ]
stop_authd
finish
