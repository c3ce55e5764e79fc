#!/bin/bash
# config.sh - the config file, -n, and errors that name file, line and key.
. "$(dirname "$0")/lib.bash"

P=$(free_port)
cat >"$T/authd.conf" <<CONF
# authd settings for the test
listen 127.0.0.1:$P
zone "example.test.=$ZONES/example.test.zone"
state-dir $T/state
workers 2
max-udp-payload 1400
CONF

out=$("$AUTHD" -c "$T/authd.conf" -n 2>&1)
check "-n accepts a good file" [ $? -eq 0 ]
check "-n says so" grep -q "valid" <<<"$out"

printf 'listen 127.0.0.1:%s\nworkers 0\n' "$P" >"$T/bad.conf"
st=0
"$AUTHD" -c "$T/bad.conf" -n >"$T/out" 2>&1 || st=$?
check "-n rejects an out-of-range value" [ "$st" -ne 0 ]
check "error names file, line and key" has "$T/bad.conf:2: option 'workers'" "$T/out"

printf 'zone "example.test.=%s/missing.zone"\n' "$T" >"$T/bad2.conf"
st=0
"$AUTHD" -c "$T/bad2.conf" -n >"$T/out" 2>&1 || st=$?
check "-n checks the zone files" [ "$st" -ne 0 ]
check "missing zone file is named" has "$T/missing.zone" "$T/out"

printf 'listen 127.0.0.1:%s\nfrobnicate yes\n' "$P" >"$T/bad3.conf"
st=0
"$AUTHD" -c "$T/bad3.conf" >"$T/out" 2>&1 || st=$?
check "unknown key refused at start" [ "$st" -ne 0 ]
check "unknown key named with its line" has "bad3.conf:2: unknown option 'frobnicate'" "$T/out"

# A zone file with a syntax error: -n names its line.
cp "$ZONES/example.test.zone" "$T/broken.zone"
echo 'oops IN AAAA 192.0.2.1' >>"$T/broken.zone"
n=$(wc -l <"$T/broken.zone")
st=0
"$AUTHD" -n --zone "example.test.=$T/broken.zone" >"$T/out" 2>&1 || st=$?
check "zone syntax error fails -n" [ "$st" -ne 0 ]
check "zone syntax error names file and line" has "$T/broken.zone:$n:" "$T/out"

# Start from the file; the command line overrides it.
start_authd "$T/authd.log" -c "$T/authd.conf" --max-udp-payload 1300 \
	--minimal-responses yes
check "serves from the config file" [ "$(dig @127.0.0.1 -p "$P" +short +norec www.example.test AAAA)" = "2001:db8::10" ]
check "two workers" has "2 workers" "$T/authd.log"
dig @127.0.0.1 -p "$P" +norec www.example.test A >"$T/out"
check "command line overrides the file" has "udp: 1300" "$T/out"
check "minimal responses: no NS in authority" has "AUTHORITY: 0," "$T/out"
stop_authd
check "-h lists the options" grep -q -- "--tcp-idle-timeout" <("$AUTHD" -h)
# Every program says the package's version, and takes --help.
want=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$(dirname "$0")/../../debian/changelog")
for prog in authd planner enactor dnsplanectl dnsprobe; do
	check "$prog --version says the package's version ($want)" \
		[ "$("$BUILD_DIR/$prog" --version)" = "$prog (dnsplane) $want" ]
	check "$prog --help prints its usage" \
		eval '"$BUILD_DIR/$prog" --help | grep -q "^usage: $prog "'
done
finish
