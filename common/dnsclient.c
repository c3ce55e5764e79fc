/*
 * dnsclient.c - a blocking DNS-over-TCP client with TSIG.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"
#include "dnsclient.h"
#include "netaddr.h"
#include "wire.h"
#include "tsig.h"
#include "xalloc.h"

struct dnsclient {
	struct sockaddr_storage ss;
	socklen_t sslen;
	char *server;
	const struct tsig_key *key;
	int timeout_ms;
	int fd;
};

dp_status dnsclient_new(const char *server, const struct tsig_key *key,
                        int timeout_ms, struct dnsclient **out, char *err,
                        size_t errlen)
{
	struct netaddr a;
	const char *why = netaddr_parse(server, 0, &a);
	if (why != NULL) {
		snprintf(err, errlen, "'%s': expected ADDRESS:PORT: %s", server,
		         why);
		return DP_EINVAL;
	}
	struct dnsclient *c = xcalloc(1, sizeof(*c));
	c->ss = a.ss;
	c->sslen = a.len;
	c->server = xstrdup(server);
	c->key = key;
	c->timeout_ms = timeout_ms;
	c->fd = -1;
	*out = c;
	return DP_OK;
}

void dnsclient_free(struct dnsclient *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->server);
	free(c);
}

static int wait_fd(int fd, short ev, int ms)
{
	struct pollfd p = {fd, ev, 0};
	int r;
	do {
		r = poll(&p, 1, ms);
	} while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : -1;
}

static int connect_to(struct dnsclient *c)
{
	int fd = socket(c->ss.ss_family,
	                SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&c->ss, c->sslen) != 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	if (wait_fd(fd, POLLOUT, c->timeout_ms) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr) {
		close(fd);
		errno = soerr ? soerr : ETIMEDOUT;
		return -1;
	}
	int on = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	return fd;
}

/* @q on the wire with ID @id, signed when the client has a key. */
static dp_status encode(struct dnsclient *c, ldns_pkt *q, uint16_t id,
                        uint8_t **out, size_t *outlen, struct tsig_state *st,
                        char *err, size_t errlen)
{
	ldns_pkt_set_id(q, id);
	uint8_t *wire;
	size_t len;
	if (ldns_pkt2wire(&wire, q, &len) != LDNS_STATUS_OK) {
		snprintf(err, errlen, "cannot encode a message");
		return DP_EINVAL;
	}
	uint8_t *msg = xmalloc(len + 512);
	memcpy(msg, wire, len);
	free(wire);
	if (c->key != NULL && tsig_sign_request(c->key, msg, &len, len + 512,
	                                        time(NULL), 300, st) != DP_OK) {
		free(msg);
		snprintf(err, errlen, "cannot sign a message");
		return DP_EIO;
	}
	*out = msg;
	*outlen = len;
	return DP_OK;
}

/* The answer @raw to the request signed with @st, checked and parsed. */
static dp_status decode(struct dnsclient *c, const struct tsig_state *st,
                        const uint8_t *raw, size_t rawlen, ldns_pkt **ans,
                        char *err, size_t errlen)
{
	if (c->key != NULL) {
		uint16_t terr = 0;
		dp_status v = tsig_verify_response(st, raw, rawlen, time(NULL),
		                                   &terr);
		if (v != DP_OK && terr == 0) {
			snprintf(err, errlen, "%s: answer not signed by %s",
			         c->server, c->key->name);
			return DP_EINVAL;
		}
	}
	if (ldns_wire2pkt(ans, raw, rawlen) != LDNS_STATUS_OK) {
		snprintf(err, errlen, "%s: unparsable answer", c->server);
		return DP_EPARSE;
	}
	return DP_OK;
}

/* A batch in flight: the framed requests, and what came back so far. */
struct batch {
	uint8_t *out; /* every request, each behind its 2-byte length */
	size_t outlen, sent;
	uint8_t *in; /* bytes received, not yet a whole answer */
	size_t inlen, incap;
	struct tsig_state *st;
	bool *done;    /* request i answered (well or not) */
	uint16_t base; /* request i has ID base + i */
	size_t n, answered;
	dp_status bad; /* why the first bad answer was refused */
};

/* Take the whole answers out of @b->in; -1 when the stream is garbage. */
static int take_answers(struct dnsclient *c, struct batch *b, ldns_pkt **ans,
                        char *err, size_t errlen)
{
	size_t off = 0;
	while (b->inlen - off >= 2) {
		size_t len = rd16(b->in + off);
		if (b->inlen - off - 2 < len)
			break;
		const uint8_t *m = b->in + off + 2;
		off += 2 + len;
		if (len < 12)
			return -1;
		size_t i = (uint16_t)(rd16(m) - b->base);
		if (i >= b->n || b->done[i])
			continue; /* not ours, or a duplicate: ignore */
		char e[256];
		b->done[i] = true;
		b->answered++;
		/* A bad answer stays NULL; the others still count. */
		dp_status rc =
		        decode(c, &b->st[i], m, len, &ans[i], e, sizeof(e));
		if (rc != DP_OK) {
			ans[i] = NULL;
			if (b->bad == DP_OK) {
				b->bad = rc;
				snprintf(err, errlen, "%s", e);
			}
		}
	}
	memmove(b->in, b->in + off, b->inlen - off);
	b->inlen -= off;
	return 0;
}

/* Send what is left and read answers until all came; -1 on failure. */
static int run_batch(struct dnsclient *c, struct batch *b, ldns_pkt **ans,
                     char *err, size_t errlen)
{
	while (b->answered < b->n) {
		struct pollfd p = {c->fd, POLLIN, 0};
		if (b->sent < b->outlen)
			p.events |= POLLOUT;
		int r = poll(&p, 1, c->timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			errno = r == 0 ? ETIMEDOUT : errno;
			return -1;
		}
		if ((p.revents & POLLOUT) && b->sent < b->outlen) {
			ssize_t w = send(c->fd, b->out + b->sent,
			                 b->outlen - b->sent, MSG_NOSIGNAL);
			if (w < 0 && errno != EAGAIN && errno != EINTR)
				return -1;
			if (w > 0)
				b->sent += (size_t)w;
		}
		if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
			if (b->incap - b->inlen < 65536 + 2) {
				b->incap = b->incap * 2 + 65536 + 2;
				b->in = xrealloc(b->in, b->incap);
			}
			ssize_t rd = recv(c->fd, b->in + b->inlen,
			                  b->incap - b->inlen, 0);
			if (rd < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (rd <= 0) {
				errno = rd == 0 ? ECONNRESET : errno;
				return -1;
			}
			b->inlen += (size_t)rd;
			if (take_answers(c, b, ans, err, errlen) != 0) {
				errno = EPROTO;
				return -1;
			}
		}
	}
	return 0;
}

dp_status dnsclient_exchange_many(struct dnsclient *c, ldns_pkt *const *qs,
                                  size_t n, ldns_pkt **ans, char *err,
                                  size_t errlen)
{
	*err = '\0';
	for (size_t i = 0; i < n; i++)
		ans[i] = NULL;
	if (n == 0)
		return DP_OK;
	if (n > 4096) {
		snprintf(err, errlen, "%zu messages in one batch", n);
		return DP_EINVAL;
	}
	struct batch b = {0};
	b.n = n;
	b.base = (uint16_t)random();
	b.st = xcalloc(n, sizeof(*b.st));
	b.done = xcalloc(n, sizeof(*b.done));
	size_t cap = 0;
	dp_status rc = DP_OK;
	for (size_t i = 0; i < n && rc == DP_OK; i++) {
		uint8_t *msg;
		size_t len;
		rc = encode(c, qs[i], (uint16_t)(b.base + i), &msg, &len,
		            &b.st[i], err, errlen);
		if (rc != DP_OK)
			break;
		if (b.outlen + len + 2 > cap) {
			cap = (b.outlen + len + 2) * 2;
			b.out = xrealloc(b.out, cap);
		}
		b.out[b.outlen] = (uint8_t)(len >> 8);
		b.out[b.outlen + 1] = (uint8_t)len;
		memcpy(b.out + b.outlen + 2, msg, len);
		b.outlen += len + 2;
		free(msg);
	}
	/* A connection the server closed while idle is reopened once, as
	 * long as nothing of this batch has been answered. */
	int ok = -1;
	for (int attempt = 0; rc == DP_OK && attempt < 2 && ok != 0;
	     attempt++) {
		if (c->fd < 0 && (c->fd = connect_to(c)) < 0)
			break;
		ok = run_batch(c, &b, ans, err, errlen);
		if (ok != 0) {
			close(c->fd);
			c->fd = -1;
			if (b.answered > 0)
				break;
			b.sent = 0;
			b.inlen = 0;
		}
	}
	if (rc == DP_OK && ok == 0)
		rc = b.bad; /* every answer came; was each one good? */
	if (rc == DP_OK && ok != 0) {
		const char *why = strerror(errno ? errno : ETIMEDOUT);
		/* A bad answer that came first is the news already. */
		if (*err == '\0' && b.answered == 0)
			snprintf(err, errlen, "%s: no answer: %s", c->server,
			         why);
		else if (*err == '\0')
			snprintf(err, errlen, "%s: %zu of %zu answers: %s",
			         c->server, b.answered, n, why);
		rc = DP_EIO;
	}
	free(b.out);
	free(b.in);
	free(b.st);
	free(b.done);
	return rc;
}

dp_status dnsclient_exchange(struct dnsclient *c, ldns_pkt *q, ldns_pkt **ans,
                             char *err, size_t errlen)
{
	return dnsclient_exchange_many(c, &q, 1, ans, err, errlen);
}

dp_status dnsclient_query(struct dnsclient *c, const char *name,
                          ldns_rr_type type, ldns_pkt **ans, char *err,
                          size_t errlen)
{
	ldns_pkt *q = NULL;
	if (ldns_pkt_query_new_frm_str(&q, name, type, LDNS_RR_CLASS_IN, 0) !=
	    LDNS_STATUS_OK) {
		snprintf(err, errlen, "'%s': bad name", name);
		return DP_EINVAL;
	}
	dp_status rc = dnsclient_exchange(c, q, ans, err, errlen);
	ldns_pkt_free(q);
	return rc;
}

void dnsclient_ede(const ldns_pkt *p, char *buf, size_t len)
{
	buf[0] = '\0';
	ldns_rdf *ed = ldns_pkt_edns_data(p);
	if (ed == NULL)
		return;
	const uint8_t *d = ldns_rdf_data(ed);
	size_t n = ldns_rdf_size(ed), o = 0;
	while (o + 4 <= n) {
		size_t ol = rd16(d + o + 2);
		if (rd16(d + o) == DNS_OPTION_EDE && ol >= 2 &&
		    o + 4 + ol <= n) {
			snprintf(buf, len, "%.*s", (int)(ol - 2),
			         (const char *)d + o + 6);
			return;
		}
		o += 4 + ol;
	}
}

int dnsclient_tsig_error(const ldns_pkt *p, char *buf, size_t len)
{
	buf[0] = '\0';
	const ldns_rr *t = ldns_pkt_tsig(p);
	if (t == NULL || ldns_rr_rd_count(t) < 7)
		return 0;
	int err = ldns_rdf2native_int16(ldns_rr_rdf(t, 5));
	char *key = ldns_rdf2str(ldns_rr_owner(t));
	const char *k = key ? key : "?";
	switch (err) {
	case TSIG_BADKEY:
		snprintf(buf, len,
		         "BADKEY: authd does not know key %s (a key rotated "
		         "on one side only?)",
		         k);
		break;
	case TSIG_BADSIG:
		snprintf(buf, len,
		         "BADSIG: authd's secret for key %s is not ours (a key "
		         "rotated on one side only?)",
		         k);
		break;
	case TSIG_BADTIME: {
		/* The server's clock: six bytes of other data (5.2.3). */
		const ldns_rdf *o = ldns_rr_rdf(t, 6);
		uint64_t server = 0;
		if (ldns_rdf_size(o) >= 8)
			server = rd48(ldns_rdf_data(o) + 2);
		int64_t skew = (int64_t)server - (int64_t)time(NULL);
		snprintf(buf, len,
		         "BADTIME: authd's clock is %lld s %s ours (server "
		         "time %llu): check NTP on both hosts",
		         (long long)(skew < 0 ? -skew : skew),
		         skew < 0 ? "behind" : "ahead of",
		         (unsigned long long)server);
		break;
	}
	case 0:
		break;
	default:
		snprintf(buf, len, "TSIG error %d with key %s", err, k);
		break;
	}
	free(key);
	return err;
}
