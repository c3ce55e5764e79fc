/*
 * planner.h - the DNS Planner: keeps the health of every load balancer of
 * the region, and after each health round decides whether to write a new
 * plan generation into the plan store (on a change, and at least every
 * plan-interval-ms).  It knows neither sockets nor the event loop: loop.c
 * feeds it check results, main.c wires the two.
 */
#ifndef PLANNER_H
#define PLANNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp.h"
#include "health.h"
#include "planstore.h"
#include "region.h"

struct planner;

/*
 * planner_new - a planner for region @r (ownership passes to the planner,
 * even on failure) with the thresholds and rules of @s (copied), writing
 * into @store (borrowed: it must outlive the planner).  The newest plan
 * in the store, if any, is the base of the first decision.
 */
dp_status planner_new(const struct planner_settings *s, struct region *r,
                      struct planstore *store, struct planner **out, char *err,
                      size_t errlen);

/* planner_free - release the planner and its region.  NULL is ok. */
void planner_free(struct planner *p);

/*
 * planner_set_metrics - count into @m (borrowed: it must outlive the
 * planner; NULL: no metrics).
 */
struct pmetrics;
void planner_set_metrics(struct planner *p, struct pmetrics *m);

/* planner_region - the region being planned (owned by the planner). */
const struct region *planner_region(const struct planner *p);

/* planner_health - the health of load balancer @lb of the region. */
const struct health *planner_health(const struct planner *p, size_t lb);

/*
 * planner_result - take the result of one check of load balancer @lb
 * (@ok, described by @why) at @now_ms; a change of its state is logged.
 */
void planner_result(struct planner *p, size_t lb, bool ok, const char *why,
                    int64_t now_ms);

/*
 * planner_plan - decide on the plan at @now_ms and write a new generation
 * when it changed or the newest plan is plan-interval-ms old, unless
 * automation is paused.  Logs one line per generation.  *@generation
 * (may be NULL) is the generation written, 0 for none.  An error of the
 * store is logged and returned; the next call tries again.
 */
dp_status planner_plan(struct planner *p, int64_t now_ms, uint64_t *generation);

/*
 * planner_reload - plan region @r (owned by the planner from now on) with
 * the settings @s (copied) from now on.  A load balancer with the same
 * endpoint, address and check target keeps its health; a new one starts
 * unknown (and changes nothing until it is checked).  Call it between
 * health rounds.
 */
void planner_reload(struct planner *p, const struct planner_settings *s,
                    struct region *r);

#endif /* PLANNER_H */
