/*
 * main.c - the planner daemon: arguments, settings, wiring and reload.
 *
 * The planner health-checks every load balancer of the region's endpoints
 * and writes numbered plan generations into the plan store.  It sends
 * READY=1 once the store is open and the first health round is done;
 * SIGHUP re-reads the settings (parse, validate, swap; on error the old
 * ones stay); SIGTERM stops it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dp.h"
#include "log.h"
#include "loop.h"
#include "planner.h"
#include "planstore.h"
#include "pmetrics.h"
#include "region.h"
#include "sdnotify.h"
#include "uvhttp.h"

struct app {
	const char *config_file; /* -c, or NULL */
	int argc;                /* the settings part of the command line */
	char **argv;
	struct planner_settings settings;
	struct planstore *store;
	struct planner *planner;
	struct loop *loop;
	bool ready;
	/* A reload that waits for the round to end. */
	bool pending;
	struct planner_settings pending_settings;
	struct region *pending_region;
	struct pmetrics *metrics; /* with metrics-listen, else NULL */
	struct uvhttp *http;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void apply_log_level(const struct planner_settings *s)
{
	log_init("planner", (enum log_level)s->log_level);
}

static struct loop_config loop_config(const struct planner_settings *s)
{
	struct loop_config c = {
	        .interval_ms = (unsigned)s->check_interval_ms,
	        .timeout_ms = (unsigned)s->check_timeout_ms,
	        .concurrency = (unsigned)s->check_concurrency,
	};
	return c;
}

static void on_result(void *arg, size_t target, bool ok, const char *why)
{
	struct app *a = arg;
	planner_result(a->planner, target, ok, why, now_ms());
}

/* Are two optional strings the same? */
static bool same_string(const char *x, const char *y)
{
	return x == y || (x != NULL && y != NULL && strcmp(x, y) == 0);
}

/* Swap in the settings and region of a reload (between rounds). */
static void apply_reload(struct app *a, struct planner_settings *s,
                         struct region *r)
{
	if (strcmp(s->store, a->settings.store) != 0)
		log_warning("store takes effect only at restart; still using "
		            "%s",
		            a->settings.store);
	if (!same_string(s->metrics_listen, a->settings.metrics_listen))
		log_warning("metrics-listen takes effect only at restart");
	planner_reload(a->planner, s, r);
	loop_set_targets(a->loop, r);
	struct loop_config lc = loop_config(s);
	loop_set_config(a->loop, &lc);
	apply_log_level(s);
	region_settings_free(&a->settings);
	a->settings = *s;
	memset(s, 0, sizeof(*s));
	log_notice("reloaded: %zu endpoints, %zu load balancers", r->nendpoints,
	           r->nlbs);
	sdnotify_ready("reloaded");
}

static void on_round_done(void *arg, const struct loop_round *round)
{
	struct app *a = arg;
	log_debug("health round: %zu checks, %zu failed, %.0f ms, cpu %.0f ms",
	          round->checks, round->failed, round->elapsed_ms,
	          round->cpu_ms);
	if (a->pending) {
		a->pending = false;
		apply_reload(a, &a->pending_settings, a->pending_region);
		a->pending_region = NULL;
	}
}

/* In a worker thread: nothing else touches the planner meanwhile. */
static void on_plan(void *arg)
{
	struct app *a = arg;
	planner_plan(a->planner, now_ms(), NULL);
}

static void on_planned(void *arg)
{
	struct app *a = arg;
	if (!a->ready) {
		a->ready = true;
		pmetrics_ready(a->metrics);
		const struct region *r = planner_region(a->planner);
		log_notice("ready: region %s, %zu endpoints, %zu load "
		           "balancers, store %s",
		           r->name, r->nendpoints, r->nlbs,
		           planstore_path(a->store));
		sdnotify_ready("planning");
	}
}

static void on_reload(void *arg)
{
	struct app *a = arg;
	char err[1024];
	struct planner_settings s;
	struct region *r;
	sdnotify_reloading();
	log_notice("SIGHUP received, reloading settings");
	if (region_read(a->config_file, a->argc, a->argv, &s, &r, err,
	                sizeof(err)) != DP_OK) {
		log_err("reload failed, keeping the old settings: %s", err);
		sdnotify_ready("reload failed");
		return;
	}
	if (strcmp(s.region, a->settings.region) != 0) {
		log_err("reload failed, keeping the old settings: region "
		        "'%s' differs from '%s'; a planner plans one region",
		        s.region, a->settings.region);
		region_free(r);
		region_settings_free(&s);
		sdnotify_ready("reload failed");
		return;
	}
	if (loop_round_active(a->loop)) {
		/* The round's results belong to the old region. */
		if (a->pending) {
			region_free(a->pending_region);
			region_settings_free(&a->pending_settings);
		}
		a->pending = true;
		a->pending_settings = s;
		a->pending_region = r;
		return;
	}
	apply_reload(a, &s, r);
	loop_plan_now(a->loop);
}

static char *metrics_render(void *arg, size_t *len)
{
	struct app *a = arg;
	return pmetrics_render(a->metrics, a->planner, a->loop, len);
}

static bool metrics_healthy(void *arg, char *why, size_t len)
{
	struct app *a = arg;
	if (a->ready)
		return true;
	snprintf(why, len, "starting: the first health round is not done");
	return false;
}

/* Serve /metrics and /healthz on the loop, when configured. */
static dp_status start_metrics(struct app *a, char *err, size_t errlen)
{
	if (a->settings.metrics_listen == NULL)
		return DP_OK;
	a->metrics = pmetrics_new();
	planner_set_metrics(a->planner, a->metrics);
	struct uvhttp_metrics m = {metrics_render, metrics_healthy, a};
	return uvhttp_start_metrics(loop_uv(a->loop),
	                            a->settings.metrics_listen, &m, &a->http,
	                            err, errlen);
}

int main(int argc, char **argv)
{
	struct app a;
	char err[1024];
	bool check_only = false, verbose = false;
	int status = 1;
	struct region *r = NULL;

	memset(&a, 0, sizeof(a));
	log_init("planner", LOG_LEVEL_INFO);

	struct cfg_flags fl;
	int rc0 = cfg_daemon_flags("planner", DP_VERSION, "the settings",
	                           planner_options, argc, argv, &fl);
	if (rc0 >= 0)
		return rc0;
	a.config_file = fl.config_file;
	check_only = fl.check_only;
	verbose = fl.verbose;
	int i = fl.next;
	a.argc = argc - i;
	a.argv = argv + i;

	if (region_read(a.config_file, a.argc, a.argv, &a.settings, &r, err,
	                sizeof(err)) != DP_OK) {
		log_err("%s", err);
		goto out;
	}
	apply_log_level(&a.settings);
	if (verbose) {
		cfg_print(planner_options, &a.settings, stdout);
		fflush(stdout);
	} else if (check_only) {
		printf("planner: settings%s%s are valid: region %s, %zu "
		       "endpoints, %zu load balancers\n",
		       a.config_file ? " in " : "",
		       a.config_file ? a.config_file : "", r->name,
		       r->nendpoints, r->nlbs);
	}
	if (check_only) {
		status = 0;
		goto out;
	}
	if (r->nendpoints == 0)
		log_warning("no endpoints configured; no plan will be written");
	signal(SIGPIPE, SIG_IGN);

	if (planstore_open(a.settings.store, &a.store, err, sizeof(err)) !=
	            DP_OK ||
	    planstore_bind_region(a.store, a.settings.region, err,
	                          sizeof(err)) != DP_OK) {
		log_err("%s", err);
		goto out;
	}
	struct region *mine = r;
	r = NULL;
	if (planner_new(&a.settings, mine, a.store, &a.planner, err,
	                sizeof(err)) != DP_OK) {
		log_err("%s", err);
		goto out;
	}
	struct loop_ops ops = {on_result, on_round_done, on_plan, on_planned,
	                       on_reload};
	struct loop_config lc = loop_config(&a.settings);
	if (loop_new(&lc, &ops, &a, &a.loop, err, sizeof(err)) != DP_OK) {
		log_err("%s", err);
		goto out;
	}
	loop_set_targets(a.loop, planner_region(a.planner));
	if (start_metrics(&a, err, sizeof(err)) != DP_OK) {
		log_err("%s", err);
		goto out;
	}
	if (loop_run(a.loop) == DP_OK)
		status = 0;
	log_notice("stopped");
out:
	uvhttp_close(a.http);
	loop_free(a.loop);
	planner_free(a.planner);
	pmetrics_free(a.metrics);
	planstore_close(a.store);
	region_free(r);
	if (a.pending) {
		region_free(a.pending_region);
		region_settings_free(&a.pending_settings);
	}
	region_settings_free(&a.settings);
	return status;
}
