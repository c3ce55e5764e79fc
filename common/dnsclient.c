/*
 * dnsclient.c - a blocking DNS-over-TCP client with TSIG.
 */
#include <arpa/inet.h>
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

#include "dnsclient.h"
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

static int parse_server(const char *s, struct sockaddr_storage *ss,
                        socklen_t *len)
{
	char host[128];
	const char *port;
	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *e = strchr(s, ']');
		if (e == NULL || e[1] != ':' || (size_t)(e - s) >= sizeof(host))
			return -1;
		memcpy(host, s + 1, (size_t)(e - s - 1));
		host[e - s - 1] = '\0';
		port = e + 2;
	} else {
		const char *c = strrchr(s, ':');
		if (c == NULL || (size_t)(c - s) >= sizeof(host))
			return -1;
		memcpy(host, s, (size_t)(c - s));
		host[c - s] = '\0';
		port = c + 1;
	}
	int p = atoi(port);
	if (p <= 0 || p > 65535)
		return -1;
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)p);
		*len = sizeof(*in);
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*in6);
	} else {
		return -1;
	}
	return 0;
}

dp_status dnsclient_new(const char *server, const struct tsig_key *key,
                        int timeout_ms, struct dnsclient **out, char *err,
                        size_t errlen)
{
	struct dnsclient *c = xcalloc(1, sizeof(*c));
	if (parse_server(server, &c->ss, &c->sslen) != 0) {
		snprintf(err, errlen, "'%s': expected ADDRESS:PORT", server);
		free(c);
		return DP_EINVAL;
	}
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

static int io_all(int fd, uint8_t *p, size_t n, bool wr, int ms)
{
	while (n > 0) {
		if (wait_fd(fd, wr ? POLLOUT : POLLIN, ms) != 0)
			return -1;
		ssize_t r =
		        wr ? send(fd, p, n, MSG_NOSIGNAL) : recv(fd, p, n, 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* One try on the current connection; -1 when it is broken. */
static int try_exchange(struct dnsclient *c, const uint8_t *msg, size_t len,
                        uint8_t **ans, size_t *anslen)
{
	uint8_t hdr[2] = {(uint8_t)(len >> 8), (uint8_t)len};
	if (io_all(c->fd, hdr, 2, true, c->timeout_ms) != 0 ||
	    io_all(c->fd, (uint8_t *)msg, len, true, c->timeout_ms) != 0 ||
	    io_all(c->fd, hdr, 2, false, c->timeout_ms) != 0)
		return -1;
	size_t n = (size_t)(hdr[0] << 8 | hdr[1]);
	uint8_t *buf = xmalloc(n ? n : 1);
	if (io_all(c->fd, buf, n, false, c->timeout_ms) != 0) {
		free(buf);
		return -1;
	}
	*ans = buf;
	*anslen = n;
	return 0;
}

dp_status dnsclient_exchange(struct dnsclient *c, ldns_pkt *q, ldns_pkt **ans,
                             char *err, size_t errlen)
{
	ldns_pkt_set_id(q, (uint16_t)random());
	uint8_t *wire;
	size_t len;
	if (ldns_pkt2wire(&wire, q, &len) != LDNS_STATUS_OK) {
		snprintf(err, errlen, "cannot encode a message");
		return DP_EINVAL;
	}
	uint8_t *msg = xmalloc(len + 512);
	memcpy(msg, wire, len);
	free(wire);
	struct tsig_state st;
	if (c->key != NULL &&
	    tsig_sign_request(c->key, msg, &len, len + 512, time(NULL), 300,
	                      &st) != DP_OK) {
		free(msg);
		snprintf(err, errlen, "cannot sign a message");
		return DP_EIO;
	}
	uint8_t *raw = NULL;
	size_t rawlen = 0;
	int ok = -1;
	for (int attempt = 0; attempt < 2 && ok != 0; attempt++) {
		if (c->fd < 0 && (c->fd = connect_to(c)) < 0)
			break;
		ok = try_exchange(c, msg, len, &raw, &rawlen);
		if (ok != 0) {
			close(c->fd);
			c->fd = -1;
		}
	}
	free(msg);
	if (ok != 0) {
		snprintf(err, errlen, "%s: no answer: %s", c->server,
		         strerror(errno ? errno : ETIMEDOUT));
		return DP_EIO;
	}
	dp_status rc = DP_OK;
	if (c->key != NULL) {
		uint16_t terr = 0;
		dp_status v = tsig_verify_response(&st, raw, rawlen, time(NULL),
		                                   &terr);
		if (v != DP_OK && terr == 0) {
			snprintf(err, errlen, "%s: answer not signed by %s",
			         c->server, c->key->name);
			rc = DP_EINVAL;
		}
	}
	if (rc == DP_OK && ldns_wire2pkt(ans, raw, rawlen) != LDNS_STATUS_OK) {
		snprintf(err, errlen, "%s: unparsable answer", c->server);
		rc = DP_EPARSE;
	}
	free(raw);
	return rc;
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
		size_t ol = (size_t)(d[o + 2] << 8 | d[o + 3]);
		if ((d[o] << 8 | d[o + 1]) == 15 && ol >= 2 &&
		    o + 4 + ol <= n) {
			snprintf(buf, len, "%.*s", (int)(ol - 2),
			         (const char *)d + o + 6);
			return;
		}
		o += 4 + ol;
	}
}
