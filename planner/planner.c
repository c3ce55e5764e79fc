/*
 * planner.c - health state, the decision after each round, and writing
 * generations into the plan store.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compute.h"
#include "labels.h"
#include "log.h"
#include "netaddr.h"
#include "planner.h"
#include "pmetrics.h"
#include "served.h"
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
	/* The markers authd serves (served.h). */
	char server[64]; /* "" when not checked */
	int64_t served_check_ms;
	int64_t served_ms;     /* when they were read last, 0 never */
	uint64_t served_high;  /* the highest */
	char served_ep[256];   /* whose marker that is */
	char served_fail[512]; /* the last failure said, "" none */
	bool said_at_max;      /* markers at PLAN_GEN_MAX were logged */
	struct pmetrics *m;    /* or NULL */
};

static void take_settings(struct planner *p, const struct planner_settings *s)
{
	p->rules.fail_open = s->fail_open;
	p->rules.velocity_limit = s->velocity_limit;
	p->rules.max_drop_pct = (unsigned)s->velocity_max_drop;
	p->healthy = (unsigned)s->healthy_threshold;
	p->unhealthy = (unsigned)s->unhealthy_threshold;
	p->plan_interval_ms = s->plan_interval_ms;
	p->served_check_ms = s->served_check_ms;
	struct netaddr a;
	char was[sizeof(p->server)];
	snprintf(was, sizeof(was), "%s", p->server);
	p->server[0] = '\0';
	if (s->server != NULL && *s->server &&
	    netaddr_parse(s->server, 53, &a) == NULL)
		snprintf(p->server, sizeof(p->server), "%s", a.text);
	if (strcmp(was, p->server) != 0)
		p->served_ms = 0; /* another authd: read it before writing */
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

void planner_set_metrics(struct planner *p, struct pmetrics *m)
{
	p->m = m;
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
	if (newest < have) {
		/* Restored from an older copy, or replaced: what authd
		 * serves must be read again before the next generation. */
		log_warning("the newest plan in the store is generation %llu, "
		            "below %llu seen before: the store was restored or "
		            "replaced",
		            (unsigned long long)newest,
		            (unsigned long long)have);
		p->served_ms = 0;
	} else {
		log_notice("the newest plan in the store is generation %llu, "
		           "not %llu; planning from it",
		           (unsigned long long)newest,
		           (unsigned long long)have);
	}
	planstore_plan_free(p->prev);
	p->prev = plan;
	return DP_OK;
}

/* Say a failure to read authd once, until it changes or clears. */
static void served_failed(struct planner *p, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void served_failed(struct planner *p, const char *fmt, ...)
{
	char msg[sizeof(p->served_fail)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pmetrics_served_error(p->m);
	if (strcmp(msg, p->served_fail) != 0)
		log_err("%s", msg);
	memcpy(p->served_fail, msg, sizeof(msg));
}

/*
 * Know the markers authd serves: read them when never read, after
 * served-check-ms, or after the store went back.  False when no
 * generation may be written now (said in the log).
 *
 * Why this keeps the order of generations: markers only rise (authd's
 * fence), and only enactors writing the store's plans (or an operator)
 * set them.  Every generation written after a read is above every marker
 * served at that read; a marker raised by hand after it makes the next
 * generations land below it for that endpoint, which the fence refuses
 * (no harm, no progress there) until the next read, at most
 * served-check-ms later, takes the counter past it.  A store that went
 * back is noticed before it writes (refresh_prev) and read against
 * first.  A planner that cannot read authd writes nothing until it has
 * read it once since it started or since the store went back.
 */
static bool above_served(struct planner *p, int64_t now_ms)
{
	if (p->server[0] == '\0')
		return true;
	char err[512];
	if (p->served_ms == 0 || now_ms - p->served_ms >= p->served_check_ms) {
		struct served sv;
		dp_status rc = served_read(p->server, p->r, 2000, &sv, err,
		                           sizeof(err));
		if (rc != DP_OK && p->served_ms == 0) {
			served_failed(p,
			              "cannot read the generations authd at %s "
			              "serves (%s): writing no plan until it "
			              "answers",
			              p->server, err);
			return false;
		}
		if (rc != DP_OK) {
			served_failed(p,
			              "cannot read the generations authd at %s "
			              "serves (%s): going on above %llu, read "
			              "before",
			              p->server, err,
			              (unsigned long long)p->served_high);
		} else {
			if (p->served_fail[0] != '\0')
				log_notice("authd at %s answers again: the "
				           "highest generation it serves is "
				           "%llu",
				           p->server,
				           (unsigned long long)sv.high);
			p->served_fail[0] = '\0';
			if (sv.at_max > 0 && !p->said_at_max)
				log_err("%zu endpoint%s (%s) marked with "
				        "generation %llu, the largest there "
				        "is: "
				        "no plan can move %s (dnsplanectl "
				        "repair "
				        "--lower-fence lowers the marker)",
				        sv.at_max, sv.at_max == 1 ? "" : "s",
				        sv.at_max_endpoint,
				        (unsigned long long)PLAN_GEN_MAX,
				        sv.at_max == 1 ? "it" : "them");
			p->said_at_max = sv.at_max > 0;
			p->served_ms = now_ms;
			p->served_high = sv.high;
			memcpy(p->served_ep, sv.endpoint, sizeof(p->served_ep));
		}
	}
	return true;
}

/*
 * Raise the store's counter past the highest marker read, right before a
 * write: in the same breath as the write, so a store put back between a
 * raise and a write is raised again.
 */
static dp_status raise_counter(struct planner *p, char *err, size_t errlen)
{
	uint64_t was = 0;
	if (p->server[0] == '\0')
		return DP_OK;
	dp_status rc =
	        planstore_raise(p->store, p->served_high, &was, err, errlen);
	if (rc == DP_OK && was < p->served_high)
		log_warning("authd serves generation %llu (the marker of "
		            "%s), the store's counter was at %llu: raised it, "
		            "the next generation is %llu",
		            (unsigned long long)p->served_high, p->served_ep,
		            (unsigned long long)was,
		            (unsigned long long)p->served_high + 1);
	return rc;
}

/*
 * The planner is the store's writer: the plans the enactors retired
 * (their records are gone from authd) leave the store here, with the
 * enactor's record of who, when and why.
 */
static void collect(struct planner *p)
{
	char err[512];
	size_t n = 0;
	if (planstore_collect(p->store, &n, err, sizeof(err)) != DP_OK) {
		pmetrics_store_error(p->m);
		log_warning("cannot delete the plans the enactors retired: %s",
		            err);
	} else if (n > 0)
		log_info("deleted %zu plan%s the enactors retired", n,
		         n == 1 ? "" : "s");
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
	pmetrics_paused(p->m, *paused);
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
	dp_status rc = raise_counter(p, err, errlen);
	if (rc == DP_OK)
		rc = planstore_write_plan(p->store, res->plan, base, p->writer,
		                          &gen, err, errlen);
	if (rc != DP_OK)
		return rc;
	double ms = ms_since(&t0);
	pmetrics_written(p->m, gen, ms / 1e3, now_ms);
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
	size_t started = 0, kept = 0;
	for (size_t i = 0; i < res->nnotes; i++) {
		const struct compute_note *n = &res->notes[i];
		size_t e = region_find_endpoint(r, n->endpoint);
		if (n->kind != NOTE_FAIL_OPEN || e == SIZE_MAX)
			continue;
		now[e] = true;
		kept++;
		started += !p->failing_open[e];
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
	pmetrics_fail_open(p->m, started, kept);
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
	collect(p);
	dp_status rc = refresh_prev(p, err, sizeof(err));
	if (rc == DP_OK)
		rc = check_paused(p, &paused, err, sizeof(err));
	if (rc != DP_OK || paused)
		goto out;
	if (!above_served(p, now_ms)) {
		rc = DP_EIO;
		free(reason);
		return rc;
	}
	compute_plan(p->r, p->health, p->prev, &p->rules, &res);
	log_fail_open(p, &res);
	if (res.held)
		pmetrics_velocity_held(p->m);
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
		pmetrics_conflict(p->m);
	else if (rc != DP_OK)
		pmetrics_store_error(p->m);
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
