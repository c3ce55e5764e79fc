#!/bin/bash
# check.sh - the man pages: each renders with man -l without a warning
# (groff's and man's), and every option of the program's settings table
# (as its -h lists them) appears in it, with the leading "--" in a
# program's page and without in a settings file's page (section 5).
#
# usage: tests/man/check.sh BUILD PAGE:PROGRAM...
set -u
BUILD=$1
shift
FAILS=0
CHECKS=0
check() {
	CHECKS=$((CHECKS + 1))
	if "${@:2}"; then
		echo "ok   - $1"
	else
		echo "FAIL - $1"
		FAILS=$((FAILS + 1))
	fi
}
for m in "$@"; do
	page=${m%%:*}
	prog=$BUILD/${m##*:}
	f=$BUILD/man/$page
	warn=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null)
	check "$page: man -l renders it without a warning" [ -z "$warn" ]
	[ -z "$warn" ] || echo "$warn" | head -5
	text=$(MANWIDTH=200 man -l "$f" 2>/dev/null | col -b)
	check "$page: has a NAME and a SYNOPSIS or DESCRIPTION" \
		grep -q "^NAME" <<<"$text"
	# A settings file has the table's options (-h lists them after
	# "options (in a file ..."); a program's page its flags too.
	case $page in
	*.5) opts=$("$prog" -h | sed -n '/^options (in a file/,$p') ;;
	*) opts=$("$prog" -h) ;;
	esac
	opts=$(grep -oE '^  --[a-z0-9-]+' <<<"$opts" | sed 's/^  //')
	check "$page: $prog -h lists options" [ -n "$opts" ]
	missing=""
	for o in $opts; do
		case $page in
		*.5) want="^ *${o#--} " ;;
		*) want="^ *$o " ;;
		esac
		grep -qE -- "$want" <<<"$text" || missing="$missing $o"
	done
	check "$page: every option of the table is in it${missing:+ (missing:$missing)}" \
		[ -z "$missing" ]
done
echo "man pages: $CHECKS checks, $FAILS failures"
[ "$FAILS" -eq 0 ]
