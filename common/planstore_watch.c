/*
 * planstore_watch.c - being told, on a libuv loop, that the plan store
 * changed, so an enactor reacts to a new generation at once rather than
 * at its next timer pass.
 *
 * On SQLite every commit appends to the store's WAL file ("PATH-wal"),
 * so a uv_fs_event on that file fires on every write.  The WAL file
 * appears only with the store's first write after it was opened in WAL
 * mode: until it exists, a timer tries again every second.  The event
 * says only "something changed"; the caller reads the store (in a worker
 * thread or not, its choice) to learn what.
 *
 * On etcd an asynchronous client on the caller's loop watches the keys
 * "gen" (every new generation writes it) and "control" (the automation
 * switch).  etcd's watch resumes by itself on another member after its
 * member dies, from the revision after the last event it gave, so no
 * change is missed; a watch etcd ends (a compacted revision) is started
 * again, and the caller told, since it may have missed something.
 */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <uv.h>

#include "etcd.h"
#include "planstore.h"
#include "planstore_etcd.h"
#include "xalloc.h"

/* How often to look for the WAL file until it exists. */
#define WATCH_RETRY_MS 1000

struct planstore_watch {
	uv_fs_event_t ev;
	uv_timer_t retry;
	char *file;
	planstore_change_cb cb;
	void *arg;
	int handles; /* still open: the watch is freed when none is */
	struct etcd_client *etcd; /* on etcd: the client of the watches */
	struct key_watch {
		struct planstore_watch *w;
		const char *name;
	} keys[2];
	bool stopping;
};

static void on_key(void *arg, dp_status st, struct etcd_resp *res);

static void watch_key(struct key_watch *k)
{
	char key[64];
	snprintf(key, sizeof(key), PSE_PREFIX "%s", k->name);
	etcd_watch_start(k->w->etcd, key, false, 0, on_key, k);
}

/* An etcd watch's batch of events, its end, or its member lost. */
static void on_key(void *arg, dp_status st, struct etcd_resp *res)
{
	struct key_watch *k = arg;
	(void)res;
	if (k->w->stopping || st == DP_ECANCELED)
		return;
	if (st == DP_ECOMPACTED || st == DP_EBADRESP)
		watch_key(k); /* it ended: watch from now on, and re-read */
	if (st == DP_OK || st == DP_ECOMPACTED || st == DP_EBADRESP)
		k->w->cb(k->w->arg);
}

static void on_event(uv_fs_event_t *h, const char *file, int events, int status)
{
	struct planstore_watch *w = h->data;
	(void)file;
	(void)events;
	if (status == 0)
		w->cb(w->arg);
}

/* Start the file watch if the file is there; true once it runs. */
static bool try_start(struct planstore_watch *w)
{
	return uv_fs_event_start(&w->ev, on_event, w->file, 0) == 0;
}

static void on_retry(uv_timer_t *t)
{
	struct planstore_watch *w = t->data;
	if (try_start(w)) {
		uv_timer_stop(&w->retry);
		/* Whatever made the file may be the change waited for. */
		w->cb(w->arg);
	}
}

dp_status planstore_watch_start(struct planstore *ps, struct uv_loop_s *loop,
                                planstore_change_cb cb, void *arg,
                                struct planstore_watch **out)
{
	struct planstore_watch *w = xcalloc(1, sizeof(*w));
	w->cb = cb;
	w->arg = arg;
	struct planstore_etcd *e = planstore_etcd_of(ps);
	if (e != NULL) {
		char err[256];
		if (etcd_client_new(loop, pse_url(e), NULL, &w->etcd, err,
		                    sizeof(err)) != DP_OK) {
			free(w);
			return DP_EINVAL;
		}
		w->keys[0] = (struct key_watch){w, "gen"};
		w->keys[1] = (struct key_watch){w, "control"};
		watch_key(&w->keys[0]);
		watch_key(&w->keys[1]);
		*out = w;
		return DP_OK;
	}
	w->file = xasprintf("%s-wal", planstore_path(ps));
	uv_fs_event_init(loop, &w->ev);
	uv_timer_init(loop, &w->retry);
	w->ev.data = w->retry.data = w;
	w->handles = 2;
	if (!try_start(w))
		uv_timer_start(&w->retry, on_retry, WATCH_RETRY_MS,
		               WATCH_RETRY_MS);
	*out = w;
	return DP_OK;
}

static void closed(uv_handle_t *h)
{
	struct planstore_watch *w = h->data;
	if (--w->handles == 0) {
		free(w->file);
		free(w);
	}
}

void planstore_watch_stop(struct planstore_watch *w)
{
	if (w == NULL)
		return;
	if (w->etcd != NULL) {
		w->stopping = true;
		etcd_client_free(w->etcd);
		free(w);
		return;
	}
	uv_close((uv_handle_t *)&w->ev, closed);
	uv_close((uv_handle_t *)&w->retry, closed);
}
