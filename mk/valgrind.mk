# valgrind.mk - authd's end-to-end tests under valgrind's memcheck.
# `make valgrind` runs VALGRIND_TESTS with AUTHD wrapped in valgrind, so
# that a memory error or a definite leak makes authd exit 99, which the
# test's stop check reports; every report is also kept in
# $(BUILD)/valgrind/ and printed.  CI runs it after `make asan`.
# Included by the top-level Makefile.

VALGRIND_TESTS	?= tests/e2e/query.sh tests/e2e/update.sh
VALGRIND	= valgrind --error-exitcode=99 --leak-check=full \
		  --errors-for-leak-kinds=definite --quiet

.PHONY: valgrind

valgrind: $(PROGRAMS) $(TEST_PROGRAMS)
	@scripts/deps.sh build test valgrind
	rm -rf $(BUILD)/valgrind
	mkdir -p $(BUILD)/valgrind
	printf '#!/bin/sh\nexec %s --log-file=%s/authd.%%p.log %s "$$@"\n' \
		"$(VALGRIND)" "$(CURDIR)/$(BUILD)/valgrind" \
		"$(CURDIR)/$(BUILD)/authd" >$(BUILD)/valgrind/authd
	chmod 755 $(BUILD)/valgrind/authd
	@set -e; for t in $(VALGRIND_TESTS); do \
		echo "== $$t (authd under valgrind)"; \
		BUILD_DIR=$(CURDIR)/$(BUILD) \
		AUTHD=$(CURDIR)/$(BUILD)/valgrind/authd bash $$t; done
	@bad=0; for f in $(BUILD)/valgrind/authd.*.log; do \
		if [ -s "$$f" ]; then cat "$$f"; bad=1; fi; done; \
	[ $$bad -eq 0 ] && echo "valgrind: no error and no definite leak in" \
		"$$(ls $(BUILD)/valgrind/authd.*.log | wc -l) authd runs"
