/*
 * storeq.h - the lease store's capacity: a bounded number of requests in
 * service, a waiting line in front of them, a service time that grows
 * with the backlog, and requests abandoned when they waited too long or
 * their client's deadline passed.
 *
 * No sockets and no clock: the caller passes the time in milliseconds
 * and carries each request's context (a pointer it owns) through the
 * line, so the model is tested without a network (leasestore's I/O is in
 * store_main.c).
 */
#ifndef STOREQ_H
#define STOREQ_H

#include <stdbool.h>
#include <stdint.h>

struct storeq_params {
	long slots;      /* requests in service at once */
	long service_ms; /* service time of one request, unloaded */
	long knee;       /* backlog beyond the slots adding 100 % to it */
	long max_factor; /* the service time grows at most this much */
	long timeout_ms; /* a request waiting longer is abandoned */
	long queue_max;  /* longer waiting line: refused at once (busy) */
};

struct storeq;

/* storeq_new - an empty store with @p (copied).  Free with storeq_free(). */
struct storeq *storeq_new(const struct storeq_params *p);

/* storeq_free - free @q (not the contexts it still holds).  NULL is ok. */
void storeq_free(struct storeq *q);

/*
 * storeq_push - a request with context @ctx arrives at @now_ms; its
 * client waits until @deadline_ms (0: no deadline given).  Returns false
 * when the line is full (the caller answers "busy"), true when queued.
 */
bool storeq_push(struct storeq *q, void *ctx, int64_t now_ms,
                 int64_t deadline_ms);

/* What storeq_next() hands out. */
enum storeq_event {
	STOREQ_NONE,    /* nothing to start: no free slot or no request */
	STOREQ_SERVE,   /* start serving ctx for *service_ms */
	STOREQ_ABANDON, /* ctx waited too long or its deadline passed */
};

/*
 * storeq_next - at @now_ms, the next thing to do: a request to abandon
 * (answer "late", no slot used), or one to serve in a free slot for
 * *@service_ms, after which the caller calls storeq_done().  Call until
 * it returns STOREQ_NONE.  *@ctx is the request's context.
 */
enum storeq_event storeq_next(struct storeq *q, int64_t now_ms, void **ctx,
                              long *service_ms);

/* storeq_done - a request in service finished: its slot is free. */
void storeq_done(struct storeq *q);

/* storeq_service_ms - the service time a request starting now takes. */
long storeq_service_ms(const struct storeq *q);

/* Counters and gauges of the model. */
struct storeq_stats {
	uint64_t waiting, in_service;         /* now */
	uint64_t received, served, abandoned; /* since the start */
	uint64_t busy;                        /* refused: the line was full */
};

/* storeq_stats - the counters of @q into @st. */
void storeq_stats(const struct storeq *q, struct storeq_stats *st);

#endif /* STOREQ_H */
