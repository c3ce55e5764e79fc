# chaos.mk - the short chaos run of `make check`: three trials per mode
# on fixed seeds (tests/chaos/run.sh); `make chaos` in the top Makefile
# runs as many as asked.  Included by the top-level Makefile.

CHECK_TARGETS += chaos-check

.PHONY: chaos-check

chaos-check: $(PROGRAMS)
	rm -rf $(BUILD)/chaos-check
	bash tests/chaos/run.sh --build $(BUILD) --trials 3 --seed 1000 \
		--keep $(BUILD)/chaos-check
