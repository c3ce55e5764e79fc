#!/usr/bin/env bash
# Differential test: send every query in queries.txt (over UDP and TCP) to a
# real NSD and to authd, both serving the zones in zones/, and compare the
# answers.  See README in this directory.
#
# usage: tests/diff/run.sh AUTHD_BINARY
#        tests/diff/run.sh nsd     (self-test of the harness: NSD against NSD)
#        tests/diff/run.sh knot    (self-test of the harness: NSD against knotd;
#                                   knotd differs from NSD in places)
# environment: DIFF_VERBOSE=1 also prints both answers of every comparison;
#              DIFF_QUERIES=FILE uses another query list;
#              DIFF_ALLOW_AUTH_NS=1 allows one more difference: NSD's zone NS
#              RRset (and its glue) in the authority section of positive
#              answers may be missing (RFC 1034 4.3.2, RFC 2181 6.1);
#              DIFF_NSD_MINIMAL=1 runs NSD with minimal-responses: yes (which
#              also drops MX/SRV additional data).
set -eu

here="$(cd "$(dirname "$0")" && pwd)"
zonesdir="$here/zones"
queries="${DIFF_QUERIES:-$here/queries.txt}"
ready_timeout=10

if [ "$#" -ne 1 ]; then
	echo "usage: $0 AUTHD_BINARY | nsd | knot" >&2
	exit 2
fi
peer="$1"
case "$peer" in
nsd) peer_kind=nsd; peer_label=nsd2 ;;
knot) peer_kind=knot; peer_label=knot ;;
*)
	peer_kind=authd
	peer_label=authd
	if [ ! -x "$peer" ]; then
		echo "diff: $peer: not an executable file" >&2
		exit 2
	fi
	peer="$(cd "$(dirname "$peer")" && pwd)/$(basename "$peer")"
	;;
esac

for tool in nsd dig ss awk sort comm diff; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "diff: required tool '$tool' not found" >&2
		exit 2
	fi
done
if [ "$peer_kind" = knot ] && ! command -v knotd >/dev/null 2>&1; then
	echo "diff: knotd not found" >&2
	exit 2
fi

# Zones: every zones/NAME.zone file is served as zone NAME.
zones=()
for f in "$zonesdir"/*.zone; do
	[ -e "$f" ] || continue
	z="$(basename "$f" .zone)"
	zones+=("$z")
done
if [ "${#zones[@]}" -eq 0 ]; then
	echo "diff: no zone files in $zonesdir" >&2
	exit 2
fi
probe_zone="example.test"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/dnsplane-diff.XXXXXX")"
pids=()
cleanup() {
	local pid _
	for pid in "${pids[@]+"${pids[@]}"}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]+"${pids[@]}"}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

used_ports=" "
free_port() {
	local p _
	for _ in $(seq 1 200); do
		p=$((10000 + RANDOM % 22000)) # below the ephemeral range
		case "$used_ports" in *" $p "*) continue ;; esac
		if [ -z "$(ss -Hlntu "sport = :$p" 2>/dev/null)" ]; then
			used_ports="$used_ports$p "
			echo "$p"
			return 0
		fi
	done
	echo "diff: no free port found" >&2
	return 1
}

start_nsd() { # name port -> pid in $started_pid
	local name="$1" port="$2" dir="$tmp/$1" z
	mkdir -p "$dir"
	{
		echo "server:"
		echo "    ip-address: 127.0.0.1@$port"
		echo "    server-count: 1"
		echo "    zonesdir: \"$zonesdir\""
		echo "    pidfile: \"$dir/nsd.pid\""
		echo "    database: \"\""
		echo "    xfrdfile: \"$dir/xfrd.state\""
		echo "    xfrdir: \"$dir\""
		echo "    zonelistfile: \"$dir/zone.list\""
		echo "    zonefiles-write: 0"
		echo "    username: \"\""
		echo "    chroot: \"\""
		echo "    verbosity: 1"
		echo "    hide-version: yes"
		echo "    hide-identity: yes"
		# NSD's default is 1232 already; spelled out because it must equal
		# authd's default maximum UDP payload.
		echo "    ipv4-edns-size: 1232"
		echo "    ipv6-edns-size: 1232"
		# no response rate limiting: hundreds of queries come from 127.0.0.1
		echo "    rrl-ratelimit: 0"
		echo "    rrl-whitelist-ratelimit: 0"
		if [ -n "${DIFF_NSD_MINIMAL:-}" ]; then
			echo "    minimal-responses: yes"
		fi
		echo "remote-control:"
		echo "    control-enable: no"
		for z in "${zones[@]}"; do
			echo "zone:"
			echo "    name: \"$z.\""
			echo "    zonefile: \"$z.zone\""
		done
	} >"$dir/nsd.conf"
	if ! nsd-checkconf "$dir/nsd.conf" >"$dir/checkconf.log" 2>&1; then
		echo "diff: bad nsd.conf:" >&2
		cat "$dir/checkconf.log" >&2
		return 1
	fi
	nsd -d -c "$dir/nsd.conf" >"$dir/log" 2>&1 &
	started_pid=$!
	started_log="$dir/log"
}

start_knot() { # name port
	local name="$1" port="$2" dir="$tmp/$1" z
	mkdir -p "$dir/db"
	{
		echo "server:"
		echo "    rundir: \"$dir\""
		echo "    listen: 127.0.0.1@$port"
		echo "    identity: \"\""
		echo "    version: \"\""
		echo "    udp-max-payload: 1232"
		echo "database:"
		echo "    storage: \"$dir/db\""
		echo "log:"
		echo "  - target: stderr"
		echo "    any: info"
		echo "template:"
		echo "  - id: default"
		echo "    storage: \"$zonesdir\""
		echo "    file: \"%s.zone\""
		echo "    zonefile-sync: -1"
		echo "    zonefile-load: whole"
		echo "    journal-content: none"
		echo "zone:"
		for z in "${zones[@]}"; do
			echo "  - domain: \"$z.\""
		done
	} >"$dir/knot.conf"
	knotd -c "$dir/knot.conf" >"$dir/log" 2>&1 &
	started_pid=$!
	started_log="$dir/log"
}

start_authd() { # name port
	local name="$1" port="$2" dir="$tmp/$1" z
	local args=(--listen "127.0.0.1:$port")
	mkdir -p "$dir/state"
	for z in "${zones[@]}"; do
		args+=(--zone "$z.=$zonesdir/$z.zone")
	done
	args+=(--state-dir "$dir/state")
	"$peer" "${args[@]}" >"$dir/log" 2>&1 &
	started_pid=$!
	started_log="$dir/log"
}

wait_ready() { # label pid port log
	local label="$1" pid="$2" port="$3" log="$4" deadline
	deadline=$((SECONDS + ready_timeout))
	while :; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "diff: $label (pid $pid) exited during startup; its log:" >&2
			sed 's/^/    /' "$log" >&2
			return 1
		fi
		if dig @127.0.0.1 -p "$port" +tries=1 +time=1 +short \
			-q "$probe_zone" -t SOA 2>/dev/null | grep -qv '^;'; then
			return 0
		fi
		if [ "$SECONDS" -gt "$deadline" ]; then
			echo "diff: $label did not answer '$probe_zone SOA' on 127.0.0.1:$port within ${ready_timeout}s; its log:" >&2
			sed 's/^/    /' "$log" >&2
			return 1
		fi
		sleep 0.1
	done
}

nsd_port="$(free_port)"
peer_port="$(free_port)"

start_nsd nsd "$nsd_port"
pids+=("$started_pid")
nsd_pid="$started_pid"
nsd_log="$started_log"

case "$peer_kind" in
nsd) start_nsd nsd2 "$peer_port" ;;
knot) start_knot knot "$peer_port" ;;
authd) start_authd authd "$peer_port" ;;
esac
pids+=("$started_pid")
peer_pid="$started_pid"
peer_log="$started_log"

wait_ready nsd "$nsd_pid" "$nsd_port" "$nsd_log"
wait_ready "$peer_label" "$peer_pid" "$peer_port" "$peer_log"
echo "diff: nsd on 127.0.0.1:$nsd_port, $peer_label on 127.0.0.1:$peer_port, ${#zones[@]} zones"

# ---------------------------------------------------------------------------
# Querying and normalising.

# Options every query gets: no DNS COOKIE (NSD has answer-cookie off), no EDNS
# version renegotiation (so BADVERS is seen as is), one try, never retry a
# truncated UDP answer over TCP (+ignore), always print the header (+comments,
# which dig leaves off for AXFR), one line per record.
base_opts=(+nocookie +noednsnegotiation +tries=1 +time=3 +comments +nostats
	+nocmd +nosplit +nomultiline +noidnout +nottlunits)

run_dig() { # port transport name type opts...
	local port="$1" transport="$2" name="$3" type="$4"
	shift 4
	local t=(+notcp +ignore)
	[ "$transport" = tcp ] && t=(+tcp)
	dig @127.0.0.1 -p "$port" "${base_opts[@]}" "${t[@]}" "$@" \
		-q "$name" -t "$type" 2>&1 || true
}

# dig's text output -> canonical lines "KEY: value", sections sorted as sets.
# The message id and dig's own chatter are dropped; whitespace is normalised.
normalise() {
	awk '
	function out(key, val) {
		gsub(/[\t ]+/, " ", val); sub(/^ /, "", val); sub(/ $/, "", val)
		print order[key] " " key ": " val
	}
	BEGIN {
		order["status"] = 0; order["opcode"] = 1; order["flags"] = 2
		order["counts"] = 3; order["edns"] = 4; order["opt"] = 5
		order["question"] = 6; order["answer"] = 7; order["authority"] = 8
		order["additional"] = 9; order["warning"] = "A"; order["axfr"] = "B"; order["records"] = "B"
		order["error"] = "C"; order["other"] = "D"
		sect = ""; got = 0
	}
	/^;; ->>HEADER<<-/ {
		got = 1; line = $0
		sub(/^;; ->>HEADER<<- */, "", line)
		n = split(line, parts, /, */)
		for (i = 1; i <= n; i++) {
			if (parts[i] ~ /^opcode: /) { v = parts[i]; sub(/^opcode: /, "", v); out("opcode", v) }
			if (parts[i] ~ /^status: /) { v = parts[i]; sub(/^status: /, "", v); out("status", v) }
		}
		next
	}
	/^;; flags:/ {
		line = $0; sub(/^;; flags: */, "", line)
		split(line, parts, /; */)
		out("flags", parts[1])
		c = line; sub(/^[^;]*; */, "", c)
		out("counts", c)
		next
	}
	/^;; OPT PSEUDOSECTION:/ { sect = "opt"; next }
	/^;; QUESTION SECTION:/ { sect = "question"; next }
	/^;; ANSWER SECTION:/ { sect = "answer"; next }
	/^;; AUTHORITY SECTION:/ { sect = "authority"; next }
	/^;; ADDITIONAL SECTION:/ { sect = "additional"; next }
	/^$/ { sect = ""; next }
	/^;; Got answer:/ { next }
	/^;; WARNING: recursion requested but not available/ { next }
	/^;; (WARNING|Warning|WARNING:)/ { line = $0; sub(/^;; */, "", line); out("warning", line); next }
	/^; Transfer failed/ { out("axfr", "transfer failed"); next }
	/^;; (Query time|SERVER|WHEN|MSG SIZE|XFR size)/ { next }
	/^;; .*(communications error|connection timed out|no servers could be reached)/ {
		out("error", "no reply"); got = 1; next
	}
	sect == "opt" {
		line = $0; sub(/^; */, "", line)
		if (line ~ /^EDNS: /) { sub(/^EDNS: /, "", line); out("edns", line) }
		else out("opt", line)
		next
	}
	sect == "question" { line = $0; sub(/^;/, "", line); out("question", line); next }
	sect == "answer" || sect == "authority" || sect == "additional" { out(sect, $0); next }
	/^;;/ { line = $0; sub(/^;; */, "", line); out("other", line); next }
	/^;/ { next }
	{ out("records", $0); got = 1; next }
	END { if (!got) print order["error"] " error: no reply" }
	' | LC_ALL=C sort -u | cut -d" " -f2-
}
# (sort -u: a set comparison; a duplicated RR still shows up in "counts".)

field() { # key < canonical -> values
	awk -v k="$1: " 'index($0, k) == 1 { print substr($0, length(k) + 1) }'
}

is_tc() { field flags | grep -qw tc; }

# Lower-case the RR sections (names compare case-insensitively, RFC 4343)
# but keep the question exact (its case must be echoed as sent).
fold_case() {
	awk '/^(answer|authority|additional): / { $0 = tolower($0) } { print }' |
		LC_ALL=C sort
}

comparisons=0
mismatches=0
notes=0
allowed=0

# mismatch "title" "explanation" file_nsd file_peer
mismatch() {
	mismatches=$((mismatches + 1))
	{
		echo "MISMATCH $1"
		if [ -n "$2" ]; then echo "  $2"; fi
		diff -U 100 --label nsd --label "$peer_label" "$3" "$4" |
			tail -n +3 | sed 's/^/  /'
		echo
	} >>"$tmp/report"
}

note() {
	notes=$((notes + 1))
	printf 'NOTE %s\n  %s\n\n' "$1" "$2" >>"$tmp/report"
}

# Allowed difference for qtype ANY (RFC 8482 section 4.1): the responder may
# return a subset of the RRsets at the name.  Checks: same rcode, flags,
# question, EDNS and authority section; every RRset in the peer's answer is
# complete and equal to what NSD returns for that very owner and type; the
# answer is empty exactly when NSD's is.
check_any() { # title nsdfile peerfile transport opts...
	local title="$1" a="$2" b="$3" transport="$4"
	shift 4
	local k ok=1 why=""
	for k in status opcode flags edns opt question authority error axfr records other warning; do
		if [ "$(field "$k" <"$a")" != "$(field "$k" <"$b")" ]; then
			ok=0
			why="$why $k"
		fi
	done
	local na nb
	na="$(field answer <"$a")"
	nb="$(field answer <"$b")"
	if [ -z "$na" ] && [ -n "$nb" ]; then
		ok=0
		why="$why answer(nsd's is empty)"
	elif [ -n "$na" ] && [ -z "$nb" ]; then
		ok=0
		why="$why answer(empty, nsd's is not)"
	elif [ -n "$nb" ]; then
		local owner type want have
		while read -r owner type; do
			want="$(run_dig "$nsd_port" "$transport" "$owner" "$type" "$@" |
				normalise | field answer |
				awk -v o="$owner" -v t="$type" 'tolower($1) == tolower(o) && $4 == t' |
				tr '[:upper:]' '[:lower:]' | LC_ALL=C sort | paste -sd'|')"
			have="$(printf '%s\n' "$nb" |
				awk -v o="$owner" -v t="$type" 'tolower($1) == tolower(o) && $4 == t' |
				tr '[:upper:]' '[:lower:]' | LC_ALL=C sort | paste -sd'|')"
			if [ "$want" != "$have" ]; then
				ok=0
				why="$why answer(RRset $owner $type is not the complete RRset; nsd's answer to '$owner $type': $want)"
			fi
		done < <(printf '%s\n' "$nb" | awk '{ print $1, $4 }' | LC_ALL=C sort -u)
	fi
	if [ "$ok" = 0 ]; then
		mismatch "$title" "qtype ANY (RFC 8482 subset allowed) differs in:$why" "$a" "$b"
	fi
}

# NSD's answer without the authority NS RRset of a positive answer and
# without the glue for it that the peer lacks; fails if the answers are not of
# that shape (NSD: NOERROR, non-empty answer, authority only NS of one owner;
# peer: no authority section).
strip_auth_ns() { # nsdfile peerfile
	awk -v peerfile="$2" '
	BEGIN {
		while ((getline l < peerfile) > 0) {
			if (l ~ /^authority: /) peer_auth = 1
			if (l ~ /^additional: /) peer_add[tolower(l)] = 1
		}
	}
	{ line[NR] = $0 }
	/^status: / && $2 != "NOERROR" { bad = 1 }
	/^answer: / { ans = 1 }
	/^authority: / {
		if ($5 != "NS" || (owner != "" && tolower($2) != owner)) bad = 1
		owner = tolower($2); ns[tolower($6)] = 1; nauth++
	}
	END {
		if (bad || !ans || !nauth || peer_auth) exit 1
		for (i = 1; i <= NR; i++) {
			l = line[i]; split(l, f, " ")
			if (l ~ /^(counts|authority): /) continue
			if (l ~ /^additional: / && (tolower(f[2]) in ns) && (f[5] == "A" || f[5] == "AAAA") &&
				!(tolower(l) in peer_add)) continue
			print l
		}
	}' "$1"
}

compare() { # transport name type opts...
	local transport="$1" name="$2" type="$3"
	shift 3
	local title="[$transport] $name $type${*:+ $*}"
	local a="$tmp/a" b="$tmp/b"
	local pa pb
	run_dig "$nsd_port" "$transport" "$name" "$type" "$@" | normalise >"$a" &
	pa=$!
	run_dig "$peer_port" "$transport" "$name" "$type" "$@" | normalise >"$b" &
	pb=$!
	wait "$pa" "$pb"
	comparisons=$((comparisons + 1))

	# CD in the response of a query that set CD: RFC 4035 3.1.6 says a
	# security-aware server copies it, NSD clears it.  Either is accepted.
	case " $* " in
	*" +cdflag "* | *" +cd "* | *" +cdfl "*)
		sed -i -e '/^flags: /s/ cd\( \|$\)/\1/' "$a" "$b"
		;;
	esac

	if [ -n "${DIFF_VERBOSE:-}" ]; then
		{
			echo "QUERY $title"
			sed 's/^/  nsd: /' "$a"
			sed "s/^/  $peer_label: /" "$b"
		} >>"$tmp/report"
	fi
	if cmp -s "$a" "$b"; then
		return 0
	fi

	# Truncation (RFC 2181 section 9, RFC 1035 4.2.1): once TC is set the
	# rest of the message is incomplete; compare only rcode and TC.
	if is_tc <"$a" || is_tc <"$b"; then
		if [ "$(field status <"$a")" = "$(field status <"$b")" ] &&
			is_tc <"$a" && is_tc <"$b"; then
			return 0
		fi
		mismatch "$title" "truncated answer (only rcode and TC compared): they differ" "$a" "$b"
		return 0
	fi

	# qtype ANY (RFC 8482): subset allowed.
	if [ "$(printf '%s' "$type" | tr '[:lower:]' '[:upper:]')" = ANY ]; then
		check_any "$title" "$a" "$b" "$transport" "$@"
		return 0
	fi

	# Optional (DIFF_ALLOW_AUTH_NS=1): NSD copies the zone's NS RRset into
	# the authority section of positive answers, with its addresses in the
	# additional section; RFC 1034 4.3.2 (step 6, "may be useful") and
	# RFC 2181 6.1 leave that optional.  If that is the only difference
	# the comparison passes.
	if [ -n "${DIFF_ALLOW_AUTH_NS:-}" ] && strip_auth_ns "$a" "$b" >"$tmp/a2" &&
		grep -v '^counts: ' "$b" | fold_case | cmp -s - <(fold_case <"$tmp/a2"); then
		allowed=$((allowed + 1))
		return 0
	fi

	# Case of names in the RR sections (RFC 4343: names compare
	# case-insensitively); reported as a note, not a mismatch.
	if [ "$(fold_case <"$a")" = "$(fold_case <"$b")" ]; then
		note "$title" "differs only in the letter case of names in RR sections"
		{
			diff -U 0 --label nsd --label "$peer_label" "$a" "$b" |
				tail -n +3 | grep -v '^@@' | sed 's/^/  /'
			echo
		} >>"$tmp/report"
		return 0
	fi

	mismatch "$title" "" "$a" "$b"
}

# ---------------------------------------------------------------------------
: >"$tmp/report"
nq=0
silent=0
while IFS= read -r line || [ -n "$line" ]; do
	case "$line" in '' | '#'*) continue ;; esac
	read -r -a words <<<"$line"
	[ "${#words[@]}" -ge 2 ] || { echo "diff: bad line in queries.txt: $line" >&2; exit 2; }
	qname="${words[0]}"
	qtype="${words[1]}"
	opts=()
	transports="udp tcp"
	for w in "${words[@]:2}"; do
		case "$w" in
		:tcp-only) transports="tcp" ;;
		:udp-only) transports="udp" ;;
		*) opts+=("$w") ;;
		esac
	done
	nq=$((nq + 1))
	for transport in $transports; do
		compare "$transport" "$qname" "$qtype" "${opts[@]+"${opts[@]}"}"
		# Give up early rather than wait out every timeout when the peer
		# died or stopped answering.
		if grep -q '^error: no reply' "$tmp/b" && ! grep -q '^error: no reply' "$tmp/a"; then
			silent=$((silent + 1))
		else
			silent=0
		fi
		if ! kill -0 "$peer_pid" 2>/dev/null || [ "$silent" -ge 5 ]; then
			echo "MISMATCH $peer_label died or stopped answering (after [$transport] $line); remaining queries skipped" >>"$tmp/report"
			mismatches=$((mismatches + 1))
			break 2
		fi
	done
done <"$queries"

# The servers must still be alive at the end.
for pid in "$nsd_pid" "$peer_pid"; do
	if ! kill -0 "$pid" 2>/dev/null; then
		if [ "$pid" = "$nsd_pid" ]; then l=nsd; lg="$nsd_log"; else l="$peer_label"; lg="$peer_log"; fi
		echo "MISMATCH $l (pid $pid) is no longer running; its log:" >>"$tmp/report"
		sed 's/^/    /' "$lg" >>"$tmp/report"
		mismatches=$((mismatches + 1))
	fi
done

cat "$tmp/report"
extra=""
if [ -n "${DIFF_ALLOW_AUTH_NS:-}" ]; then
	extra=", $allowed passed only by DIFF_ALLOW_AUTH_NS"
fi
echo "diff: $nq queries, $comparisons comparisons, $mismatches mismatches, $notes notes$extra (nsd vs $peer_label, ${SECONDS}s)"
[ "$mismatches" -eq 0 ]
