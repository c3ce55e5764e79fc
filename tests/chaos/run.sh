#!/bin/bash
# run.sh - the chaos suite: seeded, randomised fault schedules against the
# real daemons (tests/chaos/trial.sh), judged by the probers and a final
# consistency check, and a table per mode.
#
# usage: tests/chaos/run.sh --build DIR [--trials N] [--seed S]
#                           [--modes "safe legacy"] [--jobs J] [--keep DIR]
#
# Trial i of every mode runs the schedule of seed S+i, so the two modes
# meet the same faults.  Trials run J at a time (default: the number of
# CPUs).  Exit status 1 when a safe-mode trial broke an invariant or did
# not converge; legacy mode is expected to break them, and the table says
# how often.  --keep DIR keeps the logs, timelines, schedule and plot of
# every failing safe-mode trial (default: a directory under /tmp).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=""
TRIALS=3
SEED=$(date +%s)
MODES="safe legacy"
JOBS=$(nproc)
KEEP=""
while [ $# -gt 0 ]; do
	case $1 in
	--build) BUILD=$2; shift 2 ;;
	--trials) TRIALS=$2; shift 2 ;;
	--seed) SEED=$2; shift 2 ;;
	--modes) MODES=$2; shift 2 ;;
	--jobs) JOBS=$2; shift 2 ;;
	--keep) KEEP=$2; shift 2 ;;
	*) echo "usage: run.sh --build DIR [--trials N] [--seed S] [--modes M] [--jobs J] [--keep DIR]" >&2
		exit 2 ;;
	esac
done
[ -n "$BUILD" ] || { echo "run.sh: --build DIR" >&2; exit 2; }
BUILD_DIR=$(cd "$BUILD" && pwd)
export BUILD_DIR
[ -n "$KEEP" ] || KEEP=$(mktemp -d /tmp/dnsplane-chaos.XXXXXX)
mkdir -p "$KEEP"
RESULTS=$KEEP/results.txt
: >"$RESULTS"

echo "chaos: $TRIALS trials per mode ($MODES), seeds $((SEED + 1))..$((SEED + TRIALS)), $JOBS at a time"
echo "chaos: results in $RESULTS; failing safe trials keep their logs in $KEEP/"
T0=$(date +%s)

# one MODE SEED: a trial, retried once when the lab itself failed to start.
one() {
	for try in 1 2; do
		bash "$HERE/trial.sh" "$1" "$2" "$KEEP/.r-$1-$2" "$KEEP" >/dev/null 2>&1
		st=$?
		[ "$st" -ne 2 ] || [ "$try" -eq 2 ] && break
		rm -f "$KEEP/.r-$1-$2"
	done
	line=$(tail -1 "$KEEP/.r-$1-$2" 2>/dev/null)
	rm -f "$KEEP/.r-$1-$2"
	[ -n "$line" ] || line="mode=$1 seed=$2 status=infra why=\"no result (exit $st)\""
	echo "$line" >>"$RESULTS"
	# One line per trial as it ends.
	awk -v l="$line" 'BEGIN {
		n = split(l, f, " ")
		for (i = 1; i <= n; i++) { split(f[i], kv, "="); v[kv[1]] = kv[2] }
		w = index(l, "why=\"") ? substr(l, index(l, "why=\"") + 5) : ""
		sub(/"$/, "", w)
		printf "  %-6s seed %-12s %-9s", v["mode"], v["seed"], v["status"]
		if (v["status"] != "infra")
			printf " converged %5s ms, longest empty %5s ms, no answer %5s ms, %s actions",
			    v["converge_ms"], v["longest_empty_ms"], v["longest_noanswer_ms"], v["actions"]
		if (w != "") printf "  (%s)", w
		printf "\n" }'
}
export -f one
export HERE KEEP RESULTS

for mode in $MODES; do
	seq $((SEED + 1)) $((SEED + TRIALS)) | sed "s/^/$mode /"
done | xargs -P "$JOBS" -L 1 bash -c 'one "$0" "$1"'

echo
echo "chaos: $(wc -l <"$RESULTS") trials in $(($(date +%s) - T0)) s"
# The table: a column per mode.
awk -v modes="$MODES" '
{
	delete v
	for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	m = v["mode"]; trials[m]++
	if (v["status"] == "infra") { infra[m]++; next }
	if (v["status"] != "ok") viol[m]++
	empty[m] += v["empty"] + v["nxdomain"]; back[m] += v["back"]
	badend[m] += v["bad_end"]
	if (v["empty"] + v["nxdomain"] > 0 || v["bad_end"] > 0) race[m]++
	if (v["back"] > 0) stale[m]++
	if (v["longest_empty_ms"] > lempty[m]) lempty[m] = v["longest_empty_ms"]
	if (v["longest_noanswer_ms"] > lnoans[m]) lnoans[m] = v["longest_noanswer_ms"]
	if (v["converge_ms"] < 0) stuck[m]++
	else conv[m, ++nconv[m]] = v["converge_ms"]
}
function row(label, a,   i) {
	printf "%-40s", label
	for (i = 1; i <= nm; i++) printf " %14s", a[ms[i]] + 0
	printf "\n"
}
END {
	nm = split(modes, ms, " ")
	printf "\n%-40s", ""
	for (i = 1; i <= nm; i++) printf " %14s", ms[i]
	printf "\n"
	row("trials", trials)
	row("trials with a violation", viol)
	row("  hit the race (an outage)", race)
	row("  a stale write (generation went back)", stale)
	row("answers without an address", empty)
	row("steps back of the generation", back)
	row("failed end checks (store vs authd)", badend)
	row("longest empty period, ms", lempty)
	row("longest no answer (authd -9), ms", lnoans)
	printf "%-40s", "convergence after the faults, ms p50/max"
	for (i = 1; i <= nm; i++) {
		m = ms[i]; n = nconv[m]
		for (k = 1; k <= n; k++) c[k] = conv[m, k]
		for (k = 2; k <= n; k++) { x = c[k]; j = k - 1
			while (j > 0 && c[j] > x) { c[j + 1] = c[j]; j-- } c[j + 1] = x }
		printf " %14s", n ? c[int((n - 1) / 2) + 1] "/" c[n] : "-"
	}
	printf "\n"
	row("stuck (not converged in time)", stuck)
	row("lab failures (not judged)", infra)
	printf "\noutage: an answer without an address, or an endpoint left on a\n"
	printf "deleted plan; stuck: an endpoint not on the newest plan 8 s (legacy:\n"
	printf "4 s) after the faults stopped (legacy: a lock left by a killed\n"
	printf "enactor, or the one-time freshness check).\n"
}' "$RESULTS"

bad=$(awk '/mode=safe/ && (!/status=ok/ || /converge_ms=-1/) { n++ } END { print n + 0 }' "$RESULTS")
safe=$(grep -c "mode=safe" "$RESULTS")
if [ "$bad" -gt 0 ]; then
	echo "chaos: FAILED: $bad safe-mode trials broke an invariant, did not converge or could not run (see $KEEP/)"
	exit 1
fi
[ "$safe" -eq 0 ] || echo "chaos: safe mode held in all $safe trials"
