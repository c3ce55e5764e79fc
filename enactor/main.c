/*
 * main.c - the enactor daemon: arguments, settings, the libuv loop.
 *
 * The loop watches the plan store's WAL file (a new generation or a flip of
 * the automation switch is seen at once, without polling), runs a full
 * pass every interval-ms anyway, starts the next pass at once when one
 * was overtaken by a newer generation, and
 * hands each pass to a worker thread, which blocks on authd while the
 * loop keeps taking signals and queueing heartbeats (written in another
 * worker thread, into the enactor's own report file).  SIGTERM lets the
 * pass in progress finish its current endpoint (each is one atomic
 * update), then stops; SIGHUP is ignored (restart to reconfigure).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

#include "dp.h"
#include "emetrics.h"
#include "enactor.h"
#include "log.h"
#include "planstore.h"
#include "sdnotify.h"
#include "settings.h"
#include "uvhttp.h"
#include "xalloc.h"

struct daemon {
	struct enactor_settings s;
	struct enactor *e;
	struct planstore *ps;      /* the loop's handle: what changed */
	struct planstore *beat_ps; /* the heartbeats' (a worker thread) */
	uv_work_t beat_work;
	bool beating;
	uv_loop_t *loop;
	uv_timer_t tick, beat;
	struct planstore_watch *watch; /* new generations, switch flips */
	uv_signal_t sigterm, sigint;
	uv_work_t work;
	bool working, again;
	dp_status result;     /* of the last pass */
	uint64_t seen_newest; /* the store as the last change showed it */
	bool seen_paused;
	atomic_bool stop;
	_Atomic uint64_t in_flight;
	struct emetrics *metrics; /* with metrics-listen, else NULL */
	struct uvhttp *http;
};

static void start_pass(struct daemon *d);

static void pass_work(uv_work_t *w)
{
	struct daemon *d = w->data;
	d->result = enactor_run_once(d->e);
}

static void pass_done(uv_work_t *w, int status)
{
	struct daemon *d = w->data;
	(void)status;
	d->working = false;
	if (atomic_load(&d->stop)) {
		uv_stop(d->loop);
		return;
	}
	/* Overtaken by a newer plan: the next pass at once. */
	if (d->again || d->result == DP_EAGAIN) {
		d->again = false;
		start_pass(d);
	}
}

static void start_pass(struct daemon *d)
{
	if (atomic_load(&d->stop))
		return;
	if (d->working) {
		d->again = true;
		return;
	}
	d->working = true;
	d->work.data = d;
	uv_queue_work(d->loop, &d->work, pass_work, pass_done);
}

static void on_tick(uv_timer_t *t)
{
	start_pass(t->data);
}

/*
 * The store changed: other writes change it too, so a pass starts only
 * for a new generation or a flip of the automation switch (the timer's
 * passes catch everything else).
 */
static void on_store_change(void *arg)
{
	struct daemon *d = arg;
	char err[512];
	uint64_t newest = 0;
	bool paused = false;
	if (planstore_newest(d->ps, &newest, err, sizeof(err)) != DP_OK ||
	    planstore_get_paused(d->ps, &paused, err, sizeof(err)) != DP_OK) {
		start_pass(d); /* cannot tell: look */
		return;
	}
	if (newest == d->seen_newest && paused == d->seen_paused)
		return;
	d->seen_newest = newest;
	d->seen_paused = paused;
	start_pass(d);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A heartbeat, written in a worker thread: the loop never waits for a
 * file (the enactor's own report file: no other process writes it). */
static void beat_work(uv_work_t *w)
{
	struct daemon *d = w->data;
	char err[512];
	if (planstore_heartbeat(d->beat_ps, d->s.id, atomic_load(&d->in_flight),
	                        now_ms(), err, sizeof(err)) != DP_OK) {
		emetrics_store_error(d->metrics);
		log_warning("heartbeat: %s", err);
	}
}

static void beat_done(uv_work_t *w, int status)
{
	struct daemon *d = w->data;
	(void)status;
	d->beating = false;
}

static void on_beat(uv_timer_t *t)
{
	struct daemon *d = t->data;
	if (!d->beating) {
		d->beating = true;
		d->beat_work.data = d;
		uv_queue_work(d->loop, &d->beat_work, beat_work, beat_done);
	}
	sdnotify_watchdog();
}

static void on_stop(uv_signal_t *h, int sig)
{
	struct daemon *d = h->data;
	log_notice("%s received, stopping",
	           sig == SIGTERM ? "SIGTERM" : "SIGINT");
	sdnotify_stopping();
	atomic_store(&d->stop, true);
	if (!d->working)
		uv_stop(d->loop);
}

static char *metrics_render(void *arg, size_t *len)
{
	struct daemon *d = arg;
	return emetrics_render(d->metrics, len);
}

static bool metrics_healthy(void *arg, char *why, size_t len)
{
	struct daemon *d = arg;
	if (!atomic_load(&d->stop))
		return true;
	snprintf(why, len, "stopping");
	return false;
}

/* Serve /metrics and /healthz on the loop, when configured. */
static dp_status start_metrics(struct daemon *d, char *err, size_t errlen)
{
	if (d->s.metrics_listen == NULL)
		return DP_OK;
	struct uvhttp_metrics m = {metrics_render, metrics_healthy, d};
	return uvhttp_start_metrics(d->loop, d->s.metrics_listen, &m, &d->http,
	                            err, errlen);
}

static void close_cb(uv_handle_t *h)
{
	(void)h;
}

int main(int argc, char **argv)
{
	struct daemon d;
	char err[1024];
	const char *config = NULL;
	bool check_only = false, verbose = false;
	int status = 1;
	memset(&d, 0, sizeof(d));
	log_init("enactor", LOG_LEVEL_INFO);

	struct cfg_flags fl;
	int rc0 = cfg_daemon_flags("enactor", DP_VERSION, "the settings",
	                           enactor_options, argc, argv, &fl);
	if (rc0 >= 0)
		return rc0;
	config = fl.config_file;
	check_only = fl.check_only;
	verbose = fl.verbose;
	int i = fl.next;
	if (cfg_read(enactor_options, &d.s, config, argc - i, argv + i, err,
	             sizeof(err)) != 0) {
		log_err("%s", err);
		goto out;
	}
	char prog[64];
	snprintf(prog, sizeof(prog), "enactor[%s]", d.s.id);
	log_init(prog, (enum log_level)d.s.log_level);
	if (verbose) {
		cfg_print(enactor_options, &d.s, stdout);
		fflush(stdout);
	} else if (check_only) {
		printf("enactor: settings%s%s are valid\n",
		       config ? " in " : "", config ? config : "");
	}
	if (check_only) {
		status = 0;
		goto out;
	}
	if (d.s.metrics_listen != NULL)
		d.metrics = emetrics_new(&d.s);
	if (enactor_new(&d.s, &d.stop, &d.in_flight, &d.e, err, sizeof(err)) !=
	            DP_OK ||
	    planstore_attach(d.s.store, &d.ps, err, sizeof(err)) != DP_OK ||
	    planstore_attach(d.s.store, &d.beat_ps, err, sizeof(err)) !=
	            DP_OK ||
	    planstore_report_open(d.beat_ps, d.s.id, err, sizeof(err)) !=
	            DP_OK) {
		log_err("%s", err);
		goto out;
	}
	enactor_set_metrics(d.e, d.metrics);
	d.loop = uv_default_loop();
	if (start_metrics(&d, err, sizeof(err)) != DP_OK) {
		log_err("%s", err);
		uv_run(d.loop, UV_RUN_DEFAULT); /* the listener's close */
		uv_loop_close(d.loop);
		goto out;
	}
	uv_timer_init(d.loop, &d.tick);
	uv_timer_init(d.loop, &d.beat);
	uv_signal_init(d.loop, &d.sigterm);
	uv_signal_init(d.loop, &d.sigint);
	d.tick.data = d.beat.data = &d;
	d.sigterm.data = d.sigint.data = &d;
	uv_signal_start(&d.sigterm, on_stop, SIGTERM);
	uv_signal_start(&d.sigint, on_stop, SIGINT);
	signal(SIGPIPE, SIG_IGN);
	planstore_watch_start(d.ps, d.loop, on_store_change, &d, &d.watch);
	on_beat(&d.beat);
	uv_timer_start(&d.beat, on_beat, (uint64_t)d.s.heartbeat_ms,
	               (uint64_t)d.s.heartbeat_ms);
	uv_timer_start(&d.tick, on_tick, 0, (uint64_t)d.s.interval_ms);
	log_notice("ready: %s mode, store %s, authd %s, zone %s",
	           cfg_word(enactor_modes, d.s.mode), d.s.store, d.s.server,
	           d.s.zone);
	sdnotify_ready("enacting");
	uv_run(d.loop, UV_RUN_DEFAULT);

	/* Close every handle and let the loop finish them. */
	uv_close((uv_handle_t *)&d.tick, close_cb);
	uv_close((uv_handle_t *)&d.beat, close_cb);
	planstore_watch_stop(d.watch);
	uv_close((uv_handle_t *)&d.sigterm, close_cb);
	uv_close((uv_handle_t *)&d.sigint, close_cb);
	uvhttp_close(d.http);
	uv_run(d.loop, UV_RUN_DEFAULT);
	uv_loop_close(d.loop);
	enactor_say_repeats(d.e);
	struct enactor_stats st;
	enactor_stats(d.e, &st);
	log_notice(
	        "stopped: %llu passes (%llu read every endpoint), %llu updates "
	        "applied, %llu refused, %llu failed, %llu plans deleted",
	        (unsigned long long)st.passes, (unsigned long long)st.walks,
	        (unsigned long long)st.applied, (unsigned long long)st.refused,
	        (unsigned long long)st.failed, (unsigned long long)st.deleted);
	status = 0;
out:
	enactor_free(d.e);
	emetrics_free(d.metrics);
	planstore_close(d.beat_ps);
	planstore_close(d.ps);
	cfg_free(enactor_options, &d.s);
	return status;
}
