#!/bin/bash
# metrics.sh - /metrics counts queries by transport and rcode, updates by
# result and guard refusals, answers Not Ready, and shows zone serials;
# /healthz answers.
. "$(dirname "$0")/lib.bash"

DPUPDATE=$BUILD_DIR/tests/dpupdate
P=$(free_port)
M=$(free_port)
printf 'key "k" { algorithm hmac-sha256; secret "%s"; };\n' \
	"$(head -c 32 /dev/urandom | base64)" >"$T/k.key"
start_authd "$T/authd.log" --listen "127.0.0.1:$P" \
	--zone "api.test.=$ZONES/api.test.zone" --state-dir "$T/state" \
	--key "$T/k.key" --guard dynamodb.us-east-1.api.test. \
	--guard gone.api.test. --metrics-listen "127.0.0.1:$M"
get() { curl -sf "http://127.0.0.1:$M/metrics" | grep -F "$1" | awk '{print $NF}'; }

for _ in 1 2 3; do dig @127.0.0.1 -p "$P" +short dynamodb.us-east-1.api.test >/dev/null; done
dig @127.0.0.1 -p "$P" +tcp nothere.api.test >/dev/null
dig @127.0.0.1 -p "$P" www.example.org >/dev/null
# A guarded endpoint without an address: Not Ready, for its addresses only.
dig @127.0.0.1 -p "$P" gone.api.test A >/dev/null
dig @127.0.0.1 -p "$P" gone.api.test AAAA >/dev/null
dig @127.0.0.1 -p "$P" +tcp gone.api.test A >/dev/null
dig @127.0.0.1 -p "$P" gone.api.test TXT >/dev/null
dpu() { "$DPUPDATE" -s "127.0.0.1:$P" -k "$T/k.key" -z api.test. "$@" >/dev/null; }
dpu "add m.api.test. 60 A 192.0.2.1"
dpu "add m2.api.test. 60 A 192.0.2.2"
dpu "del dynamodb.us-east-1.api.test. A"
dpu 'add _gen.dynamodb.us-east-1.api.test. 60 TXT "1"' 'del _gen.dynamodb.us-east-1.api.test. TXT "5"'

check "UDP NOERROR queries counted" [ "$(get 'transport="udp",rcode="NOERROR"')" -ge 3 ]
check "TCP NXDOMAIN counted" [ "$(get 'transport="tcp",rcode="NXDOMAIN"')" -eq 1 ]
check "UDP NXDOMAIN counted (TXT of the endpoint)" [ "$(get 'transport="udp",rcode="NXDOMAIN"')" -eq 1 ]
check "UDP SERVFAIL counted" [ "$(get 'transport="udp",rcode="SERVFAIL"')" -eq 2 ]
not_ready=$(curl -sf "http://127.0.0.1:$M/metrics" |
	awk '$1 == "dnsplane_authd_not_ready_answers_total" { print $2 }')
check "answers Not Ready counted ($not_ready)" [ "$not_ready" -eq 3 ]
check "UDP REFUSED counted" [ "$(get 'transport="udp",rcode="REFUSED"')" -eq 1 ]
check "accepted updates" [ "$(get 'updates_total{result="accepted"}')" -eq 2 ]
check "guard refusal by reason" [ "$(get 'updates_total{result="guard"}')" -eq 1 ]
check "guard refusals by rule" [ "$(get 'guard_refusals_total{rule="min_addresses"}')" -eq 1 ]
check "fence refusals by rule" [ "$(get 'guard_refusals_total{rule="generation_fence"}')" -eq 1 ]
check "zone serial" [ "$(get 'zone_serial{zone="api.test."}')" -eq 3 ]
check "swap time recorded" [ "$(get 'snapshot_swap_seconds_count')" -ge 1 ]
check "/healthz answers ok" [ "$(curl -sf "http://127.0.0.1:$M/healthz")" = ok ]
check "other paths are 404" [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$M/x")" = 404 ]
stop_authd
finish
