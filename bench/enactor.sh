#!/bin/bash
# enactor.sh - one enactor (safe mode) applying plans of 2,000 endpoints x
# 50 addresses (100,000 records) to authd, with the planner health-checking
# 100,000 load balancers of lbfarm and writing the plans.
#
# usage: bench/enactor.sh [--build DIR] [--endpoints E] [--lbs N]
#                         [--flips F] [--burst B] [--guard no|yes|both]
#                         [--check-interval-ms MS] [--check tcp|http]
#                         [--profile] [--seed S] [--keep]
#
# Measured, for each authd setting (--guard no: `--guard-enabled no`, the
# default; yes: every endpoint guarded, with its generation fence; both:
# one after the other, each with a fresh authd):
#   1. full apply: authd holds only SOA/NS/ns1; the newest plan of the
#      store (generation 1, written by the planner, which is then stopped
#      so that its health rounds do not share the two cores) is applied by
#      a new enactor.  Time from the enactor's start to its last endpoint
#      report (the store's applied.applied_at), checked afterwards against
#      authd: every _gen.E TXT is the generation and every E has its N
#      addresses.  Then 10 s without a new plan, twice: the enactor as
#      started (a pass reads authd's zone serial and every endpoint at
#      least every 30 s) and with --full-scan-ms 0 (every endpoint every
#      pass): the CPU authd and the enactor spend idle.
#   2. convergence: the planner runs again (thresholds 1, plan-interval
#      one day, so it writes a generation only on a change).  One random
#      IPv4 load balancer is taken down in lbfarm; authd is asked for the
#      endpoint's A records every 10 ms until the address is gone;
#      convergence is from the generation's plan.created_at (the planner's
#      write, after detection: health-check time excluded) to that moment;
#      the load balancer is then brought back up.  F isolated flips (before
#      each, the previous up applied everywhere and cleanup done), then B
#      flips in a row (each as soon as the previous one converged, so
#      generations come at the planner's pace).  Every answer during the
#      flips is checked (NOERROR with addresses, never empty); afterwards
#      20 endpoints are checked for records of deleted plans.
# --profile adds a full apply of the newest plan onto a fresh authd under
# strace -c -f (authd and the enactor; not timed).  A run (2,000 x 50, one
# guard setting, 50 + 20 flips) takes about 15 minutes.
# Nothing here is asserted; the figures go to docs/BENCHMARKS.md.
set -eu
set -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=$ROOT/build
ENDPOINTS=2000
LBS=50
FLIPS=50
BURST=20
GUARD=no
CHECK_MS=5000
CHECK=tcp
PROFILE=0
SEED=$$
KEEP=${KEEP_TMP:-0}
PORT=30000
PY=/usr/bin/python3

while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=$(cd "$2" && pwd); shift 2 ;;
	--endpoints) ENDPOINTS=$2; shift 2 ;;
	--lbs) LBS=$2; shift 2 ;;
	--flips) FLIPS=$2; shift 2 ;;
	--burst) BURST=$2; shift 2 ;;
	--guard) GUARD=$2; shift 2 ;;
	--check-interval-ms) CHECK_MS=$2; shift 2 ;;
	--check) CHECK=$2; shift 2 ;;
	--profile) PROFILE=1; shift ;;
	--seed) SEED=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	*) sed -n '2,9p' "$0" >&2; exit 2 ;;
	esac
done
case "$GUARD" in
no | yes) MODES=$GUARD ;;
both) MODES="no yes" ;;
*) echo "--guard: no, yes or both" >&2; exit 2 ;;
esac
[ -x "$PY" ] || { echo "$PY is needed (the DNS poller)" >&2; exit 2; }

AUTHD=$BUILD/authd
PLANNER=$BUILD/planner
LBFARM=$BUILD/lbfarm
ENACTOR=$BUILD/enactor
for b in "$AUTHD" "$PLANNER" "$LBFARM" "$ENACTOR"; do
	[ -x "$b" ] || { echo "$b is missing: run make" >&2; exit 2; }
done
T=$(mktemp -d /tmp/dnsplane-bench-enactor.XXXXXX)
PIDS=""
LBPIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	if [ "$KEEP" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT INT TERM

STORE=$T/plans.db
ZONE=api.test.
TOTAL=$((ENDPOINTS * LBS))
HZ=$(getconf CLK_TCK)
NOFILE=$(ulimit -Hn)
[ "$NOFILE" = unlimited ] && NOFILE=1048576
PER=$(((NOFILE - 2000) / LBS))
[ "$PER" -gt "$ENDPOINTS" ] && PER=$ENDPOINTS
SHARDS=$(((ENDPOINTS + PER - 1) / PER))

ip_of() { echo "127.10.$(($1 >> 8)).$(($1 & 255))"; }
now_ms() { date +%s%3N; }
cpu_ms() { # utime+stime of the PIDs (all threads), in ms
	local sum=0
	for p in "$@"; do
		sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat")))
	done
	echo $((sum * 1000 / HZ))
}
hwm_mb() { awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
q() { sqlite3 -cmd ".timeout 10000" "$STORE" "$1"; }
newest() { q "SELECT coalesce(max(generation), 0) FROM plan"; }
free_port() { # below the ephemeral range: no outgoing connection takes it
	local lo
	lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	while :; do
		p=$(shuf -i 10000-$((lo - 1)) -n 1)
		if ! ss -Hlnut "sport = :$p" | grep -q .; then
			echo "$p"
			return
		fi
	done
}
wait_log() { # wait_log FILE TEXT SECONDS
	local i=0
	until grep -qF -- "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt $(($3 * 10)) ]; then
			echo "timed out waiting for '$2' in $1" >&2
			tail -5 "$1" >&2
			exit 1
		fi
		sleep 0.1
	done
}
forget() { # forget PID: no longer ours to kill at exit
	PIDS=$(echo " $PIDS " | sed "s/ $1 / /; s/^ *//; s/ *$//")
}

# ---- the DNS poller and checker (Python 3 standard library only) ----
cat >"$T/dnsq.py" <<'PY'
import datetime, json, os, random, re, socket, sqlite3, struct, subprocess, sys, time

def now_ms():
    return time.time() * 1000.0

class Client:
    def __init__(self, port):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.connect(("127.0.0.1", port))
        self.s.settimeout(1.0)
        self.id = random.randrange(65536)

    def query(self, name, qtype):
        """(rcode, [(type, rdata bytes)]) of the answer section."""
        self.id = (self.id + 1) & 0xFFFF
        q = struct.pack(">HHHHHH", self.id, 0, 1, 0, 0, 1)
        for label in name.rstrip(".").split("."):
            q += bytes([len(label)]) + label.encode()
        q += b"\0" + struct.pack(">HH", qtype, 1)
        # OPT: 4096-byte payload, so that 50 addresses fit over UDP.
        q += b"\0" + struct.pack(">HHIH", 41, 4096, 0, 0)
        for _ in range(5):
            self.s.send(q)
            try:
                while True:
                    a = self.s.recv(65535)
                    if len(a) >= 12 and struct.unpack(">H", a[:2])[0] == self.id:
                        return self.parse(a)
            except socket.timeout:
                continue
        raise RuntimeError("no answer for %s %d" % (name, qtype))

    @staticmethod
    def skip_name(a, i):
        while True:
            n = a[i]
            if n == 0:
                return i + 1
            if n & 0xC0 == 0xC0:
                return i + 2
            i += n + 1

    def parse(self, a):
        _, flags, qd, an, _, _ = struct.unpack(">HHHHHH", a[:12])
        if flags & 0x0200:
            raise RuntimeError("truncated answer")
        i = 12
        for _ in range(qd):
            i = self.skip_name(a, i) + 4
        out = []
        for _ in range(an):
            i = self.skip_name(a, i)
            t, _, _, rdlen = struct.unpack(">HHIH", a[i:i + 10])
            i += 10
            out.append((t, a[i:i + rdlen]))
            i += rdlen
        return flags & 0xF, out

def marker(c, e):
    rc, ans = c.query("_gen." + e, 16)
    txt = [r for t, r in ans if t == 16]
    if len(txt) != 1:
        return None
    return txt[0][1:1 + txt[0][0]].decode()

def naddrs(c, e):
    n = 0
    for qt in (1, 28):
        rc, ans = c.query(e, qt)
        n += sum(1 for t, _ in ans if t == qt)
    return n

def verify(port, names, gen, lbs):
    """Every endpoint on generation gen with its lbs addresses."""
    c = Client(port)
    bad = []
    for e in names:
        m, n = marker(c, e), naddrs(c, e)
        if m != str(gen) or n != lbs:
            bad.append("%s: marker %s, %d addresses" % (e, m, n))
    print("%d/%d endpoints on generation %s with %d addresses"
          % (len(names) - len(bad), len(names), gen, lbs))
    for b in bad[:10]:
        print("  " + b)
    return 0 if not bad else 1

def pct(v, p):
    v = sorted(v)
    k = (len(v) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)

def log_ms(stamp):
    return datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f").timestamp() * 1000.0

def breakdown(enlog, done):
    """Where each flip's time went, from the enactor's log."""
    moves, cleanups = [], []
    rx = re.compile(r"^(\S+) \S+ info: (\S+): plan \d+ -> (\d+)$")
    for line in open(enlog):
        m = rx.match(line.rstrip("\n"))
        if m:
            moves.append((log_ms(m.group(1)), m.group(2), int(m.group(3))))
        elif "cleanup: deleted plan" in line:
            cleanups.append(log_ms(line.split()[0]))
    waits, walks, lags, ncl = [], [], [], []
    for name, gen, created, gone in done:
        ep = next((m for m in moves if m[1] == name and m[2] >= gen), None)
        if ep is None:
            continue
        start = next(m[0] for m in moves if m[2] == ep[2])
        waits.append(start - created)
        walks.append(ep[0] - start)
        lags.append(gone - ep[0])
        ncl.append(sum(1 for c in cleanups if created <= c <= start))
    if not waits:
        return
    print("  where the time went (enactor log, ms): created_at -> the enactor's "
          "first endpoint of that plan: p50 %.0f p99 %.0f max %.0f; -> this "
          "endpoint (its place in the walk): p50 %.0f p99 %.0f max %.0f; -> "
          "gone from authd: p50 %.0f max %.0f; plans deleted by cleanup while "
          "the plan waited: %d in all, at most %d for one flip"
          % (pct(waits, 50), pct(waits, 99), max(waits), pct(walks, 50),
             pct(walks, 99), max(walks), pct(lags, 50), max(lags), sum(ncl),
             max(ncl)))

def newest(db):
    return db.execute("SELECT coalesce(max(generation), 0) FROM plan").fetchone()[0]

def applied_endpoints(rlog, g):
    """How many endpoint reports of generation g the enactor's log of
    applications (STORE.enactors/ID.applied: GEN AT [ENDPOINT]) holds, up
    to its last complete line."""
    try:
        with open(rlog) as f:
            text = f.read()
    except FileNotFoundError:
        return 0
    lines = text[:text.rfind("\n") + 1].splitlines()[1:]
    return sum(1 for l in lines if l.split()[0] == str(g) and len(l.split()) == 3)

def quiesce(db, rlog, endpoints, keep, total, timeout_s=300):
    """Wait until the newest plan has every address (nothing down), the
    enactor reported it for every endpoint (rlog: its applied log), and
    cleanup left no more than keep + 1 plans.  Seconds waited, or None."""
    t0 = time.time()
    while time.time() - t0 < timeout_s:
        g = newest(db)
        full = db.execute("SELECT addresses FROM plan WHERE generation = ?",
                          (g,)).fetchone()
        n = applied_endpoints(rlog, g)
        plans = db.execute("SELECT count(*) FROM plan").fetchone()[0]
        if full and full[0] == total and n >= endpoints and plans <= keep + 1:
            return time.time() - t0
        time.sleep(0.05)
    return None

def flips(port, store, lbfarm, tdir, nflips, endpoints, lbs, per, lbport, seed,
          enlog, kind, enactor, keep):
    """kind "isolated": before each flip, everything applied and cleaned
    up; "burst": the next flip as soon as the previous one converged."""
    rnd = random.Random(seed if kind == "isolated" else seed + 1)
    c = Client(port)
    db = sqlite3.connect(store, timeout=10)
    # The enactor's reports are in a file of its own beside the store.
    rlog = "%s.enactors/%s.applied" % (store, enactor)
    conv, detect, anomalies, done, quiet = [], [], [], [], []
    recent = []  # endpoints whose load balancer may not be back yet
    print("  flip endpoint                 address        gen  detect_ms  converge_ms")
    for f in range(nflips):
        if kind == "isolated":
            w = quiesce(db, rlog, endpoints, keep, endpoints * lbs)
            if w is None:
                anomalies.append("flip %d: the enactor did not settle in 300 s" % f)
                break
            quiet.append(w)
        e = rnd.randrange(endpoints)
        while e in recent and len(recent) < endpoints:
            e = rnd.randrange(endpoints)
        recent = (recent + [e])[-3:]
        k = rnd.choice([i for i in range(lbs) if i % 5 != 4])
        g = e * lbs + k
        addr = "10.%d.%d.%d" % (g // 65536, (g // 256) % 256, g % 256)
        name = "ep%04d.bench-1.api.test." % e
        a = e + 1
        spec = "127.10.%d.%d:%d" % (a // 256, a % 256, lbport + k)
        sock = "%s/lb%d.sock" % (tdir, e // per)
        packed = socket.inet_aton(addr)
        g0 = newest(db)
        rc, ans = c.query(name, 1)
        if packed not in [r for t, r in ans if t == 1]:
            anomalies.append("flip %d: %s not served before the flip" % (f, addr))
            continue
        t_down = now_ms()
        subprocess.run([lbfarm, "ctl", sock, "down", spec], check=True,
                       stdout=subprocess.DEVNULL)
        t_gone = None
        deadline = t_down + 120000
        while now_ms() < deadline:
            t = now_ms()
            rc, ans = c.query(name, 1)
            got = [r for t_, r in ans if t_ == 1]
            if rc != 0 or not got:
                anomalies.append("flip %d: %s answered rcode %d with %d "
                                 "addresses" % (f, name, rc, len(got)))
            if packed not in got:
                t_gone = t
                break
            time.sleep(max(0.0, 0.010 - (now_ms() - t) / 1000.0))
        subprocess.run([lbfarm, "ctl", sock, "up", spec], check=True,
                       stdout=subprocess.DEVNULL)
        if t_gone is None:
            anomalies.append("flip %d: %s still served after 120 s" % (f, addr))
            continue
        row = db.execute(
            "SELECT p.generation, p.created_at FROM plan p "
            "JOIN plan_endpoint pe ON pe.generation = p.generation "
            "JOIN endpoint en ON en.id = pe.endpoint_id "
            "WHERE en.name = ? AND p.generation > ? "
            "AND json_extract(pe.addresses, ?) IS NULL "
            "ORDER BY p.generation LIMIT 1",
            (name, g0, '$."%s"' % addr)).fetchone()
        if row is None:
            anomalies.append("flip %d: %s gone from authd but in no newer "
                             "plan (or that plan was deleted)" % (f, addr))
            continue
        gen, created = row
        conv.append(t_gone - created)
        done.append((name, gen, created, t_gone))
        detect.append(created - t_down)
        print("  %4d %-24s %-14s %4d %10.0f %12.1f"
              % (f + 1, name, addr, gen, created - t_down, t_gone - created))
        sys.stdout.flush()
    if conv:
        print("  %s convergence ms (created_at -> authd stops serving): "
              "min %.1f  p50 %.1f  p90 %.1f  p99 %.1f  max %.1f  (n=%d)"
              % (kind, min(conv), pct(conv, 50), pct(conv, 90), pct(conv, 99),
                 max(conv), len(conv)))
        print("  detection ms (lbfarm down -> created_at, excluded): "
              "p50 %.0f  max %.0f" % (pct(detect, 50), max(detect)))
        if quiet:
            print("  settling before each flip (previous flip's up applied, "
                  "cleanup done): p50 %.1f s  max %.1f s"
                  % (pct(quiet, 50), max(quiet)))
        breakdown(enlog, done)
    print("  anomalies in the answers: %d" % len(anomalies))
    for a in anomalies[:20]:
        print("    " + a)
    return 0

def leaks(port, store, names, sample, seed):
    """Plan records in authd against the plans in the store."""
    db = sqlite3.connect(store, timeout=10)
    kept = set(r[0] for r in db.execute("SELECT generation FROM plan"))
    top = newest(db)
    c = Client(port)
    rnd = random.Random(seed)
    stale, served = 0, {}
    for e in rnd.sample(names, min(sample, len(names))):
        for g in range(1, top + 1):
            if naddrs(c, "g%d._plan.%s" % (g, e)):
                served[g] = served.get(g, 0) + 1
                if g not in kept:
                    stale += 1
    print("plans in the store %s; plans with records in authd (%d endpoints "
          "sampled) %s; records of deleted plans still served: %d"
          % (sorted(kept), min(sample, len(names)), sorted(served), stale))

if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "verify":
        port, namesfile, gen, lbs = sys.argv[2:6]
        names = open(namesfile).read().split()
        sys.exit(verify(int(port), names, gen, int(lbs)))
    if cmd == "leaks":
        port, store, namesfile, seed = sys.argv[2:6]
        names = open(namesfile).read().split()
        sys.exit(leaks(int(port), store, names, 20, int(seed)))
    if cmd == "flips":
        (port, store, lbfarm, tdir, n, eps, lbs, per, lbport,
         seed, enlog, kind, enactor, keep) = sys.argv[2:16]
        sys.exit(flips(int(port), store, lbfarm, tdir, int(n), int(eps),
                       int(lbs), int(per), int(lbport), int(seed), enlog,
                       kind, enactor, int(keep)))
PY

# ---- the zone, the key, the region ----
printf 'key "enactor" { algorithm hmac-sha256; secret "%s"; };\n' \
	"$(head -c 32 /dev/urandom | base64)" >"$T/enactor.key"
cat >"$T/api.zone" <<'ZONE'
$ORIGIN api.test.
$TTL 60
@	SOA	ns1 hostmaster 1 3600 600 86400 5
	NS	ns1
ns1	A	192.0.2.53
ZONE
awk -v E="$ENDPOINTS" 'BEGIN { for (e = 0; e < E; e++) printf "ep%04d.bench-1.api.test.\n", e }' >"$T/names"
sed 's/^/guard /' "$T/names" >"$T/guard.conf"
{
	echo "region bench-1"
	echo "store $STORE"
	echo "check-interval-ms $CHECK_MS"
	echo "check-timeout-ms $((CHECK_MS < 1000 ? CHECK_MS - 10 : 900))"
	echo "check-concurrency 1024"
	echo "plan-interval-ms 86400000"
	echo "healthy-threshold 1"
	echo "unhealthy-threshold 1"
	awk -v E="$ENDPOINTS" -v N="$LBS" -v P="$PORT" -v C="$CHECK" 'BEGIN {
		for (e = 0; e < E; e++) {
			name = sprintf("ep%04d.bench-1.api.test.", e)
			print "endpoint " name
			a = e + 1
			host = sprintf("127.10.%d.%d", int(a / 256), a % 256)
			for (i = 0; i < N; i++) {
				k = e * N + i
				if (i % 5 == 4)
					addr = sprintf("2001:db8::%x:%x", int(k / 65536), k % 65536)
				else
					addr = sprintf("10.%d.%d.%d", int(k / 65536),
					    int(k / 256) % 256, k % 256)
				if (C == "tcp")
					chk = sprintf("tcp://%s:%d", host, P + i)
				else
					chk = sprintf("http://%s:%d/health", host, P + i)
				printf "lb %s %s %s 100\n", name, addr, chk
			}
		}
	}'
} >"$T/planner.conf"

echo "date:     $(date -u '+%Y-%m-%d %H:%M:%S UTC')  host: $(hostname)  cpus: $(nproc)  $(uname -r)"
echo "versions: $("$ENACTOR" -V) | $("$AUTHD" -V) | $("$PLANNER" -V) | SQLite $(sqlite3 -version | cut -d' ' -f1)"
echo "region:   $ENDPOINTS endpoints x $LBS load balancers = $TOTAL addresses (one in five IPv6); a generation is $TOTAL records in authd"
echo "lbfarm:   $SHARDS process(es) of up to $((PER * LBS)) listeners (open-file limit $NOFILE)"
echo "planner:  $CHECK checks every $CHECK_MS ms, thresholds 1/1, plan-interval one day (a generation per change)"
echo "enactor:  --mode safe, defaults otherwise (--interval-ms 1000 --heartbeat-ms 500 --keep 3 --full-scan-ms 30000), one instance"
echo "authd:    --workers 1, --journal-size 1000 (defaults); guard settings: $MODES"
echo "seed:     $SEED"

# ---- lbfarm shards ----
for s in $(seq 0 $((SHARDS - 1))); do
	first=$((s * PER))
	last=$(((s + 1) * PER - 1))
	[ $last -ge "$ENDPOINTS" ] && last=$((ENDPOINTS - 1))
	"$LBFARM" --listen "$(ip_of $((first + 1)))-$(ip_of $((last + 1))):$PORT-$((PORT + LBS - 1))" \
		--control "$T/lb$s.sock" >"$T/lbfarm$s.log" 2>&1 &
	PIDS="$PIDS $!"
	LBPIDS="$LBPIDS $!"
done
for s in $(seq 0 $((SHARDS - 1))); do wait_log "$T/lbfarm$s.log" "ready:" 60; done

# ---- the planner: generation 1, then stopped for the full applies ----
PL=$T/planner.log
start_planner() {
	"$PLANNER" -c "$T/planner.conf" >>"$PL" 2>&1 &
	PLANNER_PID=$!
	PIDS="$PIDS $PLANNER_PID"
}
stop_planner() {
	kill -TERM "$PLANNER_PID"
	wait "$PLANNER_PID" || echo "planner exited with status $?"
	forget "$PLANNER_PID"
}
: >"$PL"
start_planner
wait_log "$PL" "ready:" 180
stop_planner
G1=$(newest)
echo "plan:     generation $G1: $(q "SELECT endpoints || ' endpoints, ' || addresses || ' addresses' FROM plan WHERE generation = $G1")"

# ---- authd and the enactor ----
start_authd() { # start_authd MODE STATEDIR
	AUTHD_PORT=$(free_port)
	local g=()
	[ "$1" = yes ] && g=(-c "$T/guard.conf") || g=(--guard-enabled no)
	AL=$T/authd-$(basename "$2").log
	: >"$AL"
	METRICS_PORT=$(free_port)
	"$AUTHD" "${g[@]}" --listen "127.0.0.1:$AUTHD_PORT" \
		--metrics-listen "127.0.0.1:$METRICS_PORT" \
		--zone "$ZONE=$T/api.zone" --state-dir "$2" \
		--key "$T/enactor.key" >>"$AL" 2>&1 &
	AUTHD_PID=$!
	PIDS="$PIDS $AUTHD_PID"
	wait_log "$AL" "ready:" 30
}
# metric NAME [LABEL-REGEX]: the sum of authd's samples of NAME.
metric() {
	curl -s "127.0.0.1:$METRICS_PORT/metrics" |
		awk -v n="dnsplane_authd_$1" -v l="${2:-}" '$1 ~ "^" n "({|$)" && $1 ~ l { s += $2 } END { printf "%.6f\n", s }'
}
metrics_snap() { # metrics_snap: "queries updates commits swap_s swaps"
	echo "$(metric queries_total) $(metric updates_total accepted) $(metric commits_total) $(metric snapshot_swap_seconds_sum) $(metric snapshot_swap_seconds_count)"
}
metrics_diff() { # metrics_diff BEFORE AFTER: a readable difference
	local a=($1) b=($2)
	awk -v q0="${a[0]}" -v q1="${b[0]}" -v u0="${a[1]}" -v u1="${b[1]}" \
		-v c0="${a[2]}" -v c1="${b[2]}" -v s0="${a[3]}" -v s1="${b[3]}" \
		-v n0="${a[4]}" -v n1="${b[4]}" 'BEGIN {
		n = n1 - n0
		printf "authd saw %d queries, %d updates accepted, %d commits; snapshot swap %.2f ms per commit (%.0f ms in all)", q1 - q0, u1 - u0, c1 - c0, n ? (s1 - s0) * 1000 / n : 0, (s1 - s0) * 1000
	}'
}
stop_authd() {
	kill -TERM "$AUTHD_PID"
	wait "$AUTHD_PID" || echo "authd exited with status $?"
	forget "$AUTHD_PID"
}
start_enactor() { # start_enactor ID [OPTIONS...]
	EL=$T/enactor-$1.log # a restart appends to it
	"$ENACTOR" --id "$@" --mode safe --store "$STORE" \
		--server "127.0.0.1:$AUTHD_PORT" --zone "$ZONE" \
		--key "$T/enactor.key" >>"$EL" 2>&1 &
	ENACTOR_PID=$!
	PIDS="$PIDS $ENACTOR_PID"
}
# idle KEY WHAT: CPU of authd and the enactor over 10 s without a new
# plan, 2 s after the enactor's last change.
idle() {
	sleep 2
	m0=$(metrics_snap)
	ca0=$(cpu_ms "$AUTHD_PID")
	ce0=$(cpu_ms "$ENACTOR_PID")
	sleep 10
	m1=$(metrics_snap)
	R[$1]="enactor $(($(cpu_ms "$ENACTOR_PID") - ce0)) ms, authd $(($(cpu_ms "$AUTHD_PID") - ca0)) ms"
	echo "  idle 10 s, $2: CPU ${R[$1]}; $(metrics_diff "$m0" "$m1" | sed 's/;.*//')"
}
stop_enactor() {
	kill -TERM "$ENACTOR_PID"
	wait "$ENACTOR_PID" || echo "enactor exited with status $?"
	forget "$ENACTOR_PID"
}
# applied ID GEN: "count min max" of the applied_at of ID's endpoint
# reports of GEN, from its log of applications beside the store
# (GEN AT [ENDPOINT] a line, after a header; the last line may be one
# being written).
applied() {
	local f=$STORE.enactors/$1.applied
	[ -f "$f" ] || { echo "0 0 0"; return; }
	{ if [ -z "$(tail -c 1 "$f")" ]; then cat "$f"; else head -n -1 "$f"; fi; } |
		awk -v g="$2" '
		NR > 1 && NF == 3 && $1 == g {
			n++
			if (min == "" || $2 < min) min = $2
			if ($2 > max) max = $2
		}
		END { print n + 0, max + 0, min + 0 }'
}
wait_applied() { # wait_applied ID GEN SECONDS
	local i=0
	until [ "$(applied "$1" "$2" | cut -d' ' -f1)" -ge "$ENDPOINTS" ]; do
		i=$((i + 1))
		if [ $i -gt $(($3 * 50)) ]; then
			echo "timed out: enactor $1 applied $(applied "$1" "$2" | cut -d' ' -f1) endpoints of generation $2" >&2
			tail -5 "$EL" >&2
			exit 1
		fi
		sleep 0.02
	done
}
log_errors() { # warnings and errors of the logs given
	cat "$@" | grep -cE ' (warning|error|err|crit): ' || true
}

declare -A R
for mode in $MODES; do
	echo
	echo "==== authd guard: $([ "$mode" = yes ] && echo "every endpoint guarded (guard NAME, fence on _gen.NAME)" || echo "--guard-enabled no") ===="
	start_authd "$mode" "$T/state-$mode"
	id=apply-$mode
	G=$(newest)
	m0=$(metrics_snap)
	c0=$(cpu_ms "$AUTHD_PID")
	t0=$(now_ms)
	start_enactor "$id"
	wait_applied "$id" "$G" 600
	set -- $(applied "$id" "$G")
	t1=$2
	m1=$(metrics_snap)
	first=$3
	ca=$(($(cpu_ms "$AUTHD_PID") - c0))
	ce=$(cpu_ms "$ENACTOR_PID")
	ms=$((t1 - t0))
	R[$mode.apply]=$ms
	R[$mode.ups]=$(echo "$ENDPOINTS * 1000 / $ms" | bc)
	R[$mode.rps]=$(echo "$TOTAL * 1000 / $ms" | bc)
	R[$mode.cpu]="authd $ca ms, enactor $ce ms"
	echo "full apply of generation $G: $ms ms from the enactor's start to its last endpoint report"
	echo "  first endpoint reported after $((first - t0)) ms (start-up, store, first reads)"
	echo "  ${R[$mode.ups]} endpoint updates/s, ${R[$mode.rps]} records/s (each update: $LBS addresses + CNAME + _gen TXT, one commit)"
	echo "  CPU over the apply: ${R[$mode.cpu]} (wall $ms ms)"
	echo "  $(metrics_diff "$m0" "$m1")"
	$PY "$T/dnsq.py" verify "$AUTHD_PORT" "$T/names" "$G" "$LBS" >"$T/verify-$mode" || true
	echo "  authd check: $(head -1 "$T/verify-$mode")"
	sed -n '2,11p' "$T/verify-$mode"
	# Idle: nothing changes.  As started (a pass reads the zone serial,
	# every endpoint at least every 30 s), then with --full-scan-ms 0
	# (every pass reads every endpoint), then as started again.
	idle "$mode.idle" "as started (full-scan-ms 30000)"
	stop_enactor
	start_enactor "$id" --full-scan-ms 0
	idle "$mode.idle0" "full-scan-ms 0 (every endpoint every pass)"
	stop_enactor
	start_enactor "$id"
	sleep 2

	if [ "$FLIPS" -gt 0 ]; then
		# The planner again: every generation it writes from now on
		# is applied while it runs its health rounds.
		g_before=$(newest)
		start_planner
		wait_log "$PL" "ready:" 180
		sleep 0.2
		g=$(newest)
		if [ "$g" -gt "$g_before" ]; then
			t0=$(q "SELECT created_at FROM plan WHERE generation = $g")
			wait_applied "$id" "$g" 600
			set -- $(applied "$id" "$g")
			echo "planner restarted: generation $g, applied in $(($2 - t0)) ms from its created_at (planner running)"
		fi
		for kind in isolated burst; do
			n=$FLIPS
			[ $kind = burst ] && n=$BURST
			[ "$n" -gt 0 ] || continue
			if [ $kind = isolated ]; then
				echo "convergence, $n isolated flips (before each: the previous flip's up applied everywhere, cleanup done):"
			else
				echo "convergence, $n flips in a row (each as soon as the previous one converged):"
			fi
			ca0=$(cpu_ms "$AUTHD_PID")
			ce0=$(cpu_ms "$ENACTOR_PID")
			cp0=$(cpu_ms "$PLANNER_PID")
			m0=$(metrics_snap)
			f0=$(now_ms)
			$PY "$T/dnsq.py" flips "$AUTHD_PORT" "$STORE" "$LBFARM" "$T" \
				"$n" "$ENDPOINTS" "$LBS" "$PER" "$PORT" "$SEED" "$EL" \
				$kind "$id" 3 | tee "$T/flips-$mode-$kind" ||
				echo "  (the flips stopped with an error)"
			f1=$(now_ms)
			echo "  $(metrics_diff "$m0" "$(metrics_snap)")"
			echo "  CPU over these flips ($(((f1 - f0) / 1000)) s wall): authd $(($(cpu_ms "$AUTHD_PID") - ca0)) ms, enactor $(($(cpu_ms "$ENACTOR_PID") - ce0)) ms, planner $(($(cpu_ms "$PLANNER_PID") - cp0)) ms"
			echo "  authd: RSS $(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$AUTHD_PID/status") MB, zone records $(metric zone_records | cut -d. -f1)"
			R[$mode.$kind]=$(grep -m1 'convergence ms' "$T/flips-$mode-$kind" | sed 's/.*: //' || true)
		done
		# The last load balancer is up again in the plan before the
		# planner stops (the next apply starts from a full plan).
		i=0
		until [ "$(q "SELECT addresses FROM plan ORDER BY generation DESC LIMIT 1")" = "$TOTAL" ]; do
			i=$((i + 1))
			[ $i -gt 1200 ] && break
			sleep 0.05
		done
		stop_planner
	fi
	echo "  memory (VmHWM): authd $(hwm_mb "$AUTHD_PID") MB, enactor $(hwm_mb "$ENACTOR_PID") MB"
	echo "  $($PY "$T/dnsq.py" leaks "$AUTHD_PORT" "$STORE" "$T/names" "$SEED" || echo "leak check failed")"
	stop_enactor
	echo "  enactor: $(grep 'stopped:' "$EL" | tail -1 | sed 's/.*stopped: //')"
	echo "  enactor log: $(grep -c ' -> ' "$EL") endpoint updates, $(grep -c 'cleanup: deleted' "$EL") plans deleted, $(log_errors "$EL") warnings/errors"
	stop_authd
	echo "  authd log: $(log_errors "$AL") warnings/errors; state $(du -sm "$T/state-$mode" | cut -f1) MB"
done

if [ "$PROFILE" = 1 ]; then
	echo
	echo "==== profile: generation $(newest) onto a fresh authd (--guard-enabled no), under strace -c -f (not timed) ===="
	start_authd no "$T/state-profile"
	strace -c -f -o "$T/strace-authd" -p "$AUTHD_PID" 2>/dev/null &
	S1=$!
	PIDS="$PIDS $S1"
	sleep 0.5
	G=$(newest)
	t0=$(now_ms)
	start_enactor profile
	strace -c -f -o "$T/strace-enactor" -p "$ENACTOR_PID" 2>/dev/null &
	S2=$!
	PIDS="$PIDS $S2"
	wait_applied profile "$G" 900
	echo "applied under strace in $(($(now_ms) - t0)) ms"
	kill -INT "$S2" "$S1"
	wait "$S2" "$S1" || true
	forget "$S1"
	forget "$S2"
	stop_enactor
	stop_authd
	for who in authd enactor; do
		echo "-- $who (all threads), top 10 by time:"
		sed -n '1,2p' "$T/strace-$who"
		sed -n '3,$p' "$T/strace-$who" | grep -v -e '----' -e total | sort -k2 -n -r | head -10
		grep total "$T/strace-$who"
	done
fi

echo
echo "Summary ($ENDPOINTS endpoints x $LBS addresses; targets: full apply < 3 s, convergence p99 < 1 s)"
printf '%-6s %11s %10s %10s\n' guard "full apply" "updates/s" "records/s"
for mode in $MODES; do
	printf '%-6s %8s ms %10s %10s\n' "$mode" "${R[$mode.apply]}" "${R[$mode.ups]}" "${R[$mode.rps]}"
done
echo "idle CPU per 10 s (no new plan):"
for mode in $MODES; do
	printf '  guard %-3s  full-scan-ms 30000: %s;  full-scan-ms 0: %s\n' "$mode" "${R[$mode.idle]}" "${R[$mode.idle0]}"
done
echo "convergence, ms from plan.created_at to authd no longer serving the address:"
for mode in $MODES; do
	for kind in isolated burst; do
		[ -n "${R[$mode.$kind]:-}" ] && printf '  guard %-3s %-8s  %s\n' "$mode" "$kind" "${R[$mode.$kind]}"
	done
done
echo "Errors in lbfarm and planner logs: $(log_errors "$T"/lbfarm*.log "$PL")"
