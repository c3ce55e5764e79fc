/*
 * xfr.c - the messages of zone transfers out, and who may have them.
 *
 * A transfer is packed record by record into messages of at most
 * XFR_MSG_SOFT bytes.  Names are compressed against every name already
 * in the message through a small hash table of the suffixes written so
 * far (a message of an AXFR holds hundreds of names, so a linear search
 * as in the query path would not do).  Each message is signed on its own
 * when the request was, the MACs chained (RFC 8945 section 5.3.1).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "dnsmsg.h"
#include "rrdesc.h"
#include "settings.h"
#include "xalloc.h"
#include "wire.h"
#include "xfr.h"

#define TSIG_ROOM  512    /* our TSIG record, with the longest key name */
#define COMP_SLOTS 8192   /* suffixes a message can point to */
#define PTR_MAX    0x4000 /* compression pointers have 14 bits */

/* ---- access ---- */

/* The optional key name of a rule or target, into @out (wire). */
static int parse_key(const char *text, uint8_t *out, size_t *len,
                     const char **why)
{
	int kl = dname_from_str(text, out);
	if (kl < 0) {
		*why = "the key is not a domain name";
		return -1;
	}
	*len = (size_t)kl;
	return 0;
}

int xfr_acl_parse(const char *text, struct xfr_acl_entry *out, const char **why)
{
	char addr[64], key[300] = "";
	memset(out, 0, sizeof(*out));
	int n = sscanf(text, "%63s %299s", addr, key);
	if (n < 1 || strlen(text) > 360) {
		*why = "expected ADDRESS[/BITS] [KEY]";
		return -1;
	}
	char *slash = strchr(addr, '/');
	long bits = -1;
	if (slash != NULL) {
		char *end;
		*slash = '\0';
		bits = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || bits < 0) {
			*why = "bad prefix length";
			return -1;
		}
	}
	if (inet_pton(AF_INET, addr, out->addr) == 1) {
		out->family = AF_INET;
		out->bits = bits < 0 ? 32 : (unsigned)bits;
	} else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
		out->family = AF_INET6;
		out->bits = bits < 0 ? 128 : (unsigned)bits;
	} else {
		*why = "not an IPv4 or IPv6 address";
		return -1;
	}
	if (out->bits > (out->family == AF_INET ? 32u : 128u)) {
		*why = "prefix length too long for the address";
		return -1;
	}
	return n == 2 ? parse_key(key, out->key, &out->keylen, why) : 0;
}

/* The address bytes of @sa, IPv4-mapped IPv6 taken as IPv4. */
static int peer_addr(const struct sockaddr *sa, uint8_t *out)
{
	if (sa->sa_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return AF_INET;
	}
	if (sa->sa_family != AF_INET6)
		return -1;
	const struct in6_addr *a =
	        &((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (IN6_IS_ADDR_V4MAPPED(a)) {
		memcpy(out, a->s6_addr + 12, 4);
		return AF_INET;
	}
	memcpy(out, a->s6_addr, 16);
	return AF_INET6;
}

static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	if (memcmp(a, b, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xFF << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

bool xfr_acl_allows(const struct xfr_acl_entry *acl, size_t n,
                    const struct sockaddr *peer, const uint8_t *key,
                    size_t keylen)
{
	uint8_t addr[16];
	int family = peer_addr(peer, addr);
	for (size_t i = 0; i < n; i++) {
		const struct xfr_acl_entry *e = &acl[i];
		if (e->family != family ||
		    !prefix_match(e->addr, addr, e->bits))
			continue;
		if (e->keylen == 0)
			return true;
		if (key != NULL && dname_equal(e->key, e->keylen, key, keylen))
			return true;
	}
	return false;
}

int xfr_target_parse(const char *text, struct xfr_target *out, const char **why)
{
	char addr[96], key[300] = "";
	memset(out, 0, sizeof(*out));
	int n = sscanf(text, "%95s %299s", addr, key);
	struct listen_addr la;
	if (n < 1 || strlen(text) > 400 || settings_parse_listen(addr, &la)) {
		*why = "expected ADDRESS[:PORT] or [IPV6]:PORT, then an "
		       "optional KEY";
		return -1;
	}
	out->ss = la.ss;
	out->sslen = la.len;
	memcpy(out->text, la.text, sizeof(out->text));
	return n == 2 ? parse_key(key, out->key, &out->keylen, why) : 0;
}

/* ---- requests ---- */

/* Read the question at 12; returns its end, or 0 when malformed. */
static size_t read_question(const uint8_t *msg, size_t len, uint8_t *qname,
                            size_t *qnamelen)
{
	size_t pos = DNS_HEADER_LEN;
	int n = dname_unpack(msg, len, &pos, qname);
	if (n < 0 || pos + 4 > len)
		return 0;
	*qnamelen = (size_t)n;
	return pos + 4;
}

int xfr_parse(const uint8_t *msg, size_t len, struct xfr_query *q)
{
	memset(q, 0, sizeof(*q));
	if (len < DNS_HEADER_LEN || rd16(msg + 4) != 1 || rd16(msg + 6) != 0)
		return -1;
	q->msg = msg;
	q->id = rd16(msg);
	q->flags = rd16(msg + 2);
	q->qend = read_question(msg, len, q->qname, &q->qnamelen);
	if (q->qend == 0)
		return -1;
	q->qtype = rd16(msg + q->qend - 4);
	q->qclass = rd16(msg + q->qend - 2);
	/* IXFR: the client's SOA in the authority section (RFC 1995). */
	size_t pos = q->qend;
	for (unsigned i = 0; i < rd16(msg + 8); i++) {
		uint8_t name[DNAME_MAXLEN];
		if (dname_unpack(msg, len, &pos, name) < 0 || pos + 10 > len)
			return -1;
		uint16_t type = rd16(msg + pos);
		size_t rdlen = rd16(msg + pos + 8);
		size_t rd = pos + 10;
		if (rd + rdlen > len)
			return -1;
		if (type == RR_TYPE_SOA && !q->has_serial) {
			size_t p = rd;
			if (dname_unpack(msg, rd + rdlen, &p, name) < 0 ||
			    dname_unpack(msg, rd + rdlen, &p, name) < 0 ||
			    p + 20 != rd + rdlen)
				return -1;
			q->serial = rd32(msg + p);
			q->has_serial = true;
		}
		pos = rd + rdlen;
	}
	return 0;
}

/* ---- packing ---- */

struct comp_slot {
	uint32_t hash;
	uint16_t off; /* in the message; 0: empty slot */
	uint8_t len;
	uint32_t pool; /* the suffix, in the pool */
};

/* A transfer being packed. */
struct pack {
	const struct xfr_query *q;
	struct tsig_state *tsig;
	time_t now;
	struct xfr_msgs *out;
	uint8_t *msg;
	size_t len;
	uint16_t count;
	bool first;
	struct comp_slot *slots;
	size_t used;
	uint8_t *pool;
	size_t poollen;
};

void xfr_msgs_add(struct xfr_msgs *m, const uint8_t *p, size_t n)
{
	if (m->len + n + 2 > m->cap) {
		m->cap = (m->len + n + 2) * 2;
		m->buf = xrealloc(m->buf, m->cap);
	}
	wr16(m->buf + m->len, (uint16_t)n);
	memcpy(m->buf + m->len + 2, p, n);
	m->len += n + 2;
	m->count++;
}

void xfr_msgs_free(struct xfr_msgs *m)
{
	free(m->buf);
	memset(m, 0, sizeof(*m));
}

static struct comp_slot *comp_probe(struct pack *p, const uint8_t *s,
                                    size_t len, uint32_t h)
{
	for (size_t i = h & (COMP_SLOTS - 1);; i = (i + 1) & (COMP_SLOTS - 1)) {
		struct comp_slot *c = &p->slots[i];
		if (c->off == 0)
			return c;
		if (c->hash == h && c->len == len &&
		    dname_equal(p->pool + c->pool, len, s, len))
			return c;
	}
}

/* Remember that the suffix @s (@len bytes) starts at @off. */
static void comp_add(struct pack *p, const uint8_t *s, size_t len, size_t off)
{
	if (off >= PTR_MAX || p->used * 2 >= COMP_SLOTS)
		return;
	uint32_t h = dname_hash(s, len);
	struct comp_slot *c = comp_probe(p, s, len, h);
	if (c->off != 0)
		return;
	c->hash = h;
	c->off = (uint16_t)off;
	c->len = (uint8_t)len;
	c->pool = (uint32_t)p->poollen;
	memcpy(p->pool + p->poollen, s, len);
	p->poollen += len;
	p->used++;
}

/* Write @name, compressed against the suffixes already written. */
static void put_name(struct pack *p, const uint8_t *name)
{
	size_t total = (size_t)dname_length(name, DNAME_MAXLEN);
	const uint8_t *s = name;
	uint16_t ptr = 0;
	for (; *s != 0; s += *s + 1) {
		size_t sl = total - (size_t)(s - name);
		struct comp_slot *c = comp_probe(p, s, sl, dname_hash(s, sl));
		if (c->off != 0) {
			ptr = c->off;
			break;
		}
	}
	for (const uint8_t *t = name; t < s; t += *t + 1) {
		comp_add(p, t, total - (size_t)(t - name), p->len);
		memcpy(p->msg + p->len, t, (size_t)*t + 1);
		p->len += (size_t)*t + 1;
	}
	if (ptr != 0) {
		wr16(p->msg + p->len, (uint16_t)(0xC000 | ptr));
		p->len += 2;
	} else {
		p->msg[p->len++] = 0;
	}
}

/* Start a message: the header and the question of the request. */
static void msg_begin(struct pack *p)
{
	const struct xfr_query *q = p->q;
	memset(p->slots, 0, COMP_SLOTS * sizeof(*p->slots));
	p->used = 0;
	p->poollen = 0;
	p->count = 0;
	memset(p->msg, 0, DNS_HEADER_LEN);
	wr16(p->msg, q->id);
	wr16(p->msg + 2, msg_reply_flags(q->flags, true, false, 0));
	wr16(p->msg + 4, 1);
	p->len = DNS_HEADER_LEN;
	put_name(p, q->qname);
	wr16(p->msg + p->len, q->qtype);
	wr16(p->msg + p->len + 2, q->qclass);
	p->len += 4;
}

/* Close the message: counts, signature, into the output. */
static dp_status msg_end(struct pack *p)
{
	wr16(p->msg + 6, p->count);
	if (p->tsig != NULL) {
		dp_status rc = tsig_sign_stream(p->tsig, p->first, p->msg,
		                                &p->len, DNS_MAX_MSG, p->now);
		if (rc != DP_OK)
			return rc;
	}
	p->first = false;
	xfr_msgs_add(p->out, p->msg, p->len);
	p->out->records += p->count;
	return DP_OK;
}

/* Add one record, closing the message first when it would not fit. */
static dp_status pack_rr(struct pack *p, const uint8_t *owner, uint16_t type,
                         uint32_t ttl, const uint8_t *rd, uint16_t rdlen)
{
	size_t worst = (size_t)dname_length(owner, DNAME_MAXLEN) + 10 + rdlen;
	if (p->count > 0 && p->len + worst > XFR_MSG_SOFT) {
		dp_status rc = msg_end(p);
		if (rc != DP_OK)
			return rc;
		msg_begin(p);
	}
	if (p->len + worst > DNS_MAX_MSG - TSIG_ROOM)
		return DP_ESPACE;
	put_name(p, owner);
	uint8_t *h = p->msg + p->len;
	wr16(h, type);
	wr16(h + 2, RR_CLASS_IN);
	wr16(h + 4, (uint16_t)(ttl >> 16));
	wr16(h + 6, (uint16_t)ttl);
	p->len += 10;
	size_t start = p->len, off = 0;
	/* Names compressed only in the types of RFC 1035 (RFC 3597 4). */
	const struct rr_desc *d = rr_desc(type);
	if (d != NULL && d->compress && d->skip <= rdlen) {
		memcpy(p->msg + p->len, rd, d->skip);
		p->len += d->skip;
		off = d->skip;
		for (unsigned i = 0; i < d->names; i++) {
			int nl = dname_length(rd + off, rdlen - off);
			if (nl < 0)
				break;
			put_name(p, rd + off);
			off += (size_t)nl;
		}
	}
	memcpy(p->msg + p->len, rd + off, rdlen - off);
	p->len += rdlen - off;
	wr16(h + 8, (uint16_t)(p->len - start));
	p->count++;
	return DP_OK;
}

static void pack_init(struct pack *p, const struct xfr_query *q,
                      struct tsig_state *tsig, time_t now, struct xfr_msgs *out)
{
	memset(p, 0, sizeof(*p));
	p->q = q;
	p->tsig = tsig;
	p->now = now;
	p->out = out;
	p->first = true;
	p->msg = xmalloc(DNS_MAX_MSG);
	p->slots = xmalloc(COMP_SLOTS * sizeof(*p->slots));
	p->pool = xmalloc(COMP_SLOTS / 2 * DNAME_MAXLEN);
	msg_begin(p);
}

/* Close the last message and free the packer. */
static dp_status pack_finish(struct pack *p, dp_status rc)
{
	if (rc == DP_OK)
		rc = msg_end(p);
	free(p->msg);
	free(p->slots);
	free(p->pool);
	return rc;
}

static dp_status pack_rrset(struct pack *p, const uint8_t *owner,
                            const struct zone_rrset *rs)
{
	const uint8_t *rd = rs->rdata;
	for (uint16_t i = 0; i < rs->count; i++) {
		uint16_t l = rd16(rd);
		dp_status rc = pack_rr(p, owner, rs->type, rs->ttl, rd + 2, l);
		if (rc != DP_OK)
			return rc;
		rd += 2 + l;
	}
	return DP_OK;
}

struct walk {
	struct pack *p;
	const struct zone_node *apex;
	dp_status rc;
};

static bool walk_node(void *arg, const struct zone_node *n)
{
	struct walk *w = arg;
	for (uint16_t i = 0; i < n->nrrsets && w->rc == DP_OK; i++) {
		if (n == w->apex && n->rrsets[i].type == RR_TYPE_SOA)
			continue;
		w->rc = pack_rrset(w->p, n->name, &n->rrsets[i]);
	}
	return w->rc == DP_OK;
}

/* SOA, the rest, SOA. */
static dp_status pack_zone(struct pack *p, const struct zone *z)
{
	struct walk w = {p, zone_apex(z), DP_OK};
	w.rc = pack_rrset(p, w.apex->name, zone_soa(z));
	if (w.rc == DP_OK)
		zone_walk(z, walk_node, &w);
	if (w.rc == DP_OK)
		w.rc = pack_rrset(p, w.apex->name, zone_soa(z));
	return w.rc;
}

dp_status xfr_axfr(const struct zone *z, const struct xfr_query *q,
                   struct tsig_state *tsig, time_t now, struct xfr_msgs *out)
{
	struct pack p;
	pack_init(&p, q, tsig, now, out);
	out->ixfr = false;
	return pack_finish(&p, pack_zone(&p, z));
}

/* ---- IXFR ---- */

long xfr_chain(const struct xfr_step *steps, size_t n, uint32_t from,
               uint32_t to, size_t *out)
{
	size_t k = 0;
	uint32_t cur = from;
	while (cur != to) {
		size_t i = 0;
		while (i < n && steps[i].prev_serial != cur)
			i++;
		if (i == n || k == n)
			return -1;
		out[k++] = i;
		cur = steps[i].serial;
	}
	return (long)k;
}

/* An order of records that puts equal ones side by side. */
static int rr_cmp(const void *pa, const void *pb)
{
	const struct xfr_rr *a = *(const struct xfr_rr *const *)pa;
	const struct xfr_rr *b = *(const struct xfr_rr *const *)pb;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if (a->ttl != b->ttl)
		return a->ttl < b->ttl ? -1 : 1;
	if (a->rdlen != b->rdlen)
		return a->rdlen < b->rdlen ? -1 : 1;
	int c = rr_rdata_cmp(a->type, a->rdata, a->rdlen, b->rdata, b->rdlen);
	if (c != 0)
		return c;
	int la = dname_length(a->owner, DNAME_MAXLEN);
	int lb = dname_length(b->owner, DNAME_MAXLEN);
	if (la != lb)
		return la < lb ? -1 : 1;
	for (int i = 0; i < la; i++) {
		uint8_t x = dname_lower[a->owner[i]];
		uint8_t y = dname_lower[b->owner[i]];
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

/*
 * Mark in @drop the records of @st that are removed and added back the
 * same (owner, type, TTL, rdata): they need not travel.
 */
static void cancel_pairs(const struct xfr_step *st, bool *drop)
{
	const struct xfr_rr **rem = xcalloc(st->n + 1, sizeof(*rem));
	const struct xfr_rr **add = xcalloc(st->n + 1, sizeof(*add));
	size_t nr = 0, na = 0;
	for (size_t i = 0; i < st->n; i++) {
		if (st->rrs[i].added)
			add[na++] = &st->rrs[i];
		else
			rem[nr++] = &st->rrs[i];
	}
	qsort(rem, nr, sizeof(*rem), rr_cmp);
	qsort(add, na, sizeof(*add), rr_cmp);
	size_t i = 0, j = 0;
	while (i < nr && j < na) {
		int c = rr_cmp(&rem[i], &add[j]);
		if (c == 0) {
			drop[rem[i] - st->rrs] = true;
			drop[add[j] - st->rrs] = true;
			i++;
			j++;
		} else if (c < 0) {
			i++;
		} else {
			j++;
		}
	}
	free(rem);
	free(add);
}

/* The SOA record a step removed (@added false) or added. */
static const struct xfr_rr *step_soa(const struct xfr_step *st, bool added)
{
	for (size_t i = 0; i < st->n; i++) {
		if (st->rrs[i].type == RR_TYPE_SOA && st->rrs[i].added == added)
			return &st->rrs[i];
	}
	return NULL;
}

/* One step: old SOA, removed, new SOA, added. */
static dp_status pack_step(struct pack *p, const struct xfr_step *st)
{
	const struct xfr_rr *old = step_soa(st, false),
	                    *new = step_soa(st, true);
	bool *drop = xcalloc(st->n + 1, sizeof(*drop));
	cancel_pairs(st, drop);
	dp_status rc = DP_OK;
	for (int added = 0; added < 2 && rc == DP_OK; added++) {
		const struct xfr_rr *soa = added ? new : old;
		rc = pack_rr(p, soa->owner, soa->type, soa->ttl, soa->rdata,
		             soa->rdlen);
		for (size_t i = 0; i < st->n && rc == DP_OK; i++) {
			const struct xfr_rr *r = &st->rrs[i];
			if (r->added != (added == 1) || drop[i] ||
			    r->type == RR_TYPE_SOA)
				continue;
			rc = pack_rr(p, r->owner, r->type, r->ttl, r->rdata,
			             r->rdlen);
		}
	}
	free(drop);
	return rc;
}

dp_status xfr_ixfr(const struct zone *z, const struct xfr_step *steps, size_t n,
                   const struct xfr_query *q, bool udp, struct tsig_state *tsig,
                   time_t now, struct xfr_msgs *out)
{
	const struct zone_node *apex = zone_apex(z);
	uint32_t cur = zone_serial(z);
	struct pack p;
	dp_status rc;
	if (!q->has_serial)
		return xfr_axfr(z, q, tsig, now, out);
	if (udp || !serial_gt(cur, q->serial)) {
		pack_init(&p, q, tsig, now, out);
		out->ixfr = true;
		return pack_finish(&p, pack_rrset(&p, apex->name, zone_soa(z)));
	}
	size_t *idx = xcalloc(n + 1, sizeof(*idx));
	long k = xfr_chain(steps, n, q->serial, cur, idx);
	for (long i = 0; i < k; i++) {
		if (step_soa(&steps[idx[i]], false) == NULL ||
		    step_soa(&steps[idx[i]], true) == NULL)
			k = -1;
	}
	if (k < 0) {
		free(idx);
		return xfr_axfr(z, q, tsig, now, out);
	}
	pack_init(&p, q, tsig, now, out);
	out->ixfr = true;
	out->steps = (size_t)k;
	rc = pack_rrset(&p, apex->name, zone_soa(z));
	for (long i = 0; i < k && rc == DP_OK; i++)
		rc = pack_step(&p, &steps[idx[i]]);
	if (rc == DP_OK)
		rc = pack_rrset(&p, apex->name, zone_soa(z));
	free(idx);
	return pack_finish(&p, rc);
}
