/*
 * store_main.c - leasestore, the lease store (DynamoDB's part in the
 * cascade): the lease protocol (lab.h) on one or more TCP addresses,
 * served through the capacity model of storeq.h on a libuv loop.
 *
 * Each request waits in one line, shared by every connection and
 * address, until a slot is free; it is then served for the model's
 * service time (a timer), its lease record read or written, and
 * answered.  A request that waited past the store's timeout or its
 * client's deadline is answered LATE without being served.  SIGTERM and
 * SIGINT stop it.
 */
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "lab.h"
#include "log.h"
#include "netaddr.h"
#include "sdnotify.h"
#include "settings.h"
#include "storeq.h"
#include "uvhttp.h"
#include "xalloc.h"

#define STORE_VERSION "0.1.0"
/* Hosts are numbered below this (leasemgr's largest fleet). */
#define STORE_MAX_HOSTS 1000000UL

struct server;

struct conn {
	uv_tcp_t tcp;
	struct server *srv;
	char buf[4 * LAB_LINE_MAX];
	size_t len;
	unsigned refs; /* the handle, and each request of it in the store */
	bool closed;
	struct conn *prev, *next; /* the server's open connections */
};

struct req {
	struct conn *c;
	char id[24];
	char op[12];
	unsigned long host;
};

struct slot {
	uv_timer_t timer;
	struct server *srv;
	struct req *r; /* NULL: free */
};

struct server {
	struct store_settings s;
	uv_loop_t *loop;
	struct storeq *q;
	uv_tcp_t *listeners;
	size_t nlisteners;
	struct slot *slots;
	int64_t *granted; /* per host, unix ms of the last write */
	size_t ngranted;
	uv_timer_t tick;
	uv_signal_t sigterm, sigint;
	FILE *timeline;
	struct uvhttp *http;
	uint64_t connections;
	struct conn *conns;
};

static void conn_unref(struct conn *c)
{
	if (--c->refs == 0)
		free(c);
}

static void conn_closed(uv_handle_t *h)
{
	conn_unref(h->data);
}

static void conn_close(struct conn *c)
{
	if (c->closed)
		return;
	c->closed = true;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		c->srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	uv_close((uv_handle_t *)&c->tcp, conn_closed);
}

/* Answer @r with @word (and the grant) and forget it. */
static void answer(struct req *r, const char *word, int64_t granted)
{
	struct conn *c = r->c;
	if (!c->closed) {
		uv_stream_t *s = (uv_stream_t *)&c->tcp;
		int rc = granted ? lab_write_line(s, "%s %s %lld\n", r->id,
		                                  word, (long long)granted)
		                 : lab_write_line(s, "%s %s\n", r->id, word);
		if (rc != 0)
			conn_close(c);
	}
	conn_unref(c);
	free(r);
}

/* The lease record of host @h: written by WRITE and RENEW. */
static int64_t *record(struct server *srv, unsigned long h)
{
	if (h >= srv->ngranted) {
		size_t n = srv->ngranted ? srv->ngranted : 1024;
		while (n <= h)
			n *= 2;
		srv->granted = xrealloc(srv->granted, n * sizeof(int64_t));
		memset(srv->granted + srv->ngranted, 0,
		       (n - srv->ngranted) * sizeof(int64_t));
		srv->ngranted = n;
	}
	return &srv->granted[h];
}

static void pump(struct server *srv);

static void served(uv_timer_t *t)
{
	struct slot *sl = t->data;
	struct server *srv = sl->srv;
	struct req *r = sl->r;
	int64_t now = lab_now_ms();
	int64_t *rec = record(srv, r->host);
	if (strcmp(r->op, "WRITE") == 0 || strcmp(r->op, "RENEW") == 0)
		*rec = now;
	sl->r = NULL;
	storeq_done(srv->q);
	answer(r, "OK", *rec ? *rec : now);
	pump(srv);
}

/* Start what the model lets start now. */
static void pump(struct server *srv)
{
	void *ctx;
	long ms;
	enum storeq_event ev;
	while ((ev = storeq_next(srv->q, lab_now_ms(), &ctx, &ms)) !=
	       STOREQ_NONE) {
		if (ev == STOREQ_ABANDON) {
			answer(ctx, "LATE", 0);
			continue;
		}
		size_t i = 0;
		while (srv->slots[i].r != NULL)
			i++;
		srv->slots[i].r = ctx;
		uv_timer_start(&srv->slots[i].timer, served, (uint64_t)ms, 0);
	}
}

/* One request line of @c: queue it, or answer it at once. */
static void request(struct conn *c, char *line)
{
	struct req *r = xcalloc(1, sizeof(*r));
	long long deadline = 0;
	r->c = c;
	c->refs++;
	if (sscanf(line, "%23s %11s %lu %lld", r->id, r->op, &r->host,
	           &deadline) != 4 ||
	    r->host >= STORE_MAX_HOSTS) {
		log_warning("bad request line: %.40s", line);
		answer(r, "ERR", 0);
		return;
	}
	if (!storeq_push(c->srv->q, r, lab_now_ms(), deadline)) {
		answer(r, "BUSY", 0);
		return;
	}
	pump(c->srv);
}

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct conn *c = h->data;
	(void)hint;
	b->base = c->buf + c->len;
	b->len = sizeof(c->buf) - c->len;
}

static bool request_line(void *arg, char *line)
{
	struct conn *c = arg;
	request(c, line);
	return !c->closed;
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct conn *c = s->data;
	(void)b;
	if (n < 0) {
		conn_close(c);
		return;
	}
	c->len += (size_t)n;
	if (lab_lines(c->buf, &c->len, sizeof(c->buf), request_line, c) != 0) {
		log_warning("a request line longer than %d bytes: closing",
		            LAB_LINE_MAX);
		conn_close(c);
	}
}

static void on_connection(uv_stream_t *l, int status)
{
	struct server *srv = l->data;
	if (status != 0)
		return;
	struct conn *c = xcalloc(1, sizeof(*c));
	c->srv = srv;
	c->refs = 1;
	uv_tcp_init(srv->loop, &c->tcp);
	c->tcp.data = c;
	c->next = srv->conns;
	if (c->next != NULL)
		c->next->prev = c;
	srv->conns = c;
	if (uv_accept(l, (uv_stream_t *)&c->tcp) != 0) {
		conn_close(c);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	srv->connections++;
	uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb);
}

static void on_tick(uv_timer_t *t)
{
	struct server *srv = t->data;
	struct storeq_stats st;
	pump(srv); /* abandon what waited too long even when nothing moves */
	storeq_stats(srv->q, &st);
	if (srv->timeline != NULL)
		fprintf(srv->timeline, "%lld,%llu,%llu,%llu,%llu,%llu,%llu\n",
		        (long long)lab_now_ms(), (unsigned long long)st.waiting,
		        (unsigned long long)st.in_service,
		        (unsigned long long)st.received,
		        (unsigned long long)st.served,
		        (unsigned long long)st.abandoned,
		        (unsigned long long)st.busy);
	sdnotify_watchdog();
}

static char *metrics_render(void *arg, size_t *len)
{
	struct server *srv = arg;
	struct storeq_stats st;
	storeq_stats(srv->q, &st);
	const struct lab_metric m[] = {
	        {"leasestore_waiting", "gauge", "Requests waiting for a slot.",
	         st.waiting},
	        {"leasestore_in_service", "gauge", "Requests in service.",
	         st.in_service},
	        {"leasestore_service_ms", "gauge",
	         "The service time a request starting now takes.",
	         (uint64_t)storeq_service_ms(srv->q)},
	        {"leasestore_requests_received_total", "counter",
	         "Requests received.", st.received},
	        {"leasestore_requests_served_total", "counter",
	         "Requests served (answered OK).", st.served},
	        {"leasestore_requests_abandoned_total", "counter",
	         "Requests answered LATE: waited too long or past their "
	         "deadline.",
	         st.abandoned},
	        {"leasestore_requests_busy_total", "counter",
	         "Requests answered BUSY: the line was full.", st.busy},
	        {"leasestore_connections_total", "counter",
	         "Connections accepted.", srv->connections},
	};
	return lab_metrics_text(m, sizeof(m) / sizeof(m[0]), len);
}

/* Bind every listen address. */
static dp_status listen_all(struct server *srv, char *err, size_t errlen)
{
	srv->nlisteners = srv->s.listen.n;
	srv->listeners = xcalloc(srv->nlisteners, sizeof(uv_tcp_t));
	for (size_t i = 0; i < srv->nlisteners; i++) {
		struct netaddr na;
		const char *bad = netaddr_parse(srv->s.listen.v[i], 0, &na);
		uv_tcp_t *l = &srv->listeners[i];
		uv_tcp_init(srv->loop, l);
		l->data = srv;
		int rc = bad ? 0 : uv_tcp_bind(l, (struct sockaddr *)&na.ss, 0);
		if (bad == NULL && rc == 0)
			rc = uv_listen((uv_stream_t *)l, 1024, on_connection);
		if (bad != NULL || rc != 0) {
			snprintf(err, errlen, "listen %s: %s",
			         srv->s.listen.v[i],
			         bad ? bad : uv_strerror(rc));
			return DP_EIO;
		}
	}
	return DP_OK;
}

/* Forget a request without answering it (shutdown). */
static void drop(struct req *r)
{
	conn_unref(r->c);
	free(r);
}

/* Drop every request the store holds and close every connection. */
static void shutdown_all(struct server *srv)
{
	void *ctx;
	long ms;
	for (long i = 0; srv->slots != NULL && i < srv->s.slots; i++) {
		uv_timer_stop(&srv->slots[i].timer);
		if (srv->slots[i].r != NULL)
			drop(srv->slots[i].r);
		srv->slots[i].r = NULL;
	}
	while (srv->q != NULL &&
	       storeq_next(srv->q, INT64_MAX / 2, &ctx, &ms) != STOREQ_NONE)
		drop(ctx);
	while (srv->conns != NULL) {
		struct conn *c = srv->conns;
		conn_close(c);
	}
}

int main(int argc, char **argv)
{
	struct server srv;
	char err[1024];
	int status = 1;
	memset(&srv, 0, sizeof(srv));
	log_init("leasestore", LOG_LEVEL_INFO);
	if (!lab_settings("leasestore", STORE_VERSION, store_options, &srv.s,
	                  offsetof(struct store_settings, log_level), argc,
	                  argv, &status))
		goto out;
	status = 1;
	struct storeq_params p = {srv.s.slots,      srv.s.service_ms,
	                          srv.s.knee,       srv.s.max_factor,
	                          srv.s.timeout_ms, srv.s.queue_max};
	srv.q = storeq_new(&p);
	srv.slots = xcalloc((size_t)srv.s.slots, sizeof(*srv.slots));
	srv.loop = uv_default_loop();
	for (long i = 0; i < srv.s.slots; i++) {
		uv_timer_init(srv.loop, &srv.slots[i].timer);
		srv.slots[i].timer.data = &srv.slots[i];
		srv.slots[i].srv = &srv;
	}
	srv.timeline = lab_timeline_open(srv.s.timeline,
	                                 "unix_ms,waiting,in_service,received,"
	                                 "served,abandoned,busy");
	struct uvhttp_metrics m = {metrics_render, lab_healthy, &srv};
	if ((srv.s.timeline != NULL && srv.timeline == NULL) ||
	    listen_all(&srv, err, sizeof(err)) != DP_OK ||
	    (srv.s.metrics_listen != NULL &&
	     uvhttp_start_metrics(srv.loop, srv.s.metrics_listen, &m, &srv.http,
	                          err, sizeof(err)) != DP_OK)) {
		if (srv.timeline != NULL || srv.s.timeline == NULL)
			log_err("%s", err);
		goto close;
	}
	uv_timer_init(srv.loop, &srv.tick);
	srv.tick.data = &srv;
	uv_timer_start(&srv.tick, on_tick, 0, (uint64_t)srv.s.timeline_ms);
	lab_stop_signals(srv.loop, &srv.sigterm, &srv.sigint);
	log_notice("ready: %zu address(es), %ld slots of %ld ms, knee %ld, "
	           "timeout %ld ms",
	           srv.nlisteners, srv.s.slots, srv.s.service_ms, srv.s.knee,
	           srv.s.timeout_ms);
	sdnotify_ready("serving leases");
	uv_run(srv.loop, UV_RUN_DEFAULT);
	struct storeq_stats st;
	storeq_stats(srv.q, &st);
	log_notice(
	        "stopped: %llu requests received, %llu served, %llu "
	        "abandoned, %llu busy",
	        (unsigned long long)st.received, (unsigned long long)st.served,
	        (unsigned long long)st.abandoned, (unsigned long long)st.busy);
	status = 0;
close:
	uvhttp_close(srv.http);
	shutdown_all(&srv);
	lab_loop_close(srv.loop);
out:
	if (srv.timeline != NULL)
		fclose(srv.timeline);
	free(srv.listeners);
	free(srv.slots);
	free(srv.granted);
	storeq_free(srv.q);
	cfg_free(store_options, &srv.s);
	return status;
}
