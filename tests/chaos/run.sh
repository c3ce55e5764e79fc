#!/bin/bash
# run.sh - the chaos suite: seeded, randomised fault schedules against the
# real daemons (tests/chaos/trial.sh), judged by the probers and a final
# consistency check, and a table per mode.
#
# usage: tests/chaos/run.sh --build DIR [--trials N] [--seed S]
#                           [--modes "safe legacy"] [--jobs J] [--keep DIR]
#                           [--faults LIST]
#
# Trial i of every mode runs the schedule of seed S+i, so the two modes
# meet the same faults.  Trials run J at a time (default: the number of
# CPUs).  --faults narrows the faults a schedule may hold (trial.sh: "all",
# "old", "new" or names; a named fault of operations is in every trial).
# Exit status 1 when a safe-mode trial broke an invariant, did not
# converge, or had its planner blocked; legacy mode is expected to break
# them, and the table says how often.  --keep DIR keeps the logs,
# timelines, schedule, final store and plot of every failing safe-mode
# trial (default: a directory under /tmp).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=""
TRIALS=3
SEED=$(date +%s)
MODES="safe legacy"
JOBS=$(nproc)
# KEEP=all in the environment: every trial keeps its logs.
[ "${KEEP:-}" = all ] && export KEEP_ALL=yes
KEEP=""
FAULTS=${FAULTS:-all}
while [ $# -gt 0 ]; do
	case $1 in
	--build) BUILD=$2; shift 2 ;;
	--trials) TRIALS=$2; shift 2 ;;
	--seed) SEED=$2; shift 2 ;;
	--modes) MODES=$2; shift 2 ;;
	--jobs) JOBS=$2; shift 2 ;;
	--keep) KEEP=$2; shift 2 ;;
	--faults) FAULTS=$2; shift 2 ;;
	*) echo "usage: run.sh --build DIR [--trials N] [--seed S] [--modes M] [--jobs J] [--keep DIR] [--faults LIST]" >&2
		exit 2 ;;
	esac
done
[ -n "$BUILD" ] || { echo "run.sh: --build DIR" >&2; exit 2; }
BUILD_DIR=$(cd "$BUILD" && pwd)
export BUILD_DIR FAULTS
FAULT_LIST=$(bash "$HERE/trial.sh" --faults) || exit 2
[ -n "$KEEP" ] || KEEP=$(mktemp -d /tmp/dnsplane-chaos.XXXXXX)
mkdir -p "$KEEP"
RESULTS=$KEEP/results.txt
: >"$RESULTS"

echo "chaos: $TRIALS trials per mode ($MODES), seeds $((SEED + 1))..$((SEED + TRIALS)), $JOBS at a time"
echo "chaos: faults $FAULTS ($FAULT_LIST)"
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
	# A skipped fault is said at once, never only in the results.
	skip=$(sed -n 's/.* skipped="\([^"]*\)".*/\1/p' <<<"$line")
	[ -n "$skip" ] && echo "  $1 seed $2: $skip" >&2
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
		printf ", faults %s", v["faults"]
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
	nf = split(v["faults"], fl, ",")
	for (k = 1; k <= nf; k++) if (fl[k] != "none") { withf[fl[k], m]++; fault[fl[k]] = 1 }
	if (v["status"] == "infra") { infra[m]++; next }
	failed = v["status"] != "ok" || v["converge_ms"] < 0
	for (k = 1; k <= nf; k++) if (failed) failf[fl[k], m]++
	if (v["status"] == "violation") viol[m]++
	if (v["blocked"] > 0) blocked[m]++
	if (v["planner_write_ms"] > pwrite[m]) pwrite[m] = v["planner_write_ms"]
	if (v["died"] != "" && v["died"] != "none") died[m]++
	if (v["enactor_lock_errors"] > 0) elocked[m]++
	if (v["skipped"] != "\"\"" && v["skipped"] != "") skipped[m]++
	excused[m] += v["excused"]
	empty[m] += v["empty"] + v["nxdomain"]; back[m] += v["back"]
	badend[m] += v["bad_end"]
	if (v["empty"] + v["nxdomain"] > 0 || v["bad_end"] > 0) race[m]++
	if (v["back"] > 0) stale[m]++
	if (v["failover"] > 0) covered[m]++
	failover[m] += v["failover"]
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
	row("  emptied, covered by the failover", covered)
	row("answers without an address", empty)
	row("steps back of the generation", back)
	row("  steps back a hand edit wrote (excused)", excused)
	row("failover activations once authd was up", failover)
	row("failed end checks (store vs authd)", badend)
	row("planner blocked (a round or write > 1 s)", blocked)
	row("longest planner round or write, ms", pwrite)
	row("trials with an enactor failing on a lock", elocked)
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
	row("trials where a daemon died by itself", died)
	row("trials with a fault skipped", skipped)
	row("lab failures (not judged)", infra)
	# A row per fault of operations: failed trials / trials with it.
	printf "\n%-40s", "trials with the fault: failed/all"
	for (i = 1; i <= nm; i++) printf " %14s", ms[i]
	printf "\n"
	nfs = split("restore empty-store remove-endpoint authd-wipe edit-gen edit-cname edit-addr raise clock rotate-key freeze disk-full", fs, " ")
	for (k = 1; k <= nfs; k++) {
		f = fs[k]
		printf "%-40s", "  " f
		for (i = 1; i <= nm; i++) printf " %14s", (failf[f, ms[i]] + 0) "/" (withf[f, ms[i]] + 0)
		printf "\n"
	}
	printf "\noutage: an answer without an address, or an endpoint left on a\n"
	printf "deleted plan; stuck: an endpoint not on the newest plan 8 s (legacy:\n"
	printf "4 s) after the faults stopped (legacy: a lock left by a killed\n"
	printf "enactor, or the one-time freshness check); failed: a violation,\n"
	printf "stuck, or the planner blocked.\n"
}' "$RESULTS"

skips=$(grep -o 'skipped="[^"]\+"' "$RESULTS" | sort | uniq -c)
[ -z "$skips" ] || { echo; echo "chaos: faults skipped:"; echo "$skips"; }
bad=$(awk '/mode=safe/ && (!/status=ok/ || /converge_ms=-1/) { n++ } END { print n + 0 }' "$RESULTS")
safe=$(grep -c "mode=safe" "$RESULTS")
if [ "$bad" -gt 0 ]; then
	echo "chaos: FAILED: $bad safe-mode trials broke an invariant, did not converge, had the planner blocked or could not run (see $KEEP/)"
	exit 1
fi
[ "$safe" -eq 0 ] || echo "chaos: safe mode held in all $safe trials"
