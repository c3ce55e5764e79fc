/*
 * mgr_main.c - leasemgr, the lease manager (EC2's DropletWorkflow
 * Manager in the cascade): keeps one lease per host of a fleet in
 * leasestore (fleet.h), reaching it as a real client does: the endpoint
 * resolved through a resolver (UDP) and cached for its TTL
 * (resolve.h), a few TCP connections re-used for many requests and
 * replaced when they grow old (each replacement resolving again, from
 * the cache while it lasts).  So when the endpoint stops resolving, the
 * connections age out one by one and the leases lapse; when it resolves
 * again, the fleet's work meets the store all at once.
 *
 * SIGUSR1 is the operator's throttle (fleet_throttle()); SIGTERM and
 * SIGINT stop it.  The timeline (CSV) and /metrics show the fleet's
 * state: leases held, the queue, timeouts, DNS.
 */
#include <arpa/inet.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "fleet.h"
#include "lab.h"
#include "log.h"
#include "netaddr.h"
#include "resolve.h"
#include "sdnotify.h"
#include "settings.h"
#include "uvhttp.h"
#include "xalloc.h"

#define MGR_VERSION "0.1.0"
#define TICK_MS     10
/* After a failed query, ask again no sooner than this. */
#define DNS_RETRY_MS 200

struct mgr;

enum conn_state { CONN_CONNECTING, CONN_OPEN, CONN_DRAINING };

struct mconn {
	uv_tcp_t tcp;
	uv_connect_t creq;
	struct mgr *m;
	enum conn_state state;
	int64_t opened_ms;
	uint32_t outstanding;
	bool closing;
	char buf[8 * LAB_LINE_MAX];
	size_t len;
};

struct mgr {
	struct mgr_settings s;
	uv_loop_t *loop;
	struct fleet *fleet;
	struct netaddr resolver;
	/* DNS */
	uv_udp_t udp;
	struct resolve_cache cache;
	bool dns_pending, dns_ok, dns_seen;
	uint16_t dns_id;
	int64_t dns_sent_ms, dns_next_ms, dns_fail_since_ms;
	uint64_t dns_queries, dns_failures;
	/* the store */
	struct mconn **conns;
	size_t nconns, rr;
	uint64_t conns_opened;
	/* the loop */
	uv_timer_t tick, tl_timer;
	uv_signal_t sigterm, sigint, sigusr1;
	FILE *timeline;
	bool throttled;
	struct uvhttp *http;
};

/* ---- DNS ---- */

static void dns_result(struct mgr *m, const struct resolve_answer *a,
                       int64_t now)
{
	bool ok = a->result == RESOLVE_ADDRS;
	m->dns_pending = false;
	if (!ok) {
		m->dns_failures++;
		m->dns_next_ms = now + DNS_RETRY_MS;
	}
	resolve_cache_put(&m->cache, a, now);
	if (ok && !m->dns_ok && m->dns_seen)
		log_notice("dns: %s resolves again (%zu addresses, TTL %u s) "
		           "after %.1f s",
		           m->s.endpoint, a->naddrs, a->ttl,
		           (double)(now - m->dns_fail_since_ms) / 1000.0);
	else if (ok && !m->dns_seen)
		log_notice("dns: %s: %zu addresses, TTL %u s", m->s.endpoint,
		           a->naddrs, a->ttl);
	else if (!ok && (m->dns_ok || !m->dns_seen)) {
		m->dns_fail_since_ms = now;
		log_warning("dns: %s: %s (kept %u s): no new connection to "
		            "the store",
		            m->s.endpoint, resolve_result_name(a->result),
		            a->ttl);
	}
	m->dns_ok = ok;
	m->dns_seen = true;
}

static void udp_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	static char buf[4096];
	(void)h;
	(void)hint;
	b->base = buf;
	b->len = sizeof(buf);
}

static void udp_recv(uv_udp_t *u, ssize_t n, const uv_buf_t *b,
                     const struct sockaddr *from, unsigned flags)
{
	struct mgr *m = u->data;
	struct resolve_answer a;
	(void)from;
	(void)flags;
	if (n <= 0 || !m->dns_pending)
		return;
	if (resolve_parse(m->s.endpoint, m->dns_id, (uint8_t *)b->base,
	                  (size_t)n, &a) != DP_OK)
		return; /* not the answer we wait for */
	dns_result(m, &a, lab_now_ms());
}

struct udp_send {
	uv_udp_send_t req;
	uint8_t *wire;
};

static void udp_sent(uv_udp_send_t *r, int status)
{
	struct udp_send *s = r->data;
	(void)status;
	free(s->wire);
	free(s);
}

/* Ask the resolver, unless a question is out or it is too soon. */
static void dns_ask(struct mgr *m, int64_t now)
{
	if (m->dns_pending || now < m->dns_next_ms)
		return;
	struct udp_send *s = xcalloc(1, sizeof(*s));
	size_t len;
	m->dns_id = (uint16_t)(rand() & 0xffff);
	if (resolve_query(m->s.endpoint, m->dns_id, &s->wire, &len) != DP_OK) {
		free(s);
		return;
	}
	uv_buf_t b = uv_buf_init((char *)s->wire, (unsigned)len);
	s->req.data = s;
	if (uv_udp_send(&s->req, &m->udp, &b, 1,
	                (struct sockaddr *)&m->resolver.ss, udp_sent) != 0) {
		free(s->wire);
		free(s);
		return;
	}
	m->dns_pending = true;
	m->dns_sent_ms = now;
	m->dns_queries++;
}

static void dns_check_timeout(struct mgr *m, int64_t now)
{
	if (m->dns_pending && now - m->dns_sent_ms >= m->s.dns_timeout_ms) {
		struct resolve_answer a = {.result = RESOLVE_ERROR};
		dns_result(m, &a, now);
	}
}

/* ---- connections to the store ---- */

static void conn_freed(uv_handle_t *h)
{
	free(h->data);
}

static void conn_close(struct mconn *c)
{
	struct mgr *m = c->m;
	if (c->closing)
		return;
	c->closing = true;
	for (size_t i = 0; i < m->nconns; i++) {
		if (m->conns[i] == c) {
			m->conns[i] = m->conns[--m->nconns];
			break;
		}
	}
	uv_close((uv_handle_t *)&c->tcp, conn_freed);
}

static void conn_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct mconn *c = h->data;
	(void)hint;
	b->base = c->buf + c->len;
	b->len = sizeof(c->buf) - c->len;
}

/* One answer line: "ID OK GRANTED", "ID BUSY", "ID LATE", "ID ERR". */
static void conn_answer(struct mconn *c, const char *line)
{
	unsigned long long id;
	char word[8];
	if (sscanf(line, "%llu %7s", &id, word) != 2)
		return;
	if (c->outstanding > 0)
		c->outstanding--;
	fleet_reply(c->m->fleet, id, strcmp(word, "OK") == 0, lab_now_ms());
}

static bool answer_line(void *arg, char *line)
{
	struct mconn *c = arg;
	conn_answer(c, line);
	return true;
}

static void conn_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct mconn *c = s->data;
	(void)b;
	if (n >= 0)
		c->len += (size_t)n;
	if (n < 0 ||
	    lab_lines(c->buf, &c->len, sizeof(c->buf), answer_line, c) != 0)
		conn_close(c);
}

static void conn_connected(uv_connect_t *r, int status)
{
	struct mconn *c = r->data;
	if (c->closing)
		return;
	if (status != 0) {
		log_debug("connect: %s", uv_strerror(status));
		conn_close(c);
		return;
	}
	c->state = CONN_OPEN;
	c->opened_ms = lab_now_ms();
	uv_tcp_nodelay(&c->tcp, 1);
	uv_read_start((uv_stream_t *)&c->tcp, conn_alloc, conn_read);
}

/* A new connection to one of the endpoint's addresses, if it resolves. */
static void conn_open(struct mgr *m, int64_t now)
{
	const struct resolve_answer *a = resolve_cache_get(&m->cache, now);
	if (a == NULL) {
		dns_ask(m, now);
		return;
	}
	if (a->result != RESOLVE_ADDRS)
		return; /* the negative answer holds until its TTL */
	struct sockaddr_in sin = {.sin_family = AF_INET,
	                          .sin_port = htons((uint16_t)m->s.store_port),
	                          .sin_addr = a->addrs[rand() % a->naddrs]};
	struct mconn *c = xcalloc(1, sizeof(*c));
	c->m = m;
	c->state = CONN_CONNECTING;
	c->opened_ms = now;
	uv_tcp_init(m->loop, &c->tcp);
	c->tcp.data = c->creq.data = c;
	m->conns[m->nconns++] = c;
	m->conns_opened++;
	if (uv_tcp_connect(&c->creq, &c->tcp, (struct sockaddr *)&sin,
	                   conn_connected) != 0)
		conn_close(c);
}

/*
 * Keep the pool: connections past their age drain (no new requests) and
 * close once answered (or after an item's timeout); replacements open
 * first, so the pool never empties while the endpoint resolves.
 */
static void conns_keep(struct mgr *m, int64_t now)
{
	size_t live = 0;
	for (size_t i = m->nconns; i-- > 0;) {
		struct mconn *c = m->conns[i];
		int64_t age = now - c->opened_ms;
		if (c->state == CONN_OPEN && age >= m->s.conn_max_age_ms)
			c->state = CONN_DRAINING;
		if (c->state == CONN_CONNECTING && age >= m->s.item_timeout_ms)
			conn_close(c);
		else if (c->state == CONN_DRAINING &&
		         (c->outstanding == 0 ||
		          age >= m->s.conn_max_age_ms + m->s.item_timeout_ms))
			conn_close(c);
		else if (c->state != CONN_DRAINING)
			live++;
	}
	if (live < (size_t)m->s.connections &&
	    m->nconns < 2 * (size_t)m->s.connections)
		conn_open(m, now);
}

/* fleet_io's send: on the next open connection, if there is one. */
static int store_send(void *arg, uint64_t req, enum fleet_op op, uint32_t host,
                      int64_t deadline_ms)
{
	struct mgr *m = arg;
	for (size_t k = 0; k < m->nconns; k++) {
		struct mconn *c = m->conns[(m->rr + k) % m->nconns];
		if (c->state != CONN_OPEN)
			continue;
		m->rr = (m->rr + k + 1) % m->nconns;
		if (lab_write_line((uv_stream_t *)&c->tcp, "%llu %s %u %lld\n",
		                   (unsigned long long)req, fleet_op_name(op),
		                   host, (long long)deadline_ms) != 0) {
			conn_close(c);
			return -1;
		}
		c->outstanding++;
		return 0;
	}
	return -1;
}

/* ---- the loop ---- */

static void on_tick(uv_timer_t *t)
{
	struct mgr *m = t->data;
	int64_t now = lab_now_ms();
	dns_check_timeout(m, now);
	conns_keep(m, now);
	fleet_tick(m->fleet, now);
}

static void on_timeline(uv_timer_t *t)
{
	struct mgr *m = t->data;
	struct fleet_stats st;
	int64_t now = lab_now_ms();
	sdnotify_watchdog();
	if (m->timeline == NULL)
		return;
	fleet_stats(m->fleet, now, &st);
	fprintf(m->timeline,
	        "%lld,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%d,%zu,%d\n",
	        (long long)now, (unsigned long long)st.hosts,
	        (unsigned long long)st.leased,
	        (unsigned long long)(st.queued + st.delayed),
	        (unsigned long long)st.in_flight,
	        (unsigned long long)st.completed,
	        (unsigned long long)st.timeouts,
	        (unsigned long long)st.requests, (unsigned long long)st.wasted,
	        (unsigned long long)st.dropped, m->dns_ok ? 1 : 0, m->nconns,
	        m->throttled ? 1 : 0);
}

static void on_throttle(uv_signal_t *h, int sig)
{
	struct mgr *m = h->data;
	struct fleet_stats st;
	(void)sig;
	fleet_stats(m->fleet, lab_now_ms(), &st);
	log_notice("SIGUSR1: the operator throttles: %llu queued items "
	           "dropped, at most %ld in flight, work admitted while fewer "
	           "than %ld wait or run",
	           (unsigned long long)(st.queued + st.delayed),
	           m->s.throttle_workers, m->s.throttle_queue);
	fleet_throttle(m->fleet, m->s.throttle_workers, m->s.throttle_queue);
	m->throttled = true;
}

static char *metrics_render(void *arg, size_t *len)
{
	struct mgr *m = arg;
	struct fleet_stats st;
	fleet_stats(m->fleet, lab_now_ms(), &st);
	const struct lab_metric mt[] = {
	        {"leasemgr_hosts", "gauge", "Hosts in the fleet.", st.hosts},
	        {"leasemgr_hosts_leased", "gauge",
	         "Hosts holding a valid lease (the goodput).", st.leased},
	        {"leasemgr_queued", "gauge",
	         "Items waiting (queued or for a retry).",
	         st.queued + st.delayed},
	        {"leasemgr_in_flight", "gauge", "Items running.", st.in_flight},
	        {"leasemgr_items_completed_total", "counter",
	         "Items done (a lease renewed or established).", st.completed},
	        {"leasemgr_items_timeouts_total", "counter",
	         "Items that timed out.", st.timeouts},
	        {"leasemgr_items_retries_total", "counter",
	         "Items queued again after a failure.", st.retries},
	        {"leasemgr_items_dropped_total", "counter",
	         "Items dropped: past their deadline, or no retry token.",
	         st.dropped},
	        {"leasemgr_work_shed_total", "counter",
	         "Host work not admitted: the queue was at its limit.",
	         st.shed},
	        {"leasemgr_requests_total", "counter",
	         "Requests sent to the store.", st.requests},
	        {"leasemgr_answers_wasted_total", "counter",
	         "Answers that came after their item timed out.", st.wasted},
	        {"leasemgr_dns_queries_total", "counter",
	         "Questions sent to the resolver.", m->dns_queries},
	        {"leasemgr_dns_failures_total", "counter",
	         "Questions that gave no address.", m->dns_failures},
	        {"leasemgr_dns_resolves", "gauge",
	         "1 when the last answer had addresses.", m->dns_ok},
	        {"leasemgr_connections", "gauge", "Connections to the store.",
	         m->nconns},
	        {"leasemgr_throttled", "gauge",
	         "1 once the operator throttled (SIGUSR1).", m->throttled},
	};
	return lab_metrics_text(mt, sizeof(mt) / sizeof(mt[0]), len);
}

/* The loop's handles, the resolver's socket among them. */
static dp_status mgr_start(struct mgr *m, char *err, size_t errlen)
{
	const char *bad = netaddr_parse(m->s.resolver, 53, &m->resolver);
	if (bad != NULL) {
		snprintf(err, errlen, "resolver %s: %s", m->s.resolver, bad);
		return DP_EINVAL;
	}
	uv_udp_init(m->loop, &m->udp);
	m->udp.data = m;
	struct sockaddr_in any = {.sin_family = AF_INET};
	int rc = uv_udp_bind(&m->udp, (struct sockaddr *)&any, 0);
	if (rc == 0)
		rc = uv_udp_recv_start(&m->udp, udp_alloc, udp_recv);
	if (rc != 0) {
		snprintf(err, errlen, "resolver socket: %s", uv_strerror(rc));
		return DP_EIO;
	}
	struct uvhttp_metrics mt = {metrics_render, lab_healthy, m};
	if (m->s.metrics_listen != NULL &&
	    uvhttp_start_metrics(m->loop, m->s.metrics_listen, &mt, &m->http,
	                         err, errlen) != DP_OK)
		return DP_EIO;
	uv_timer_init(m->loop, &m->tick);
	uv_timer_init(m->loop, &m->tl_timer);
	m->tick.data = m->tl_timer.data = m;
	uv_timer_start(&m->tick, on_tick, 0, TICK_MS);
	/* The timeline's timer feeds the watchdog too. */
	uv_timer_start(&m->tl_timer, on_timeline, 0,
	               (uint64_t)m->s.timeline_ms);
	lab_stop_signals(m->loop, &m->sigterm, &m->sigint);
	uv_signal_init(m->loop, &m->sigusr1);
	m->sigusr1.data = m;
	uv_signal_start(&m->sigusr1, on_throttle, SIGUSR1);
	return DP_OK;
}

int main(int argc, char **argv)
{
	struct mgr m;
	char err[1024];
	int status = 1;
	memset(&m, 0, sizeof(m));
	log_init("leasemgr", LOG_LEVEL_INFO);
	if (!lab_settings("leasemgr", MGR_VERSION, mgr_options, &m.s,
	                  offsetof(struct mgr_settings, log_level), argc, argv,
	                  &status))
		goto out;
	status = 1;
	char prog[64];
	snprintf(prog, sizeof(prog), "leasemgr[%s]",
	         cfg_word(mgr_modes, m.s.mode));
	log_init(prog, (enum log_level)m.s.log_level);
	int64_t now = lab_now_ms();
	uint64_t seed = m.s.seed ? (uint64_t)m.s.seed : (uint64_t)now;
	srand((unsigned)seed);
	struct fleet_params p = {
	        .mode = m.s.mode,
	        .hosts = m.s.hosts,
	        .lease_ms = m.s.lease_ms,
	        .renew_ms = m.s.renew_ms,
	        .ramp_ms = m.s.ramp_ms,
	        .workers = m.s.workers,
	        .item_timeout_ms = m.s.item_timeout_ms,
	        .retry_ms = m.s.retry_ms,
	        .queue_limit = m.s.queue_limit,
	        .retry_rate = m.s.retry_rate,
	        .retry_burst = m.s.retry_burst,
	        .backoff_base_ms = m.s.backoff_base_ms,
	        .backoff_max_ms = m.s.backoff_max_ms,
	        .stagger_ms = m.s.stagger_ms,
	        .seed = seed,
	};
	struct fleet_io io = {store_send, &m};
	m.fleet = fleet_new(&p, &io, now);
	m.conns = xcalloc(2 * (size_t)m.s.connections, sizeof(*m.conns));
	m.loop = uv_default_loop();
	m.timeline = lab_timeline_open(
	        m.s.timeline, "unix_ms,hosts,leased,queued,in_flight,completed,"
	                      "timeouts,requests,wasted,dropped,dns_ok,"
	                      "connections,throttled");
	if (m.s.timeline != NULL && m.timeline == NULL)
		goto close;
	if (mgr_start(&m, err, sizeof(err)) != DP_OK) {
		log_err("%s", err);
		goto close;
	}
	log_notice("ready: %s mode, %ld hosts, leases of %ld ms renewed "
	           "every %ld ms, store %s port %ld via resolver %s",
	           cfg_word(mgr_modes, m.s.mode), m.s.hosts, m.s.lease_ms,
	           m.s.renew_ms, m.s.endpoint, m.s.store_port, m.s.resolver);
	sdnotify_ready("keeping leases");
	uv_run(m.loop, UV_RUN_DEFAULT);
	struct fleet_stats st;
	fleet_stats(m.fleet, lab_now_ms(), &st);
	log_notice("stopped: %llu of %llu hosts leased, %llu items done, "
	           "%llu timed out, %llu requests, %llu answers wasted",
	           (unsigned long long)st.leased, (unsigned long long)st.hosts,
	           (unsigned long long)st.completed,
	           (unsigned long long)st.timeouts,
	           (unsigned long long)st.requests,
	           (unsigned long long)st.wasted);
	status = 0;
close:
	uvhttp_close(m.http);
	while (m.nconns > 0)
		conn_close(m.conns[0]);
	lab_loop_close(m.loop);
out:
	if (m.timeline != NULL)
		fclose(m.timeline);
	free(m.conns);
	fleet_free(m.fleet);
	cfg_free(mgr_options, &m.s);
	return status;
}
