#!/bin/bash
# notify_retry.sh - NOTIFY from authd's main loop: sent at start and
# after a change,
# sent again every 2 s to a secondary that does not answer, given up after
# five tries with a warning; an answer settles it at once.
. "$(dirname "$0")/lib.bash"

P=$(free_port)
SP=$(free_port)  # a silent secondary: counts, never answers
AP=$(free_port)  # a secondary that answers
secret=$(head -c 32 /dev/urandom | base64)
printf 'key "k" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' "$secret" >"$T/k.key"
/usr/bin/python3 - "$SP" "$AP" "$T" <<'PY' &
import os, socket, sys, select, time
silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
silent.bind(("127.0.0.1", int(sys.argv[1])))
answer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
answer.bind(("127.0.0.1", int(sys.argv[2])))
open(sys.argv[3] + "/listening", "w").close()
n = {silent: 0, answer: 0}
end = time.time() + 30
while time.time() < end:
    r, _, _ = select.select([silent, answer], [], [], 0.2)
    for s in r:
        data, peer = s.recvfrom(2048)
        n[s] += 1
        if s is answer:  # the header turned around: QR, NOERROR
            s.sendto(data[:2] + bytes([data[2] | 0x80, 0]) + data[4:12], peer)
    # Written whole and renamed into place: a reader never sees it empty.
    with open(sys.argv[3] + "/counts.new", "w") as f:
        f.write("%d %d\n" % (n[silent], n[answer]))
    os.replace(sys.argv[3] + "/counts.new", sys.argv[3] + "/counts")
PY
PIDS="$PIDS $!"
while [ ! -e "$T/listening" ]; do sleep 0.05; done
start_authd "$T/authd.log" --listen 127.0.0.1:$P \
	--zone "example.test.=$ZONES/example.test.zone" --state-dir "$T/state" \
	--key "$T/k.key" --notify "127.0.0.1:$SP" --notify "127.0.0.1:$AP"
# At start authd tells both (as BIND does on loading a zone).
wait_for 5 grep -q "acknowledged by 127.0.0.1:$AP" "$T/authd.log" || true
check "at start: a NOTIFY, acknowledged" grep -q "serial 2026112301 acknowledged by 127.0.0.1:$AP" "$T/authd.log"
c0=$(cut -d' ' -f1 "$T/counts")
printf 'server 127.0.0.1 %s\nupdate add n.example.test. 60 A 192.0.2.1\nsend\n' "$P" |
	nsupdate -t 5 -k "$T/k.key"
sleep 1
check "the answering secondary got one NOTIFY for the change" [ "$(cut -d' ' -f2 "$T/counts")" -eq 2 ]
check "...and it was acknowledged" grep -q "serial 2026112302 acknowledged by 127.0.0.1:$AP" "$T/authd.log"
wait_for 12 grep -q "no answer from 127.0.0.1:$SP after 5 tries" "$T/authd.log" || true
check "the silent one got five for the change, one every 2 s" [ $(($(cut -d' ' -f1 "$T/counts") - c0)) -eq 5 ]
check "...then a warning" grep -q "serial 2026112302: no answer from 127.0.0.1:$SP after 5 tries" "$T/authd.log"
check "the answering one no more" [ "$(cut -d' ' -f2 "$T/counts")" -eq 2 ]
stop_authd
finish
