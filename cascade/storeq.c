/*
 * storeq.c - the lease store's capacity model (see storeq.h): a ring of
 * waiting requests in arrival order and a count of busy slots.
 */
#include <stdlib.h>

#include "ring.h"
#include "storeq.h"
#include "xalloc.h"

struct waiting {
	void *ctx;
	int64_t arrived_ms, deadline_ms;
};

struct storeq {
	struct storeq_params p;
	struct ring line; /* of struct waiting */
	long busy_slots;
	struct storeq_stats st;
};

struct storeq *storeq_new(const struct storeq_params *p)
{
	struct storeq *q = xcalloc(1, sizeof(*q));
	q->p = *p;
	ring_init(&q->line, sizeof(struct waiting));
	return q;
}

void storeq_free(struct storeq *q)
{
	if (q == NULL)
		return;
	ring_free(&q->line);
	free(q);
}

bool storeq_push(struct storeq *q, void *ctx, int64_t now_ms,
                 int64_t deadline_ms)
{
	q->st.received++;
	if (q->p.queue_max > 0 && q->line.len >= (size_t)q->p.queue_max) {
		q->st.busy++;
		return false;
	}
	struct waiting w = {ctx, now_ms, deadline_ms};
	ring_push(&q->line, &w);
	return true;
}

long storeq_service_ms(const struct storeq *q)
{
	/*
	 * Contention: every request beyond the slots (waiting, holding its
	 * connection's buffers, its share of locks and caches) slows the
	 * ones in service; a store past its knee does less per second.
	 */
	long backlog = (long)q->line.len + q->busy_slots - q->p.slots;
	if (backlog < 0)
		backlog = 0;
	long ms = q->p.service_ms + q->p.service_ms * backlog / q->p.knee;
	long cap = q->p.service_ms * q->p.max_factor;
	return ms < cap ? ms : cap;
}

enum storeq_event storeq_next(struct storeq *q, int64_t now_ms, void **ctx,
                              long *service_ms)
{
	struct waiting *w = ring_front(&q->line);
	if (w == NULL)
		return STOREQ_NONE;
	bool stale = now_ms - w->arrived_ms > q->p.timeout_ms ||
	             (w->deadline_ms > 0 && now_ms >= w->deadline_ms);
	if (!stale && q->busy_slots >= q->p.slots)
		return STOREQ_NONE;
	*ctx = w->ctx;
	ring_pop(&q->line, NULL);
	if (stale) {
		q->st.abandoned++;
		return STOREQ_ABANDON;
	}
	*service_ms = storeq_service_ms(q);
	q->busy_slots++;
	return STOREQ_SERVE;
}

void storeq_done(struct storeq *q)
{
	if (q->busy_slots > 0)
		q->busy_slots--;
	q->st.served++;
}

void storeq_stats(const struct storeq *q, struct storeq_stats *st)
{
	*st = q->st;
	st->waiting = q->line.len;
	st->in_service = (uint64_t)q->busy_slots;
}
