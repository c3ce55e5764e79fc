#!/bin/bash
# run.sh - dnsplane under a real systemd.
#
# `make install` into a throwaway root, boot systemd in a container with
# that root's /usr/local and /etc/dnsplane bound in, and check:
# systemd-analyze verify and security (every service 2.0 or lower); that
# `systemctl start dnsplane.target` brings every unit up as the user
# dnsplane; authd answering dig on port 53; the chaos recipe (SIGSTOP
# enactor@2 while the planner writes generations: the endpoint answers
# all along; SIGCONT: it catches up, and alone moves the endpoint on);
# SIGTERM to an enactor in the middle of an apply (it finishes that
# endpoint and stops: no lock, no half-applied endpoint); that
# `systemctl stop dnsplane.target` takes everything down cleanly.  Then
# it removes the container, the root and the cgroups it made.
#
# usage: tests/systemd/run.sh [--build DIR] [--if-supported] [--keep]
#   --if-supported  skip (exit 0) where systemd-nspawn cannot work
#   --keep          leave the work directory (logs, installed root)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD=build
IF_SUPPORTED=no
KEEP=no
while [ $# -gt 0 ]; do
	case $1 in
	--build) BUILD=$2; shift ;;
	--if-supported) IF_SUPPORTED=yes ;;
	--keep) KEEP=yes ;;
	*) echo "usage: $0 [--build DIR] [--if-supported] [--keep]" >&2; exit 2 ;;
	esac
	shift
done
. "$HERE/container.bash"

if ! why=$(container_supported); then
	if [ "$IF_SUPPORTED" = yes ]; then
		echo "systemd-test: SKIPPED: $why"
		exit 0
	fi
	echo "systemd-test: cannot run: $why" >&2
	exit 1
fi

T0=$(date +%s%N)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dnsplane-systemd.XXXXXX")
ROOT=$WORK/root
CHECKS=0
FAILS=0
PROBE_PID=

cleanup() {
	local rc=$?
	set +e
	[ -n "$PROBE_PID" ] && kill "$PROBE_PID" 2>/dev/null &&
		wait "$PROBE_PID" 2>/dev/null
	container_stop
	if findmnt -rn -o TARGET | grep -q "^$WORK"; then
		echo "WARNING: something is still mounted under $WORK" >&2
		rc=1
	elif [ "$KEEP" = yes ]; then
		echo "kept $WORK"
	else
		rm -rf --one-file-system "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

elapsed() { echo $((($(date +%s%N) - T0) / 1000000)); }
say() { printf '[%6.1fs] %s\n' "$(($(elapsed) / 100))e-1" "$*"; }

# check DESCRIPTION COMMAND...: count and print the result.
check() {
	local desc=$1
	shift
	CHECKS=$((CHECKS + 1))
	if "$@"; then
		echo "ok   - $desc"
	else
		echo "FAIL - $desc"
		FAILS=$((FAILS + 1))
	fi
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds; false on timeout.
wait_for() {
	local end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.2
	done
}

# fatal MESSAGE: a check later ones depend on failed; show the journal.
fatal() {
	echo "FAIL - $*"
	inside systemctl --no-pager list-units 'dnsplane*' || true
	inside journalctl --no-pager -n 80 -o short-monotonic \
		-u 'dnsplane*' || true
	exit 1
}

UNITS=(dnsplane-keygen.service dnsplane-authd.service
	dnsplane-lbfarm.service dnsplane-planner.service
	dnsplane-enactor@1.service dnsplane-enactor@2.service
	dnsplane-enactor@3.service)
SERVICES=(dnsplane-authd.service dnsplane-planner.service
	dnsplane-enactor@1.service dnsplane-lbfarm.service
	dnsplane-keygen.service)
E=dynamodb.us-east-1.api.test.
S=streams.dynamodb.us-east-1.api.test.
STORE=/var/lib/dnsplane/plans.db
LBCTL="dnsplane-lbfarm ctl /run/dnsplane-lbfarm/control"

prop() { inside systemctl show -P "$1" "$2"; }
active() { [ "$(inside systemctl is-active "$1")" = active ]; }
inactive() { [ "$(inside systemctl is-active "$1" || true)" = inactive ]; }
# The plan store, read as its owner (root would leave root-owned files).
sq() {
	inside setpriv --reuid=dnsplane --regid=dnsplane --clear-groups \
		sqlite3 "$STORE" "$1"
}
newest() { sq 'SELECT coalesce(max(generation), 0) FROM plan'; }
# rep ID KIND: enactor ID's report file KIND (state, applied), beside
# the store, read as its owner.
rep() {
	inside setpriv --reuid=dnsplane --regid=dnsplane --clear-groups \
		cat "$STORE.enactors/$1.$2"
}
field() { rep "$1" state | awk -v k="$2" '$1 == k { print $2 }'; }
heartbeat() { field "$1" heartbeat_at; }
applied_by() {
	rep "$1" applied | awk 'NR > 1 && $1 > m { m = $1 } END { print m + 0 }'
}
q() { innet dig @127.0.0.1 +norec +time=1 +tries=2 "$@"; }
gen() { q +short "_gen.$1" TXT | tr -d '"' | grep -E '^[0-9]+$' || echo 0; }
addrs() { { q +short "$1" A; q +short "$1" AAAA; } | grep -cE '^[0-9.]+$|:' || true; }
answers_with() { q +short "$1" A | grep -qx "$2"; }
pstate() { inside sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status"; }

# consistent ENDPOINT: a CNAME to g<G>._plan.ENDPOINT, marker G, at least
# one address, no legacy lock: never half of one plan and half another.
consistent() {
	local g cname
	g=$(gen "$1")
	cname=$(q +short "$1" CNAME)
	[ "$g" -gt 0 ] && [ "$cname" = "g$g._plan.$1" ] &&
		[ "$(addrs "$1")" -ge 1 ] &&
		[ -z "$(q +short "_lock.$1" TXT)" ]
}
both_consistent() { consistent "$E" && consistent "$S"; }
on_newest() {
	local n
	n=$(newest)
	[ "$(gen "$E")" -ge "$n" ] && [ "$(gen "$S")" -ge "$n" ]
}
at_least() { [ "$(newest)" -ge "$1" ]; }
served_at_least() { [ "$(gen "$E")" -ge "$1" ]; }
beating() { [ "$(heartbeat "$1")" != "$2" ]; }
stopped() { [ "$(pstate "$1")" = T ]; }
clean_stop() {
	[ "$(prop Result "$1")" = success ] &&
		[ "$(prop ExecMainStatus "$1")" = 0 ]
}

# ---- install into a throwaway root ----
say "installing into $ROOT"
make -C "$REPO" --no-print-directory -s install BUILD="$BUILD" \
	DESTDIR="$ROOT" PREFIX=/usr/local SYSCONFDIR=/etc >"$WORK/install.log"
installed() { [ -e "$ROOT$1" ]; }
for f in /usr/local/sbin/dnsplane-authd /usr/local/sbin/dnsplane-planner \
	/usr/local/sbin/dnsplane-enactor /usr/local/bin/dnsplane-lbfarm \
	/usr/local/sbin/dnsplane-keygen \
	/usr/local/lib/systemd/system/dnsplane.target \
	/usr/local/lib/systemd/system/dnsplane-enactor@.service \
	/usr/local/lib/sysusers.d/dnsplane.conf /etc/dnsplane/authd.conf \
	/etc/dnsplane/planner.conf /etc/dnsplane/enactor.conf \
	/etc/dnsplane/api.test.zone; do
	check "make install: $f" installed "$f"
done
check "make install: no key yet (made on first start)" \
	[ -z "$(ls -A "$ROOT/etc/dnsplane/keys")" ]

# ---- boot ----
say "booting systemd in a container"
container_boot "$WORK" --bind-ro="$ROOT/usr/local:/usr/local" \
	--bind="$ROOT/etc/dnsplane:/etc/dnsplane" || fatal "container boot"
say "booted: systemd $(inside systemctl show -P Version) in $(inside systemd-detect-virt)"
check "sysusers.d made the user dnsplane at boot" \
	eval 'inside id dnsplane >/dev/null'

# ---- verify and security ----
check "systemd-analyze verify: every unit" \
	inside systemd-analyze verify dnsplane.target "${UNITS[@]}"
for u in "${SERVICES[@]}"; do
	line=$(inside systemd-analyze security --no-pager "$u" | tail -1)
	score=$(sed -n 's/.*: \([0-9.]*\) .*/\1/p' <<<"$line")
	echo "     security: ${line#→ }"
	check "systemd-analyze security $u: $score <= 2.0" \
		awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 2.0) }'
done

# ---- start ----
say "systemctl start dnsplane.target"
inside systemctl start dnsplane.target || fatal "systemctl start dnsplane.target"
for u in dnsplane.target "${UNITS[@]}"; do
	check "$u is active" active "$u"
done
[ "$FAILS" -eq 0 ] || fatal "the lab did not come up"
for u in dnsplane-authd dnsplane-planner dnsplane-enactor@1; do
	check "$u: Type=notify with a watchdog ($(prop WatchdogUSec $u))" \
		[ "$(prop Type $u)" = notify -a "$(prop WatchdogUSec $u)" != 0 ]
done
APID=$(prop MainPID dnsplane-authd)
status=$(inside cat "/proc/$APID/status")
uid=$(sed -n 's/^Uid:\t\([0-9]*\).*/\1/p' <<<"$status")
check "authd runs as dnsplane (uid $uid)" [ "$uid" = "$(inside id -u dnsplane)" ]
check "authd's only capability is CAP_NET_BIND_SERVICE" \
	grep -qx 'CapEff:	0000000000000400' <<<"$status"
check "keys: one per enactor and the operator's, 0640 root:dnsplane" \
	[ "$(inside stat -c '%n %a %U %G' /etc/dnsplane/keys/enactor-1.key \
		/etc/dnsplane/keys/enactor-2.key /etc/dnsplane/keys/enactor-3.key \
		/etc/dnsplane/keys/operator.key | grep -c ' 640 root dnsplane$')" = 4 ]
EPID=$(prop MainPID dnsplane-enactor@1)
check "enactor@1 sees its own key and no other" \
	[ "$(inside ls "/proc/$EPID/root/etc/dnsplane/keys")" = enactor-1.key ]
PPID_=$(prop MainPID dnsplane-planner)
check "the planner sees no key" \
	[ -z "$(inside ls -A "/proc/$PPID_/root/etc/dnsplane/keys")" ]
K1=$(inside sha256sum /etc/dnsplane/keys/enactor-1.key)
inside systemctl restart dnsplane-keygen
check "dnsplane-keygen again: keeps every key" \
	[ "$(inside sha256sum /etc/dnsplane/keys/enactor-1.key)" = "$K1" ]
check "authd's ExecStartPre checked the settings (authd -n)" \
	grep -q 'authd.conf and 1 zone files are valid' \
	<(inside journalctl -o cat -u dnsplane-authd)

# ---- dig ----
check "dig @127.0.0.1:53 api.test SOA: authoritative answer" \
	grep -q 'flags: qr aa' <(q api.test. SOA)
check "dig +tcp @::1 port 53: answer" \
	grep -q 'status: NOERROR' <(innet dig @::1 +tcp +norec api.test. NS)
check "the enactors put both endpoints on a plan" wait_for 20 both_consistent
check "dig $E A: addresses" [ "$(addrs "$E")" -ge 1 ]
inside systemctl reload dnsplane-authd
check "systemctl reload dnsplane-authd: still active and answering" \
	wait_for 5 consistent "$E"

# ---- chaos: pause enactor@2 ----
say "chaos: SIGSTOP dnsplane-enactor@2 while the planner writes generations"
E2PID=$(prop MainPID dnsplane-enactor@2)
G0=$(newest)
inside systemctl kill -s SIGSTOP dnsplane-enactor@2
check "enactor@2 is stopped (state T)" wait_for 5 stopped "$E2PID"
HB2=$(heartbeat 2)
: >"$WORK/probe"
(
	while :; do
		out=$(q "$E" A 2>/dev/null || true)
		rc=$(grep -o 'status: [A-Z]*' <<<"$out" | cut -d' ' -f2)
		n=$(grep -cE 'IN[[:space:]]+A[[:space:]]' <<<"$out" || true)
		echo "${rc:-none} $n" >>"$WORK/probe"
		sleep 0.1
	done
) &
PROBE_PID=$!
inside $LBCTL down 127.0.0.12 >/dev/null
check "the planner writes on (generation $G0 -> $((G0 + 3)))" \
	wait_for 20 at_least $((G0 + 3))
check "enactors 1 and 3 apply them: 192.0.2.12 leaves $E" \
	wait_for 15 eval '! answers_with "$E" 192.0.2.12'
check "the endpoint is on generation >= $((G0 + 3))" \
	wait_for 15 served_at_least $((G0 + 3))
check "enactor@2 is still stopped, its heartbeat stale" \
	[ "$(pstate "$E2PID")" = T -a "$(heartbeat 2)" = "$HB2" ]
check "systemd does not notice: enactor@2 still active" \
	active dnsplane-enactor@2
kill "$PROBE_PID"
wait "$PROBE_PID" 2>/dev/null || true
PROBE_PID=
probes=$(wc -l <"$WORK/probe")
bad=$(grep -cv '^NOERROR [1-9]' "$WORK/probe" || true)
check "safe mode: $probes probes while enactor@2 was paused, $bad without an address" \
	[ "$probes" -ge 10 -a "$bad" -eq 0 ]

say "chaos: SIGCONT dnsplane-enactor@2"
inside systemctl kill -s SIGCONT dnsplane-enactor@2
check "enactor@2 runs again" wait_for 5 eval '[ "$(pstate "$E2PID")" != T ]'
check "enactor@2 beats again" wait_for 5 beating 2 "$HB2"
check "enactor@2 is the same process (no watchdog restart)" \
	[ "$(prop MainPID dnsplane-enactor@2)" = "$E2PID" ]
inside systemctl stop dnsplane-enactor@1 dnsplane-enactor@3
check "enactors 1 and 3 stop cleanly on SIGTERM" \
	eval 'clean_stop dnsplane-enactor@1 && clean_stop dnsplane-enactor@3'
G1=$(newest)
inside $LBCTL up 127.0.0.12 >/dev/null
check "enactor@2 alone catches up: 192.0.2.12 is back in $E" \
	wait_for 20 answers_with "$E" 192.0.2.12
check "both endpoints on the newest plan, by enactor@2 ($(applied_by 2) > $G1)" \
	eval 'wait_for 10 on_newest && [ "$(applied_by 2)" -gt "$G1" ]'

# ---- SIGTERM in the middle of an apply ----
say "SIGTERM to an enactor in the middle of an apply"
inside systemctl stop dnsplane-enactor@2
check "enactor@2 stops cleanly on SIGTERM" clean_stop dnsplane-enactor@2
# Enactor 3 stops itself (SIGSTOP) right before its first endpoint update.
D=/run/systemd/system/dnsplane-enactor@3.service.d
inside mkdir -p "$D"
inside sh -c "sed -n 's/^ExecStart=\(.*\)/ExecStart=\n&/p' \
	/usr/local/lib/systemd/system/dnsplane-enactor@.service |
	sed 's/%i/3/g; /^ExecStart=./s/$/ --pause-at before-endpoint/' |
	{ echo '[Service]'; cat; } >$D/pause.conf"
inside systemctl daemon-reload
G2=$(newest)
inside $LBCTL down 127.0.0.13 >/dev/null
check "a generation no enactor has applied yet" \
	wait_for 15 eval '[ "$(newest)" -gt "$G2" ] && ! on_newest'
inside systemctl start dnsplane-enactor@3
E3PID=$(prop MainPID dnsplane-enactor@3)
check "enactor@3 paused itself before an endpoint update" \
	wait_for 10 stopped "$E3PID"
t=$(date +%s%N)
inside systemctl stop dnsplane-enactor@3
ms=$((($(date +%s%N) - t) / 1000000))
check "systemctl stop enactor@3 mid-apply: clean exit in $ms ms" \
	clean_stop dnsplane-enactor@3
inside journalctl -o cat -u dnsplane-enactor@3 |
	sed -n '/pause point before-endpoint/,$p' >"$WORK/enactor3.log"
last=$(grep -o 'stopped: .*' "$WORK/enactor3.log" || true)
check "it finished the update it had begun, then stopped ($last)" \
	eval 'grep -q "SIGTERM received" "$WORK/enactor3.log" &&
		grep -Eq ": plan [0-9]+ -> [0-9]+$" "$WORK/enactor3.log" &&
		grep -Eq "stopped: [0-9]+ passes \([0-9]+ read every endpoint\), [1-9][0-9]* updates applied" \
			"$WORK/enactor3.log"'
gens="$(gen "$E") and $(gen "$S"), newest $(newest)"
check "no lock left, no half-applied endpoint (on generations $gens)" \
	both_consistent
check "no plan left in flight in the store" \
	[ "$(field 3 in_flight)" = 0 ]
inside rm -r "$D"
inside systemctl daemon-reload

# ---- all together again ----
inside systemctl start dnsplane.target
for u in "${UNITS[@]}"; do
	check "after the chaos: $u is active" active "$u"
done
check "the endpoints reach the newest plan again" wait_for 20 on_newest
check "and stay consistent" both_consistent
for u in dnsplane-authd dnsplane-planner dnsplane-lbfarm; do
	check "$u never restarted (NRestarts=$(prop NRestarts $u))" \
		[ "$(prop NRestarts $u)" = 0 ]
done
check "every plan in the store is whole" \
	[ "$(sq 'SELECT count(*) FROM plan WHERE generation NOT IN
		(SELECT generation FROM plan_endpoint GROUP BY generation
		 HAVING count(*) = 2)')" = 0 ]
echo "---- systemctl status dnsplane.target (running)"
inside systemctl status --no-pager --lines=0 dnsplane.target "${UNITS[@]}" |
	tee "$WORK/status.txt" || true
echo "----"

# ---- stop ----
say "systemctl stop dnsplane.target"
inside systemctl stop dnsplane.target
all_down() {
	local u
	for u in dnsplane.target "${UNITS[@]}"; do
		inactive "$u" || return 1
	done
}
check "every unit is inactive (none failed)" wait_for 15 all_down
for u in dnsplane-authd dnsplane-planner dnsplane-lbfarm \
	dnsplane-enactor@1 dnsplane-enactor@2 dnsplane-enactor@3; do
	check "$u stopped cleanly" clean_stop "$u"
done
check "no process of dnsplane left" \
	eval '! inside pgrep -l "^dnsplane-"'
check "port 53 answers no more" \
	eval '! innet dig @127.0.0.1 +time=1 +tries=1 api.test. SOA >/dev/null'
check "the store is intact after the stop" \
	[ "$(sq 'PRAGMA integrity_check')" = ok ]

say "powering the container off"
container_stop
check "the container is gone" eval '! kill -0 "$LEADER" 2>/dev/null'
check "no mount left under $WORK" \
	eval '! findmnt -rn -o TARGET | grep -q "^$WORK"'
check "no cgroup left" \
	eval '! ls -d /sys/fs/cgroup/*/dnsplane-systemd-test-$$ \
		/sys/fs/cgroup/dnsplane-systemd-test-$$ 2>/dev/null | grep -q .'

say "$CHECKS checks, $FAILS failed"
[ "$FAILS" -eq 0 ]
