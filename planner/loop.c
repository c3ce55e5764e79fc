/*
 * loop.c - health rounds over libuv: TCP connects and HTTP GETs, each in
 * a slot with its own timeout timer; signals; the watchdog.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <uv.h>

#include "health.h"
#include "log.h"
#include "loop.h"
#include "sdnotify.h"
#include "xalloc.h"

/* One check in flight.  Slots are reused; each has two handles. */
struct slot {
	struct loop *loop;
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_connect_t connect;
	uv_write_t write;
	size_t target;
	bool busy;      /* handles open (until both close callbacks) */
	bool done;      /* result delivered (or dropped) */
	bool connected; /* the TCP handshake completed */
	bool timed_out; /* no answer in time */
	int open;       /* handles not closed yet */
	size_t len;     /* response bytes in buf */
	char buf[512];  /* start of the HTTP response */
	char req[512];  /* the HTTP request */
	struct slot *next_free;
};

struct loop {
	uv_loop_t uv;
	struct loop_config cfg, next_cfg;
	struct loop_ops ops;
	void *arg;
	const struct region_lb *targets; /* borrowed from the region */
	size_t ntargets;
	uv_timer_t round_timer;
	uv_timer_t watchdog;
	uv_signal_t sig[3];
	struct slot **slots; /* every slot ever made */
	size_t nslots;
	struct slot *free_slots;
	unsigned inflight; /* busy slots */
	/* Planning, in a worker thread, between rounds. */
	uv_work_t work;
	bool planning;
	bool plan_again; /* asked for while planning */
	/* The round. */
	bool active;
	bool stopping;
	size_t next, results, failed;
	uint64_t round_start;
	double cpu_start;
	uint64_t checks[LOOP_CHECKS]; /* delivered, by how they ended */
	bool warned_slow;
};

static double cpu_ms(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static void fill(struct loop *l);
static void end_round(struct loop *l);
static void start_plan(struct loop *l);
static void schedule_round(struct loop *l);

/* ---- one check ---- */

static void on_close(uv_handle_t *h)
{
	struct slot *s = h->data;
	if (--s->open > 0)
		return;
	struct loop *l = s->loop;
	s->busy = false;
	s->next_free = l->free_slots;
	l->free_slots = s;
	l->inflight--;
	if (!l->stopping)
		fill(l);
}

/* Deliver the result (unless @deliver is false) and close the handles. */
static void finish(struct slot *s, bool ok, const char *why, bool deliver)
{
	if (s->done)
		return;
	s->done = true;
	struct loop *l = s->loop;
	uv_timer_stop(&s->timer);
	uv_close((uv_handle_t *)&s->timer, on_close);
	/* A reset leaves no TIME_WAIT on either side. */
	if (!s->connected || uv_tcp_close_reset(&s->tcp, on_close) != 0)
		uv_close((uv_handle_t *)&s->tcp, on_close);
	if (!deliver)
		return;
	l->results++;
	l->failed += !ok;
	l->checks[ok             ? LOOP_CHECK_OK
	          : s->timed_out ? LOOP_CHECK_TIMEOUT
	                         : LOOP_CHECK_FAILED]++;
	l->ops.result(l->arg, s->target, ok, why);
	if (l->active && l->results == l->ntargets)
		end_round(l);
}

static void on_timeout(uv_timer_t *t)
{
	struct slot *s = t->data;
	char why[64];
	snprintf(why, sizeof(why), "no answer within %u ms",
	         s->loop->cfg.timeout_ms);
	s->timed_out = true;
	finish(s, false, why, true);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct slot *s = h->data;
	(void)hint;
	buf->base = s->buf + s->len;
	buf->len = sizeof(s->buf) - s->len;
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	struct slot *s = st->data;
	(void)buf;
	if (s->done)
		return;
	if (n < 0) {
		finish(s, false,
		       n == UV_EOF ? "connection closed before an HTTP status"
		                   : uv_strerror((int)n),
		       true);
		return;
	}
	s->len += (size_t)n;
	int code = health_http_status(s->buf, s->len);
	if (code == 0 && s->len < sizeof(s->buf))
		return;
	char why[64];
	if (code <= 0) {
		finish(s, false, "not an HTTP response", true);
		return;
	}
	snprintf(why, sizeof(why), "HTTP %d", code);
	finish(s, code >= 200 && code < 400, why, true);
}

static void on_write(uv_write_t *w, int status)
{
	struct slot *s = w->data;
	if (status < 0 && status != UV_ECANCELED)
		finish(s, false, uv_strerror(status), true);
}

static void on_connect(uv_connect_t *c, int status)
{
	struct slot *s = c->data;
	if (s->done)
		return;
	if (status < 0) {
		finish(s, false, uv_strerror(status), true);
		return;
	}
	s->connected = true;
	const struct check_target *t = &s->loop->targets[s->target].check;
	if (t->kind == CHECK_TCP) {
		finish(s, true, "connection accepted", true);
		return;
	}
	int n = snprintf(s->req, sizeof(s->req),
	                 "GET %s HTTP/1.1\r\nHost: %s\r\n"
	                 "User-Agent: dnsplane-planner\r\n"
	                 "Connection: close\r\n\r\n",
	                 t->path, t->hostport);
	uv_buf_t b = uv_buf_init(s->req, (unsigned)n);
	int rc = uv_write(&s->write, (uv_stream_t *)&s->tcp, &b, 1, on_write);
	if (rc == 0)
		rc = uv_read_start((uv_stream_t *)&s->tcp, on_alloc, on_read);
	if (rc != 0)
		finish(s, false, uv_strerror(rc), true);
}

static struct slot *get_slot(struct loop *l)
{
	struct slot *s = l->free_slots;
	if (s != NULL) {
		l->free_slots = s->next_free;
		return s;
	}
	s = xcalloc(1, sizeof(*s));
	s->loop = l;
	l->slots = xrealloc(l->slots, (l->nslots + 1) * sizeof(*l->slots));
	l->slots[l->nslots++] = s;
	return s;
}

static void start_check(struct loop *l, size_t target)
{
	struct slot *s = get_slot(l);
	s->target = target;
	s->busy = true;
	s->done = false;
	s->connected = false;
	s->timed_out = false;
	s->len = 0;
	s->open = 2;
	l->inflight++;
	uv_tcp_init(&l->uv, &s->tcp);
	uv_timer_init(&l->uv, &s->timer);
	s->tcp.data = s->timer.data = s->connect.data = s->write.data = s;
	uv_timer_start(&s->timer, on_timeout, l->cfg.timeout_ms, 0);
	const struct check_target *t = &l->targets[target].check;
	int rc = uv_tcp_connect(&s->connect, &s->tcp, &t->addr.sa, on_connect);
	if (rc != 0)
		finish(s, false, uv_strerror(rc), true);
}

/* Start checks while there are targets left and slots free. */
static void fill(struct loop *l)
{
	while (l->active && l->next < l->ntargets &&
	       l->inflight < l->cfg.concurrency)
		start_check(l, l->next++);
}

/* ---- rounds ---- */

static void start_round(uv_timer_t *t)
{
	struct loop *l = t->data;
	if (l->stopping)
		return;
	l->cfg = l->next_cfg;
	l->active = true;
	l->next = l->results = l->failed = 0;
	uv_update_time(&l->uv);
	l->round_start = uv_now(&l->uv);
	l->cpu_start = cpu_ms();
	if (l->ntargets == 0) {
		end_round(l);
		return;
	}
	fill(l);
}

static void end_round(struct loop *l)
{
	l->active = false;
	uv_update_time(&l->uv);
	uint64_t now = uv_now(&l->uv);
	struct loop_round round = {
	        .checks = l->results,
	        .failed = l->failed,
	        .elapsed_ms = (double)(now - l->round_start),
	        .cpu_ms = cpu_ms() - l->cpu_start,
	};
	l->ops.round_done(l->arg, &round);
	if (l->stopping)
		return;
	start_plan(l);
}

/* The next round, at its time (after planning). */
static void schedule_round(struct loop *l)
{
	uv_update_time(&l->uv);
	uint64_t now = uv_now(&l->uv);
	uint64_t due = l->round_start + l->next_cfg.interval_ms;
	if (due <= now && !l->warned_slow) {
		log_warning("a health round and its plan took %.0f ms, more "
		            "than check-interval-ms (%u): rounds run back to "
		            "back",
		            (double)(now - l->round_start),
		            l->next_cfg.interval_ms);
		l->warned_slow = true;
	}
	uv_timer_start(&l->round_timer, start_round, due > now ? due - now : 0,
	               0);
}

/* ---- planning: the store and authd, off the loop ---- */

static void plan_work(uv_work_t *w)
{
	struct loop *l = w->data;
	l->ops.plan(l->arg);
}

static void plan_done(uv_work_t *w, int status)
{
	struct loop *l = w->data;
	(void)status;
	l->planning = false;
	if (l->stopping)
		return;
	l->ops.planned(l->arg);
	if (l->plan_again) {
		l->plan_again = false;
		start_plan(l);
		return;
	}
	schedule_round(l);
}

/* Plan in a worker thread: the store or authd may block (a writer
 * holding the store, an authd that does not answer), the loop never. */
static void start_plan(struct loop *l)
{
	if (l->planning) {
		l->plan_again = true;
		return;
	}
	l->planning = true;
	l->work.data = l;
	uv_queue_work(&l->uv, &l->work, plan_work, plan_done);
}

void loop_plan_now(struct loop *l)
{
	if (!l->active && !l->stopping)
		start_plan(l);
}

/* ---- signals and the watchdog ---- */

static void close_quietly(uv_handle_t *h)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void stop(struct loop *l)
{
	l->stopping = true;
	l->active = false;
	sdnotify_stopping();
	close_quietly((uv_handle_t *)&l->round_timer);
	close_quietly((uv_handle_t *)&l->watchdog);
	for (int i = 0; i < 3; i++)
		close_quietly((uv_handle_t *)&l->sig[i]);
	for (size_t i = 0; i < l->nslots; i++) {
		if (l->slots[i]->busy)
			finish(l->slots[i], false, "stopping", false);
	}
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct loop *l = h->data;
	if (signum == SIGHUP) {
		l->ops.reload(l->arg);
		return;
	}
	log_notice("%s received, stopping",
	           signum == SIGTERM ? "SIGTERM" : "SIGINT");
	stop(l);
}

static void on_watchdog(uv_timer_t *t)
{
	(void)t;
	sdnotify_watchdog();
}

/* ---- the loop ---- */

static void raise_nofile(unsigned concurrency)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)concurrency * 2 + 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < want)
		log_warning("open-file limit %llu is low for %u checks at once",
		            (unsigned long long)rl.rlim_cur, concurrency);
}

dp_status loop_new(const struct loop_config *cfg, const struct loop_ops *ops,
                   void *arg, struct loop **out, char *err, size_t errlen)
{
	struct loop *l = xcalloc(1, sizeof(*l));
	int rc = uv_loop_init(&l->uv);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the event loop: %s",
		         uv_strerror(rc));
		free(l);
		return DP_EIO;
	}
	l->cfg = l->next_cfg = *cfg;
	l->ops = *ops;
	l->arg = arg;
	uv_timer_init(&l->uv, &l->round_timer);
	uv_timer_init(&l->uv, &l->watchdog);
	l->round_timer.data = l->watchdog.data = l;
	static const int signums[3] = {SIGTERM, SIGINT, SIGHUP};
	for (int i = 0; i < 3; i++) {
		uv_signal_init(&l->uv, &l->sig[i]);
		l->sig[i].data = l;
		uv_signal_start(&l->sig[i], on_signal, signums[i]);
	}
	raise_nofile(cfg->concurrency);
	*out = l;
	return DP_OK;
}

void loop_set_targets(struct loop *l, const struct region *r)
{
	l->targets = r->lbs;
	l->ntargets = r->nlbs;
}

void loop_set_config(struct loop *l, const struct loop_config *cfg)
{
	if (cfg->concurrency > l->next_cfg.concurrency)
		raise_nofile(cfg->concurrency);
	l->next_cfg = *cfg;
}

void loop_checks(const struct loop *l, uint64_t *out)
{
	memcpy(out, l->checks, sizeof(l->checks));
}

uv_loop_t *loop_uv(struct loop *l)
{
	return &l->uv;
}

bool loop_round_active(const struct loop *l)
{
	return l->active || l->planning;
}

dp_status loop_run(struct loop *l)
{
	uint64_t wd = sdnotify_watchdog_usec();
	if (wd > 0)
		uv_timer_start(&l->watchdog, on_watchdog, wd / 2000,
		               wd / 2000 ? wd / 2000 : 1);
	uv_timer_start(&l->round_timer, start_round, 0, 0);
	uv_run(&l->uv, UV_RUN_DEFAULT);
	return l->stopping ? DP_OK : DP_EIO;
}

void loop_free(struct loop *l)
{
	if (l == NULL)
		return;
	if (!l->stopping)
		stop(l);
	/* Let every close callback run before the loop goes. */
	uv_run(&l->uv, UV_RUN_DEFAULT);
	uv_loop_close(&l->uv);
	for (size_t i = 0; i < l->nslots; i++)
		free(l->slots[i]);
	free(l->slots);
	free(l);
}
