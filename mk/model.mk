# model.mk - the SPIN model of the planner, the enactors and authd's guard
# (tests/model/), with several endpoints, an endpoint leaving the plan and
# a restored plan store: `make model` checks every configuration and
# replays the legacy counterexample against the real daemons; `make check`
# runs the quick set (model-check).  The verifiers are built under
# $(BUILD)/model.  Included by the top-level Makefile.

CHECK_TARGETS += model-check

.PHONY: model model-check

MODEL_NEEDS = $(BUILD)/authd $(BUILD)/enactor $(BUILD)/tests/planwrite

model: $(MODEL_NEEDS)
	@scripts/deps.sh build test model
	bash tests/model/run.sh --build $(BUILD) --full

model-check: $(MODEL_NEEDS)
	@scripts/deps.sh model
	bash tests/model/run.sh --build $(BUILD)
