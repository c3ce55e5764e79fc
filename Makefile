# dnsplane - one Makefile for every program and test.
#
#   make               build everything into build/
#   make check         all tests (unit, packet, end-to-end, differential)
#   make asan          the same tests, built with ASan and UBSan
#   make demo          the 2025 race for real, then the fix holding (narrated)
#   make cascade       the lease fleet behind the endpoint: collapse, remedies
#   make chaos         TRIALS=N SEED=S: random faults, a table per mode
#   make starve        TRIALS=N SEED=S: the legacy race from lock
#                      starvation alone (no pause point), how often;
#                      CONTROL=1: and again without lock-backoff
#   make fuzz          FUZZ_SECONDS=N: libFuzzer on each target of fuzz/
#   make valgrind      authd's end-to-end tests with authd under valgrind
#   make bench         benchmark authd beside NSD and Knot DNS (qps, weights)
#   make format-check  verify the C sources follow .clang-format
#   make install       PREFIX=/usr/local SYSCONFDIR=/etc DESTDIR=
#                      EXAMPLEDIR=$(SYSCONFDIR)/dnsplane (the *.example files)
#   make systemd-test  the units under a real systemd, in a container (root)
#   make fresh-test    the quick start on a pristine Debian 12 root (root)
#
# Missing Debian packages are installed by scripts/deps.sh (as root) or
# named with the exact apt-get command to run.

BUILD	?= build
.DEFAULT_GOAL := all
PREFIX	?= /usr/local
DESTDIR	?=
SYSCONFDIR ?= /etc
# The commented example settings; a package puts them in its doc dir.
EXAMPLEDIR ?= $(SYSCONFDIR)/dnsplane
CC	?= cc
CFLAGS	?= -O2 -g
SAN	?=

PKGS	= ldns libevent libevent_pthreads sqlite3 libsystemd libcrypto
# Lazily expanded, so pkg-config runs after the deps step installed it all.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
CHECK_CFLAGS = $(shell pkg-config --cflags check)
CHECK_LIBS   = $(shell pkg-config --libs check)

WARN	= -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	  -Werror
ALL_CFLAGS = -std=gnu11 $(WARN) $(CPPFLAGS) $(CFLAGS) $(SAN) -DHAVE_LIBSYSTEMD \
	     -Icommon -Iauthd $(EXTRA_INCLUDES) $(PKG_CFLAGS) -MMD -MP
LDLIBS	= $(PKG_LIBS) -lpthread

COMMON_SRC = $(wildcard common/*.c)
AUTHD_LIB_SRC = $(filter-out authd/main.c,$(wildcard authd/*.c))
GEN_SRC	= $(BUILD)/gen/sql_zonestore.c

COMMON_OBJ = $(COMMON_SRC:%.c=$(BUILD)/obj/%.o)
AUTHD_LIB_OBJ = $(AUTHD_LIB_SRC:%.c=$(BUILD)/obj/%.o) $(GEN_SRC:.c=.o)
LIBCOMMON = $(BUILD)/libdpcommon.a
LIBAUTHD = $(BUILD)/libauthd.a

UNIT_SRC = $(wildcard tests/unit/check_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOLS	 = $(BUILD)/tests/packet_run

PROGRAMS = $(BUILD)/authd
# Libraries the unit tests link, most dependent first; component makefiles
# (mk/*.mk) prepend theirs.
UNIT_LIBS = $(LIBAUTHD) $(LIBCOMMON)
# Extra test targets that component makefiles add to `make check`.
CHECK_TARGETS = unit packet e2e difftest

# Every other component (planner, enactor, tools) brings its own rules.
include $(sort $(wildcard mk/*.mk))

.PHONY: all deps test-deps check unit packet e2e difftest asan demo chaos starve bench \
	fresh-test \
	format format-check install clean

all: $(PROGRAMS)

# Keep objects that only serve as steps.
.SECONDARY:

deps:
	@scripts/deps.sh build

test-deps:
	@scripts/deps.sh build test

$(BUILD)/obj/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# sql/NAME.sql, a list of schema steps, becomes the array sql_NAME.
$(BUILD)/gen/sql_%.c: sql/%.sql scripts/embed-sql.sh
	@mkdir -p $(dir $@)
	scripts/embed-sql.sh sql_$* $< > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c | deps
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBCOMMON): $(COMMON_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(LIBAUTHD): $(AUTHD_LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/authd: $(BUILD)/obj/authd/main.o $(LIBAUTHD) $(LIBCOMMON)
	$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%.o: tests/unit/%.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(BUILD)/tests/check_%: $(BUILD)/tests/check_%.o $(BUILD)/tests/unit.o \
		$(UNIT_LIBS)
	$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

$(BUILD)/tests/packet_run: $(BUILD)/tests/packet/run.o \
		$(BUILD)/tests/tools/updtext.o $(LIBAUTHD) $(LIBCOMMON)
	$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS)

TEST_PROGRAMS += $(BUILD)/tests/dpupdate

$(BUILD)/tests/dpupdate: $(BUILD)/tests/tools/dpupdate.o \
		$(BUILD)/tests/tools/updtext.o $(LIBAUTHD) $(LIBCOMMON)
	$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/tools/%.o: tests/tools/%.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/packet/run.o: tests/packet/run.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/tools -c -o $@ $<

# ---- tests ----

check: test-deps
	$(MAKE) $(CHECK_TARGETS)
	@echo "make check: all tests passed ($(BUILD))"

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; CK_FORK=yes $$t; done

packet: $(TOOLS)
	$(BUILD)/tests/packet_run tests/packet/cases

e2e: $(PROGRAMS) $(TEST_PROGRAMS)
	@set -e; for t in tests/e2e/*.sh; do \
		echo "== $$t"; BUILD_DIR=$(CURDIR)/$(BUILD) \
		AUTHD=$(CURDIR)/$(BUILD)/authd bash $$t; done

difftest: $(PROGRAMS)
	tests/diff/run.sh $(CURDIR)/$(BUILD)/authd
	tests/diff/update.sh $(CURDIR)/$(BUILD)/authd

asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
		check

# ---- the quick start ----

demo: $(PROGRAMS) $(BUILD)/tests/dpupdate
	@scripts/deps.sh build test demo
	@bash scripts/demo.sh $(BUILD)

# The chaos suite: TRIALS trials per mode (MODES, default both), the
# schedules of seeds SEED+1.., JOBS at a time, the faults FAULTS names
# (default all); a table per mode.
TRIALS	?= 20
SEED	?= $(shell date +%s)
MODES	?= safe legacy
chaos: $(CHAOS_DEPS)
	@scripts/deps.sh build test
	bash tests/chaos/run.sh --build $(BUILD) --trials $(TRIALS) \
		--seed $(SEED) --modes "$(MODES)" $(if $(JOBS),--jobs $(JOBS)) \
		$(if $(FAULTS),--faults "$(FAULTS)")

# The legacy race from timing alone: TRIALS seeded trials of three legacy
# enactors contending for the lock records (tests/chaos/starve.sh);
# CONTROL=1 runs the same trials with lock-backoff off as well.
starve: $(PROGRAMS) $(BUILD)/tests/planwrite
	@scripts/deps.sh build test
	CONTROL=$(CONTROL) bash tests/chaos/starve.sh $(BUILD) $(TRIALS) $(SEED)

bench: $(PROGRAMS)
	@scripts/deps.sh build bench
	bench/qps.sh --authd $(BUILD)/authd
	bench/weights.sh --authd $(BUILD)/authd

# The README's quick start, each command on its first run, in a pristine
# debootstrap root, without and with a policy-rc.d (root; not in check).
fresh-test:
	scripts/fresh-test.sh --both

# ---- style ----

C_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null || \
	    find common authd tests -name '*.[ch]')

format-check:
	@scripts/deps.sh format
	@clang-format --dry-run --Werror $(C_FILES) && \
		echo "format-check: $(words $(C_FILES)) files ok"

format:
	@scripts/deps.sh format
	clang-format -i $(C_FILES)

# ---- install ----

install: $(PROGRAMS)
	install -d $(DESTDIR)$(PREFIX)/sbin
	install -m 755 $(BUILD)/authd $(DESTDIR)$(PREFIX)/sbin/dnsplane-authd
	install -m 755 $(BUILD)/enactor $(DESTDIR)$(PREFIX)/sbin/dnsplane-enactor
	install -d $(DESTDIR)$(EXAMPLEDIR)
	install -m 644 contrib/authd.conf.example $(DESTDIR)$(EXAMPLEDIR)/
	install -d $(DESTDIR)$(PREFIX)/share/dnsplane/sql
	install -m 644 sql/*.sql $(DESTDIR)$(PREFIX)/share/dnsplane/sql/

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
