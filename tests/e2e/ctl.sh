#!/bin/bash
# ctl.sh - dnsplanectl against the real authd and a plan store: status of
# an endpoint never applied, repair onto the newest plan (dig sees the
# plan's addresses, the CNAME and the marker), idempotence, an endpoint
# behind, the incident (the active plan's records and the plan deleted:
# NXDOMAIN) and its repair onto the newest remaining plan, plans, the
# automation switch, --json everywhere, exit codes for scripts.  Plan 2
# weighs one address 5 and the others 1: authd answers by weight (with
# weighted-answers 8, every address drawn, so dig shows them all) and
# status lists the plan's set from its weight records.
. "$(dirname "$0")/lib.bash"

: "${BUILD_DIR:?set BUILD_DIR to the build directory}"
CTL=$BUILD_DIR/dnsplanectl
PLANWRITE=$BUILD_DIR/tests/planwrite
E=dynamodb.us-east-1.api.test.
P=$(free_port)
STORE=$T/plans.db

printf 'key "ops" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' \
	"$(head -c 32 /dev/urandom | base64)" >"$T/ops.key"
cat >"$T/api.zone" <<'ZONE'
$ORIGIN api.test.
$TTL 60
@	SOA	ns1 hostmaster 1 3600 600 86400 30
	NS	ns1
ns1	A	192.0.2.53
dynamodb.us-east-1	A	10.0.0.1
ZONE
start_authd "$T/authd.log" --listen "127.0.0.1:$P" \
	--zone "api.test.=$T/api.zone" --state-dir "$T/state" \
	--key "$T/ops.key" --guard-enabled no --weighted-answers 8

D="dig @127.0.0.1 -p $P +norec +short +time=2 +tries=1"
# ctl ARGS...: dnsplanectl against this authd and store; output in
# $T/out, exit status in $RC.
ctl() {
	RC=0
	"$CTL" --store "$STORE" --server "127.0.0.1:$P" --key "$T/ops.key" \
		"$@" >"$T/out" 2>"$T/err" || RC=$?
}
# json_ok FILE: is FILE one JSON text?  (python3 when there is one.)
json_ok() {
	if command -v python3 >/dev/null; then
		python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$1"
	else
		grep -q '^{.*}$' "$1"
	fi
}
plan() { "$PLANWRITE" "$STORE" "$@"; }
# answers TYPE: the addresses dig gets for the endpoint, CNAME left out.
answers() { $D "$E" "$1" | grep -v '\.$' | sort | tr '\n' ' '; }
serial() { $D api.test SOA | awk '{print $3}'; }

# The store does not exist yet: never created by the CLI.
ctl status
check "no store: exit 3" [ "$RC" -eq 3 ]
check "no store: said" has "no plan store" "$T/err"
check "no store: not created" [ ! -e "$STORE" ]

g1=$(plan write "$E=192.0.2.1,192.0.2.2")
g2=$(plan write "$E=192.0.2.11/5,192.0.2.12,2001:db8::12")
check "two plans written" [ "$g1" -eq 1 ] && [ "$g2" -eq 2 ]

# Never applied: the endpoint answers its zone-file address, on no plan.
ctl status
check "never applied: status exit 1" [ "$RC" -eq 1 ]
check "never applied: broken, not on a plan" grep -q "^$E  *broken .*10.0.0.1" "$T/out"
check "never applied: the reason" has "not on a plan: 1 address of its own" "$T/out"
check "status names the newest plan" has "2 plans, newest 2 written" "$T/out"
ctl status --json
check "never applied: --json exit 1" [ "$RC" -eq 1 ]
check "never applied: --json parses" json_ok "$T/out"
check "never applied: --json state" has '"state":"broken"' "$T/out"
check "never applied: --json newest valid plan" has '"newest_valid_plan":2' "$T/out"

# A dry run changes nothing; repair without a key is a usage error.
ctl repair --dry-run
check "dry run: exit 1 (still broken)" [ "$RC" -eq 1 ]
check "dry run: would apply plan 2" grep -q "^$E  *broken  *- -> 2  *would apply" "$T/out"
check "dry run: authd unchanged" [ "$(answers A)" = "10.0.0.1 " ]
RC=0
"$CTL" --store "$STORE" --server "127.0.0.1:$P" repair >"$T/out" 2>"$T/err" || RC=$?
check "repair without a key: exit 2" [ "$RC" -eq 2 ]
check "repair without a key: said" has "set 'key'" "$T/err"

# Repair: onto the newest plan.
ctl repair
check "repair: exit 0" [ "$RC" -eq 0 ]
check "repair: applied plan 2" grep -q "^$E  *broken  *- -> 2  *applied" "$T/out"
check "repair: status after" grep -q "^$E  *ok  *2  *2  *NOERROR" "$T/out"
check "dig: the plan's addresses" [ "$(answers A)" = "192.0.2.11 192.0.2.12 " ]
check "dig: the plan's AAAA" [ "$(answers AAAA)" = "2001:db8::12 " ]
check "dig: the CNAME" [ "$($D "$E" CNAME)" = "g2._plan.$E" ]
check "dig: the marker" [ "$($D "_gen.$E" TXT)" = '"2"' ]
ctl status
check "repaired: status exit 0" [ "$RC" -eq 0 ]
check "repaired: ok" has "1 endpoint: 1 ok, 0 behind, 0 broken" "$T/out"
ctl status --json
check "repaired: --json exit 0" [ "$RC" -eq 0 ]
check "repaired: --json parses" json_ok "$T/out"
check "repaired: --json healthy" has '"healthy":true' "$T/out"
check "repaired: --json addresses" has '"addresses":["192.0.2.11","192.0.2.12","2001:db8::12"]' "$T/out"

# Idempotent: nothing sent the second time.
s0=$(serial)
ctl repair --json
check "repair again: exit 0" [ "$RC" -eq 0 ]
check "repair again: --json parses" json_ok "$T/out"
check "repair again: nothing to do" has '"result":"nothing to do"' "$T/out"
check "repair again: no update" [ "$(serial)" = "$s0" ]

# A newer plan: behind is a warning (exit 0); an enactor's report.
g3=$(plan write "$E=192.0.2.21,192.0.2.22")
plan report 1 2
ctl status
check "behind: status exit 0" [ "$RC" -eq 0 ]
check "behind: said" has "$E behind: on plan 2; plan 3 is newer" "$T/out"
check "enactor 1 shown with its applied plan" grep -q "^1  .*ago)  *-  *2 at " "$T/out"
ctl repair
check "behind: repair moves it to plan 3" grep -q "^$E  *behind  *2 -> 3  *applied" "$T/out"
check "behind: dig shows plan 3" [ "$(answers A)" = "192.0.2.21 192.0.2.22 " ]

# The incident: the active plan's records and the plan itself deleted.
printf 'server 127.0.0.1 %s\nupdate delete g%s._plan.%s\nsend\n' "$P" "$g3" "$E" |
	nsupdate -t 5 -k "$T/ops.key"
plan delete "$g3"
check "dig: NXDOMAIN" grep -q "status: NXDOMAIN" <(dig @127.0.0.1 -p "$P" +norec "$E" A)
ctl status
check "incident: status exit 1" [ "$RC" -eq 1 ]
check "incident: broken, NXDOMAIN, plan gone" grep -q "^$E  *broken  *3 (gone)  *3  *NXDOMAIN  *-$" "$T/out"
check "incident: who deleted it" has "NXDOMAIN: its plan 3 was deleted" "$T/out"
check "incident: by whom" has "by planwrite (test cleanup)" "$T/out"
ctl status --json
check "incident: --json parses" json_ok "$T/out"
check "incident: --json rcode" has '"rcode":"NXDOMAIN"' "$T/out"
check "incident: --json deletion" has '"deleted_by":"planwrite"' "$T/out"
ctl plans
check "plans: exit 0" [ "$RC" -eq 0 ]
check "plans: plan 2 unused" grep -q "^2  .* 1  *3  *no$" "$T/out"
check "plans: plan 3 gone" [ "$(grep -c "^3 " "$T/out")" -eq 0 ]
ctl repair
check "incident: repair exit 0" [ "$RC" -eq 0 ]
check "incident: onto the newest remaining plan" grep -q "^$E  *broken  *3 -> 2  *applied" "$T/out"
check "incident: dig shows plan 2 again" [ "$(answers A)" = "192.0.2.11 192.0.2.12 " ]
check "incident: CNAME to plan 2" [ "$($D "$E" CNAME)" = "g2._plan.$E" ]
check "incident: marker 2" [ "$($D "_gen.$E" TXT)" = '"2"' ]
ctl status
check "incident repaired: status exit 0" [ "$RC" -eq 0 ]

# plans: newest first, which endpoints are on each.
ctl plans
check "plans: plan 2 in use" grep -q "^2  .* 1  *3  *1 endpoint$" "$T/out"
check "plans: plan 1 unused" grep -q "^1  .* 1  *2  *no$" "$T/out"
ctl plans --json
check "plans --json parses" json_ok "$T/out"
check "plans --json in use" has "\"generation\":2,\"created_ms\":" "$T/out"
check "plans --json who is on it" has "\"in_use_by\":[\"$E\"]" "$T/out"

# The automation switch, with a reason that needs escaping.
ctl pause --reason 'incident "42" \ drill'
check "pause: exit 0" [ "$RC" -eq 0 ]
check "pause: said" has "automation paused (it was running)" "$T/out"
ctl status
check "status: PAUSED with who and why" grep -q '^automation  PAUSED since .* by dnsplanectl: incident "42" \\ drill$' "$T/out"
ctl status --json
check "paused: --json parses" json_ok "$T/out"
check "paused: --json switch" has '"paused":true' "$T/out"
check "paused: --json reason escaped" has '"reason":"incident \"42\" \\ drill"' "$T/out"
ctl resume --json
check "resume: exit 0" [ "$RC" -eq 0 ]
check "resume --json" has '{"command":"resume","paused":false,"was_paused":true' "$T/out"
ctl status
check "status: running again" grep -q "^automation  running, resumed .* by dnsplanectl$" "$T/out"

# An endpoint no plan covers: NXDOMAIN, and nothing to repair it with.
# One named again in another letter case is the same endpoint.
ctl --endpoint DynamoDB.US-East-1.api.test status
check "an endpoint named twice is shown once" has "1 endpoint: 1 ok, 0 behind, 0 broken" "$T/out"
ctl --endpoint Nothere.API.test status
check "unknown endpoint: exit 1" [ "$RC" -eq 1 ]
check "unknown endpoint: broken NXDOMAIN" grep -q "^nothere.api.test.  *broken  *-  *-  *NXDOMAIN" "$T/out"
ctl --endpoint nothere.api.test. repair
check "unknown endpoint: repair exit 1" [ "$RC" -eq 1 ]
check "unknown endpoint: no plan for it" grep -q "^nothere.api.test.  *broken  *-  *no plan has addresses for it" "$T/out"

# Settings from a file; errors name the file and line; exit codes.
cat >"$T/ctl.conf" <<CONF
# the operator's view
store $STORE
server 127.0.0.1:$P
zone api.test.
key $T/ops.key
CONF
RC=0
"$CTL" -c "$T/ctl.conf" status >"$T/out" 2>&1 || RC=$?
check "-c FILE: status exit 0" [ "$RC" -eq 0 ]
echo "timeout-ms 5" >>"$T/ctl.conf"
RC=0
"$CTL" -c "$T/ctl.conf" status --json >"$T/out" 2>"$T/err" || RC=$?
check "bad value: exit 2" [ "$RC" -eq 2 ]
check "bad value: file, line and key" has "$T/ctl.conf:6: option 'timeout-ms'" "$T/err"
check "bad value: --json error object" has '{"command":"status","error":' "$T/out"
ctl frobnicate
check "unknown command: exit 2" [ "$RC" -eq 2 ]
ctl status --reason x
check "--reason outside pause: exit 2" [ "$RC" -eq 2 ]
RC=0
"$CTL" --store "$STORE" --server "127.0.0.1:$(free_port)" status --json >"$T/out" 2>"$T/err" || RC=$?
check "authd unreachable: exit 3" [ "$RC" -eq 3 ]
check "authd unreachable: --json error" has '"exit":3' "$T/out"
RC=0
"$CTL" --store "$STORE" --server "127.0.0.1:$(free_port)" plans >"$T/out" 2>"$T/err" || RC=$?
check "plans without authd: exit 3" [ "$RC" -eq 3 ]
check "plans without authd: still listed" grep -q "^2  .*?$" "$T/out"
echo "not a database" >"$T/foreign.db"
RC=0
"$CTL" --store "$T/foreign.db" pause >"$T/out" 2>"$T/err" || RC=$?
check "foreign store: exit 3" [ "$RC" -eq 3 ]

stop_authd

# With authd's guard on, repair cannot move an endpoint back below its
# marker: the refusal and its Extended DNS Error are shown, exit 1.
start_authd "$T/authd2.log" --listen "127.0.0.1:$P" \
	--zone "api.test.=$T/api.zone" --state-dir "$T/state" \
	--key "$T/ops.key" --guard "$E" --weighted-answers 8
ctl status
check "guard: plan 2 served across the restart" [ "$RC" -eq 0 ]
plan delete "$g2"
ctl status
check "guard: on a deleted plan whose records remain: exit 1" [ "$RC" -eq 1 ]
check "guard: said" has "its records are still served" "$T/out"
ctl repair
check "guard: repair exit 1" [ "$RC" -eq 1 ]
check "guard: refused with the fence's reason" grep -q "^$E  *broken  *2 -> 1  *refused (REFUSED)  *fence: .* back from generation 2 to 1" "$T/out"
check "guard: still served" [ "$(answers A)" = "192.0.2.11 192.0.2.12 " ]
stop_authd
finish
