/*
 * plan_fixture.c - the temporary directory of the plan store and planner
 * unit tests.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_fixture.h"

static char dir[64];

void fixture_setup(void)
{
	strcpy(dir, "/tmp/dnsplane-unit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

void fixture_teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

char *fixture_path(const char *name)
{
	static char p[4][128];
	static int i;
	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}
