/*
 * metrics.h - authd's counters in the Prometheus text format.
 *
 * Pure rendering: the I/O layer (server.c) sums the workers' counters,
 * takes the update thread's statistics and the served zones, and serves
 * the text this module writes on /metrics.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "failover.h"
#include "updater.h"
#include "zone.h"

#define METRICS_RCODES 24

/* Queries answered, by transport and rcode (one writer: its worker). */
struct query_counters {
	uint64_t udp[METRICS_RCODES];
	uint64_t tcp[METRICS_RCODES];
	uint64_t dropped;   /* malformed beyond an answer, or responses */
	uint64_t not_ready; /* SERVFAIL Not Ready: a guarded endpoint empty */
};

/* metrics_count - add one to @c (relaxed: a single writer per copy). */
static inline void metrics_count(uint64_t *c)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + 1,
	                 __ATOMIC_RELAXED);
}

/* metrics_add - @sum += @c, read without tearing. */
void metrics_add(struct query_counters *sum, const struct query_counters *c);

/*
 * metrics_render - the Prometheus text for @q, @u (may be NULL), the
 * serials of @zs and the failover state of @fw (may be NULL).  Returns a string owned by the caller (free()); *@len
 * is its length.
 */
char *metrics_render(const struct query_counters *q,
                     const struct updater_stats *u, const struct zoneset *zs,
                     struct failover_watch *fw, size_t *len);

#endif /* METRICS_H */
