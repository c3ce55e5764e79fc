/*
 * workq.h - one thread with a queue of work: the shape the update thread,
 * the transfer thread and the NOTIFY sender share.
 *
 * Items are intrusive: a user's request struct starts with a struct
 * workq_item, and the queue links them without allocating.  The thread
 * takes up to max_batch items at a time, in the order they came, and
 * hands them to the run function as one list.
 */
#ifndef WORKQ_H
#define WORKQ_H

#include <stdbool.h>
#include <stddef.h>

#include "dp.h"

struct workq_item {
	struct workq_item *next;
};

/* Run a batch: the items of @list (linked by next, at least one). */
typedef void (*workq_run_fn)(void *arg, struct workq_item *list);

struct workq;

/*
 * workq_new - a queue whose thread runs @run(@arg, batch) on batches of
 * at most @max_batch items; at most @max_queued items wait (0: no
 * bound).  @name names the thread in messages.  Free with workq_free().
 */
struct workq *workq_new(const char *name, size_t max_batch, size_t max_queued,
                        workq_run_fn run, void *arg);

/* workq_start - start the thread.  DP_EIO when it cannot be created. */
dp_status workq_start(struct workq *q);

/*
 * workq_submit - queue @it (the queue keeps the pointer until the run
 * function gets it).  Returns false, queuing nothing, when the queue is
 * full.
 */
bool workq_submit(struct workq *q, struct workq_item *it);

/*
 * workq_stop - let the thread run what is queued, then stop; idempotent.
 * Items submitted after it stopped stay queued (workq_free() cancels
 * them).
 */
void workq_stop(struct workq *q);

/*
 * workq_free - stop and free the queue; each item still queued (submitted
 * after it stopped) goes to @cancel, which owns it from then on.  NULL is
 * fine.
 */
void workq_free(struct workq *q, void (*cancel)(struct workq_item *it));

#endif /* WORKQ_H */
