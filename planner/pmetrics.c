/*
 * pmetrics.c - the planner's counters and their Prometheus text (see
 * pmetrics.h).
 */
#include <stdlib.h>
#include <time.h>

#include "pmetrics.h"
#include "prom.h"
#include "xalloc.h"

/* Seconds to write one generation. */
static const double write_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                      0.1,   0.25,   0.5,   1,    2.5,   10};

struct pmetrics {
	_Atomic uint64_t ready;
	_Atomic uint64_t generations, conflicts, store_errors, served_errors;
	_Atomic uint64_t fail_open_events, failing_open, velocity_held;
	_Atomic uint64_t paused, last_gen, last_write_ms;
	struct prom_hist write_seconds;
	double start; /* unix seconds */
};

struct pmetrics *pmetrics_new(void)
{
	struct pmetrics *m = xcalloc(1, sizeof(*m));
	prom_hist_init(&m->write_seconds, write_bounds,
	               sizeof(write_bounds) / sizeof(write_bounds[0]));
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	m->start = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	return m;
}

void pmetrics_free(struct pmetrics *m)
{
	free(m);
}

void pmetrics_ready(struct pmetrics *m)
{
	if (m != NULL)
		prom_set(&m->ready, 1);
}

bool pmetrics_is_ready(struct pmetrics *m)
{
	return m != NULL && prom_get(&m->ready) != 0;
}

void pmetrics_written(struct pmetrics *m, uint64_t gen, double seconds,
                      int64_t now_ms)
{
	if (m == NULL)
		return;
	prom_inc(&m->generations);
	prom_hist_observe(&m->write_seconds, seconds);
	prom_set(&m->last_gen, gen);
	prom_set(&m->last_write_ms, (uint64_t)now_ms);
}

void pmetrics_conflict(struct pmetrics *m)
{
	if (m != NULL)
		prom_inc(&m->conflicts);
}

void pmetrics_store_error(struct pmetrics *m)
{
	if (m != NULL)
		prom_inc(&m->store_errors);
}

void pmetrics_served_error(struct pmetrics *m)
{
	if (m != NULL)
		prom_inc(&m->served_errors);
}

void pmetrics_fail_open(struct pmetrics *m, size_t started, size_t now)
{
	if (m == NULL)
		return;
	prom_add(&m->fail_open_events, started);
	prom_set(&m->failing_open, now);
}

void pmetrics_velocity_held(struct pmetrics *m)
{
	if (m != NULL)
		prom_inc(&m->velocity_held);
}

void pmetrics_paused(struct pmetrics *m, bool paused)
{
	if (m != NULL)
		prom_set(&m->paused, paused);
}

/* Each load balancer's health: 1 up, 0 down or not checked yet. */
static void render_lbs(struct prom_buf *b, const struct planner *p)
{
	const struct region *r = planner_region(p);
	prom_head(b, "dnsplane_planner_lb_healthy", "gauge",
	          "1 when the load balancer is up, 0 when down or not checked "
	          "yet.");
	for (size_t i = 0; i < r->nlbs; i++) {
		const struct region_lb *lb = &r->lbs[i];
		char ep[1024], addr[PLAN_ADDRLEN * 2];
		prom_put(b,
		         "dnsplane_planner_lb_healthy{endpoint=\"%s\","
		         "address=\"%s\"} %d\n",
		         prom_escape(r->endpoints[lb->endpoint].name, ep,
		                     sizeof(ep)),
		         prom_escape(lb->address, addr, sizeof(addr)),
		         planner_health(p, i)->state == HEALTH_UP);
	}
}

char *pmetrics_render(struct pmetrics *m, const struct planner *p,
                      const struct loop *l, size_t *len)
{
	static const char *const results[LOOP_CHECKS] = {"ok", "fail",
	                                                 "timeout"};
	struct prom_buf b;
	prom_init(&b);
	prom_one(&b, "dnsplane_planner_ready", "gauge",
	         "1 once the store is open and the first round planned.",
	         prom_get(&m->ready));
	prom_head(&b, "dnsplane_planner_start_time_seconds", "gauge",
	          "When the planner started, unix seconds.");
	prom_put(&b, "dnsplane_planner_start_time_seconds %.3f\n", m->start);
	uint64_t checks[LOOP_CHECKS];
	loop_checks(l, checks);
	prom_head(&b, "dnsplane_planner_health_checks_total", "counter",
	          "Health checks of load balancers, by result.");
	for (int i = 0; i < LOOP_CHECKS; i++)
		prom_put(&b,
		         "dnsplane_planner_health_checks_total{result=\"%s\"} "
		         "%llu\n",
		         results[i], (unsigned long long)checks[i]);
	render_lbs(&b, p);
	prom_one(&b, "dnsplane_planner_generations_written_total", "counter",
	         "Plan generations written into the store.",
	         prom_get(&m->generations));
	prom_hist_render(&b, "dnsplane_planner_write_seconds",
	                 "Time to write one generation into the store.",
	                 &m->write_seconds);
	prom_one(&b, "dnsplane_planner_last_generation", "gauge",
	         "The last generation this planner wrote (0: none yet).",
	         prom_get(&m->last_gen));
	prom_head(&b, "dnsplane_planner_last_write_timestamp_seconds", "gauge",
	          "When the last generation was written, unix seconds (0: "
	          "never).");
	prom_put(&b, "dnsplane_planner_last_write_timestamp_seconds %.3f\n",
	         (double)prom_get(&m->last_write_ms) / 1e3);
	prom_one(&b, "dnsplane_planner_write_conflicts_total", "counter",
	         "Writes another writer beat (planned again next round).",
	         prom_get(&m->conflicts));
	prom_one(&b, "dnsplane_planner_store_errors_total", "counter",
	         "Operations on the plan store that failed.",
	         prom_get(&m->store_errors));
	prom_one(&b, "dnsplane_planner_served_read_errors_total", "counter",
	         "Failed reads of the generations authd serves.",
	         prom_get(&m->served_errors));
	prom_one(&b, "dnsplane_planner_fail_open_events_total", "counter",
	         "Times an endpoint with no load balancer up began to be kept "
	         "by "
	         "fail-open.",
	         prom_get(&m->fail_open_events));
	prom_one(&b, "dnsplane_planner_fail_open_endpoints", "gauge",
	         "Endpoints fail-open keeps now (no load balancer up).",
	         prom_get(&m->failing_open));
	prom_one(&b, "dnsplane_planner_velocity_limited_total", "counter",
	         "Plans in which the velocity limit postponed removals.",
	         prom_get(&m->velocity_held));
	prom_one(&b, "dnsplane_planner_automation_paused", "gauge",
	         "1 while automation is paused in the plan store.",
	         prom_get(&m->paused));
	*len = b.len;
	return b.buf;
}
