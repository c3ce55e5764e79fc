#!/bin/bash
# weights.sh - weighted answers end to end: authd hands out the addresses
# of tests/zones/weights.test.zone by their _weight records over UDP
# (dig) and TCP (kdig), one per answer by default; nsupdate changes a
# weight under TSIG; the change survives a restart; the guard still
# refuses an update that leaves no address, and takes one that sets every
# weight to 0; a real NSD secondary transfers the weight records and
# serves them, and every address, as plain records.  Shares are checked
# with loose bounds (bench/weights.sh measures them over 100,000
# queries).
. "$(dirname "$0")/lib.bash"

P=$(free_port)
NP=$(free_port)
while [ "$NP" = "$P" ]; do NP=$(free_port); done
new_key "$T/k.key" k
S=$(sed 's/.*secret "\(.*\)".*/\1/' "$T/k.key")
cp "$ZONES/weights.test.zone" "$T/weights.zone"
cat >"$T/authd.conf" <<EOF
listen 127.0.0.1:$P
zone weights.test.=$T/weights.zone
state-dir $T/state
key $T/k.key
guard lb.weights.test.
allow-transfer "127.0.0.1 k"
notify "127.0.0.1:$NP k"
EOF
start_authd "$T/authd.log" -c "$T/authd.conf"

D="dig @127.0.0.1 -p $P +norec +time=3 +tries=1"
# ask N NAME [TYPE [DIG]]: N queries of NAME in one dig (or kdig) run, the
# address of every answer record on a line.
ask() {
	n=$1 name=$2 type=${3:-A} tool=${4:-$D}
	args=()
	for _ in $(seq "$n"); do args+=("$name" "$type"); done
	$tool +noall +answer "${args[@]}" | awk -v t="$type" '$4 == t {print $5}'
}
# count ADDRESS: how many lines of stdin are ADDRESS.
count() { grep -cxF -- "$1" || true; }

out=$(ask 1 plain.weights.test)
check "no weights: every address, as before" [ "$(sort <<<"$out" | tr '\n' ' ')" = "192.0.2.31 192.0.2.32 192.0.2.33 " ]

out=$(ask 400 lb.weights.test)
check "UDP: one address per answer" [ "$(wc -l <<<"$out")" -eq 400 ]
check "UDP: weight 0 never answered" [ "$(count 192.0.2.3 <<<"$out")" -eq 0 ]
n1=$(count 192.0.2.1 <<<"$out")
# 3:1 over 400 answers: 300 expected, sd 8.7.
check "UDP: 3:1 ($n1 of 400 for weight 3)" [ "$n1" -gt 260 ] && [ "$n1" -lt 340 ]

out=$(ask 200 lb.weights.test A "kdig @127.0.0.1 -p $P +tcp +timeout=3 +retry=0")
check "TCP (kdig): one address per answer" [ "$(wc -l <<<"$out")" -eq 200 ]
check "TCP: weight 0 never answered" [ "$(count 192.0.2.3 <<<"$out")" -eq 0 ]
n1=$(count 192.0.2.1 <<<"$out")
check "TCP: 3:1 ($n1 of 200 for weight 3)" [ "$n1" -gt 120 ] && [ "$n1" -lt 180 ]

check "the alias to the plan's weighted node" \
	[ "$($D +short ep.weights.test A | tr '\n' ' ')" = "g7._plan.ep.weights.test. 192.0.2.43 " ]
check "the weights themselves: a plain TXT RRset" \
	[ "$($D +short _weight.lb.weights.test TXT | wc -l)" -eq 4 ]
check "UDP without EDNS, 40 addresses unweighted: truncated" \
	grep -q "flags: qr aa tc;" <<<"$($D +noedns +ignore big.weights.test A)"
out=$($D +noedns +ignore bigw.weights.test A)
check "... weighted: one address, not truncated" \
	grep -q "flags: qr aa; QUERY: 1, ANSWER: 1," <<<"$out"

nsu() {
	{
		printf 'server 127.0.0.1 %s\nzone weights.test\n' "$P"
		printf '%s\n' "$@"
		printf 'send\n'
	} | nsupdate -t 5 -k "$T/k.key" 2>&1 || true
}
# reweigh ADDR OLD NEW...: one signed UPDATE that moves each ADDR of lb
# from weight OLD to NEW.
reweigh() {
	cmds=()
	while [ $# -ge 3 ]; do
		cmds+=("update delete _weight.lb.weights.test TXT \"$1 $2\""
			"update add _weight.lb.weights.test 300 TXT \"$1 $3\"")
		shift 3
	done
	nsu "${cmds[@]}"
}
out=$(reweigh 192.0.2.1 3 0 192.0.2.3 0 4)
check "nsupdate changes weights (signed)" [ -z "$out" ]
out=$(ask 300 lb.weights.test)
check "after the update: the drained address is never answered" [ "$(count 192.0.2.1 <<<"$out")" -eq 0 ]
n3=$(count 192.0.2.3 <<<"$out")
check "after the update: 4:1 ($n3 of 300 for weight 4)" [ "$n3" -gt 210 ] && [ "$n3" -lt 270 ]
out=$(nsu 'update add _weight.lb.weights.test 300 TXT "192.0.2.1 heavy"')
check "a weight record that does not read is refused" grep -q REFUSED <<<"$out"
check "... and logged with why" has 'weight: _weight.lb.weights.test. TXT: not one string "ADDRESS WEIGHT"' "$T/authd.log"
out=$(printf 'server 127.0.0.1 %s\nupdate add _weight.lb.weights.test 300 TXT "192.0.2.1 9"\nsend\n' "$P" |
	nsupdate -t 5 2>&1 || true)
check "an unsigned weight change is refused" grep -q REFUSED <<<"$out"

stop_authd
start_authd "$T/authd.log" -c "$T/authd.conf" --weighted-answers 3
out=$(ask 100 lb.weights.test)
check "after a restart the weights hold (from the store)" [ "$(count 192.0.2.1 <<<"$out")" -eq 0 ]
check "weighted-answers 3: both addresses of positive weight in each answer" \
	[ "$(wc -l <<<"$out")" -eq 200 ] && [ "$(count 192.0.2.3 <<<"$out")" -eq 100 ]
out=$($D +noall +answer bigw.weights.test A | awk '{print $5}')
check "weighted-answers 3: three distinct addresses of 40" [ "$(sort -u <<<"$out" | wc -l)" -eq 3 ]

out=$(nsu 'update delete lb.weights.test A' 'update delete lb.weights.test AAAA')
check "the guard refuses an update that leaves no address, weights or not" grep -q REFUSED <<<"$out"
check "... and the addresses are still answered" [ "$($D +short lb.weights.test A | wc -l)" -eq 2 ] &&
	[ "$($D +short lb.weights.test AAAA)" = 2001:db8::1 ]
out=$(reweigh 192.0.2.2 1 0 192.0.2.3 4 0)
check "every weight 0 is not empty: the guard takes it" [ -z "$out" ]
out=$(ask 300 lb.weights.test)
check "every weight 0: all three answered" [ "$(count 192.0.2.1 <<<"$out")" -gt 20 ] &&
	[ "$(count 192.0.2.2 <<<"$out")" -gt 20 ] && [ "$(count 192.0.2.3 <<<"$out")" -gt 20 ]

# A secondary that knows nothing of weights: the records arrive by AXFR
# and are served plain, every address in every answer.
start_nsd_secondary "$NP" "$P" weights.test. "$S"
serial=$($D +short weights.test SOA | awk '{print $3}')
N="dig @127.0.0.1 -p $NP +time=1 +tries=1"
for _ in $(seq 100); do
	[ "$($N +short weights.test SOA | awk '{print $3}')" = "$serial" ] && break
	sleep 0.1
done
check "NSD transferred the zone" [ "$($N +short weights.test SOA | awk '{print $3}')" = "$serial" ]
check "NSD serves the weight records as plain TXT" \
	[ "$($N +short _weight.lb.weights.test TXT | sort)" = "$($D +short _weight.lb.weights.test TXT | sort)" ]
check "NSD answers every address, weight 0 too" \
	[ "$($N +short lb.weights.test A | sort | tr '\n' ' ')" = "192.0.2.1 192.0.2.2 192.0.2.3 " ]
check "NSD answers all 40 over TCP where authd answers 3" \
	[ "$($N +tcp +short bigw.weights.test A | wc -l)" -eq 40 ]
out=$(nsu 'update add _weight.one.weights.test 300 TXT "192.0.2.13 1"')
check "a weight change by nsupdate" [ -z "$out" ]
for _ in $(seq 100); do
	$N +short _weight.one.weights.test TXT | grep -q '192.0.2.13 1' && break
	sleep 0.05
done
check "... reaches the secondary (NOTIFY, IXFR)" grep -q '"192.0.2.13 1"' <<<"$($N +short _weight.one.weights.test TXT)"
check "the transfer was incremental" grep -q "IXFR of weights.test. .*incremental" "$T/authd.log"

stop_authd
check "no leak or crash at exit" [ -z "$(grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error' "$T/authd.log")" ]
printf 'weighted-answers 9\n' >"$T/bad.conf"
check "weighted-answers out of range: file, line, option and bounds" \
	grep -q "bad.conf:1: option 'weighted-answers': value '9' out of range 1..8" <("$AUTHD" -c "$T/bad.conf" -n 2>&1)
finish
