# az.mk - the three-zone lab: network namespaces az1..az3 on a bridge
# (198.18.0.0/15), an etcd member, an enactor, a secondary (NSD, Knot,
# BIND) and a prober in each (tests/az/lib.bash).  Root.  Included by the
# top-level Makefile.
#   make az-lab    the lab, MODE=safe (default) or legacy, until ^C;
#                  RACE=1: the 2025 race across zones first (az3 slow)
#   make az-test   the full fault schedule (tests/az/run.sh --full) and
#                  the race across zones in both modes (tests/az/race.sh)
#   az             one round of it, part of make check (skips without root)
#   bench-az       how long a load balancer going down takes to leave every
#                  zone's secondary, healthy and with a zone cut off
#                  (bench/az.sh, ROUNDS=20)

MODE	?= safe
AZ_PROGRAMS = $(BUILD)/authd $(BUILD)/planner $(BUILD)/enactor \
	$(BUILD)/lbfarm $(BUILD)/dnsprobe
CHECK_TARGETS += az

# After a test: nothing of the lab may be left behind.
AZ_LEFT = if ip netns list 2>/dev/null | grep -qwE 'az[123]' || \
	ip link show azbr0 >/dev/null 2>&1; then \
	echo "FAIL - the lab left namespaces or its bridge behind"; exit 1; \
	else echo "ok   - the lab left no namespace and no bridge behind"; fi

.PHONY: az az-lab az-test bench-az

az-lab: $(AZ_PROGRAMS)
	@scripts/deps.sh build az
	bash scripts/az-lab.sh $(BUILD) $(MODE) $(if $(RACE),race)

az-test: $(AZ_PROGRAMS)
	@scripts/deps.sh build az
	BUILD_DIR=$(CURDIR)/$(BUILD) AUTHD=$(CURDIR)/$(BUILD)/authd \
		bash tests/az/run.sh --full
	@$(AZ_LEFT)
	@set -e; for m in legacy safe; do \
		BUILD_DIR=$(CURDIR)/$(BUILD) AUTHD=$(CURDIR)/$(BUILD)/authd \
		bash tests/az/race.sh $$m; done

az: $(AZ_PROGRAMS)
	@if [ "$$(id -u)" -eq 0 ]; then scripts/deps.sh az; fi
	BUILD_DIR=$(CURDIR)/$(BUILD) AUTHD=$(CURDIR)/$(BUILD)/authd \
		bash tests/az/run.sh --short
	@$(AZ_LEFT)

ROUNDS	?= 20
bench-az: $(AZ_PROGRAMS)
	@scripts/deps.sh az
	bench/az.sh --build $(BUILD) --rounds $(ROUNDS)
	@$(AZ_LEFT)
