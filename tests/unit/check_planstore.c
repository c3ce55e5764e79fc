/*
 * check_planstore.c - unit tests of the plan store: creation, refusal of
 * foreign and newer files, migration from schema version 1, plans in and
 * out, generations that never repeat, immutability enforced by the schema
 * against any writer, deletion with a record, several processes writing
 * at once, enactor reports and the automation switch, and plans written
 * by hand that no reader accepts.
 *
 * With DNSPLANE_TEST_ETCD set to an etcd URL (tests/e2e/etcd_store.sh
 * starts a cluster and sets it), the store's behavioural tests run
 * against that cluster instead, each on an emptied store, with the
 * tests of what is etcd's own: a plan written over by hand, a plan over
 * etcd's request size, a cluster without a store, the counter raised,
 * the enactors' liveness leases.
 * The tests of SQLite files (schema, migration, WAL, report files) run
 * on SQLite only.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>
#include <uv.h>

#include "etcd.h"
#include "planstore.h"
#include "sqlstore.h"
#include "plan_fixture.h"
#include "unit.h"
#include "xalloc.h"

/* The schema steps (sql/planstore.sql), as the store runs them. */
extern const char *const sql_planstore[];

static char err[1024];

/* The etcd store under test, or NULL: SQLite files in the fixture. */
static const char *etcd_url;

/* The --store of the store called @name: on etcd, the one cluster. */
static const char *store_name(const char *name)
{
	return etcd_url ? etcd_url : fixture_path(name);
}

static struct planstore *open_store(const char *name)
{
	struct planstore *ps = NULL;
	ck_assert_msg(planstore_open(store_name(name), &ps, err, sizeof(err)) ==
	                      DP_OK,
	              "%s", err);
	return ps;
}

/*
 * Write @value over @key by hand, as anyone with access to etcd could;
 * a NULL @value deletes every key @key prefixes.
 */
static void etcd_write(const char *key, const char *value)
{
	struct etcd_sync *s;
	struct etcd_resp *res;
	ck_assert_msg(etcd_sync_new(etcd_url, NULL, &s, err, sizeof(err)) ==
	                      DP_OK,
	              "%s", err);
	if (value != NULL)
		etcd_put(etcd_sync_client(s), key, value, strlen(value), 0,
		         etcd_sync_cb, s);
	else
		etcd_delete(etcd_sync_client(s), key, true, etcd_sync_cb, s);
	dp_status st = etcd_sync_wait(s, &res);
	ck_assert_msg(st == DP_OK, "%s: %s", key, res ? res->error : "");
	etcd_sync_free(s);
}

/* The fixture: a temporary directory and, on etcd, an empty store. */
static void store_setup(void)
{
	fixture_setup();
	if (etcd_url != NULL)
		etcd_write("/dnsplane/", NULL);
}

/* Run @sql on the file with a plain connection; returns the SQLite code
 * and leaves the message in err. */
static int raw(const char *name, const char *sql)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(fixture_path(name), &db), SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	snprintf(err, sizeof(err), "%s", msg ? msg : "");
	sqlite3_free(msg);
	sqlite3_close(db);
	return rc;
}

static long long raw_int(const char *name, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_open(fixture_path(name), &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* A plan: endpoint a with two IPv4, b with IPv6 and IPv4, c empty. */
static struct plan *sample(unsigned w)
{
	struct plan *p = planstore_plan_new();
	struct plan_endpoint *ep = planstore_plan_add_endpoint(p, "c.test.");
	ep = planstore_plan_add_endpoint(p, "a.test.");
	ck_assert_int_eq(planstore_endpoint_add_addr(ep, "192.0.2.2", w),
	                 DP_OK);
	ck_assert_int_eq(planstore_endpoint_add_addr(ep, "192.0.2.1", 7),
	                 DP_OK);
	ep = planstore_plan_add_endpoint(p, "b.test.");
	ck_assert_int_eq(planstore_endpoint_add_addr(ep, "2001:db8::1", 65535),
	                 DP_OK);
	ck_assert_int_eq(planstore_endpoint_add_addr(ep, "198.51.100.9", 1),
	                 DP_OK);
	planstore_plan_sort(p);
	p->reason = xstrdup("because");
	return p;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

START_TEST(test_create)
{
	struct planstore *ps = open_store("p.db");
	char region[64];
	ck_assert_int_eq(
	        planstore_region(ps, region, sizeof(region), err, sizeof(err)),
	        DP_OK);
	ck_assert_str_eq(region, "");
	ck_assert_int_eq(planstore_bind_region(ps, "r1", err, sizeof(err)),
	                 DP_OK);
	ck_assert_int_eq(planstore_bind_region(ps, "r1", err, sizeof(err)),
	                 DP_OK);
	ck_assert_int_eq(planstore_bind_region(ps, "r2", err, sizeof(err)),
	                 DP_EFOREIGN);
	ck_assert_ptr_nonnull(strstr(err, "region 'r1', not 'r2'"));
	uint64_t g = 99;
	ck_assert_int_eq(planstore_newest(ps, &g, err, sizeof(err)), DP_OK);
	ck_assert_uint_eq(g, 0);
	planstore_close(ps);
	if (etcd_url != NULL) {
		ps = open_store("p.db");
		ck_assert_int_eq(
		        planstore_bind_region(ps, "r2", err, sizeof(err)),
		        DP_EFOREIGN);
		planstore_close(ps);
		return;
	}
	ck_assert_int_eq(raw_int("p.db", "PRAGMA application_id"),
	                 PLANSTORE_APP_ID);
	ck_assert_int_eq(raw_int("p.db", "PRAGMA user_version"),
	                 PLANSTORE_VERSION);
	ck_assert_int_eq(raw_int("p.db", "SELECT count(*) FROM sqlite_master "
	                                 "WHERE name = 'control'"),
	                 1);
	/* WAL is a property of the file. */
	sqlite3 *db;
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_open(fixture_path("p.db"), &db), SQLITE_OK);
	sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(db);
	/* Reopened, the binding holds. */
	ps = open_store("p.db");
	ck_assert_int_eq(planstore_bind_region(ps, "r2", err, sizeof(err)),
	                 DP_EFOREIGN);
	planstore_close(ps);
}
END_TEST

/*
 * An etcd URL is not a file name: it is taken as a cluster, and members
 * that do not answer give DP_EUNREACHABLE with a message naming them; a
 * malformed URL gets the parser's words.  Nothing is created in the
 * working directory either way.
 */
START_TEST(test_etcd_url)
{
	struct planstore *ps = NULL;
	char cwd[4096];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(fixture_path(".")), 0);

	/* Port 1 on loopback: nothing listens there. */
	const char *url = "etcd://127.0.0.1:1";
	ck_assert_int_eq(planstore_open(url, &ps, err, sizeof(err)),
	                 DP_EUNREACHABLE);
	ck_assert_ptr_null(ps);
	ck_assert_msg(strstr(err, url) != NULL, "%s", err);
	ck_assert_msg(strstr(err, "127.0.0.1:1") != NULL, "%s", err);

	/* A malformed URL: the parser's words, not a file error. */
	ck_assert_int_eq(
	        planstore_open("etcd://127.0.0.1", &ps, err, sizeof(err)),
	        DP_EINVAL);
	ck_assert_ptr_null(ps);
	ck_assert_ptr_nonnull(strstr(err, "127.0.0.1"));
	ck_assert_ptr_nonnull(strstr(err, "port"));

	ck_assert_int_eq(access("etcd:", F_OK), -1);
	ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

START_TEST(test_foreign)
{
	struct planstore *ps = NULL;
	/* Another program's database: refused and left as it was. */
	ck_assert_int_eq(raw("other.db", "PRAGMA application_id = 1234; "
	                                 "CREATE TABLE t (x);"),
	                 SQLITE_OK);
	ck_assert_int_eq(
	        planstore_open(fixture_path("other.db"), &ps, err, sizeof(err)),
	        DP_EFOREIGN);
	ck_assert_ptr_null(ps);
	ck_assert_ptr_nonnull(strstr(err, "not a dnsplane plan store"));
	ck_assert_ptr_nonnull(strstr(err, "other.db"));
	ck_assert_int_eq(raw_int("other.db", "SELECT count(*) FROM "
	                                     "sqlite_master"),
	                 1);
	ck_assert_int_eq(access(fixture_path("other.db-wal"), F_OK), -1);

	/* Tables but no application id. */
	ck_assert_int_eq(raw("anon.db", "CREATE TABLE plan (x);"), SQLITE_OK);
	ck_assert_int_eq(
	        planstore_open(fixture_path("anon.db"), &ps, err, sizeof(err)),
	        DP_EFOREIGN);

	/* Ours, but newer than this program. */
	char sql[128];
	snprintf(sql, sizeof(sql),
	         "PRAGMA application_id = %d; PRAGMA user_version = 99; "
	         "CREATE TABLE future (x);",
	         PLANSTORE_APP_ID);
	ck_assert_int_eq(raw("new.db", sql), SQLITE_OK);
	ck_assert_int_eq(
	        planstore_open(fixture_path("new.db"), &ps, err, sizeof(err)),
	        DP_EFOREIGN);
	ck_assert_ptr_nonnull(strstr(err, "version 99"));

	/* Not a database at all. */
	FILE *f = fopen(fixture_path("text.db"), "w");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 100; i++)
		fputs("this is not an SQLite database file\n", f);
	fclose(f);
	ck_assert_int_ne(
	        planstore_open(fixture_path("text.db"), &ps, err, sizeof(err)),
	        DP_OK);
	ck_assert_ptr_null(ps);
}
END_TEST

START_TEST(test_migration)
{
	/* A store of schema version 1 with one plan in it. */
	char *sql = xasprintf(
	        "PRAGMA journal_mode=WAL; BEGIN; %s "
	        "PRAGMA application_id = %d; PRAGMA user_version = 1; "
	        "UPDATE store SET last_generation = 1, region = 'r'; "
	        "INSERT INTO endpoint (name) VALUES ('a.test.'); "
	        "INSERT INTO plan_endpoint VALUES "
	        "(1, 1, '{\"192.0.2.1\":5}'); "
	        "INSERT INTO plan VALUES (1, 1000, 'old', 1, 1, 'x'); "
	        "COMMIT;",
	        sql_planstore[0], PLANSTORE_APP_ID);
	ck_assert_msg(raw("v1.db", sql) == SQLITE_OK, "%s", err);
	free(sql);
	ck_assert_int_eq(raw_int("v1.db", "SELECT count(*) FROM sqlite_master "
	                                  "WHERE name = 'enactor'"),
	                 0);

	struct planstore *ps = open_store("v1.db");
	ck_assert_int_eq(raw_int("v1.db", "PRAGMA user_version"),
	                 PLANSTORE_VERSION);
	struct plan *p;
	ck_assert_int_eq(planstore_get_plan(ps, 1, &p, err, sizeof(err)),
	                 DP_OK);
	ck_assert_uint_eq(p->nendpoints, 1);
	ck_assert_str_eq(p->endpoints[0].addrs[0].address, "192.0.2.1");
	ck_assert_uint_eq(p->endpoints[0].addrs[0].weight, 5);
	ck_assert_int_eq(p->created_ms, 1000);
	planstore_plan_free(p);
	/* What step 2 brought works. */
	ck_assert_int_eq(planstore_heartbeat(ps, "e1", 1, 5, err, sizeof(err)),
	                 DP_OK);
	bool paused = true;
	ck_assert_int_eq(planstore_get_paused(ps, &paused, err, sizeof(err)),
	                 DP_OK);
	ck_assert(!paused);
	/* Generations go on from the old counter. */
	uint64_t g;
	p = sample(1);
	ck_assert_int_eq(
	        planstore_write_plan(ps, p, 1, "t", &g, err, sizeof(err)),
	        DP_OK);
	ck_assert_uint_eq(g, 2);
	planstore_plan_free(p);
	planstore_close(ps);
}
END_TEST

START_TEST(test_write_read)
{
	struct planstore *ps = open_store("p.db");
	struct plan *p = sample(3), *q;
	uint64_t g = 0;
	int64_t before = now_ms();
	ck_assert_msg(planstore_write_plan(ps, p, 0, "tester", &g, err,
	                                   sizeof(err)) == DP_OK,
	              "%s", err);
	ck_assert_uint_eq(g, 1);
	uint64_t newest;
	ck_assert_int_eq(planstore_newest(ps, &newest, err, sizeof(err)),
	                 DP_OK);
	ck_assert_uint_eq(newest, 1);

	ck_assert_int_eq(planstore_get_plan(ps, 1, &q, err, sizeof(err)),
	                 DP_OK);
	ck_assert(planstore_plan_same(p, q));
	ck_assert_uint_eq(q->generation, 1);
	ck_assert_str_eq(q->writer, "tester");
	ck_assert_str_eq(q->reason, "because");
	ck_assert_int_ge(q->created_ms, before);
	ck_assert_int_le(q->created_ms, now_ms());
	ck_assert_uint_eq(q->nendpoints, 3);
	ck_assert_str_eq(q->endpoints[0].name, "a.test.");
	ck_assert_str_eq(q->endpoints[0].addrs[0].address, "192.0.2.1");
	ck_assert_uint_eq(q->endpoints[0].addrs[1].weight, 3);
	ck_assert_str_eq(q->endpoints[1].addrs[0].address, "198.51.100.9");
	ck_assert_str_eq(q->endpoints[1].addrs[1].address, "2001:db8::1");
	ck_assert_uint_eq(q->endpoints[2].naddrs, 0);
	planstore_plan_free(q);

	/* One endpoint, as an enactor reads it. */
	ck_assert_int_eq(
	        planstore_get_endpoint(ps, 1, "b.test.", &q, err, sizeof(err)),
	        DP_OK);
	ck_assert_uint_eq(q->nendpoints, 1);
	ck_assert_uint_eq(q->endpoints[0].naddrs, 2);
	ck_assert_uint_eq(q->endpoints[0].addrs[1].weight, 65535);
	planstore_plan_free(q);
	ck_assert_int_eq(
	        planstore_get_endpoint(ps, 1, "c.test.", &q, err, sizeof(err)),
	        DP_OK);
	ck_assert_uint_eq(q->nendpoints, 1);
	ck_assert_uint_eq(q->endpoints[0].naddrs, 0);
	planstore_plan_free(q);
	ck_assert_int_eq(
	        planstore_get_endpoint(ps, 1, "zz.test.", &q, err, sizeof(err)),
	        DP_ENOENT);
	ck_assert_int_eq(planstore_get_plan(ps, 2, &q, err, sizeof(err)),
	                 DP_ENOENT);

	/* The per-address view for operators. */
	planstore_close(ps);
	if (etcd_url == NULL)
		ck_assert_int_eq(raw_int("p.db",
		                         "SELECT count(*) FROM plan_addr "
		                         "WHERE generation = 1"),
		                 4);
	if (etcd_url == NULL)
		ck_assert_int_eq(raw_int("p.db", "SELECT weight FROM plan_addr "
		                                 "WHERE endpoint = 'b.test.' "
		                                 "AND address = '2001:db8::1'"),
		                 65535);
	planstore_plan_free(p);
}
END_TEST

START_TEST(test_generations)
{
	struct planstore *ps = open_store("p.db");
	struct plan *p = sample(1);
	uint64_t g;
	ck_assert_int_eq(
	        planstore_write_plan(ps, p, 0, "t", &g, err, sizeof(err)),
	        DP_OK);
	ck_assert_uint_eq(g, 1);
	/* A plan computed before plan 1 existed is not written. */
	ck_assert_int_eq(
	        planstore_write_plan(ps, p, 0, "t", &g, err, sizeof(err)),
	        DP_EEXIST);
	ck_assert_int_eq(
	        planstore_write_plan(ps, p, 1, "t", &g, err, sizeof(err)),
	        DP_OK);
	ck_assert_uint_eq(g, 2);
	ck_assert_int_eq(
	        planstore_write_plan(ps, p, 1, "t", &g, err, sizeof(err)),
	        DP_EEXIST);
	ck_assert_int_eq(planstore_write_plan(ps, p, PLANSTORE_ANY_BASE, "t",
	                                      &g, err, sizeof(err)),
	                 DP_OK);
	ck_assert_uint_eq(g, 3);
	/* Deleting the newest plan does not free its generation. */
	ck_assert_int_eq(
	        planstore_delete_plan(ps, 3, "t", "test", err, sizeof(err)),
	        DP_OK);
	uint64_t newest;
	ck_assert_int_eq(planstore_newest(ps, &newest, err, sizeof(err)),
	                 DP_OK);
	ck_assert_uint_eq(newest, 2);
	ck_assert_int_eq(
	        planstore_write_plan(ps, p, 2, "t", &g, err, sizeof(err)),
	        DP_OK);
	ck_assert_uint_eq(g, 4);
	struct planstore_info *list;
	size_t n;
	ck_assert_int_eq(planstore_list(ps, &list, &n, err, sizeof(err)),
	                 DP_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(list[0].generation, 1);
	ck_assert_uint_eq(list[1].generation, 2);
	ck_assert_uint_eq(list[2].generation, 4);
	ck_assert_uint_eq(list[2].nendpoints, 3);
	ck_assert_uint_eq(list[2].naddrs, 4);
	free(list);
	planstore_plan_free(p);
	planstore_close(ps);
}
END_TEST

static void expect_invalid(struct planstore *ps, struct plan *p,
                           const char *what)
{
	uint64_t g, newest;
	ck_assert_int_eq(planstore_write_plan(ps, p, PLANSTORE_ANY_BASE, "t",
	                                      &g, err, sizeof(err)),
	                 DP_EINVAL);
	ck_assert_msg(strstr(err, what) != NULL, "'%s' lacks '%s'", err, what);
	ck_assert_int_eq(planstore_newest(ps, &newest, err, sizeof(err)),
	                 DP_OK);
	ck_assert_uint_eq(newest, 0);
	planstore_plan_free(p);
}

START_TEST(test_validation)
{
	struct planstore *ps = open_store("p.db");
	struct plan *p = planstore_plan_new();
	planstore_plan_add_endpoint(p, "b.test.");
	planstore_plan_add_endpoint(p, "a.test.");
	expect_invalid(ps, p, "not sorted");

	p = planstore_plan_new();
	planstore_plan_add_endpoint(p, "A.test.");
	expect_invalid(ps, p, "A.test.");
	p = planstore_plan_new();
	planstore_plan_add_endpoint(p, "a.test");
	expect_invalid(ps, p, "final dot");

	static const char *const bad[] = {"010.0.0.1", "2001:DB8::1",
	                                  "2001:db8:0::1", "192.0.2.300"};
	for (size_t i = 0; i < 4; i++) {
		p = planstore_plan_new();
		struct plan_endpoint *ep =
		        planstore_plan_add_endpoint(p, "a.test.");
		planstore_endpoint_add_addr(ep, bad[i], 1);
		expect_invalid(ps, p, bad[i]);
	}
	static const uint32_t weights[] = {0, 65536};
	for (size_t i = 0; i < 2; i++) {
		p = planstore_plan_new();
		struct plan_endpoint *ep =
		        planstore_plan_add_endpoint(p, "a.test.");
		planstore_endpoint_add_addr(ep, "192.0.2.1", weights[i]);
		expect_invalid(ps, p, "1..65535");
	}
	p = planstore_plan_new();
	struct plan_endpoint *ep = planstore_plan_add_endpoint(p, "a.test.");
	planstore_endpoint_add_addr(ep, "192.0.2.1", 1);
	planstore_endpoint_add_addr(ep, "192.0.2.1", 2);
	expect_invalid(ps, p, "twice");
	p = planstore_plan_new();
	ep = planstore_plan_add_endpoint(p, "a.test.");
	char longer[64];
	memset(longer, '1', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	ck_assert_int_eq(planstore_endpoint_add_addr(ep, longer, 1), DP_EINVAL);
	planstore_plan_free(p);
	planstore_close(ps);
}
END_TEST

/* @sql must fail on the store with a message containing @why. */
static void refused(const char *sql, const char *why)
{
	ck_assert_msg(raw("p.db", sql) != SQLITE_OK, "'%s' was allowed", sql);
	ck_assert_msg(strstr(err, why) != NULL, "'%s': '%s' lacks '%s'", sql,
	              err, why);
}

/* p.db, bound to region r1, with sample(2) written as plan 1 (*@p). */
static struct planstore *store_with_sample(struct plan **p)
{
	struct planstore *ps = open_store("p.db");
	uint64_t g;
	*p = sample(2);
	ck_assert_int_eq(planstore_bind_region(ps, "r1", err, sizeof(err)),
	                 DP_OK);
	ck_assert_int_eq(
	        planstore_write_plan(ps, *p, 0, "t", &g, err, sizeof(err)),
	        DP_OK);
	ck_assert_int_eq(g, 1);
	return ps;
}

struct watch_run {
	struct planstore *ps;
	int changes;
	bool wrote;
	uv_loop_t loop;
	uv_timer_t guard, write;
};

static void watch_changed(void *arg)
{
	struct watch_run *r = arg;
	r->changes++;
	if (r->wrote)
		uv_stop(&r->loop);
}

static void watch_guard(uv_timer_t *t)
{
	uv_stop(t->loop);
}

static void watch_write(uv_timer_t *t)
{
	struct watch_run *r = t->data;
	struct plan *p = sample(3);
	uint64_t g;
	r->wrote = true;
	ck_assert_int_eq(
	        planstore_write_plan(r->ps, p, 1, "t", &g, err, sizeof(err)),
	        DP_OK);
	ck_assert_int_eq(g, 2);
	planstore_plan_free(p);
}

/*
 * The watch calls back on the loop for a new generation written by
 * another handle, and not while nothing is written.
 */
START_TEST(test_watch)
{
	struct plan *p;
	struct planstore *w = store_with_sample(&p);
	struct watch_run r = {0};
	struct planstore_watch *watch = NULL;
	r.ps = open_store("p.db");
	if (etcd_url == NULL)
		ck_assert_int_eq(access(fixture_path("p.db-wal"), F_OK), 0);
	ck_assert_int_eq(uv_loop_init(&r.loop), 0);
	uv_timer_init(&r.loop, &r.guard);
	uv_timer_init(&r.loop, &r.write);
	r.write.data = &r;
	ck_assert_int_eq(
	        planstore_watch_start(w, &r.loop, watch_changed, &r, &watch),
	        DP_OK);

	/* Nothing written: no call. */
	uv_timer_start(&r.guard, watch_guard, 200, 0);
	uv_run(&r.loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(r.changes, 0);

	/* A plan written through the other handle: called back. */
	uv_timer_start(&r.write, watch_write, 10, 0);
	uv_timer_start(&r.guard, watch_guard, 5000, 0);
	uv_run(&r.loop, UV_RUN_DEFAULT);
	ck_assert(r.wrote);
	ck_assert_int_ge(r.changes, 1);

	planstore_watch_stop(watch);
	uv_close((uv_handle_t *)&r.guard, NULL);
	uv_close((uv_handle_t *)&r.write, NULL);
	uv_run(&r.loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&r.loop), 0);
	planstore_close(r.ps);
	planstore_close(w);
	planstore_plan_free(p);
}
END_TEST

START_TEST(test_immutable)
{
	struct plan *p, *q;
	struct planstore *ps = store_with_sample(&p);
	/* Whoever opens the file, a written plan stays as it is. */
	refused("UPDATE plan SET reason = 'edited'", "immutable");
	refused("UPDATE plan_endpoint SET addresses = '{}'", "immutable");
	refused("DELETE FROM plan_endpoint", "immutable");
	refused("DELETE FROM plan", "immutable");
	refused("INSERT INTO plan_endpoint VALUES (1, 99, '{}')", "immutable");
	refused("UPDATE endpoint SET name = 'x.test.'", "immutable");
	refused("DELETE FROM endpoint", "immutable");
	refused("INSERT INTO plan VALUES (7, 0, 'x', 0, 0, 'x')",
	        "not taken from the store");
	refused("UPDATE store SET last_generation = 0", "backwards");
	refused("UPDATE store SET region = 'r2'", "another region");
	refused("INSERT INTO plan_deleted VALUES (42, 0, 'x', 'x')",
	        "no such plan");
	/* A plan written by hand obeys the same rules... */
	ck_assert_msg(raw("p.db",
	                  "BEGIN; UPDATE store SET last_generation = "
	                  "last_generation + 1; "
	                  "INSERT INTO plan_endpoint VALUES (2, 1, "
	                  "'{\"192.0.2.7\":1}'); "
	                  "INSERT INTO plan VALUES (2, 5, 'hand', 1, 1, 'x'); "
	                  "COMMIT;") == SQLITE_OK,
	              "%s", err);
	/* ...and addresses must be a JSON object. */
	refused("BEGIN; UPDATE store SET last_generation = last_generation + "
	        "1; INSERT INTO plan_endpoint VALUES (3, 1, '[1,2]');",
	        "CHECK");
	ck_assert_int_eq(planstore_get_plan(ps, 1, &q, err, sizeof(err)),
	                 DP_OK);
	ck_assert(planstore_plan_same(p, q));
	ck_assert_str_eq(q->reason, "because");
	planstore_plan_free(q);
	/* The deliberate way out, and its record, which stays. */
	ck_assert_int_eq(raw("p.db", "INSERT INTO plan_deleted VALUES "
	                             "(2, 9, 'sqlite3', 'by hand')"),
	                 SQLITE_OK);
	ck_assert_int_eq(planstore_get_plan(ps, 2, &q, err, sizeof(err)),
	                 DP_ENOENT);
	refused("DELETE FROM plan_deleted", "append-only");
	refused("UPDATE plan_deleted SET deleted_by = 'nobody'", "append-only");
	planstore_plan_free(p);
	planstore_close(ps);
}
END_TEST

/* Plan @g written by hand with endpoint @name (id 1..) holding @json;
 * reading it must fail with an error that says @why. */
static void bad_by_hand(struct planstore *ps, int g, const char *name,
                        const char *json, const char *why)
{
	char sql[1024];
	snprintf(sql, sizeof(sql),
	         "BEGIN; UPDATE store SET last_generation = %d; "
	         "INSERT OR IGNORE INTO endpoint (id, name) VALUES (%d, '%s'); "
	         "INSERT INTO plan_endpoint VALUES (%d, %d, '%s'); "
	         "INSERT INTO plan VALUES (%d, 5, 'hand', 1, 1, 'x'); COMMIT;",
	         g, 100 + g, name, g, 100 + g, json, g);
	ck_assert_msg(raw("p.db", sql) == SQLITE_OK, "%s: %s", sql, err);
	struct plan *q = NULL;
	ck_assert_int_eq(
	        planstore_get_plan(ps, (uint64_t)g, &q, err, sizeof(err)),
	        DP_EPARSE);
	ck_assert_ptr_null(q);
	ck_assert_msg(strstr(err, why) != NULL, "'%s' lacks '%s'", err, why);
	ck_assert_int_eq(planstore_get_endpoint(ps, (uint64_t)g, name, &q, err,
	                                        sizeof(err)),
	                 DP_EPARSE);
}

START_TEST(test_corrupt)
{
	/* Whatever the schema lets a hand or another program write, a plan
	 * is read only if it could have been written: never handed to an
	 * enactor with addresses it cannot turn into records. */
	struct plan *p;
	struct planstore *ps = store_with_sample(&p);
	planstore_plan_free(p);
	static const struct {
		const char *name, *json, *why;
	} cases[] = {
	        {"e2.test.", "{\"bogus\":1}",
	         "plan 2: endpoint e2.test.: address 'bogus'"},
	        {"e3.test.", "{\"010.0.0.1\":1}", "address '010.0.0.1'"},
	        {"e4.test.", "{\"2001:DB8::1\":1}", "address '2001:DB8::1'"},
	        {"e5.test.", "{\"192.0.2.1\":1,\"192.0.2.1\":2}",
	         "addresses not sorted or twice"},
	        {"Not A Name", "{\"192.0.2.1\":1}",
	         "endpoint 'Not A Name': not a lower-case domain name"},
	        {"e7.test.", "{\"192.0.2.1 ; x\":1}",
	         "address '192.0.2.1 ; x'"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		bad_by_hand(ps, (int)i + 2, cases[i].name, cases[i].json,
		            cases[i].why);
	/* A name whose plan records (g<gen>._plan.NAME) would not fit. */
	char longname[300] = "";
	for (int i = 0; i < 4; i++) {
		memset(longname + strlen(longname), 'a', 61);
		longname[62 * i + 61] = '\0';
		strcat(longname, ".");
	}
	bad_by_hand(ps, 8, longname, "{\"192.0.2.1\":1}", "at most 227 octets");
	/* The good plan still reads. */
	struct plan *q = NULL;
	ck_assert_int_eq(planstore_get_plan(ps, 1, &q, err, sizeof(err)),
	                 DP_OK);
	planstore_plan_free(q);
	planstore_close(ps);
}
END_TEST

START_TEST(test_delete)
{
	struct planstore *ps = open_store("p.db");
	struct plan *p = sample(2), *q;
	uint64_t g;
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(planstore_write_plan(ps, p, PLANSTORE_ANY_BASE,
		                                      "t", &g, err,
		                                      sizeof(err)),
		                 DP_OK);
	/* An endpoint read before the deletion is not read after it. */
	ck_assert_int_eq(
	        planstore_get_endpoint(ps, 1, "a.test.", &q, err, sizeof(err)),
	        DP_OK);
	planstore_plan_free(q);
	int64_t before = now_ms();
	ck_assert_int_eq(planstore_delete_plan(ps, 1, "enactor 2", "cleanup",
	                                       err, sizeof(err)),
	                 DP_OK);
	ck_assert_int_eq(planstore_get_plan(ps, 1, &q, err, sizeof(err)),
	                 DP_ENOENT);
	ck_assert_int_eq(
	        planstore_get_endpoint(ps, 1, "a.test.", &q, err, sizeof(err)),
	        DP_ENOENT);
	struct planstore_deletion d;
	ck_assert_int_eq(planstore_deletion(ps, 1, &d, err, sizeof(err)),
	                 DP_OK);
	ck_assert_str_eq(d.deleted_by, "enactor 2");
	ck_assert_str_eq(d.reason, "cleanup");
	ck_assert_int_ge(d.deleted_ms, before);
	ck_assert_int_eq(planstore_deletion(ps, 2, &d, err, sizeof(err)),
	                 DP_ENOENT);
	ck_assert_int_eq(planstore_delete_plan(ps, 1, "enactor 3", "again", err,
	                                       sizeof(err)),
	                 DP_ENOENT);
	ck_assert_int_eq(
	        planstore_delete_plan(ps, 17, "x", "x", err, sizeof(err)),
	        DP_ENOENT);
	/* The others are untouched. */
	ck_assert_int_eq(planstore_get_plan(ps, 2, &q, err, sizeof(err)),
	                 DP_OK);
	ck_assert(planstore_plan_same(p, q));
	planstore_plan_free(q);
	planstore_close(ps);
	if (etcd_url == NULL)
		ck_assert_int_eq(raw_int("p.db", "SELECT count(*) FROM "
		                                 "plan_endpoint WHERE "
		                                 "generation = 1"),
		                 0);
	planstore_plan_free(p);
}
END_TEST

#define WRITERS 4
#define PLANS   25

/* Child @k: open the (maybe new) store and write PLANS plans. */
static int writer(int k)
{
	struct planstore *ps;
	if (planstore_open(store_name("shared.db"), &ps, err, sizeof(err)) !=
	    DP_OK)
		return fprintf(stderr, "writer %d: %s\n", k, err), 10;
	uint64_t last = 0;
	int rc = 0;
	for (int i = 0; i < PLANS && rc == 0; i++) {
		struct plan *p = planstore_plan_new();
		char name[32], addr[32];
		snprintf(name, sizeof(name), "w%d.test.", k);
		struct plan_endpoint *ep = planstore_plan_add_endpoint(p, name);
		snprintf(addr, sizeof(addr), "10.%d.0.%d", k, i);
		planstore_endpoint_add_addr(ep, addr, (uint32_t)i + 1);
		p->reason = malloc(32);
		snprintf(p->reason, 32, "%d %d", k, i);
		uint64_t g;
		if (planstore_write_plan(ps, p, PLANSTORE_ANY_BASE, name, &g,
		                         err, sizeof(err)) != DP_OK)
			rc = 11;
		else if (g <= last)
			rc = 12;
		last = g;
		planstore_plan_free(p);
	}
	planstore_close(ps);
	return rc;
}

START_TEST(test_concurrent_writers)
{
	pid_t pids[WRITERS];
	for (int k = 0; k < WRITERS; k++) {
		pids[k] = fork();
		ck_assert_int_ge(pids[k], 0);
		if (pids[k] == 0)
			_exit(writer(k));
	}
	for (int k = 0; k < WRITERS; k++) {
		int st;
		ck_assert_int_eq(waitpid(pids[k], &st, 0), pids[k]);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		              "writer %d failed with %d", k, WEXITSTATUS(st));
	}
	struct planstore *ps = open_store("shared.db");
	struct planstore_info *list;
	size_t n;
	ck_assert_int_eq(planstore_list(ps, &list, &n, err, sizeof(err)),
	                 DP_OK);
	ck_assert_uint_eq(n, WRITERS * PLANS);
	/* Every generation once, and each plan whole, as its writer made
	 * it; each writer's plans in the order it wrote them. */
	uint64_t seen[WRITERS] = {0};
	int next[WRITERS] = {0};
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(list[i].generation, i + 1);
		struct plan *q;
		ck_assert_int_eq(planstore_get_plan(ps, list[i].generation, &q,
		                                    err, sizeof(err)),
		                 DP_OK);
		int k, s;
		ck_assert_int_eq(sscanf(q->reason, "%d %d", &k, &s), 2);
		ck_assert(k >= 0 && k < WRITERS);
		ck_assert_int_eq(s, next[k]++);
		ck_assert_uint_gt(list[i].generation, seen[k]);
		seen[k] = list[i].generation;
		char addr[32];
		snprintf(addr, sizeof(addr), "10.%d.0.%d", k, s);
		ck_assert_uint_eq(q->nendpoints, 1);
		ck_assert_uint_eq(q->endpoints[0].naddrs, 1);
		ck_assert_str_eq(q->endpoints[0].addrs[0].address, addr);
		ck_assert_uint_eq(q->endpoints[0].addrs[0].weight,
		                  (unsigned)s + 1);
		planstore_plan_free(q);
	}
	for (int k = 0; k < WRITERS; k++)
		ck_assert_int_eq(next[k], PLANS);
	free(list);
	planstore_close(ps);
}
END_TEST

START_TEST(test_reports)
{
	struct planstore *ps = open_store("p.db");
	ck_assert_int_eq(
	        planstore_heartbeat(ps, "e1", 5, 1000, err, sizeof(err)),
	        DP_OK);
	ck_assert_int_eq(planstore_report_applied(ps, "e1", 5, NULL, 2000, err,
	                                          sizeof(err)),
	                 DP_OK);
	ck_assert_int_eq(planstore_report_applied(ps, "e2", 5, "a.test.", 2500,
	                                          err, sizeof(err)),
	                 DP_OK);
	ck_assert_int_eq(
	        planstore_heartbeat(ps, "e2", 0, 3000, err, sizeof(err)),
	        DP_OK);
	ck_assert_int_eq(planstore_heartbeat(ps, "", 0, 3000, err, sizeof(err)),
	                 DP_EINVAL);
	struct reports_state *v;
	size_t n, count;
	ck_assert_int_eq(planstore_enactors(ps, &v, &n, err, sizeof(err)),
	                 DP_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].id, "e1");
	ck_assert_int_eq(v[0].heartbeat_ms, 2000);
	ck_assert_uint_eq(v[0].in_flight, 5);
	ck_assert_uint_eq(v[0].applied, 5);
	ck_assert_int_eq(v[0].applied_ms, 2000);
	ck_assert_str_eq(v[1].id, "e2");
	ck_assert_int_eq(v[1].heartbeat_ms, 3000);
	ck_assert_uint_eq(v[1].in_flight, 0);
	ck_assert_uint_eq(v[1].applied, 0);
	free(v);
	ck_assert_int_eq(
	        planstore_applied_count(ps, 5, &count, err, sizeof(err)),
	        DP_OK);
	ck_assert_uint_eq(count, 2);
	ck_assert_int_eq(
	        planstore_applied_count(ps, 6, &count, err, sizeof(err)),
	        DP_OK);
	ck_assert_uint_eq(count, 0);
	planstore_close(ps);
}
END_TEST

struct beat_arg {
	struct planstore *ps;
	pthread_barrier_t *go;
	dp_status rc;
	char err[512];
};

static void *beat_thread(void *arg)
{
	struct beat_arg *a = arg;
	pthread_barrier_wait(a->go);
	a->rc = planstore_heartbeat(a->ps, "e1", 0, 1000, a->err,
	                            sizeof(a->err));
	return NULL;
}

/*
 * An enactor's two handles (its passes' and its heartbeats') create its
 * report file at the same moment: both succeed, on the same file.
 */
START_TEST(test_reports_two_handles)
{
	for (int i = 0; i < 50; i++) {
		char name[32];
		snprintf(name, sizeof(name), "p%d.db", i);
		struct planstore *ps = open_store(name);
		pthread_barrier_t go;
		pthread_barrier_init(&go, NULL, 2);
		struct beat_arg a[2];
		pthread_t t[2];
		for (int k = 0; k < 2; k++) {
			a[k] = (struct beat_arg){.go = &go};
			ck_assert_int_eq(planstore_attach(store_name(name),
			                                  &a[k].ps, err,
			                                  sizeof(err)),
			                 DP_OK);
			pthread_create(&t[k], NULL, beat_thread, &a[k]);
		}
		for (int k = 0; k < 2; k++) {
			pthread_join(t[k], NULL);
			ck_assert_msg(a[k].rc == DP_OK, "%s", a[k].err);
			planstore_close(a[k].ps);
		}
		pthread_barrier_destroy(&go);
		struct reports_state *v;
		size_t n;
		ck_assert_int_eq(
		        planstore_enactors(ps, &v, &n, err, sizeof(err)),
		        DP_OK);
		ck_assert_uint_eq(n, 1);
		free(v);
		planstore_close(ps);
	}
}
END_TEST

/*
 * The store recreated at the same path (the report files beside it
 * stay): its plan 1 is another plan than the one an enactor retired, and
 * stays listed; the planner does not delete it.
 */
START_TEST(test_retire_other_plan)
{
	struct planstore *ps = open_store("p.db");
	struct plan *p = sample(2);
	uint64_t g;
	ck_assert_int_eq(planstore_write_plan(ps, p, PLANSTORE_ANY_BASE, "t",
	                                      &g, err, sizeof(err)),
	                 DP_OK);
	struct planstore_info *list;
	size_t n;
	ck_assert_int_eq(planstore_list(ps, &list, &n, err, sizeof(err)),
	                 DP_OK);
	ck_assert_int_eq(planstore_retire_plan(ps, "e1", 1, list[0].created_ms,
	                                       "old", 4242, err, sizeof(err)),
	                 DP_OK);
	free(list);
	planstore_close(ps);
	unlink(fixture_path("p.db"));
	unlink(fixture_path("p.db-wal"));
	unlink(fixture_path("p.db-shm"));
	usleep(5000); /* another created_at */
	ps = open_store("p.db");
	ck_assert_int_eq(planstore_write_plan(ps, p, PLANSTORE_ANY_BASE, "t",
	                                      &g, err, sizeof(err)),
	                 DP_OK);
	ck_assert_uint_eq(g, 1);
	planstore_plan_free(p);
	ck_assert_int_eq(planstore_list(ps, &list, &n, err, sizeof(err)),
	                 DP_OK);
	ck_assert_uint_eq(n, 1);
	free(list);
	size_t k;
	ck_assert_int_eq(planstore_collect(ps, &k, err, sizeof(err)), DP_OK);
	ck_assert_uint_eq(k, 0);
	ck_assert_int_eq(raw_int("p.db", "SELECT count(*) FROM plan"), 1);
	/* Retired again, as the plan it is now: gone. */
	ck_assert_int_eq(planstore_list(ps, &list, &n, err, sizeof(err)),
	                 DP_OK);
	ck_assert_int_eq(planstore_retire_plan(ps, "e1", 1, list[0].created_ms,
	                                       "old", 4343, err, sizeof(err)),
	                 DP_OK);
	free(list);
	ck_assert_int_eq(planstore_collect(ps, &k, err, sizeof(err)), DP_OK);
	ck_assert_uint_eq(k, 1);
	planstore_close(ps);
}
END_TEST

/* Write @k plans of sample(2) into @ps; the list of the store's plans. */
static void write_plans(struct planstore *ps, int k,
                        struct planstore_info **list, size_t *n)
{
	struct plan *p = sample(2);
	uint64_t g;
	for (int i = 0; i < k; i++)
		ck_assert_int_eq(planstore_write_plan(ps, p, PLANSTORE_ANY_BASE,
		                                      "t", &g, err,
		                                      sizeof(err)),
		                 DP_OK);
	planstore_plan_free(p);
	ck_assert_int_eq(planstore_list(ps, list, n, err, sizeof(err)), DP_OK);
}

START_TEST(test_retire)
{
	struct planstore *ps = open_store("p.db");
	struct planstore_info *list;
	size_t n;
	write_plans(ps, 3, &list, &n);
	int64_t c1 = list[0].created_ms;
	free(list);
	/* An enactor retires plan 1: gone for readers at once. */
	ck_assert_int_eq(planstore_retire_plan(ps, "e1", 1, c1, "old", 4242,
	                                       err, sizeof(err)),
	                 DP_OK);
	ck_assert_int_eq(planstore_retire_plan(ps, "e1", 1, c1, "again", 4343,
	                                       err, sizeof(err)),
	                 DP_OK);
	ck_assert_int_eq(planstore_list(ps, &list, &n, err, sizeof(err)),
	                 DP_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(list[0].generation, 2);
	free(list);
	struct planstore_deletion d;
	ck_assert_int_eq(planstore_deletion(ps, 1, &d, err, sizeof(err)),
	                 DP_OK);
	ck_assert_str_eq(d.deleted_by, "enactor e1");
	ck_assert_str_eq(d.reason, "old");
	ck_assert_int_eq(d.deleted_ms, 4242);
	/* The enactor wrote nothing into the store's file. */
	if (etcd_url == NULL)
		ck_assert_int_eq(raw_int("p.db", "SELECT count(*) FROM plan"),
		                 3);
	/* The planner deletes it, with the enactor's record. */
	size_t k;
	ck_assert_int_eq(planstore_collect(ps, &k, err, sizeof(err)), DP_OK);
	ck_assert_uint_eq(k, 1);
	ck_assert_int_eq(planstore_collect(ps, &k, err, sizeof(err)), DP_OK);
	ck_assert_uint_eq(k, 0);
	ck_assert_int_eq(planstore_deletion(ps, 1, &d, err, sizeof(err)),
	                 DP_OK);
	ck_assert_str_eq(d.deleted_by, "enactor e1");
	ck_assert_int_eq(d.deleted_ms, 4242);
	ck_assert_int_eq(planstore_list(ps, &list, &n, err, sizeof(err)),
	                 DP_OK);
	ck_assert_uint_eq(n, 2);
	free(list);
	if (etcd_url == NULL)
		ck_assert_int_eq(raw_int("p.db", "SELECT count(*) FROM plan"),
		                 2);
	/* An id that cannot name a file is refused. */
	ck_assert_int_eq(planstore_retire_plan(ps, "../x", 2, 0, "", 1, err,
	                                       sizeof(err)),
	                 DP_EINVAL);
	ck_assert_int_eq(planstore_heartbeat(ps, "a b", 0, 1, err, sizeof(err)),
	                 DP_EINVAL);
	planstore_close(ps);
}
END_TEST

/* Write @text into enactor file @name beside p.db (mode "w" or "a"). */
static void put_file(const char *name, const char *mode, const char *text)
{
	char *path = xasprintf("%s.enactors/%s", fixture_path("p.db"), name);
	FILE *f = fopen(path, mode);
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

/*
 * An enactor paused in the middle of a write of its reports (a process
 * stopped with half a line appended to its log and half a state file
 * under its temporary name) stops nobody: the planner writes plans,
 * another enactor reports, readers see its last whole state at once and
 * no half line; when it starts again, the half line is cut.
 */
START_TEST(test_frozen_reporter)
{
	struct planstore *ps = open_store("p.db");
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct planstore *c = NULL;
		if (planstore_attach(fixture_path("p.db"), &c, err,
		                     sizeof(err)) != DP_OK ||
		    planstore_heartbeat(c, "e1", 0, 1000, err, sizeof(err)) !=
		            DP_OK)
			_exit(1);
		put_file("e1.applied", "a", "7 12");
		put_file(".e1.state.1.0.new", "w",
		         "dnsplane-enactor-state 3\nheartbeat_at 99");
		raise(SIGSTOP);
		_exit(0);
	}
	int st;
	ck_assert_int_eq(waitpid(pid, &st, WUNTRACED), pid);
	ck_assert(WIFSTOPPED(st));
	int64_t t0 = now_ms();
	struct plan *p = sample(1);
	uint64_t g;
	ck_assert_msg(planstore_write_plan(ps, p, PLANSTORE_ANY_BASE, "t", &g,
	                                   err, sizeof(err)) == DP_OK,
	              "%s", err);
	planstore_plan_free(p);
	ck_assert_msg(planstore_heartbeat(ps, "e2", 0, 2000, err,
	                                  sizeof(err)) == DP_OK,
	              "%s", err);
	struct reports_state *v;
	size_t n, count;
	ck_assert_msg(planstore_enactors(ps, &v, &n, err, sizeof(err)) == DP_OK,
	              "%s", err);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(v[0].heartbeat_ms, 1000);
	ck_assert_int_eq(v[1].heartbeat_ms, 2000);
	free(v);
	ck_assert_msg(planstore_applied_count(ps, 7, &count, err,
	                                      sizeof(err)) == DP_OK,
	              "%s", err);
	ck_assert_uint_eq(count, 0);
	ck_assert_int_lt(now_ms() - t0, 1000);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);

	/* It starts again: the half line is cut, its next report is whole. */
	ck_assert_msg(planstore_report_applied(ps, "e1", 7, NULL, 3000, err,
	                                       sizeof(err)) == DP_OK,
	              "%s", err);
	ck_assert_msg(planstore_applied_count(ps, 7, &count, err,
	                                      sizeof(err)) == DP_OK,
	              "%s", err);
	ck_assert_uint_eq(count, 1);
	planstore_close(ps);
}
END_TEST

/* Files not written by an enactor are refused, named, line by line. */
START_TEST(test_reports_foreign)
{
	struct planstore *ps = open_store("p.db");
	ck_assert_int_eq(planstore_heartbeat(ps, "e1", 0, 1, err, sizeof(err)),
	                 DP_OK);
	put_file("e3.state", "w", "hello\n");
	struct reports_state *v;
	size_t n, count;
	ck_assert_int_eq(planstore_enactors(ps, &v, &n, err, sizeof(err)),
	                 DP_EDB);
	ck_assert_msg(strstr(err, "e3.state: not a dnsplane enactor state "
	                          "file") != NULL,
	              "%s", err);
	ck_assert_int_ne(planstore_heartbeat(ps, "e3", 0, 1, err, sizeof(err)),
	                 DP_OK);
	ck_assert_msg(strstr(err, "e3.state") != NULL, "%s", err);
	put_file("e3.state", "w", "dnsplane-enactor-state 3\napplied x\n");
	ck_assert_int_eq(planstore_enactors(ps, &v, &n, err, sizeof(err)),
	                 DP_EDB);
	ck_assert_msg(strstr(err, "e3.state: line 2 ") != NULL, "%s", err);
	put_file("e3.state", "w", "dnsplane-enactor-state 9\n");
	ck_assert_int_eq(planstore_enactors(ps, &v, &n, err, sizeof(err)),
	                 DP_EDB);
	ck_assert_msg(strstr(err, "of a version this program knows") != NULL,
	              "%s", err);
	put_file("e3.state", "w", "dnsplane-enactor-state 3\n");
	put_file("e4.applied", "w", "dnsplane-enactor-applied 3\n5 1\n5 x\n");
	ck_assert_int_eq(
	        planstore_applied_count(ps, 5, &count, err, sizeof(err)),
	        DP_EDB);
	ck_assert_msg(strstr(err, "e4.applied: line 3 ") != NULL, "%s", err);
	planstore_close(ps);
}
END_TEST

/* The report files of version 2 (SQLite), as sql/reports.sql made them. */
extern const char *const sql_reports[];
static const struct sqlstore_schema reports_v2 = {
        .kind = "enactor report file",
        .app_id = 0x64704552,
        .version = 2,
        .steps = sql_reports,
        .busy_timeout_ms = 2000,
        .synchronous = "NORMAL",
        .cache_kib = 2000,
};

/*
 * A report file of version 2 is converted when its enactor opens it:
 * every state field, application and retirement is kept, and the old
 * file goes.
 */
START_TEST(test_reports_convert)
{
	struct planstore *ps = open_store("p.db");
	struct planstore_info *list;
	size_t n;
	write_plans(ps, 2, &list, &n);
	ck_assert_uint_eq(n, 2);
	char *dir = xasprintf("%s.enactors", fixture_path("p.db"));
	char *old = xasprintf("%s/e1.db", dir);
	ck_assert_int_eq(mkdir(dir, 0777), 0);
	sqlite3 *db;
	ck_assert_msg(sqlstore_open(old, &reports_v2, SQLSTORE_CREATE, &db, err,
	                            sizeof(err)) == DP_OK,
	              "%s", err);
	char *sql = xasprintf(
	        "INSERT INTO enactor VALUES (1, 'e1', 5000, 2, 1, 4000, "
	        "'authd refuses: line\none', 4500);"
	        "INSERT INTO applied (generation, endpoint, applied_at) "
	        "VALUES (1, NULL, 4000), (2, 'a.test.', 4100);"
	        "INSERT INTO retired VALUES (1, 4200, 'old', %lld);",
	        (long long)list[0].created_ms);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	free(sql);
	free(list);
	ck_assert_msg(planstore_report_open(ps, "e1", err, sizeof(err)) ==
	                      DP_OK,
	              "%s", err);
	ck_assert_int_ne(access(old, F_OK), 0);
	struct reports_state *v;
	ck_assert_int_eq(planstore_enactors(ps, &v, &n, err, sizeof(err)),
	                 DP_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(v[0].heartbeat_ms, 5000);
	ck_assert_uint_eq(v[0].in_flight, 2);
	ck_assert_uint_eq(v[0].applied, 1);
	ck_assert_int_eq(v[0].applied_ms, 4000);
	ck_assert_str_eq(v[0].problem, "authd refuses: line one");
	ck_assert_int_eq(v[0].problem_ms, 4500);
	free(v);
	size_t count;
	ck_assert_int_eq(
	        planstore_applied_count(ps, 2, &count, err, sizeof(err)),
	        DP_OK);
	ck_assert_uint_eq(count, 1);
	ck_assert_int_eq(planstore_list(ps, &list, &n, err, sizeof(err)),
	                 DP_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(list[0].generation, 2);
	free(list);
	struct planstore_deletion d;
	ck_assert_int_eq(planstore_deletion(ps, 1, &d, err, sizeof(err)),
	                 DP_OK);
	ck_assert_str_eq(d.reason, "old");
	ck_assert_int_eq(d.deleted_ms, 4200);
	free(old);
	free(dir);
	planstore_close(ps);
}
END_TEST

START_TEST(test_paused)
{
	struct planstore *ps = open_store("p.db");
	bool paused = true;
	ck_assert_int_eq(planstore_get_paused(ps, &paused, err, sizeof(err)),
	                 DP_OK);
	ck_assert(!paused);
	ck_assert_int_eq(planstore_set_paused(ps, true, "operator", "incident",
	                                      err, sizeof(err)),
	                 DP_OK);
	struct planstore *other = open_store("p.db");
	ck_assert_int_eq(planstore_get_paused(other, &paused, err, sizeof(err)),
	                 DP_OK);
	ck_assert(paused);
	planstore_close(other);
	struct planstore_control c;
	ck_assert_int_eq(planstore_get_control(ps, &c, err, sizeof(err)),
	                 DP_OK);
	ck_assert(c.paused);
	ck_assert_str_eq(c.changed_by, "operator");
	ck_assert_str_eq(c.reason, "incident");
	ck_assert_int_gt(c.changed_ms, 0);
	ck_assert_int_eq(planstore_set_paused(ps, false, "operator", "over",
	                                      err, sizeof(err)),
	                 DP_OK);
	ck_assert_int_eq(planstore_get_paused(ps, &paused, err, sizeof(err)),
	                 DP_OK);
	ck_assert(!paused);
	planstore_close(ps);
}
END_TEST

/* ---- etcd's own ---- */

/* The enactors and the CLI do not create a store: the planner does. */
START_TEST(test_etcd_attach)
{
	struct planstore *ps = NULL;
	ck_assert_int_eq(planstore_attach(etcd_url, &ps, err, sizeof(err)),
	                 DP_ENOENT);
	ck_assert_ptr_null(ps);
	ck_assert_msg(strstr(err, "/dnsplane/store") != NULL, "%s", err);
	ps = open_store("p.db");
	planstore_close(ps);
	ck_assert_int_eq(planstore_attach(etcd_url, &ps, err, sizeof(err)),
	                 DP_OK);
	planstore_close(ps);
}
END_TEST

/*
 * A plan is immutable on etcd as on SQLite: whatever is written over one
 * of its keys afterwards, its reader refuses it, naming the plan and the
 * key, and the other plans read as before.
 */
START_TEST(test_etcd_tamper)
{
	struct plan *p, *q;
	struct planstore *ps = store_with_sample(&p);
	uint64_t g;
	ck_assert_int_eq(
	        planstore_write_plan(ps, p, 1, "t", &g, err, sizeof(err)),
	        DP_OK);
	ck_assert_uint_eq(g, 2);
	etcd_write("/dnsplane/plan/00000000000000000001/000000", "x");
	ck_assert_int_eq(planstore_get_plan(ps, 1, &q, err, sizeof(err)),
	                 DP_EPARSE);
	ck_assert_msg(strstr(err, "plan 1") != NULL &&
	                      strstr(err, "00000000000000000001/000000"),
	              "%s", err);
	ck_assert_int_eq(
	        planstore_get_endpoint(ps, 1, "a.test.", &q, err, sizeof(err)),
	        DP_EPARSE);
	/* The meta rewritten as it was is still another write. */
	etcd_write("/dnsplane/plan/00000000000000000002/meta",
	           "{\"created_ms\":1,\"chunks\":1}");
	ck_assert_int_eq(planstore_get_plan(ps, 2, &q, err, sizeof(err)),
	                 DP_EPARSE);
	ck_assert_msg(strstr(err, "meta was written over"), "%s", err);
	/* A chunk with no plan around it is no plan. */
	etcd_write("/dnsplane/plan/00000000000000000009/000000", "x");
	ck_assert_int_eq(planstore_get_plan(ps, 9, &q, err, sizeof(err)),
	                 DP_ENOENT);
	/* A new plan is written and read as ever. */
	ck_assert_int_eq(planstore_write_plan(ps, p, PLANSTORE_ANY_BASE, "t",
	                                      &g, err, sizeof(err)),
	                 DP_OK);
	ck_assert_uint_eq(g, 3);
	ck_assert_int_eq(planstore_get_plan(ps, 3, &q, err, sizeof(err)),
	                 DP_OK);
	ck_assert(planstore_plan_same(p, q));
	planstore_plan_free(q);
	planstore_plan_free(p);
	planstore_close(ps);
}
END_TEST

/* A plan of @n addresses over @eps endpoints, sorted. */
static struct plan *big_plan(unsigned eps, unsigned n)
{
	struct plan *p = planstore_plan_new();
	for (unsigned e = 0; e < eps; e++) {
		char name[64];
		snprintf(name, sizeof(name), "ep%05u.test.", e);
		struct plan_endpoint *ep = planstore_plan_add_endpoint(p, name);
		for (unsigned i = 0; i < n / eps; i++) {
			char a[PLAN_ADDRLEN];
			unsigned k = e * (n / eps) + i;
			snprintf(a, sizeof(a), "10.%u.%u.%u", k >> 16,
			         (k >> 8) & 255, k & 255);
			ck_assert_int_eq(
			        planstore_endpoint_add_addr(ep, a, 100), DP_OK);
		}
	}
	planstore_plan_sort(p);
	return p;
}

/*
 * A 100,000-address plan goes in one transaction of several chunks and
 * reads back the same; one over etcd's request size is refused before
 * it is sent, with both sizes and etcd's settings named, and takes no
 * generation.
 */
START_TEST(test_etcd_large)
{
	struct planstore *ps = open_store("p.db");
	struct plan *p = big_plan(100, 100000), *q;
	uint64_t g, issued;
	ck_assert_msg(planstore_write_plan(ps, p, 0, "t", &g, err,
	                                   sizeof(err)) == DP_OK,
	              "%s", err);
	ck_assert_int_eq(planstore_get_plan(ps, g, &q, err, sizeof(err)),
	                 DP_OK);
	ck_assert(planstore_plan_same(p, q));
	ck_assert_uint_eq(planstore_plan_naddrs(q), 100000);
	planstore_plan_free(q);
	planstore_plan_free(p);
	p = big_plan(100, 300000);
	ck_assert_int_eq(planstore_write_plan(ps, p, PLANSTORE_ANY_BASE, "t",
	                                      &g, err, sizeof(err)),
	                 DP_ETOOLARGE);
	ck_assert_msg(strstr(err, "--max-request-bytes") &&
	                      strstr(err, "--max-txn-ops") &&
	                      strstr(err, "300000 addresses"),
	              "%s", err);
	ck_assert_int_eq(planstore_issued(ps, &issued, err, sizeof(err)),
	                 DP_OK);
	ck_assert_uint_eq(issued, 1);
	planstore_plan_free(p);
	planstore_close(ps);
}
END_TEST

/* How many keys @key prefixes, and the lease of the first. */
static size_t etcd_count(const char *key, int64_t *lease)
{
	struct etcd_sync *s;
	struct etcd_resp *res;
	struct etcd_range_opts o = {.prefix = true};
	ck_assert_int_eq(etcd_sync_new(etcd_url, NULL, &s, err, sizeof(err)),
	                 DP_OK);
	etcd_range(etcd_sync_client(s), key, &o, etcd_sync_cb, s);
	ck_assert_int_eq(etcd_sync_wait(s, &res), DP_OK);
	size_t n = res->n_kvs;
	*lease = n > 0 ? res->kvs[0].lease : 0;
	etcd_sync_free(s);
	return n;
}

/*
 * An enactor's heartbeat keeps its alive key under a lease; a handle
 * closed revokes it, and the key is gone.  Its state stays.
 */
START_TEST(test_etcd_alive)
{
	struct planstore *ps = open_store("p.db");
	int64_t lease;
	ck_assert_int_eq(
	        planstore_heartbeat(ps, "e1", 0, now_ms(), err, sizeof(err)),
	        DP_OK);
	ck_assert_uint_eq(etcd_count("/dnsplane/enactor/e1/alive", &lease), 1);
	ck_assert_int_ne(lease, 0);
	ck_assert_int_eq(
	        planstore_heartbeat(ps, "e1", 3, now_ms(), err, sizeof(err)),
	        DP_OK);
	int64_t again;
	ck_assert_uint_eq(etcd_count("/dnsplane/enactor/e1/alive", &again), 1);
	ck_assert_int_eq(again, lease);
	planstore_close(ps);
	ck_assert_uint_eq(etcd_count("/dnsplane/enactor/e1/alive", &lease), 0);
	ck_assert_uint_eq(etcd_count("/dnsplane/enactor/e1/state", &lease), 1);
}
END_TEST

/* raise() lifts the counter and never lowers it, on etcd too. */
START_TEST(test_etcd_raise)
{
	struct planstore *ps = open_store("p.db");
	struct plan *p = sample(1);
	uint64_t was, g;
	ck_assert_int_eq(planstore_raise(ps, 40, &was, err, sizeof(err)),
	                 DP_OK);
	ck_assert_uint_eq(was, 0);
	ck_assert_int_eq(planstore_raise(ps, 10, &was, err, sizeof(err)),
	                 DP_OK);
	ck_assert_uint_eq(was, 40);
	ck_assert_int_eq(
	        planstore_write_plan(ps, p, 0, "t", &g, err, sizeof(err)),
	        DP_OK);
	ck_assert_uint_eq(g, 41);
	int64_t created;
	ck_assert_int_eq(
	        planstore_newest_stamp(ps, &g, &created, err, sizeof(err)),
	        DP_OK);
	ck_assert_uint_eq(g, 41);
	ck_assert_int_gt(created, 0);
	planstore_plan_free(p);
	planstore_close(ps);
}
END_TEST

static Suite *planstore_suite(void)
{
	Suite *s = suite_create("planstore");
	TCase *tc = tcase_create(etcd_url ? "etcd" : "store");
	tcase_add_checked_fixture(tc, store_setup, fixture_teardown);
	tcase_set_timeout(tc, 60);
	/* The store's behaviour, on either backend. */
	tcase_add_test(tc, test_create);
	tcase_add_test(tc, test_write_read);
	tcase_add_test(tc, test_generations);
	tcase_add_test(tc, test_validation);
	tcase_add_test(tc, test_watch);
	tcase_add_test(tc, test_delete);
	tcase_add_test(tc, test_concurrent_writers);
	tcase_add_test(tc, test_reports);
	tcase_add_test(tc, test_retire);
	tcase_add_test(tc, test_reports_two_handles);
	tcase_add_test(tc, test_paused);
	if (etcd_url != NULL) {
		tcase_add_test(tc, test_etcd_attach);
		tcase_add_test(tc, test_etcd_tamper);
		tcase_add_test(tc, test_etcd_large);
		tcase_add_test(tc, test_etcd_raise);
		tcase_add_test(tc, test_etcd_alive);
	} else {
		/* SQLite's files. */
		tcase_add_test(tc, test_foreign);
		tcase_add_test(tc, test_etcd_url);
		tcase_add_test(tc, test_migration);
		tcase_add_test(tc, test_immutable);
		tcase_add_test(tc, test_retire_other_plan);
		tcase_add_test(tc, test_frozen_reporter);
		tcase_add_test(tc, test_reports_foreign);
		tcase_add_test(tc, test_reports_convert);
		tcase_add_test(tc, test_corrupt);
	}
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	etcd_url = getenv("DNSPLANE_TEST_ETCD");
	if (etcd_url != NULL && etcd_url[0] == '\0')
		etcd_url = NULL;
	return unit_run(planstore_suite());
}
