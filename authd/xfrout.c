/*
 * xfrout.c - the transfer thread and the transfer policy.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "answer.h"
#include "dnsmsg.h"
#include "log.h"
#include "xalloc.h"
#include "wire.h"
#include "workq.h"
#include "xfrout.h"
#include "zonestore.h"

/* Room left for our TSIG record in a single signed answer. */
#define SIGNED_UDP_PAYLOAD (1232 - 300)
/* Requests waiting at most; more are dropped (a flood of IXFR over UDP
 * must not grow the queue without end). */
#define QUEUE_MAX 1024

/* ---- policy ---- */

static const struct tsig_key *named_key(const struct keyring *kr,
                                        const uint8_t *name, size_t len,
                                        const char *what, const char *text,
                                        char *err, size_t errlen)
{
	const struct tsig_key *k = keyring_find(kr, name, len);
	if (k == NULL) {
		char kn[1024];
		dname_to_str(name, kn, sizeof(kn));
		snprintf(err, errlen,
		         "%s '%s': no key named %s in the key files", what,
		         text, kn);
	}
	return k;
}

dp_status xfr_policy_load(const struct authd_settings *s,
                          struct xfr_policy **out, char *err, size_t errlen)
{
	struct xfr_policy *p = xcalloc(1, sizeof(*p));
	atomic_init(&p->refs, 1);
	p->keys = keyring_new();
	p->acl = xcalloc(s->allow_transfer.n + 1, sizeof(*p->acl));
	p->targets = xcalloc(s->notify.n + 1, sizeof(*p->targets));
	p->target_keys = xcalloc(s->notify.n + 1, sizeof(*p->target_keys));
	const char *why;
	for (size_t i = 0; i < s->key.n; i++) {
		if (keyring_load_file(p->keys, s->key.v[i], err, errlen) !=
		    DP_OK)
			goto fail;
	}
	for (size_t i = 0; i < s->allow_transfer.n; i++) {
		const char *t = s->allow_transfer.v[i];
		struct xfr_acl_entry *e = &p->acl[p->nacl++];
		if (xfr_acl_parse(t, e, &why) != 0) {
			snprintf(err, errlen, "allow-transfer '%s': %s", t,
			         why);
			goto fail;
		}
		if (e->keylen > 0 &&
		    named_key(p->keys, e->key, e->keylen, "allow-transfer", t,
		              err, errlen) == NULL)
			goto fail;
	}
	for (size_t i = 0; i < s->notify.n; i++) {
		const char *t = s->notify.v[i];
		struct xfr_target *tg = &p->targets[p->ntargets];
		if (xfr_target_parse(t, tg, &why) != 0) {
			snprintf(err, errlen, "notify '%s': %s", t, why);
			goto fail;
		}
		if (tg->keylen > 0 &&
		    (p->target_keys[p->ntargets] =
		             named_key(p->keys, tg->key, tg->keylen, "notify",
		                       t, err, errlen)) == NULL)
			goto fail;
		p->ntargets++;
	}
	*out = p;
	return DP_OK;
fail:
	xfr_policy_unref(p);
	return DP_EINVAL;
}

struct xfr_policy *xfr_policy_ref(struct xfr_policy *p)
{
	atomic_fetch_add(&p->refs, 1);
	return p;
}

void xfr_policy_unref(struct xfr_policy *p)
{
	if (p == NULL || atomic_fetch_sub(&p->refs, 1) != 1)
		return;
	keyring_free(p->keys);
	free(p->acl);
	free(p->targets);
	free(p->target_keys);
	free(p);
}

/* ---- the thread ---- */

struct xreq {
	struct workq_item item; /* first: the queue links requests */
	uint8_t *msg;
	size_t len;
	struct sockaddr_storage peer;
	bool tcp;
	xfrout_reply_fn reply;
	void *arg;
};

struct xfrout {
	char *dbpath;
	uint16_t max_udp_payload;
	struct zonestore *store;
	xfrout_acquire_fn acquire;
	void *arg;
	pthread_mutex_t lock; /* the policy */
	struct xfr_policy *policy;
	struct workq *queue;
};

/* The work on one request. */
struct xjob {
	const struct xreq *r;
	const struct xfr_policy *pol;
	const struct zoneset *zs;
	struct xfrout *x;
	time_t now;
	char peer[64];
	char keyname[1024];
	struct tsig_state st;
	struct xfr_msgs out;
};

static void run_one(void *arg, struct workq_item *it);

struct xfrout *xfrout_new(const char *dbpath, uint16_t max_udp_payload,
                          xfrout_acquire_fn acquire, void *arg,
                          struct xfr_policy *policy)
{
	struct xfrout *x = xcalloc(1, sizeof(*x));
	x->dbpath = xstrdup(dbpath);
	x->max_udp_payload = max_udp_payload;
	x->acquire = acquire;
	x->arg = arg;
	x->policy = policy;
	x->queue = workq_new("transfer", 1, QUEUE_MAX, run_one, x);
	pthread_mutex_init(&x->lock, NULL);
	return x;
}

void xfrout_set_policy(struct xfrout *x, struct xfr_policy *policy)
{
	pthread_mutex_lock(&x->lock);
	struct xfr_policy *old = x->policy;
	x->policy = policy;
	pthread_mutex_unlock(&x->lock);
	xfr_policy_unref(old);
}

void xfrout_submit(struct xfrout *x, const uint8_t *msg, size_t len,
                   const struct sockaddr *peer, socklen_t peerlen, bool tcp,
                   xfrout_reply_fn reply, void *arg)
{
	struct xreq *r = xcalloc(1, sizeof(*r));
	r->msg = xmalloc(len ? len : 1);
	memcpy(r->msg, msg, len);
	r->len = len;
	if (peerlen > sizeof(r->peer))
		peerlen = sizeof(r->peer);
	memcpy(&r->peer, peer, peerlen);
	r->tcp = tcp;
	r->reply = reply;
	r->arg = arg;
	if (!workq_submit(x->queue, &r->item)) {
		/* Full: no answer, as for a lost datagram. */
		free(r->msg);
		free(r);
		reply(arg, NULL, 0);
	}
}

static void peer_text(const struct sockaddr_storage *ss, char *out,
                      size_t outlen)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		port = ntohs(s4->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		port = ntohs(s6->sin6_port);
	}
	snprintf(out, outlen, "%s#%u", a, port);
}

/*
 * A header-only answer with @rcode (the request could not be read, or
 * its signature failed), signed when the request was.
 */
static void answer_header(struct xjob *j, int rcode)
{
	uint8_t h[DNS_HEADER_LEN + 2 * DNAME_MAXLEN + TSIG_MAX_MAC + 64];
	size_t len = DNS_HEADER_LEN;
	memcpy(h, j->r->msg, 2);
	wr16(h + 2, msg_reply_flags(rd16(j->r->msg + 2), false, false, rcode));
	memset(h + 4, 0, DNS_HEADER_LEN - 4);
	if (j->st.present && tsig_sign(&j->st, h, &len, sizeof(h), j->now))
		log_warning("transfer: cannot sign an answer");
	xfr_msgs_add(&j->out, h, len);
}

/*
 * What a client without the right to transfer gets, exactly as from the
 * query path (REFUSED at an apex, NOTAUTH elsewhere), signed when the
 * request was.
 */
static void answer_plain(struct xjob *j, const uint8_t *q, size_t qlen)
{
	struct answer_opts o = {.tcp = j->r->tcp,
	                        .max_udp_payload =
	                                j->st.present ? SIGNED_UDP_PAYLOAD
	                                              : j->x->max_udp_payload};
	uint8_t *buf = xmalloc(DNS_MAX_MSG);
	size_t len;
	int rcode;
	if (answer_query(j->zs, q, qlen, &o, buf, &len, &rcode) == DP_OK) {
		memcpy(buf, j->r->msg, 2);
		if (j->st.present &&
		    tsig_sign(&j->st, buf, &len, DNS_MAX_MSG, j->now) != DP_OK)
			log_warning("transfer: cannot sign an answer");
		xfr_msgs_add(&j->out, buf, len);
	}
	free(buf);
}

/* The log line of a transfer that was answered. */
static void log_transfer(const struct xjob *j, const struct xfr_query *q,
                         const struct zone *z, dp_status rc)
{
	char zn[1024];
	dname_to_str(q->qname, zn, sizeof(zn));
	const char *kind = q->qtype == RR_TYPE_IXFR ? "IXFR" : "AXFR";
	if (rc != DP_OK) {
		log_err("transfer: %s of %s to %s failed: %s", kind, zn,
		        j->peer, dp_strerror(rc));
		return;
	}
	char from[32] = "", how[64];
	if (q->has_serial)
		snprintf(from, sizeof(from), " from serial %u", q->serial);
	if (!j->out.ixfr)
		snprintf(how, sizeof(how), "full zone");
	else if (j->out.steps == 0)
		snprintf(how, sizeof(how), "current SOA only");
	else
		snprintf(how, sizeof(how), "incremental, %zu steps",
		         j->out.steps);
	log_info("transfer: %s of %s%s to %s%s%s: %s, serial %u, %zu "
	         "messages, %zu records",
	         kind, zn, from, j->peer, j->st.present ? " key " : "",
	         j->st.present ? j->keyname : "", how, zone_serial(z),
	         j->out.count, j->out.records);
}

/* Answer an allowed transfer of the zone @z. */
static void transfer(struct xjob *j, const struct xfr_query *q,
                     const struct zone *z)
{
	struct tsig_state *sig = j->st.present ? &j->st : NULL;
	struct zonestore_journal jn = {0};
	dp_status rc;
	if (q->qtype == RR_TYPE_AXFR) {
		rc = xfr_axfr(z, q, sig, j->now, &j->out);
	} else {
		char err[1024];
		if (j->r->tcp && q->has_serial &&
		    zonestore_journal_read(j->x->store, z, &jn, err,
		                           sizeof(err)) != DP_OK)
			log_warning("transfer: %s; answering IXFR with the "
			            "full zone",
			            err);
		rc = xfr_ixfr(z, jn.steps, jn.n, q, !j->r->tcp, sig, j->now,
		              &j->out);
		zonestore_journal_free(&jn);
	}
	log_transfer(j, q, z, rc);
	if (rc != DP_OK) {
		xfr_msgs_free(&j->out);
		answer_header(j, DNS_RCODE_SERVFAIL);
	}
}

static bool at_apex(const struct zone *z, const struct xfr_query *q)
{
	const struct zone_node *apex = zone_apex(z);
	return dname_equal(apex->name, apex->namelen, q->qname, q->qnamelen);
}

/* Verify, check and answer one request into j->out. */
static void serve(struct xjob *j)
{
	const struct xreq *r = j->r;
	/* The shape check every path shares; a BADVERS request is answered
	 * by the query path below, never transferred. */
	struct msg_shape shape;
	int sh = msg_shape(r->msg, r->len, &shape);
	if (sh == MSG_DROP)
		return;
	if (sh == DNS_RCODE_FORMERR || tsig_verify(j->pol->keys, r->msg, r->len,
	                                           j->now, &j->st) != DP_OK) {
		memset(&j->st, 0, sizeof(j->st));
		answer_header(j, DNS_RCODE_FORMERR);
		return;
	}
	if (j->st.present)
		dname_to_str(j->st.keyname, j->keyname, sizeof(j->keyname));
	if (j->st.present && j->st.error) {
		log_notice("transfer refused to %s: key %s: TSIG error %u",
		           j->peer, j->keyname, j->st.error);
		answer_header(j, DNS_RCODE_NOTAUTH);
		return;
	}
	/* The request without its TSIG record, as it was signed. */
	size_t qlen = j->st.present ? j->st.msglen : r->len;
	uint8_t *q = xmalloc(qlen);
	memcpy(q, r->msg, qlen);
	if (j->st.present) {
		wr16(q, j->st.orig_id);
		wr16(q + 10, (uint16_t)(rd16(q + 10) - 1));
	}
	struct xfr_query xq;
	const struct zone *z = NULL;
	if (xfr_parse(q, qlen, &xq) == 0) {
		xq.id = rd16(r->msg);
		z = zoneset_find(j->zs, xq.qname, xq.qnamelen);
	}
	bool allowed = xfr_acl_allows(
	        j->pol->acl, j->pol->nacl, (const struct sockaddr *)&r->peer,
	        j->st.present ? j->st.keyname : NULL, j->st.keynamelen);
	if (z != NULL && at_apex(z, &xq) && xq.qclass == RR_CLASS_IN &&
	    !allowed) {
		char zn[1024];
		dname_to_str(xq.qname, zn, sizeof(zn));
		log_notice(
		        "transfer of %s refused to %s%s%s: no allow-transfer "
		        "rule matches",
		        zn, j->peer, j->st.present ? " key " : "",
		        j->st.present ? j->keyname : "");
	}
	if (sh == DNS_RCODE_NOERROR && z != NULL && allowed &&
	    at_apex(z, &xq) && xq.qclass == RR_CLASS_IN &&
	    (r->tcp || xq.qtype == RR_TYPE_IXFR))
		transfer(j, &xq, z);
	else
		answer_plain(j, q, qlen);
	free(q);
}

static void run_request(struct xfrout *x, struct xreq *r)
{
	struct xjob j;
	memset(&j, 0, sizeof(j));
	j.r = r;
	j.x = x;
	j.now = time(NULL);
	peer_text(&r->peer, j.peer, sizeof(j.peer));
	pthread_mutex_lock(&x->lock);
	struct xfr_policy *pol = xfr_policy_ref(x->policy);
	pthread_mutex_unlock(&x->lock);
	struct zoneset *zs = x->acquire(x->arg);
	j.pol = pol;
	j.zs = zs;
	if (r->len >= DNS_HEADER_LEN)
		serve(&j);
	if (j.out.count == 0)
		r->reply(r->arg, NULL, 0);
	else if (r->tcp)
		r->reply(r->arg, j.out.buf, j.out.len);
	else
		r->reply(r->arg, j.out.buf + 2, j.out.len - 2);
	xfr_msgs_free(&j.out);
	zoneset_unref(zs);
	xfr_policy_unref(pol);
}

/* The queue's run function: one request. */
static void run_one(void *arg, struct workq_item *it)
{
	struct xreq *r = (struct xreq *)it;
	run_request(arg, r);
	free(r->msg);
	free(r);
}

dp_status xfrout_start(struct xfrout *x, char *err, size_t errlen)
{
	dp_status rc = zonestore_open(x->dbpath, &x->store, err, errlen);
	if (rc != DP_OK)
		return rc;
	if (workq_start(x->queue) != DP_OK) {
		snprintf(err, errlen, "cannot start the transfer thread");
		return DP_EIO;
	}
	return DP_OK;
}

void xfrout_stop(struct xfrout *x)
{
	if (x != NULL)
		workq_stop(x->queue);
}

/* A request the thread never ran: no answer. */
static void cancel(struct workq_item *it)
{
	struct xreq *r = (struct xreq *)it;
	r->reply(r->arg, NULL, 0);
	free(r->msg);
	free(r);
}

void xfrout_free(struct xfrout *x)
{
	if (x == NULL)
		return;
	workq_free(x->queue, cancel);
	zonestore_close(x->store);
	xfr_policy_unref(x->policy);
	pthread_mutex_destroy(&x->lock);
	free(x->dbpath);
	free(x);
}
