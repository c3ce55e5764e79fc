#!/bin/bash
# update.sh - dynamic update (RFC 2136, TSIG) throughput: authd against Knot DNS.
#
# usage: bench/update.sh [--rounds R] [--updates N] [--clients C]
#                        [--inflight-updates M] [--big B] [--prefill P]
#                        [--servers authd,knot] [--authd PATH] [--tmpdir DIR]
#                        [--strace] [--keep]
#
# Both servers get the same TSIG-signed (hmac-sha256) updates from the same
# client, BIND's nsupdate, and both keep their default durability: authd
# commits every update to SQLite (WAL, synchronous=FULL) before answering,
# Knot commits it to its LMDB journal in the default robust mode
# (journal-db-mode is not set).  Knot has zonefile-sync: -1, so like authd it
# only writes its journal (the zone file would otherwise be rewritten too).
#
# Modes, each run once per round and server (server order rotated per round):
#   1 at a time   one nsupdate process sends N (--updates, default 300)
#                 updates, one 'update add' each; nsupdate's 'send' waits for
#                 the answer, so exactly one update is in flight (UDP).
#   16 in flight  C (--clients, default 16) nsupdate processes at once, each
#                 sending M/C updates one at a time (M = --inflight-updates,
#                 default 800): total updates / wall time (UDP).
#   1 msg x 2000  one update message with B (--big, default 2000) 'update add'
#                 lines, over TCP (nsupdate -v); time from 'send' to answer.
# Every update adds a new name (NAME.api.test. A), so each is a real change.
#
# Prefill (--prefill P, default 1000 = authd's default --journal-size): before
# the timed rounds each server gets P updates one at a time, so the journals
# hold a full history, as on a server that has run for a while (authd trims
# its journal to the last 1000 commits; the trim is part of every commit).
# The prefill is timed too and reported on its own line.  --prefill 0: fresh.
#
# Each nsupdate client sends from its own loopback address (nsupdate's
# 'local 127.0.1.N'): nsupdate binds its UDP sockets with SO_REUSEPORT on a
# random port, and two concurrent nsupdates on one address sometimes get the
# same port; the kernel then hands one client's answer to the other, which
# drops it, and the first waits 3 s and resends.  Distinct addresses rule
# that out.  Runs whose UDP datagram count (/proc/net/snmp) is above two per
# update are flagged (a retry, or other UDP traffic on the host).
#
# Timing excludes nsupdate's start-up: each nsupdate reads its commands from
# a FIFO and is started (and, for the big message, has parsed all its
# 'update add' lines) before the clock starts.  The clock stops when every
# nsupdate has exited after its last answer.  After each run every name of
# the run is looked up (dig) on that server; a missing or wrong answer, or
# any nsupdate error output, aborts the benchmark.
#
# Reported per server and mode: the median over the rounds of the wall time,
# changes/s from it, the range of changes/s over the rounds, and the CPU time
# per change of the server and of the clients (nsupdate).
#
# --strace: afterwards, one extra untimed pass per server with 'strace -f -w
#   -c' attached to the server: syscalls per change (sync calls, writes) and
#   the syscalls that took the most wall time.  strace slows the server down;
#   these numbers are not comparable with the timed table.
# --tmpdir DIR: where the servers' state lives (default $TMPDIR or /tmp);
#   sync costs depend on this file system, a tmpfs makes them free.
# Environment: KEEP_TMP=1 (same as --keep) keeps the temp dir with logs.
set -eu
set -o pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

ROUNDS=3
NSEQ=300
CLIENTS=16
NPAR=800
NBIG=2000
PREFILL=1000
SERVERS=authd,knot
AUTHD=$ROOT/build/authd
BASETMP=${TMPDIR:-/tmp}
DO_STRACE=0
KEEP=${KEEP_TMP:-0}
START_TIMEOUT=30        # seconds, per server start
CLIENT_TIMEOUT=120      # seconds, for one client to become idle / finish

CMDLINE=$0
for _a in "$@"; do
    if [[ $_a =~ ^[A-Za-z0-9_./=:,+@%-]+$ ]]; then CMDLINE+=" $_a"; else CMDLINE+=" $(printf '%q' "$_a")"; fi
done

usage() { sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }
die() { echo "update.sh: error: $*" >&2; exit 1; }
need_arg() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs an argument"; }
is_uint() { case $1 in ''|*[!0-9]*) return 1;; esac; }

while [ $# -gt 0 ]; do
    case $1 in
        --rounds)           need_arg "$@"; ROUNDS=$2; shift 2;;
        --updates)          need_arg "$@"; NSEQ=$2; shift 2;;
        --clients)          need_arg "$@"; CLIENTS=$2; shift 2;;
        --inflight-updates) need_arg "$@"; NPAR=$2; shift 2;;
        --big)              need_arg "$@"; NBIG=$2; shift 2;;
        --prefill)          need_arg "$@"; PREFILL=$2; shift 2;;
        --servers)          need_arg "$@"; SERVERS=$2; shift 2;;
        --authd)            need_arg "$@"; AUTHD=$2; shift 2;;
        --tmpdir)           need_arg "$@"; BASETMP=$2; shift 2;;
        --strace)           DO_STRACE=1; shift;;
        --keep)             KEEP=1; shift;;
        -h|--help)          usage 0;;
        *)                  echo "update.sh: unknown argument: $1" >&2; usage 2;;
    esac
done
for v in ROUNDS NSEQ CLIENTS NPAR NBIG; do
    is_uint "${!v}" && [ "${!v}" -ge 1 ] || die "$v must be a positive integer (got '${!v}')"
done
[ "$NSEQ" -le 65535 ] && [ "$NPAR" -le 65535 ] && [ "$NBIG" -le 65535 ] ||
    die "at most 65535 updates per mode"
is_uint "$PREFILL" && [ "$PREFILL" -le 65535 ] || die "--prefill must be 0..65535"
[ "$NBIG" -le 2500 ] || die "--big: at most 2500 changes (the message must fit in 64 KiB)"
PER_CLIENT=$(( (NPAR + CLIENTS - 1) / CLIENTS ))
NPAR=$(( PER_CLIENT * CLIENTS ))
[ -d "$BASETMP" ] || die "--tmpdir $BASETMP: not a directory"

for tool in nsupdate dig knotd ss awk sort mkfifo dd; do
    command -v "$tool" >/dev/null 2>&1 || die "required tool '$tool' not found in PATH"
done
[ "$DO_STRACE" = 0 ] || command -v strace >/dev/null 2>&1 || die "--strace needs strace"
[ -n "${EPOCHREALTIME:-}" ] || die "bash 5 or later needed (EPOCHREALTIME)"

RUN_SERVERS=()
IFS=, read -r -a _req <<<"$SERVERS"
for s in "${_req[@]}"; do
    case $s in
        knot) RUN_SERVERS+=(knot);;
        authd) [ -x "$AUTHD" ] || die "authd binary '$AUTHD' not found (run make)"
               RUN_SERVERS+=(authd);;
        *) die "unknown server '$s' in --servers (use authd, knot)";;
    esac
done
[ ${#RUN_SERVERS[@]} -gt 0 ] || die "no servers to run"

HZ=$(getconf CLK_TCK)
MODES=(seq par big)
declare -A MODE_NAME=([seq]="1 at a time" [par]="$CLIENTS in flight" [big]="1 msg x $NBIG")
declare -A MODE_N=([seq]=$NSEQ [par]=$NPAR [big]=$NBIG [pre]=$PREFILL)
declare -A SRV_NAME=([authd]=authd [knot]=Knot)

# ---------------------------------------------------------------------------
# temp dir, cleanup
TMP=$(mktemp -d "$BASETMP/dnsplane-update.XXXXXX")
declare -A PID=() PORT=() LOG=()
CPIDS=()                 # running nsupdate clients
STRACE_PID=

stop_pid() {             # stop_pid PID NAME: TERM, then KILL after 5 s
    local p=$1 i
    kill -0 "$p" 2>/dev/null || { wait "$p" 2>/dev/null || true; return 0; }
    kill -TERM "$p" 2>/dev/null || true
    for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$p" 2>/dev/null; then
        echo "warning: $2 (pid $p) did not exit on SIGTERM, sending SIGKILL" >&2
        kill -KILL "$p" 2>/dev/null || true
    fi
    wait "$p" 2>/dev/null || true
}

cleanup() {
    local rc=$? s p
    trap - EXIT INT TERM
    [ -z "$STRACE_PID" ] || stop_pid "$STRACE_PID" strace
    for p in "${CPIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    for s in "${!PID[@]}"; do stop_pid "${PID[$s]}" "$s"; done
    if [ "$KEEP" = 1 ]; then echo "(temp dir kept: $TMP)" >&2
    else rm -rf "$TMP"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

USED_PORTS=" "
pick_port() {            # sets PICKED to a free loopback port (TCP and UDP)
    local p i
    for i in $(seq 200); do
        p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
        case $USED_PORTS in *" $p "*) continue;; esac
        if [ -z "$(ss -Htuan "( sport = :$p )" 2>/dev/null)" ]; then
            USED_PORTS="$USED_PORTS$p "; PICKED=$p; return 0
        fi
    done
    die "could not find a free port"
}

show_log() {             # show_log NAME LOGFILE
    echo "----- $1 log ($2) -----" >&2
    if [ -s "$2" ]; then tail -n 40 "$2" >&2; else echo "(empty)" >&2; fi
    echo "-----" >&2
}

proc_cpu() {             # proc_cpu PID -> sets CPU to utime+stime ticks (all threads)
    local st
    read -r -a st < /proc/"$1"/stat || { CPU=0; return 0; }
    # fields: pid (comm) state ... ; comm of our processes has no spaces
    CPU=$(( st[13] + st[14] ))
}

children_cpu() {         # sets CCPU to cutime+cstime of this shell (reaped children)
    local st
    read -r -a st < /proc/$$/stat
    CCPU=$(( st[15] + st[16] ))
}

# ---------------------------------------------------------------------------
# key, zone, servers
KEYFILE=$TMP/k1.key
SECRET=$(head -c 32 /dev/urandom | base64)
printf 'key "k1" { algorithm hmac-sha256; secret "%s"; };\n' "$SECRET" > "$KEYFILE"

cat > "$TMP/api.test.zone" <<'EOF'
$ORIGIN api.test.
$TTL 300
@       IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@       IN NS  ns1
ns1     IN A   192.0.2.1
www     IN A   192.0.2.10
EOF

start_server() {         # start_server NAME
    local s=$1 dir log port i ans rc
    dir=$TMP/$s; mkdir -p "$dir"
    pick_port; port=$PICKED; log=$dir/$s.log
    cp "$TMP/api.test.zone" "$dir/api.test.zone"
    case $s in
    knot)
        mkdir -p "$dir/db"
        cat > "$dir/knot.conf" <<EOF
server:
    listen: 127.0.0.1@$port
    rundir: "$dir"
log:
  - target: stderr
    any: info
database:
    storage: "$dir/db"
    journal-db: "$dir/db/journal"
key:
  - id: k1
    algorithm: hmac-sha256
    secret: $SECRET
acl:
  - id: upd
    key: k1
    action: update
zone:
  - domain: api.test.
    file: "$dir/api.test.zone"
    zonefile-sync: -1
    acl: upd
EOF
        knotd -c "$dir/knot.conf" >>"$log" 2>&1 &
        ;;
    authd)
        mkdir -p "$dir/state"
        "$AUTHD" --listen "127.0.0.1:$port" --zone "api.test.=$dir/api.test.zone" \
            --state-dir "$dir/state" --key "$KEYFILE" >>"$log" 2>&1 &
        ;;
    esac
    PID[$s]=$!; PORT[$s]=$port; LOG[$s]=$log
    for i in $(seq $(( START_TIMEOUT * 5 ))); do
        if ! kill -0 "${PID[$s]}" 2>/dev/null; then
            wait "${PID[$s]}" 2>/dev/null && rc=0 || rc=$?
            unset "PID[$s]"
            show_log "$s" "$log"
            die "$s failed to start (exited with status $rc)"
        fi
        if [ "$s" != authd ] || grep -q 'ready:' "$log" 2>/dev/null; then
            ans=$(dig +short +tries=1 +time=1 -p "$port" @127.0.0.1 www.api.test. A 2>/dev/null || true)
            [ "$ans" = 192.0.2.10 ] && return 0
        fi
        sleep 0.2
    done
    show_log "$s" "$log"
    die "$s did not answer www.api.test. A on 127.0.0.1:$port within ${START_TIMEOUT}s"
}

# ---------------------------------------------------------------------------
# nsupdate clients fed through FIFOs
#
# Each client is 'nsupdate -k KEY' with its stdin a FIFO opened read-write (so
# neither side blocks in open and nsupdate sees no EOF; it ends on 'quit').
# The script keeps a write end in CFD[i].
declare -a CPID=() CFD=() CRCHAR=()

client_start() {         # client_start I [nsupdate args...]
    local i=$1 fifo fd; shift
    fifo=$TMP/client$i.fifo
    rm -f "$fifo"; mkfifo "$fifo"
    nsupdate -k "$KEYFILE" "$@" <>"$fifo" >"$TMP/client$i.out" 2>&1 &
    CPID[$i]=$!; CPIDS+=("$!")
    exec {fd}<>"$fifo"
    CFD[$i]=$fd
}

rchar_of() {             # rchar_of PID -> sets RCHAR (bytes read by the process)
    local k v
    RCHAR=0
    while read -r k v; do [ "$k" = rchar: ] && { RCHAR=$v; return 0; }; done < /proc/"$1"/io
    return 0
}

# client_idle I [BYTES]: wait until client I has read BYTES more bytes than
# CRCHAR[I] (if given) and one of its threads is blocked reading the FIFO,
# i.e. it has parsed everything it was given.
client_idle() {
    local i=$1 want=${2:-} p=${CPID[$1]} t w n=0 nowchan
    while :; do
        kill -0 "$p" 2>/dev/null || { cat "$TMP/client$i.out" >&2; die "nsupdate client $i exited early"; }
        if [ -z "$want" ] || { rchar_of "$p"; [ $(( RCHAR - CRCHAR[i] )) -ge "$want" ]; }; then
            nowchan=1
            for t in /proc/"$p"/task/*; do
                w=; read -r w < "$t/wchan" || true
                case $w in *pipe_read*|*pipe_wait*) return 0;; 0|'') ;; *) nowchan=0;; esac
            done
            # kernel hides wchan: fall back to a pause
            if [ "$nowchan" = 1 ] && [ "$n" -ge 50 ]; then sleep 0.5; return 0; fi
        fi
        n=$(( n + 1 ))
        [ "$n" -le $(( CLIENT_TIMEOUT * 100 )) ] || die "nsupdate client $i did not become idle"
        sleep 0.01
    done
}

client_check() {         # client_check I STATUS: nsupdate must exit 0 and print nothing
    if [ "$2" != 0 ] || [ -s "$TMP/client$1.out" ]; then
        echo "----- nsupdate client $1 (exit status $2) -----" >&2
        head -n 20 "$TMP/client$1.out" >&2
        die "nsupdate client $1 failed"
    fi
}

clients_close() {
    local i
    local i fd
    for i in "${!CFD[@]}"; do fd=${CFD[$i]}; exec {fd}>&-; done
    rm -f "$TMP"/client*.fifo
    CPID=(); CFD=(); CRCHAR=(); CPIDS=()
}

# gen_updates PREFIX FIRST COUNT NET SEND: 'update add' lines for names
# PREFIX-K.api.test. (K = FIRST..FIRST+COUNT-1), address 10.NET.K/256.K%256;
# SEND=1 adds 'send' after each.
gen_updates() {
    awk -v pre="$1" -v first="$2" -v n="$3" -v net="$4" -v send="$5" 'BEGIN {
        for (k = first; k < first + n; k++) {
            printf "update add %s-%d.api.test. 300 A 10.%d.%d.%d\n", pre, k, net, int(k / 256), k % 256
            if (send) print "send"
        } }'
}

# expected answers for the same names: "NAME ADDR"
gen_expect() {
    awk -v pre="$1" -v first="$2" -v n="$3" -v net="$4" 'BEGIN {
        for (k = first; k < first + n; k++)
            printf "%s-%d.api.test. 10.%d.%d.%d\n", pre, k, net, int(k / 256), k % 256 }'
}

# verify SERVER EXPECTFILE: every name is answered with its address
verify() {
    local s=$1 exp=$2 got=$TMP/verify.got bad
    awk '{ print $1 " A" }' "$exp" > "$TMP/verify.q"
    dig -p "${PORT[$s]}" @127.0.0.1 +noall +answer +tries=3 +time=2 -f "$TMP/verify.q" 2>&1 |
        awk '$4 == "A" { print $1, $5 }' | sort > "$got" || true
    bad=$(sort "$exp" | comm -23 - "$got" | head -n 5)
    if [ -n "$bad" ]; then
        echo "missing or wrong answers from $s (first 5 expected lines not served):" >&2
        echo "$bad" >&2
        die "$s does not serve $(sort "$exp" | comm -23 - "$got" | wc -l) of $(wc -l < "$exp") updated names"
    fi
}

# run_mode SERVER MODE ROUND: one timed run; sets SECS, SRV_US, CLI_US
run_mode() {
    local s=$1 mode=$2 r=$3 port=${PORT[$1]} i t0 t1 st c0 c1 init=0 pre nclients
    local -a text=()
    pre="$mode$r"
    case $mode in
        seq|pre|big) nclients=1;;
        par) nclients=$CLIENTS;;
    esac
    : > "$TMP/expect"
    for (( i = 0; i < nclients; i++ )); do
        if [ "$mode" = big ]; then client_start "$i" -v; else client_start "$i"; fi
    done
    for (( i = 0; i < nclients; i++ )); do
        # connection settings are sent before the clock starts
        printf 'server 127.0.0.1 %s\nlocal 127.0.1.%d\nzone api.test.\n' "$port" $(( i + 1 )) >&"${CFD[$i]}"
        case $mode in
        seq|pre)
            text[i]="$(gen_updates "$pre" 0 "${MODE_N[$mode]}" 1 1)"$'\nquit\n'
            gen_expect "$pre" 0 "${MODE_N[$mode]}" 1 >> "$TMP/expect";;
        par)
            text[i]="$(gen_updates "$pre-c$i" 0 "$PER_CLIENT" 2 1)"$'\nquit\n'
            gen_expect "$pre-c$i" 0 "$PER_CLIENT" 2 >> "$TMP/expect";;
        big)
            # the big message's 'update add' lines are parsed before the clock starts
            rchar_of "${CPID[$i]}"; CRCHAR[i]=$RCHAR
            st="$(gen_updates "$pre" 0 "$NBIG" 3 0)"$'\n'
            printf '%s' "$st" >&"${CFD[$i]}"
            client_idle "$i" "${#st}"
            text[i]=$'send\nquit\n'
            gen_expect "$pre" 0 "$NBIG" 3 >> "$TMP/expect";;
        esac
    done
    for (( i = 0; i < nclients; i++ )); do
        client_idle "$i"
        proc_cpu "${CPID[$i]}"; init=$(( init + CPU ))
    done
    children_cpu; c0=$CCPU
    proc_cpu "${PID[$s]}"; local s0=$CPU
    udp_in; local u0=$UDPIN

    local -a writers=()
    t0=$EPOCHREALTIME
    for (( i = 0; i < nclients; i++ )); do
        if [ "${#text[i]}" -le 60000 ]; then
            printf '%s' "${text[i]}" >&"${CFD[$i]}"
        else    # more than a pipe holds: write in the background
            { printf '%s' "${text[i]}" >&"${CFD[$i]}"; } &
            writers+=("$!"); CPIDS+=("$!")
        fi
    done
    for (( i = 0; i < nclients; i++ )); do
        wait "${CPID[$i]}" && st=0 || st=$?
        CPID_STATUS[i]=$st
    done
    t1=$EPOCHREALTIME
    for i in "${writers[@]}"; do wait "$i" || true; done

    proc_cpu "${PID[$s]}"; local s1=$CPU
    udp_in; local u1=$UDPIN
    children_cpu; c1=$CCPU
    for (( i = 0; i < nclients; i++ )); do client_check "$i" "${CPID_STATUS[i]}"; done
    clients_close
    verify "$s" "$TMP/expect"

    UDP_EXTRA=0
    if [ "$mode" != big ]; then UDP_EXTRA=$(( u1 - u0 - 2 * ${MODE_N[$mode]} )); fi
    SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
    SRV_US=$(awk -v d=$(( s1 - s0 )) -v hz="$HZ" -v n="${MODE_N[$mode]}" 'BEGIN { printf "%.0f", d / hz * 1e6 / n }')
    CLI_US=$(awk -v d=$(( c1 - c0 - init )) -v hz="$HZ" -v n="${MODE_N[$mode]}" 'BEGIN { if (d < 0) d = 0; printf "%.0f", d / hz * 1e6 / n }')
}
declare -a CPID_STATUS=()

udp_in() {               # sets UDPIN to the host's UDP InDatagrams counter
    local k v rest
    UDPIN=0
    while read -r k v rest; do [ "$k" = Udp: ] && [ "$v" != InDatagrams ] && UDPIN=$v; done < /proc/net/snmp
    return 0
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ---------------------------------------------------------------------------
echo "command: $CMDLINE"
echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "host:    $(uname -srm), $(getconf _NPROCESSORS_ONLN) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo "state:   $TMP ($(df -PT "$TMP" | awk 'NR == 2 { print $2 " on " $1 }'))"
[ "$(stat -f -c %T "$TMP")" != tmpfs ] || echo "WARNING: tmpfs: fsync is free here; use --tmpdir on a real disk"
echo "versions: $(knotd --version 2>&1 | head -n 1); $(nsupdate -V 2>&1 | head -n 1); authd $("$AUTHD" -V 2>&1 | head -n 1)"
# disk reference: one 4 KiB write + sync (O_DSYNC), 200 times
DD=$(dd if=/dev/zero of="$TMP/dd.test" bs=4096 count=200 oflag=dsync 2>&1 | awk '/copied/ { print $(NF-3) }') || DD=
rm -f "$TMP/dd.test"
[ -z "$DD" ] || echo "disk:    4 KiB write + sync (dd oflag=dsync): $(awk -v t="$DD" 'BEGIN { printf "%.2f ms each, %.0f/s", t / 200 * 1000, 200 / t }')"
echo "modes:   1 at a time = $NSEQ updates, one nsupdate; $CLIENTS in flight = $CLIENTS nsupdates x $PER_CLIENT updates;"
echo "         1 msg x $NBIG = one TCP update message with $NBIG changes; $ROUNDS rounds, medians;"
echo "         prefill: $PREFILL updates one at a time per server before the rounds"
echo

for s in "${RUN_SERVERS[@]}"; do start_server "$s"; done
echo "servers: $(for s in "${RUN_SERVERS[@]}"; do printf '%s pid %s port %s; ' "$s" "${PID[$s]}" "${PORT[$s]}"; done)"
echo

declare -A SECS_OF=() SRVUS_OF=() CLIUS_OF=()
printf '%-7s %-6s %-14s %7s %9s %10s\n' round server mode changes seconds changes/s
if [ "$PREFILL" -gt 0 ]; then
    for s in "${RUN_SERVERS[@]}"; do
        run_mode "$s" pre 0
        printf '%-7s %-6s %-14s %7d %9.3f %10.0f%s\n' prefill "${SRV_NAME[$s]}" "1 at a time" \
            "$PREFILL" "$SECS" "$(awk -v n="$PREFILL" -v t="$SECS" 'BEGIN { print n / t }')" \
            "$([ "$UDP_EXTRA" -le 0 ] || echo "   ($UDP_EXTRA extra UDP datagrams: retries?)")"
    done
fi
for (( r = 1; r <= ROUNDS; r++ )); do
    n=${#RUN_SERVERS[@]}
    for (( k = 0; k < n; k++ )); do
        s=${RUN_SERVERS[$(( (k + r - 1) % n ))]}
        for m in "${MODES[@]}"; do
            run_mode "$s" "$m" "$r"
            SECS_OF[$s.$m]+="$SECS "; SRVUS_OF[$s.$m]+="$SRV_US "; CLIUS_OF[$s.$m]+="$CLI_US "
            printf '%-7s %-6s %-14s %7d %9.3f %10.0f%s\n' "$r" "${SRV_NAME[$s]}" "${MODE_NAME[$m]}" \
                "${MODE_N[$m]}" "$SECS" "$(awk -v n="${MODE_N[$m]}" -v t="$SECS" 'BEGIN { print n / t }')" \
                "$([ "$UDP_EXTRA" -le 0 ] || echo "   ($UDP_EXTRA extra UDP datagrams: retries?)")"
        done
    done
done
echo "(every run verified: all updated names answered by the server, no nsupdate errors)"

echo
echo "Medians over $ROUNDS rounds (changes/s = changes / median seconds; range = min-max changes/s over the rounds)"
echo "CPU us/change: server process (all threads); clients = nsupdate processes after their start-up (incl. exit)"
LINE=$(printf '%.0s-' $(seq 98))
echo "$LINE"
printf '%-7s %-14s %7s %10s %10s %15s %12s %12s\n' server mode changes seconds changes/s range srv-CPU-us cli-CPU-us
echo "$LINE"
declare -A RATE=()
for m in "${MODES[@]}"; do
    for s in "${RUN_SERVERS[@]}"; do
        med=$(printf '%s\n' ${SECS_OF[$s.$m]} | median)
        rate=$(awk -v n="${MODE_N[$m]}" -v t="$med" 'BEGIN { printf "%.1f", n / t }')
        RATE[$s.$m]=$rate
        range=$(printf '%s\n' ${SECS_OF[$s.$m]} | awk -v n="${MODE_N[$m]}" '
            { r = n / $1; if (NR == 1 || r < lo) lo = r; if (NR == 1 || r > hi) hi = r }
            END { printf "%.0f-%.0f", lo, hi }')
        printf '%-7s %-14s %7d %10.4f %10.0f %15s %12s %12s\n' "${SRV_NAME[$s]}" "${MODE_NAME[$m]}" \
            "${MODE_N[$m]}" "$med" "$rate" "$range" \
            "$(printf '%s\n' ${SRVUS_OF[$s.$m]} | median)" "$(printf '%s\n' ${CLIUS_OF[$s.$m]} | median)"
    done
done
echo "$LINE"
if [ -n "${RATE[authd.seq]:-}" ] && [ -n "${RATE[knot.seq]:-}" ]; then
    echo "Ratios authd/Knot (changes/s; target >= 2.00 for '1 at a time' and '$CLIENTS in flight'):"
    for m in "${MODES[@]}"; do
        ratio=$(awk -v a="${RATE[authd.$m]}" -v b="${RATE[knot.$m]}" 'BEGIN { printf "%.2f", a / b }')
        case $m in
            big) verdict="(no target; ms to answer: authd $(awk -v r="${RATE[authd.$m]}" -v n="$NBIG" 'BEGIN { printf "%.1f", n / r * 1000 }'), Knot $(awk -v r="${RATE[knot.$m]}" -v n="$NBIG" 'BEGIN { printf "%.1f", n / r * 1000 }'))";;
            *) verdict=$(awk -v x="$ratio" 'BEGIN { print (x >= 2 ? "target met" : "TARGET MISSED") }');;
        esac
        printf '  %-14s %6s  %s\n' "${MODE_NAME[$m]}" "$ratio" "$verdict"
    done
fi

# ---------------------------------------------------------------------------
# untimed syscall pass
if [ "$DO_STRACE" = 1 ]; then
    echo
    echo "Syscalls per change under 'strace -f -w -c' (untimed pass; strace slows the servers)"
    echo "  sync = fsync+fdatasync+msync+sync_file_range; writes = write+pwrite64+pwritev+writev"
    for s in "${RUN_SERVERS[@]}"; do
        for m in seq par; do
            out=$TMP/strace.$s.$m
            strace -f -w -c -p "${PID[$s]}" -o "$out" 2>"$out.err" &
            STRACE_PID=$!
            for i in $(seq 100); do grep -q attached "$out.err" 2>/dev/null && break; sleep 0.05; done
            sleep 0.3
            run_mode "$s" "$m" "st"
            kill -INT "$STRACE_PID" 2>/dev/null || true
            wait "$STRACE_PID" 2>/dev/null || true
            STRACE_PID=
            awk -v n="${MODE_N[$m]}" -v who="${SRV_NAME[$s]}" -v mode="${MODE_NAME[$m]}" '
                $NF ~ /^[a-z_0-9]+$/ && $2 ~ /^[0-9.]+$/ && $NF != "total" {
                    c[$NF] = $4; t[$NF] = $2; us[$NF] = $3
                }
                END {
                    sync = c["fsync"] + c["fdatasync"] + c["msync"] + c["sync_file_range"]
                    wr = c["write"] + c["pwrite64"] + c["pwritev"] + c["writev"]
                    synct = t["fsync"] + t["fdatasync"] + t["msync"] + t["sync_file_range"]
                    printf "  %-6s %-12s sync %.2f/change (%.0f us each), writes %.2f/change; most wall time:", \
                        who, mode, sync / n, sync ? synct / sync * 1e6 : 0, wr / n
                    k = 0
                    for (x in t) if (x != "epoll_wait" && x != "futex" && x != "poll" && x != "restart_syscall") ord[++k] = x
                    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (t[ord[j]] > t[ord[i]]) { y = ord[i]; ord[i] = ord[j]; ord[j] = y }
                    for (i = 1; i <= 3 && i <= k; i++) printf " %s %.2f/change %sus", ord[i], c[ord[i]] / n, us[ord[i]]
                    printf "\n    (waiting: epoll_wait %d calls %.3f s, futex %d calls %.3f s, poll %d calls %.3f s)\n", \
                        c["epoll_wait"], t["epoll_wait"], c["futex"], t["futex"], c["poll"], t["poll"]
                }' "$out"
        done
    done
    echo "  ('poll' in Knot is liburcu's synchronize_rcu sleeping 10 ms per grace period)"
fi

# ---------------------------------------------------------------------------
echo
WARN=0
for s in "${RUN_SERVERS[@]}"; do
    if grep -Eiq 'error|warning|critical' "${LOG[$s]}"; then
        WARN=1; echo "Log of $s has warnings/errors:"; grep -Ei 'error|warning|critical' "${LOG[$s]}" | head -n 5
    fi
done
[ "$WARN" = 1 ] || echo "Server logs: no warnings/errors."
