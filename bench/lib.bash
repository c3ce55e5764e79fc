# lib.bash - what the benchmarks share (sourced by bench/qps.sh and
# bench/weights.sh): a temporary directory removed on exit, NSD, Knot DNS
# and authd started on a free loopback port serving one zone of
# bench.test., dnsperf runs with the servers' CPU time sampled from
# /proc, and the parsing of dnsperf's report.
#
# The caller sets, before sourcing: AUTHD, KEEP, PIN, SRV_PIN, CLI_PIN,
# START_TIMEOUT, CLIENTS, OUTSTANDING, TCP_QPC, and defines die();
# AUTHD_EXTRA, when set, holds more options for authd.
# ---------------------------------------------------------------------------
# temp dir, cleanup
TMP=$(mktemp -d /tmp/dnsplane-bench.XXXXXX)
declare -A PID=() PORT=() LOG=()
USED_PORTS=" "

descendants() {           # pid and all its descendants, one per line
    local p=$1 c
    echo "$p"
    for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do descendants "$c"; done
}

stop_server() {           # stop_server NAME
    local s=$1 p=${PID[$1]:-} i kids c
    [ -n "$p" ] || return 0
    # children (e.g. NSD's xfrd and server child) as "pid:starttime" so that a
    # recycled PID is never signalled
    kids=$(for c in $(descendants "$p" | tail -n +2); do
               echo "$c:$(awk '{ sub(/.*\) /, ""); print $20 }' /proc/"$c"/stat 2>/dev/null)"; done)
    if kill -0 "$p" 2>/dev/null; then
        kill -TERM "$p" 2>/dev/null || true
        for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$p" 2>/dev/null; then
            echo "warning: $s (pid $p) did not exit on SIGTERM, sending SIGKILL" >&2
            kill -KILL "$p" 2>/dev/null || true
        fi
    fi
    wait "$p" 2>/dev/null || true
    for c in $kids; do                       # kill surviving children by PID
        [ "$(awk '{ sub(/.*\) /, ""); print $20 }' /proc/"${c%%:*}"/stat 2>/dev/null)" = "${c#*:}" ] &&
            kill -KILL "${c%%:*}" 2>/dev/null || true
    done
    unset "PID[$s]"
}

cleanup() {
    local rc=$? s
    trap - EXIT INT TERM
    for s in "${!PID[@]}"; do stop_server "$s"; done
    if [ "$KEEP" = 1 ]; then echo "(temp dir kept: $TMP)" >&2
    else rm -rf "$TMP"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

# ---------------------------------------------------------------------------
# helpers

pick_port() {             # prints a free loopback port (TCP and UDP)
    local p i
    for i in $(seq 200); do
        p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
        case $USED_PORTS in *" $p "*) continue;; esac
        if [ -z "$(ss -Htuan "( sport = :$p )" 2>/dev/null)" ]; then
            USED_PORTS="$USED_PORTS$p "; echo "$p"; return 0
        fi
    done
    die "could not find a free port"
}


cpu_ticks() {             # utime+stime (clock ticks) of pid + descendants
    local p sum=0 st rest
    for p in $(descendants "$1"); do
        st=$(cat /proc/"$p"/stat 2>/dev/null) || continue
        rest=${st##*) }                       # strip "pid (comm) ", comm may contain spaces
        set -- $rest                          # $1 = state (field 3) => utime = $12, stime = $13
        sum=$(( sum + ${12} + ${13} ))
    done
    echo "$sum"
}

mem_kb() {                # "RSS_KB PSS_KB NPROC" summed over pid + descendants
    local p rss=0 pss=0 n=0 r q
    for p in $(descendants "$1"); do
        r=$(awk '/^VmRSS:/ {print $2}' /proc/"$p"/status 2>/dev/null) || continue
        [ -n "$r" ] || continue
        q=$(awk '/^Pss:/ {print $2}' /proc/"$p"/smaps_rollup 2>/dev/null || echo 0)
        rss=$(( rss + r )); pss=$(( pss + ${q:-0} )); n=$(( n + 1 ))
    done
    echo "$rss $pss $n"
}

# Re-apply the server CPU pin to every thread of every process of server NAME.
# Needed because some servers set their own affinity: knotd pins UDP worker N
# to CPU N % ncpu (so its single UDP worker lands on CPU 0, next to dnsperf),
# overriding the taskset it was started with.
declare -A REPIN_NOTED=()
repin() {
    local s=$1 p t n=0 cur
    [ "$PIN" = 1 ] || return 0
    for p in $(descendants "${PID[$s]}"); do
        for t in /proc/"$p"/task/*; do
            cur=$(awk '/^Cpus_allowed_list:/ {print $2}' "$t/status" 2>/dev/null) || continue
            [ -z "$cur" ] || [ "$cur" = 1 ] && continue
            taskset -p -c 1 "${t##*/}" >/dev/null 2>&1 && n=$(( n + 1 )) || true
        done
    done
    if [ "$n" -gt 0 ] && [ -z "${REPIN_NOTED[$s]:-}" ]; then
        REPIN_NOTED[$s]=1
        echo "note: $s had set its own CPU affinity on $n thread(s); re-pinned them to CPU 1"
    fi
}

show_log() {              # show_log NAME LOGFILE
    echo "----- $1 log ($2) -----" >&2
    if [ -s "$2" ]; then tail -n 40 "$2" >&2; else echo "(empty)" >&2; fi
    echo "-----" >&2
}

# start_server NAME ZONEFILE PROBE_NAME TAG
# Starts NAME (nsd|knot|authd) on a fresh port serving ZONEFILE and waits until
# PROBE_NAME A is answered.  Sets PID[NAME], PORT[NAME].
start_server() {
    local s=$1 zone=$2 probe=$3 tag=$4 dir port log timeout=$START_TIMEOUT i ans
    [ "$tag" = mem ] && timeout=$(( START_TIMEOUT * 2 ))
    dir=$TMP/$s-$tag; mkdir -p "$dir"
    port=$(pick_port); log=$dir/$s.log
    case $s in
    nsd)
        cat > "$dir/nsd.conf" <<EOF
server:
    server-count: 1
    ip-address: 127.0.0.1@$port
    do-ip6: no
    hide-version: yes
    hide-identity: yes
    chroot: ""
    username: ""
    zonesdir: "$dir"
    database: ""
    zonelistfile: "$dir/zone.list"
    xfrdfile: "$dir/xfrd.state"
    xfrdir: "$dir"
    pidfile: "$dir/nsd.pid"
    logfile: "$log"
    verbosity: 1
    # Debian's NSD enables response rate limiting (200 qps/source) by default;
    # a benchmark from one source address must turn it off.
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: bench.test.
    zonefile: "$zone"
EOF
        "${SRV_PIN[@]}" nsd -d -c "$dir/nsd.conf" >>"$log" 2>&1 &
        ;;
    knot)
        mkdir -p "$dir/db"
        cat > "$dir/knot.conf" <<EOF
server:
    listen: 127.0.0.1@$port
    rundir: "$dir"
    background-workers: 1
    udp-workers: 1
    tcp-workers: 1
log:
  - target: stderr
    any: info
database:
    storage: "$dir/db"
    journal-db: "$dir/db/journal"
    kasp-db: "$dir/db/kasp"
    timer-db: "$dir/db/timer"
zone:
  - domain: bench.test.
    file: "$zone"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
EOF
        "${SRV_PIN[@]}" knotd -c "$dir/knot.conf" >>"$log" 2>&1 &
        ;;
    authd)
        mkdir -p "$dir/state"
        "${SRV_PIN[@]}" "$AUTHD" --listen "127.0.0.1:$port" --zone "bench.test.=$zone" \
            --state-dir "$dir/state" --workers 1 ${AUTHD_EXTRA:-} >>"$log" 2>&1 &
        ;;
    esac
    PID[$s]=$!; PORT[$s]=$port; LOG[$s]=$log
    # wait for readiness
    for i in $(seq $(( timeout * 5 ))); do
        if ! kill -0 "${PID[$s]}" 2>/dev/null; then
            wait "${PID[$s]}" 2>/dev/null && rc=0 || rc=$?
            unset "PID[$s]"
            show_log "$s" "$log"
            die "$s failed to start (exited with status $rc); see its log above (--keep keeps $dir)"
        fi
        if [ "$s" != authd ] || grep -q ready "$log" 2>/dev/null; then
            ans=$(dig +short +tries=1 +time=1 -p "$port" @127.0.0.1 "$probe" A 2>/dev/null || true)
            case $ans in [0-9]*.*) repin "$s"; return 0;; esac
        fi
        sleep 0.2
    done
    show_log "$s" "$log"
    if [ "$s" = authd ] && ! grep -q ready "$log" 2>/dev/null; then
        die "authd never logged 'ready' within ${timeout}s (still running, pid ${PID[$s]})"
    fi
    die "$s did not answer '$probe A' on 127.0.0.1:$port within ${timeout}s"
}

# run_dnsperf NAME TRANSPORT QUERYFILE SECONDS OUTFILE -> prints "ticks_delta"
run_dnsperf() {
    local s=$1 tr=$2 qf=$3 secs=$4 out=$5 t0 t1 extra=()
    [ "$tr" = tcp ] && [ "$TCP_QPC" -gt 0 ] && extra=(-O "num-queries-per-conn=$TCP_QPC")
    repin "$s" >&2
    t0=$(cpu_ticks "${PID[$s]}")
    if ! "${CLI_PIN[@]}" dnsperf -s 127.0.0.1 -p "${PORT[$s]}" -m "$tr" -d "$qf" \
            -l "$secs" -c "$CLIENTS" -q "$OUTSTANDING" -t 2 \
            -O suppress=timeouts,congestion,sockready "${extra[@]}" >"$out" 2>&1; then
        cat "$out" >&2
        die "dnsperf against $s ($tr) failed"
    fi
    t1=$(cpu_ticks "${PID[$s]}")
    kill -0 "${PID[$s]}" 2>/dev/null || { show_log "$s" "${LOG[$s]}"; die "$s died during the $tr run"; }
    echo $(( t1 - t0 ))
}

# parse dnsperf output ->
#   "completed lost qps avg_latency_us runtime_s avg_response_bytes nxdomain_pct other_rcodes"
# other_rcodes is "-" when only NOERROR/NXDOMAIN were seen, else e.g. "SERVFAIL:12,REFUSED:3".
parse_dnsperf() {
    awk '
        /Response codes:/ {
            sub(/.*Response codes:[ \t]*/, ""); n = split($0, f, /, /); tot = 0
            for (i = 1; i <= n; i++) { split(f[i], g, " "); cnt[g[1]] = g[2]; tot += g[2] }
            nx = (tot > 0) ? 100 * cnt["NXDOMAIN"] / tot : 0
            o = ""; for (k in cnt) if (k != "NOERROR" && k != "NXDOMAIN") o = o (o == "" ? "" : ",") k ":" cnt[k]
            next }
        /Average packet size:/ { rs = $NF }
        /Queries completed:/   { c = $3 }
        /Queries lost:/        { l = $3 }
        /Queries per second:/  { q = $4 }
        /Average Latency \(s\):/ { a = $4 * 1e6 }
        /Run time \(s\):/      { r = $4 }
        END {
            if (c == "" || q == "") exit 1
            printf "%s %s %s %.1f %s %s %.2f %s\n", c, l, q, a, r, rs, nx, (o == "" ? "-" : o)
        }' "$1"
}

median() {                # reads numbers on stdin, prints the median
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "nan"; exit }
        if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2
        print m }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a != "nan") printf "%.2f", a / b; else printf "n/a" }'; }
