/*
 * pmetrics.h - the planner's counters for Prometheus: health checks by
 * result and each load balancer's state, generations written and how
 * long a write took, fail-open and velocity-limit events, store errors,
 * the last generation written, readiness.
 *
 * planner.c counts in the worker thread that plans; the loop's thread
 * counts checks (loop.c) and renders /metrics: counters and gauges are
 * atomics.  The load balancers' health is read on the loop's thread,
 * which alone changes it, between rounds (see loop.h).  Every counting
 * function takes a NULL struct pmetrics and does nothing then.
 */
#ifndef PMETRICS_H
#define PMETRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "planner.h"

struct pmetrics;

/* pmetrics_new - empty counters, owned by the caller (pmetrics_free()). */
struct pmetrics *pmetrics_new(void);

/* pmetrics_free - free.  NULL is ok. */
void pmetrics_free(struct pmetrics *m);

/* pmetrics_ready - the first plan is done: the planner is ready. */
void pmetrics_ready(struct pmetrics *m);

/* pmetrics_is_ready - has pmetrics_ready() been called? */
bool pmetrics_is_ready(struct pmetrics *m);

/*
 * pmetrics_written - generation @gen was written at @now_ms (unix
 * milliseconds), which took @seconds.
 */
void pmetrics_written(struct pmetrics *m, uint64_t gen, double seconds,
                      int64_t now_ms);

/* pmetrics_conflict - another writer wrote first (nothing written). */
void pmetrics_conflict(struct pmetrics *m);

/* pmetrics_store_error - the plan store failed an operation. */
void pmetrics_store_error(struct pmetrics *m);

/* pmetrics_served_error - authd's generation markers could not be read. */
void pmetrics_served_error(struct pmetrics *m);

/*
 * pmetrics_fail_open - @started endpoints began to be kept by fail-open,
 * @now are kept by it.
 */
void pmetrics_fail_open(struct pmetrics *m, size_t started, size_t now);

/* pmetrics_velocity_held - the velocity limit postponed removals. */
void pmetrics_velocity_held(struct pmetrics *m);

/* pmetrics_paused - automation is paused in the store, or not. */
void pmetrics_paused(struct pmetrics *m, bool paused);

/*
 * pmetrics_render - the Prometheus text of @m, of the checks of @l and
 * the load balancers of @p (on the loop's thread).  Returns a string
 * owned by the caller (free()); *@len is its length.
 */
char *pmetrics_render(struct pmetrics *m, const struct planner *p,
                      const struct loop *l, size_t *len);

#endif /* PMETRICS_H */
