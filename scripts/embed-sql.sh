#!/bin/sh
# embed-sql.sh - turn a .sql file into a C string constant.
# usage: scripts/embed-sql.sh SYMBOL FILE.sql > out.c
set -eu
printf '/* Generated from %s; do not edit. */\n' "$2"
printf 'const char %s[] =\n' "$1"
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$/\\n"/' "$2"
printf '\t"";\n'
