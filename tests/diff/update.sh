#!/bin/bash
# update.sh - UPDATE behaviour of authd against a real Knot DNS: the
# sequences of tests/diff/updates.txt sent to both (knotd with a dynamic
# zone), rcodes compared after each message and the zones compared by
# AXFR (tests/diff/update.py).
#
# usage: tests/diff/update.sh AUTHD_BINARY
set -eu
authd=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
for tool in knotd dig /usr/bin/python3; do
	command -v "$tool" >/dev/null || {
		echo "update.sh: $tool is missing (scripts/deps.sh test installs it)" >&2
		exit 1
	}
done
tmp=$(mktemp -d /tmp/dnsplane-diffupd.XXXXXX)
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$tmp"' EXIT

free_port() {
	lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	while :; do
		p=$(shuf -i 10000-$((lo - 1)) -n 1)
		ss -Hlnut "sport = :$p" | grep -q . || { echo "$p"; return; }
	done
}
wait_soa() { # label port log
	for _ in $(seq 100); do
		dig @127.0.0.1 -p "$2" +short +time=1 +tries=1 example.test SOA |
			grep -q hostmaster && return 0
		sleep 0.1
	done
	echo "update.sh: $1 did not come up; its log:" >&2
	cat "$3" >&2
	exit 1
}

secret=$(head -c 32 /dev/urandom | base64)
kp=$(free_port)
ap=$(free_port)
mkdir -p "$tmp/knot/db" "$tmp/authd"
cp "$root/tests/zones/example.test.zone" "$tmp/knot/example.test.zone"
cat >"$tmp/knot/knot.conf" <<CONF
server:
    rundir: "$tmp/knot"
    listen: 127.0.0.1@$kp
database:
    storage: "$tmp/knot/db"
log:
  - target: stderr
    any: info
key:
  - id: k
    algorithm: hmac-sha256
    secret: $secret
acl:
  - id: update
    address: 127.0.0.1
    key: k
    action: update
  - id: transfer
    address: 127.0.0.1
    action: transfer
template:
  - id: default
    storage: "$tmp/knot"
    file: "%s.zone"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: changes
    semantic-checks: off
zone:
  - domain: example.test.
    acl: [update, transfer]
CONF
knotd -c "$tmp/knot/knot.conf" >"$tmp/knot/log" 2>&1 &
pids="$pids $!"
printf 'key "k" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' \
	"$secret" >"$tmp/k.key"
"$authd" --listen "127.0.0.1:$ap" \
	--zone "example.test.=$root/tests/zones/example.test.zone" \
	--state-dir "$tmp/authd" --key "$tmp/k.key" \
	--allow-transfer 127.0.0.1 >"$tmp/authd/log" 2>&1 &
pids="$pids $!"
wait_soa knotd "$kp" "$tmp/knot/log"
wait_soa authd "$ap" "$tmp/authd/log"
echo "update diff: knotd on 127.0.0.1:$kp, authd on 127.0.0.1:$ap"
/usr/bin/python3 "$here/update.py" "$here/updates.txt" k. "$secret" \
	authd "$ap" knot "$kp" example.test.
