/*
 * check_plan_compute.c - unit tests of the planner's decision: which
 * addresses go into the next plan from the health of the load balancers
 * and the previous plan; fail-open, the velocity limit, weights, unknown
 * health, endpoints coming and going, and the log line.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute.h"
#include "region.h"
#include "unit.h"

static struct planner_settings settings;
static char err[1024];

static const struct compute_rules safe = {true, true, 25};

/*
 * A region from "key value" strings.  Endpoint a.test. has lbs 10.0.0.1
 * .. 10.0.0.N with weight 10, unless @lines says otherwise.
 */
static struct region *region_of(const char *const *lines)
{
	char *argv[256];
	int argc = 0;
	for (size_t i = 0; lines[i] != NULL; i++) {
		const char *sp = strchr(lines[i], ' ');
		ck_assert_ptr_nonnull(sp);
		char key[64];
		snprintf(key, sizeof(key), "--%.*s", (int)(sp - lines[i]),
		         lines[i]);
		argv[argc++] = strdup(key);
		argv[argc++] = strdup(sp + 1);
	}
	struct region *r = NULL;
	dp_status rc =
	        region_read(NULL, argc, argv, &settings, &r, err, sizeof(err));
	ck_assert_msg(rc == DP_OK, "%s", err);
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	region_settings_free(&settings);
	return r;
}

/* Endpoint a.test. with @n lbs 10.0.0.1.., weight 10 each. */
static struct region *eight(int n)
{
	static char lines[16][96];
	const char *v[20];
	int k = 0;
	v[k++] = "endpoint a.test.";
	for (int i = 0; i < n; i++) {
		snprintf(lines[i], sizeof(lines[i]),
		         "lb a.test. 10.0.0.%d tcp://127.0.0.%d:80 10", i + 1,
		         i + 1);
		v[k++] = lines[i];
	}
	v[k] = NULL;
	return region_of(v);
}

static struct health *all(const struct region *r, enum health_state s)
{
	struct health *h = calloc(r->nlbs + 1, sizeof(*h));
	for (size_t i = 0; i < r->nlbs; i++) {
		h[i].state = s;
		snprintf(h[i].why, sizeof(h[i].why), "%s",
		         s == HEALTH_DOWN ? "connection refused" : "ok");
	}
	return h;
}

static void down(struct health *h)
{
	h->state = HEALTH_DOWN;
	snprintf(h->why, sizeof(h->why), "connection refused");
}

static size_t count(const struct compute_result *res,
                    enum compute_note_kind kind)
{
	size_t n = 0;
	for (size_t i = 0; i < res->nnotes; i++)
		n += res->notes[i].kind == kind;
	return n;
}

static const struct plan_endpoint *ep_of(const struct plan *p, const char *name)
{
	const struct plan_endpoint *ep = planstore_plan_endpoint(p, name);
	ck_assert_ptr_nonnull(ep);
	return ep;
}

static bool has_addr(const struct plan *p, const char *name, const char *a)
{
	const struct plan_endpoint *ep = ep_of(p, name);
	for (size_t i = 0; i < ep->naddrs; i++) {
		if (strcmp(ep->addrs[i].address, a) == 0)
			return true;
	}
	return false;
}

/*
 * A scenario: a region, the health of its lbs, the plan so far and the
 * result of the last computation.
 */
struct sc {
	struct region *r;
	struct health *h;
	struct plan *prev;
	struct compute_result res;
	char line[512];
};

/* Start with @r, every lb in @state, and the plan for that. */
static void sc_start(struct sc *s, struct region *r, enum health_state state)
{
	memset(s, 0, sizeof(*s));
	s->r = r;
	s->h = all(r, state);
	compute_plan(r, s->h, NULL, &safe, &s->res);
	s->prev = s->res.plan;
	s->res.plan = NULL;
	compute_result_free(&s->res);
}

/* Compute the next plan with @rules into s->res, and its log line. */
static struct compute_result *sc_next(struct sc *s,
                                      const struct compute_rules *rules)
{
	compute_result_free(&s->res);
	compute_plan(s->r, s->h, s->prev, rules, &s->res);
	compute_describe(&s->res, s->r, s->h, rules, s->line, sizeof(s->line));
	return &s->res;
}

/* The plan just computed becomes the previous one. */
static void sc_accept(struct sc *s)
{
	planstore_plan_free(s->prev);
	s->prev = s->res.plan;
	s->res.plan = NULL;
}

static size_t sc_naddrs(const struct sc *s)
{
	return ep_of(s->res.plan, "a.test.")->naddrs;
}

static bool sc_has(const struct sc *s, const char *address)
{
	return has_addr(s->res.plan, "a.test.", address);
}

static void sc_end(struct sc *s)
{
	compute_result_free(&s->res);
	planstore_plan_free(s->prev);
	free(s->h);
	region_free(s->r);
}

START_TEST(test_all_up)
{
	struct sc s;
	sc_start(&s, eight(8), HEALTH_UP);
	ck_assert_uint_eq(s.prev->nendpoints, 1);
	ck_assert_uint_eq(ep_of(s.prev, "a.test.")->naddrs, 8);
	ck_assert_uint_eq(ep_of(s.prev, "a.test.")->addrs[0].weight, 10);
	struct compute_result first;
	compute_plan(s.r, s.h, NULL, &safe, &first);
	ck_assert(first.changed);
	ck_assert(!first.held && !first.fail_open && !first.empty);
	ck_assert_uint_eq(first.nnotes, 0);
	compute_result_free(&first);
	/* The same health again: the same plan, nothing to say. */
	ck_assert(!sc_next(&s, &safe)->changed);
	ck_assert_uint_eq(s.res.nnotes, 0);
	ck_assert_str_eq(s.line, "no change");
	sc_end(&s);
}
END_TEST

START_TEST(test_one_down)
{
	struct sc s;
	sc_start(&s, eight(8), HEALTH_UP);
	down(&s.h[1]);
	sc_next(&s, &safe);
	ck_assert(s.res.changed);
	ck_assert(!s.res.held);
	ck_assert_uint_eq(sc_naddrs(&s), 7);
	ck_assert(!sc_has(&s, "10.0.0.2"));
	ck_assert_uint_eq(s.res.nnotes, 1);
	ck_assert_int_eq(s.res.notes[0].kind, NOTE_REMOVED);
	ck_assert_str_eq(s.res.notes[0].address, "10.0.0.2");
	ck_assert_uint_eq(s.res.notes[0].lb, 1);
	ck_assert_str_eq(s.line,
	                 "a.test.: -10.0.0.2 (down: connection refused)");
	sc_end(&s);
}
END_TEST

START_TEST(test_velocity)
{
	struct sc s;
	sc_start(&s, eight(8), HEALTH_UP);
	/* Half the capacity fails at once: 25 % goes per generation (but
	 * at least one address), the rest is held with its old weight. */
	for (int i = 0; i < 4; i++)
		down(&s.h[i]);
	static const size_t sizes[] = {6, 5, 4, 4};
	for (int g = 0; g < 4; g++) {
		sc_next(&s, &safe);
		ck_assert_uint_eq(sc_naddrs(&s), sizes[g]);
		ck_assert_int_eq(s.res.held, sizes[g] > 4);
		ck_assert_uint_eq(count(&s.res, NOTE_HELD), sizes[g] - 4);
		ck_assert_uint_eq(count(&s.res, NOTE_REMOVED),
		                  (g == 0 ? 8 : sizes[g - 1]) - sizes[g]);
		ck_assert_int_eq(s.res.changed, g < 3);
		for (int i = 4; i < 8; i++) {
			char a[32];
			snprintf(a, sizeof(a), "10.0.0.%d", i + 1);
			ck_assert(sc_has(&s, a));
		}
		if (g == 0) {
			/* The first two in address order go first. */
			ck_assert(!sc_has(&s, "10.0.0.1"));
			ck_assert(sc_has(&s, "10.0.0.3"));
			ck_assert_uint_eq(
			        s.res.plan->endpoints[0].addrs[0].weight, 10);
			ck_assert_str_eq(
			        s.line,
			        "a.test.: -10.0.0.1 -10.0.0.2 (down: "
			        "connection refused), =10.0.0.3 "
			        "=10.0.0.4 (velocity limit: at most 25% "
			        "of the capacity per generation)");
			/* Switched off, the four go at once. */
			struct plan *keep = s.res.plan;
			s.res.plan = NULL;
			struct compute_rules fast = {true, false, 25};
			sc_next(&s, &fast);
			ck_assert_uint_eq(sc_naddrs(&s), 4);
			ck_assert(!s.res.held);
			ck_assert_uint_eq(count(&s.res, NOTE_REMOVED), 4);
			planstore_plan_free(s.res.plan);
			s.res.plan = keep;
		}
		sc_accept(&s);
	}
	sc_end(&s);
}
END_TEST

START_TEST(test_velocity_progress)
{
	/* One heavy load balancer: more than the share, still removed. */
	const char *lines[] = {
	        "endpoint a.test.",
	        "lb a.test. 10.0.0.1 tcp://127.0.0.1:80 100",
	        "lb a.test. 10.0.0.2 tcp://127.0.0.2:80 1",
	        "lb a.test. 10.0.0.3 tcp://127.0.0.3:80 1",
	        NULL,
	};
	struct sc s;
	sc_start(&s, region_of(lines), HEALTH_UP);
	down(&s.h[0]);
	sc_next(&s, &safe);
	ck_assert(!sc_has(&s, "10.0.0.1"));
	ck_assert(!s.res.held);
	/* Two failing, none fits the share: the lighter goes first. */
	s.h[0].state = HEALTH_UP;
	down(&s.h[1]);
	down(&s.h[2]);
	struct compute_rules tiny = {true, true, 1};
	sc_next(&s, &tiny);
	ck_assert_uint_eq(sc_naddrs(&s), 2);
	ck_assert(!sc_has(&s, "10.0.0.2"));
	ck_assert(sc_has(&s, "10.0.0.3"));
	ck_assert(s.res.held);
	sc_end(&s);
}
END_TEST

START_TEST(test_fail_open)
{
	struct sc s;
	sc_start(&s, eight(4), HEALTH_UP);
	down(&s.h[0]);
	sc_next(&s, &safe);
	sc_accept(&s);
	ck_assert_uint_eq(ep_of(s.prev, "a.test.")->naddrs, 3);
	/* Everything down: the last set stays, and that is said. */
	for (int i = 0; i < 4; i++)
		down(&s.h[i]);
	sc_next(&s, &safe);
	ck_assert(s.res.fail_open);
	ck_assert(!s.res.changed);
	ck_assert(planstore_plan_same(s.res.plan, s.prev));
	ck_assert_uint_eq(count(&s.res, NOTE_FAIL_OPEN), 1);
	ck_assert(s.res.notes[0].from_earlier);
	ck_assert_uint_eq(s.res.notes[0].count, 3);
	ck_assert_str_eq(s.line, "a.test.: no load balancer up, fail-open "
	                         "keeps the 3 addresses of the previous plan");
	/* Without fail-open the endpoint is emptied, as in the incident. */
	struct compute_rules unsafe = {false, true, 25};
	sc_next(&s, &unsafe);
	ck_assert(s.res.empty);
	ck_assert(s.res.changed);
	ck_assert_uint_eq(sc_naddrs(&s), 0);
	ck_assert_uint_eq(count(&s.res, NOTE_EMPTY), 1);
	ck_assert_uint_eq(count(&s.res, NOTE_REMOVED), 3);
	sc_accept(&s);
	/* After an empty plan, fail-open falls back to every lb. */
	sc_next(&s, &safe);
	ck_assert_uint_eq(sc_naddrs(&s), 4);
	ck_assert_uint_eq(count(&s.res, NOTE_ADDED), 4);
	const struct compute_note *fo = &s.res.notes[s.res.nnotes - 1];
	ck_assert_int_eq(fo->kind, NOTE_FAIL_OPEN);
	ck_assert(!fo->from_earlier);
	ck_assert_uint_eq(fo->count, 4);
	/* And so with no plan at all. */
	planstore_plan_free(s.prev);
	s.prev = NULL;
	sc_next(&s, &safe);
	ck_assert_uint_eq(sc_naddrs(&s), 4);
	ck_assert(s.res.fail_open);
	sc_end(&s);
}
END_TEST

START_TEST(test_recovery)
{
	struct sc s;
	struct region *r = eight(8);
	sc_start(&s, r, HEALTH_DOWN);
	for (int i = 0; i < 2; i++)
		s.h[i].state = HEALTH_UP;
	planstore_plan_free(s.prev);
	s.prev = NULL;
	sc_next(&s, &safe);
	sc_accept(&s);
	ck_assert_uint_eq(ep_of(s.prev, "a.test.")->naddrs, 2);
	/* Capacity comes back all at once: no limit on adding. */
	for (int i = 0; i < 8; i++)
		s.h[i].state = HEALTH_UP;
	sc_next(&s, &safe);
	ck_assert_uint_eq(sc_naddrs(&s), 8);
	ck_assert_uint_eq(count(&s.res, NOTE_ADDED), 6);
	ck_assert_str_eq(s.line, "a.test.: +10.0.0.3 +10.0.0.4 +10.0.0.5 "
	                         "+10.0.0.6 +10.0.0.7 +10.0.0.8 (up)");
	sc_end(&s);
}
END_TEST

START_TEST(test_unknown)
{
	struct sc s;
	sc_start(&s, eight(3), HEALTH_UP);
	/* Not checked yet (a reload): no change either way. */
	s.h[0].state = HEALTH_UNKNOWN;
	ck_assert(!sc_next(&s, &safe)->changed);
	ck_assert(sc_has(&s, "10.0.0.1"));
	down(&s.h[0]);
	sc_next(&s, &safe);
	sc_accept(&s);
	ck_assert(!has_addr(s.prev, "a.test.", "10.0.0.1"));
	s.h[0].state = HEALTH_UNKNOWN;
	ck_assert(!sc_next(&s, &safe)->changed);
	ck_assert(!sc_has(&s, "10.0.0.1"));
	sc_end(&s);
}
END_TEST

START_TEST(test_config_changes)
{
	const char *before[] = {
	        "endpoint a.test.",
	        "endpoint old.test.",
	        "lb a.test. 10.0.0.1 tcp://127.0.0.1:80 10",
	        "lb a.test. 10.0.0.2 tcp://127.0.0.2:80 10",
	        "lb a.test. 10.0.0.3 tcp://127.0.0.3:80 10",
	        "lb a.test. 10.0.0.4 tcp://127.0.0.4:80 10",
	        "lb old.test. 10.9.0.1 tcp://127.0.0.9:80 10",
	        NULL,
	};
	const char *after[] = {
	        "endpoint a.test.",
	        "endpoint new.test.",
	        "lb a.test. 10.0.0.1 tcp://127.0.0.1:80 30",
	        "lb a.test. 10.0.0.2 tcp://127.0.0.2:80 10",
	        "lb a.test. 10.0.0.3 tcp://127.0.0.3:80 10",
	        "lb new.test. 2001:db8::1 http://[::1]:8080/health 5",
	        NULL,
	};
	struct sc s;
	sc_start(&s, region_of(before), HEALTH_UP);
	free(s.h);
	region_free(s.r);
	s.r = region_of(after);
	s.h = all(s.r, HEALTH_UP);
	sc_next(&s, &safe);
	ck_assert(s.res.changed);
	ck_assert_uint_eq(s.res.plan->nendpoints, 2);
	ck_assert_ptr_null(planstore_plan_endpoint(s.res.plan, "old.test."));
	ck_assert_uint_eq(ep_of(s.res.plan, "new.test.")->naddrs, 1);
	ck_assert_uint_eq(ep_of(s.res.plan, "a.test.")->addrs[0].weight, 30);
	ck_assert(!sc_has(&s, "10.0.0.4"));
	ck_assert_uint_eq(count(&s.res, NOTE_WEIGHT), 1);
	ck_assert_uint_eq(count(&s.res, NOTE_ENDPOINT_ADDED), 1);
	ck_assert_uint_eq(count(&s.res, NOTE_ENDPOINT_REMOVED), 1);
	ck_assert_str_eq(s.line,
	                 "a.test.: -10.0.0.4 (no longer configured), "
	                 "~10.0.0.1 (weight 10 -> 30); new.test.: new "
	                 "endpoint with 1 addresses; old.test.: endpoint no "
	                 "longer configured, its 1 addresses dropped");
	/* A short buffer says how much did not fit. */
	char small[80];
	compute_describe(&s.res, s.r, s.h, &safe, small, sizeof(small));
	ck_assert_uint_lt(strlen(small), sizeof(small));
	ck_assert_ptr_nonnull(strstr(small, " more"));
	sc_end(&s);
}
END_TEST

static Suite *compute_suite(void)
{
	Suite *s = suite_create("plan_compute");
	TCase *tc = tcase_create("compute");
	tcase_add_test(tc, test_all_up);
	tcase_add_test(tc, test_one_down);
	tcase_add_test(tc, test_velocity);
	tcase_add_test(tc, test_velocity_progress);
	tcase_add_test(tc, test_fail_open);
	tcase_add_test(tc, test_recovery);
	tcase_add_test(tc, test_unknown);
	tcase_add_test(tc, test_config_changes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(compute_suite());
}
