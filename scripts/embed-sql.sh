#!/bin/sh
# embed-sql.sh - turn a .sql file of schema steps into a C array of
# strings, one string a step, for common/sqlstore.h.
# usage: scripts/embed-sql.sh SYMBOL FILE.sql > out.c
#
# A step runs from its line "-- step N: what" to the next such line;
# the steps must be numbered 1, 2, 3... in order.  What comes before
# step 1 (the file's opening comment) is left out.  The output defines
#   const char *const SYMBOL[] = { "step 1", "step 2", ..., NULL };
set -eu
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' "$2" | awk -v sym="$1" -v file="$2" '
BEGIN {
	printf "/* Generated from %s; do not edit. */\n", file
	printf "#include <stddef.h>\n\nconst char *const %s[] = {\n", sym
}
/^-- step [0-9]+:/ {
	k = $3 + 0
	if (k != n + 1) {
		printf "%s:%d: step %d, expected step %d\n", file, NR, k,
		    n + 1 > "/dev/stderr"
		bad = 1
		exit 1
	}
	if (n > 0)
		printf "\t\"\",\n"
	n = k
}
n > 0 { printf "\t\"%s\\n\"\n", $0 }
END {
	if (bad)
		exit 1
	if (n == 0) {
		printf "%s: no \"-- step 1:\" line\n", file > "/dev/stderr"
		exit 1
	}
	printf "\t\"\",\n\tNULL,\n};\n"
}'
