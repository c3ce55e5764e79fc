/*
 * server.c - authd's sockets and event loops (libevent).
 *
 * UDP: a readable socket is drained with recvmmsg() in batches, every
 * query answered in place, and the answers sent back with one sendmmsg()
 * per batch, which keeps the system calls per query well below one.
 * Sockets bound to a wildcard address use IP_PKTINFO / IPV6_PKTINFO so the
 * answer leaves from the address the query was sent to.
 *
 * TCP (RFC 7766): each connection may carry many queries, answered in
 * order; an idle connection is closed after tcp-idle-timeout seconds; at
 * tcp-max-clients open connections a worker stops accepting until one
 * closes, so the kernel's backlog holds the rest.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "answer.h"
#include "log.h"
#include "metrics.h"
#include "update.h"
#include "updater.h"
#include "wire.h"
#include "xfr.h"
#include "notify.h"
#include "xfrout.h"
#include "sdnotify.h"
#include "server.h"
#include "xalloc.h"

#define UDP_BATCH   64
#define UDP_BUF     4096
#define UDP_ROUNDS  16 /* batches per wakeup before yielding to the loop */
#define CTRL_LEN    64
#define TCP_OUT_MAX (256 * 1024) /* stop reading above this backlog */

struct udp_sock {
	struct worker *w;
	int fd;
	bool pktinfo;
	int family;
	struct event *ev;
};

struct worker {
	struct server *srv;
	int id;
	struct event_base *base;
	pthread_t thread;
	bool own_thread;
	struct udp_sock *udp;
	struct query_counters qc;
	size_t nudp;
	struct evconnlistener **tcp;
	size_t ntcp;
	int nconns;
	bool accepting;
	struct conn *conns; /* open TCP connections */
	uint64_t next_conn_id;
	uint64_t rng; /* weighted answers' random state (getrandom) */

	/* Answers from the updater thread for TCP connections. */
	pthread_mutex_t mail_lock;
	struct mail *mail;
	struct event *mail_ev;

	/* UDP batch state. */
	struct mmsghdr in[UDP_BATCH], out[UDP_BATCH];
	struct iovec in_iov[UDP_BATCH], out_iov[UDP_BATCH];
	struct sockaddr_storage peer[UDP_BATCH];
	uint8_t ctrl_in[UDP_BATCH][CTRL_LEN], ctrl_out[UDP_BATCH][CTRL_LEN];
	uint8_t (*inbuf)[UDP_BUF];
	uint8_t (*outbuf)[UDP_BUF];
	uint8_t *tcp_scratch; /* one response, DNS_MAX_MSG bytes */
};

/* An UPDATE answer (or a transfer) waiting for its TCP connection. */
struct mail {
	struct mail *next;
	uint64_t conn_id;
	bool framed; /* messages already framed with their lengths */
	size_t len;
	uint8_t msg[];
};

/* Where the answer to a UDP UPDATE goes. */
struct udp_reply {
	int fd;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	uint8_t ctrl[CTRL_LEN];
	size_t ctrllen;
};

/* Where the answer to a TCP UPDATE goes. */
struct tcp_reply {
	struct worker *w;
	uint64_t conn_id;
};

struct server {
	struct server_config cfg;
	struct updater *updater;
	struct xfrout *xfr;
	struct listen_addr *addrs;
	struct worker *workers;
	pthread_mutex_t zlock;
	struct zoneset *zones;
	server_reload_fn reload;
	void *reload_arg;
	struct event *ev_term, *ev_int, *ev_hup, *ev_watchdog;
	struct evhttp *http; /* /metrics and /healthz, when configured */
	struct failover_watch *failover; /* for /metrics, or NULL */
	/* NOTIFY: its sockets, their reads, the retry timer, the wake-up. */
	struct notify *notify;
	int notify_fd[2]; /* IPv4, IPv6; -1 when the host lacks one */
	struct event *ev_notify_read[2], *ev_notify_timer, *ev_notify_wake;
};

struct conn {
	struct worker *w;
	struct conn *prev, *next;
	uint64_t id;
	int fd;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	struct event *ev;
	bool writing;
	uint8_t *in;
	size_t inlen, incap;
	uint8_t *out;
	size_t outlen, outoff, outcap;
};

static struct zoneset *zones_acquire(struct server *srv)
{
	pthread_mutex_lock(&srv->zlock);
	struct zoneset *zs = zoneset_ref(srv->zones);
	pthread_mutex_unlock(&srv->zlock);
	return zs;
}

struct zoneset *server_zones(struct server *srv)
{
	return zones_acquire(srv);
}

void server_set_updater(struct server *srv, struct updater *u)
{
	srv->updater = u;
}

void server_set_xfrout(struct server *srv, struct xfrout *x)
{
	srv->xfr = x;
}

/* ---- NOTIFY ---- */

static int notify_send(void *arg, const struct sockaddr_storage *to,
                       socklen_t tolen, const uint8_t *msg, size_t len)
{
	struct server *srv = arg;
	int fd = srv->notify_fd[to->ss_family == AF_INET6 ? 1 : 0];
	if (fd < 0)
		return EAFNOSUPPORT;
	if (sendto(fd, msg, len, MSG_DONTWAIT, (const struct sockaddr *)to,
	           tolen) < 0)
		return errno;
	return 0;
}

/* Send what is due and set the timer for the next retry. */
static void notify_tick(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	(void)fd;
	(void)what;
	int ms = notify_run(srv->notify, notify_send, srv);
	if (ms >= 0) {
		struct timeval tv = {ms / 1000,
		                     (suseconds_t)(ms % 1000) * 1000};
		event_add(srv->ev_notify_timer, &tv);
	}
}

static void notify_read(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	(void)what;
	uint8_t buf[2048];
	for (;;) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		memset(&from, 0, sizeof(from));
		ssize_t r = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
		                     (struct sockaddr *)&from, &fl);
		if (r < 0)
			return;
		notify_answer(srv->notify, &from, fl, buf, (size_t)r);
	}
}

/* From any thread: make the main loop run notify_tick() now. */
static void notify_wake(void *arg)
{
	struct server *srv = arg;
	event_active(srv->ev_notify_wake, 0, 0);
}

dp_status server_set_notify(struct server *srv, struct notify *n, char *err,
                            size_t errlen)
{
	struct event_base *base = srv->workers[0].base;
	static const int families[2] = {AF_INET, AF_INET6};
	for (int i = 0; i < 2; i++) {
		/* A family the host lacks leaves its socket at -1; a target
		 * of that family gets a warning when it is sent to. */
		srv->notify_fd[i] =
		        socket(families[i],
		               SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (srv->notify_fd[i] < 0)
			continue;
		srv->ev_notify_read[i] =
		        event_new(base, srv->notify_fd[i], EV_READ | EV_PERSIST,
		                  notify_read, srv);
		event_add(srv->ev_notify_read[i], NULL);
	}
	if (srv->notify_fd[0] < 0 && srv->notify_fd[1] < 0) {
		snprintf(err, errlen, "notify: no UDP socket: %s",
		         strerror(errno));
		return DP_EIO;
	}
	srv->ev_notify_timer = evtimer_new(base, notify_tick, srv);
	srv->ev_notify_wake = event_new(base, -1, 0, notify_tick, srv);
	srv->notify = n;
	notify_set_wake(n, notify_wake, srv);
	return DP_OK;
}

void server_set_failover(struct server *srv, struct failover_watch *w)
{
	srv->failover = w;
}

void server_set_zones(struct server *srv, struct zoneset *zones)
{
	pthread_mutex_lock(&srv->zlock);
	struct zoneset *old = srv->zones;
	srv->zones = zones;
	pthread_mutex_unlock(&srv->zlock);
	zoneset_unref(old);
}

/* Is @msg a request (not a response) with opcode UPDATE? */
/* ---- UDP ---- */

static void udp_update_reply(void *arg, const uint8_t *resp, size_t len)
{
	struct udp_reply *r = arg;
	if (resp != NULL) {
		struct iovec iov = {(void *)resp, len};
		struct msghdr m = {.msg_name = &r->peer,
		                   .msg_namelen = r->peerlen,
		                   .msg_iov = &iov,
		                   .msg_iovlen = 1,
		                   .msg_control = r->ctrllen ? r->ctrl : NULL,
		                   .msg_controllen = r->ctrllen};
		sendmsg(r->fd, &m, MSG_DONTWAIT);
	}
	free(r);
}

/* Turn the destination of a query into the source of its answer. */
static size_t reply_control(const struct msghdr *in, uint8_t *out)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(in); c != NULL;
	     c = CMSG_NXTHDR((struct msghdr *)in, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			pi.ipi_spec_dst = pi.ipi_addr;
			pi.ipi_ifindex = 0;
			struct cmsghdr *o = (struct cmsghdr *)out;
			o->cmsg_level = IPPROTO_IP;
			o->cmsg_type = IP_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(o), &pi, sizeof(pi));
			return CMSG_SPACE(sizeof(pi));
		}
		if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO) {
			struct cmsghdr *o = (struct cmsghdr *)out;
			o->cmsg_level = IPPROTO_IPV6;
			o->cmsg_type = IPV6_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
			memcpy(CMSG_DATA(o), CMSG_DATA(c),
			       sizeof(struct in6_pktinfo));
			return CMSG_SPACE(sizeof(struct in6_pktinfo));
		}
	}
	return 0;
}

static void udp_read(evutil_socket_t fd, short what, void *arg)
{
	struct udp_sock *us = arg;
	struct worker *w = us->w;
	struct server *srv = w->srv;
	(void)what;
	struct answer_opts opts = {
	        .tcp = false,
	        .max_udp_payload = (uint16_t)srv->cfg.max_udp_payload,
	        .minimal_responses = srv->cfg.minimal_responses,
	        .updates = srv->updater != NULL,
	        .transfers = srv->xfr != NULL,
	        .weighted_answers = (unsigned)srv->cfg.weighted_answers,
	        .rng = &w->rng,
	};
	struct zoneset *zs = zones_acquire(srv);

	for (int round = 0; round < UDP_ROUNDS; round++) {
		for (int i = 0; i < UDP_BATCH; i++) {
			struct msghdr *m = &w->in[i].msg_hdr;
			w->in_iov[i].iov_base = w->inbuf[i];
			w->in_iov[i].iov_len = UDP_BUF;
			m->msg_name = &w->peer[i];
			m->msg_namelen = sizeof(w->peer[i]);
			m->msg_iov = &w->in_iov[i];
			m->msg_iovlen = 1;
			m->msg_control = us->pktinfo ? w->ctrl_in[i] : NULL;
			m->msg_controllen = us->pktinfo ? CTRL_LEN : 0;
			m->msg_flags = 0;
		}
		int n = recvmmsg(fd, w->in, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				log_warning("udp receive: %s", strerror(errno));
			break;
		}
		int nout = 0;
		for (int i = 0; i < n; i++) {
			struct msghdr *m = &w->in[i].msg_hdr;
			if (m->msg_flags & MSG_TRUNC)
				continue; /* larger than any query we take */
			size_t outlen;
			int rcode;
			enum answer_route route = answer_message(
			        zs, w->inbuf[i], w->in[i].msg_len, &opts,
			        w->outbuf[i], &outlen, &rcode);
			if (route == ANSWER_DROP) {
				metrics_count(&w->qc.dropped);
				continue;
			}
			if (route != ANSWER_DONE) {
				struct udp_reply *r = xcalloc(1, sizeof(*r));
				r->fd = fd;
				memcpy(&r->peer, &w->peer[i], m->msg_namelen);
				r->peerlen = m->msg_namelen;
				if (us->pktinfo)
					r->ctrllen = reply_control(m, r->ctrl);
				if (route == ANSWER_TO_TRANSFER)
					xfrout_submit(
					        srv->xfr, w->inbuf[i],
					        w->in[i].msg_len,
					        (struct sockaddr *)&w->peer[i],
					        m->msg_namelen, false,
					        udp_update_reply, r);
				else
					updater_submit(srv->updater,
					               w->inbuf[i],
					               w->in[i].msg_len, false,
					               udp_update_reply, r);
				continue;
			}
			metrics_count(
			        &w->qc.udp[rcode < METRICS_RCODES ? rcode : 0]);
			if (rcode == DNS_RCODE_SERVFAIL) /* only Not Ready */
				metrics_count(&w->qc.not_ready);
			struct msghdr *o = &w->out[nout].msg_hdr;
			w->out_iov[nout].iov_base = w->outbuf[i];
			w->out_iov[nout].iov_len = outlen;
			o->msg_name = &w->peer[i];
			o->msg_namelen = m->msg_namelen;
			o->msg_iov = &w->out_iov[nout];
			o->msg_iovlen = 1;
			o->msg_control = NULL;
			o->msg_controllen = 0;
			o->msg_flags = 0;
			if (us->pktinfo) {
				size_t cl = reply_control(m, w->ctrl_out[nout]);
				if (cl > 0) {
					o->msg_control = w->ctrl_out[nout];
					o->msg_controllen = cl;
				}
			}
			nout++;
		}
		int sent = 0;
		while (sent < nout) {
			int s = sendmmsg(fd, w->out + sent,
			                 (unsigned)(nout - sent), MSG_DONTWAIT);
			if (s < 0) {
				if (errno == EINTR)
					continue;
				/* A full send buffer or an unreachable peer:
				 * skip that answer, as UDP allows. */
				sent++;
				continue;
			}
			sent += s;
		}
		if (n < UDP_BATCH)
			break;
	}
	zoneset_unref(zs);
}

static void set_buffer(int fd, int opt_force, int opt, int size)
{
	if (setsockopt(fd, SOL_SOCKET, opt_force, &size, sizeof(size)) == 0)
		return;
	setsockopt(fd, SOL_SOCKET, opt, &size, sizeof(size));
}

static bool is_wildcard(const struct listen_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr ==
		       htonl(INADDR_ANY);
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->ss;
	return IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr);
}

static int open_socket(const struct listen_addr *a, int type, bool reuseport,
                       char *err, size_t errlen)
{
	int fd =
	        socket(a->ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "%s: socket: %s", a->text,
		         strerror(errno));
		return -1;
	}
	int on = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (reuseport)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
	if (a->ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0) {
		snprintf(err, errlen, "%s: cannot bind %s: %s", a->text,
		         type == SOCK_DGRAM ? "UDP" : "TCP", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- TCP ---- */

static void conn_free(struct conn *c)
{
	struct worker *w = c->w;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	event_free(c->ev);
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
	w->nconns--;
	if (!w->accepting && w->nconns < w->srv->cfg.tcp_max_clients) {
		for (size_t i = 0; i < w->ntcp; i++)
			evconnlistener_enable(w->tcp[i]);
		w->accepting = true;
	}
}

static void conn_event(evutil_socket_t fd, short what, void *arg);

/* Wait for @what (EV_READ or EV_WRITE) with the idle timeout. */
static void conn_wait(struct conn *c, short what)
{
	struct timeval tv = {c->w->srv->cfg.tcp_idle_timeout, 0};
	event_del(c->ev);
	event_assign(c->ev, c->w->base, c->fd, what | EV_PERSIST, conn_event,
	             c);
	event_add(c->ev, &tv);
	c->writing = what == EV_WRITE;
}

/* Append one response, framed unless @framed says it is already. */
static void conn_queue_bytes(struct conn *c, const uint8_t *msg, size_t len,
                             bool framed)
{
	size_t hdr = framed ? 0 : 2;
	if (c->outlen + len + hdr > c->outcap) {
		c->outcap = (c->outlen + len + hdr) * 2;
		c->out = xrealloc(c->out, c->outcap);
	}
	if (!framed) {
		c->out[c->outlen] = (uint8_t)(len >> 8);
		c->out[c->outlen + 1] = (uint8_t)len;
	}
	memcpy(c->out + c->outlen + hdr, msg, len);
	c->outlen += len + hdr;
}

static void conn_queue(struct conn *c, const uint8_t *msg, size_t len)
{
	conn_queue_bytes(c, msg, len, false);
}

/* Post an answer from another thread to the connection's worker. */
static void post_mail(struct tcp_reply *r, const uint8_t *resp, size_t len,
                      bool framed)
{
	if (resp != NULL) {
		struct mail *m = xmalloc(sizeof(*m) + len);
		m->conn_id = r->conn_id;
		m->framed = framed;
		m->len = len;
		memcpy(m->msg, resp, len);
		pthread_mutex_lock(&r->w->mail_lock);
		m->next = r->w->mail;
		r->w->mail = m;
		pthread_mutex_unlock(&r->w->mail_lock);
		event_active(r->w->mail_ev, EV_READ, 0);
	}
	free(r);
}

static void tcp_update_reply(void *arg, const uint8_t *resp, size_t len)
{
	post_mail(arg, resp, len, false);
}

static void tcp_xfr_reply(void *arg, const uint8_t *framed, size_t len)
{
	post_mail(arg, framed, len, true);
}

/* Answer every complete message in the input buffer. */
static void conn_process(struct conn *c)
{
	struct worker *w = c->w;
	struct answer_opts opts = {
	        .tcp = true,
	        .max_udp_payload = (uint16_t)w->srv->cfg.max_udp_payload,
	        .minimal_responses = w->srv->cfg.minimal_responses,
	        .updates = w->srv->updater != NULL,
	        .transfers = w->srv->xfr != NULL,
	        .weighted_answers = (unsigned)w->srv->cfg.weighted_answers,
	        .rng = &w->rng,
	};
	struct zoneset *zs = NULL;
	size_t off = 0;
	while (c->inlen - off >= 2 && c->outlen < TCP_OUT_MAX) {
		size_t len = rd16(c->in + off);
		if (c->inlen - off < 2 + len)
			break;
		if (zs == NULL)
			zs = zones_acquire(w->srv);
		size_t outlen;
		int rcode;
		const uint8_t *msg = c->in + off + 2;
		enum answer_route route = answer_message(
		        zs, msg, len, &opts, w->tcp_scratch, &outlen, &rcode);
		if (route == ANSWER_TO_TRANSFER || route == ANSWER_TO_UPDATER) {
			struct tcp_reply *r = xmalloc(sizeof(*r));
			r->w = w;
			r->conn_id = c->id;
			if (route == ANSWER_TO_TRANSFER)
				xfrout_submit(w->srv->xfr, msg, len,
				              (struct sockaddr *)&c->peer,
				              c->peerlen, true, tcp_xfr_reply,
				              r);
			else
				updater_submit(w->srv->updater, msg, len, true,
				               tcp_update_reply, r);
		} else if (route == ANSWER_DONE) {
			conn_queue(c, w->tcp_scratch, outlen);
			metrics_count(
			        &w->qc.tcp[rcode < METRICS_RCODES ? rcode : 0]);
			if (rcode == DNS_RCODE_SERVFAIL) /* only Not Ready */
				metrics_count(&w->qc.not_ready);
		} else {
			metrics_count(&w->qc.dropped);
		}
		off += 2 + len;
	}
	if (zs != NULL)
		zoneset_unref(zs);
	memmove(c->in, c->in + off, c->inlen - off);
	c->inlen -= off;
	/* Make room for the whole of the next message. */
	if (c->inlen >= 2) {
		size_t need = 2 + (size_t)rd16(c->in);
		if (need > c->incap) {
			c->incap = need;
			c->in = xrealloc(c->in, c->incap);
		}
	}
}

/* Write what is pending; returns -1 when the connection is dead. */
static int conn_flush(struct conn *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff,
		                 c->outlen - c->outoff, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		c->outoff += (size_t)n;
	}
	c->outoff = c->outlen = 0;
	return 0;
}

static void conn_event(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	if (what & EV_TIMEOUT) {
		conn_free(c);
		return;
	}
	if (what & EV_READ) {
		ssize_t n = recv(fd, c->in + c->inlen, c->incap - c->inlen, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN &&
		               errno != EWOULDBLOCK && errno != EINTR)) {
			conn_free(c);
			return;
		}
		if (n > 0) {
			c->inlen += (size_t)n;
			conn_process(c);
		}
	}
	if (conn_flush(c) != 0) {
		conn_free(c);
		return;
	}
	if (c->outoff < c->outlen) {
		if (!c->writing)
			conn_wait(c, EV_WRITE);
		return;
	}
	/* All written: answer what was held back, then read again. */
	if (c->writing) {
		conn_process(c);
		if (conn_flush(c) != 0) {
			conn_free(c);
			return;
		}
		if (c->outoff >= c->outlen)
			conn_wait(c, EV_READ);
	}
}

/* Deliver the updater's answers to their connections (worker thread). */
static void mail_deliver(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	(void)fd;
	(void)what;
	pthread_mutex_lock(&w->mail_lock);
	struct mail *m = w->mail;
	w->mail = NULL;
	pthread_mutex_unlock(&w->mail_lock);
	/* The list is newest first; answer in arrival order. */
	struct mail *rev = NULL;
	while (m != NULL) {
		struct mail *next = m->next;
		m->next = rev;
		rev = m;
		m = next;
	}
	for (m = rev; m != NULL;) {
		struct conn *c = w->conns;
		while (c != NULL && c->id != m->conn_id)
			c = c->next;
		if (c != NULL) {
			conn_queue_bytes(c, m->msg, m->len, m->framed);
			if (conn_flush(c) != 0)
				conn_free(c);
			else if (c->outoff < c->outlen && !c->writing)
				conn_wait(c, EV_WRITE);
		}
		struct mail *next = m->next;
		free(m);
		m = next;
	}
}

static void tcp_accept(struct evconnlistener *l, evutil_socket_t fd,
                       struct sockaddr *sa, int salen, void *arg)
{
	struct worker *w = arg;
	(void)l;
	int on = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	struct conn *c = xcalloc(1, sizeof(*c));
	c->w = w;
	c->fd = fd;
	if (salen > 0 && (size_t)salen <= sizeof(c->peer)) {
		memcpy(&c->peer, sa, (size_t)salen);
		c->peerlen = (socklen_t)salen;
	}
	c->incap = 2 + 512;
	c->in = xmalloc(c->incap);
	c->ev = event_new(w->base, fd, EV_READ | EV_PERSIST, conn_event, c);
	c->id = ++w->next_conn_id;
	c->next = w->conns;
	if (w->conns != NULL)
		w->conns->prev = c;
	w->conns = c;
	w->nconns++;
	conn_wait(c, EV_READ);
	if (w->nconns >= w->srv->cfg.tcp_max_clients && w->accepting) {
		for (size_t i = 0; i < w->ntcp; i++)
			evconnlistener_disable(w->tcp[i]);
		w->accepting = false;
		log_notice("worker %d: %d TCP connections open, pausing "
		           "accept",
		           w->id, w->nconns);
	}
}

static void tcp_error(struct evconnlistener *l, void *arg)
{
	struct worker *w = arg;
	(void)l;
	log_warning("worker %d: accept: %s", w->id, strerror(errno));
}

/* ---- workers and signals ---- */

static dp_status worker_init(struct server *srv, struct worker *w, int id,
                             struct event_base *base, char *err, size_t errlen)
{
	const struct server_config *cfg = &srv->cfg;
	bool reuseport = cfg->workers > 1;
	w->srv = srv;
	w->id = id;
	w->base = base;
	w->accepting = true;
	w->inbuf = xmalloc(sizeof(*w->inbuf) * UDP_BATCH);
	w->outbuf = xmalloc(sizeof(*w->outbuf) * UDP_BATCH);
	w->tcp_scratch = xmalloc(DNS_MAX_MSG);
	/* Without entropy the draws are still spread, only predictable. */
	if (getrandom(&w->rng, sizeof(w->rng), 0) != sizeof(w->rng))
		w->rng = (uint64_t)id + 1;
	pthread_mutex_init(&w->mail_lock, NULL);
	w->mail_ev = event_new(base, -1, 0, mail_deliver, w);
	w->udp = xcalloc(cfg->naddrs, sizeof(*w->udp));
	w->tcp = xcalloc(cfg->naddrs, sizeof(*w->tcp));
	for (size_t i = 0; i < cfg->naddrs; i++) {
		const struct listen_addr *a = &srv->addrs[i];
		int fd = open_socket(a, SOCK_DGRAM, reuseport, err, errlen);
		if (fd < 0)
			return DP_EIO;
		struct udp_sock *us = &w->udp[w->nudp++];
		us->w = w;
		us->fd = fd;
		us->family = a->ss.ss_family;
		set_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, cfg->socket_buffer);
		set_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, cfg->socket_buffer);
		if (is_wildcard(a)) {
			int on = 1;
			us->pktinfo = true;
			if (us->family == AF_INET)
				setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on,
				           sizeof(on));
			else
				setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO,
				           &on, sizeof(on));
		}
		us->ev =
		        event_new(base, fd, EV_READ | EV_PERSIST, udp_read, us);
		event_add(us->ev, NULL);

		fd = open_socket(a, SOCK_STREAM, reuseport, err, errlen);
		if (fd < 0)
			return DP_EIO;
		w->tcp[w->ntcp] = evconnlistener_new(
		        base, tcp_accept, w, LEV_OPT_CLOSE_ON_FREE, -1, fd);
		if (w->tcp[w->ntcp] == NULL) {
			snprintf(err, errlen, "%s: cannot listen on TCP: %s",
			         a->text, strerror(errno));
			close(fd);
			return DP_EIO;
		}
		evconnlistener_set_error_cb(w->tcp[w->ntcp], tcp_error);
		w->ntcp++;
	}
	if (id == 0 && cfg->naddrs > 0) {
		int got = 0;
		socklen_t gl = sizeof(got);
		getsockopt(w->udp[0].fd, SOL_SOCKET, SO_RCVBUF, &got, &gl);
		if (got < cfg->socket_buffer)
			log_warning("UDP receive buffer is %d bytes, below the "
			            "%d asked for (raise net.core.rmem_max or "
			            "run with CAP_NET_ADMIN)",
			            got / 2, cfg->socket_buffer);
	}
	return DP_OK;
}

static void worker_free(struct worker *w)
{
	w->accepting = true; /* no re-enabling while closing */
	while (w->conns != NULL)
		conn_free(w->conns);
	for (size_t i = 0; i < w->nudp; i++) {
		event_free(w->udp[i].ev);
		close(w->udp[i].fd);
	}
	for (size_t i = 0; i < w->ntcp; i++)
		evconnlistener_free(w->tcp[i]);
	free(w->udp);
	free(w->tcp);
	free(w->inbuf);
	free(w->outbuf);
	free(w->tcp_scratch);
	while (w->mail != NULL) {
		struct mail *m = w->mail;
		w->mail = m->next;
		free(m);
	}
	if (w->mail_ev != NULL) {
		event_free(w->mail_ev);
		pthread_mutex_destroy(&w->mail_lock);
	}
	if (w->base != NULL)
		event_base_free(w->base);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	/* Signals are the main thread's business. */
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	event_base_dispatch(w->base);
	return NULL;
}

static void on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;
	(void)what;
	log_notice("%s received, stopping",
	           sig == SIGTERM ? "SIGTERM" : "SIGINT");
	sdnotify_stopping();
	for (int i = 0; i < srv->cfg.workers; i++)
		event_base_loopbreak(srv->workers[i].base);
}

static void on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;
	(void)sig;
	(void)what;
	if (srv->reload != NULL)
		srv->reload(srv, srv->reload_arg);
}

static void on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	sdnotify_watchdog();
}

/* /metrics: the Prometheus text of every counter. */
static void http_metrics(struct evhttp_request *req, void *arg)
{
	struct server *srv = arg;
	struct query_counters sum;
	memset(&sum, 0, sizeof(sum));
	for (int i = 0; i < srv->cfg.workers; i++)
		metrics_add(&sum, &srv->workers[i].qc);
	struct updater_stats us;
	if (srv->updater != NULL)
		updater_stats(srv->updater, &us);
	struct zoneset *zs = zones_acquire(srv);
	size_t len;
	char *text = metrics_render(&sum, srv->updater ? &us : NULL, zs,
	                            srv->failover, &len);
	zoneset_unref(zs);
	struct evbuffer *b = evbuffer_new();
	evbuffer_add(b, text, len);
	free(text);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	                  "Content-Type", "text/plain; version=0.0.4");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/* /healthz: 200 while zones are served. */
static void http_healthz(struct evhttp_request *req, void *arg)
{
	struct server *srv = arg;
	struct zoneset *zs = zones_acquire(srv);
	bool ok = zoneset_count(zs) > 0;
	zoneset_unref(zs);
	struct evbuffer *b = evbuffer_new();
	evbuffer_add_printf(b, ok ? "ok\n" : "no zones\n");
	evhttp_send_reply(req, ok ? HTTP_OK : HTTP_SERVUNAVAIL,
	                  ok ? "OK" : "Service Unavailable", b);
	evbuffer_free(b);
}

static dp_status http_start(struct server *srv, struct event_base *base,
                            char *err, size_t errlen)
{
	const struct listen_addr *a = srv->cfg.metrics;
	char host[64];
	if (a->ss.ss_family == AF_INET)
		inet_ntop(AF_INET,
		          &((const struct sockaddr_in *)&a->ss)->sin_addr, host,
		          sizeof(host));
	else
		inet_ntop(AF_INET6,
		          &((const struct sockaddr_in6 *)&a->ss)->sin6_addr,
		          host, sizeof(host));
	uint16_t port = ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	srv->http = evhttp_new(base);
	if (srv->http == NULL ||
	    evhttp_bind_socket_with_handle(srv->http, host, port) == NULL) {
		snprintf(err, errlen, "metrics %s: cannot listen: %s", a->text,
		         strerror(errno));
		return DP_EIO;
	}
	evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_cb(srv->http, "/metrics", http_metrics, srv);
	evhttp_set_cb(srv->http, "/healthz", http_healthz, srv);
	return DP_OK;
}

/* Make libevent thread safe, so loopbreak works across workers. */
static void use_pthreads(void)
{
	evthread_use_pthreads();
}

dp_status server_new(const struct server_config *cfg, struct zoneset *zones,
                     server_reload_fn reload, void *reload_arg,
                     struct server **out, char *err, size_t errlen)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, use_pthreads);

	struct server *srv = xcalloc(1, sizeof(*srv));
	srv->cfg = *cfg;
	srv->addrs =
	        xcalloc(cfg->naddrs ? cfg->naddrs : 1, sizeof(*srv->addrs));
	memcpy(srv->addrs, cfg->addrs, cfg->naddrs * sizeof(*srv->addrs));
	srv->cfg.addrs = srv->addrs;
	pthread_mutex_init(&srv->zlock, NULL);
	srv->zones = zones;
	srv->reload = reload;
	srv->reload_arg = reload_arg;
	srv->workers = xcalloc((size_t)cfg->workers, sizeof(*srv->workers));
	srv->notify_fd[0] = srv->notify_fd[1] = -1;
	dp_status rc = DP_OK;
	for (int i = 0; i < cfg->workers; i++) {
		struct event_base *base = event_base_new();
		if (base == NULL) {
			snprintf(err, errlen, "cannot create an event base");
			rc = DP_ENOMEM;
			break;
		}
		rc = worker_init(srv, &srv->workers[i], i, base, err, errlen);
		if (rc != DP_OK)
			break;
	}
	if (rc != DP_OK) {
		server_free(srv);
		return rc;
	}
	struct event_base *main_base = srv->workers[0].base;
	srv->ev_term = evsignal_new(main_base, SIGTERM, on_stop, srv);
	srv->ev_int = evsignal_new(main_base, SIGINT, on_stop, srv);
	srv->ev_hup = evsignal_new(main_base, SIGHUP, on_hup, srv);
	event_add(srv->ev_term, NULL);
	event_add(srv->ev_int, NULL);
	event_add(srv->ev_hup, NULL);
	if (cfg->metrics != NULL &&
	    (rc = http_start(srv, main_base, err, errlen)) != DP_OK) {
		server_free(srv);
		return rc;
	}
	*out = srv;
	return DP_OK;
}

dp_status server_run(struct server *srv)
{
	uint64_t wd = sdnotify_watchdog_usec();
	if (wd > 0) {
		struct timeval tv = {(time_t)(wd / 2000000),
		                     (suseconds_t)(wd / 2 % 1000000)};
		srv->ev_watchdog = event_new(srv->workers[0].base, -1,
		                             EV_PERSIST, on_watchdog, NULL);
		event_add(srv->ev_watchdog, &tv);
	}
	for (int i = 1; i < srv->cfg.workers; i++) {
		struct worker *w = &srv->workers[i];
		if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			log_err("cannot start worker %d", i);
			for (int j = 1; j < i; j++) {
				event_base_loopbreak(srv->workers[j].base);
				pthread_join(srv->workers[j].thread, NULL);
				srv->workers[j].own_thread = false;
			}
			return DP_EIO;
		}
		w->own_thread = true;
	}
	event_base_dispatch(srv->workers[0].base);
	for (int i = 1; i < srv->cfg.workers; i++) {
		if (srv->workers[i].own_thread) {
			pthread_join(srv->workers[i].thread, NULL);
			srv->workers[i].own_thread = false;
		}
	}
	return DP_OK;
}

void server_free(struct server *srv)
{
	if (srv == NULL)
		return;
	if (srv->ev_term != NULL)
		event_free(srv->ev_term);
	if (srv->ev_int != NULL)
		event_free(srv->ev_int);
	if (srv->ev_hup != NULL)
		event_free(srv->ev_hup);
	if (srv->ev_watchdog != NULL)
		event_free(srv->ev_watchdog);
	if (srv->http != NULL)
		evhttp_free(srv->http);
	if (srv->notify != NULL)
		notify_set_wake(srv->notify, NULL, NULL);
	struct event *nev[] = {srv->ev_notify_read[0], srv->ev_notify_read[1],
	                       srv->ev_notify_timer, srv->ev_notify_wake};
	for (size_t i = 0; i < sizeof(nev) / sizeof(nev[0]); i++) {
		if (nev[i] != NULL)
			event_free(nev[i]);
	}
	for (int i = 0; i < 2; i++) {
		if (srv->notify_fd[i] >= 0)
			close(srv->notify_fd[i]);
	}
	for (int i = 0; i < srv->cfg.workers; i++)
		worker_free(&srv->workers[i]);
	free(srv->workers);
	free(srv->addrs);
	zoneset_unref(srv->zones);
	pthread_mutex_destroy(&srv->zlock);
	free(srv);
}
