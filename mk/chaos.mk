# chaos.mk - the chaos suite's pieces: freeze.so (a preload that stops an
# enactor in the middle of a write of its reports; tests/e2e/frozen_writer.sh
# uses it too), what `make chaos` needs,
# and the short chaos run of `make check`: three trials per mode on fixed
# seeds (tests/chaos/run.sh); `make chaos` in the top Makefile runs as
# many as asked.  Included by the top-level Makefile.

CHECK_TARGETS += chaos-check
CHAOS_DEPS = $(PROGRAMS) $(BUILD)/tests/dpupdate $(BUILD)/tests/chaos/freeze.so
TEST_PROGRAMS += $(BUILD)/tests/chaos/freeze.so

.PHONY: chaos-check

# Built without the sanitizers: it is preloaded into the enactor.
$(BUILD)/tests/chaos/freeze.so: tests/chaos/freeze.c | deps
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) -shared -fPIC -o $@ $< -ldl

chaos-check: $(CHAOS_DEPS)
	rm -rf $(BUILD)/chaos-check
	bash tests/chaos/run.sh --build $(BUILD) --trials 3 --seed 1000 \
		--keep $(BUILD)/chaos-check
