#!/bin/bash
# deps.sh - scripts/deps.sh, the first step of both quick-start commands,
# with apt-get, dpkg-query and id replaced by stand-ins: it must exit 0
# after installing what was missing, whether or not the machine already
# has a policy-rc.d (every Debian container image has one), leave an
# existing one alone and remove only the one it made itself.
. "$(dirname "$0")/lib.bash"

mkdir -p "$T/bin"
# Every package reads as missing; apt-get records its call and succeeds.
cat >"$T/bin/dpkg-query" <<'SH'
#!/bin/sh
exit 1
SH
cat >"$T/bin/apt-get" <<SH
#!/bin/sh
echo "apt-get \$*" >>"$T/apt.log"
[ -e "\$DEPS_POLICY_RC" ] && echo "policy present" >>"$T/apt.log"
exit 0
SH
cat >"$T/bin/id" <<'SH'
#!/bin/sh
echo 0
SH
chmod 755 "$T/bin/"*

run_deps() {
	PATH="$T/bin:$PATH" DEPS_POLICY_RC="$T/policy-rc.d" \
		sh "$ROOT/scripts/deps.sh" build test >"$T/out" 2>&1
}

# Without a policy-rc.d: one is made for apt-get's run, then removed.
st=0
run_deps || st=$?
check "no policy-rc.d: deps.sh exits 0" [ "$st" -eq 0 ]
check "apt-get ran" grep -q "apt-get install -y" "$T/apt.log"
check "apt-get ran under a policy-rc.d" grep -q "policy present" "$T/apt.log"
check "the policy-rc.d it made is gone" [ ! -e "$T/policy-rc.d" ]

# With one (a container image): kept, and still exit 0.
printf '#!/bin/sh\nexit 101\n' >"$T/policy-rc.d"
: >"$T/apt.log"
st=0
run_deps || st=$?
check "policy-rc.d present: deps.sh exits 0" [ "$st" -eq 0 ]
check "apt-get ran" grep -q "apt-get install -y" "$T/apt.log"
check "the machine's policy-rc.d is kept" [ -e "$T/policy-rc.d" ]

# A failing apt-get still fails the step.
printf '#!/bin/sh\nexit 100\n' >"$T/bin/apt-get"
st=0
run_deps || st=$?
check "a failing apt-get fails deps.sh" [ "$st" -ne 0 ]

finish
