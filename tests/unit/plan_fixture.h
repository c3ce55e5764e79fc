/*
 * plan_fixture.h - a temporary directory for the unit tests of the plan
 * store and the planner, made before each test and removed after it.
 */
#ifndef PLAN_FIXTURE_H
#define PLAN_FIXTURE_H

/* fixture_setup - make the directory (a Check fixture). */
void fixture_setup(void);

/* fixture_teardown - remove it and everything in it. */
void fixture_teardown(void);

/*
 * fixture_path - the path of @name in the directory, in one of four
 * static buffers used in turn (so a few can be used at once).
 */
char *fixture_path(const char *name);

#endif /* PLAN_FIXTURE_H */
