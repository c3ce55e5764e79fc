#!/bin/bash
# lifecycle.sh - the Debian package's life on this machine (root; run it
# in a pristine Debian 12 root: ../shared/recipes/fresh-debian.sh, or a
# container): build the package twice (the tree's version and the same
# tree as an older version), install the older one, change a conffile
# as an operator would, upgrade, then remove and purge, checking each
# step.  usage: lifecycle.sh [--build DIR]
set -eu
BUILD=build
[ "${1:-}" = --build ] && BUILD=$2
[ "$(id -u)" = 0 ] || { echo "lifecycle.sh: run as root" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
FAILS=0
CHECKS=0
check() {
	desc=$1
	shift
	CHECKS=$((CHECKS + 1))
	if "$@" >/dev/null 2>&1; then
		echo "ok   - $desc"
	else
		echo "FAIL - $desc"
		FAILS=$((FAILS + 1))
	fi
}
export DEBIAN_FRONTEND=noninteractive
version=$(dpkg-parsechangelog -S Version)
old=$version~prev1
W=$(mktemp -d /tmp/dnsplane-deb.XXXXXX)
trap 'rm -rf "$W"' EXIT

# The tree's version, then the same tree as an older version.
make -s deb BUILD="$BUILD" >"$W/new.log" 2>&1 || { tail -20 "$W/new.log"; exit 1; }
new_deb=$BUILD/deb/dnsplane_${version}_$(dpkg --print-architecture).deb
mkdir "$W/old"
git ls-files -z | xargs -0 cp --parents -t "$W/old"
(
	cd "$W/old"
	sed -i "1s/($version)/($old)/" debian/changelog
	dpkg-buildpackage -us -uc -b >"$W/old.log" 2>&1
) || { tail -20 "$W/old.log"; exit 1; }
old_deb=$(ls "$W"/dnsplane_"${old}"_*.deb | grep -v dbgsym)
check "built $version and $old" [ -s "$new_deb" -a -s "$old_deb" ]

installed() { [ "$(dpkg-query -W -f '${Status} ${Version}' dnsplane 2>/dev/null)" = "install ok installed $1" ]; }
apt-get install -y "$old_deb" >"$W/i1.log" 2>&1 || tail -20 "$W/i1.log"
check "install $old" installed "$old"
check "the user dnsplane exists" getent passwd dnsplane
check "dnsplane-keygen writes the keys the settings name" dnsplane-keygen
check "dnsplane-authd -n: the installed settings, zone and keys are sound" \
	dnsplane-authd -c /etc/dnsplane/authd.conf -n
check "dnsplanectl runs" dnsplanectl --help
U=/lib/systemd/system
check "the units are installed" [ -f $U/dnsplane-authd.service \
	-a -f $U/dnsplane-enactor@.service -a -f $U/dnsplane.target ]
check "and not enabled" [ ! -e /etc/systemd/system/dnsplane.target.wants \
	-a ! -e /etc/systemd/system/multi-user.target.wants/dnsplane.target ]
check "the man pages are installed" man -w dnsplane-authd dnsplane-planner.conf
check "the settings are conffiles" grep -qx /etc/dnsplane/authd.conf /var/lib/dpkg/info/dnsplane.conffiles

# The operator changes a setting; the upgrade keeps it, without a prompt.
echo "# the operator's change" >>/etc/dnsplane/authd.conf
apt-get install -y "$ROOT/$new_deb" </dev/null >"$W/i2.log" 2>&1 || tail -20 "$W/i2.log"
check "upgrade to $version" installed "$version"
check "the operator's change survived the upgrade" grep -qx "# the operator's change" /etc/dnsplane/authd.conf
check "no conffile prompt was needed" sh -c "! grep -q 'Configuration file' $W/i2.log"

apt-get remove -y dnsplane >"$W/r.log" 2>&1 || tail -20 "$W/r.log"
check "remove: the programs are gone" [ ! -e /usr/sbin/dnsplane-authd ]
check "remove: the settings stay" [ -f /etc/dnsplane/authd.conf ]
check "remove: dpkg keeps its config files" \
	sh -c "dpkg-query -W -f '\${Status}' dnsplane | grep -q config-files"
apt-get purge -y dnsplane >"$W/p.log" 2>&1 || tail -20 "$W/p.log"
check "purge: the settings and the generated keys are gone" [ ! -e /etc/dnsplane ]
check "purge: dpkg knows the package no more" \
	sh -c "! dpkg-query -W dnsplane 2>/dev/null | grep -q ."
check "purge: the user stays (Debian policy: a uid is not reused)" getent passwd dnsplane
echo "lifecycle.sh: $CHECKS checks, $FAILS failures"
[ "$FAILS" -eq 0 ]
