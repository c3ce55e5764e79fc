#!/bin/sh
# deps.sh - install the Debian packages dnsplane needs, when they are missing.
#
# usage: scripts/deps.sh GROUP...   (groups: build test bench format deb systemd
#                                     demo fuzz valgrind model man az)
#
# As root, missing packages are installed with apt-get; otherwise the exact
# apt-get command is printed and the script fails, so nothing half-works.
set -eu

pkgs=""
for group in "$@"; do
	case "$group" in
	build) pkgs="$pkgs gcc make pkg-config libldns-dev libevent-dev \
libsqlite3-dev check libsystemd-dev libssl-dev libuv1-dev \
libcurl4-openssl-dev libjansson-dev" ;;
	test) pkgs="$pkgs bind9-dnsutils knot-dnsutils nsd sqlite3 socat curl \
procps iproute2 gnuplot-nox unbound spin python3-dnspython knot faketime \
man-db groff-base prometheus etcd-server etcd-client" ;;
	bench) pkgs="$pkgs nsd knot dnsperf procps" ;;
	format) pkgs="$pkgs clang-format" ;;
	# make az-lab: three secondaries (NSD, Knot, BIND), etcd, libfaketime.
	az) pkgs="$pkgs iproute2 nsd knot bind9 bind9-dnsutils etcd-server \
etcd-client faketime nftables" ;;
	# make demo: the prober's picture, a real resolver in front of authd.
	demo) pkgs="$pkgs gnuplot-nox unbound" ;;
	# make fuzz and make fuzz-cov: libFuzzer, llvm-cov.
	fuzz) pkgs="$pkgs clang libclang-rt-14-dev llvm" ;;
	# make valgrind: authd's end-to-end test under memcheck.
	valgrind) pkgs="$pkgs valgrind" ;;
	# make model: the SPIN model checker (its verifiers compile with gcc).
	model) pkgs="$pkgs spin gcc" ;;
	# make man-check: man renders the pages (man -l), with its warnings.
	man) pkgs="$pkgs man-db groff-base" ;;
	# make deb: the Debian tools and lintian.
	deb) pkgs="$pkgs build-essential dpkg-dev debhelper fakeroot lintian" ;;
	# tests/systemd: a real systemd booted with systemd-nspawn.
	systemd) pkgs="$pkgs systemd systemd-container util-linux" ;;
	*) echo "deps.sh: unknown group '$group'" >&2; exit 2 ;;
	esac
done

missing=""
for p in $pkgs; do
	case " $missing " in *" $p "*) continue ;; esac
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "deps.sh: missing Debian packages:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: run as root:  apt-get install -y$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Package scripts must not start daemons (NSD, Knot) on this machine.
policy=${DEPS_POLICY_RC:-/usr/sbin/policy-rc.d}
created_policy=no
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy"
	chmod 755 "$policy"
	created_policy=yes
fi
# The exit trap keeps the script's own status: a shell exits with the
# status of the last command its EXIT trap ran, so the trap must end in a
# command that cannot fail and then exit with the status saved first.
cleanup() {
	if [ "$created_policy" = yes ]; then
		rm -f "$policy"
	fi
}
trap 'st=$?; cleanup; exit $st' EXIT
if ! apt-get install -y --no-install-recommends $missing; then
	apt-get update
	apt-get install -y --no-install-recommends $missing
fi
