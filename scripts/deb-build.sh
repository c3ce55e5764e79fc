#!/bin/bash
# deb-build.sh - build the Debian packages from a copy of this tree, so
# that what dpkg-buildpackage writes (debian/dnsplane/, build-deb/, and
# the packages it puts in the parent directory) never lands in the tree
# or beside it.
#
# usage: scripts/deb-build.sh [--before COMMAND] OUTDIR
#
# Copies the files git knows here (tracked, and untracked ones it does
# not ignore; every file but build*/ outside a git checkout) into
# OUTDIR/src/dnsplane, runs COMMAND there when given (tests/deb makes an
# older version so), builds with `dpkg-buildpackage -us -uc -b`, and
# leaves the .deb, .buildinfo and .changes files in OUTDIR; OUTDIR/src
# goes.  The build's output goes to stdout.
set -eu

before=""
if [ "${1:-}" = --before ]; then
	before=$2
	shift 2
fi
[ $# -eq 1 ] || { echo "usage: deb-build.sh [--before CMD] OUTDIR" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
src=$out/src/dnsplane
rm -rf "$out/src"
mkdir -p "$src"

cd "$root"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# A tracked file deleted in the work tree is not copied.
	git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			[ -e "$f" ] && printf '%s\0' "$f"
		done | xargs -0 cp -p --parents -t "$src"
else
	tar -cf - --exclude='./build*' . | tar -C "$src" -xf -
fi

cd "$src"
[ -z "$before" ] || sh -c "$before"
dpkg-buildpackage -us -uc -b
mv "$out"/src/*.deb "$out"/src/*.buildinfo "$out"/src/*.changes "$out"/
rm -rf "$out/src"
