# planner.mk - the planner daemon and its library, lbfarm (the load
# balancers it checks in tests and benchmarks), and the plan store's
# compiled-in schema.  Included by the top-level Makefile.

PLANNER_LIB_SRC = $(filter-out planner/main.c,$(wildcard planner/*.c))
PLANNER_LIB_OBJ = $(PLANNER_LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIBPLANNER = $(BUILD)/libplanner.a

PROGRAMS += $(BUILD)/planner $(BUILD)/lbfarm
UNIT_LIBS := $(LIBPLANNER) $(UNIT_LIBS)
PKGS += libuv
EXTRA_INCLUDES += -Iplanner

.PHONY: planner-demo bench-planner install-planner

# The plan store is in common/; its schema steps are compiled in (the
# top Makefile's rule for $(BUILD)/gen/sql_%.c).
$(LIBCOMMON): $(BUILD)/gen/sql_planstore.o $(BUILD)/gen/sql_reports.o

$(LIBPLANNER): $(PLANNER_LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/planner: $(BUILD)/obj/planner/main.o $(LIBPLANNER) $(LIBCOMMON)
	$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/lbfarm: $(BUILD)/obj/tools/lbfarm.o $(LIBCOMMON)
	$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# lbfarm, the planner and a few load balancers flipping, for a look.
planner-demo: $(BUILD)/planner $(BUILD)/lbfarm
	@scripts/deps.sh build test
	bash planner/demo.sh $(BUILD)

# 2,000 endpoints x 50 load balancers against lbfarm.
bench-planner: $(BUILD)/planner $(BUILD)/lbfarm
	@scripts/deps.sh build test
	bench/planner.sh --build $(BUILD)

install: install-planner

install-planner: $(BUILD)/planner $(BUILD)/lbfarm
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BUILD)/planner $(DESTDIR)$(PREFIX)/sbin/dnsplane-planner
	install -m 755 $(BUILD)/lbfarm $(DESTDIR)$(PREFIX)/bin/dnsplane-lbfarm
	install -d $(DESTDIR)$(EXAMPLEDIR)
	install -m 644 contrib/planner.conf.example $(DESTDIR)$(EXAMPLEDIR)/

# The unit tests of the store and the planner share a fixture.
$(BUILD)/tests/check_planstore $(BUILD)/tests/check_planner: \
	$(BUILD)/tests/plan_fixture.o
