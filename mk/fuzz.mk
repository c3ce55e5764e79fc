# fuzz.mk - the libFuzzer targets of fuzz/ and their seed corpora.
# Included by the top-level Makefile.
#
#   make check            replays every seed of fuzz/corpus/ through each
#                         target, built with $(CC) and fuzz/replay.c
#   make fuzz             FUZZ_SECONDS=N per target (FUZZ_TARGETS to pick),
#                         clang with libFuzzer, ASan and UBSan, in
#                         $(FUZZ_BUILD); new inputs go to
#                         $(FUZZ_BUILD)/corpus/TARGET, crashes to
#                         $(FUZZ_BUILD)/crashes/TARGET, never to fuzz/
#   make fuzz-cov         line and branch coverage of the seeds and of
#                         what `make fuzz` found (llvm-cov), for the
#                         files each target is about (FUZZ_COV_TARGET)
#   make fuzz-merge       keep in fuzz/grown/TARGET the inputs `make fuzz`
#                         found that reach code the seeds and fuzz/grown
#                         do not (libFuzzer -merge=1); fuzz-replay runs
#                         them too
#
# The update target is built twice for the replay: with TSIG bypassed
# (-DDP_FUZZ_NO_TSIG, as it is fuzzed) and with TSIG checked, which only
# the signed seeds get past.

FUZZ_TARGETS	?= query update zonefile config store
FUZZ_SECONDS	?= 60
FUZZ_BUILD	?= build-fuzz
FUZZ_FLAGS	?=
FUZZ_SAN	= -fsanitize=fuzzer-no-link,address,undefined \
		  -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_COV	= -fprofile-instr-generate -fcoverage-mapping
REPLAY_BIN	= $(patsubst %,$(BUILD)/fuzz/replay_%,query update update_tsig \
		  zonefile config store)

CHECK_TARGETS += fuzz-replay

.PHONY: fuzz fuzz-build fuzz-bins fuzz-replay fuzz-cov fuzz-cov-bins \
	fuzz-merge clean-fuzz

# The libraries come from every component, several of them included
# after this file: expand the list when the rule is used.
.SECONDEXPANSION:

$(BUILD)/obj/fuzz/update.o: ALL_CFLAGS += -DDP_FUZZ_NO_TSIG
$(BUILD)/obj/fuzz/fuzz.o: ALL_CFLAGS += -DFUZZ_ROOT='"$(CURDIR)"'

$(BUILD)/obj/fuzz/update_tsig.o: fuzz/update.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/fuzz/replay_%: $(BUILD)/obj/fuzz/%.o $(BUILD)/obj/fuzz/fuzz.o \
		$(BUILD)/obj/fuzz/replay.o $$(UNIT_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/fuzz/fuzz_%: $(BUILD)/obj/fuzz/%.o $(BUILD)/obj/fuzz/fuzz.o \
		$$(UNIT_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

# LeakSanitizer reads fuzz/TARGET.supp where a target has one (a leak
# inside ldns); it is ignored without ASan.
FUZZ_ENV	= s=$(CURDIR)/fuzz/$$t.supp; \
		  if [ -f $$s ]; then export LSAN_OPTIONS=suppressions=$$s; \
		  else unset LSAN_OPTIONS; fi

fuzz-replay: $(REPLAY_BIN)
	@set -e; for t in $(FUZZ_TARGETS) update_tsig; do $(FUZZ_ENV); \
		c=$${t%_tsig}; $(BUILD)/fuzz/replay_$$t fuzz/corpus/$$c \
		$$(ls -d fuzz/grown/$$c 2>/dev/null); done

fuzz-bins: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)

fuzz-build:
	@scripts/deps.sh build fuzz
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang CFLAGS="-O1 -g" \
		SAN="$(FUZZ_SAN)" fuzz-bins

fuzz: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do $(FUZZ_ENV); \
		mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/crashes/$$t; \
		echo "== fuzz $$t for $(FUZZ_SECONDS) s"; \
		$(FUZZ_BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
			-artifact_prefix=$(FUZZ_BUILD)/crashes/$$t/ \
			-print_final_stats=1 $(FUZZ_FLAGS) \
			$(FUZZ_BUILD)/corpus/$$t fuzz/corpus/$$t; done

# What the fuzzer found beyond the seeds and fuzz/grown: merged into a
# scratch copy of both, the new files (named by their SHA-1) moved to
# fuzz/grown/TARGET.
fuzz-merge: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do $(FUZZ_ENV); \
		m=$(FUZZ_BUILD)/merge/$$t; g=fuzz/grown/$$t; rm -rf $$m; \
		mkdir -p $$m $$g $(FUZZ_BUILD)/corpus/$$t; \
		cp fuzz/corpus/$$t/* $$m/; cp $$g/* $$m/ 2>/dev/null || :; \
		$(FUZZ_BUILD)/fuzz/fuzz_$$t -merge=1 -use_counters=0 $$m \
			$(FUZZ_BUILD)/corpus/$$t 2>$$m.log; \
		n=0; for f in $$m/*; do b=$${f##*/}; \
			if [ ! -e fuzz/corpus/$$t/$$b ] && [ ! -e $$g/$$b ]; \
			then mv $$f $$g/; n=$$((n + 1)); fi; done; \
		echo "fuzz-merge $$t: $$n inputs added to $$g" \
			"($$(ls $$g | wc -l) in all)"; done

# The files each target is about, for its coverage figures.
FUZZ_COV_query	  = authd/answer.c authd/xfr.c common/tsig.c common/dname.c \
		    tools/dnsprobe_judge.c
FUZZ_COV_update	  = authd/update.c authd/zone.c common/tsig.c
FUZZ_COV_zonefile = authd/zonestore.c authd/zone.c
FUZZ_COV_store	  = common/planstore.c common/layout.c
FUZZ_COV_config	  = common/config.c authd/settings.c planner/region.c \
		    enactor/settings.c common/keys.c tools/json.c

fuzz-cov-bins: $(REPLAY_BIN)

# llvm-cov reports on the FUZZ_COV_ files of the target the shell loop
# is at: the foreach writes one test per target, and the match echoes.
fuzz-cov:
	@scripts/deps.sh build fuzz
	$(MAKE) BUILD=$(FUZZ_BUILD)/cov CC=clang CFLAGS="-O1 -g" \
		SAN="$(FUZZ_COV)" fuzz-cov-bins
	@set -e; b=$(FUZZ_BUILD)/cov; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$t; \
		LLVM_PROFILE_FILE=$$b/$$t.profraw $$b/fuzz/replay_$$t \
			fuzz/corpus/$$t $(FUZZ_BUILD)/corpus/$$t >/dev/null; \
		llvm-profdata merge -o $$b/$$t.profdata $$b/$$t.profraw; \
		echo "== $$t (seeds and $(FUZZ_BUILD)/corpus/$$t)"; \
		llvm-cov report $$b/fuzz/replay_$$t \
			-instr-profile=$$b/$$t.profdata \
			$(foreach t,$(FUZZ_TARGETS),$$([ $$t = $(t) ] && \
			echo $(FUZZ_COV_$(t)))) | \
			awk 'NR > 2 && !/^-/ { printf "%-24s lines %7s" \
			"  branches %7s\n", $$1, $$10, $$13 }'; done

clean: clean-fuzz

clean-fuzz:
	rm -rf $(FUZZ_BUILD)
