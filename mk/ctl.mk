# ctl.mk - dnsplanectl, the operator CLI (status, plans, repair, pause,
# resume), its library, and the plan-writing tool its end-to-end test
# uses.  Included by the top-level Makefile.

CTL_LIB_SRC = tools/ctl.c tools/ctl_out.c tools/json.c
CTL_LIB_OBJ = $(CTL_LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIBCTL = $(BUILD)/libctl.a

PROGRAMS += $(BUILD)/dnsplanectl
TEST_PROGRAMS += $(BUILD)/tests/planwrite
UNIT_LIBS := $(LIBCTL) $(UNIT_LIBS)
EXTRA_INCLUDES += -Itools

.PHONY: install-ctl

$(LIBCTL): $(CTL_LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/dnsplanectl: $(BUILD)/obj/tools/dnsplanectl.o $(LIBCTL) $(LIBCOMMON)
	$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/planwrite: $(BUILD)/tests/tools/planwrite.o $(LIBCOMMON)
	$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS)

install: install-ctl

install-ctl: $(BUILD)/dnsplanectl
	install -d $(DESTDIR)$(PREFIX)/sbin
	install -m 755 $(BUILD)/dnsplanectl $(DESTDIR)$(PREFIX)/sbin/dnsplanectl
