/*
 * uvhttp.c - the HTTP/1.x server of /metrics and /healthz on libuv (see
 * uvhttp.h): parsing, one connection's life, the listener.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "netaddr.h"
#include "prom.h"
#include "uvhttp.h"
#include "xalloc.h"

/* After the answer: how long the client's remaining bytes are read. */
#define LINGER_MS 1000

/* ---- parsing ---- */

const char *uvhttp_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 414:
		return "URI Too Long";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}

/* A token character of RFC 9110 (methods are tokens). */
static bool tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Check the request line @line (@n bytes, no line end). */
static int parse_line(const char *line, size_t n, char *path, size_t pathlen)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			return 400;
	const char *sp1 = memchr(line, ' ', n);
	if (sp1 == NULL || sp1 == line)
		return 400;
	const char *target = sp1 + 1;
	const char *sp2 = memchr(target, ' ', n - (size_t)(target - line));
	if (sp2 == NULL || sp2 == target)
		return 400;
	const char *version = sp2 + 1;
	size_t vlen = n - (size_t)(version - line);
	if (memchr(version, ' ', vlen) != NULL)
		return 400;
	for (const char *c = line; c < sp1; c++)
		if (!tchar(*c))
			return 400;
	if (vlen != 8 || memcmp(version, "HTTP/", 5) != 0 || version[5] < '0' ||
	    version[5] > '9' || version[6] != '.' || version[7] < '0' ||
	    version[7] > '9')
		return 400;
	if (version[5] != '1')
		return 505;
	if (sp1 - line != 3 || memcmp(line, "GET", 3) != 0)
		return 405;
	if (*target != '/')
		return 400;
	size_t plen = strcspn(target, "?# ");
	if (target + plen > sp2)
		plen = (size_t)(sp2 - target);
	if (plen >= pathlen)
		return 414;
	memcpy(path, target, plen);
	path[plen] = '\0';
	return 200;
}

int uvhttp_parse(const char *buf, size_t len, size_t max, char *path,
                 size_t pathlen)
{
	if (memchr(buf, '\0', len) != NULL)
		return 400;
	const char *nl = memchr(buf, '\n', len);
	if (nl == NULL)
		return len >= max ? 414 : 0;
	size_t n = (size_t)(nl - buf);
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	int st = parse_line(buf, n, path, pathlen);
	if (st != 200)
		return st;
	/* The headers end with an empty line ("\r\n" or "\n"). */
	const char *p = nl;
	const char *end = buf + len;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		p++;
		if (p < end && *p == '\n')
			return 200;
		if (p + 1 < end && p[0] == '\r' && p[1] == '\n')
			return 200;
	}
	return len >= max ? 431 : 0;
}

/* ---- connections ---- */

struct conn {
	struct uvhttp *srv;
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_write_t wr;
	uv_shutdown_t sd;
	int open;      /* handles not closed yet */
	bool answered; /* the answer is on its way: only drain now */
	bool writing;  /* the answer is being written */
	bool eof;      /* the client sent all it will */
	bool closing;
	char *out; /* the answer being written */
	struct conn *prev, *next;
	size_t len;
	char buf[UVHTTP_MAX_REQUEST];
};

struct uvhttp {
	uv_tcp_t listener;
	bool listening; /* the listener is open */
	bool closing;
	uvhttp_handler fn;
	void *arg;
	struct uvhttp_metrics metrics; /* uvhttp_start_metrics() */
	struct conn *conns;
	size_t nconns;
	char drain[4096]; /* what a client sends after its request */
};

static void srv_maybe_free(struct uvhttp *h)
{
	if (h->closing && !h->listening && h->nconns == 0)
		free(h);
}

static void conn_closed(uv_handle_t *hd)
{
	struct conn *c = hd->data;
	if (--c->open > 0)
		return;
	struct uvhttp *h = c->srv;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		h->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	h->nconns--;
	free(c->out);
	free(c);
	srv_maybe_free(h);
}

static void conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, conn_closed);
	uv_close((uv_handle_t *)&c->tcp, conn_closed);
}

static void on_timeout(uv_timer_t *t)
{
	conn_close(t->data);
}

static void on_shutdown(uv_shutdown_t *sd, int status)
{
	struct conn *c = sd->data;
	if (status < 0 || c->closing) {
		conn_close(c);
		return;
	}
	/* Reading goes on until the client closes or LINGER_MS pass. */
	uv_timer_start(&c->timer, on_timeout, LINGER_MS, 0);
}

static void on_written(uv_write_t *w, int status)
{
	struct conn *c = w->data;
	c->writing = false;
	if (c->closing)
		return;
	if (status < 0 || c->eof ||
	    uv_shutdown(&c->sd, (uv_stream_t *)&c->tcp, on_shutdown) != 0)
		conn_close(c);
}

/* Send the answer (taking @res's body), then close gracefully. */
static void conn_answer(struct conn *c, struct uvhttp_response *res)
{
	c->answered = true;
	const char *ctype = res->content_type ? res->content_type
	                                      : "text/plain; charset=utf-8";
	char head[512];
	int n = snprintf(head, sizeof(head),
	                 "HTTP/1.1 %d %s\r\n"
	                 "Content-Type: %s\r\n"
	                 "Content-Length: %zu\r\n"
	                 "%s"
	                 "Connection: close\r\n\r\n",
	                 res->status, uvhttp_reason(res->status), ctype,
	                 res->len, res->status == 405 ? "Allow: GET\r\n" : "");
	c->out = xmalloc((size_t)n + res->len + 1);
	memcpy(c->out, head, (size_t)n);
	if (res->len > 0)
		memcpy(c->out + n, res->body, res->len);
	free(res->body);
	res->body = NULL;
	uv_buf_t b = uv_buf_init(c->out, (unsigned)((size_t)n + res->len));
	uv_timer_start(&c->timer, on_timeout, UVHTTP_TIMEOUT_MS, 0);
	if (uv_write(&c->wr, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0)
		conn_close(c);
	else
		c->writing = true;
}

/* An error status with its reason as the body. */
static void conn_error(struct conn *c, int status)
{
	struct uvhttp_response res = {.status = status};
	res.body = xasprintf("%s\n", uvhttp_reason(status));
	res.len = strlen(res.body);
	conn_answer(c, &res);
}

static void on_alloc(uv_handle_t *hd, size_t hint, uv_buf_t *buf)
{
	struct conn *c = hd->data;
	(void)hint;
	if (c->answered || c->len >= sizeof(c->buf))
		*buf = uv_buf_init(c->srv->drain, sizeof(c->srv->drain));
	else
		*buf = uv_buf_init(c->buf + c->len,
		                   (unsigned)(sizeof(c->buf) - c->len));
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	struct conn *c = st->data;
	(void)buf;
	if (c->closing)
		return;
	if (n < 0) {
		/* The client is done sending: an answer still being written
		 * is finished first (a half-closed client waits for it). */
		if (n == UV_EOF && c->writing)
			c->eof = true;
		else
			conn_close(c);
		return;
	}
	if (c->answered || n == 0)
		return;
	c->len += (size_t)n;
	char path[1024];
	int status = uvhttp_parse(c->buf, c->len, sizeof(c->buf), path,
	                          sizeof(path));
	if (status == 0)
		return;
	if (status != 200) {
		conn_error(c, status);
		return;
	}
	struct uvhttp_response res = {.status = 404};
	c->srv->fn(c->srv->arg, path, &res);
	if (res.body == NULL && res.status != 200) {
		conn_error(c, res.status);
		return;
	}
	conn_answer(c, &res);
}

static void reject_closed(uv_handle_t *hd)
{
	free(hd);
}

static void on_connection(uv_stream_t *server, int status)
{
	struct uvhttp *h = server->data;
	if (status < 0 || h->closing)
		return;
	if (h->nconns >= UVHTTP_MAX_CONNS) {
		/* Full: take it off the backlog and reset it. */
		uv_tcp_t *t = xcalloc(1, sizeof(*t));
		uv_tcp_init(server->loop, t);
		uv_unref((uv_handle_t *)t);
		if (uv_accept(server, (uv_stream_t *)t) != 0 ||
		    uv_tcp_close_reset(t, reject_closed) != 0)
			uv_close((uv_handle_t *)t, reject_closed);
		return;
	}
	struct conn *c = xcalloc(1, sizeof(*c));
	c->srv = h;
	uv_tcp_init(server->loop, &c->tcp);
	uv_timer_init(server->loop, &c->timer);
	uv_unref((uv_handle_t *)&c->tcp);
	uv_unref((uv_handle_t *)&c->timer);
	c->tcp.data = c->timer.data = c->wr.data = c->sd.data = c;
	c->open = 2;
	c->next = h->conns;
	if (h->conns != NULL)
		h->conns->prev = c;
	h->conns = c;
	h->nconns++;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0 ||
	    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0) {
		conn_close(c);
		return;
	}
	uv_timer_start(&c->timer, on_timeout, UVHTTP_TIMEOUT_MS, 0);
}

/* ---- the listener ---- */

static void listener_closed(uv_handle_t *hd)
{
	struct uvhttp *h = hd->data;
	h->listening = false;
	srv_maybe_free(h);
}

dp_status uvhttp_start(uv_loop_t *loop, const char *addr, uvhttp_handler fn,
                       void *arg, struct uvhttp **out, char *err, size_t errlen)
{
	struct netaddr na;
	const char *bad = netaddr_parse(addr, 0, &na);
	if (bad != NULL) {
		snprintf(err, errlen, "metrics-listen %s: %s", addr, bad);
		return DP_EINVAL;
	}
	struct uvhttp *h = xcalloc(1, sizeof(*h));
	h->fn = fn;
	h->arg = arg;
	uv_tcp_init(loop, &h->listener);
	h->listener.data = h;
	h->listening = true;
	uv_unref((uv_handle_t *)&h->listener);
	int rc = uv_tcp_bind(&h->listener, (const struct sockaddr *)&na.ss, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&h->listener, 64, on_connection);
	if (rc != 0) {
		snprintf(err, errlen, "metrics-listen %s: cannot listen: %s",
		         na.text, uv_strerror(rc));
		h->closing = true;
		uv_close((uv_handle_t *)&h->listener, listener_closed);
		return DP_EIO;
	}
	log_info("metrics: serving /metrics and /healthz on http://%s",
	         na.text);
	*out = h;
	return DP_OK;
}

/* /metrics and /healthz. */
static void metrics_handler(void *arg, const char *path,
                            struct uvhttp_response *res)
{
	const struct uvhttp_metrics *m = arg;
	if (strcmp(path, "/metrics") == 0) {
		res->status = 200;
		res->content_type = PROM_CONTENT_TYPE;
		res->body = m->render(m->arg, &res->len);
	} else if (strcmp(path, "/healthz") == 0) {
		char why[256] = "";
		bool ok = m->healthy(m->arg, why, sizeof(why));
		res->status = ok ? 200 : 503;
		res->body = xasprintf("%s\n", ok ? "ok" : why);
		res->len = strlen(res->body);
	}
}

dp_status uvhttp_start_metrics(uv_loop_t *loop, const char *addr,
                               const struct uvhttp_metrics *m,
                               struct uvhttp **out, char *err, size_t errlen)
{
	dp_status rc = uvhttp_start(loop, addr, metrics_handler, NULL, out, err,
	                            errlen);
	if (rc == DP_OK) {
		(*out)->metrics = *m;
		(*out)->arg = &(*out)->metrics;
	}
	return rc;
}

void uvhttp_close(struct uvhttp *h)
{
	if (h == NULL || h->closing)
		return;
	h->closing = true;
	for (struct conn *c = h->conns; c != NULL; c = c->next)
		conn_close(c);
	uv_close((uv_handle_t *)&h->listener, listener_closed);
}
