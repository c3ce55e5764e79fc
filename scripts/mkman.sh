#!/bin/sh
# mkman.sh - make a man page from man/PAGE.in: @OPTIONS@ and @SETTINGS@
# become the option lists the program prints from its own settings table
# (PROGRAM --man-options, --man-settings), so a page cannot drift from
# what the program accepts; @VERSION@ and @DATE@ its version and the
# date of the page's source (the last commit that changed it, or
# SOURCE_DATE_EPOCH where there is no git).
#
# usage: mkman.sh PAGE.in PROGRAM OUT
set -eu
src=$1 prog=$2 out=$3
version=$("$prog" -V | awk '{print $NF}')
date=$(git log -1 --format=%cs -- "$src" 2>/dev/null || true)
# Outside git (a package build): the date of the changelog's entry.
if [ -z "$date" ] && [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
	date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)
fi
[ -n "$date" ] || date=$(date -u -r "$src" +%Y-%m-%d)
tmp=$out.tmp
"$prog" --man-options >"$tmp.options"
"$prog" --man-settings >"$tmp.settings"
sed -e "s/@VERSION@/$version/g" -e "s/@DATE@/$date/g" \
	-e "/^@OPTIONS@\$/{r $tmp.options" -e 'd}' \
	-e "/^@SETTINGS@\$/{r $tmp.settings" -e 'd}' "$src" >"$tmp"
rm -f "$tmp.options" "$tmp.settings"
mv "$tmp" "$out"
