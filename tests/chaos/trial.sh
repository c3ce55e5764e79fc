#!/bin/bash
# trial.sh - one chaos trial: the real daemons on loopback, a seeded random
# schedule of faults, then the judges.
#
# usage: trial.sh MODE SEED RESULT_FILE [KEEP_DIR]
#        trial.sh --faults      (the faults FAULTS names, or exit 2)
#        trial.sh --schedule SEED   (the faults and the schedule, no lab)
#   MODE  safe (authd's guard on, safe enactors) or legacy (guard off,
#         legacy enactors)
#   SEED  the schedule is a function of it (and of FAULTS) alone
#         (schedule.txt)
#   FAULTS (environment) the faults a schedule may hold: "all" (the
#         default), "old", "new", or names from the two lists below,
#         separated by commas or spaces
#
# The lab: authd (with an operator key its fence-override names; in safe
# mode a failover rule per endpoint, unless FAILOVER=no), lbfarm (7 load
# balancers), the planner (a random pace, 100..400 ms between
# generations; it reads the markers authd serves every 500 ms), three
# enactors (keep 2, each slowed by its own 0..150 ms before every
# endpoint), two endpoints (the zone file does not hold them: the
# enactors write them), and one dnsprobe per endpoint.
#
# For DURATION_MS (6000) the schedule plays, one every 100..500 ms, the
# process faults ("old"): SIGSTOP and SIGCONT of enactors (stop),
# restarts of them with random pause points (pause), kill -9 and restarts
# of enactors (kill-enactor), of the planner (kill-planner) and of authd
# (kill-authd), and load balancers down, sick or slow and back (lb).
# Besides, each trial picks some of the faults of operations ("new"),
# each played once:
#   restore          the plan store restored from a copy taken earlier in
#                    the trial (sqlite3 .backup): the planner and the
#                    enactors stopped, the file replaced, both restarted
#   empty-store      the same with the store deleted (the planner makes a
#                    new one): its file, or with whatever lies beside it
#   remove-endpoint  an endpoint left out of planner.conf (SIGHUP), put
#                    back 1..3 s later
#   authd-wipe       authd stopped (SIGTERM or kill -9), its database
#                    deleted, started again from the zone file alone
#   edit-gen         a second _gen record (an older generation) added by
#                    a signed update with the enactors' key
#   edit-cname       an endpoint's CNAME pointed at an older plan's name
#   edit-addr        an extra address added to the newest plan's records
#   raise            an endpoint's marker raised by 100000
#   clock            an enactor restarted with its clock 6..15 minutes off
#                    (libfaketime), restarted right 1..3 s later
#   rotate-key       authd restarted with a new secret for the enactors'
#                    key; each enactor restarted with it 0.3..2.5 s later
#   freeze           an enactor stopped for 2..5 s in the middle of a write
#                    of its reports (freeze.so stops it with a new state
#                    file written, before renaming it into place, the
#                    reports' lock held), or at a random moment
#   disk-full        the store's directory or authd's state directory on
#                    a 32 MB tmpfs the trial mounts (root), filled for
#                    1..3 s; without a tmpfs the fault is skipped, and the
#                    result line says so
# A trial never loses both copies of the generations' order: authd-wipe
# goes with none of restore, empty-store, raise; disk-full with none of
# restore, empty-store, authd-wipe.
#
# Then everything is let go: the disk freed, planner.conf whole again,
# every enactor on authd's key and the right clock and continued, every
# load balancer up; the planner runs until it has written a plan with
# every endpoint at or above every marker authd serves (at most 10 s), and
# is stopped; the enactors get 8 s (legacy: 4 s) to bring every endpoint
# onto that newest plan.
#
# The judges: the probers (an answer without an address, a generation
# going back; a step back to the very generation a hand edit wrote is the
# edit's, counted apart as excused), a final consistency check (every
# endpoint answers with addresses, is in the newest plan, its CNAME and
# its marker name the same plan, that plan is in the store, and authd
# serves exactly the store's addresses of it), authd's log (a failover
# activation once it is up: the backup covered an endpoint left without
# an address), and the planner's rounds:
# a round or a plan's write that took more than 1 s (the health checks
# time out in 40 ms, authd down is refused at once), or a write that
# failed on the store's lock, is a planner blocked by another writer.
# Refusals (BADTIME, BADSIG, the fence) are not judged: only what DNS
# serves is.
#
# One line of "key=value" goes to RESULT_FILE.  A trial that failed in
# safe mode (or any trial with KEEP=all or KEEP_ALL=yes) leaves its
# logs, timelines, schedule, final store and a plot in
# KEEP_DIR/MODE-SEED/.
OLD_FAULTS="stop pause kill-enactor kill-planner kill-authd lb"
NEW_FAULTS="restore empty-store remove-endpoint authd-wipe edit-gen
edit-cname edit-addr raise clock rotate-key freeze disk-full"
: "${FAULTS:=all}"
ALLOWED=""
for f in $(tr ',' ' ' <<<"$FAULTS"); do
	case $f in
	all) ALLOWED="$ALLOWED $OLD_FAULTS $NEW_FAULTS" ;;
	old) ALLOWED="$ALLOWED $OLD_FAULTS" ;;
	new) ALLOWED="$ALLOWED $NEW_FAULTS" ;;
	*)
		case " $(echo $OLD_FAULTS $NEW_FAULTS) " in
		*" $f "*) ALLOWED="$ALLOWED $f" ;;
		*)
			echo "trial.sh: FAULTS: no fault named '$f' (all, old, new," \
				$OLD_FAULTS $NEW_FAULTS")" >&2
			exit 2 ;;
		esac ;;
	esac
done
ALLOWED=$(echo $ALLOWED)
if [ "${1:-}" = --faults ]; then
	echo $ALLOWED
	exit 0
fi

export AUTHD=${BUILD_DIR:?set BUILD_DIR}/authd
. "$(dirname "$0")/../e2e/lib.bash"
. "$(dirname "$0")/../e2e/planner_lib.bash"
set +e

MODE=${1:?usage: trial.sh MODE SEED RESULT_FILE [KEEP_DIR]}
SEED=${2:?usage: trial.sh MODE SEED RESULT_FILE [KEEP_DIR]}
RESULT=${3:-/dev/null}
KEEP_DIR=${4:-}
: "${DURATION_MS:=6000}"
ENACTOR=$BUILD_DIR/enactor
PROBE=$BUILD_DIR/dnsprobe
FREEZE_SO=$BUILD_DIR/tests/chaos/freeze.so
E1=dynamodb.us-east-1.api.test.
E2=dynamodb-fips.us-east-1.api.test.
ENDPOINTS="$E1 $E2"
AUTHD_PID="" PLANNER_PID="" EN1="" EN2="" EN3="" PR1="" PR2=""
DISK=""

# Everything this trial started goes, stopped ones included.
chaos_cleanup() {
	for p in $EN1 $EN2 $EN3 $AUTHD_PID $PLANNER_PID $PR1 $PR2 $PIDS; do
		kill -9 "$p" 2>/dev/null
	done
	for p in $EN1 $EN2 $EN3 $AUTHD_PID $PLANNER_PID $PR1 $PR2 $PIDS; do
		wait "$p" 2>/dev/null
	done
	[ -n "$DISK" ] && umount -l "$DISK" 2>/dev/null
	rm -rf "$T"
}
trap chaos_cleanup EXIT
trap 'exit 2' INT TERM

now_ms() { date +%s%3N; }
say() { echo "$(now_ms) $*" >>"$T/events"; }
FAULTS_PICKED="" SKIPPED=""
infra() { # the lab itself failed: not a verdict on the design
	echo "mode=$MODE seed=$SEED status=infra faults=${FAULTS_PICKED:-none}" \
		"why=\"$1\"" >>"$RESULT"
	[ -n "$KEEP_DIR" ] && keep_logs
	exit 2
}
keep_logs() {
	d=$KEEP_DIR/$MODE-$SEED
	mkdir -p "$d"
	cp "$T"/*.log "$T"/*.csv "$T"/*.json "$T"/*.conf "$T/events" \
		"$T/schedule.txt" "$T/excuse" "$d"/ 2>/dev/null
	[ -e "$STORE" ] && sqlite3 -cmd ".timeout 2000" "$STORE" \
		".backup $d/plans.db" 2>/dev/null
	"$PROBE" plot --out "$d/plot.png" --events "$d/events" \
		--title "chaos $MODE seed $SEED" \
		"$d/e1.csv=$E1" "$d/e2.csv=$E2" 2>/dev/null
}

# ---- the faults this trial may play ----

allowed() { case " $ALLOWED " in *" $1 "*) return 0 ;; esac; return 1; }
# Named faults are played in every trial; "all" and "new" pick some.
EVERY=yes
case " $(tr ',' ' ' <<<"$FAULTS") " in *" all "* | *" new "*) EVERY=no ;; esac

# ---- the schedule, a function of the seed (and FAULTS) alone ----

RANDOM=$SEED
PLAN_MS=$((100 + RANDOM % 301))
# Each enactor is slow by its own delay before each endpoint (0..150 ms):
# the post-mortem's "unusually high delays".
for n in 1 2 3; do eval "DELAY$n=$((RANDOM % 151))"; done

# The process faults.  A fault left out by FAULTS still draws its
# numbers: the others keep their moments.
PAUSES=(after-freshness-check before-endpoint before-cleanup before-delete)
t=0
{
	while :; do
		t=$((t + 100 + RANDOM % 400))
		[ "$t" -ge "$DURATION_MS" ] && break
		r=$((RANDOM % 100))
		n=$((1 + RANDOM % 3))
		d=$((200 + RANDOM % 2300))
		if [ $r -lt 25 ]; then
			allowed stop && echo "$t stop $n" && echo "$((t + d)) cont $n"
		elif [ $r -lt 37 ]; then
			allowed kill-enactor && echo "$t kill-enactor $n" &&
				echo "$((t + d / 4)) start-enactor $n"
		elif [ $r -lt 47 ]; then
			p=${PAUSES[$((RANDOM % 4))]}
			allowed pause && echo "$t restart-enactor $n $p" &&
				echo "$((t + d)) cont $n"
		elif [ $r -lt 54 ]; then
			allowed kill-planner && echo "$t kill-planner" &&
				echo "$((t + d / 4)) start-planner"
		elif [ $r -lt 61 ]; then
			back=$((t + 100 + RANDOM % 700))
			allowed kill-authd && echo "$t kill-authd" &&
				echo "$back start-authd"
		elif [ $r -lt 90 ]; then
			lb=$((1 + RANDOM % 7))
			how=$((RANDOM % 3))
			if allowed lb; then
				case $how in
				0) echo "$t lb down $lb" ;;
				1) echo "$t lb sick $lb" ;;
				2) echo "$t lb slow $lb 100" ;;
				esac
				echo "$((t + d)) lb up $lb"
			fi
		else
			allowed stop && echo "$t cont $n"
		fi
	done
} >"$T/schedule.raw"

# The faults of operations: which, in an order of the seed's.
conflicts() {
	case $1 in
	authd-wipe) echo "restore empty-store raise disk-full" ;;
	restore | empty-store) echo "authd-wipe disk-full" ;;
	raise) echo "authd-wipe" ;;
	disk-full) echo "restore empty-store authd-wipe" ;;
	esac
}
PICKED=""
picked() { case " $PICKED " in *" $1 "*) return 0 ;; esac; return 1; }
# (Drawn here, not in a subshell: bash reseeds RANDOM in every subshell.)
keys=""
for f in $NEW_FAULTS; do keys="$keys$RANDOM $f"$'\n'; done
order=$(sort -n <<<"$keys" | cut -d' ' -f2)
for f in $order; do
	roll=$((RANDOM % 100))
	allowed "$f" || continue
	[ "$EVERY" = yes ] || [ "$roll" -lt 30 ] || continue
	clash=no
	for c in $(conflicts "$f"); do picked "$c" && clash=yes; done
	[ "$clash" = no ] && PICKED="$PICKED $f"
done
if [ -z "$PICKED" ]; then
	for f in $order; do
		allowed "$f" && { PICKED=" $f"; break; }
	done
fi
# Their moments and arguments, in the list's order.
DISK_TARGET=""
{
	for f in $NEW_FAULTS; do
		picked "$f" || continue
		e=$((1 + RANDOM % 2))
		n=$((1 + RANDOM % 3))
		case $f in
		restore)
			at=$((2000 + RANDOM % 3001))
			b1=$((200 + RANDOM % (at - 700)))
			b2=$((b1 + 200 + RANDOM % (at - b1 - 300)))
			echo "$b1 backup 1"
			echo "$b2 backup 2"
			echo "$at restore $((1 + RANDOM % 2))" ;;
		empty-store)
			what=file
			[ $((RANDOM % 2)) -eq 0 ] && what=all
			echo "$((1000 + RANDOM % 4001)) empty-store $what" ;;
		remove-endpoint)
			at=$((500 + RANDOM % 4001))
			echo "$at remove-endpoint $e"
			echo "$((at + 1000 + RANDOM % 2001)) add-endpoint $e" ;;
		authd-wipe)
			sig=TERM
			[ $((RANDOM % 2)) -eq 0 ] && sig=KILL
			echo "$((1000 + RANDOM % 4001)) authd-wipe $sig" ;;
		edit-gen) echo "$((500 + RANDOM % 5001)) edit-gen $e $((1 + RANDOM % 3))" ;;
		edit-cname) echo "$((500 + RANDOM % 5001)) edit-cname $e" ;;
		edit-addr) echo "$((500 + RANDOM % 5001)) edit-addr $e $((1 + RANDOM % 250))" ;;
		raise) echo "$((500 + RANDOM % 4501)) raise $e 100000" ;;
		clock)
			at=$((300 + RANDOM % 4201))
			sign=+
			[ $((RANDOM % 2)) -eq 0 ] && sign=-
			echo "$at clock $n $sign$((360 + RANDOM % 541))s"
			echo "$((at + 1000 + RANDOM % 2001)) clock-fix $n" ;;
		rotate-key)
			at=$((500 + RANDOM % 4001))
			echo "$at rotate-key"
			for k in 1 2 3; do
				echo "$((at + 300 + RANDOM % 2201)) rekey $k"
			done ;;
		freeze)
			at=$((300 + RANDOM % 4701))
			how=txn
			[ $((RANDOM % 3)) -eq 0 ] && how=now
			echo "$at freeze $n $how"
			echo "$((at + 2000 + RANDOM % 3001)) thaw $n" ;;
		disk-full)
			DISK_TARGET=store
			[ $((RANDOM % 2)) -eq 0 ] && DISK_TARGET=authd
			at=$((500 + RANDOM % 4001))
			echo "$at disk-fill $DISK_TARGET"
			echo "$((at + 1000 + RANDOM % 2001)) disk-free $DISK_TARGET" ;;
		esac
	done
} >>"$T/schedule.raw"
FAULTS_PICKED=$(echo $PICKED | tr ' ' ',')
sort -s -n -k1,1 "$T/schedule.raw" >"$T/schedule.txt"
if [ "$MODE" = --schedule ]; then
	echo "faults: ${FAULTS_PICKED:-none}; plan-interval-ms $PLAN_MS;" \
		"endpoint delays $DELAY1 $DELAY2 $DELAY3 ms"
	cat "$T/schedule.txt"
	exit 0
fi

# ---- the lab ----

# A small disk of our own for the store or authd's state, when asked.
STATE=$T/authd
if [ -n "$DISK_TARGET" ]; then
	DISK=$T/disk
	mkdir -p "$DISK"
	if [ "$(id -u)" -ne 0 ]; then
		why="not root"
	else
		why=$(mount -t tmpfs -o size=32m,mode=0700 tmpfs "$DISK" 2>&1)
	fi
	if mountpoint -q "$DISK"; then
		[ "$DISK_TARGET" = store ] && STORE=$DISK/plans.db
		[ "$DISK_TARGET" = authd ] && STATE=$DISK/authd
	else
		SKIPPED="disk-full: cannot mount a tmpfs at $DISK (${why:-failed}): fault skipped"
		say "$SKIPPED"
		DISK=""
		grep -v ' disk-\(fill\|free\) ' "$T/schedule.txt" >"$T/schedule.tmp"
		mv "$T/schedule.tmp" "$T/schedule.txt"
	fi
fi

# The enactors' key (rotated by rotate-key) and the operator's key.
KEYN=0
AUTHD_KEY=$T/enactor-0.key
new_key "$AUTHD_KEY" enactor
new_key "$T/ops.key" repair
cat >"$T/api.zone" <<ZONE
\$ORIGIN api.test.
\$TTL 60
@	SOA	ns1 hostmaster 1 3600 600 86400 5
	NS	ns1
ns1	A	192.0.2.53
ZONE
# Ports below the ephemeral range: a port kept across restarts of authd
# is not taken meanwhile by some client's connection.
low_port() {
	while :; do
		p=$(free_port)
		[ "$p" -lt 32768 ] && { echo "$p"; return; }
	done
}
P=$(low_port)
GUARD=yes
[ "$MODE" = legacy ] && GUARD=no
# Safe mode as the README advises: a failover rule for each guarded
# endpoint, so that authd restarted without its database answers backup
# addresses, not NXDOMAIN (FAILOVER=no: none).  Legacy mode is 2025's.
FAILOVER_ON=no
[ "$MODE" = safe ] && [ "${FAILOVER:-yes}" = yes ] && FAILOVER_ON=yes
authd_conf() {
	{
		cat <<CONF
listen 127.0.0.1:$P
zone api.test.=$T/api.zone
state-dir $STATE
key $AUTHD_KEY
key $T/ops.key
fence-override repair.
guard $E1
guard $E2
guard-enabled $GUARD
CONF
		if [ "$FAILOVER_ON" = yes ]; then
			echo "failover \"$E1 192.0.2.1\""
			echo "failover \"$E2 192.0.2.2\""
		fi
	} >"$T/authd.conf"
}
authd_conf
AUTHD_N=0
# authd_up: start authd (again) on its port, a few tries.
authd_up() {
	for _ in 1 2 3 4 5; do
		AUTHD_N=$((AUTHD_N + 1))
		log=$T/authd-$AUTHD_N.log
		"$AUTHD" -c "$T/authd.conf" >"$log" 2>&1 &
		AUTHD_PID=$!
		for _ in $(seq 100); do
			grep -q "ready:" "$log" && return 0
			kill -0 "$AUTHD_PID" 2>/dev/null || break
			sleep 0.05
		done
		kill -9 "$AUTHD_PID" 2>/dev/null
		wait "$AUTHD_PID" 2>/dev/null
		sleep 0.2
	done
	return 1
}
# stop_proc PID: SIGTERM (and SIGCONT), kill -9 after 5 s.
stop_proc() {
	kill -CONT "$1" 2>/dev/null
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
authd_up || infra "authd does not start"

start_lbfarm --listen "$NET.0.1-$NET.0.7:$LBPORT"

REMOVED=""
# planner_conf: the planner's settings, without endpoint $REMOVED (1 or
# 2) and its load balancers when set.
planner_conf() {
	{
		cat <<CONF
region us-east-1
store $STORE
server 127.0.0.1:$P
served-check-ms 500
check-interval-ms 50
check-timeout-ms 40
healthy-threshold 1
unhealthy-threshold 2
plan-interval-ms $PLAN_MS
CONF
		[ "$REMOVED" = 1 ] || echo "endpoint $E1"
		[ "$REMOVED" = 2 ] || echo "endpoint $E2"
		if [ "$REMOVED" != 1 ]; then
			for i in 1 2 3 4; do
				echo "lb $E1 10.0.1.$i http://$NET.0.$i:$LBPORT/health 10"
			done
		fi
		if [ "$REMOVED" != 2 ]; then
			for i in 5 6 7; do
				echo "lb $E2 10.0.2.$i http://$NET.0.$i:$LBPORT/health 10"
			done
		fi
	} >"$T/planner.conf.new"
	mv "$T/planner.conf.new" "$T/planner.conf"
}
planner_conf
PLANNER_N=0
planner_up() {
	PLANNER_N=$((PLANNER_N + 1))
	log=$T/planner-$PLANNER_N.log
	"$PLANNER" -c "$T/planner.conf" >"$log" 2>&1 &
	PLANNER_PID=$!
	wait_for 10 has "ready:" "$log"
}
planner_up || infra "the planner does not start"

# Each enactor's key file and clock (a libfaketime offset, or none).
EN_KEY=("" "$AUTHD_KEY" "$AUTHD_KEY" "$AUTHD_KEY")
EN_FAKE=("" "" "" "")
FROZEN=(0 0 0 0)
FREEZE_HOW=("" "" "" "")
WANT_EN=(0 1 1 1)
FAKELIB=$(dpkg -L libfaketime 2>/dev/null | grep -m1 'libfaketime\.so\.1$')
if picked clock && [ -z "$FAKELIB" ]; then
	infra "clock: libfaketime is missing (scripts/deps.sh test installs it)"
fi
if picked freeze && [ ! -e "$FREEZE_SO" ]; then
	infra "freeze: $FREEZE_SO is missing (make chaos builds it)"
fi
# enactor_up N [PAUSE]: enactor N (again), maybe with a pause point, with
# its key and clock; under freeze.so when the trial freezes enactors.
enactor_up() {
	pause=()
	[ -n "${2:-}" ] && pause=(--pause-at "$2")
	pre=""
	picked freeze && pre=$FREEZE_SO
	[ -n "${EN_FAKE[$1]}" ] && pre="$pre $FAKELIB"
	wrap=()
	[ -n "$pre" ] && wrap=(env LD_PRELOAD="${pre# }"
		CHAOS_FREEZE="$T/freeze-$1" FAKETIME="${EN_FAKE[$1]:-+0}"
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
	"${wrap[@]}" "$ENACTOR" --id "$1" --mode "$MODE" --store "$STORE" \
		--server "127.0.0.1:$P" --zone api.test. --key "${EN_KEY[$1]}" \
		--keep 2 --ttl 5 --interval-ms 200 --heartbeat-ms 200 \
		--timeout-ms 500 --backoff-max-ms 500 \
		--endpoint-delay-ms "$(eval "echo \$DELAY$1")" \
		"${pause[@]}" >>"$T/enactor$1.log" 2>&1 &
	eval "EN$1=$!"
	WANT_EN[$1]=1
}
en() { eval "echo \$EN$1"; }
# enactor_down N: SIGTERM, and SIGCONT until it is gone (a pause point
# armed but not reached yet may stop it on its way out); kill -9 after 5 s.
enactor_down() {
	pid=$(en "$1")
	kill -CONT "$pid" 2>/dev/null
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		kill -CONT "$pid" 2>/dev/null
		sleep 0.05
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# A freeze not fired yet fires in the next process.
	[ -e "$T/freeze-$1" ] || FROZEN[$1]=0
}
for n in 1 2 3; do enactor_up "$n"; done

gen_of() { dig @127.0.0.1 -p "$P" +short +norec +time=1 +tries=1 "_gen.$1" TXT | tr -d '"'; }
# The highest of an endpoint's markers (a hand edit may leave two).
top_gen() { gen_of "$1" | grep -E '^[0-9]+$' | sort -n | tail -1; }
on_plans() {
	for e in $ENDPOINTS; do [ -n "$(gen_of "$e")" ] || return 1; done
}
wait_for 15 on_plans || infra "the enactors applied nothing"

# ---- chaos ----

for i in 1 2; do
	e=E$i
	"$PROBE" --server "127.0.0.1:$P" --name "${!e}" --rate 50 \
		--interval-ms 100 --timeout-ms 300 --csv "$T/e$i.csv" \
		--summary "$T/e$i.json" >"$T/probe$i.out" 2>"$T/probe$i.log" &
	eval "PR$i=$!"
done
sleep 0.3

alive() { kill -0 "$1" 2>/dev/null; }
ep() { eval "echo \$E$1"; }
# update ACTION...: a signed update with the key authd holds for the
# enactors; its answer goes to the events.
update() {
	out=$("$DPUPDATE" -s "127.0.0.1:$P" -k "$AUTHD_KEY" -z api.test. "$@" 2>&1 | head -1)
	say "  -> $out"
	grep -q "rcode=NOERROR" <<<"$out"
}
# Hand edits whose step back the probers are not to blame the daemons for:
# "PROBER cname G" (one step back to plan G) and "PROBER txt G" (any step
# of the marker back to G).
: >"$T/excuse"
WANT_AUTHD=1 WANT_PLANNER=1
DIED=""
died() {
	DIED="$DIED${DIED:+,}$1"
	say "$1 died by itself"
}
# stop_for_store: what an operator stops before touching the store.
stop_for_store() {
	stop_proc "$PLANNER_PID"
	for n in 1 2 3; do enactor_down "$n"; done
}
# start_after_store: and starts again, the planner first (it makes a
# missing store).
start_after_store() {
	planner_again
	for n in 1 2 3; do enactor_up "$n"; done
}
# authd_again, planner_again: started again during the chaos; one that
# does not start is said, and tried again when the faults are let go.
NOSTART=""
authd_again() {
	WANT_AUTHD=1
	authd_up && return
	say "  authd did not start"
	WANT_AUTHD=0
	NOSTART="$NOSTART${NOSTART:+,}authd"
}
planner_again() {
	WANT_PLANNER=1
	planner_up && return
	say "  the planner did not start"
	WANT_PLANNER=0
	NOSTART="$NOSTART${NOSTART:+,}planner"
}
ACTIONS=0
start=$(now_ms)
while read -r at what a1 a2 a3; do
	now=$(($(now_ms) - start))
	[ "$at" -gt "$now" ] && sleep "$(awk -v d=$((at - now)) 'BEGIN { print d / 1000 }')"
	ACTIONS=$((ACTIONS + 1))
	say "$what $a1 $a2 $a3"
	case $what in
	stop) kill -STOP "$(en "$a1")" 2>/dev/null ;;
	cont)
		if [ "${FROZEN[$a1]}" != 0 ]; then
			say "  (enactor $a1 stays frozen)"
		else
			kill -CONT "$(en "$a1")" 2>/dev/null
		fi ;;
	kill-enactor)
		kill -9 "$(en "$a1")" 2>/dev/null
		wait "$(en "$a1")" 2>/dev/null
		WANT_EN[$a1]=0
		[ -e "$T/freeze-$a1" ] || FROZEN[$a1]=0 ;;
	start-enactor) alive "$(en "$a1")" || enactor_up "$a1" ;;
	restart-enactor)
		enactor_down "$a1"
		enactor_up "$a1" "$a2" ;;
	kill-planner)
		kill -9 "$PLANNER_PID" 2>/dev/null
		wait "$PLANNER_PID" 2>/dev/null
		WANT_PLANNER=0 ;;
	start-planner) alive "$PLANNER_PID" || planner_again ;;
	kill-authd)
		kill -9 "$AUTHD_PID" 2>/dev/null
		wait "$AUTHD_PID" 2>/dev/null
		WANT_AUTHD=0 ;;
	start-authd) alive "$AUTHD_PID" || authd_again ;;
	lb) "$LBFARM" ctl "$T/lb.sock" "$a1" "$NET.0.$a2" $a3 >/dev/null 2>&1 ;;
	backup)
		mkdir -p "$T/copies"
		if sqlite3 -cmd ".timeout 3000" "$STORE" ".backup $T/copies/$a1.db" 2>>"$T/events"; then
			say "  copy $a1 at generation $(sqlite3 "$T/copies/$a1.db" "SELECT coalesce(max(generation), 0) FROM plan")"
		else
			rm -f "$T/copies/$a1.db"
			say "  no copy $a1"
		fi ;;
	restore)
		copy=""
		for k in "$a1" 1 2; do
			[ -s "$T/copies/$k.db" ] && { copy=$T/copies/$k.db; break; }
		done
		if [ -z "$copy" ]; then
			say "  no copy to restore: skipped"
			continue
		fi
		stop_for_store
		say "  store at generation $(newest), restoring $copy"
		rm -f "$STORE" "$STORE-wal" "$STORE-shm"
		cp "$copy" "$STORE"
		start_after_store ;;
	empty-store)
		stop_for_store
		say "  store at generation $(newest), deleted ($a1)"
		rm -f "$STORE" "$STORE-wal" "$STORE-shm"
		# all: what lies beside it too (the enactors' files, if any)
		[ "$a1" = all ] && rm -rf "$STORE".* "$STORE"-*
		start_after_store ;;
	remove-endpoint | add-endpoint)
		REMOVED=""
		[ "$what" = remove-endpoint ] && REMOVED=$a1
		planner_conf
		alive "$PLANNER_PID" && kill -HUP "$PLANNER_PID" ;;
	authd-wipe)
		kill -"$a1" "$AUTHD_PID" 2>/dev/null
		stop_proc "$AUTHD_PID"
		rm -f "$STATE/zones.db" "$STATE/zones.db-wal" "$STATE/zones.db-shm"
		authd_again ;;
	edit-gen)
		e=$(ep "$a1")
		g=$(top_gen "$e")
		if [ -z "$g" ] || [ "$g" -le "$a2" ]; then
			say "  no marker to add to: skipped"
			continue
		fi
		v=$((g - a2))
		update "add _gen.$e 5 TXT \"$v\"" && echo "$a1 txt $v" >>"$T/excuse" ;;
	edit-cname)
		e=$(ep "$a1")
		target=$(dig @127.0.0.1 -p "$P" +short +norec +time=1 +tries=1 "$e" CNAME)
		g=${target#g}
		g=${g%%._plan.*}
		if ! [[ "$g" =~ ^[0-9]+$ ]]; then
			say "  $e has no plan's CNAME: skipped"
			continue
		fi
		old=""
		for c in $(q "SELECT generation FROM plan WHERE generation < $g
		              ORDER BY generation DESC LIMIT 8") $((g - 1)) $((g - 2)); do
			[ "$c" -ge 1 ] || continue
			if [ -n "$(dig @127.0.0.1 -p "$P" +short +norec +time=1 +tries=1 "g$c._plan.$e" A)" ]; then
				old=$c
				break
			fi
		done
		[ -n "$old" ] || { old=$((g - 1)); say "  no older plan with records: g$old"; }
		update "del $e CNAME" "add $e 5 CNAME g$old._plan.$e" &&
			echo "$a1 cname $old" >>"$T/excuse" ;;
	edit-addr)
		e=$(ep "$a1")
		update "add g$(newest)._plan.$e 5 A 10.9.9.$a2" ;;
	raise)
		e=$(ep "$a1")
		g=$(top_gen "$e")
		if [ -z "$g" ]; then
			say "  no marker to raise: skipped"
			continue
		fi
		update "del _gen.$e TXT" "add _gen.$e 5 TXT \"$((g + a2))\"" ;;
	clock | clock-fix)
		EN_FAKE[$a1]=""
		[ "$what" = clock ] && EN_FAKE[$a1]=$a2
		if [ "${WANT_EN[$a1]}" = 1 ]; then
			enactor_down "$a1"
			enactor_up "$a1"
		fi ;;
	rotate-key)
		KEYN=$((KEYN + 1))
		AUTHD_KEY=$T/enactor-$KEYN.key
		new_key "$AUTHD_KEY" enactor
		authd_conf
		stop_proc "$AUTHD_PID"
		authd_again ;;
	rekey)
		EN_KEY[$a1]=$AUTHD_KEY
		if [ "${WANT_EN[$a1]}" = 1 ]; then
			enactor_down "$a1"
			enactor_up "$a1"
		fi ;;
	freeze)
		FREEZE_HOW[$a1]=$a2
		if [ "$a2" = txn ]; then
			FROZEN[$a1]=1
			: >"$T/freeze-$a1"
		else
			FROZEN[$a1]=now
			kill -STOP "$(en "$a1")" 2>/dev/null
		fi ;;
	thaw)
		if [ "${FREEZE_HOW[$a1]}" = now ]; then
			say "  enactor $a1 continued"
		elif [ -e "$T/freeze-$a1" ]; then
			say "  enactor $a1 wrote no report meanwhile"
		else
			say "  enactor $a1 continued; $(grep -h 'chaos-freeze: stopped' "$T/enactor$a1.log" | tail -1)"
		fi
		rm -f "$T/freeze-$a1"
		FROZEN[$a1]=0
		kill -CONT "$(en "$a1")" 2>/dev/null ;;
	disk-fill)
		head -c 1G /dev/zero >"$DISK/fill" 2>/dev/null
		say "  $(df -k --output=used,avail "$DISK" | tail -1 | awk '{ print $1 " KiB used, " $2 " KiB free" }')" ;;
	disk-free)
		rm -f "$DISK/fill"
		# A daemon the full disk made exit: said, and started again.
		if [ "$WANT_AUTHD" = 1 ] && ! alive "$AUTHD_PID"; then
			died authd
			authd_again
		fi
		if [ "$WANT_PLANNER" = 1 ] && ! alive "$PLANNER_PID"; then
			died planner
			planner_again
		fi
		for n in 1 2 3; do
			if [ "${WANT_EN[$n]}" = 1 ] && ! alive "$(en "$n")"; then
				died "enactor$n"
				enactor_up "$n"
			fi
		done ;;
	esac
done <"$T/schedule.txt"

# ---- let go, and give the enactors time to converge ----

say "let go"
LETGO_WHY=""
[ -n "$DISK" ] && rm -f "$DISK/fill"
[ "$WANT_AUTHD" = 1 ] && ! alive "$AUTHD_PID" && died authd
[ "$WANT_PLANNER" = 1 ] && ! alive "$PLANNER_PID" && died planner
for n in 1 2 3; do
	[ "${WANT_EN[$n]}" = 1 ] && ! alive "$(en "$n")" && died "enactor$n"
done
if ! alive "$AUTHD_PID"; then
	authd_up || {
		grep -q "in use" "$T/authd-$AUTHD_N.log" && infra "authd restart: its port is taken"
		LETGO_WHY="authd does not start after the faults"
	}
fi
if [ -n "$REMOVED" ]; then
	REMOVED=""
	planner_conf
	alive "$PLANNER_PID" && kill -HUP "$PLANNER_PID"
fi
alive "$PLANNER_PID" || planner_up || LETGO_WHY="${LETGO_WHY:+$LETGO_WHY; }the planner does not start after the faults"
"$LBFARM" ctl "$T/lb.sock" up all >/dev/null 2>&1
for n in 1 2 3; do
	rm -f "$T/freeze-$n"
	FROZEN[$n]=0
	if [ -n "${EN_FAKE[$n]}" ] || [ "${EN_KEY[$n]}" != "$AUTHD_KEY" ]; then
		EN_FAKE[$n]=""
		EN_KEY[$n]=$AUTHD_KEY
		enactor_down "$n"
		enactor_up "$n"
	fi
	alive "$(en "$n")" || enactor_up "$n"
	kill -CONT "$(en "$n")" 2>/dev/null
done
sleep 0.5
# The planner goes on until its newest plan has every endpoint and is at
# or above every marker authd serves (a raised one takes a read of the
# markers, served-check-ms).
caught_up() {
	g=$(newest)
	[ "$g" -gt 0 ] || return 1
	for e in $ENDPOINTS; do
		[ "$(q "SELECT count(*) FROM plan_addr WHERE generation = $g AND
		        endpoint = '$e'")" -gt 0 ] || return 1
		m=$(top_gen "$e")
		[ -z "$m" ] || [ "$m" -le "$g" ] || return 1
	done
}
CAUGHT_UP=yes
if ! wait_for 10 caught_up; then
	CAUGHT_UP=no
	say "the planner wrote no plan with every endpoint above the markers in 10 s"
fi
stop_proc "$PLANNER_PID"
NEWEST=$(newest)
say "planner stopped at plan $NEWEST"
released=$(now_ms)
# A pause point armed but not reached yet fires now: keep continuing.
converged() {
	for n in 1 2 3; do kill -CONT "$(en "$n")" 2>/dev/null; done
	for e in $ENDPOINTS; do [ "$(gen_of "$e")" = "$NEWEST" ] || return 1; done
}
# Safe enactors heal within a pass; legacy ones either do that or never.
WAIT_S=8
[ "$MODE" = legacy ] && WAIT_S=4
if wait_for "$WAIT_S" converged; then
	CONVERGE_MS=$(($(now_ms) - released))
else
	CONVERGE_MS=-1
fi
say "converged: $CONVERGE_MS ms"
sleep 0.3
kill -TERM "$PR1" "$PR2"
wait "$PR1" "$PR2"

# ---- the consistency check ----

BAD_END=0
WHY=""
bad() { BAD_END=$((BAD_END + 1)); WHY="$WHY${WHY:+;}$1"; }
[ -n "$LETGO_WHY" ] && bad "$LETGO_WHY"
[ "$CAUGHT_UP" = yes ] || bad "planner: no plan with every endpoint above the markers"
for e in $ENDPOINTS; do
	out=$(dig @127.0.0.1 -p "$P" +norec +time=1 +tries=2 +noall +comments +answer "$e" A)
	rcode=$(grep -o 'status: [A-Z]*' <<<"$out" | cut -d' ' -f2)
	served=$(awk '$4 == "A" { print $5 }' <<<"$out" | sort | tr '\n' ' ')
	target=$(awk -v e="$e" '$1 == e && $4 == "CNAME" { print $5 }' <<<"$out")
	g=${target#g}
	g=${g%%._plan.*}
	marker=$(gen_of "$e" | tr '\n' ' ')
	marker=${marker% }
	[ "$rcode" = NOERROR ] && [ -n "$served" ] || bad "${e%%.*} empty ($rcode)"
	[ "$(q "SELECT count(*) FROM plan_addr WHERE generation = $NEWEST AND
	        endpoint = '$e'")" -gt 0 ] || bad "${e%%.*} not in the newest plan $NEWEST"
	if [ -z "$g" ] || [ "$g" != "$marker" ]; then
		bad "${e%%.*} CNAME plan ${g:-none} != marker ${marker:-none}"
		continue
	fi
	[ "$(q "SELECT count(*) FROM plan WHERE generation = $g")" = 1 ] ||
		bad "${e%%.*} on plan $g, deleted from the store"
	want=$(q "SELECT address FROM plan_addr WHERE generation = $g AND
	          endpoint = '$e' ORDER BY address" | tr '\n' ' ')
	[ "$served" = "$want" ] ||
		bad "${e%%.*} serves '$served', plan $g has '$want'"
done

# ---- the verdict ----

num() { grep -o "\"$1\":[0-9-]*" "$2" | head -1 | cut -d: -f2; }
longest() { grep -o '"longest_ms":{[^}]*}' "$2" | grep -o "\"$1\":[0-9]*" | cut -d: -f2; }
# excused I: the prober's steps back to a generation a hand edit wrote.
excused() {
	grep -o 'went back from [0-9]* to [0-9]* ([^)]*)' "$T/probe$1.log" |
		awk -v i="$1" -v f="$T/excuse" '
		BEGIN { while ((getline l < f) > 0) { split(l, x, " ")
			if (x[1] == i) ex[x[2], x[3]]++ } }
		{ kind = $0 ~ /_gen TXT/ ? "txt" : "cname"
		  if (ex[kind, $6] > 0) { n++; if (kind == "cname") ex[kind, $6]-- } }
		END { print n + 0 }'
}
EMPTY=0 NXD=0 BACK=0 EXCUSED=0 LEMPTY=0 LNOANS=0 PROBES=0
for i in 1 2; do
	s=$T/e$i.json
	[ -s "$s" ] || infra "prober $i wrote no summary"
	EMPTY=$((EMPTY + $(num empty "$s")))
	NXD=$((NXD + $(num nxdomain "$s")))
	x=$(excused "$i")
	EXCUSED=$((EXCUSED + x))
	BACK=$((BACK + $(num generation_back "$s") + $(num generation_back_txt "$s") - x))
	PROBES=$((PROBES + $(num probes "$s")))
	l=$(num longest_empty_ms "$s")
	[ "$l" -gt "$LEMPTY" ] && LEMPTY=$l
	l=$(longest noanswer "$s")
	[ "$l" -gt "$LNOANS" ] && LNOANS=$l
done
# The planner's writes and rounds (it says when one outlasts its
# check-interval-ms): the longest, and failures to get the store's lock.
PWRITE=$(cat "$T"/planner-*.log 2>/dev/null |
	grep -o 'written in [0-9.]* ms' | awk '$3 > m { m = $3 } END { printf "%d", m }')
PROUND=$(cat "$T"/planner-*.log 2>/dev/null |
	grep -o 'round and its plan took [0-9]* ms' | awk '$6 > m { m = $6 } END { printf "%d", m }')
[ "$PROUND" -gt "$PWRITE" ] && PWRITE=$PROUND
PLOCKED=$(cat "$T"/planner-*.log 2>/dev/null | grep -c "database is locked")
# The longest a running planner went without writing a generation.
PGAP=0
for f in "$T"/planner-*.log; do
	g=$(grep 'notice: generation [0-9]* (' "$f" | awk '{
		split(substr($1, 12), c, ":"); t = (c[1] * 60 + c[2]) * 60 + c[3]
		if (n++ && t - last > m) m = t - last; last = t }
		END { printf "%d", m * 1000 }')
	[ "$g" -gt "$PGAP" ] && PGAP=$g
done
# Failover activations once authd is up: an endpoint the control plane
# left without an address, covered by the backup (one at load, as after
# a lost database, is the failover's job).
FAILOVERS=0
for f in "$T"/authd-*.log; do
	n=$(awk '/ ready: / { up = 1 } up && /failover: .* has no address of its own/ { n++ }
		END { print n + 0 }' "$f")
	FAILOVERS=$((FAILOVERS + n))
done
[ "$FAILOVERS" -gt 0 ] && WHY="$WHY${WHY:+;}$FAILOVERS failover activations after load"
# The enactors' reads and writes of the store that failed on a lock.
ELOCKED=$(cat "$T"/enactor?.log 2>/dev/null | grep -c "database is locked\|locking protocol")
BLOCKED=0
if [ "$PWRITE" -gt 1000 ] || [ "$PLOCKED" -gt 0 ]; then
	BLOCKED=1
	WHY="$WHY${WHY:+;}planner blocked: a round or write of $PWRITE ms, $PLOCKED lock errors"
fi
VIOL=$((EMPTY + NXD + BACK + BAD_END + FAILOVERS))
STATUS=ok
[ "$BLOCKED" -gt 0 ] && STATUS=blocked
[ "$VIOL" -gt 0 ] && STATUS=violation
[ -n "$DIED" ] && WHY="$WHY${WHY:+;}died: $DIED"
echo "mode=$MODE seed=$SEED status=$STATUS violations=$VIOL empty=$EMPTY" \
	"nxdomain=$NXD back=$BACK excused=$EXCUSED bad_end=$BAD_END" \
	"failover=$FAILOVERS" \
	"longest_empty_ms=$LEMPTY longest_noanswer_ms=$LNOANS" \
	"converge_ms=$CONVERGE_MS probes=$PROBES actions=$ACTIONS" \
	"plan_ms=$PLAN_MS newest=$NEWEST planner_write_ms=$PWRITE" \
	"planner_gap_ms=$PGAP blocked=$BLOCKED enactor_lock_errors=$ELOCKED" \
	"died=${DIED:-none}" \
	"nostart=${NOSTART:-none}" \
	"faults=${FAULTS_PICKED:-none} skipped=\"$SKIPPED\"" \
	"why=\"$WHY\"" >>"$RESULT"
FAILED=no
[ "$MODE" = safe ] && { [ "$STATUS" != ok ] || [ "$CONVERGE_MS" = -1 ]; } && FAILED=yes
if [ -n "$KEEP_DIR" ] && { [ "$FAILED" = yes ] || [ "${KEEP:-}" = all ] ||
	[ "${KEEP_ALL:-}" = yes ]; }; then
	keep_logs
fi
exit 0
