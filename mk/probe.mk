# probe.mk - dnsprobe, the client's view of an endpoint (queries at a
# rate, judges every answer, draws the timeline with gnuplot), and its
# library.  Included by the top-level Makefile.

PROBE_LIB_SRC = tools/dnsprobe_judge.c tools/dnsprobe_plot.c
PROBE_LIB_OBJ = $(PROBE_LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIBPROBE = $(BUILD)/libprobe.a

PROGRAMS += $(BUILD)/dnsprobe
UNIT_LIBS := $(LIBPROBE) $(UNIT_LIBS)
EXTRA_INCLUDES += -Itools

$(LIBPROBE): $(PROBE_LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/dnsprobe: $(BUILD)/obj/tools/dnsprobe.o $(LIBPROBE) $(LIBCOMMON)
	$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS)

.PHONY: install-probe
install: install-probe
install-probe: $(BUILD)/dnsprobe
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BUILD)/dnsprobe $(DESTDIR)$(PREFIX)/bin/dnsprobe
