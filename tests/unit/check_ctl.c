/*
 * check_ctl.c - unit tests of the operator CLI's judgement of an
 * endpoint (ok, behind, broken, and the reason given) from what authd
 * serves and what the store holds, and of its small helpers.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "unit.h"

/* An endpoint on plan @gen with its marker and @naddrs addresses. */
static struct ctl_endpoint on_plan(uint64_t gen, unsigned naddrs)
{
	struct ctl_endpoint ep;
	memset(&ep, 0, sizeof(ep));
	ep.name = "e.api.test.";
	ep.st.cname = true;
	snprintf(ep.st.target, sizeof(ep.st.target), "g%llu._plan.e.api.test.",
	         (unsigned long long)gen);
	ep.st.target_gen = gen;
	ep.st.marker = 1;
	ep.st.gen = gen;
	ep.st.naddrs = naddrs;
	ep.plan_exists = true;
	ep.newest = gen;
	ep.issued = gen;
	return ep;
}

static void assert_judged(struct ctl_endpoint *ep, enum ctl_health h,
                          const char *why)
{
	ctl_judge(ep);
	ck_assert_str_eq(ctl_health_name(ep->health), ctl_health_name(h));
	ck_assert_str_eq(ep->why, why);
}

START_TEST(test_ok_and_behind)
{
	struct ctl_endpoint ep = on_plan(3, 2);
	assert_judged(&ep, CTL_OK, "");
	ep.newest = 5;
	assert_judged(&ep, CTL_BEHIND, "on plan 3; plan 5 is newer");
	/* Newer than the newest with addresses for it: still ok. */
	ep.newest = 2;
	assert_judged(&ep, CTL_OK, "");
}
END_TEST

START_TEST(test_ahead)
{
	/* Marked with a generation above every plan of the store
	 * (restored, or raised by hand): ahead, still serving, whatever
	 * its CNAME names. */
	struct ctl_endpoint ep = on_plan(100005, 2);
	ep.plan_exists = false;
	ep.newest = ep.issued = 12;
	const char *why = "marked 100005, above every generation the store "
	                  "issued (12: a restored store, or a marker raised "
	                  "by hand): a planner with 'server' set writes past "
	                  "it; else repair --lower-fence";
	assert_judged(&ep, CTL_AHEAD, why);
	ck_assert(ep.ahead);
	ep.st.target_gen = 11;
	ep.plan_exists = true;
	assert_judged(&ep, CTL_AHEAD, why);
	/* Without an address it is broken, and still ahead (repair
	 * needs --lower-fence for it). */
	ep.st.naddrs = 0;
	ctl_judge(&ep);
	ck_assert_int_eq(ep.health, CTL_BROKEN);
	ck_assert(ep.ahead);
}
END_TEST

START_TEST(test_empty)
{
	struct ctl_endpoint ep = on_plan(3, 0);
	ep.st.rcode = 3;
	ep.plan_exists = false;
	assert_judged(&ep, CTL_BROKEN,
	              "NXDOMAIN: its plan 3 is not in the store; no legacy "
	              "enactor can commit a move: its transaction points the "
	              "rollback record at plan 3, which no longer exists");
	ep.deleted = true;
	ep.deletion.deleted_ms = 1760940000000;
	snprintf(ep.deletion.deleted_by, sizeof(ep.deletion.deleted_by),
	         "enactor-2");
	snprintf(ep.deletion.reason, sizeof(ep.deletion.reason), "cleanup");
	assert_judged(&ep, CTL_BROKEN,
	              "NXDOMAIN: its plan 3 was deleted 2025-10-20T06:00:00Z "
	              "by enactor-2 (cleanup); no legacy enactor can commit a "
	              "move: its transaction points the rollback record at "
	              "plan 3, which no longer exists");
	ep = on_plan(3, 0);
	ep.st.rcode = 3;
	assert_judged(&ep, CTL_BROKEN,
	              "NXDOMAIN: the records of plan 3 are missing in authd");
	ep = on_plan(3, 0);
	ep.st.target_gen = 0;
	snprintf(ep.st.target, sizeof(ep.st.target), "elsewhere.test.");
	assert_judged(&ep, CTL_BROKEN,
	              "NOERROR: CNAME to elsewhere.test., no address");
	ep.st.cname = false;
	assert_judged(&ep, CTL_BROKEN, "NOERROR: no address");
}
END_TEST

START_TEST(test_not_on_a_plan)
{
	struct ctl_endpoint ep = on_plan(0, 1);
	ep.st.cname = false;
	ep.st.marker = 0;
	ep.plan_exists = false;
	assert_judged(&ep, CTL_BROKEN,
	              "not on a plan: 1 address of its own, no CNAME to a "
	              "plan");
	ep.st.naddrs = 2;
	assert_judged(&ep, CTL_BROKEN,
	              "not on a plan: 2 addresses of its own, no CNAME to a "
	              "plan");
	ep.st.cname = true;
	snprintf(ep.st.target, sizeof(ep.st.target), "lb.test.");
	assert_judged(&ep, CTL_BROKEN, "not on a plan: CNAME to lb.test.");
}
END_TEST

START_TEST(test_marker_and_gone)
{
	struct ctl_endpoint ep = on_plan(4, 2);
	ep.plan_exists = false;
	assert_judged(&ep, CTL_BROKEN,
	              "its plan 4 is not in the store; its records are still "
	              "served");
	ep = on_plan(4, 2);
	ep.st.marker = 0;
	assert_judged(&ep, CTL_BROKEN,
	              "no generation marker at _gen.e.api.test.");
	ep.st.marker = -1;
	assert_judged(&ep, CTL_BROKEN,
	              "malformed generation marker at _gen.e.api.test.");
	ep.st.marker = 1;
	ep.st.gen = 6;
	ep.issued = 7;
	assert_judged(&ep, CTL_BROKEN,
	              "the marker says 6, the CNAME names plan 4");
}
END_TEST

START_TEST(test_helpers)
{
	char t[32];
	ck_assert_str_eq(ctl_format_time(0, t, sizeof(t)), "never");
	ck_assert_str_eq(ctl_format_time(1760940000999, t, sizeof(t)),
	                 "2025-10-20T06:00:00Z");
	ck_assert_str_eq(ctl_result_name(CTL_APPLIED), "applied");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_ok_and_behind);
	tcase_add_test(tc, test_ahead);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_not_on_a_plan);
	tcase_add_test(tc, test_marker_and_gone);
	tcase_add_test(tc, test_helpers);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
