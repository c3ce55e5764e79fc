#!/bin/bash
# lifecycle.sh - the Debian package's life on a pristine Debian 12 root
# (root; `make deb-check`, after `make deb`).
#
# usage: lifecycle.sh [--build DIR]
#        lifecycle.sh --inside DIR OLD NEW   (what runs inside the root)
#
# On this machine it takes the package `make deb` left in DIR/deb
# (default build/deb), builds the same tree as an older version
# (VERSION~prev1, whose planner.conf differs, so that the upgrade has a
# conffile to replace), and runs itself with both packages in a fresh
# debootstrap root (scripts/fresh-test.sh --with).  There it installs
# the older package, changes authd.conf as an operator would, upgrades,
# removes and purges, and prints ok or FAIL for each check.  Nothing is
# installed on this machine but the build tools.
set -eu

FAILS=0
CHECKS=0
# check DESCRIPTION COMMAND...: ok when COMMAND succeeds; otherwise
# FAIL and the end of what it printed.
check() {
	desc=$1
	shift
	CHECKS=$((CHECKS + 1))
	if "$@" >"$LOGS/check.out" 2>&1; then
		echo "ok   - $desc"
	else
		echo "FAIL - $desc"
		tail -20 "$LOGS/check.out" | sed 's/^/       /'
		FAILS=$((FAILS + 1))
	fi
}
# apt_log NAME ARGS...: apt-get ARGS, its output kept in $LOGS/NAME.log
# and printed when it fails.
apt_log() {
	name=$1
	shift
	apt-get "$@" </dev/null >"$LOGS/$name.log" 2>&1 ||
		{ cat "$LOGS/$name.log"; return 1; }
}
installed() {
	[ "$(dpkg-query -W -f '${Status} ${Version}' dnsplane 2>/dev/null)" = \
		"install ok installed $1" ]
}
absent() { [ ! -e "$1" ]; }
# The programs start and answer -V.
programs_run() {
	for p in dnsplane-authd dnsplane-planner dnsplane-enactor \
		dnsplanectl dnsprobe; do
		"$p" -V || return 1
	done
}

inside() {
	dir=$1 old=$2 new=$3
	arch=$(dpkg --print-architecture)
	LOGS=$(mktemp -d)
	export DEBIAN_FRONTEND=noninteractive
	U=/lib/systemd/system
	E=/etc/dnsplane

	apt_log update update -q
	# man-db for the pages; a minbase root has no man.
	apt_log man install -y --no-install-recommends man-db
	check "install $old" apt_log install install -y \
		"$dir/dnsplane_${old}_$arch.deb"
	check "dpkg: $old installed" installed "$old"
	check "the system user dnsplane exists" \
		sh -c 'u=$(id -u dnsplane) && [ "$u" -lt 1000 ]'
	check "the settings and the zone are conffiles" sh -c "
		for f in authd.conf planner.conf enactor.conf api.test.zone; do
		grep -qx $E/\$f /var/lib/dpkg/info/dnsplane.conffiles || exit 1
		done"
	check "the examples are in the doc dir, not in $E" sh -c "
		[ -f /usr/share/doc/dnsplane/examples/authd.conf.example ] &&
		! ls $E/*.example"
	check "the units are in $U" test -f $U/dnsplane-authd.service \
		-a -f $U/dnsplane-enactor@.service -a -f $U/dnsplane.target
	check "dnsplane.target and authd are not enabled" sh -c "
		[ \"\$(systemctl is-enabled dnsplane.target)\" = disabled ] &&
		[ \"\$(systemctl is-enabled dnsplane-authd.service)\" = disabled ]"
	# dh_installsystemd's start is `deb-systemd-invoke $_dh_action`; ours
	# is try-restart, which starts nothing that is stopped.
	check "postinst starts no service (only try-restart)" sh -c '
		! grep deb-systemd-invoke /var/lib/dpkg/info/dnsplane.postinst |
			grep -v "try-restart"'
	check "the programs run" programs_run
	check "dnsplane-keygen writes the keys the settings name" \
		sh -c "dnsplane-keygen && ls $E/keys/*.key"
	check "the keys are the group dnsplane's, mode 0640" sh -c "
		[ \"\$(stat -c '%a %G' $E/keys)\" = '750 dnsplane' ] &&
		[ \"\$(stat -c '%a %G' $E/keys/enactor-1.key)\" = '640 dnsplane' ]"
	check "dnsplane-authd -n: the packaged settings and zone are sound" \
		dnsplane-authd -c $E/authd.conf -n
	check "man finds and renders the pages" sh -c "
		man -w dnsplane-authd dnsplane-planner.conf dnsprobe &&
		man -P cat dnsplane-authd.conf | grep -q listen"

	# The operator changes authd.conf and leaves planner.conf, which the
	# new package changes; what a daemon would leave in its state dir.
	echo "# the operator's change" >>$E/authd.conf
	mkdir -p /var/lib/dnsplane/authd
	echo state >/var/lib/dnsplane/authd/zones.db
	# No --force-conf* option: a conffile prompt reads the empty stdin
	# and fails the upgrade.
	check "upgrade to $new, no question asked" apt_log upgrade install -y \
		"$dir/dnsplane_${new}_$arch.deb"
	check "dpkg: $new installed" installed "$new"
	check "the operator's change to authd.conf survived" \
		grep -qx "# the operator's change" $E/authd.conf
	check "the unchanged planner.conf was replaced by the new one" \
		sh -c "! grep -q '$old' $E/planner.conf"
	check "no .dpkg-dist, .dpkg-new nor .dpkg-old left in $E" \
		sh -c "! ls $E/*.dpkg-*"
	check "the keys' directory kept its group and mode" \
		sh -c "[ \"\$(stat -c '%a %G' $E/keys)\" = '750 dnsplane' ]"
	check "the programs run after the upgrade" programs_run

	check "remove" apt_log remove remove -y dnsplane
	check "remove: the programs and units are gone" sh -c "
		[ ! -e /usr/sbin/dnsplane-authd ] && [ ! -e /usr/bin/dnsprobe ] &&
		[ ! -e $U/dnsplane-authd.service ]"
	check "remove: the settings, keys and state stay" test \
		-f $E/authd.conf -a -f $E/keys/enactor-1.key \
		-a -f /var/lib/dnsplane/authd/zones.db
	check "remove: dpkg keeps the config files" sh -c \
		"dpkg-query -W -f '\${Status}' dnsplane | grep -q config-files"

	check "purge" apt_log purge purge -y dnsplane
	check "purge: $E (settings, keys) is gone" absent $E
	check "purge: /var/lib/dnsplane (state) is gone" absent /var/lib/dnsplane
	check "purge: dpkg knows the package no more" \
		sh -c '! dpkg-query -W -f "\${Status}" dnsplane 2>/dev/null |
			grep -q installed'
	check "purge: the user stays (Debian policy: a uid is not reused)" \
		getent passwd dnsplane
	echo "lifecycle.sh: $CHECKS checks, $FAILS failures"
	[ "$FAILS" -eq 0 ]
}

if [ "${1:-}" = --inside ]; then
	inside "$2" "$3" "$4"
	exit
fi

BUILD=build
[ "${1:-}" = --build ] && BUILD=$2
[ "$(id -u)" = 0 ] || { echo "lifecycle.sh: run as root" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
new_deb=$(ls "$BUILD"/deb/dnsplane_*.deb 2>/dev/null | head -1)
[ -n "$new_deb" ] || { echo "lifecycle.sh: no package in $BUILD/deb: make deb" >&2; exit 2; }
new=$(dpkg-deb -f "$new_deb" Version)
old=$new~prev1
W=$(mktemp -d /tmp/dnsplane-deb.XXXXXX)
trap 'rm -rf "$W"' EXIT

# The same tree as an older version whose planner.conf differs.
echo "lifecycle.sh: building $old"
scripts/deb-build.sh --before "sed -i '1s/($new)/($old)/' debian/changelog &&
	echo '# as packaged in $old' >>contrib/systemd/planner.conf" \
	"$W/old" >"$W/old.log" 2>&1 || { tail -20 "$W/old.log"; exit 1; }
mkdir "$W/with"
cp "$new_deb" "$W"/old/dnsplane_"${old}"_*.deb tests/deb/lifecycle.sh "$W/with/"
echo "lifecycle.sh: $old, then $new, in a pristine Debian 12 root"
scripts/fresh-test.sh --with "$W/with" \
	"bash /root/with/lifecycle.sh --inside /root/with '$old' '$new'"
