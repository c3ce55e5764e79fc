# enactor.mk - the enactor daemon (libuv) and its library.  Included by the
# top-level Makefile.

ENACTOR_LIB_SRC = $(filter-out enactor/main.c,$(wildcard enactor/*.c))
ENACTOR_LIB_OBJ = $(ENACTOR_LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIBENACTOR = $(BUILD)/libenactor.a

PROGRAMS += $(BUILD)/enactor
UNIT_LIBS := $(LIBENACTOR) $(UNIT_LIBS)
EXTRA_INCLUDES += -Ienactor

$(LIBENACTOR): $(ENACTOR_LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/enactor: $(BUILD)/obj/enactor/main.o $(LIBENACTOR) $(LIBCOMMON)
	$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS)

.PHONY: bench-enactor

# One safe enactor: 2,000 endpoints x 50 addresses applied to authd, and
# convergence after load balancer flips, with authd's guard off and on.
bench-enactor: $(PROGRAMS)
	@scripts/deps.sh build test
	bench/enactor.sh --build $(BUILD) --guard both
