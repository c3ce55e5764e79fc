/*
 * uvhttp.h - a small HTTP/1.x server on a libuv loop, for the /metrics
 * and /healthz of the planner and the enactor.
 *
 * It answers GET only, one request per connection (Connection: close),
 * and never lets a client hold more than it is due: the request (line
 * and headers) is at most UVHTTP_MAX_REQUEST bytes, each connection ends
 * UVHTTP_TIMEOUT_MS after it was accepted, and at most UVHTTP_MAX_CONNS
 * are open at once (more are reset at once).  Bad requests get 400,
 * other methods 405, versions other than HTTP/1.x 505, and the
 * connection is then closed after the client's remaining bytes are read
 * (a lingering close, so the answer is not lost to a reset).  Everything
 * runs on the loop's thread; the handler is called there too.  Its
 * handles do not keep the loop alive.
 */
#ifndef UVHTTP_H
#define UVHTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "dp.h"

#define UVHTTP_MAX_REQUEST 8192
#define UVHTTP_TIMEOUT_MS  5000
#define UVHTTP_MAX_CONNS   32

/* What the handler answers. */
struct uvhttp_response {
	int status;               /* 200, 404, 503, ... */
	const char *content_type; /* static; NULL: text/plain */
	char *body;               /* malloc()ed, taken by the server */
	size_t len;
};

/*
 * A handler: answer a GET of @path (without its query string) into @res,
 * which comes with status 404 and no body.
 */
typedef void (*uvhttp_handler)(void *arg, const char *path,
                               struct uvhttp_response *res);

struct uvhttp;

/*
 * uvhttp_start - listen on @addr ("IP:PORT", as netaddr_parse() takes
 * it) on @loop, answering with @fn(@arg, ...).  *@out is owned by the
 * caller (uvhttp_close()).  On failure @err says why.
 */
dp_status uvhttp_start(uv_loop_t *loop, const char *addr, uvhttp_handler fn,
                       void *arg, struct uvhttp **out, char *err,
                       size_t errlen);

/* What a daemon's /metrics and /healthz answer. */
struct uvhttp_metrics {
	/* The Prometheus text, malloc()ed (taken); *len is its length. */
	char *(*render)(void *arg, size_t *len);
	/* Healthy?  When not, @why (@len bytes) says why. */
	bool (*healthy)(void *arg, char *why, size_t len);
	void *arg;
};

/*
 * uvhttp_start_metrics - uvhttp_start() serving /metrics from
 * @m->render (200, the text format's content type) and /healthz (200
 * "ok", or 503 and why); @m is copied.
 */
dp_status uvhttp_start_metrics(uv_loop_t *loop, const char *addr,
                               const struct uvhttp_metrics *m,
                               struct uvhttp **out, char *err, size_t errlen);

/*
 * uvhttp_close - stop listening and close every connection; the memory
 * goes once the loop has run their close callbacks (run it before
 * uv_loop_close()).  NULL is ok.
 */
void uvhttp_close(struct uvhttp *h);

/*
 * uvhttp_parse - look at the first @len bytes of a request, @max the most
 * there may be.  Returns 0 while more is needed, 200 once a GET's line
 * and headers are complete (its path, without query string, in @path of
 * @pathlen bytes), or the status to answer: 400 (malformed), 405 (not
 * GET), 414 (line or path too long), 431 (headers too long) or 505
 * (another HTTP version).  A pure function, for the tests.
 */
int uvhttp_parse(const char *buf, size_t len, size_t max, char *path,
                 size_t pathlen);

/* uvhttp_reason - the reason phrase of @status ("OK", "Not Found"). */
const char *uvhttp_reason(int status);

#endif /* UVHTTP_H */
