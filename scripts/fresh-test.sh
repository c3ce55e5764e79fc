#!/bin/bash
# fresh-test.sh - the README's quick start on a pristine Debian 12 root, as
# a newcomer meets it (root only; `make fresh-test`).
#
# usage: scripts/fresh-test.sh [--with DIR] [--policy-rc|--both] [COMMAND]
#
# Builds once (cached in /var/tmp/dnsplane-fresh-bookworm.tar) a
# `debootstrap --variant=minbase bookworm` root with git and
# ca-certificates, from the mirror this machine's apt uses; then, for each
# variant asked for (without /usr/sbin/policy-rc.d, with it as Debian
# container images have it, or both), unpacks a new copy, clones this
# repository's HEAD into /root/src and runs COMMAND there under chroot, in
# a private mount namespace with proc, sys, dev, /tmp and /run mounted.
# COMMAND defaults to the README's: install make, then `make demo` and
# `make check`, each on its first run.  --with DIR bind-mounts the host's
# DIR read-only at /root/with (the packages `make deb-check` installs).
# Exit status: 0 when every variant passed.
set -eu

with=""
if [ "${1:-}" = --with ]; then
	with=$(cd "$2" && pwd)
	shift 2
fi
variants="plain"
case "${1:-}" in
--policy-rc) variants="policy"; shift ;;
--both) variants="plain policy"; shift ;;
esac
cmd=${1:-"apt-get update && apt-get install -y make && make demo && make check"}

[ "$(id -u)" = 0 ] || { echo "fresh-test.sh: run as root" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/.." && pwd)
tar=/var/tmp/dnsplane-fresh-bookworm.tar

if [ ! -s "$tar" ]; then
	command -v debootstrap >/dev/null ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap
	mirror=$(sed -n 's/^URIs: *//p' \
		/etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
	b=$(mktemp -d /var/tmp/dnsplane-fresh.build.XXXXXX)
	echo "fresh-test.sh: debootstrap into $b (once)"
	if ! debootstrap --variant=minbase --include=git,ca-certificates \
		bookworm "$b" "${mirror:-http://deb.debian.org/debian}" \
		>"$b.log" 2>&1; then
		tail -5 "$b.log" >&2
		exit 2
	fi
	tar -C "$b" -cf "$tar.part" . && mv "$tar.part" "$tar"
	rm -rf "$b" "$b.log"
fi

root=""
trap '[ -n "$root" ] && rm -rf "$root"' EXIT
fails=0
for v in $variants; do
	root=$(mktemp -d /var/tmp/dnsplane-fresh.XXXXXX)
	tar -C "$root" -xf "$tar"
	cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
	if [ "$v" = policy ]; then
		printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
		chmod 755 "$root/usr/sbin/policy-rc.d"
	fi
	git clone -q "$repo" "$root/root/src"
	echo "== fresh-test ($v policy-rc.d): $cmd"
	st=0
	unshare --mount --propagation private -- /bin/bash -c '
		d=$1; shift
		mount -t proc proc "$d/proc" &&
		mount --rbind /sys "$d/sys" && mount --rbind /dev "$d/dev" &&
		mount -t tmpfs tmpfs "$d/tmp" && mount -t tmpfs tmpfs "$d/run" ||
			exit 90
		if [ -n "$2" ]; then
			mkdir -p "$d/root/with" &&
			mount --bind "$2" "$d/root/with" &&
			mount -o remount,bind,ro "$d/root/with" || exit 90
		fi
		exec chroot "$d" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			/bin/bash -c "cd /root/src && $1"' _ "$root" "$cmd" "$with" ||
		st=$?
	echo "== fresh-test ($v policy-rc.d): exit $st"
	[ "$st" -eq 0 ] || fails=$((fails + 1))
	rm -rf "$root"
	root=""
done
[ "$fails" -eq 0 ]
