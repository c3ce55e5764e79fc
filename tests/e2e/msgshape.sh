#!/bin/bash
# msgshape.sh - one message-shape check for every path: the CD bit copied,
# EDNS version and OPT count, TSIG last, and a forwarder's new message ID,
# checked against authd with dnspython (tests/tools/msgshape.py).
. "$(dirname "$0")/lib.bash"

if ! /usr/bin/python3 -c 'import dns.tsig' 2>/dev/null; then
	echo "msgshape.sh: python3-dnspython is missing (scripts/deps.sh test installs it)" >&2
	exit 1
fi
P=$(free_port)
secret=$(head -c 32 /dev/urandom | base64)
printf 'key "k" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' \
	"$secret" >"$T/k.key"
start_authd "$T/authd.log" --listen 127.0.0.1:$P \
	--zone "example.test.=$ZONES/example.test.zone" \
	--state-dir "$T/state" --key "$T/k.key" \
	--allow-transfer "127.0.0.1 k"
st=0
/usr/bin/python3 "$ROOT/tests/tools/msgshape.py" "$P" k. "$secret" \
	example.test. || st=$?
check "every message-shape check holds" [ "$st" -eq 0 ]
stop_authd
finish
