/*
 * etcd.c - the etcd v3 client's I/O: the member list, libcurl's multi
 * socket interface on a libuv loop, requests that fail over from member
 * to member until their deadline, watches that resume where they were,
 * and the synchronous wrapper.  The JSON is etcdmsg.c's.
 *
 * curl asks, through its socket callback, to watch a socket for reading
 * or writing: that becomes a uv_poll handle; through its timer callback,
 * to be called back after a time: that is one uv_timer.  Either event
 * goes back to curl_multi_socket_action(), after which finished
 * transfers are collected (curl_multi_info_read) and the bytes the
 * watches received are decoded.  User callbacks run only there, never
 * inside a curl callback, so a user callback may start requests, cancel
 * a watch or free the client (which then happens once the dispatch is
 * over).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "arena.h"
#include "etcd.h"
#include "etcdmsg.h"
#include "netaddr.h"
#include "xalloc.h"

#define DEFAULT_TIMEOUT_MS         5000
#define DEFAULT_ATTEMPT_TIMEOUT_MS 2000
#define DEFAULT_CONNECT_TIMEOUT_MS 1000
#define BACKOFF_FIRST_MS           50
#define BACKOFF_MAX_MS             1000
#define MIN_TRY_MS                 100
/* An answer larger than this is not etcd's (its default limit is 2 GiB
 * for reads, but a plan store's reads are tens of MiB at most). */
#define MAX_ANSWER (256u << 20)

/* ---- the URL ---- */

bool etcd_url_is(const char *text)
{
	return strncmp(text, "etcd://", 7) == 0;
}

/* A host name as RFC 1123 writes one: labels of letters, digits, '-'. */
static bool host_name_ok(const char *h)
{
	size_t label = 0;

	if (*h == '\0' || *h == '.')
		return false;
	for (; *h; h++) {
		if (*h == '.') {
			if (label == 0 || h[-1] == '-')
				return false;
			label = 0;
		} else if (isalnum((unsigned char)*h) ||
		           (*h == '-' && label > 0)) {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return h[-1] != '-';
}

/* Parse one "HOST:PORT" of @len bytes at @s into @m; NULL or why not. */
static const char *member_parse(const char *s, size_t len,
                                struct etcd_member *m)
{
	char buf[256];
	struct netaddr na;
	const char *colon, *why;
	char *end;
	unsigned long port;

	if (len == 0)
		return "empty member";
	if (len >= sizeof(buf))
		return "member too long";
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (strchr(buf, '/') != NULL)
		return "a member is HOST:PORT, without a path";
	why = netaddr_parse(buf, 0, &na);
	if (why == NULL) {
		/* A numeric address: netaddr's canonical text and port. */
		snprintf(m->text, sizeof(m->text), "%s", na.text);
		m->port = na.port;
		colon = strrchr(na.text, ':');
		if (na.text[0] == '[')
			snprintf(m->host, sizeof(m->host), "%.*s",
			         (int)(colon - na.text - 2), na.text + 1);
		else
			snprintf(m->host, sizeof(m->host), "%.*s",
			         (int)(colon - na.text), na.text);
		return NULL;
	}
	colon = strrchr(buf, ':');
	if (colon == NULL)
		return "port missing (HOST:PORT)";
	if (buf[0] == '[' || isdigit((unsigned char)buf[0]) ||
	    strchr(buf, ':') != colon) {
		/* It was meant as a number: netaddr's reason stands. */
		if (!isalpha((unsigned char)buf[0]) ||
		    strchr(buf, ':') != colon)
			return why;
	}
	buf[colon - buf] = '\0';
	if (!host_name_ok(buf))
		return "not a host name or numeric address";
	if (colon[1] == '\0' ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    strlen(colon + 1) > 5)
		return "port must be a number from 1 to 65535";
	port = strtoul(colon + 1, &end, 10);
	if (port == 0 || port > 65535)
		return "port must be a number from 1 to 65535";
	snprintf(m->host, sizeof(m->host), "%s", buf);
	m->port = (uint16_t)port;
	snprintf(m->text, sizeof(m->text), "%s:%lu", buf, port);
	return NULL;
}

dp_status etcd_url_parse(const char *text, struct etcd_url *out, char *err,
                         size_t errlen)
{
	const char *p, *comma, *why;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!etcd_url_is(text)) {
		snprintf(err, errlen,
		         "'%s': an etcd store is etcd://HOST:PORT"
		         "[,HOST:PORT...]",
		         text);
		return DP_EINVAL;
	}
	p = text + 7;
	if (*p == '\0') {
		snprintf(err, errlen, "'%s': no member", text);
		return DP_EINVAL;
	}
	for (;;) {
		comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (out->n == ETCD_MAX_MEMBERS) {
			snprintf(err, errlen, "'%s': more than %d members",
			         text, ETCD_MAX_MEMBERS);
			return DP_EINVAL;
		}
		why = member_parse(p, len, &out->members[out->n]);
		if (why != NULL) {
			snprintf(err, errlen, "'%s': member %zu ('%.*s'): %s",
			         text, out->n + 1, (int)(len > 64 ? 64 : len),
			         p, why);
			return DP_EINVAL;
		}
		for (i = 0; i < out->n; i++) {
			if (strcmp(out->members[i].text,
			           out->members[out->n].text) == 0) {
				snprintf(err, errlen,
				         "'%s': member %zu (%s) named twice",
				         text, out->n + 1,
				         out->members[i].text);
				return DP_EINVAL;
			}
		}
		out->n++;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return DP_OK;
}

/* ---- the client's state ---- */

struct req;
typedef void (*req_done_fn)(struct req *r, CURLcode cc);

/* What a request is, for its retries and the meaning of its answer. */
enum req_kind {
	REQ_READ,      /* retried anywhere until the deadline */
	REQ_WRITE,     /* not retried once it may have been applied */
	REQ_TXN,       /* a write; a false "succeeded" is DP_ECOMPARE */
	REQ_KEEPALIVE, /* a write; TTL 0 is DP_ENOENT */
	REQ_WATCH,     /* a stream, resumed until canceled */
};

/*
 * One request, from its first try to its callback.  Its timer (backoff
 * between rounds of members, and the deadline) is its last handle: the
 * memory goes in the timer's close callback.
 */
struct req {
	struct etcd_client *c;
	struct req *prev, *next; /* c->reqs */
	enum req_kind kind;
	const char *path;
	char *body;
	size_t body_len;
	bool leader; /* require a leader (etcd's "hasleader") */
	int pinned;  /* a member index, no failover; -1: any */
	etcd_cb cb;
	void *arg;
	CURL *easy;
	bool in_multi;
	struct curl_slist *hdrs;
	char *buf; /* the answer so far */
	size_t len, cap;
	size_t member; /* the member of this try */
	size_t tried;  /* tries so far */
	uint64_t deadline;
	unsigned backoff_ms;
	uv_timer_t timer;
	dp_status worst; /* the error to report if no member does better */
	char why[256];
	bool done;
};

/*
 * A watch: a streaming request, its resume point and what it delivered.
 * The request comes first so that a watch is a request, too.
 */
struct etcd_watch {
	struct req r;
	char *key;
	bool prefix;
	int64_t next;  /* the revision to start again from, 0: now */
	size_t parsed; /* bytes of r.buf decoded */
	bool created;  /* the current stream is set up */
	bool down;     /* the caller was told it is down */
	bool ended;    /* told its last status, or canceled */
};

/* A socket curl asked to watch. */
struct sock {
	uv_poll_t poll;
	curl_socket_t fd;
	struct etcd_client *c;
	struct sock *next;
};

struct etcd_client {
	uv_loop_t *loop;
	CURLM *multi;
	uv_timer_t timer; /* curl's */
	struct etcd_url url;
	char base[ETCD_MAX_MEMBERS][300]; /* "http://HOST:PORT" */
	struct etcd_opts opts;
	size_t cur;       /* the member the next request starts at */
	struct req *reqs; /* pending requests and watches */
	struct sock *socks;
	int busy;          /* dispatching: user callbacks may run */
	bool free_pending; /* etcd_client_free() called while busy */
};

static void client_free_now(struct etcd_client *c);
static void watch_body(struct etcd_watch *w);

static void enter(struct etcd_client *c)
{
	c->busy++;
}

static void leave(struct etcd_client *c)
{
	if (--c->busy == 0 && c->free_pending)
		client_free_now(c);
}

static uint64_t now_ms(struct etcd_client *c)
{
	uv_update_time(c->loop);
	return uv_now(c->loop);
}

/* ---- requests: life cycle ---- */

static void req_closed(uv_handle_t *h)
{
	struct req *r = h->data;

	free(r->body);
	free(r->buf);
	if (r->kind == REQ_WATCH)
		free(((struct etcd_watch *)r)->key);
	free(r);
}

/* Take @r out of curl's hands (between tries, or at its end). */
static void req_detach(struct req *r)
{
	if (r->in_multi) {
		curl_multi_remove_handle(r->c->multi, r->easy);
		r->in_multi = false;
	}
}

/* Unlink and free @r (its callback was called, or never will be). */
static void req_free(struct req *r)
{
	struct etcd_client *c = r->c;

	req_detach(r);
	curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->hdrs);
	if (r->prev)
		r->prev->next = r->next;
	else
		c->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	uv_timer_stop(&r->timer);
	uv_close((uv_handle_t *)&r->timer, req_closed);
}

/* Call @r's callback with @st and @res, then free both. */
static void req_finish(struct req *r, dp_status st, struct etcd_resp *res)
{
	r->done = true;
	if (res->error[0] == '\0' && st != DP_OK)
		snprintf(res->error, sizeof(res->error), "%s",
		         r->why[0] ? r->why : dp_strerror(st));
	if (r->cb)
		r->cb(r->arg, st, res);
	if (!res->kept)
		etcd_resp_free(res);
	if (r->kind != REQ_WATCH)
		req_free(r);
}

/* A response for a request the client drops as it closes. */
static struct etcd_resp *resp_closed(void)
{
	struct etcd_resp *res = etcdmsg_resp_new();

	snprintf(res->error, sizeof(res->error),
	         "canceled: the client was closed");
	return res;
}

/* End @r with an error of its own. */
static void req_fail(struct req *r, dp_status st)
{
	req_finish(r, st,
	           st == DP_ECANCELED ? resp_closed() : etcdmsg_resp_new());
}

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct req *r = arg;
	size_t len = size * n;

	if (r->len + len + 1 > MAX_ANSWER)
		return 0; /* curl ends the transfer: CURLE_WRITE_ERROR */
	if (r->len + len + 1 > r->cap) {
		r->cap = (r->len + len + 1) * 2;
		r->buf = xrealloc(r->buf, r->cap);
	}
	memcpy(r->buf + r->len, p, len);
	r->len += len;
	r->buf[r->len] = '\0';
	return len;
}

/* Start one try of @r on r->member. */
static void req_try(struct req *r)
{
	struct etcd_client *c = r->c;
	char url[400];
	uint64_t left = r->deadline > now_ms(c) ? r->deadline - now_ms(c) : 1;
	long timeout = c->opts.attempt_timeout_ms;

	if (r->kind == REQ_WATCH) {
		timeout = 0; /* a stream runs until it ends */
		watch_body((struct etcd_watch *)r);
	} else if ((uint64_t)timeout > left)
		timeout = (long)left;
	snprintf(url, sizeof(url), "%s%s", c->base[r->member], r->path);
	r->len = 0;
	curl_easy_setopt(r->easy, CURLOPT_URL, url);
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS,
	                 (long)c->opts.connect_timeout_ms);
	curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body);
	curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE,
	                 (curl_off_t)r->body_len);
	r->in_multi = true;
	curl_multi_add_handle(c->multi, r->easy);
}

/* The easy handle of a request: POST, JSON, loopback-safe settings. */
static void req_easy(struct req *r)
{
	r->easy = curl_easy_init();
	if (r->easy == NULL)
		abort();
	r->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	/* No "Expect: 100-continue" wait before a large body. */
	r->hdrs = curl_slist_append(r->hdrs, "Expect:");
	if (r->leader)
		r->hdrs = curl_slist_append(r->hdrs,
		                            "Grpc-Metadata-hasleader: true");
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(r->easy, CURLOPT_HTTP_VERSION,
	                 (long)CURL_HTTP_VERSION_1_1);
	/* The members are named; no proxy of the environment applies. */
	curl_easy_setopt(r->easy, CURLOPT_PROXY, "");
	curl_easy_setopt(r->easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(r->easy, CURLOPT_TCP_KEEPIDLE, 2L);
	curl_easy_setopt(r->easy, CURLOPT_TCP_KEEPINTVL, 1L);
}

static void on_backoff(uv_timer_t *t);

/* A new request with @body (taken) to @path. */
static struct req *req_new(struct etcd_client *c, size_t size,
                           enum req_kind kind, const char *path, json_t *body,
                           etcd_cb cb, void *arg)
{
	struct req *r = xcalloc(1, size);

	r->c = c;
	r->kind = kind;
	r->path = path;
	r->cb = cb;
	r->arg = arg;
	r->pinned = -1;
	r->leader = true;
	r->member = c->cur;
	r->worst = DP_EUNREACHABLE;
	r->backoff_ms = BACKOFF_FIRST_MS;
	r->deadline = now_ms(c) + c->opts.timeout_ms;
	if (body != NULL)
		r->body = etcdmsg_dump(body, &r->body_len);
	uv_timer_init(c->loop, &r->timer);
	r->timer.data = r;
	r->next = c->reqs;
	if (c->reqs)
		c->reqs->prev = r;
	c->reqs = r;
	return r;
}

/* Send a unary request: the common tail of every call. */
static void req_send(struct req *r)
{
	req_easy(r);
	if (r->pinned >= 0)
		r->member = (size_t)r->pinned;
	req_try(r);
}

/* ---- requests: outcomes ---- */

/* The error to report when several members failed differently. */
static int severity(dp_status st)
{
	switch (st) {
	case DP_ENOLEADER:
		return 3;
	case DP_ETIMEDOUT:
		return 2;
	default:
		return 1;
	}
}

static void note(struct req *r, dp_status st, const char *fmt,
                 const char *detail)
{
	if (severity(st) >= severity(r->worst) || r->why[0] == '\0') {
		r->worst = st;
		snprintf(r->why, sizeof(r->why), fmt,
		         r->c->url.members[r->member].text, detail);
	}
}

/*
 * After a failed try: the next member, now or after a backoff when a
 * whole round failed; the end when the deadline has passed.
 */
static void req_next(struct req *r)
{
	struct etcd_client *c = r->c;
	uint64_t now = now_ms(c);
	size_t n = c->url.n;

	req_detach(r);
	r->tried++;
	/* Later requests start at the member after the one that failed. */
	if (c->cur == r->member)
		c->cur = (r->member + 1) % n;
	r->member = (r->member + 1) % n;
	if (r->kind != REQ_WATCH && (r->pinned >= 0 || now >= r->deadline)) {
		req_fail(r, r->worst);
		return;
	}
	if (r->tried % n != 0) {
		req_try(r);
		return;
	}
	uint64_t wait = r->backoff_ms;
	/* A try with next to no time left would only time out, and make a
	 * write's outcome unknown: end with what the members said. */
	if (r->kind != REQ_WATCH && now + wait + MIN_TRY_MS > r->deadline) {
		req_fail(r, r->worst);
		return;
	}
	r->backoff_ms = r->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
	                                                   : r->backoff_ms * 2;
	uv_timer_start(&r->timer, on_backoff, wait, 0);
}

static void watch_round_failed(struct etcd_watch *w);

static void on_backoff(uv_timer_t *t)
{
	struct req *r = t->data;
	struct etcd_client *c = r->c;

	enter(c);
	if (r->kind == REQ_WATCH)
		watch_round_failed((struct etcd_watch *)r);
	if (r->kind != REQ_WATCH || !((struct etcd_watch *)r)->ended)
		req_try(r);
	leave(c);
}

/*
 * Can @r have been applied, though its transfer failed with @cc?  Not
 * if it never left: no connection, or a send that failed (etcd acts on
 * a whole request only, and a failed send leaves it incomplete).
 */
static bool req_maybe_applied(struct req *r, CURLcode cc)
{
	curl_off_t t = 0;

	if (cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST ||
	    cc == CURLE_SEND_ERROR)
		return false;
	curl_easy_getinfo(r->easy, CURLINFO_PRETRANSFER_TIME_T, &t);
	return t > 0;
}

/* A transfer that ended without an HTTP answer. */
static void req_transport_error(struct req *r, CURLcode cc)
{
	struct etcd_client *c = r->c;
	const char *member = c->url.members[r->member].text;

	if (r->kind == REQ_READ || !req_maybe_applied(r, cc)) {
		note(r,
		     cc == CURLE_OPERATION_TIMEDOUT ? DP_ETIMEDOUT
		                                    : DP_EUNREACHABLE,
		     "%s: %s", curl_easy_strerror(cc));
		req_next(r);
		return;
	}
	/* A write may have been applied: no second try. */
	snprintf(r->why, sizeof(r->why),
	         "%s: %s (the request was sent: it may have been applied)",
	         member, curl_easy_strerror(cc));
	req_detach(r);
	if (c->cur == r->member)
		c->cur = (r->member + 1) % c->url.n;
	req_fail(r, DP_ETIMEDOUT);
}

/* An HTTP answer: decode it, or decide which member to try next. */
static void req_answer(struct req *r)
{
	struct etcd_client *c = r->c;
	struct etcd_resp *res = etcdmsg_resp_new();
	enum etcdmsg_retry retry;
	json_error_t je;
	json_t *root;
	long http = 0;
	dp_status st;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &http);
	res->endpoint = c->url.members[r->member].text;
	root = json_loadb(r->buf ? r->buf : "", r->len, 0, &je);
	if (http != 200 || root == NULL || json_object_get(root, "error")) {
		char text[256];

		st = etcdmsg_error(root, http, text, sizeof(text), &retry);
		json_decref(root);
		if (retry == ETCDMSG_NOLEADER ||
		    (retry == ETCDMSG_UNSURE && r->kind == REQ_READ)) {
			etcd_resp_free(res);
			note(r, st, "%s: %s", text);
			req_next(r);
			return;
		}
		if (retry == ETCDMSG_UNSURE && c->cur == r->member)
			c->cur = (r->member + 1) % c->url.n;
		snprintf(res->error, sizeof(res->error), "%s: %s",
		         res->endpoint, text);
		req_detach(r);
		req_finish(r, st, res);
		return;
	}
	st = etcdmsg_decode(root, res);
	json_decref(root);
	if (st == DP_OK) {
		/* Stay with a member that had a leader (a status probe of
		 * one without says nothing about that). */
		if (r->leader)
			c->cur = r->member;
		if (r->kind == REQ_TXN && !res->succeeded)
			st = DP_ECOMPARE;
		else if (r->kind == REQ_KEEPALIVE && res->ttl <= 0) {
			st = DP_ENOENT;
			snprintf(res->error, sizeof(res->error),
			         "%s: lease %lld has expired or never was",
			         res->endpoint, (long long)res->lease_id);
		}
	}
	req_detach(r);
	req_finish(r, st, res);
}

/* ---- watches ---- */

/* The body of a watch's next stream: from w->next on. */
static void watch_body(struct etcd_watch *w)
{
	json_t *create = json_object();

	etcdmsg_key(create, w->key, w->prefix);
	if (w->next > 0)
		json_object_set_new(create, "start_revision",
		                    etcdmsg_i64(w->next));
	free(w->r.body);
	w->r.body = etcdmsg_dump(json_pack("{so}", "create_request", create),
	                         &w->r.body_len);
	w->parsed = 0;
	w->created = false;
}

/* The watch's last callback, with @st; the watch then goes. */
static void watch_end(struct etcd_watch *w, dp_status st, struct etcd_resp *res)
{
	w->ended = true;
	req_finish(&w->r, st, res);
	req_free(&w->r);
}

/* Hand @res's events past w->next to the caller, and move w->next on. */
static void watch_events(struct etcd_watch *w, struct etcd_resp *res)
{
	size_t i, n = 0;

	for (i = 0; i < res->n_events; i++) {
		struct etcd_kv *kv = &res->events[i].kv;

		/* A resumed stream starts at w->next: nothing is repeated,
		 * but make sure of it. */
		if (kv->mod_revision < w->next)
			continue;
		res->events[n++] = res->events[i];
	}
	res->n_events = n;
	for (i = 0; i < n; i++)
		if (res->events[i].kv.mod_revision + 1 > w->next)
			w->next = res->events[i].kv.mod_revision + 1;
	if (n > 0 && w->r.cb)
		w->r.cb(w->r.arg, DP_OK, res);
}

/*
 * One line of the stream.  Returns false when the stream is broken (an
 * error from etcd, or something not etcd's): it is then given up.
 */
static bool watch_line(struct etcd_watch *w, const char *p, size_t len)
{
	struct req *r = &w->r;
	struct etcd_resp *res = etcdmsg_resp_new();
	enum etcdmsg_retry retry;
	const json_t *result;
	json_error_t je;
	json_t *root;
	dp_status st;
	bool ok = true;

	res->endpoint = r->c->url.members[r->member].text;
	root = json_loadb(p, len, 0, &je);
	result = json_object_get(root, "result");
	if (root == NULL || result == NULL) {
		char text[256];

		st = etcdmsg_error(root, 200, text, sizeof(text), &retry);
		note(r, st, "%s: %s", text);
		ok = false;
	} else if ((st = etcdmsg_decode(root, res)) != DP_OK) {
		note(r, st, "%s: %s", res->error);
		ok = false;
	} else if (res->compact_revision > 0) {
		snprintf(res->error, sizeof(res->error),
		         "%s: revision %lld is compacted (up to %lld): read "
		         "again",
		         res->endpoint, (long long)w->next,
		         (long long)res->compact_revision);
		watch_end(w, DP_ECOMPACTED, res);
		res = NULL;
	} else if (json_is_true(json_object_get(result, "canceled"))) {
		snprintf(res->error, sizeof(res->error),
		         "%s: etcd canceled the watch: %s", res->endpoint,
		         json_string_value(
		                 json_object_get(result, "cancel_reason"))
		                 ?: "no reason");
		watch_end(w, DP_EBADRESP, res);
		res = NULL;
	} else if (json_is_true(json_object_get(result, "created"))) {
		w->created = true;
		r->tried = 0;
		r->backoff_ms = BACKOFF_FIRST_MS;
		r->worst = DP_EUNREACHABLE;
		r->why[0] = '\0';
		if (w->next == 0)
			w->next = res->revision + 1;
		if (w->down) {
			/* Back: an empty batch says so. */
			w->down = false;
			if (r->cb)
				r->cb(r->arg, DP_OK, res);
		}
	} else {
		watch_events(w, res);
	}
	json_decref(root);
	if (res != NULL && !res->kept)
		etcd_resp_free(res);
	return ok;
}

/* Decode the complete lines the stream has brought. */
static void watch_feed(struct etcd_watch *w)
{
	struct req *r = &w->r;
	char *nl;

	while (!w->ended && r->len > w->parsed &&
	       (nl = memchr(r->buf + w->parsed, '\n', r->len - w->parsed))) {
		size_t start = w->parsed;

		w->parsed = (size_t)(nl - r->buf) + 1;
		if (!watch_line(w, r->buf + start, w->parsed - start - 1)) {
			/* Broken: the next member, from w->next. */
			if (w->created)
				r->tried = 0;
			req_next(r);
			return;
		}
	}
	/* Keep only the line not complete yet. */
	if (!w->ended && w->parsed > 0) {
		memmove(r->buf, r->buf + w->parsed, r->len - w->parsed);
		r->len -= w->parsed;
		w->parsed = 0;
	}
}

/* The stream ended: start again, on the next member. */
static void watch_ended(struct etcd_watch *w, CURLcode cc)
{
	struct req *r = &w->r;
	enum etcdmsg_retry retry;
	char text[256];
	json_t *root;
	dp_status st;

	if (r->len > w->parsed) {
		/* An error answer without a line end: what etcd said. */
		root = json_loadb(r->buf + w->parsed, r->len - w->parsed, 0,
		                  NULL);
		st = etcdmsg_error(root, 200, text, sizeof(text), &retry);
		json_decref(root);
		note(r, st, "%s: %s", text);
	} else if (cc != CURLE_OK) {
		note(r, DP_EUNREACHABLE, "%s: %s", curl_easy_strerror(cc));
	} else {
		note(r, DP_EUNREACHABLE, "%s: %s", "the watch stream ended");
	}
	/* It was up: the member went away; try the next one now. */
	if (w->created)
		r->tried = 0;
	req_next(r);
}

/* A whole round of members failed: tell the caller, once per outage. */
static void watch_round_failed(struct etcd_watch *w)
{
	struct etcd_resp *res;

	if (w->down || w->ended)
		return;
	w->down = true;
	res = etcdmsg_resp_new();
	snprintf(res->error, sizeof(res->error), "%s", w->r.why);
	if (w->r.cb)
		w->r.cb(w->r.arg, w->r.worst, res);
	if (!res->kept)
		etcd_resp_free(res);
}

struct etcd_watch *etcd_watch_start(struct etcd_client *c, const char *key,
                                    bool prefix, int64_t start, etcd_cb cb,
                                    void *arg)
{
	struct etcd_watch *w = (struct etcd_watch *)req_new(
	        c, sizeof(*w), REQ_WATCH, "/v3/watch", NULL, cb, arg);

	w->key = xstrdup(key);
	w->prefix = prefix;
	w->next = start;
	req_send(&w->r);
	return w;
}

void etcd_watch_cancel(struct etcd_watch *w)
{
	if (w == NULL || w->ended)
		return;
	w->ended = true;
	w->r.cb = NULL;
	req_free(&w->r);
}

int64_t etcd_watch_next(const struct etcd_watch *w)
{
	return w->next;
}

/* ---- curl on libuv ---- */

/* After curl moved: the watches' new lines, then finished transfers. */
static void dispatch(struct etcd_client *c)
{
	struct req *r, *next;
	CURLMsg *m;
	int left;

	for (r = c->reqs; r != NULL && !c->free_pending; r = next) {
		next = r->next;
		if (r->kind == REQ_WATCH && !((struct etcd_watch *)r)->ended)
			watch_feed((struct etcd_watch *)r);
	}
	while (!c->free_pending &&
	       (m = curl_multi_info_read(c->multi, &left)) != NULL) {
		CURLcode cc = m->data.result;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &r);
		if (r->kind == REQ_WATCH)
			watch_ended((struct etcd_watch *)r, cc);
		else if (cc != CURLE_OK)
			req_transport_error(r, cc);
		else
			req_answer(r);
	}
}

static void on_poll(uv_poll_t *h, int status, int events)
{
	struct sock *s = h->data;
	struct etcd_client *c = s->c;
	int flags = 0, running;

	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	enter(c);
	curl_multi_socket_action(c->multi, s->fd, flags, &running);
	dispatch(c);
	leave(c);
}

static void on_timeout(uv_timer_t *t)
{
	struct etcd_client *c = t->data;
	int running;

	enter(c);
	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	dispatch(c);
	leave(c);
}

static void sock_closed(uv_handle_t *h)
{
	free(h->data);
}

static void sock_close(struct etcd_client *c, struct sock *s)
{
	struct sock **pp;

	for (pp = &c->socks; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	uv_poll_stop(&s->poll);
	uv_close((uv_handle_t *)&s->poll, sock_closed);
}

/* curl's socket callback: watch @fd for what curl waits for. */
static int on_socket(CURL *e, curl_socket_t fd, int what, void *uarg,
                     void *sockp)
{
	struct etcd_client *c = uarg;
	struct sock *s = sockp;
	int events = 0;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			curl_multi_assign(c->multi, fd, NULL);
			sock_close(c, s);
		}
		return 0;
	}
	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		s->fd = fd;
		s->c = c;
		uv_poll_init_socket(c->loop, &s->poll, fd);
		s->poll.data = s;
		s->next = c->socks;
		c->socks = s;
		curl_multi_assign(c->multi, fd, s);
	}
	if (what & CURL_POLL_IN)
		events |= UV_READABLE;
	if (what & CURL_POLL_OUT)
		events |= UV_WRITABLE;
	uv_poll_start(&s->poll, events, on_poll);
	return 0;
}

/* curl's timer callback: call it back in @ms (-1: never). */
static int on_timer(CURLM *m, long ms, void *uarg)
{
	struct etcd_client *c = uarg;

	(void)m;
	if (ms < 0)
		uv_timer_stop(&c->timer);
	else
		uv_timer_start(&c->timer, on_timeout, (uint64_t)ms, 0);
	return 0;
}

/* ---- the client ---- */

dp_status etcd_client_new(uv_loop_t *loop, const char *url,
                          const struct etcd_opts *opts,
                          struct etcd_client **out, char *err, size_t errlen)
{
	static bool curl_ready;
	struct etcd_client *c;
	size_t i;

	*out = NULL;
	c = xcalloc(1, sizeof(*c));
	if (etcd_url_parse(url, &c->url, err, errlen) != DP_OK) {
		free(c);
		return DP_EINVAL;
	}
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			snprintf(err, errlen, "libcurl: initialisation failed");
			free(c);
			return DP_EIO;
		}
		curl_ready = true;
	}
	etcdmsg_init();
	c->loop = loop;
	if (opts != NULL)
		c->opts = *opts;
	if (c->opts.timeout_ms == 0)
		c->opts.timeout_ms = DEFAULT_TIMEOUT_MS;
	if (c->opts.attempt_timeout_ms == 0)
		c->opts.attempt_timeout_ms = DEFAULT_ATTEMPT_TIMEOUT_MS;
	if (c->opts.connect_timeout_ms == 0)
		c->opts.connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
	for (i = 0; i < c->url.n; i++) {
		const struct etcd_member *m = &c->url.members[i];
		bool v6 = strchr(m->host, ':') != NULL;

		snprintf(c->base[i], sizeof(c->base[i]), "http://%s%s%s:%u",
		         v6 ? "[" : "", m->host, v6 ? "]" : "", m->port);
	}
	c->multi = curl_multi_init();
	if (c->multi == NULL)
		abort();
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	uv_timer_init(loop, &c->timer);
	c->timer.data = c;
	*out = c;
	return DP_OK;
}

static void client_closed(uv_handle_t *h)
{
	free(h->data);
}

static void client_free_now(struct etcd_client *c)
{
	struct req *r;

	/* Callbacks run below; a nested etcd_client_free() waits for us. */
	c->busy++;
	while ((r = c->reqs) != NULL) {
		struct etcd_watch *w = (struct etcd_watch *)r;

		if (r->kind != REQ_WATCH)
			req_fail(r, DP_ECANCELED);
		else if (!w->ended)
			watch_end(w, DP_ECANCELED, resp_closed());
		else
			req_free(r);
	}
	curl_multi_cleanup(c->multi);
	while (c->socks != NULL)
		sock_close(c, c->socks);
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, client_closed);
}

void etcd_client_free(struct etcd_client *c)
{
	if (c == NULL)
		return;
	if (c->busy > 0) {
		c->free_pending = true;
		return;
	}
	client_free_now(c);
}

const char *etcd_client_member(const struct etcd_client *c)
{
	return c->url.members[c->cur].text;
}

struct etcd_resp *etcd_resp_keep(struct etcd_resp *res)
{
	res->kept = true;
	return res;
}

void etcd_resp_free(struct etcd_resp *res)
{
	if (res != NULL)
		arena_free(res->arena);
}

/* ---- the calls ---- */

/* Send @body (taken) to @path as a request of @kind. */
static struct req *call(struct etcd_client *c, enum req_kind kind,
                        const char *path, json_t *body, etcd_cb cb, void *arg)
{
	struct req *r = req_new(c, sizeof(*r), kind, path, body, cb, arg);

	req_send(r);
	return r;
}

/* A body with "key" (and "range_end" for a @prefix). */
static json_t *key_body(const char *key, bool prefix)
{
	json_t *b = json_object();

	etcdmsg_key(b, key, prefix);
	return b;
}

void etcd_range(struct etcd_client *c, const char *key,
                const struct etcd_range_opts *o, etcd_cb cb, void *arg)
{
	json_t *b = key_body(key, o && o->prefix);

	if (o != NULL) {
		if (o->limit > 0)
			json_object_set_new(b, "limit", etcdmsg_i64(o->limit));
		if (o->revision > 0)
			json_object_set_new(b, "revision",
			                    etcdmsg_i64(o->revision));
		if (o->keys_only)
			json_object_set_new(b, "keys_only", json_true());
		if (o->count_only)
			json_object_set_new(b, "count_only", json_true());
		if (o->descend) {
			json_object_set_new(b, "sort_order",
			                    json_string("DESCEND"));
			json_object_set_new(b, "sort_target",
			                    json_string("KEY"));
		}
	}
	call(c, REQ_READ, "/v3/kv/range", b, cb, arg);
}

void etcd_put(struct etcd_client *c, const char *key, const void *value,
              size_t len, int64_t lease, etcd_cb cb, void *arg)
{
	json_t *b = key_body(key, false);

	json_object_set_new(b, "value", etcdmsg_b64(value, len));
	if (lease != 0)
		json_object_set_new(b, "lease", etcdmsg_i64(lease));
	call(c, REQ_WRITE, "/v3/kv/put", b, cb, arg);
}

void etcd_delete(struct etcd_client *c, const char *key, bool prefix,
                 etcd_cb cb, void *arg)
{
	call(c, REQ_WRITE, "/v3/kv/deleterange", key_body(key, prefix), cb,
	     arg);
}

void etcd_compact(struct etcd_client *c, int64_t revision, etcd_cb cb,
                  void *arg)
{
	call(c, REQ_WRITE, "/v3/kv/compaction",
	     json_pack("{so}", "revision", etcdmsg_i64(revision)), cb, arg);
}

void etcd_txn(struct etcd_client *c, struct etcd_txn *t, etcd_cb cb, void *arg)
{
	call(c, REQ_TXN, "/v3/kv/txn", etcdmsg_txn_body(t), cb, arg);
}

void etcd_lease_grant(struct etcd_client *c, int64_t ttl, etcd_cb cb, void *arg)
{
	call(c, REQ_WRITE, "/v3/lease/grant",
	     json_pack("{so}", "TTL", etcdmsg_i64(ttl)), cb, arg);
}

void etcd_lease_keepalive(struct etcd_client *c, int64_t id, etcd_cb cb,
                          void *arg)
{
	call(c, REQ_KEEPALIVE, "/v3/lease/keepalive",
	     json_pack("{so}", "ID", etcdmsg_i64(id)), cb, arg);
}

void etcd_lease_revoke(struct etcd_client *c, int64_t id, etcd_cb cb, void *arg)
{
	call(c, REQ_WRITE, "/v3/lease/revoke",
	     json_pack("{so}", "ID", etcdmsg_i64(id)), cb, arg);
}

void etcd_status(struct etcd_client *c, int member, etcd_cb cb, void *arg)
{
	struct req *r =
	        req_new(c, sizeof(*r), REQ_READ, "/v3/maintenance/status",
	                json_object(), cb, arg);

	r->leader = false;
	if (member >= 0 && (size_t)member < c->url.n)
		r->pinned = member;
	req_send(r);
}

/* ---- the synchronous wrapper ---- */

struct etcd_sync {
	uv_loop_t loop;
	struct etcd_client *c;
	struct etcd_resp *res;
	dp_status st;
	bool done;
};

dp_status etcd_sync_new(const char *url, const struct etcd_opts *opts,
                        struct etcd_sync **out, char *err, size_t errlen)
{
	struct etcd_sync *s = xcalloc(1, sizeof(*s));
	dp_status st;

	*out = NULL;
	uv_loop_init(&s->loop);
	st = etcd_client_new(&s->loop, url, opts, &s->c, err, errlen);
	if (st != DP_OK) {
		uv_loop_close(&s->loop);
		free(s);
		return st;
	}
	*out = s;
	return DP_OK;
}

void etcd_sync_free(struct etcd_sync *s)
{
	if (s == NULL)
		return;
	etcd_client_free(s->c);
	uv_run(&s->loop, UV_RUN_DEFAULT);
	etcd_resp_free(s->res);
	uv_loop_close(&s->loop);
	free(s);
}

struct etcd_client *etcd_sync_client(struct etcd_sync *s)
{
	return s->c;
}

uv_loop_t *etcd_sync_loop(struct etcd_sync *s)
{
	return &s->loop;
}

void etcd_sync_cb(void *arg, dp_status st, struct etcd_resp *res)
{
	struct etcd_sync *s = arg;

	etcd_resp_free(s->res);
	s->res = etcd_resp_keep(res);
	s->st = st;
	s->done = true;
}

dp_status etcd_sync_wait(struct etcd_sync *s, struct etcd_resp **res)
{
	while (!s->done) {
		if (uv_run(&s->loop, UV_RUN_ONCE) == 0 && !s->done) {
			*res = NULL;
			return DP_EINVAL; /* nothing was started */
		}
	}
	s->done = false;
	*res = s->res;
	return s->st;
}
