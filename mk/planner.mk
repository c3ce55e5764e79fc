# planner.mk - the plan store's compiled-in schema and the tests of the
# store.  Included by the top-level Makefile.

# The plan store is in common/; its schema steps are compiled in.
$(BUILD)/gen/sql_planstore.c: sql/planstore.sql scripts/embed-sql.sh
	@mkdir -p $(dir $@)
	scripts/embed-sql.sh sql_planstore $< > $@

$(LIBCOMMON): $(BUILD)/gen/sql_planstore.o

# The unit tests of the store and the planner share a fixture.
$(BUILD)/tests/check_planstore: $(BUILD)/tests/plan_fixture.o
