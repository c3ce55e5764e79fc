# cascade.mk - the lease fleet of the cascade: leasestore (the lease
# store, DynamoDB's part) and leasemgr (the lease manager, EC2's
# DropletWorkflow Manager's), their library, and `make cascade`, which
# runs both modes of the manager through dnsplane's real legacy race.
# Included by the top-level Makefile.

CASCADE_LIB_SRC = $(filter-out cascade/store_main.c cascade/mgr_main.c,\
	$(wildcard cascade/*.c))
CASCADE_LIB_OBJ = $(CASCADE_LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIBCASCADE = $(BUILD)/libcascade.a

PROGRAMS += $(BUILD)/leasestore $(BUILD)/leasemgr
UNIT_LIBS := $(LIBCASCADE) $(UNIT_LIBS)
EXTRA_INCLUDES += -Icascade

.PHONY: cascade install-cascade

$(LIBCASCADE): $(CASCADE_LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/leasestore: $(BUILD)/obj/cascade/store_main.o $(LIBCASCADE) \
		$(LIBCOMMON)
	$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/leasemgr: $(BUILD)/obj/cascade/mgr_main.o $(LIBCASCADE) \
		$(LIBCOMMON)
	$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Both modes through the same real outage: a summary, build/cascade/
# summary.json and build/cascade/cascade.png.
cascade: $(PROGRAMS) $(TEST_PROGRAMS)
	@scripts/deps.sh build test demo
	@bash scripts/cascade.sh --build $(BUILD) --window 30 --operator 30 --after 20

install: install-cascade

install-cascade: $(BUILD)/leasestore $(BUILD)/leasemgr
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BUILD)/leasestore $(DESTDIR)$(PREFIX)/bin/dnsplane-leasestore
	install -m 755 $(BUILD)/leasemgr $(DESTDIR)$(PREFIX)/bin/dnsplane-leasemgr
