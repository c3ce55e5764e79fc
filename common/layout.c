/*
 * layout.c - plan records in DNS: names, reads, UPDATE messages.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "labels.h"
#include "layout.h"
#include "xalloc.h"

void layout_plan_name(const char *endpoint, uint64_t gen, char *out, size_t len)
{
	snprintf(out, len, "g%llu." LABEL_PLAN ".%s", (unsigned long long)gen,
	         endpoint);
}

void layout_marker_name(const char *endpoint, char *out, size_t len)
{
	snprintf(out, len, LABEL_GEN ".%s", endpoint);
}

void layout_lock_name(const char *endpoint, char *out, size_t len)
{
	snprintf(out, len, LABEL_LOCK ".%s", endpoint);
}

void layout_rollback_name(const char *endpoint, char *out, size_t len)
{
	snprintf(out, len, LABEL_ROLLBACK ".%s", endpoint);
}

void layout_lock_text(const char *holder, uint64_t expiry_ms, char *out,
                      size_t len)
{
	snprintf(out, len, "%s %llu", holder, (unsigned long long)expiry_ms);
}

int layout_lock_parse(const char *text, char *holder, size_t hlen,
                      uint64_t *expiry_ms)
{
	const char *sp = strchr(text, ' ');
	char *end;
	if (sp == NULL || sp == text || (size_t)(sp - text) >= hlen ||
	    sp[1] < '0' || sp[1] > '9')
		return -1;
	unsigned long long v = strtoull(sp + 1, &end, 10);
	if (*end != '\0')
		return -1;
	memcpy(holder, text, (size_t)(sp - text));
	holder[sp - text] = '\0';
	*expiry_ms = v;
	return 0;
}

void layout_weight_name(const char *name, char *out, size_t len)
{
	snprintf(out, len, LABEL_WEIGHT ".%s", name);
}

uint64_t layout_plan_gen(const char *target, const char *endpoint)
{
	if (target[0] != 'g' && target[0] != 'G')
		return 0;
	const char *end = target + 1 + strspn(target + 1, "0123456789");
	static const char mid[] = "." LABEL_PLAN ".";
	size_t ml = sizeof(mid) - 1;
	uint64_t g;
	if (plan_gen_parse(target + 1, (size_t)(end - target - 1), &g) != 0 ||
	    strncasecmp(end, mid, ml) != 0 ||
	    strcasecmp(end + ml, endpoint) != 0)
		return 0;
	return g;
}

const char *layout_rcode_name(int rcode)
{
	ldns_lookup_table *lt = ldns_lookup_by_id(ldns_rcodes, rcode);
	return lt ? lt->name : "?";
}

static ldns_rr *rr_text(const char *fmt, ...)
        __attribute__((format(printf, 1, 2)));

static ldns_rr *rr_text(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ldns_rr *rr = NULL;
	if (ldns_rr_new_frm_str(&rr, buf, 0, NULL, NULL) != LDNS_STATUS_OK)
		return NULL;
	return rr;
}

/*
 * The text of the weight record of @addr: "ADDR WEIGHT", the address as
 * inet_ntop() writes it, into @out (LAYOUT_WEIGHT_TEXTLEN); -1 when @addr
 * is no address or @weight is above 65535.
 */
#define LAYOUT_WEIGHT_TEXTLEN (INET6_ADDRSTRLEN + 8)

static int weight_text(const char *addr, uint32_t weight, char *out)
{
	uint8_t bin[16];
	char text[INET6_ADDRSTRLEN];
	int af = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
	if (weight > 65535 || inet_pton(af, addr, bin) != 1 ||
	    inet_ntop(af, bin, text, sizeof(text)) == NULL)
		return -1;
	snprintf(out, LAYOUT_WEIGHT_TEXTLEN, "%s %u", text, weight);
	return 0;
}

ldns_rr *layout_weight_rr(const char *name, const char *addr, uint32_t weight,
                          uint32_t ttl)
{
	char text[LAYOUT_WEIGHT_TEXTLEN];
	if (weight_text(addr, weight, text) != 0)
		return NULL;
	return rr_text(LABEL_WEIGHT ".%s %u IN TXT \"%s\"", name, ttl, text);
}

bool layout_weighted(const struct plan_endpoint *ep)
{
	for (size_t i = 1; i < ep->naddrs; i++)
		if (ep->addrs[i].weight != ep->addrs[0].weight)
			return true;
	return false;
}

ldns_rr *layout_rr_bare(const char *name, ldns_rr_type type, ldns_rr_class cls)
{
	ldns_rr *rr = ldns_rr_new();
	ldns_rr_set_owner(rr, ldns_dname_new_frm_str(name));
	ldns_rr_set_type(rr, type);
	ldns_rr_set_class(rr, cls);
	ldns_rr_set_ttl(rr, 0);
	return rr;
}

static void push(ldns_rr_list *l, ldns_rr *rr)
{
	if (rr != NULL)
		ldns_rr_list_push_rr(l, rr);
}

static ldns_pkt *make(const char *zone, ldns_rr_list *pr, ldns_rr_list *up)
{
	ldns_pkt *p = ldns_update_pkt_new(ldns_dname_new_frm_str(zone),
	                                  LDNS_RR_CLASS_IN, pr, up, NULL);
	ldns_pkt_set_edns_udp_size(p, 1232);
	ldns_rr_list_deep_free(pr);
	ldns_rr_list_deep_free(up);
	return p;
}

/* The marker's text, unquoted, or NULL. */
static int txt_of(const ldns_rr *rr, char *buf, size_t len)
{
	if (ldns_rr_rd_count(rr) != 1)
		return -1;
	const ldns_rdf *f = ldns_rr_rdf(rr, 0);
	const uint8_t *d = ldns_rdf_data(f);
	size_t n = ldns_rdf_size(f);
	if (n < 1 || d[0] != n - 1 || n - 1 >= len)
		return -1;
	memcpy(buf, d + 1, n - 1);
	buf[n - 1] = '\0';
	return 0;
}

/* The queries of one endpoint's read, in this order. */
enum { RQ_A, RQ_AAAA, RQ_MARKER, RQ_ROLLBACK, RQ_LOCK, RQ_BACKUP };

static ldns_pkt *query(const char *name, ldns_rr_type type)
{
	ldns_pkt *q = NULL;
	if (ldns_pkt_query_new_frm_str(&q, name, type, LDNS_RR_CLASS_IN, 0) !=
	    LDNS_STATUS_OK)
		return NULL;
	ldns_pkt_set_edns_udp_size(q, 1232);
	return q;
}

/* One address's share of a digest: FNV-1a of its text. */
static uint64_t addr_hash(const char *text)
{
	uint64_t h = 14695981039346656037ULL;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h;
}

uint64_t layout_addr_digest(const struct plan_endpoint *ep)
{
	uint64_t d = 0;
	bool weighted = layout_weighted(ep);
	for (size_t i = 0; i < ep->naddrs; i++) {
		char text[LAYOUT_WEIGHT_TEXTLEN];
		const struct plan_addr *a = &ep->addrs[i];
		if (!weighted)
			d += addr_hash(a->address);
		else if (weight_text(a->address, a->weight, text) == 0)
			d += addr_hash(text);
	}
	return d;
}

int layout_marker_parse(const ldns_pkt *a, uint64_t *gen)
{
	ldns_rr_list *an = ldns_pkt_answer(a);
	size_t ntxt = 0, good = 0;
	uint64_t high = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		ldns_rr *rr = ldns_rr_list_rr(an, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_TXT)
			continue;
		char text[32];
		uint64_t g = 0;
		ntxt++;
		if (txt_of(rr, text, sizeof(text)) == 0 &&
		    plan_gen_parse(text, strlen(text), &g) == 0) {
			good++;
			if (g > high)
				high = g;
		}
	}
	if (ntxt == 0)
		return 0;
	*gen = high; /* malformed: the highest it holds, as authd's fence */
	return ntxt == 1 && good == 1 ? 1 : -1;
}

/* The rollback record in @a, the answer to "_rollback.E CNAME". */
static void read_rollback(const char *e, const ldns_pkt *a,
                          struct endpoint_state *st)
{
	ldns_rr_list *l = ldns_pkt_rr_list_by_type(a, LDNS_RR_TYPE_CNAME,
	                                           LDNS_SECTION_ANSWER);
	ldns_rr *rr = l != NULL ? ldns_rr_list_rr(l, 0) : NULL;
	char *t = rr != NULL && ldns_rr_rd_count(rr) == 1
	                  ? ldns_rdf2str(ldns_rr_rdf(rr, 0))
	                  : NULL;
	if (t != NULL) {
		snprintf(st->rollback_target, sizeof(st->rollback_target), "%s",
		         t);
		st->rollback = true;
		st->rollback_gen = layout_plan_gen(st->rollback_target, e);
	}
	free(t);
	ldns_rr_list_deep_free(l);
}

void layout_read_parse(const char *e, ldns_pkt *const *a, bool lock,
                       struct endpoint_state *st)
{
	memset(st, 0, sizeof(*st));
	ldns_rdf *owner = ldns_dname_new_frm_str(e);
	/* E's CNAME comes first in the answer to E A (authd follows it). */
	ldns_rr_list *an = ldns_pkt_answer(a[RQ_A]);
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		ldns_rr *rr = ldns_rr_list_rr(an, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_CNAME ||
		    owner == NULL ||
		    ldns_dname_compare(ldns_rr_owner(rr), owner) != 0)
			continue;
		char *t = ldns_rdf2str(ldns_rr_rdf(rr, 0));
		snprintf(st->target, sizeof(st->target), "%s", t);
		free(t);
		st->cname = true;
		st->target_gen = layout_plan_gen(st->target, e);
	}
	ldns_rdf_deep_free(owner);
	st->rcode = ldns_pkt_get_rcode(a[RQ_A]);
	static const ldns_rr_type types[] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA};
	for (int t = 0; t < 2; t++) {
		an = ldns_pkt_answer(a[RQ_A + t]);
		for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
			ldns_rr *rr = ldns_rr_list_rr(an, i);
			if (ldns_rr_get_type(rr) != types[t] ||
			    ldns_rr_rd_count(rr) != 1)
				continue;
			char *txt = ldns_rdf2str(ldns_rr_rdf(rr, 0));
			if (txt != NULL)
				st->addr_digest += addr_hash(txt);
			free(txt);
			st->naddrs++;
		}
	}

	st->nset = st->naddrs;
	st->marker = layout_marker_parse(a[RQ_MARKER], &st->gen);
	read_rollback(e, a[RQ_ROLLBACK], st);

	if (!lock)
		return;
	an = ldns_pkt_answer(a[RQ_LOCK]);
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		ldns_rr *rr = ldns_rr_list_rr(an, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_TXT ||
		    txt_of(rr, st->lock_text, sizeof(st->lock_text)) != 0)
			continue;
		st->locked = true;
		/* A lock of the old shape (a holder alone) never expires. */
		if (layout_lock_parse(st->lock_text, st->lock_owner,
		                      sizeof(st->lock_owner),
		                      &st->lock_expiry_ms) != 0) {
			snprintf(st->lock_owner, sizeof(st->lock_owner), "%s",
			         st->lock_text);
			st->lock_expiry_ms = UINT64_MAX;
		}
	}
	an = ldns_pkt_answer(a[RQ_BACKUP]);
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(an, i)) ==
		    LDNS_RR_TYPE_TXT)
			st->backup = true;
}

void layout_read_weights(const ldns_pkt *a, struct endpoint_state *st)
{
	ldns_rr_list *an = ldns_pkt_answer(a);
	unsigned n = 0;
	uint64_t d = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		ldns_rr *rr = ldns_rr_list_rr(an, i);
		char text[LAYOUT_WEIGHT_TEXTLEN];
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_TXT)
			continue;
		n++;
		if (txt_of(rr, text, sizeof(text)) == 0)
			d += addr_hash(text);
	}
	if (n == 0)
		return;
	st->weighted = true;
	st->nset = n;
	st->addr_digest = d;
}

ldns_pkt *layout_weights_query(const struct endpoint_state *st)
{
	char name[LAYOUT_NAMELEN + sizeof(LABEL_WEIGHT)];
	if (st->target_gen == 0)
		return NULL;
	layout_weight_name(st->target, name, sizeof(name));
	return query(name, LDNS_RR_TYPE_TXT);
}

/*
 * The second round trip of a read: the weight set of each endpoint of
 * @st that is on a plan, which an answer by weight does not cut.  An
 * endpoint whose set did not come is not read (@ok false).
 */
static dp_status read_weights(struct dnsclient *c, size_t n,
                              struct endpoint_state *st, bool *ok, char *err,
                              size_t errlen)
{
	ldns_pkt **qs = xcalloc(n + 1, sizeof(*qs));
	ldns_pkt **as = xcalloc(n + 1, sizeof(*as));
	size_t *who = xcalloc(n + 1, sizeof(*who));
	size_t k = 0;
	dp_status rc = DP_OK;
	for (size_t i = 0; i < n; i++)
		if (ok[i] && (qs[k] = layout_weights_query(&st[i])) != NULL)
			who[k++] = i;
	if (k > 0)
		rc = dnsclient_exchange_many(c, qs, k, as, err, errlen);
	for (size_t j = 0; j < k; j++) {
		if (as[j] == NULL)
			ok[who[j]] = false;
		else
			layout_read_weights(as[j], &st[who[j]]);
		ldns_pkt_free(qs[j]);
		ldns_pkt_free(as[j]);
	}
	free(qs);
	free(as);
	free(who);
	return rc;
}

size_t layout_read_queries(const char *endpoint, bool lock, ldns_pkt **q)
{
	char name[LAYOUT_NAMELEN];
	q[RQ_A] = query(endpoint, LDNS_RR_TYPE_A);
	q[RQ_AAAA] = query(endpoint, LDNS_RR_TYPE_AAAA);
	layout_marker_name(endpoint, name, sizeof(name));
	q[RQ_MARKER] = query(name, LDNS_RR_TYPE_TXT);
	layout_rollback_name(endpoint, name, sizeof(name));
	q[RQ_ROLLBACK] = query(name, LDNS_RR_TYPE_CNAME);
	size_t n = RQ_LOCK;
	if (lock) {
		layout_lock_name(endpoint, name, sizeof(name));
		q[RQ_LOCK] = query(name, LDNS_RR_TYPE_TXT);
		snprintf(name, sizeof(name), LABEL_FAILOVER ".%s", endpoint);
		q[RQ_BACKUP] = query(name, LDNS_RR_TYPE_TXT);
		n += 2;
	}
	for (size_t k = 0; k < n; k++) {
		if (q[k] == NULL) {
			for (size_t j = 0; j < n; j++) {
				ldns_pkt_free(q[j]);
				q[j] = NULL;
			}
			return 0;
		}
	}
	return n;
}

dp_status layout_read_many(struct dnsclient *c, const char *const *endpoints,
                           size_t n, bool lock, struct endpoint_state *st,
                           bool *ok, char *err, size_t errlen)
{
	size_t per = lock ? LAYOUT_READ_QUERIES : RQ_LOCK;
	ldns_pkt **qs = xcalloc(n * per + 1, sizeof(*qs));
	ldns_pkt **as = xcalloc(n * per + 1, sizeof(*as));
	dp_status rc = DP_OK;
	for (size_t i = 0; i < n && rc == DP_OK; i++) {
		if (layout_read_queries(endpoints[i], lock, qs + i * per) ==
		    0) {
			snprintf(err, errlen, "'%s': bad name", endpoints[i]);
			rc = DP_EINVAL;
		}
	}
	if (rc == DP_OK)
		rc = dnsclient_exchange_many(c, qs, n * per, as, err, errlen);
	for (size_t i = 0; i < n; i++) {
		ldns_pkt **a = as + i * per;
		ok[i] = true;
		for (size_t k = 0; k < per; k++)
			ok[i] &= a[k] != NULL;
		if (ok[i])
			layout_read_parse(endpoints[i], a, lock, &st[i]);
		else
			memset(&st[i], 0, sizeof(st[i]));
	}
	for (size_t i = 0; i < n * per; i++) {
		ldns_pkt_free(qs[i]);
		ldns_pkt_free(as[i]);
	}
	free(qs);
	free(as);
	if (rc == DP_OK)
		rc = read_weights(c, n, st, ok, err, errlen);
	return rc;
}

dp_status layout_read(struct dnsclient *c, const char *endpoint,
                      struct endpoint_state *st, char *err, size_t errlen)
{
	bool ok;
	dp_status rc =
	        layout_read_many(c, &endpoint, 1, true, st, &ok, err, errlen);
	return rc != DP_OK ? rc : ok ? DP_OK : DP_EIO;
}

/*
 * The compare-and-swap's prerequisite: the marker @marker is still as
 * @read found it.
 */
static void push_marker_cas(ldns_rr_list *pr, const char *marker,
                            const struct endpoint_state *read)
{
	if (read->marker == 1)
		push(pr, rr_text("%s 0 IN TXT \"%llu\"", marker,
		                 (unsigned long long)read->gen));
	else if (read->marker < 0)
		/* A malformed marker (a hand edit: two records, not a
		 * number) cannot be compared by value: that it exists, and
		 * authd's fence for the rest. */
		push(pr, layout_rr_bare(marker, LDNS_RR_TYPE_TXT,
		                        LDNS_RR_CLASS_ANY));
	else
		push(pr, layout_rr_bare(marker, LDNS_RR_TYPE_TXT,
		                        LDNS_RR_CLASS_NONE));
}

void layout_push_plan_delete(ldns_rr_list *up, const char *endpoint,
                             uint64_t gen)
{
	char plan[LAYOUT_NAMELEN];
	char weights[LAYOUT_NAMELEN + sizeof(LABEL_WEIGHT)];
	layout_plan_name(endpoint, gen, plan, sizeof(plan));
	layout_weight_name(plan, weights, sizeof(weights));
	push(up, layout_rr_bare(plan, LDNS_RR_TYPE_ANY, LDNS_RR_CLASS_ANY));
	push(up, layout_rr_bare(weights, LDNS_RR_TYPE_ANY, LDNS_RR_CLASS_ANY));
}

/* The lock record @text of @endpoint, with class @cls. */
static ldns_rr *lock_rr(const char *endpoint, const char *text, uint32_t ttl,
                        ldns_rr_class cls)
{
	char lock[LAYOUT_NAMELEN];
	layout_lock_name(endpoint, lock, sizeof(lock));
	ldns_rr *rr = rr_text("%s %u IN TXT \"%s\"", lock, ttl, text);
	if (rr != NULL)
		ldns_rr_set_class(rr, cls);
	return rr;
}

/*
 * The lock preamble of a legacy change batch: the lock record must be
 * exactly @held (the prerequisite), which is deleted; @renew, when not
 * NULL, is written in its place.  All or nothing with the rest of the
 * batch: a lock lost to another holder fails the whole batch.
 */
static void push_lock_preamble(ldns_rr_list *pr, ldns_rr_list *up,
                               const char *endpoint, const char *held,
                               const char *renew)
{
	push(pr, lock_rr(endpoint, held, 0, LDNS_RR_CLASS_IN));
	push(up, lock_rr(endpoint, held, 0, LDNS_RR_CLASS_NONE));
	if (renew != NULL)
		push(up, lock_rr(endpoint, renew, LAYOUT_LOCK_TTL,
		                 LDNS_RR_CLASS_IN));
}

/*
 * The rollback record's part of a move of @e from what @read found to
 * plan @gen: the record names the plan node E leaves.  legacy checks
 * that node exists (a prerequisite: AWS's transaction that could not
 * point the rollback record at a deleted plan); the others compare the
 * record with what they read (safe) and, when the node E leaves
 * answers no address, delete the record rather than point it at
 * nothing, which authd's guard refuses.
 */
static void push_rollback(ldns_rr_list *pr, ldns_rr_list *up, const char *e,
                          uint64_t gen, const struct endpoint_state *read,
                          enum layout_mode mode, uint32_t ttl)
{
	char rb[LAYOUT_NAMELEN];
	layout_rollback_name(e, rb, sizeof(rb));
	if (mode == LAYOUT_CAS)
		push(pr, read->rollback ? rr_text("%s 0 IN CNAME %s", rb,
		                                  read->rollback_target)
		                        : layout_rr_bare(rb, LDNS_RR_TYPE_CNAME,
		                                         LDNS_RR_CLASS_NONE));
	if (!read->cname || read->target_gen == 0 || read->target_gen == gen)
		return;
	if (mode == LAYOUT_LEGACY)
		push(pr, layout_rr_bare(read->target, LDNS_RR_TYPE_ANY,
		                        LDNS_RR_CLASS_ANY));
	push(up, layout_rr_bare(rb, LDNS_RR_TYPE_CNAME, LDNS_RR_CLASS_ANY));
	if (mode == LAYOUT_LEGACY || read->naddrs > 0)
		push(up, rr_text("%s %u IN CNAME %s", rb, ttl, read->target));
}

ldns_pkt *layout_apply(const char *zone, const struct plan_endpoint *ep,
                       uint64_t gen, const struct endpoint_state *read,
                       enum layout_mode mode, uint32_t ttl)
{
	return layout_apply_locked(zone, ep, gen, read, mode, NULL, NULL, ttl);
}

ldns_pkt *layout_apply_locked(const char *zone, const struct plan_endpoint *ep,
                              uint64_t gen, const struct endpoint_state *read,
                              enum layout_mode mode, const char *held,
                              const char *renew, uint32_t ttl)
{
	ldns_rr_list *pr = ldns_rr_list_new(), *up = ldns_rr_list_new();
	const char *e = ep->name;
	char plan[LAYOUT_NAMELEN], marker[LAYOUT_NAMELEN];
	layout_plan_name(e, gen, plan, sizeof(plan));
	layout_marker_name(e, marker, sizeof(marker));

	if (held != NULL)
		push_lock_preamble(pr, up, e, held, renew);
	if (mode == LAYOUT_CAS)
		push_marker_cas(pr, marker, read);
	push_rollback(pr, up, e, gen, read, mode, ttl);
	/* The plan's records and their weights, fresh. */
	layout_push_plan_delete(up, e, gen);
	bool weighted = layout_weighted(ep);
	for (size_t i = 0; i < ep->naddrs; i++) {
		const char *a = ep->addrs[i].address;
		push(up, rr_text("%s %u IN %s %s", plan, ttl,
		                 strchr(a, ':') ? "AAAA" : "A", a));
		if (weighted)
			push(up, layout_weight_rr(plan, a, ep->addrs[i].weight,
			                          ttl));
	}
	/* The endpoint onto it; addresses held by the name itself go. */
	push(up, layout_rr_bare(e, LDNS_RR_TYPE_A, LDNS_RR_CLASS_ANY));
	push(up, layout_rr_bare(e, LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_ANY));
	push(up, layout_rr_bare(e, LDNS_RR_TYPE_CNAME, LDNS_RR_CLASS_ANY));
	push(up, rr_text("%s %u IN CNAME %s", e, ttl, plan));
	push(up, layout_rr_bare(marker, LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_ANY));
	push(up, rr_text("%s %u IN TXT \"%llu\"", marker, ttl,
	                 (unsigned long long)gen));
	return make(zone, pr, up);
}

ldns_pkt *layout_raise_marker(const char *zone, const char *endpoint,
                              uint64_t gen, const struct endpoint_state *read,
                              uint32_t ttl)
{
	ldns_rr_list *pr = ldns_rr_list_new(), *up = ldns_rr_list_new();
	char marker[LAYOUT_NAMELEN];
	layout_marker_name(endpoint, marker, sizeof(marker));
	push_marker_cas(pr, marker, read);
	push(up, layout_rr_bare(marker, LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_ANY));
	push(up, layout_marker_rr(endpoint, gen, ttl));
	return make(zone, pr, up);
}

ldns_rr *layout_marker_rr(const char *endpoint, uint64_t gen, uint32_t ttl)
{
	char marker[LAYOUT_NAMELEN];
	layout_marker_name(endpoint, marker, sizeof(marker));
	return rr_text("%s %u IN TXT \"%llu\"", marker, ttl,
	               (unsigned long long)gen);
}

ldns_pkt *layout_lock(const char *zone, const char *endpoint, const char *held,
                      const char *mine)
{
	ldns_rr_list *pr = ldns_rr_list_new(), *up = ldns_rr_list_new();
	if (held != NULL) {
		push_lock_preamble(pr, up, endpoint, held, mine);
	} else {
		char lock[LAYOUT_NAMELEN];
		layout_lock_name(endpoint, lock, sizeof(lock));
		push(pr, layout_rr_bare(lock, LDNS_RR_TYPE_TXT,
		                        LDNS_RR_CLASS_NONE));
		push(up, lock_rr(endpoint, mine, LAYOUT_LOCK_TTL,
		                 LDNS_RR_CLASS_IN));
	}
	return make(zone, pr, up);
}

ldns_pkt *layout_unlock(const char *zone, const char *endpoint,
                        const char *held)
{
	ldns_rr_list *pr = ldns_rr_list_new(), *up = ldns_rr_list_new();
	push_lock_preamble(pr, up, endpoint, held, NULL);
	return make(zone, pr, up);
}

ldns_pkt *layout_delete_plan(const char *zone, const char *endpoint,
                             uint64_t gen)
{
	ldns_rr_list *pr = ldns_rr_list_new(), *up = ldns_rr_list_new();
	layout_push_plan_delete(up, endpoint, gen);
	return make(zone, pr, up);
}
