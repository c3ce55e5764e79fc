#!/bin/bash
# settings_golden.sh - `-n -v` of authd, the planner and the enactor: the
# effective settings in table order, one "option value" line each with
# where it came from ("# default", "# FILE:LINE", "# command line"),
# compared with tests/e2e/golden/DAEMON.settings, the temporary directory
# written as @T@.  UPDATE_GOLDEN=1 rewrites the golden files instead.
# The printed settings read back as a settings file give the same values.
. "$(dirname "$0")/lib.bash"

PLANNER=$BUILD_DIR/planner
ENACTOR=$BUILD_DIR/enactor
GOLDEN=$ROOT/tests/e2e/golden

# golden NAME BINARY ARGS...: BINARY -n -v ARGS... prints golden/NAME.settings
# and reads its own output back to the same values.
golden() {
	name=$1
	bin=$2
	shift 2
	st=0
	"$bin" -n -v "$@" >"$T/$name.out" 2>"$T/$name.err" || st=$?
	check "$name: -n -v exits 0" [ "$st" -eq 0 ]
	check "$name: nothing on stderr" [ ! -s "$T/$name.err" ]
	sed "s|$T|@T@|g" "$T/$name.out" >"$T/$name.settings"
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		cp "$T/$name.settings" "$GOLDEN/$name.settings"
	fi
	check "$name: as in golden/$name.settings" \
		diff -u "$GOLDEN/$name.settings" "$T/$name.settings"
	st=0
	"$bin" -n -v -c "$T/$name.out" >"$T/$name.again" 2>&1 || st=$?
	check "$name: its output reads back" [ "$st" -eq 0 ]
	check "$name: to the same values" \
		diff <(sed 's/ # .*//' "$T/$name.out") \
		<(sed 's/ # .*//' "$T/$name.again")
}

cp "$ZONES/example.test.zone" "$T/example.test.zone"
cat >"$T/authd.conf" <<CONF
# authd, every kind of option
listen 127.0.0.1:5300
listen [::1]
zone "example.test.=$T/example.test.zone"
state-dir $T/state
workers 2
minimal-responses yes
log-level debug
metrics-listen [0:0::1]:9153
notify "192.0.2.1:5353"
CONF
golden authd "$AUTHD" -c "$T/authd.conf" --workers 3 --guard-enabled no

cat >"$T/planner.conf" <<CONF
region us-east-1
store $T/plans.db

endpoint dynamodb.us-east-1.api.test.
lb dynamodb.us-east-1.api.test. 192.0.2.1 http://127.0.0.1:8080/health 10
lb dynamodb.us-east-1.api.test. 2001:db8::2 tcp://[::1]:8080 20  # v6
check-interval-ms 500
check-timeout-ms 200
CONF
golden planner "$PLANNER" -c "$T/planner.conf" --velocity-max-drop 50

cat >"$T/enactor.conf" <<CONF
id 7
mode legacy
store $T/plans.db
server 127.0.0.1
key $T/enactor.key
pause-at before-cleanup
pause-at before-delete:12
backoff-max-ms 5000
CONF
golden enactor "$ENACTOR" -c "$T/enactor.conf" --server '[::1]:5300' \
	--log-level warning

# What -n -v refuses, naming the option and where it was set.
bad() { # bad BINARY TEXT ARGS...: -n -v fails, saying TEXT
	bin=$1
	text=$2
	shift 2
	st=0
	"$bin" -n -v "$@" >"$T/out" 2>&1 || st=$?
	check "$(basename "$bin") $*: refused" [ "$st" -ne 0 ]
	check "$(basename "$bin") $*: $text" has "$text" "$T/out"
}
bad "$ENACTOR" "command line: option 'server': value 'nonsense'" \
	--server nonsense
bad "$ENACTOR" "option 'server': value '127.0.0.1:53abc': the port" \
	--server 127.0.0.1:53abc
bad "$ENACTOR" "expected legacy or safe" --mode fast
bad "$ENACTOR" "'6000': must be at most backoff-max-ms (5000, $T/enactor.conf:8)" \
	-c "$T/enactor.conf" --backoff-base-ms 6000
bad "$AUTHD" "option 'listen': value '127.0.0.1:0'" --listen 127.0.0.1:0
bad "$AUTHD" "option 'log-level': value 'loud': expected error, warning" \
	--log-level loud
bad "$PLANNER" "$T/planner.conf:8: option 'check-timeout-ms'" \
	-c "$T/planner.conf" --check-interval-ms 150
check "-h lists the words of an option" \
	grep -q -- "--mode WORD .*\[legacy|safe\]" <("$ENACTOR" -h)
finish
