/*
 * workq.c - a thread and its FIFO queue of intrusive items.
 */
#include <pthread.h>
#include <stdlib.h>

#include "workq.h"
#include "xalloc.h"

struct workq {
	char *name;
	size_t max_batch, max_queued, queued;
	workq_run_fn run;
	void *arg;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct workq_item *head, **tail;
	bool running, stopping;
	pthread_t thread;
};

struct workq *workq_new(const char *name, size_t max_batch, size_t max_queued,
                        workq_run_fn run, void *arg)
{
	struct workq *q = xcalloc(1, sizeof(*q));
	q->name = xstrdup(name);
	q->max_batch = max_batch > 0 ? max_batch : 1;
	q->max_queued = max_queued;
	q->run = run;
	q->arg = arg;
	q->tail = &q->head;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	return q;
}

bool workq_submit(struct workq *q, struct workq_item *it)
{
	pthread_mutex_lock(&q->lock);
	if (q->max_queued > 0 && q->queued >= q->max_queued) {
		pthread_mutex_unlock(&q->lock);
		return false;
	}
	it->next = NULL;
	*q->tail = it;
	q->tail = &it->next;
	q->queued++;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	return true;
}

static void *workq_main(void *arg)
{
	struct workq *q = arg;
	for (;;) {
		pthread_mutex_lock(&q->lock);
		while (q->head == NULL && !q->stopping)
			pthread_cond_wait(&q->cond, &q->lock);
		if (q->head == NULL) { /* stopping, and nothing left */
			pthread_mutex_unlock(&q->lock);
			break;
		}
		/* Take up to max_batch items, oldest first. */
		struct workq_item *list = q->head, *last = list;
		size_t n = 1;
		while (n < q->max_batch && last->next != NULL) {
			last = last->next;
			n++;
		}
		q->head = last->next;
		if (q->head == NULL)
			q->tail = &q->head;
		last->next = NULL;
		q->queued -= n;
		pthread_mutex_unlock(&q->lock);
		q->run(q->arg, list);
	}
	return NULL;
}

dp_status workq_start(struct workq *q)
{
	if (pthread_create(&q->thread, NULL, workq_main, q) != 0)
		return DP_EIO;
	q->running = true;
	return DP_OK;
}

void workq_stop(struct workq *q)
{
	if (q == NULL || !q->running)
		return;
	pthread_mutex_lock(&q->lock);
	q->stopping = true;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	q->running = false;
}

void workq_free(struct workq *q, void (*cancel)(struct workq_item *it))
{
	if (q == NULL)
		return;
	workq_stop(q);
	while (q->head != NULL) {
		struct workq_item *it = q->head;
		q->head = it->next;
		cancel(it);
	}
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->cond);
	free(q->name);
	free(q);
}
