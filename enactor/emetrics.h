/*
 * emetrics.h - the enactor's counters for Prometheus: passes, moves,
 * what authd refused and why, cleanup, backoff, pauses, the time from a
 * plan's creation to an endpoint serving it, and the generation each
 * endpoint was last seen on.
 *
 * The pass (enactor.c, in a libuv worker thread) counts; the loop's
 * thread renders /metrics (main.c).  Counters and gauges are atomics;
 * the endpoints' generations are under a mutex.  Every function takes a
 * NULL struct emetrics and does nothing then (an enactor without
 * metrics, as the unit tests make).
 */
#ifndef EMETRICS_H
#define EMETRICS_H

#include <stdbool.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "prom.h"
#include "settings.h"

/* Why authd did not take an update. */
enum emetrics_refusal {
	REFUSAL_GUARD,        /* REFUSED by the guard: an endpoint emptied */
	REFUSAL_FENCE,        /* REFUSED by the fence: a generation back */
	REFUSAL_REFUSED,      /* REFUSED otherwise (policy, unsigned) */
	REFUSAL_TSIG_BADSIG,  /* our signature: authd's secret differs */
	REFUSAL_TSIG_BADKEY,  /* authd does not know our key */
	REFUSAL_TSIG_BADTIME, /* the clocks differ */
	REFUSAL_TSIG_OTHER,   /* another TSIG error */
	REFUSAL_NXDOMAIN,     /* legacy: the active plan is gone */
	REFUSAL_SERVFAIL,     /* authd could not commit */
	REFUSAL_NOTAUTH,      /* not authoritative for the zone */
	REFUSAL_FORMERR,      /* malformed, says authd */
	REFUSAL_OTHER,        /* any other rcode */
	REFUSAL_COUNT,
};

/* Why cleanup kept a plan it set out to delete. */
enum emetrics_kept {
	KEPT_IN_USE,  /* in use again when checked right before */
	KEPT_OWN,     /* an endpoint the newest plan lacks stands on it */
	KEPT_REFUSED, /* authd refused deleting its records */
	KEPT_STORE,   /* records gone, but the store did not retire it */
	KEPT_COUNT,
};

struct emetrics;

/*
 * emetrics_new - counters for the enactor with settings @s (borrowed:
 * its id and mode label the info metric).  Owned by the caller
 * (emetrics_free()).
 */
struct emetrics *emetrics_new(const struct enactor_settings *s);

/* emetrics_free - free.  NULL is ok. */
void emetrics_free(struct emetrics *m);

/* emetrics_pass - a pass began (automation not paused). */
void emetrics_pass(struct emetrics *m);

/* emetrics_walk - a safe pass reads every endpoint. */
void emetrics_walk(struct emetrics *m);

/* emetrics_automation - the store's automation switch, as a pass saw it. */
void emetrics_automation(struct emetrics *m, bool paused);

/*
 * emetrics_plan - the pass applies plan @generation, created at
 * @created_ms (unix milliseconds; 0: unknown).  Only the pass's thread
 * calls this and emetrics_moved().
 */
void emetrics_plan(struct emetrics *m, uint64_t generation, int64_t created_ms);

/*
 * emetrics_moved - authd acknowledged @endpoint on @generation: a move,
 * the endpoint's generation, and (when @generation is the pass's plan)
 * the time since the plan was created.
 */
void emetrics_moved(struct emetrics *m, const char *endpoint,
                    uint64_t generation);

/* emetrics_seen - @endpoint was read on @generation (0: none). */
void emetrics_seen(struct emetrics *m, const char *endpoint,
                   uint64_t generation);

/* emetrics_cas_lost - a compare-and-swap found the endpoint moved. */
void emetrics_cas_lost(struct emetrics *m);

/* emetrics_lock_wait - legacy: another enactor held the lock. */
void emetrics_lock_wait(struct emetrics *m);

/*
 * emetrics_answer - authd's answer @a to an update (NULL: none): a TSIG
 * error, or an rcode other than NOERROR, NXRRSET and YXRRSET (the
 * compare-and-swap and lock answers, counted by their callers), is
 * counted by its reason.
 */
void emetrics_answer(struct emetrics *m, const ldns_pkt *a);

/* emetrics_refusal_of - the reason of answer @a, or -1 when none. */
int emetrics_refusal_of(const ldns_pkt *a);

/* emetrics_authd_error - an exchange with authd got no answer. */
void emetrics_authd_error(struct emetrics *m);

/* emetrics_store_error - the plan store failed an operation. */
void emetrics_store_error(struct emetrics *m);

/* emetrics_deleted - cleanup deleted a plan. */
void emetrics_deleted(struct emetrics *m);

/* emetrics_kept - cleanup kept a plan it set out to delete, for @why. */
void emetrics_kept(struct emetrics *m, enum emetrics_kept why);

/* emetrics_backoff - a backoff of @ms begins; 0: it ended. */
void emetrics_backoff(struct emetrics *m, long ms);

/* emetrics_paused - at a pause point (true, before SIGSTOP) or not. */
void emetrics_paused(struct emetrics *m, bool paused);

/*
 * emetrics_render - the Prometheus text of @m.
 * Returns a string owned by the caller (free()); *@len is its length.
 */
char *emetrics_render(struct emetrics *m, size_t *len);

#endif /* EMETRICS_H */
