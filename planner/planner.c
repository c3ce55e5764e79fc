/*
 * planner.c - health state, the decision after each round, and writing
 * generations into the plan store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compute.h"
#include "log.h"
#include "planner.h"
#include "xalloc.h"

/* Longest plan reason: its log line must fit common/log.c's 1024 bytes. */
#define REASON_MAX 800

struct planner {
	struct region *r;
	struct health *health; /* r->nlbs */
	struct planstore *store;
	struct plan *prev; /* the newest plan in the store, or NULL */
	struct compute_rules rules;
	unsigned healthy, unhealthy;
	int64_t plan_interval_ms;
	bool paused;
	bool *failing_open; /* per endpoint: fail-open is keeping it */
	char writer[128];
};

static void take_settings(struct planner *p, const struct planner_settings *s)
{
	p->rules.fail_open = s->fail_open;
	p->rules.velocity_limit = s->velocity_limit;
	p->rules.max_drop_pct = (unsigned)s->velocity_max_drop;
	p->healthy = (unsigned)s->healthy_threshold;
	p->unhealthy = (unsigned)s->unhealthy_threshold;
	p->plan_interval_ms = s->plan_interval_ms;
}

dp_status planner_new(const struct planner_settings *s, struct region *r,
                      struct planstore *store, struct planner **out, char *err,
                      size_t errlen)
{
	struct planner *p = xcalloc(1, sizeof(*p));
	p->r = r;
	p->health = xcalloc(r->nlbs + 1, sizeof(*p->health));
	p->failing_open = xcalloc(r->nendpoints + 1, sizeof(bool));
	p->store = store;
	take_settings(p, s);
	char host[64] = "";
	gethostname(host, sizeof(host) - 1);
	snprintf(p->writer, sizeof(p->writer), "planner pid %ld on %s",
	         (long)getpid(), host);
	uint64_t newest;
	dp_status rc = planstore_newest(store, &newest, err, errlen);
	if (rc == DP_OK && newest != 0)
		rc = planstore_get_plan(store, newest, &p->prev, err, errlen);
	if (rc != DP_OK) {
		planner_free(p);
		return rc;
	}
	*out = p;
	return DP_OK;
}

void planner_free(struct planner *p)
{
	if (p == NULL)
		return;
	planstore_plan_free(p->prev);
	region_free(p->r);
	free(p->health);
	free(p->failing_open);
	free(p);
}

const struct region *planner_region(const struct planner *p)
{
	return p->r;
}

const struct health *planner_health(const struct planner *p, size_t lb)
{
	return &p->health[lb];
}

void planner_result(struct planner *p, size_t lb, bool ok, const char *why,
                    int64_t now_ms)
{
	struct health *h = &p->health[lb];
	enum health_state was = h->state;
	if (!health_record(h, ok, why, p->healthy, p->unhealthy, now_ms))
		return;
	const struct region_lb *l = &p->r->lbs[lb];
	if (was == HEALTH_UNKNOWN) {
		log_debug("load balancer %s of %s is %s: %s", l->address,
		          p->r->endpoints[l->endpoint].name,
		          health_state_name(h->state), h->why);
		return;
	}
	unsigned run = ok ? h->ok_run : h->fail_run;
	log_info("load balancer %s of %s is %s after %u %s check%s: %s",
	         l->address, p->r->endpoints[l->endpoint].name,
	         health_state_name(h->state), run, ok ? "good" : "failed",
	         run == 1 ? "" : "s", h->why);
}

/* Make the newest plan in the store the base of the decision. */
static dp_status refresh_prev(struct planner *p, char *err, size_t errlen)
{
	uint64_t newest;
	dp_status rc = planstore_newest(p->store, &newest, err, errlen);
	uint64_t have = p->prev ? p->prev->generation : 0;
	if (rc != DP_OK || newest == have)
		return rc;
	struct plan *plan = NULL;
	if (newest != 0 && (rc = planstore_get_plan(p->store, newest, &plan,
	                                            err, errlen)) != DP_OK)
		return rc;
	log_notice("the newest plan in the store is generation %llu, not "
	           "%llu; planning from it",
	           (unsigned long long)newest, (unsigned long long)have);
	planstore_plan_free(p->prev);
	p->prev = plan;
	return DP_OK;
}

/* Is automation paused?  Logs when that changes. */
static dp_status check_paused(struct planner *p, bool *paused, char *err,
                              size_t errlen)
{
	dp_status rc = planstore_get_paused(p->store, paused, err, errlen);
	if (rc != DP_OK)
		return rc;
	if (*paused && !p->paused)
		log_notice("automation is paused in the plan store: writing no "
		           "plans until it is resumed");
	else if (!*paused && p->paused)
		log_notice("automation resumed: writing plans again");
	p->paused = *paused;
	return DP_OK;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Write @res as the next generation; it becomes the base. */
static dp_status write_plan(struct planner *p, struct compute_result *res,
                            const char *reason, int64_t now_ms,
                            uint64_t *generation, char *err, size_t errlen)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	res->plan->reason = xstrdup(reason);
	uint64_t base = p->prev ? p->prev->generation : 0, gen;
	dp_status rc = planstore_write_plan(p->store, res->plan, base,
	                                    p->writer, &gen, err, errlen);
	if (rc != DP_OK)
		return rc;
	double ms = ms_since(&t0);
	struct plan *plan = res->plan;
	res->plan = NULL;
	plan->generation = gen;
	plan->created_ms = now_ms;
	planstore_plan_free(p->prev);
	p->prev = plan;
	log_notice("generation %llu (%zu endpoints, %zu addresses, written in "
	           "%.1f ms): %s",
	           (unsigned long long)gen, plan->nendpoints,
	           planstore_plan_naddrs(plan), ms, reason);
	if (generation != NULL)
		*generation = gen;
	return DP_OK;
}

/* Say when an endpoint starts and stops being kept by fail-open. */
static void log_fail_open(struct planner *p, const struct compute_result *res)
{
	const struct region *r = p->r;
	bool *now = xcalloc(r->nendpoints + 1, sizeof(bool));
	for (size_t i = 0; i < res->nnotes; i++) {
		const struct compute_note *n = &res->notes[i];
		size_t e = region_find_endpoint(r, n->endpoint);
		if (n->kind != NOTE_FAIL_OPEN || e == SIZE_MAX)
			continue;
		now[e] = true;
		if (!p->failing_open[e])
			log_warning("endpoint %s: no load balancer is up; "
			            "fail-open keeps %zu addresses (%s)",
			            n->endpoint, n->count,
			            n->from_earlier
			                    ? "those of the previous plan"
			                    : "all of its load balancers");
	}
	for (size_t e = 0; e < r->nendpoints; e++) {
		if (p->failing_open[e] && !now[e])
			log_notice("endpoint %s: load balancers are up again, "
			           "fail-open ends",
			           r->endpoints[e].name);
	}
	free(p->failing_open);
	p->failing_open = now;
}

/* The reason of a plan that has no previous plan. */
static void first_reason(const struct planner *p,
                         const struct compute_result *res, char *buf,
                         size_t len)
{
	size_t up = 0;
	for (size_t i = 0; i < p->r->nlbs; i++)
		up += p->health[i].state == HEALTH_UP;
	int n = snprintf(buf, len, "first plan, %zu of %zu load balancers up",
	                 up, p->r->nlbs);
	if (res->nnotes > 0 && n > 0 && (size_t)n + 2 < len) {
		memcpy(buf + n, "; ", 3);
		compute_describe(res, p->r, p->health, &p->rules, buf + n + 2,
		                 len - (size_t)n - 2);
	}
}

dp_status planner_plan(struct planner *p, int64_t now_ms, uint64_t *generation)
{
	if (generation != NULL)
		*generation = 0;
	/* A plan without endpoints would tell the enactors to drop them
	 * all; with none configured, the planner writes nothing. */
	if (p->r->nendpoints == 0)
		return DP_OK;
	char err[1024];
	char *reason = xmalloc(REASON_MAX);
	struct compute_result res;
	memset(&res, 0, sizeof(res));
	bool paused = false;
	dp_status rc = refresh_prev(p, err, sizeof(err));
	if (rc == DP_OK)
		rc = check_paused(p, &paused, err, sizeof(err));
	if (rc != DP_OK || paused)
		goto out;
	compute_plan(p->r, p->health, p->prev, &p->rules, &res);
	log_fail_open(p, &res);
	int64_t age = p->prev ? now_ms - p->prev->created_ms : 0;
	if (!res.changed && age < p->plan_interval_ms)
		goto out;
	if (p->prev == NULL)
		first_reason(p, &res, reason, REASON_MAX);
	else if (res.changed)
		compute_describe(&res, p->r, p->health, &p->rules, reason,
		                 REASON_MAX);
	else
		snprintf(reason, REASON_MAX,
		         "no change, periodic (generation %llu is %.1f s old)",
		         (unsigned long long)p->prev->generation,
		         (double)age / 1000);
	if (res.empty)
		log_warning("writing a plan that leaves an endpoint without "
		            "an address (fail-open is off)");
	rc = write_plan(p, &res, reason, now_ms, generation, err, sizeof(err));
out:
	if (rc == DP_EEXIST)
		log_warning("another writer was faster, planning again next "
		            "round: %s",
		            err);
	else if (rc != DP_OK)
		log_err("no plan written: %s", err);
	compute_result_free(&res);
	free(reason);
	return rc;
}

/* The lb of @old with the endpoint, address and check of @lb, or NULL. */
static const struct region_lb *same_lb(const struct region *old,
                                       const struct region *r,
                                       const struct region_lb *lb)
{
	size_t e = region_find_endpoint(old, r->endpoints[lb->endpoint].name);
	size_t i =
	        e == SIZE_MAX ? SIZE_MAX : region_find_lb(old, e, lb->address);
	if (i == SIZE_MAX)
		return NULL;
	const struct region_lb *o = &old->lbs[i];
	if (o->check.kind != lb->check.kind ||
	    strcmp(o->check.hostport, lb->check.hostport) != 0 ||
	    strcmp(o->check.path, lb->check.path) != 0)
		return NULL;
	return o;
}

void planner_reload(struct planner *p, const struct planner_settings *s,
                    struct region *r)
{
	struct health *health = xcalloc(r->nlbs + 1, sizeof(*health));
	for (size_t i = 0; i < r->nlbs; i++) {
		const struct region_lb *o = same_lb(p->r, r, &r->lbs[i]);
		if (o != NULL)
			health[i] = p->health[o - p->r->lbs];
	}
	bool *failing_open = xcalloc(r->nendpoints + 1, sizeof(bool));
	for (size_t e = 0; e < r->nendpoints; e++) {
		size_t o = region_find_endpoint(p->r, r->endpoints[e].name);
		failing_open[e] = o != SIZE_MAX && p->failing_open[o];
	}
	free(p->health);
	free(p->failing_open);
	region_free(p->r);
	p->health = health;
	p->failing_open = failing_open;
	p->r = r;
	take_settings(p, s);
}
