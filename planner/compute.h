/*
 * compute.h - the planner's decision: the next plan from the region, the
 * health of its load balancers and the previous plan.
 *
 * A pure function, without I/O or clocks, so every rule is tested on its
 * own (tests/unit/check_plan_compute.c).  The rules:
 *
 *  - An endpoint gets the addresses of its load balancers that are up,
 *    with their configured weights.  A load balancer not checked yet
 *    changes nothing: it stays in the plan if it was there, with its old
 *    weight, and is not added if it was not.
 *  - Fail-open: when no load balancer of an endpoint is up, the endpoint
 *    keeps the addresses of the previous plan; with no previous addresses,
 *    it gets all its load balancers (as a cloud load balancer routes to
 *    every target when none is healthy).  Switched off, the endpoint is
 *    left without an address, as in the incident.
 *  - Velocity limit: one generation removes at most max_drop_pct percent
 *    of the endpoint's capacity (the sum of its weights in the previous
 *    plan), but always at least one address, so removals go on; the rest
 *    stay ("held") with their old weights and go in later generations.
 *    Additions and weight changes are not limited.
 */
#ifndef COMPUTE_H
#define COMPUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "health.h"
#include "planstore.h"
#include "region.h"

struct compute_rules {
	bool fail_open;
	bool velocity_limit;
	unsigned max_drop_pct; /* 1..100 */
};

enum compute_note_kind {
	NOTE_REMOVED,          /* address left out: lb down or unconfigured */
	NOTE_ADDED,            /* address put in: lb up, or fail-open */
	NOTE_WEIGHT,           /* an address's weight changed */
	NOTE_HELD,             /* a removal postponed by the velocity limit */
	NOTE_FAIL_OPEN,        /* no lb up: addresses kept (count) */
	NOTE_EMPTY,            /* no lb up, fail-open off: no address */
	NOTE_ENDPOINT_ADDED,   /* an endpoint the previous plan lacked */
	NOTE_ENDPOINT_REMOVED, /* an endpoint no longer configured */
};

/* One thing that changed in an endpoint, and the facts to explain it. */
struct compute_note {
	enum compute_note_kind kind;
	char *endpoint;             /* owned */
	char address[PLAN_ADDRLEN]; /* address notes, else "" */
	size_t lb;                  /* region lb, or SIZE_MAX */
	uint32_t from, to;          /* weights (NOTE_WEIGHT) */
	size_t count;               /* addresses (fail-open, endpoints) */
	bool from_earlier;          /* NOTE_FAIL_OPEN: kept the old set */
};

struct compute_result {
	struct plan *plan; /* the next plan, sorted; owned */
	struct compute_note *notes;
	size_t nnotes, cap;
	bool changed; /* the plan differs from the previous one */
	bool held;    /* the velocity limit postponed removals */
	bool fail_open;
	bool empty; /* an endpoint is left without an address */
};

/*
 * compute_plan - compute the next plan for region @r, whose load
 * balancers have the health @h (r->nlbs entries), after @prev (sorted;
 * NULL when there is none yet).  Fills @out, which the caller releases
 * with compute_result_free().  Notes come grouped by endpoint, then by
 * kind, then by address.
 */
void compute_plan(const struct region *r, const struct health *h,
                  const struct plan *prev, const struct compute_rules *rules,
                  struct compute_result *out);

/*
 * compute_describe - one line saying what changed and why, into @buf
 * (@len bytes; long lists end with "... N more").  "no change" when
 * nothing did.
 */
void compute_describe(const struct compute_result *res, const struct region *r,
                      const struct health *h, const struct compute_rules *rules,
                      char *buf, size_t len);

/* compute_result_free - release what @res holds.  Idempotent. */
void compute_result_free(struct compute_result *res);

#endif /* COMPUTE_H */
