#!/bin/bash
# replay.sh - play a schedule made from a SPIN trail (trail2schedule.awk)
# against the real daemons: authd (legacy lab: guard-enabled no), the plan
# store written with planwrite, and legacy enactors stopped and continued
# at their pause points exactly as the trail orders them.
#
# usage: AUTHD=... BUILD_DIR=... bash tests/model/replay.sh SCHEDULE
#
# Every "run ID POINT" continues (or starts) one enactor and waits until
# it stops again, and checks from its log that it stopped at POINT, the
# point the model stopped at; meanwhile every other enactor is stopped, so
# the real interleaving is the trail's.  The schedule ends with the
# expectation: the endpoint resolves to nothing, and stays so once every
# enactor runs free: the newest plan is reported applied, so the freshness
# check passes over it, and a newer plan fails on the deleted active plan.
set -euo pipefail
SCHEDULE=${1:?usage: replay.sh SCHEDULE}
[ -r "$SCHEDULE" ] || {
	echo "replay.sh: cannot read $SCHEDULE" >&2
	exit 2
}
SCHEDULE=$(cd "$(dirname "$SCHEDULE")" && pwd)/$(basename "$SCHEDULE")
. "$(dirname "$0")/../e2e/lib.bash"
. "$(dirname "$0")/../e2e/planner_lib.bash"

for p in "$ENACTOR" "$PLANWRITE"; do
	[ -x "$p" ] || {
		echo "replay.sh: $p is not built" >&2
		exit 2
	}
done

new_key "$T/k.key" enactor
api_zone "$T/api.zone" 1
P=$(free_port)
start_authd "$T/authd.log" --listen "127.0.0.1:$P" \
	--zone "api.test.=$T/api.zone" --state-dir "$T/state" \
	--key "$T/k.key" --guard "$E" --guard-enabled no

KEEP=1
declare -A PAUSES PID STOPS
# A stopped enactor takes no SIGTERM, and one that takes it may still
# stop at its next armed pause point and keep lib.bash's cleanup waiting
# (a replay that failed half-way): nothing is checked after this, so the
# enactors are killed before cleanup stops everything.
replay_cleanup() {
	for n in "${!PID[@]}"; do kill -KILL "${PID[$n]}" 2>/dev/null || true; done
	cleanup
}
trap replay_cleanup EXIT INT TERM
# stops N: how many times enactor N stopped at a pause point so far.
stops() { grep -c "pause point .*: stopping" "$T/enactor$1.log" || true; }
stopped_again() { # stopped_again N COUNT
	[ "$(stops "$1")" -gt "$2" ] && stopped "${PID[$1]}"
}
# The log's words for a schedule point: "before-delete:1" is logged as
# "pause point before-delete 1", "before-endpoint" with the endpoint.
logged_as() {
	case "$1" in
	before-delete:*) echo "pause point before-delete ${1#before-delete:}: stopping" ;;
	before-endpoint) echo "pause point before-endpoint $E: stopping" ;;
	*) echo "pause point $1: stopping" ;;
	esac
}
dig_a() { dig @127.0.0.1 -p "$P" +norec +time=1 +tries=1 "$E" A; }
# empty: E resolves to no address (NXDOMAIN through its dangling CNAME,
# or an answer without A records).
empty() {
	out=$(dig_a) || return 1
	grep -q "status: NXDOMAIN" <<<"$out" && return 0
	grep -q "status: NOERROR" <<<"$out" &&
		! grep -qE "IN[[:space:]]+A[[:space:]]" <<<"$out"
}
start_enactor() { # start_enactor N
	args=()
	for p in ${PAUSES[$1]}; do args+=(--pause-at "$p"); done
	: >"$T/enactor$1.log"
	"$ENACTOR" --id "$1" --mode legacy --store "$STORE" \
		--server "127.0.0.1:$P" --zone api.test. --key "$T/k.key" \
		--keep "$KEEP" --interval-ms 200 --heartbeat-ms 200 \
		"${args[@]}" >>"$T/enactor$1.log" 2>&1 &
	PID[$1]=$!
	PIDS="$PIDS $!"
}

step=0
written=0
while read -r verb a b; do
	case "$verb" in
	'' | '#'*) continue ;;
	keep) KEEP=$a ;;
	pauses) PAUSES[$a]=$b ;;
	write)
		step=$((step + 1))
		g=$("$PLANWRITE" "$STORE" write "$E=192.0.2.$((100 + a))")
		echo "step $step: the planner writes plan $g"
		[ "$g" = "$a" ] || {
			echo "FAIL - the store gave generation $g, the model $a"
			exit 1
		}
		written=$g
		;;
	run)
		step=$((step + 1))
		n=${STOPS[$a]:-0}
		if [ -z "${PID[$a]:-}" ]; then
			start_enactor "$a"
		else
			kill -CONT "${PID[$a]}"
		fi
		if [ "$b" = end ]; then
			echo "step $step: enactor $a runs on (the trail's last stretch)"
			continue
		fi
		if ! wait_for 20 stopped_again "$a" "$n"; then
			echo "FAIL - enactor $a did not reach $b; its log:"
			cat "$T/enactor$a.log"
			exit 1
		fi
		STOPS[$a]=$((n + 1))
		last=$(grep "pause point .*: stopping" "$T/enactor$a.log" | tail -1)
		g=$(gen_served)
		echo "step $step: enactor $a stopped at $b (E on plan ${g:-none})"
		case "$last" in
		*"$(logged_as "$b")"*) ;;
		*)
			echo "FAIL - enactor $a stopped elsewhere: $last"
			exit 1
			;;
		esac
		;;
	expect)
		[ "$a" = empty ] || {
			echo "replay.sh: cannot check '$a'" >&2
			exit 2
		}
		check "the replayed trail empties the endpoint" wait_for 10 empty
		dig_a | grep -E "status|IN" | sed 's/^/    /'
		logs=$(printf "$T/enactor%s.log " "${!PID[@]}")
		# shellcheck disable=SC2086
		taken() { grep -ho "applying plan $written " $logs | wc -l; }
		before=$(taken)
		for n in "${!PID[@]}"; do kill -CONT "${PID[$n]}"; done
		sleep 2
		check "still empty with every enactor running free" empty
		check "plan $written is reported applied: no enactor takes it again" \
			test "$(taken)" = "$before"
		g=$("$PLANWRITE" "$STORE" write "$E=192.0.2.$((101 + written))")
		echo "the planner writes plan $g"
		# shellcheck disable=SC2086
		check "the enactors cannot move it to plan $g (the rollback record cannot point at the deleted plan)" \
			wait_for 10 grep -q "(the rollback record cannot point at plan [0-9]*: it is deleted)" $logs
		check "still empty" empty
		;;
	*)
		echo "replay.sh: $SCHEDULE: unknown line '$verb $a $b'" >&2
		exit 2
		;;
	esac
done <"$SCHEDULE"
for n in "${!PID[@]}"; do kill -CONT "${PID[$n]}" 2>/dev/null || true; done
stop_authd
finish
