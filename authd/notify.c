/*
 * notify.c - NOTIFY's logic: what to send, when to retry, which answer
 * settles what.  The sockets and the timer are server.c's (the one I/O
 * file of authd); this file only builds, counts and matches.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#include "answer.h"
#include "log.h"
#include "notify.h"
#include "tsig.h"
#include "wire.h"
#include "xalloc.h"

#define MSG_CAP 2048
#define SOA_MAX (2 * DNAME_MAXLEN + 20)

/* One NOTIFY waiting for its answer. */
struct pending {
	struct pending *next;
	struct xfr_policy *pol; /* holds the target's key */
	const struct xfr_target *target;
	const struct tsig_key *key;
	uint8_t apex[DNAME_MAXLEN];
	size_t apexlen;
	uint8_t soa[SOA_MAX]; /* the SOA rdata, sent in the answer section */
	uint16_t soalen;
	uint32_t soattl;
	uint32_t serial;
	uint16_t id;
	int tries;
	uint64_t due; /* ms, monotonic */
};

struct notify {
	pthread_mutex_t lock;
	struct xfr_policy *policy;
	struct pending *list;
	notify_wake_fn wake; /* the I/O's: something is due now */
	void *wake_arg;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct notify *notify_new(struct xfr_policy *policy)
{
	struct notify *n = xcalloc(1, sizeof(*n));
	pthread_mutex_init(&n->lock, NULL);
	n->policy = policy;
	return n;
}

void notify_set_policy(struct notify *n, struct xfr_policy *policy)
{
	pthread_mutex_lock(&n->lock);
	struct xfr_policy *old = n->policy;
	n->policy = policy;
	pthread_mutex_unlock(&n->lock);
	xfr_policy_unref(old);
}

void notify_set_wake(struct notify *n, notify_wake_fn wake, void *arg)
{
	pthread_mutex_lock(&n->lock);
	n->wake = wake;
	n->wake_arg = arg;
	pthread_mutex_unlock(&n->lock);
}

/* Queue (or refresh) the NOTIFY of @z to @t; called with the lock held. */
static void queue_one(struct notify *n, const struct zone *z, size_t ti)
{
	const struct xfr_target *t = &n->policy->targets[ti];
	const struct zone_node *apex = zone_apex(z);
	const struct zone_rrset *soa = zone_soa(z);
	struct pending *p = n->list;
	while (p != NULL &&
	       !(p->target->sslen == t->sslen &&
	         memcmp(&p->target->ss, &t->ss, t->sslen) == 0 &&
	         dname_equal(p->apex, p->apexlen, apex->name, apex->namelen)))
		p = p->next;
	if (p == NULL) {
		p = xcalloc(1, sizeof(*p));
		p->next = n->list;
		n->list = p;
	} else {
		xfr_policy_unref(p->pol);
	}
	p->pol = xfr_policy_ref(n->policy);
	p->target = t;
	p->key = n->policy->target_keys[ti];
	memcpy(p->apex, apex->name, apex->namelen);
	p->apexlen = apex->namelen;
	p->soalen = rd16(soa->rdata);
	if (p->soalen > SOA_MAX)
		p->soalen = 0;
	memcpy(p->soa, soa->rdata + 2, p->soalen);
	p->soattl = soa->ttl;
	p->serial = zone_serial(z);
	p->tries = 0;
	p->due = 0;
}

void notify_changes(struct notify *n, const struct zoneset *before,
                    const struct zoneset *now)
{
	if (n == NULL || now == NULL)
		return;
	pthread_mutex_lock(&n->lock);
	bool any = false;
	for (size_t i = 0; n->policy->ntargets > 0 && i < zoneset_count(now);
	     i++) {
		const struct zone *z = zoneset_zone(now, i);
		const struct zone_node *apex = zone_apex(z);
		const struct zone *old =
		        before ? zoneset_find(before, apex->name, apex->namelen)
		               : NULL;
		if (old != NULL &&
		    dname_equal(zone_apex(old)->name, zone_apex(old)->namelen,
		                apex->name, apex->namelen) &&
		    zone_serial(old) == zone_serial(z))
			continue;
		for (size_t t = 0; t < n->policy->ntargets; t++)
			queue_one(n, z, t);
		any = true;
	}
	notify_wake_fn wake = any ? n->wake : NULL;
	void *wake_arg = n->wake_arg;
	pthread_mutex_unlock(&n->lock);
	if (wake != NULL)
		wake(wake_arg);
}

/* Build and send one NOTIFY; called with the lock held. */
static void send_one(struct pending *p, notify_send_fn send, void *arg)
{
	uint8_t msg[MSG_CAP];
	memset(msg, 0, DNS_HEADER_LEN);
	if (getrandom(&p->id, sizeof(p->id), 0) != sizeof(p->id))
		p->id = (uint16_t)(now_ms() * 2654435761u);
	wr16(msg, p->id);
	wr16(msg + 2, DNS_OPCODE_NOTIFY << 11 | 0x0400); /* AA */
	wr16(msg + 4, 1);
	wr16(msg + 6, 1);
	size_t len = DNS_HEADER_LEN;
	memcpy(msg + len, p->apex, p->apexlen);
	len += p->apexlen;
	wr16(msg + len, RR_TYPE_SOA);
	wr16(msg + len + 2, RR_CLASS_IN);
	len += 4;
	/* The new SOA, as a hint (RFC 1996 section 3.7). */
	wr16(msg + len, 0xC000 | DNS_HEADER_LEN);
	wr16(msg + len + 2, RR_TYPE_SOA);
	wr16(msg + len + 4, RR_CLASS_IN);
	wr16(msg + len + 6, (uint16_t)(p->soattl >> 16));
	wr16(msg + len + 8, (uint16_t)p->soattl);
	wr16(msg + len + 10, p->soalen);
	memcpy(msg + len + 12, p->soa, p->soalen);
	len += 12 + p->soalen;
	struct tsig_state st;
	if (p->key != NULL && tsig_sign_request(p->key, msg, &len, sizeof(msg),
	                                        time(NULL), 300, &st) != DP_OK)
		log_warning("notify: cannot sign for %s", p->target->text);
	char zn[1024];
	dname_to_str(p->apex, zn, sizeof(zn));
	int err = send(arg, &p->target->ss, p->target->sslen, msg, len);
	if (err != 0)
		log_warning("notify: %s serial %u to %s: %s", zn, p->serial,
		            p->target->text, strerror(err));
	else
		log_debug("notify: %s serial %u sent to %s (try %d)", zn,
		          p->serial, p->target->text, p->tries + 1);
}

static void drop(struct pending **pp)
{
	struct pending *p = *pp;
	*pp = p->next;
	xfr_policy_unref(p->pol);
	free(p);
}

int notify_run(struct notify *n, notify_send_fn send, void *arg)
{
	pthread_mutex_lock(&n->lock);
	uint64_t t = now_ms();
	int64_t next = -1;
	for (struct pending **pp = &n->list; *pp != NULL;) {
		struct pending *p = *pp;
		if (p->due <= t) {
			if (p->tries == NOTIFY_TRIES) {
				char zn[1024];
				dname_to_str(p->apex, zn, sizeof(zn));
				log_warning("notify: %s serial %u: no answer "
				            "from %s after %d tries",
				            zn, p->serial, p->target->text,
				            NOTIFY_TRIES);
				drop(pp);
				continue;
			}
			send_one(p, send, arg);
			p->tries++;
			p->due = t + NOTIFY_RETRY_MS;
		}
		int64_t left = (int64_t)(p->due - t);
		if (next < 0 || left < next)
			next = left;
		pp = &p->next;
	}
	pthread_mutex_unlock(&n->lock);
	return (int)next;
}

static bool same_addr(const struct sockaddr_storage *a, socklen_t alen,
                      const struct xfr_target *t)
{
	return alen == t->sslen && memcmp(a, &t->ss, alen) == 0;
}

void notify_answer(struct notify *n, const struct sockaddr_storage *from,
                   socklen_t fromlen, const uint8_t *buf, size_t len)
{
	if (len < DNS_HEADER_LEN || !(rd16(buf + 2) & DNS_FLAG_QR) ||
	    DNS_OPCODE(rd16(buf + 2)) != DNS_OPCODE_NOTIFY)
		return;
	uint16_t id = rd16(buf);
	int rcode = buf[3] & 0xF;
	pthread_mutex_lock(&n->lock);
	for (struct pending **pp = &n->list; *pp != NULL; pp = &(*pp)->next) {
		struct pending *p = *pp;
		if (p->id != id || !same_addr(from, fromlen, p->target))
			continue;
		char zn[1024];
		dname_to_str(p->apex, zn, sizeof(zn));
		if (rcode == 0)
			log_info("notify: %s serial %u acknowledged by %s", zn,
			         p->serial, p->target->text);
		else
			log_notice("notify: %s serial %u: %s answered rcode %d",
			           zn, p->serial, p->target->text, rcode);
		drop(pp);
		break;
	}
	pthread_mutex_unlock(&n->lock);
}

void notify_free(struct notify *n)
{
	if (n == NULL)
		return;
	while (n->list != NULL)
		drop(&n->list);
	xfr_policy_unref(n->policy);
	pthread_mutex_destroy(&n->lock);
	free(n);
}
