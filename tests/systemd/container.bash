# container.bash - boot a throwaway real systemd in a systemd-nspawn
# container, on a host whose PID 1 need not be systemd, and tear it down
# without a trace.  Sourced by tests/systemd/run.sh (bash).
#
# The container's root is an empty tmpfs with the host's /usr bound in
# read-only (`--directory=/ --volatile=yes`), so it runs the host's
# systemd, dig and sqlite3; it has its own network namespace with only a
# loopback, and boots basic.target (no service of the host is enabled in
# it).  nspawn runs in a private mount namespace with a tmpfs /run, in a
# cgroup subtree of its own, without machined or D-Bus (`--register=no
# --keep-unit`).  Signals go only to the nspawn process started here and,
# as a last resort, to the container's PID 1.  The recipe and its caveats:
# /work/shared/recipes/systemd-nspawn.md.
#
#   container_supported            0, or 1 with the reason on stdout
#   container_boot WORKDIR ARGS... boot; ARGS are extra nspawn options
#   inside CMD...                  run CMD in the container (all namespaces)
#   innet CMD...                   run a host CMD in its network namespace
#   container_stop                 power it off, remove the cgroup subtree

NSPAWN_PID=
LEADER=
CGDIRS=()

# container_supported: can systemd-nspawn boot a container here?
container_supported() {
	if [ "$(id -u)" != 0 ]; then
		echo "not root"
		return 1
	fi
	if ! command -v systemd-nspawn >/dev/null ||
		[ ! -x /usr/lib/systemd/systemd ]; then
		echo "systemd-nspawn or systemd missing (scripts/deps.sh systemd)"
		return 1
	fi
	if ! unshare --mount --propagation private -- \
		sh -c 'mount -t tmpfs tmpfs /run' 2>/dev/null; then
		echo "cannot make a mount namespace with a tmpfs (no CAP_SYS_ADMIN)"
		return 1
	fi
	local cg
	for cg in $(container_cgroup_roots); do
		if ! mkdir "$cg/dnsplane-probe-$$" 2>/dev/null; then
			echo "cannot create a cgroup under $cg"
			return 1
		fi
		rmdir "$cg/dnsplane-probe-$$"
	done
	return 0
}

# The cgroup hierarchies nspawn needs a subtree in: cgroup2, or on a
# legacy or hybrid host the name=systemd one (and cgroup2 beside it).
container_cgroup_roots() {
	if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
		echo /sys/fs/cgroup
		return
	fi
	echo /sys/fs/cgroup/systemd
	if [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
		echo /sys/fs/cgroup/unified
	fi
}

# container_boot WORKDIR NSPAWN-ARGS...: boot systemd, set NSPAWN_PID and
# LEADER (the container's PID 1 as the host sees it), wait until the
# system is up.  The console goes to WORKDIR/console.log.
container_boot() {
	local work=$1 cg state
	shift
	for cg in $(container_cgroup_roots); do
		CGDIRS+=("$cg/dnsplane-systemd-test-$$")
	done
	mkdir "${CGDIRS[@]}"
	# The launcher joins our cgroups, then (same PID, through exec)
	# unshares a mount namespace with a tmpfs /run (else nspawn leaves
	# /run/systemd/nspawn* behind on a host whose /run is no tmpfs), then
	# becomes nspawn.  --console=read-only: with a pipe,
	# systemd-firstboot fails and the system is degraded.
	bash -c '
		for d in "$@"; do
			[ "$d" = -- ] && break
			echo $$ >"$d/cgroup.procs"
		done
		while [ "$1" != -- ]; do shift; done
		shift
		exec unshare --mount --propagation private -- sh -c \
			"mount -t tmpfs -o mode=755 tmpfs /run && exec \"\$@\"" sh "$@"
	' launcher "${CGDIRS[@]}" -- \
		systemd-nspawn --quiet --register=no --keep-unit \
		--machine=dnsplane-test --directory=/ --volatile=yes \
		--private-network --console=read-only "$@" \
		-b -- systemd.unit=basic.target systemd.firstboot=off \
		</dev/null >"$work/console.log" 2>&1 &
	NSPAWN_PID=$!
	local c i
	for i in $(seq 150); do
		for c in $(cat "/proc/$NSPAWN_PID/task/$NSPAWN_PID/children" \
			2>/dev/null); do
			[ "$(cat "/proc/$c/comm" 2>/dev/null)" = systemd ] &&
				LEADER=$c
		done
		[ -n "$LEADER" ] && break
		if ! kill -0 "$NSPAWN_PID" 2>/dev/null; then
			echo "systemd-nspawn exited:" >&2
			cat "$work/console.log" >&2
			return 1
		fi
		sleep 0.2
	done
	if [ -z "$LEADER" ]; then
		echo "the container did not start:" >&2
		cat "$work/console.log" >&2
		return 1
	fi
	for i in $(seq 150); do
		state=$(inside systemctl is-system-running 2>/dev/null || true)
		case $state in running | degraded) break ;; esac
		sleep 0.2
	done
	case $state in
	running) return 0 ;;
	degraded)
		inside systemctl --no-pager --failed >&2 || true
		return 0
		;;
	esac
	echo "the container's systemd is '$state' after 30 s" >&2
	return 1
}

# inside CMD...: CMD in every namespace of the container, with a clean
# environment.
inside() {
	nsenter -t "$LEADER" -m -u -i -n -p -C -- env -i \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin \
		SYSTEMD_PAGER= SYSTEMD_COLORS=0 LANG=C.UTF-8 "$@"
}

# innet CMD...: a host command in the container's network namespace only
# (its loopback is the lab's).
innet() {
	nsenter -t "$LEADER" -n -- "$@"
}

# container_stop: SIGTERM to nspawn is an orderly poweroff; a second one
# ends the container at once; SIGKILL last.  Then the cgroup subtree.
container_stop() {
	local i
	if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
		kill -TERM "$NSPAWN_PID"
		for i in $(seq 100); do
			kill -0 "$NSPAWN_PID" 2>/dev/null || break
			sleep 0.2
		done
		if kill -0 "$NSPAWN_PID" 2>/dev/null; then
			kill -TERM "$NSPAWN_PID"
			sleep 2
			kill -0 "$NSPAWN_PID" 2>/dev/null &&
				kill -KILL "$NSPAWN_PID"
			[ -n "$LEADER" ] && kill -0 "$LEADER" 2>/dev/null &&
				kill -KILL "$LEADER"
		fi
		wait "$NSPAWN_PID" 2>/dev/null || true
	fi
	NSPAWN_PID=
	local d
	for d in "${CGDIRS[@]}"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; \
			2>/dev/null
	done
	CGDIRS=()
	return 0
}
