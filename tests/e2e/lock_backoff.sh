#!/bin/bash
# lock_backoff.sh - the legacy lock record with holder and expiry: a lock
# whose expiry has passed is taken over at once (the preamble replaces
# exactly that record) and the endpoint moves; a live lock is waited on,
# a steady 20 ms between tries, or, with lock-backoff, longer after each
# try that loses (so an enactor that keeps losing falls behind, as at
# AWS): authd counts the tries.  With lock-jitter-seed, two runs draw the
# same waits (the debug log says each); another seed draws others.
# (authd's guard off: the legacy lab.)
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/planner_lib.bash"

lab_authd --guard-enabled no
lock() { dig @127.0.0.1 -p "$P" +short +norec "_lock.$E" TXT; }
# marked G: the endpoint's marker holds G.
marked() { [ "$(gen_served)" = "$1" ]; }
tries() { grep -c "update refused: key enactor.: prereq" "$T/authd.log" || true; }

# An expired lock of an enactor long gone: taken over, the endpoint moves.
dpu "add _lock.$E 60 TXT \"enactor-9 1\""
g1=$("$PLANWRITE" "$STORE" write "$E=10.0.0.1")
legacy_enactor "$T/enactor.log"
check "an expired lock is taken over: on plan $g1" wait_for 5 marked "$g1"
check "and released: no lock left" [ -z "$(lock)" ]
stop_pid enactor "$EN"

# held SECONDS ARGS...: hold the lock by hand (no expiry: live), write a
# plan, let an enactor with ARGS wait SECONDS, release; the tries authd
# refused meanwhile.
held() {
	s=$1
	shift
	dpu "add _lock.$E 60 TXT \"operator\""
	g=$("$PLANWRITE" "$STORE" write "$E=10.0.0.$((RANDOM % 200 + 2))")
	legacy_enactor "$T/enactor.log" "$@"
	t0=$(tries)
	sleep "$s"
	TRIES=$(($(tries) - t0))
	dpu "del _lock.$E TXT"
	check "the lock released: on plan $g" wait_for 5 marked "$g"
	stop_pid enactor "$EN"
}
held 2
steady=$TRIES
held 2 --lock-backoff yes --backoff-base-ms 20 --backoff-max-ms 1000
grown=$TRIES
check "a steady wait tries often ($steady tries in 2 s)" [ "$steady" -ge 40 ]
check "lock-backoff tries less and less often ($grown tries in 2 s)" \
	[ "$grown" -ge 3 ] && [ "$grown" -le 15 ]

# waits SEED: the first waits (to WAITS) an enactor seeded SEED draws for
# a lock held by hand, as its debug lines say them.
waits() {
	from=$(($(wc -l <"$T/enactor.log") + 1))
	held 1.5 --lock-backoff yes --backoff-base-ms 20 \
		--backoff-max-ms 1000 --lock-jitter-seed "$1" --log-level debug
	WAITS=$(tail -n +"$from" "$T/enactor.log" |
		grep -o 'lock held, waiting [0-9]* ms' | awk '{ print $4 }' |
		head -n 4 | tr '\n' ' ')
}
waits 42
a=$WAITS
waits 42
b=$WAITS
waits 43
c=$WAITS
check "seed 42 draws 4 waits ($a)" [ "$(echo "$a" | wc -w)" -eq 4 ]
check "seed 42 again draws the same ($b)" [ "$a" = "$b" ]
check "seed 43 draws others ($c)" [ "$a" != "$c" ]
finish
