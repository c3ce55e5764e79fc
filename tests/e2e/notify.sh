#!/bin/bash
# notify.sh - the systemd notify protocol: READY=1 once authd listens,
# RELOADING=1 and READY=1 around a SIGHUP, STOPPING=1 on SIGTERM.  A socat
# listener plays systemd's part on a datagram socket.
. "$(dirname "$0")/lib.bash"

socat -u "UNIX-RECV:$T/notify" "OPEN:$T/notes,creat,append" &
PIDS="$PIDS $!"
for _ in $(seq 50); do [ -S "$T/notify" ] && break; sleep 0.05; done

P=$(free_port)
NOTIFY_SOCKET=$T/notify start_authd "$T/authd.log" --listen "127.0.0.1:$P" \
	--zone "example.test.=$ZONES/example.test.zone" --state-dir "$T/state"
for _ in $(seq 50); do has "READY=1" "$T/notes" 2>/dev/null && break; sleep 0.05; done
check "READY=1 after start" has "READY=1" "$T/notes"
check "a status text" has "STATUS=serving" "$T/notes"
check "answering when READY was sent" [ "$(dig @127.0.0.1 -p "$P" +short +norec www.example.test AAAA)" = "2001:db8::10" ]
kill -HUP "$AUTHD_PID"
for _ in $(seq 50); do has "STATUS=reloaded" "$T/notes" && break; sleep 0.05; done
check "RELOADING=1 on SIGHUP" has "RELOADING=1" "$T/notes"
check "READY=1 again after the reload" has "STATUS=reloaded" "$T/notes"
stop_authd
check "STOPPING=1 on SIGTERM" has "STOPPING=1" "$T/notes"
finish
