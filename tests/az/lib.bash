# lib.bash - the three-zone lab: three network namespaces (az1, az2, az3)
# on a bridge, addresses from 198.18.0.0/15 only, and in each zone an etcd
# member, an enactor, a real secondary (NSD, Knot DNS, BIND) following
# authd by NOTIFY and IXFR, and a dnsprobe asking that secondary.  authd
# (the primary), lbfarm and the planner run in az1.
#
# Sourced by scripts/az-lab.sh (make az-lab), tests/az/run.sh and
# tests/az/race.sh, after
# tests/e2e/lib.bash (check, wait_for, PIDS, its cleanup) and
# tests/e2e/planner_lib.bash.  The faults are scripts/az.sh, which finds
# the processes through the pid files under $AZ_DIR.
#   az_require           root and network namespaces, else says why:
#                        1 (not here: skip), 2 (a lab runs already: fail)
#   az_net_up            namespaces, bridge, veths, addresses
#   az_net_down          remove them (idempotent)
#   az_start MODE [ZONES] every daemon; MODE is safe or legacy; the
#                        enactors of ZONES only (default all three)
#   az_served ZONE       "GEN ADDR..." as the zone's secondary answers
#   az_race MODE         the 2025 race across zones, az3's enactor slow
#   az_test_begin        skip or fail a test early, else trap and network
#   az_exit              the exit trap: stop, remove, clean up
#   az_stop_probes, az_check_probe WHO ZONE   the probers' verdicts

PROBE=${PROBE:-$BUILD_DIR/dnsprobe}
PROBE_ST=()
AZ_BR=azbr0
AZ_ZONES="1 2 3"
AZ_NET=198.18.0
# The host's side of the bridge, to ask the lab from outside.
AZ_HOST=$AZ_NET.254
AZ_DIR=${AZ_DIR:-/run/dnsplane-az}
AZ_PRIMARY=$AZ_NET.1:5300
# shellcheck disable=SC2034 # used by the scripts that source this
AZ_SECONDARY_KIND=([1]=nsd [2]=knot [3]=bind)
AZ_LBPORT=8080

az_ip() { echo "$AZ_NET.$1"; }

# az_in ZONE CMD...: run CMD in zone ZONE's namespace.
az_in() {
	ns=az$1
	shift
	ip netns exec "$ns" "$@"
}

# az_require: the lab needs root and network namespaces; prints why not
# and returns 1 otherwise.
az_require() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "the three-zone lab needs root (network namespaces)"
		return 1
	fi
	if ! ip netns add dnsplane-az-probe 2>/dev/null; then
		echo "the three-zone lab needs network namespaces (ip netns add failed)"
		return 1
	fi
	# In a chroot whose / is not a mount point (a build root), a
	# namespace can be made but not entered.
	if ! why=$(ip netns exec dnsplane-az-probe true 2>&1); then
		ip netns del dnsplane-az-probe
		echo "the three-zone lab needs to run programs in network namespaces (ip netns exec failed: ${why:-no reason given})"
		return 1
	fi
	ip netns del dnsplane-az-probe
	for ns in az1 az2 az3; do
		if ip netns list | grep -qw "$ns"; then
			echo "namespace $ns exists already: another lab runs (scripts/az.sh down removes a stale one)"
			return 2
		fi
	done
}

az_net_up() {
	ip link add "$AZ_BR" type bridge
	ip addr add "$AZ_HOST/24" dev "$AZ_BR"
	ip link set "$AZ_BR" up
	for z in $AZ_ZONES; do
		ip netns add "az$z"
		ip link add "az${z}h" type veth peer name eth0 netns "az$z"
		ip link set "az${z}h" master "$AZ_BR" up
		az_in "$z" ip link set lo up
		az_in "$z" ip addr add "$(az_ip "$z")/24" dev eth0
		az_in "$z" ip link set eth0 up
	done
}

az_net_down() {
	for z in $AZ_ZONES; do
		ip netns del "az$z" 2>/dev/null || true
		ip link del "az${z}h" 2>/dev/null || true
	done
	ip link del "$AZ_BR" 2>/dev/null || true
}

# az_stop_all: SIGTERM to everything, SIGKILL to etcd (its graceful stop
# waits for peers that may be cut off; its data is scratch), then remove
# the namespaces and the bridge.  cleanup (tests/e2e/lib.bash) then waits.
az_stop_all() {
	for z in $AZ_ZONES; do
		if [ -f "$AZ_DIR/etcd$z.pid" ]; then
			kill -KILL "$(cat "$AZ_DIR/etcd$z.pid")" 2>/dev/null || true
		fi
	done
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	az_net_down
}

# az_bg NAME ZONE CMD...: CMD in the background in zone ZONE, its log
# $T/NAME.log, its pid in $AZ_DIR/NAME.pid and in PIDS.
az_bg() {
	name=$1
	z=$2
	shift 2
	# Its log and command line, for scripts/az.sh start NAME.
	{
		echo "$T/$name.log"
		printf '%q ' ip netns exec "az$z" "$@"
		echo
	} >"$AZ_DIR/$name.cmd"
	ip netns exec "az$z" "$@" >>"$T/$name.log" 2>&1 &
	echo $! >"$AZ_DIR/$name.pid"
	PIDS="$PIDS $!"
}

az_keys() {
	AZ_SECRET=$(head -c 32 /dev/urandom | base64)
	printf 'key "k" { algorithm hmac-sha256; secret "%s"; };\n' \
		"$AZ_SECRET" >"$T/k.key"
	for z in $AZ_ZONES; do new_key "$T/enactor-$z.key" "enactor-$z"; done
}

# az_etcd_healthy ZONE: does zone ZONE's etcd member answer and see a
# leader?
az_etcd_healthy() {
	az_in "$1" etcdctl --endpoints "$(az_ip "$1"):2379" \
		--command-timeout=1s endpoint health >/dev/null 2>&1
}

az_start_etcd() {
	initial=""
	for z in $AZ_ZONES; do
		initial="$initial${initial:+,}m$z=http://$(az_ip "$z"):2380"
	done
	for z in $AZ_ZONES; do
		az_bg "etcd$z" "$z" etcd --name "m$z" --data-dir "$T/etcd/m$z" \
			--listen-client-urls "http://$(az_ip "$z"):2379" \
			--advertise-client-urls "http://$(az_ip "$z"):2379" \
			--listen-peer-urls "http://$(az_ip "$z"):2380" \
			--initial-advertise-peer-urls "http://$(az_ip "$z"):2380" \
			--initial-cluster "$initial" \
			--initial-cluster-token "dnsplane-az-$$" \
			--initial-cluster-state new \
			--heartbeat-interval 50 --election-timeout 500 \
			--logger zap --log-outputs stderr
	done
	AZ_ETCD="$(az_ip 1):2379,$(az_ip 2):2379,$(az_ip 3):2379"
	for z in $AZ_ZONES; do
		wait_for 20 az_etcd_healthy "$z" || {
			echo "etcd member $z did not become healthy" >&2
			return 1
		}
	done
}

az_zone_file() {
	# Refresh 5 s, retry 2 s: a secondary cut off from the NOTIFYs asks
	# for the zone by itself soon after the cut heals.
	cat >"$T/api.zone" <<ZONE
\$ORIGIN api.test.
\$TTL 60
@	SOA	ns1 hostmaster 1 5 2 86400 5
	NS	ns1
ns1	A	192.0.2.53
dynamodb.us-east-1	A	192.0.2.250
ZONE
}

az_start_authd() {
	{
		echo "listen $AZ_PRIMARY"
		echo "zone api.test.=$T/api.zone"
		echo "state-dir $T/authd"
		echo "guard $E"
		echo "guard-enabled $([ "$1" = safe ] && echo yes || echo no)"
		echo "key $T/k.key"
		for z in $AZ_ZONES; do echo "key $T/enactor-$z.key"; done
		echo "allow-transfer \"$AZ_NET.0/24 k\""
		for z in $AZ_ZONES; do echo "notify \"$(az_ip "$z"):53 k\""; done
	} >"$T/authd.conf"
	az_bg authd 1 "$AUTHD" -c "$T/authd.conf"
	wait_for 10 has "ready:" "$T/authd.log" || {
		cat "$T/authd.log" >&2
		return 1
	}
}

az_start_nsd() { # az_start_nsd ZONE
	d=$T/nsd$1
	nsd_secondary_conf "$d" "$(az_ip "$1")@53" \
		"${AZ_PRIMARY%:*}@${AZ_PRIMARY#*:}" "$AZ_NET.1" api.test. \
		"$AZ_SECRET"
	az_bg "secondary$1" "$1" nsd -d -c "$d/nsd.conf"
}

az_start_knot() { # az_start_knot ZONE
	d=$T/knot$1
	mkdir -p "$d"
	cat >"$d/knot.conf" <<KNOTCONF
server:
    rundir: "$d"
    listen: $(az_ip "$1")@53
key:
  - id: k
    algorithm: hmac-sha256
    secret: $AZ_SECRET
log:
  - target: stderr
    any: info
remote:
  - id: primary
    address: ${AZ_PRIMARY%:*}@${AZ_PRIMARY#*:}
    key: k
acl:
  - id: notify
    address: $AZ_NET.1
    key: k
    action: notify
database:
    storage: "$d/db"
template:
  - id: default
    storage: "$d"
    zonefile-sync: -1
    zonefile-load: none
    journal-content: none
    refresh-min-interval: 2
    retry-min-interval: 1
zone:
  - domain: api.test.
    master: primary
    acl: notify
KNOTCONF
	az_bg "secondary$1" "$1" knotd -c "$d/knot.conf"
}

az_start_bind() { # az_start_bind ZONE
	d=$T/bind$1
	mkdir -p "$d"
	cat >"$d/named.conf" <<BINDCONF
options {
	directory "$d";
	pid-file "$d/named.pid";
	session-keyfile "$d/session.key";
	managed-keys-directory "$d";
	listen-on port 53 { $(az_ip "$1"); };
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
	min-refresh-time 2;
	min-retry-time 1;
};
controls { };
key "k" { algorithm hmac-sha256; secret "$AZ_SECRET"; };
zone "api.test" {
	type secondary;
	primaries { ${AZ_PRIMARY%:*} port ${AZ_PRIMARY#*:} key k; };
	file "api.test.bak";
	allow-notify { $AZ_NET.1; };
};
BINDCONF
	az_bg "secondary$1" "$1" named -g -c "$d/named.conf"
}

# az_serial ZONE: the serial zone ZONE's secondary serves, empty if none.
az_serial() {
	az_in "$1" dig @"$(az_ip "$1")" +short +norec +time=1 +tries=1 \
		api.test SOA 2>/dev/null | awk 'NF == 7 {print $3}'
}

# az_served ZONE: "GEN ADDR ADDR..." as zone ZONE's secondary answers.
az_served() {
	g=$(az_in "$1" dig @"$(az_ip "$1")" +short +norec +time=1 +tries=1 \
		"_gen.$E" TXT 2>/dev/null | tr -d '"' | grep -E '^[0-9]+$' || true)
	a=$(az_in "$1" dig @"$(az_ip "$1")" +short +norec +time=1 +tries=1 \
		"$E" A 2>/dev/null | grep '^[0-9]' | sort | tr '\n' ' ')
	echo "${g:-none} ${a% }"
}

az_start_planner() {
	cat >"$T/planner.conf" <<CONF
region us-east-1
store $AZ_STORE
check-interval-ms 100
check-timeout-ms 80
healthy-threshold 1
unhealthy-threshold 1
plan-interval-ms ${AZ_PLAN_MS:-1000}
endpoint $E
CONF
	for i in 1 2 3 4; do
		echo "lb $E 10.0.0.$i http://127.0.1.$i:$AZ_LBPORT/health 10" \
			>>"$T/planner.conf"
	done
	az_bg lbfarm 1 "$LBFARM" --control "$AZ_DIR/lb.sock" \
		--listen "127.0.1.1-127.0.1.4:$AZ_LBPORT"
	wait_for 5 has "ready:" "$T/lbfarm.log"
	az_bg planner 1 "$PLANNER" -c "$T/planner.conf"
	wait_for 10 has "ready:" "$T/planner.log"
}

# az_start_enactor ZONE MODE ARGS...: zone ZONE's enactor, its wall clock
# under libfaketime (scripts/az.sh clock steps it; monotonic time is left
# alone, as an NTP step leaves it).
az_start_enactor() {
	z=$1
	mode=$2
	shift 2
	[ -f "$AZ_DIR/clock$z" ] || echo "+0" >"$AZ_DIR/clock$z"
	az_bg "enactor$z" "$z" env LD_PRELOAD="$AZ_FAKELIB" \
		FAKETIME_TIMESTAMP_FILE="$AZ_DIR/clock$z" \
		FAKETIME_CACHE_DURATION=1 FAKETIME_DONT_FAKE_MONOTONIC=1 \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		"$ENACTOR" --id "$z" --mode "$mode" --store "$AZ_STORE" \
		--server "$AZ_PRIMARY" --zone api.test. \
		--key "$T/enactor-$z.key" --keep 2 --interval-ms 200 \
		--heartbeat-ms 200 "$@"
}

# az_start_probe ZONE: a dnsprobe in zone ZONE asking its secondary.
az_start_probe() {
	az_bg "probe$1" "$1" "$PROBE" --server "$(az_ip "$1"):53" --name "$E" \
		--rate 20 --interval-ms 500 --summary "$T/probe$1.json" \
		--csv "$T/probe$1.csv" --label "az$1"
}

az_start() { # az_start MODE [ENACTOR_ZONES]
	mode=$1
	enactors=${2-$AZ_ZONES}
	mkdir -p "$AZ_DIR"
	rm -f "$AZ_DIR"/*.pid "$AZ_DIR"/*.cmd "$AZ_DIR"/clock*
	echo "$T" >"$AZ_DIR/dir"
	AZ_FAKELIB=$(dpkg -L libfaketime 2>/dev/null |
		grep -m1 'libfaketime\.so\.1$')
	az_keys
	az_zone_file
	az_start_etcd
	AZ_STORE="etcd://$AZ_ETCD"
	echo "$AZ_STORE" >"$AZ_DIR/store"
	az_start_authd "$mode"
	az_start_planner
	az_start_nsd 1
	az_start_knot 2
	az_start_bind 3
	for z in $AZ_ZONES; do
		wait_for 20 az_has_serial "$z" || {
			echo "the secondary of az$z did not load the zone" >&2
			return 1
		}
	done
	for z in $enactors; do az_start_enactor "$z" "$mode"; done
	for z in $enactors; do
		wait_for 20 az_has_plan "$z" || {
			echo "the secondary of az$z does not serve a plan" >&2
			return 1
		}
	done
	for z in $AZ_ZONES; do az_start_probe "$z"; done
}

# az_exit: the EXIT trap of the lab and its test: stop everything, remove
# the namespaces, the bridge and $AZ_DIR, then cleanup (tests/e2e/lib.bash)
# waits for the processes and removes the scratch directory.
az_exit() {
	st=$?
	# Everything below must run, whatever fails (set -e is on).
	set +e
	az_stop_all
	rm -rf "$AZ_DIR"
	(exit "$st")
	cleanup
}

# az_race MODE: the 2025 race across zones, with the enactors' pause
# points (as tests/e2e/race.sh): enactor 3 picks the newest plan G1 and
# pauses after its freshness check; az3 is cut off, so once resumed its
# update of authd cannot get through; the planner writes on; enactor 1
# applies the newest plan and pauses before its cleanup; the cut heals and
# enactor 3, the slow zone's, writes G1 (legacy) or is refused (safe) and
# pauses before its cleanup; enactor 1's cleanup deletes G1.  Prints what
# every zone's secondary answers at each step; sets RACE_G1, RACE_G2.
az_race() {
	mode=$1
	say() { echo "== $*"; }
	show() {
		for z in $AZ_ZONES; do
			printf '   az%s %-4s gen %s\n' "$z" "${AZ_SECONDARY_KIND[$z]}" \
				"$(az_served "$z")"
		done
	}
	az_start_enactor 3 "$mode" --pause-at after-freshness-check \
		--pause-at before-cleanup
	e3=$(cat "$AZ_DIR/enactor3.pid")
	wait_for 20 stopped "$e3"
	# The legacy enactor names the plan it picked; the safe one reads
	# per endpoint, so the newest plan of the store stands for it.
	RACE_G1=$(grep -o 'applying plan [0-9]*' "$T/enactor3.log" |
		tail -n 1 | cut -d' ' -f3)
	if [ -z "$RACE_G1" ]; then
		RACE_G1=$(az_in 1 "$BUILD_DIR/dnsplanectl" --store "$AZ_STORE" \
			--server "$AZ_PRIMARY" --json plans |
			python3 -c 'import json, sys; print(json.load(sys.stdin)["newest_plan"])')
	fi
	say "enactor 3 (az3) picked plan $RACE_G1 and paused after its freshness check"
	az_cut_authd 3
	kill -CONT "$e3"
	say "az3 cut off from authd (its etcd member still in the cluster); enactor 3 resumed: its update cannot get through"
	sleep 4
	az_start_enactor 1 "$mode" --pause-at before-cleanup
	e1=$(cat "$AZ_DIR/enactor1.pid")
	wait_for 20 stopped "$e1"
	sleep 1
	RACE_G2=$(az_served 1 | cut -d' ' -f1)
	say "enactor 1 (az1) put the endpoint on plan $RACE_G2 and paused before its cleanup"
	show
	az_heal_authd 3
	say "the cut heals: enactor 3 goes on with plan $RACE_G1 (legacy writes it over the newer plan; safe: nothing may go back)"
	wait_for 30 stopped "$e3" || true
	sleep 2
	show
	kill -CONT "$e1"
	say "enactor 1's cleanup runs (keep 2: plan $RACE_G1 is old enough to go)"
	sleep 3
	show
	kill -CONT "$e3" 2>/dev/null || true
}

# az_test_begin: the start of a test of the lab: skip (exit 0) with the
# reason when the machine has no room for it, else the exit trap and the
# network.
az_test_begin() {
	st=0
	why=$(az_require) || st=$?
	if [ "$st" -eq 2 ]; then
		echo "FAIL - $(basename "$0"): $why"
		trap - EXIT
		rm -rf "$T"
		exit 1
	elif [ "$st" -ne 0 ]; then
		echo "SKIP - $(basename "$0"): $why"
		trap - EXIT
		rm -rf "$T"
		exit 0
	fi
	trap az_exit EXIT
	trap 'exit 1' INT TERM
	az_net_up
}

# az_stop_probes: SIGTERM to every zone's prober; PROBE_ST[1..3] their exit
# status (1: an invariant broken), $T/probeN.json their summaries.
az_stop_probes() {
	for z in $AZ_ZONES; do
		p=$(cat "$AZ_DIR/probe$z.pid")
		kill -TERM "$p"
		st=0
		wait "$p" || st=$?
		PIDS=${PIDS/ $p/}
		PROBE_ST[z]=$st
	done
}

# az_check_probe WHO ZONE: check that zone ZONE's prober saw no empty
# answer, no NXDOMAIN and no generation going back.
az_check_probe() {
	n=$(az_probe_num probes "$2")
	check "$1: az$2's prober: invariants held (exit 0) over ${n:-?} probes" \
		[ "${PROBE_ST[$2]}" -eq 0 ]
	for k in empty nxdomain generation_back generation_back_txt; do
		check "$1: az$2's prober: $k 0" [ "$(az_probe_num "$k" "$2")" = 0 ]
	done
}

# az_probe_num KEY ZONE: the number KEY of zone ZONE's prober summary.
az_probe_num() {
	grep -o "\"$1\":[0-9]*" "$T/probe$2.json" | head -1 | cut -d: -f2
}

# az_cut_authd ZONE / az_heal_authd ZONE: cut zone ZONE off from authd
# alone, both ways (an nftables table in the zone's namespace dropping
# what goes to or comes from authd's address and port); its etcd member
# stays in the cluster, so its enactor still reads plans.  The slow zone
# of the race across zones.
az_cut_authd() {
	a=${AZ_PRIMARY%:*}
	p=${AZ_PRIMARY##*:}
	az_in "$1" nft -f - <<NFT
table inet dnsplane_cut {
	chain out {
		type filter hook output priority 0;
		ip daddr $a tcp dport $p drop
		ip daddr $a udp dport $p drop
	}
	chain in {
		type filter hook input priority 0;
		ip saddr $a tcp sport $p drop
		ip saddr $a udp sport $p drop
	}
}
NFT
}
az_heal_authd() { az_in "$1" nft delete table inet dnsplane_cut 2>/dev/null || true; }

az_has_serial() { [ -n "$(az_serial "$1")" ]; }
az_has_plan() { [ "$(az_served "$1" | cut -d' ' -f1)" != none ]; }

# az_where: where everything runs and how to break it.
az_where() {
	cat <<WHERE
three zones on bridge $AZ_BR ($AZ_HOST on the host), scratch $T
  zone  address        etcd                 secondary               enactor  prober
  az1   $(az_ip 1)    $(az_ip 1):2379    NSD  $(az_ip 1):53     1        -> NSD
  az2   $(az_ip 2)    $(az_ip 2):2379    Knot $(az_ip 2):53     2        -> Knot
  az3   $(az_ip 3)    $(az_ip 3):2379    BIND $(az_ip 3):53     3        -> BIND
  az1 also runs authd, the primary, on $AZ_PRIMARY, lbfarm (127.0.1.1-4:$AZ_LBPORT
  inside az1) and the planner.
WHERE
	echo "  plan store: etcd, $AZ_STORE (one member in each zone)"
	cat <<BREAK
ask a zone:   ip netns exec az2 dig @$(az_ip 2) $E A
break it:     scripts/az.sh cut|heal ZONE        (link down/up in the zone)
              scripts/az.sh cut-authd ZONE       (nftables: authd alone unreachable)
              scripts/az.sh kill-leader          (SIGKILL the etcd leader)
              scripts/az.sh stop-enactor|cont-enactor ZONE  (SIGSTOP/SIGCONT)
              scripts/az.sh stop-secondary|cont-secondary ZONE
              scripts/az.sh kill NAME | start NAME  (etcdN, enactorN,
                            secondaryN, planner, authd: SIGKILL, start again)
              scripts/az.sh clock ZONE +600s     (step the enactor's clock)
              scripts/az.sh lb down|up N         (load balancer 10.0.0.N)
              scripts/az.sh status
BREAK
}
