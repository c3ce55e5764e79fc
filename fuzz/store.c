/*
 * store.c - fuzz target: the plan store's readers, whatever a writer left
 * in the file.
 *
 * The input is SQL, run on a plain SQLite connection against a fresh plan
 * store holding two plans, an enactor's reports and a deleted plan.  The
 * schema's constraints and triggers still apply; ATTACH and VACUUM
 * (files elsewhere) are refused, and a statement is stopped after a
 * bounded number of steps.  Then everything that reads the store runs:
 * planstore_open() again (its schema check), the newest generation, the
 * list, every listed plan in full and each of its endpoints alone, the
 * deletion records, the enactors, the automation switch and the region.
 * A reader may refuse with a message.  It must not crash or leak, and a
 * plan it hands out must turn into the enactor's UPDATE with every one of
 * its addresses (layout_apply()): a record the enactor cannot build is
 * one the endpoint silently loses.
 */
#define _GNU_SOURCE /* strcasestr */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fuzz.h"
#include "layout.h"
#include "planstore.h"
#include "xalloc.h"

#define STEPS 200000 /* SQLite VM steps per input */

static char dir[64], path[128];
/* The store every input starts from, as bytes: plans 1 and 2, plan 1
 * deleted; enactor 1's reports are in its own file beside it (the inputs
 * do not touch it).  Made once through the store's API. */
static uint8_t *tmpl;
static size_t tmpl_len;

static void remove_store(void)
{
	static const char *const ext[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < 4; i++) {
		char f[160];
		snprintf(f, sizeof(f), "%s%s", path, ext[i]);
		unlink(f);
	}
}

static void remove_dir(void)
{
	static const char *const kind[] = {"state", "applied", "retired"};
	for (size_t i = 0; i < 3; i++) {
		char f[200];
		snprintf(f, sizeof(f), "%s.enactors/1.%s", path, kind[i]);
		unlink(f);
	}
	char d[200];
	snprintf(d, sizeof(d), "%s.enactors", path);
	rmdir(d);
	remove_store();
	rmdir(dir);
	free(tmpl);
}

static void make_template(void)
{
	char err[1024];
	struct planstore *ps;
	if (planstore_open(path, &ps, err, sizeof(err)) != DP_OK ||
	    planstore_bind_region(ps, "us-east-1", err, sizeof(err)) != DP_OK)
		fuzz_fail("cannot make a store: %s", err);
	for (int g = 1; g <= 2; g++) {
		struct plan *p = planstore_plan_new();
		struct plan_endpoint *ep = planstore_plan_add_endpoint(
		        p, "dynamodb.us-east-1.api.test.");
		planstore_endpoint_add_addr(ep, "10.0.0.1", 1);
		planstore_endpoint_add_addr(
		        ep, g == 1 ? "10.0.0.2" : "2001:db8::2", (uint32_t)g);
		ep = planstore_plan_add_endpoint(p, "s3.us-east-1.api.test.");
		planstore_endpoint_add_addr(ep, "10.0.1.1", 5);
		planstore_plan_sort(p);
		uint64_t gen;
		if (planstore_write_plan(ps, p, PLANSTORE_ANY_BASE, "fuzz",
		                         &gen, err, sizeof(err)) != DP_OK)
			fuzz_fail("cannot write a plan: %s", err);
		planstore_plan_free(p);
	}
	if (planstore_heartbeat(ps, "1", 2, 1000, err, sizeof(err)) != DP_OK ||
	    planstore_report_applied(ps, "1", 2, NULL, 1000, err,
	                             sizeof(err)) != DP_OK ||
	    planstore_delete_plan(ps, 1, "1", "old", err, sizeof(err)) != DP_OK)
		fuzz_fail("cannot fill the store: %s", err);
	planstore_close(ps); /* the last connection folds the WAL in */
	if ((tmpl = fuzz_read_file(path, &tmpl_len)) == NULL || tmpl_len == 0)
		fuzz_fail("cannot read the store back");
}

/* A new store at @path: a copy of the template. */
static void fresh_store(void)
{
	remove_store();
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(tmpl, 1, tmpl_len, f) != tmpl_len)
		fuzz_fail("cannot write %s", path);
	fclose(f);
}

static int deny_attach(void *arg, int action, const char *a, const char *b,
                       const char *c, const char *d)
{
	(void)arg, (void)a, (void)b, (void)c, (void)d;
	return action == SQLITE_ATTACH || action == SQLITE_DETACH ? SQLITE_DENY
	                                                          : SQLITE_OK;
}

static int stop_long(void *arg)
{
	return ++*(int *)arg > STEPS / 1000;
}

/* Run the input as SQL on a plain connection; errors are the input's. */
static void run_sql(const uint8_t *data, size_t size)
{
	char *sql = xmalloc(size + 1);
	memcpy(sql, data, size);
	sql[size] = '\0';
	/* VACUUM INTO writes another file; the readers are what is tested. */
	for (char *s = sql; (s = strcasestr(s, "vacuum")) != NULL; s++)
		*s = 'X';
	sqlite3 *db;
	if (sqlite3_open(path, &db) == SQLITE_OK) {
		int ticks = 0;
		sqlite3_set_authorizer(db, deny_attach, NULL);
		sqlite3_progress_handler(db, 1000, stop_long, &ticks);
		sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 1 << 20);
		sqlite3_busy_timeout(db, 0);
		sqlite3_exec(db, sql, NULL, NULL, NULL);
	}
	sqlite3_close(db);
	free(sql);
}

/* Every address of @ep must be in the UPDATE that applies it. */
static void check_apply(const struct plan *p, const struct plan_endpoint *ep)
{
	struct endpoint_state st = {0};
	ldns_pkt *u = layout_apply("api.test.", ep, p->generation, &st,
	                           LAYOUT_CAS, 60);
	if (u == NULL)
		fuzz_fail("plan %llu, %s: no UPDATE",
		          (unsigned long long)p->generation, ep->name);
	size_t addrs = 0;
	ldns_rr_list *up = ldns_pkt_authority(u);
	for (size_t i = 0; i < ldns_rr_list_rr_count(up); i++) {
		ldns_rr *rr = ldns_rr_list_rr(up, i);
		ldns_rr_type t = ldns_rr_get_type(rr);
		if ((t == LDNS_RR_TYPE_A || t == LDNS_RR_TYPE_AAAA) &&
		    ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN)
			addrs++;
	}
	ldns_pkt_free(u);
	if (addrs != ep->naddrs)
		fuzz_fail("plan %llu, %s: %zu addresses, %zu in its UPDATE",
		          (unsigned long long)p->generation, ep->name,
		          ep->naddrs, addrs);
}

static void check_plan(const struct plan *p, uint64_t g)
{
	if (p->generation != g)
		fuzz_fail("asked for plan %llu, got %llu",
		          (unsigned long long)g,
		          (unsigned long long)p->generation);
	for (size_t i = 0; i < p->nendpoints; i++)
		check_apply(p, &p->endpoints[i]);
}

/* Every reader; a refusal must say why. */
static void read_all(void)
{
	char err[1024] = "";
	struct planstore *ps;
	if (planstore_open(path, &ps, err, sizeof(err)) != DP_OK) {
		if (err[0] == '\0')
			fuzz_fail("planstore_open refused without a message");
		return;
	}
	uint64_t newest;
	planstore_newest(ps, &newest, err, sizeof(err));
	char region[64];
	planstore_region(ps, region, sizeof(region), err, sizeof(err));
	struct planstore_info *list = NULL;
	size_t n = 0;
	if (planstore_list(ps, &list, &n, err, sizeof(err)) == DP_OK) {
		for (size_t i = 0; i < n && i < 8; i++) {
			uint64_t g = list[i].generation;
			struct plan *p = NULL;
			if (planstore_get_plan(ps, g, &p, err, sizeof(err)) !=
			    DP_OK)
				continue;
			check_plan(p, g);
			for (size_t j = 0; j < p->nendpoints && j < 4; j++) {
				struct plan *one = NULL;
				if (planstore_get_endpoint(
				            ps, g, p->endpoints[j].name, &one,
				            err, sizeof(err)) == DP_OK) {
					check_plan(one, g);
					planstore_plan_free(one);
				}
			}
			planstore_plan_free(p);
		}
		free(list);
	}
	struct planstore_deletion del;
	planstore_deletion(ps, 1, &del, err, sizeof(err));
	struct reports_state *en = NULL;
	if (planstore_enactors(ps, &en, &n, err, sizeof(err)) == DP_OK)
		free(en);
	struct planstore_control ctl;
	planstore_get_control(ps, &ctl, err, sizeof(err));
	planstore_close(ps);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (dir[0] == '\0') {
		fuzz_quiet();
		/* tmpfs when there is one: every input writes the file. */
		snprintf(dir, sizeof(dir), "%s/dnsplane-fuzz-store.XXXXXX",
		         access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		if (mkdtemp(dir) == NULL)
			fuzz_fail("mkdtemp: %s", dir);
		snprintf(path, sizeof(path), "%s/plans.db", dir);
		atexit(remove_dir);
		make_template();
	}
	fresh_store();
	run_sql(data, size);
	read_all();
	return 0;
}
