# etcd.mk - the etcd v3 client of common/ (etcd.c, etcdmsg.c: libcurl,
# jansson) and what tests and measures it against a real 3-member etcd
# cluster on loopback (tests/etcd/cluster.bash): the end-to-end test's
# driver (tests/e2e/etcd_client.sh runs it in `make check`).  Included
# by the top-level Makefile.

PKGS += libcurl jansson

ETCD_TOOLS = $(BUILD)/tests/etcd_client $(BUILD)/tests/etcd_plan \
	     $(BUILD)/tests/etcd_store
# tests/e2e/etcd_store.sh runs the plan store's unit tests on a cluster.
TEST_PROGRAMS += $(ETCD_TOOLS) $(BUILD)/tests/check_planstore

$(BUILD)/tests/etcd/%.o: tests/etcd/%.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/etcd_%: $(BUILD)/tests/etcd/etcd_%.o $(LIBCOMMON)
	$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS)

.PHONY: bench-etcd

# A 100,000-address plan written to a 3-member cluster in one
# transaction across keys, and read back; then the same plan through the
# plan store, on SQLite and on etcd in the same run.
bench-etcd: $(BUILD)/tests/etcd_plan $(BUILD)/tests/etcd_store
	@scripts/deps.sh build test
	bench/etcd.sh --build $(BUILD)
