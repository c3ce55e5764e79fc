/*
 * check_planner.c - unit tests of the planner without a network: its
 * settings (errors naming file, line and key), check targets, health
 * thresholds, HTTP status lines, and the planner writing generations into
 * a real plan store (on change, periodically, not while paused, from a
 * plan another writer wrote) and keeping health across a reload.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "health.h"
#include "log.h"
#include "planner.h"
#include "planstore.h"
#include "region.h"
#include "plan_fixture.h"
#include "unit.h"

static char err[1024];

static void setup(void)
{
	fixture_setup();
	log_init("check_planner", LOG_LEVEL_ERR);
}

static const char *write_conf(const char *text)
{
	const char *path = fixture_path("planner.conf");
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* Reading @text must fail with an error containing "FILE:@line: ..."
 * followed by @what somewhere. */
static void conf_error(const char *text, int line, const char *key,
                       const char *what)
{
	struct planner_settings s;
	struct region *r = NULL;
	const char *path = write_conf(text);
	ck_assert_int_ne(region_read(path, 0, NULL, &s, &r, err, sizeof(err)),
	                 DP_OK);
	ck_assert_ptr_null(r);
	char where[256];
	snprintf(where, sizeof(where), "%s:%d: option '%s'", path, line, key);
	ck_assert_msg(strstr(err, where) != NULL, "'%s' lacks '%s'", err,
	              where);
	ck_assert_msg(strstr(err, what) != NULL, "'%s' lacks '%s'", err, what);
}

static const char good[] =
        "# a region\n"
        "region test-1\n"
        "store /tmp/x.db\n"
        "endpoint B.test\n"
        "endpoint a.test.\n"
        "lb b.test. 192.0.2.2 tcp://127.0.0.2:80 10 # trailing comment\n"
        "lb \"a.test. 2001:DB8::1 http://[::1]:8080/health 5\"\n"
        "lb b.test. 192.0.2.1 http://127.0.0.1/ 20\n"
        "check-interval-ms 500\n"
        "check-timeout-ms 200\n"
        "velocity-limit no\n";

START_TEST(test_settings)
{
	struct planner_settings s;
	struct region *r;
	const char *path = write_conf(good);
	ck_assert_msg(region_read(path, 0, NULL, &s, &r, err, sizeof(err)) ==
	                      DP_OK,
	              "%s", err);
	ck_assert_str_eq(r->name, "test-1");
	ck_assert_str_eq(s.store, "/tmp/x.db");
	ck_assert_int_eq(s.check_interval_ms, 500);
	ck_assert(!s.velocity_limit);
	ck_assert(s.fail_open);
	ck_assert_int_eq(s.velocity_max_drop, 25);
	/* Endpoints sorted and canonical, lbs grouped and sorted. */
	ck_assert_uint_eq(r->nendpoints, 2);
	ck_assert_str_eq(r->endpoints[0].name, "a.test.");
	ck_assert_str_eq(r->endpoints[1].name, "b.test.");
	ck_assert_uint_eq(r->nlbs, 3);
	ck_assert_uint_eq(r->endpoints[1].first, 1);
	ck_assert_uint_eq(r->endpoints[1].nlbs, 2);
	ck_assert_str_eq(r->lbs[0].address, "2001:db8::1");
	ck_assert_int_eq(r->lbs[0].check.kind, CHECK_HTTP);
	ck_assert_str_eq(r->lbs[0].check.hostport, "[::1]:8080");
	ck_assert_str_eq(r->lbs[0].check.path, "/health");
	ck_assert_str_eq(r->lbs[1].address, "192.0.2.1");
	ck_assert_str_eq(r->lbs[1].check.hostport, "127.0.0.1:80");
	ck_assert_uint_eq(r->lbs[1].weight, 20);
	ck_assert_str_eq(r->lbs[2].address, "192.0.2.2");
	ck_assert_int_eq(r->lbs[2].check.kind, CHECK_TCP);
	ck_assert_uint_eq(region_find_endpoint(r, "b.test."), 1);
	ck_assert_uint_eq(region_find_endpoint(r, "c.test."), SIZE_MAX);
	ck_assert_uint_eq(region_find_lb(r, 1, "192.0.2.2"), 2);
	ck_assert_uint_eq(region_find_lb(r, 0, "192.0.2.2"), SIZE_MAX);
	region_free(r);
	region_settings_free(&s);

	/* The command line overrides the file. */
	char *argv[] = {"--region", "test-2", "--velocity-max-drop", "50"};
	ck_assert_int_eq(region_read(path, 4, argv, &s, &r, err, sizeof(err)),
	                 DP_OK);
	ck_assert_str_eq(r->name, "test-2");
	ck_assert_int_eq(s.velocity_max_drop, 50);
	region_free(r);
	region_settings_free(&s);

	/* No file at all: safe defaults, nothing to check. */
	ck_assert_int_eq(region_read(NULL, 0, NULL, &s, &r, err, sizeof(err)),
	                 DP_OK);
	ck_assert_uint_eq(r->nendpoints, 0);
	ck_assert_int_eq(s.check_timeout_ms, 1000);
	ck_assert(s.velocity_limit);
	region_free(r);
	region_settings_free(&s);
}
END_TEST

START_TEST(test_settings_errors)
{
	conf_error("endpoint a.test.\n"
	           "lb a.test. 192.0.2.1 tcp://127.0.0.1:80 1\n"
	           "lb a.test. 192.0.2.2 ftp://127.0.0.1/ 1\n",
	           3, "lb", "expected tcp://");
	conf_error("endpoint a.test.\n"
	           "lb a.test. 192.0.2.1 tcp://127.0.0.1:80 1\n"
	           "\n"
	           "# b is not declared\n"
	           "lb b.test. 192.0.2.2 tcp://127.0.0.1:80 1\n",
	           5, "lb", "not declared by an endpoint line");
	conf_error("endpoint a.test.\n"
	           "lb a.test. 192.0.2.1 tcp://127.0.0.1:80 1\n"
	           "lb a.test. 192.0.2.2 tcp://127.0.0.2:80 1\n"
	           "lb a.test. 192.0.2.1 tcp://127.0.0.3:80 1\n",
	           4, "lb", "this address twice");
	conf_error("endpoint a.test.\n"
	           "endpoint lonely.test.\n"
	           "lb a.test. 192.0.2.1 tcp://127.0.0.1:80 1\n",
	           2, "endpoint", "no lb line");
	conf_error("endpoint a.test.\n"
	           "endpoint A.TEST.\n",
	           2, "endpoint", "declared twice");
	conf_error("check-interval-ms 100\n"
	           "check-timeout-ms 100\n",
	           2, "check-timeout-ms", "less than check-interval-ms");
	conf_error("endpoint a.test.\n"
	           "lb a.test. 192.0.2.1 tcp://127.0.0.1:80 0\n",
	           2, "lb", "WEIGHT");
	conf_error("endpoint a.test.\n"
	           "lb a.test. example.com tcp://127.0.0.1:80 1\n",
	           2, "lb", "ADDRESS");
	conf_error("endpoint a.test.\n"
	           "lb a.test. 192.0.2.1 tcp://127.0.0.1:80\n",
	           2, "lb", "ENDPOINT ADDRESS CHECK WEIGHT");
	conf_error("velocity-max-drop 0\n", 1, "velocity-max-drop",
	           "out of range");
	conf_error("region us-east-1\nfail-open maybe\n", 2, "fail-open",
	           "yes or no");
	conf_error("endpoint a..test\n", 1, "endpoint", "not a domain name");
	/* 4 labels of 61: 249 octets, too long for g<gen>._plan.NAME. */
	char conf[512] = "endpoint ";
	for (int i = 0; i < 4; i++) {
		memset(conf + strlen(conf), 'a', 61);
		conf[9 + 62 * i + 61] = '\0';
		strcat(conf, ".");
	}
	strcat(conf, "\n");
	conf_error(conf, 1, "endpoint", "at most 227 octets");
}
END_TEST

START_TEST(test_targets)
{
	struct check_target t;
	ck_assert_ptr_null(region_parse_target("tcp://127.0.0.1:80", &t));
	ck_assert_int_eq(t.kind, CHECK_TCP);
	ck_assert_int_eq(t.addr.sa.sa_family, AF_INET);
	ck_assert_ptr_null(region_parse_target("http://127.0.0.9", &t));
	ck_assert_str_eq(t.hostport, "127.0.0.9:80");
	ck_assert_str_eq(t.path, "/");
	ck_assert_ptr_null(
	        region_parse_target("http://[0::1]:8080/a/b?c=d", &t));
	ck_assert_int_eq(t.addr.sa.sa_family, AF_INET6);
	ck_assert_str_eq(t.hostport, "[::1]:8080");
	ck_assert_str_eq(t.path, "/a/b?c=d");
	static const char *const bad[] = {
	        "tcp://127.0.0.1",
	        "tcp://127.0.0.1:0",
	        "tcp://127.0.0.1:80/x",
	        "http://example.com/",
	        "http://127.0.0.1:99999/",
	        "udp://127.0.0.1:53",
	        "http://[::1/",
	        "http://127.0.0.1/a b",
	        "tcp://127.0.0.1:8x",
	        "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(region_parse_target(bad[i], &t) != NULL,
		              "'%s' accepted", bad[i]);
}
END_TEST

START_TEST(test_health)
{
	struct health h;
	memset(&h, 0, sizeof(h));
	/* The first result decides at once. */
	ck_assert(health_record(&h, true, "HTTP 200", 3, 2, 1));
	ck_assert_int_eq(h.state, HEALTH_UP);
	ck_assert_int_eq(h.since_ms, 1);
	/* Down after two failures in a row, not one. */
	ck_assert(!health_record(&h, false, "refused", 3, 2, 2));
	ck_assert(!health_record(&h, true, "HTTP 200", 3, 2, 3));
	ck_assert(!health_record(&h, false, "refused", 3, 2, 4));
	ck_assert_int_eq(h.state, HEALTH_UP);
	ck_assert(health_record(&h, false, "timeout", 3, 2, 5));
	ck_assert_int_eq(h.state, HEALTH_DOWN);
	ck_assert_str_eq(h.why, "timeout");
	ck_assert_int_eq(h.since_ms, 5);
	/* Up after three successes in a row. */
	ck_assert(!health_record(&h, true, "ok", 3, 2, 6));
	ck_assert(!health_record(&h, true, "ok", 3, 2, 7));
	ck_assert(!health_record(&h, false, "refused", 3, 2, 8));
	ck_assert(!health_record(&h, true, "ok", 3, 2, 9));
	ck_assert(!health_record(&h, true, "ok", 3, 2, 10));
	ck_assert(health_record(&h, true, "ok", 3, 2, 11));
	ck_assert_int_eq(h.state, HEALTH_UP);
	memset(&h, 0, sizeof(h));
	ck_assert(health_record(&h, false, "refused", 3, 2, 1));
	ck_assert_int_eq(h.state, HEALTH_DOWN);
	ck_assert_str_eq(health_state_name(HEALTH_UNKNOWN), "unknown");
}
END_TEST

static int status(const char *s)
{
	return health_http_status(s, strlen(s));
}

START_TEST(test_http_status)
{
	ck_assert_int_eq(status("HTTP/1.1 200 OK\r\n"), 200);
	ck_assert_int_eq(status("HTTP/1.0 503 Service Unavailable\r\n"), 503);
	ck_assert_int_eq(status("HTTP/1.1 204\r\n"), 204);
	ck_assert_int_eq(status("HTTP/1.1 20"), 0);
	ck_assert_int_eq(status("HTTP/"), 0);
	ck_assert_int_eq(status(""), 0);
	ck_assert_int_eq(status("SSH-2.0-OpenSSH"), -1);
	ck_assert_int_eq(status("HTTP/2 200 OK\r\n"), -1);
	ck_assert_int_eq(status("HTTP/1.1 2x0 OK\r\n"), -1);
	ck_assert_int_eq(status("HTTP/1.1 099 OK\r\n"), -1);
	ck_assert_int_eq(status("HTTP/1.1 2000 OK\r\n"), -1);
}
END_TEST

/* A region of one endpoint with four lbs, with the planner's settings. */
static struct region *small_region(struct planner_settings *s,
                                   const char *extra)
{
	char text[1024];
	snprintf(text, sizeof(text),
	         "region r\nendpoint a.test.\n"
	         "lb a.test. 10.0.0.1 tcp://127.0.0.1:1 10\n"
	         "lb a.test. 10.0.0.2 tcp://127.0.0.2:1 10\n"
	         "lb a.test. 10.0.0.3 tcp://127.0.0.3:1 10\n"
	         "lb a.test. 10.0.0.4 tcp://127.0.0.4:1 10\n"
	         "healthy-threshold 1\nunhealthy-threshold 1\n"
	         "plan-interval-ms 1000\n%s",
	         extra);
	struct region *r;
	ck_assert_msg(region_read(write_conf(text), 0, NULL, s, &r, err,
	                          sizeof(err)) == DP_OK,
	              "%s", err);
	return r;
}

/* A store and a planner on it for small_region(@extra). */
static struct planner *new_planner(struct planner_settings *s,
                                   const char *extra, struct planstore **ps)
{
	struct region *r = small_region(s, extra);
	struct planner *p;
	ck_assert_int_eq(
	        planstore_open(fixture_path("p.db"), ps, err, sizeof(err)),
	        DP_OK);
	ck_assert_int_eq(planner_new(s, r, *ps, &p, err, sizeof(err)), DP_OK);
	return p;
}

static uint64_t plan_at(struct planner *p, int64_t now)
{
	uint64_t g = 99;
	ck_assert_int_eq(planner_plan(p, now, &g), DP_OK);
	return g;
}

START_TEST(test_planner_writes)
{
	struct planner_settings s;
	struct planstore *ps;
	struct planner *p = new_planner(&s, "", &ps);
	const int64_t t = 1000000;
	for (size_t i = 0; i < 4; i++)
		planner_result(p, i, true, "ok", t);
	ck_assert_uint_eq(plan_at(p, t), 1);
	/* Nothing changed, not old enough. */
	ck_assert_uint_eq(plan_at(p, t + 500), 0);
	/* Periodic. */
	ck_assert_uint_eq(plan_at(p, t + 1000), 2);
	struct plan *q;
	ck_assert_int_eq(planstore_get_plan(ps, 2, &q, err, sizeof(err)),
	                 DP_OK);
	ck_assert_ptr_nonnull(strstr(q->reason, "no change, periodic"));
	ck_assert_uint_eq(q->endpoints[0].naddrs, 4);
	ck_assert_ptr_nonnull(strstr(q->writer, "planner pid"));
	planstore_plan_free(q);
	/* A change is written at once. */
	planner_result(p, 2, false, "connection refused", t + 1100);
	ck_assert_int_eq(planner_health(p, 2)->state, HEALTH_DOWN);
	ck_assert_uint_eq(plan_at(p, t + 1100), 3);
	ck_assert_int_eq(planstore_get_plan(ps, 3, &q, err, sizeof(err)),
	                 DP_OK);
	ck_assert_uint_eq(q->endpoints[0].naddrs, 3);
	ck_assert_str_eq(q->reason,
	                 "a.test.: -10.0.0.3 (down: connection refused)");
	planstore_plan_free(q);

	/* Paused: nothing is written, whatever happens. */
	ck_assert_int_eq(
	        planstore_set_paused(ps, true, "op", "test", err, sizeof(err)),
	        DP_OK);
	planner_result(p, 2, true, "ok", t + 1200);
	ck_assert_uint_eq(plan_at(p, t + 1200), 0);
	ck_assert_uint_eq(plan_at(p, t + 9000), 0);
	ck_assert_int_eq(
	        planstore_set_paused(ps, false, "op", "test", err, sizeof(err)),
	        DP_OK);
	ck_assert_uint_eq(plan_at(p, t + 9100), 4);

	/* Another writer's plan becomes the base. */
	struct plan *other = planstore_plan_new();
	struct plan_endpoint *ep =
	        planstore_plan_add_endpoint(other, "a.test.");
	planstore_endpoint_add_addr(ep, "10.0.0.1", 10);
	uint64_t g;
	ck_assert_int_eq(planstore_write_plan(ps, other, 4, "someone", &g, err,
	                                      sizeof(err)),
	                 DP_OK);
	ck_assert_uint_eq(g, 5);
	planstore_plan_free(other);
	ck_assert_uint_eq(plan_at(p, t + 9200), 6);
	ck_assert_int_eq(planstore_get_plan(ps, 6, &q, err, sizeof(err)),
	                 DP_OK);
	ck_assert_uint_eq(q->endpoints[0].naddrs, 4);
	ck_assert_ptr_nonnull(strstr(q->reason, "+10.0.0.2"));
	planstore_plan_free(q);

	planner_free(p);
	planstore_close(ps);
	region_settings_free(&s);
}
END_TEST

START_TEST(test_planner_fail_open_off)
{
	struct planner_settings s;
	struct planstore *ps;
	struct planner *p = new_planner(&s, "fail-open no\n", &ps);
	for (size_t i = 0; i < 4; i++)
		planner_result(p, i, false, "connection refused", 1);
	ck_assert_uint_eq(plan_at(p, 1), 1);
	struct plan *q;
	ck_assert_int_eq(planstore_get_plan(ps, 1, &q, err, sizeof(err)),
	                 DP_OK);
	ck_assert_uint_eq(q->nendpoints, 1);
	ck_assert_uint_eq(q->endpoints[0].naddrs, 0);
	ck_assert_ptr_nonnull(strstr(q->reason, "NO ADDRESS"));
	planstore_plan_free(q);
	planner_free(p);
	planstore_close(ps);
	region_settings_free(&s);
}
END_TEST

START_TEST(test_planner_reload)
{
	struct planner_settings s, s2;
	struct planstore *ps;
	struct planner *p = new_planner(&s, "", &ps);
	for (size_t i = 0; i < 4; i++)
		planner_result(p, i, i != 1, "x", 1);
	ck_assert_uint_eq(plan_at(p, 1), 1);
	/* 10.0.0.2 keeps its health; 10.0.0.3 is checked elsewhere now and
	 * 10.0.0.5 is new: both unknown, so the plan does not change. */
	const char text[] = "region r\nendpoint a.test.\n"
	                    "lb a.test. 10.0.0.1 tcp://127.0.0.1:1 10\n"
	                    "lb a.test. 10.0.0.2 tcp://127.0.0.2:1 10\n"
	                    "lb a.test. 10.0.0.3 tcp://127.0.0.33:1 10\n"
	                    "lb a.test. 10.0.0.5 tcp://127.0.0.5:1 10\n";
	struct region *r2;
	ck_assert_int_eq(region_read(write_conf(text), 0, NULL, &s2, &r2, err,
	                             sizeof(err)),
	                 DP_OK);
	planner_reload(p, &s2, r2);
	ck_assert_int_eq(planner_health(p, 0)->state, HEALTH_UP);
	ck_assert_int_eq(planner_health(p, 1)->state, HEALTH_DOWN);
	ck_assert_int_eq(planner_health(p, 2)->state, HEALTH_UNKNOWN);
	ck_assert_int_eq(planner_health(p, 3)->state, HEALTH_UNKNOWN);
	ck_assert_uint_eq(plan_at(p, 2), 2);
	struct plan *q;
	ck_assert_int_eq(planstore_get_plan(ps, 2, &q, err, sizeof(err)),
	                 DP_OK);
	/* Only the unconfigured 10.0.0.4 went. */
	ck_assert_uint_eq(q->endpoints[0].naddrs, 2);
	ck_assert_str_eq(q->endpoints[0].addrs[0].address, "10.0.0.1");
	ck_assert_str_eq(q->endpoints[0].addrs[1].address, "10.0.0.3");
	planstore_plan_free(q);
	planner_free(p);
	planstore_close(ps);
	region_settings_free(&s);
	region_settings_free(&s2);
}
END_TEST

static Suite *planner_suite(void)
{
	Suite *s = suite_create("planner");
	TCase *tc = tcase_create("planner");
	tcase_add_checked_fixture(tc, setup, fixture_teardown);
	tcase_add_test(tc, test_settings);
	tcase_add_test(tc, test_settings_errors);
	tcase_add_test(tc, test_targets);
	tcase_add_test(tc, test_health);
	tcase_add_test(tc, test_http_status);
	tcase_add_test(tc, test_planner_writes);
	tcase_add_test(tc, test_planner_fail_open_off);
	tcase_add_test(tc, test_planner_reload);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(planner_suite());
}
