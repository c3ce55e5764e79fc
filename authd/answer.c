/*
 * answer.c - authoritative answers: query parsing, lookup and response
 * writing with name compression.
 *
 * The lookup follows RFC 1034 section 4.3.2 with the clarifications of
 * RFC 2308 (negative answers), RFC 4592 (wildcards), RFC 6604 (rcode of a
 * CNAME chain), RFC 8482 (ANY) and RFC 6891 (EDNS).  Every response is
 * built in the caller's buffer; nothing is allocated.
 */
#include <stddef.h>
#include <string.h>

#include "answer.h"
#include "dname.h"
#include "dnsmsg.h"
#include "rrdesc.h"
#include "weight.h"
#include "wire.h"

#define MAX_COMP  64
#define MAX_CHAIN 64
#define MAX_ADDL  32
#define MAX_SEEN  64

/* A parsed query. */
struct query {
	const uint8_t *pkt;
	size_t len;
	struct msg_shape s; /* id, flags, the question, EDNS, TSIG */
};

/* The response being written. */
struct writer {
	uint8_t *buf;
	size_t len;
	size_t cap; /* bytes the sections may use */
	uint16_t comp[MAX_COMP];
	unsigned ncomp;
	uint16_t count[3]; /* answer, authority, additional */
	bool tc;
};

enum section { SEC_ANSWER = 0, SEC_AUTHORITY = 1, SEC_ADDITIONAL = 2 };

/* The state of one answer. */
struct ctx {
	const struct zoneset *zs;
	const struct zone *zone; /* of the name being answered */
	const struct query *q;
	struct writer w;
	int rcode;
	bool aa;
	bool minimal;       /* no NS RRset in the authority of answers */
	bool positive;      /* the chain ended in data of the asked type */
	bool not_ready;     /* the chain reached a name not ready: SERVFAIL */
	unsigned wmax;      /* addresses in an answer from a weighted set */
	uint64_t *rng;      /* the random state of weighted answers */
	uint64_t rng_local; /* when the caller gives none */
	const uint8_t *addl[MAX_ADDL]; /* names wanting address records */
	unsigned naddl;
	struct {
		const struct zone_node *node;
		uint16_t type;
	} seen[MAX_SEEN]; /* RRsets in the message, to write each once */
	unsigned nseen;
};

/*
 * Does the (possibly compressed) name at @off in the response equal the
 * uncompressed @name?  Pointers in our own response always go backwards.
 */
static bool pkt_name_eq(const uint8_t *buf, size_t off, const uint8_t *name)
{
	for (;;) {
		uint8_t c = buf[off];
		if ((c & 0xC0) == 0xC0) {
			off = (size_t)(c & 0x3F) << 8 | buf[off + 1];
			continue;
		}
		if (c != *name)
			return false;
		if (c == 0)
			return true;
		for (uint8_t i = 1; i <= c; i++) {
			if (dname_lower[buf[off + i]] != dname_lower[name[i]])
				return false;
		}
		off += (size_t)c + 1;
		name += c + 1;
	}
}

/*
 * Write @name compressed.  Returns false, writing nothing, if it does not
 * fit.
 */
static bool wr_name(struct writer *w, const uint8_t *name)
{
	/* Find the longest suffix already in the message. */
	const uint8_t *s = name;
	size_t ptr = 0;
	while (*s != 0) {
		for (unsigned i = 0; i < w->ncomp; i++) {
			if (pkt_name_eq(w->buf, w->comp[i], s)) {
				ptr = w->comp[i];
				goto found;
			}
		}
		s += *s + 1;
	}
found:;
	size_t lit = (size_t)(s - name);
	size_t need = lit + (ptr ? 2 : 1);
	if (w->len + need > w->cap)
		return false;
	const uint8_t *p = name;
	while (p < s) {
		if (w->ncomp < MAX_COMP && w->len < 0x4000)
			w->comp[w->ncomp++] = (uint16_t)w->len;
		memcpy(w->buf + w->len, p, (size_t)*p + 1);
		w->len += (size_t)*p + 1;
		p += *p + 1;
	}
	if (ptr) {
		wr16(w->buf + w->len, (uint16_t)(0xC000 | ptr));
		w->len += 2;
	} else {
		w->buf[w->len++] = 0;
	}
	return true;
}

static bool wr_bytes(struct writer *w, const uint8_t *p, size_t n)
{
	if (w->len + n > w->cap)
		return false;
	memcpy(w->buf + w->len, p, n);
	w->len += n;
	return true;
}

/*
 * Write rdata, compressing the names of the RFC 1035 types (RFC 3597
 * section 4 forbids it for any other type).
 */
static bool wr_rdata(struct writer *w, uint16_t type, const uint8_t *rd,
                     uint16_t rdlen)
{
	const struct rr_desc *d = rr_desc(type);
	if (d == NULL || !d->compress)
		return wr_bytes(w, rd, rdlen);
	size_t fixed = d->skip; /* bytes before the first name */
	int names = d->names;
	if (!wr_bytes(w, rd, fixed))
		return false;
	size_t off = fixed;
	for (int i = 0; i < names; i++) {
		int n = dname_length(rd + off, rdlen - off);
		if (n < 0)
			return wr_bytes(w, rd + off, rdlen - off);
		if (!wr_name(w, rd + off))
			return false;
		off += (size_t)n;
	}
	return wr_bytes(w, rd + off, rdlen - off);
}

/*
 * Write an RRset into @sec with owner @owner and TTL @ttl: the records
 * @sel (@nsel of them, each rdata with its length prefix) or, when @sel
 * is NULL, all of them.  If it does not fit, the message is left as it
 * was and false is returned.
 */
static bool wr_rrset_ttl(struct writer *w, enum section sec,
                         const uint8_t *owner, const struct zone_rrset *rrset,
                         uint32_t ttl, const uint8_t *const *sel, unsigned nsel)
{
	size_t save_len = w->len;
	unsigned save_comp = w->ncomp;
	const uint8_t *rd = rrset->rdata;
	unsigned n = sel != NULL ? nsel : rrset->count;
	for (unsigned i = 0; i < n; i++) {
		if (sel != NULL)
			rd = sel[i];
		uint16_t rdlen = rd16(rd);
		if (!wr_name(w, owner) || w->len + 10 > w->cap)
			goto nospace;
		uint8_t *h = w->buf + w->len;
		wr16(h, rrset->type);
		wr16(h + 2, RR_CLASS_IN);
		wr32(h + 4, ttl);
		w->len += 10;
		size_t start = w->len;
		if (!wr_rdata(w, rrset->type, rd + 2, rdlen))
			goto nospace;
		wr16(h + 8, (uint16_t)(w->len - start));
		rd += 2 + rdlen;
	}
	w->count[sec] += (uint16_t)n;
	return true;
nospace:
	w->len = save_len;
	w->ncomp = save_comp;
	return false;
}

static bool seen(const struct ctx *c, const struct zone_node *node,
                 uint16_t type)
{
	for (unsigned i = 0; i < c->nseen; i++) {
		if (c->seen[i].node == node && c->seen[i].type == type)
			return true;
	}
	return false;
}

/*
 * Write the records @sel (@nsel; NULL: all) of the RRset @rrset of @node
 * (NULL for none) with owner @owner.  Returns false if it did not fit.
 */
static bool wr_rrset_sel(struct ctx *c, enum section sec, const uint8_t *owner,
                         const struct zone_node *node,
                         const struct zone_rrset *rrset,
                         const uint8_t *const *sel, unsigned nsel)
{
	if (c->w.tc)
		return false;
	if (wr_rrset_ttl(&c->w, sec, owner, rrset, rrset->ttl, sel, nsel)) {
		if (node != NULL && c->nseen < MAX_SEEN) {
			c->seen[c->nseen].node = node;
			c->seen[c->nseen].type = rrset->type;
			c->nseen++;
		}
		return true;
	}
	/* RFC 2181 section 9: only a missing answer or authority RRset
	 * makes the message truncated; additional data is optional. */
	if (sec != SEC_ADDITIONAL)
		c->w.tc = true;
	return false;
}

/* Write the whole RRset @rrset of @node: wr_rrset_sel() of every record. */
static bool wr_rrset(struct ctx *c, enum section sec, const uint8_t *owner,
                     const struct zone_node *node,
                     const struct zone_rrset *rrset)
{
	return wr_rrset_sel(c, sec, owner, node, rrset, NULL, 0);
}

/*
 * The records of the address RRset @rs at @node that the answer holds
 * when "_weight.<node>" weighs them (weight_pick()), into @sel; 0 when
 * the RRset is not weighted and is written whole.
 */
static unsigned weighted(struct ctx *c, const struct zone_node *node,
                         const struct zone_rrset *rs, const uint8_t **sel)
{
	if (rs->type != RR_TYPE_A && rs->type != RR_TYPE_AAAA)
		return 0;
	uint8_t name[DNAME_MAXLEN];
	size_t len = weight_name(node->name, node->namelen, name);
	const struct zone_node *wn =
	        len != 0 ? zone_find(c->zone, name, len) : NULL;
	if (wn == NULL || wn->cut != NULL)
		return 0;
	const struct zone_rrset *ws = zone_node_rrset(wn, RR_TYPE_TXT);
	if (ws == NULL)
		return 0;
	return weight_pick(rs, ws, c->wmax, c->rng, sel);
}

static void want_address(struct ctx *c, const uint8_t *name)
{
	if (c->naddl < MAX_ADDL)
		c->addl[c->naddl++] = name;
}

/* Queue the targets of NS, MX and SRV records for additional processing. */
static void queue_targets(struct ctx *c, const struct zone_rrset *rrset)
{
	size_t skip;
	switch (rrset->type) {
	case RR_TYPE_NS:
		skip = 0;
		break;
	case RR_TYPE_MX:
		skip = 2;
		break;
	case RR_TYPE_SRV:
		skip = 6;
		break;
	default:
		return;
	}
	const uint8_t *rd = rrset->rdata;
	for (uint16_t i = 0; i < rrset->count; i++) {
		uint16_t rdlen = rd16(rd);
		if (rdlen > skip &&
		    dname_length(rd + 2 + skip, rdlen - skip) > 0)
			want_address(c, rd + 2 + skip);
		rd += 2 + rdlen;
	}
}

/*
 * Add the A and AAAA RRsets of the queued names that lie in the current
 * zone, outside any delegation (glue is for referrals: add_glue()), and
 * are not in the message yet.
 */
static void add_additional(struct ctx *c)
{
	const struct zone_node *apex = zone_apex(c->zone);
	for (unsigned i = 0; i < c->naddl; i++) {
		const uint8_t *name = c->addl[i];
		size_t len = (size_t)dname_length(name, DNAME_MAXLEN);
		if (!dname_is_sub(name, len, apex->name, apex->namelen))
			continue;
		const struct zone_node *n = zone_find(c->zone, name, len);
		if (n == NULL || n->cut != NULL)
			continue;
		static const uint16_t types[] = {RR_TYPE_A, RR_TYPE_AAAA};
		for (int t = 0; t < 2; t++) {
			const struct zone_rrset *rs =
			        zone_node_rrset(n, types[t]);
			if (rs == NULL || seen(c, n, types[t]))
				continue;
			if (!wr_rrset(c, SEC_ADDITIONAL, n->name, n, rs))
				goto out;
		}
	}
out:
	c->naddl = 0;
}

/* The SOA for a negative answer, with the RFC 2308 section 5 TTL. */
static void add_negative_soa(struct ctx *c)
{
	const struct zone_rrset *soa = zone_soa(c->zone);
	const uint8_t *rd = soa->rdata + 2;
	uint16_t rdlen = rd16(soa->rdata);
	uint32_t minimum = rd32(rd + rdlen - 4);
	uint32_t ttl = soa->ttl < minimum ? soa->ttl : minimum;
	/* A class ANY query cannot be answered authoritatively, so there is
	 * no SOA to prove the negative with. */
	if (c->w.tc || c->q->s.qclass != RR_CLASS_IN)
		return;
	if (!wr_rrset_ttl(&c->w, SEC_AUTHORITY, zone_apex(c->zone)->name, soa,
	                  ttl, NULL, 0))
		c->w.tc = true;
}

/*
 * The glue of the referral to @cut (RFC 9471): first the addresses of
 * every name server at or below the cut (in-domain glue), all of them or
 * TC; then, as room allows, those of name servers elsewhere in the zone
 * (sibling glue, optional).  Knot DNS's rule; NSD instead fills in every
 * A before any AAAA.
 */
static void add_glue(struct ctx *c, const struct zone_node *cut,
                     const struct zone_rrset *ns)
{
	const struct zone_node *apex = zone_apex(c->zone);
	static const uint16_t types[] = {RR_TYPE_A, RR_TYPE_AAAA};
	for (int pass = 0; pass < 2; pass++) {
		const uint8_t *rd = ns->rdata;
		for (uint16_t i = 0; i < ns->count; i++, rd += 2 + rd16(rd)) {
			int len = dname_length(rd + 2, rd16(rd));
			if (len <= 0 ||
			    !dname_is_sub(rd + 2, (size_t)len, apex->name,
			                  apex->namelen))
				continue;
			bool in_domain = dname_is_sub(rd + 2, (size_t)len,
			                              cut->name, cut->namelen);
			if (in_domain != (pass == 0))
				continue;
			const struct zone_node *n =
			        zone_find(c->zone, rd + 2, (size_t)len);
			for (int t = 0; n != NULL && t < 2; t++) {
				const struct zone_rrset *rs =
				        zone_node_rrset(n, types[t]);
				if (rs == NULL || seen(c, n, types[t]))
					continue;
				if (wr_rrset(c, SEC_ADDITIONAL, n->name, n, rs))
					continue;
				if (in_domain)
					c->w.tc = true;
				return;
			}
		}
	}
}

/* A referral to the delegation at @cut: NS in authority, glue. */
static void add_referral(struct ctx *c, const struct zone_node *cut)
{
	const struct zone_rrset *ns = zone_node_rrset(cut, RR_TYPE_NS);
	if (!wr_rrset(c, SEC_AUTHORITY, cut->name, cut, ns))
		return;
	add_glue(c, cut, ns);
}

/*
 * After a positive answer, the zone's NS RRset in the authority section
 * and the addresses of its name servers, as NSD gives them (RFC 1034
 * 4.3.2 step 6 leaves them optional; minimal-responses turns them off).
 */
static void add_zone_ns(struct ctx *c)
{
	const struct zone_node *apex = zone_apex(c->zone);
	const struct zone_rrset *ns = zone_node_rrset(apex, RR_TYPE_NS);
	/* Not for DS (an answer from the parent side of a cut) nor for
	 * class ANY, as NSD does. */
	if (c->minimal || ns == NULL || seen(c, apex, RR_TYPE_NS) ||
	    c->q->s.qtype == RR_TYPE_DS || c->q->s.qclass != RR_CLASS_IN)
		return;
	if (!wr_rrset(c, SEC_AUTHORITY, apex->name, apex, ns)) {
		/* Optional data: leave it out rather than truncate. */
		c->w.tc = false;
		return;
	}
	queue_targets(c, ns);
}

/* Answer qtype ANY at @node with one RRset (RFC 8482 section 4.1). */
static void answer_any(struct ctx *c, const uint8_t *owner,
                       const struct zone_node *node)
{
	if (node->nrrsets == 0) {
		add_negative_soa(c);
		return;
	}
	/* The SOA at an apex, else the first RRset (by type). */
	const struct zone_rrset *rs = zone_node_rrset(node, RR_TYPE_SOA);
	wr_rrset(c, SEC_ANSWER, owner, node, rs ? rs : &node->rrsets[0]);
}

/*
 * Find the node that answers @name: the exact node, the wildcard of its
 * closest encloser, or NULL for NXDOMAIN.  *@cut is set when the name is
 * at or below a delegation (a referral is due).
 */
static const struct zone_node *lookup(const struct ctx *c, const uint8_t *name,
                                      size_t len, const struct zone_node **cut)
{
	uint16_t qtype = c->q->s.qtype;
	const struct zone_node *node = zone_find(c->zone, name, len);
	*cut = NULL;
	if (node != NULL) {
		/* DS is answered from the parent side of the cut. */
		if (node->cut != NULL &&
		    !(node == node->cut && qtype == RR_TYPE_DS))
			*cut = node->cut;
		return node;
	}
	/* The closest encloser; the apex always exists. */
	const uint8_t *p = name;
	size_t plen = len;
	const struct zone_node *ce = NULL;
	while (ce == NULL) {
		plen -= (size_t)*p + 1;
		p += *p + 1;
		ce = zone_find(c->zone, p, plen);
	}
	if (ce->cut != NULL) {
		*cut = ce->cut;
		return ce;
	}
	uint8_t wild[DNAME_MAXLEN];
	if (plen + 2 > DNAME_MAXLEN)
		return NULL;
	wild[0] = 1;
	wild[1] = '*';
	memcpy(wild + 2, ce->name, plen);
	return zone_find(c->zone, wild, plen + 2);
}

/*
 * Is @name, reached by the chain in the current zone, a name not ready
 * (zone_not_ready()) for this query's type?  Only the types that ask for
 * its addresses: other data at the name (TXT, MX) keeps its answer.
 */
static bool not_ready(const struct ctx *c, const uint8_t *name, size_t len)
{
	uint16_t t = c->q->s.qtype;
	return (t == RR_TYPE_A || t == RR_TYPE_AAAA || t == RR_TYPE_CNAME ||
	        t == RR_TYPE_ANY) &&
	       zone_not_ready(c->zone, name, len);
}

/*
 * Answer the query name and follow CNAMEs, across every zone served, each
 * CNAME written once (a loop ends the chain).
 */
static void answer_chain(struct ctx *c)
{
	const uint8_t *name = c->q->s.qname;
	size_t len = c->q->s.qnamelen;
	uint16_t qtype = c->q->s.qtype;
	const uint8_t *owners[MAX_CHAIN]; /* names whose CNAME is written */
	size_t lens[MAX_CHAIN];

	for (int hop = 0; hop < MAX_CHAIN; hop++) {
		const struct zone_node *cut;
		const struct zone_node *node = lookup(c, name, len, &cut);
		if (cut != NULL) {
			if (hop == 0)
				c->aa = false;
			add_referral(c, cut);
			return;
		}
		if (not_ready(c, name, len)) {
			c->not_ready = true;
			return;
		}
		if (node == NULL) {
			c->rcode = DNS_RCODE_NXDOMAIN;
			add_negative_soa(c);
			return;
		}
		if (qtype == RR_TYPE_ANY) {
			answer_any(c, name, node);
			return;
		}
		const struct zone_rrset *rs = zone_node_rrset(node, qtype);
		if (rs != NULL) {
			const uint8_t *sel[WEIGHT_ANSWERS_MAX];
			unsigned nsel = weighted(c, node, rs, sel);
			/* The targets' addresses are added after the
			 * authority section (answer_query). */
			if (wr_rrset_sel(c, SEC_ANSWER, name, node, rs,
			                 nsel != 0 ? sel : NULL, nsel)) {
				c->positive = true;
				queue_targets(c, rs);
			}
			return;
		}
		const struct zone_rrset *cname =
		        zone_node_rrset(node, RR_TYPE_CNAME);
		if (cname == NULL) {
			add_negative_soa(c);
			return;
		}
		if (!wr_rrset(c, SEC_ANSWER, name, node, cname))
			return;
		owners[hop] = name;
		lens[hop] = len;
		name = cname->rdata + 2;
		int tlen = dname_length(name, rd16(cname->rdata));
		if (tlen < 0)
			return;
		len = (size_t)tlen;
		const struct zone *z = zoneset_find(c->zs, name, len);
		if (z == NULL)
			return; /* the chain leaves what we serve */
		c->zone = z;
		/* A loop: every CNAME of it is in the answer once. */
		for (int i = 0; i <= hop; i++) {
			if (dname_equal(name, len, owners[i], lens[i]))
				return;
		}
	}
}

/*
 * Parse the request with the one shape check of every path, then what a
 * query adds: one question, opcode QUERY, no answer section, an authority
 * section only in IXFR.  Returns the rcode to answer with (NOERROR to go
 * on), or -1 to drop the message.
 */
static int parse_query(struct query *q, const uint8_t *pkt, size_t len)
{
	q->pkt = pkt;
	q->len = len;
	int rc = msg_shape(pkt, len, &q->s);
	if (rc == MSG_DROP)
		return -1;
	if (q->s.qdcount != 1 || q->s.qnamelen == 0) {
		/* No question to echo or answer: the header alone. */
		uint16_t id = q->s.id, flags = q->s.flags;
		memset(&q->s, 0, sizeof(q->s));
		q->s.id = id;
		q->s.flags = flags;
		return DNS_RCODE_FORMERR;
	}
	if (rc == DNS_RCODE_FORMERR)
		return rc;
	if (DNS_OPCODE(q->s.flags) != DNS_OPCODE_QUERY)
		return DNS_RCODE_NOTIMP;
	/* Only an IXFR query carries a record outside the question and the
	 * additional section: the client's SOA (RFC 1995). */
	if (q->s.ancount != 0 ||
	    (q->s.nscount != 0 && q->s.qtype != RR_TYPE_IXFR))
		return DNS_RCODE_FORMERR;
	return rc; /* NOERROR or BADVERS */
}

/* Is the CHAOS query one of the server identity names NSD knows? */
static bool is_identity_query(const struct query *q)
{
	static const char *const names[] = {"\7version\4bind",
	                                    "\7version\6server", "\2id\6server",
	                                    "\10hostname\4bind"};
	if (q->s.qtype != RR_TYPE_TXT)
		return false;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i]) + 1;
		if (dname_equal(q->s.qname, q->s.qnamelen,
		                (const uint8_t *)names[i], n))
			return true;
	}
	return false;
}

/*
 * The zone transfer request of a name that is not a zone apex gets
 * NOTAUTH; of an apex, REFUSED (no transfer is allowed).
 */
static int transfer_rcode(const struct zoneset *zs, const struct query *q)
{
	const struct zone *z = zoneset_find(zs, q->s.qname, q->s.qnamelen);
	if (z == NULL)
		return DNS_RCODE_NOTAUTH;
	const struct zone_node *apex = zone_apex(z);
	if (!dname_equal(apex->name, apex->namelen, q->s.qname, q->s.qnamelen))
		return DNS_RCODE_NOTAUTH;
	return DNS_RCODE_REFUSED;
}

/*
 * A NOTIFY (RFC 1996) to a primary: authd takes no zone from elsewhere,
 * so, as NSD without allow-notify, REFUSED for a zone it serves and
 * NXDOMAIN for any other name.
 */
static int notify_rcode(const struct zoneset *zs, const struct query *q)
{
	const struct zone *z = zoneset_find(zs, q->s.qname, q->s.qnamelen);
	if (z == NULL || !dname_equal(zone_apex(z)->name, zone_apex(z)->namelen,
	                              q->s.qname, q->s.qnamelen))
		return DNS_RCODE_NXDOMAIN;
	return DNS_RCODE_REFUSED;
}

/*
 * Decide what to do with a parsed, valid query short of looking it up:
 * returns true when @c->rcode (and *@ede, *@echo) already say it all.
 */
static bool refuse_early(struct ctx *c, const struct zoneset *zs, int *ede,
                         bool *echo)
{
	const struct query *q = c->q;
	if (q->s.qclass == RR_CLASS_CH) {
		c->rcode = DNS_RCODE_REFUSED;
		*ede = is_identity_query(q) ? EDE_PROHIBITED
		                            : EDE_NOT_SUPPORTED;
		return true;
	}
	if (q->s.qclass != RR_CLASS_IN && q->s.qclass != RR_CLASS_ANY) {
		/* As NSD: refused, and the question is not repeated. */
		c->rcode = DNS_RCODE_REFUSED;
		*ede = EDE_NOT_SUPPORTED;
		*echo = false;
		return true;
	}
	if (q->s.qtype == RR_TYPE_OPT || q->s.qtype == RR_TYPE_TSIG ||
	    q->s.qtype == RR_TYPE_TKEY) {
		c->rcode = DNS_RCODE_FORMERR;
		return true;
	}
	if (q->s.qtype == RR_TYPE_AXFR || q->s.qtype == RR_TYPE_IXFR) {
		c->rcode = transfer_rcode(zs, q);
		if (c->rcode == DNS_RCODE_REFUSED)
			*ede = EDE_PROHIBITED;
		return true;
	}
	return false;
}

/* Pick the zone of the query name; DS at an apex goes to the parent. */
static const struct zone *query_zone(const struct zoneset *zs,
                                     const struct query *q)
{
	const struct zone *z = zoneset_find(zs, q->s.qname, q->s.qnamelen);
	if (z == NULL || q->s.qtype != RR_TYPE_DS || q->s.qnamelen <= 1)
		return z;
	const struct zone_node *apex = zone_apex(z);
	if (!dname_equal(apex->name, apex->namelen, q->s.qname, q->s.qnamelen))
		return z;
	const uint8_t *up = q->s.qname + q->s.qname[0] + 1;
	const struct zone *parent =
	        zoneset_find(zs, up, q->s.qnamelen - q->s.qname[0] - 1U);
	return parent != NULL ? parent : z;
}

/* Answer the parsed query @q (@rc from parse_query()) in place. */
static void answer_parsed(const struct zoneset *zs, const struct query *q,
                          int rc, const struct answer_opts *opts, uint8_t *out,
                          size_t *outlen, int *rcode)
{
	const uint8_t *pkt = q->pkt;
	struct ctx c;
	memset(&c, 0, offsetof(struct ctx, seen));
	c.nseen = 0;
	c.zs = zs;
	c.q = q;
	c.rcode = rc;
	c.minimal = opts->minimal_responses;
	c.wmax = opts->weighted_answers != 0 ? opts->weighted_answers : 1;
	if (c.wmax > WEIGHT_ANSWERS_MAX)
		c.wmax = WEIGHT_ANSWERS_MAX;
	c.rng_local = 0x100000001ULL * q->s.id + 1;
	c.rng = opts->rng != NULL ? opts->rng : &c.rng_local;
	c.w.buf = out;
	int ede = -1;

	/* Room for the sections: the client's limit minus our OPT. */
	size_t limit = DNS_MAX_MSG;
	if (!opts->tcp) {
		limit = DNS_MIN_UDP;
		if (q->s.edns && q->s.edns_payload > DNS_MIN_UDP)
			limit = q->s.edns_payload < opts->max_udp_payload
			                ? q->s.edns_payload
			                : opts->max_udp_payload;
	}
	bool with_opt = q->s.edns && rc != DNS_RCODE_FORMERR;
	c.w.cap = limit - (with_opt ? DNS_OPT_LEN : 0);

	/* The question exactly as it was asked (NSD leaves it out of
	 * NOTIMP answers).  Every suffix of it is a compression target, so
	 * names in the answer take on the query's letter case. */
	bool echo = q->s.qend != 0 && rc != DNS_RCODE_NOTIMP;
	bool notify = rc == DNS_RCODE_NOTIMP && q->s.qend != 0 &&
	              DNS_OPCODE(q->s.flags) == DNS_OPCODE_NOTIFY;
	if (notify)
		c.rcode = notify_rcode(zs, q);
	if (rc == DNS_RCODE_NOERROR && refuse_early(&c, zs, &ede, &echo))
		;
	else if (rc == DNS_RCODE_NOERROR &&
	         (c.zone = query_zone(zs, q)) == NULL) {
		c.rcode = DNS_RCODE_REFUSED;
		ede = EDE_NOT_AUTHORITATIVE;
	}
	c.w.len = DNS_HEADER_LEN;
	if (echo) {
		memcpy(out + DNS_HEADER_LEN, pkt + DNS_HEADER_LEN,
		       q->s.qend - DNS_HEADER_LEN);
		c.w.len = q->s.qend;
		/* A name of more labels than MAX_COMP: the first ones. */
		for (size_t o = 0; q->s.qname[o] != 0 && c.w.ncomp < MAX_COMP;
		     o += q->s.qname[o] + 1U)
			c.w.comp[c.w.ncomp++] = (uint16_t)(DNS_HEADER_LEN + o);
	}
	if (c.zone != NULL) {
		/* Class ANY is answered from the IN data, but not
		 * authoritatively. */
		c.aa = q->s.qclass == RR_CLASS_IN;
		answer_chain(&c);
		if (c.positive) {
			add_zone_ns(&c);
			add_additional(&c);
		}
	}

	const char *ede_text = NULL;
	if (c.not_ready) {
		/* As a server whose zone is not loaded yet (NSD, Knot):
		 * SERVFAIL, which resolvers do not cache as a negative answer
		 * and retry elsewhere, or serve stale (RFC 8767) meanwhile. */
		c.rcode = DNS_RCODE_SERVFAIL;
		c.aa = false;
		c.w.tc = false;
		c.w.len = echo ? q->s.qend : DNS_HEADER_LEN;
		memset(c.w.count, 0, sizeof(c.w.count));
		ede = EDE_NOT_READY;
		ede_text = ANSWER_NOT_READY_TEXT;
	}
	if (c.w.tc) {
		/* Keep only the question: a truncated answer is retried
		 * over TCP, and a partial one must not be cached. */
		c.w.len = echo ? q->s.qend : DNS_HEADER_LEN;
		memset(c.w.count, 0, sizeof(c.w.count));
	}
	bool aa = c.aa || (notify && (q->s.flags & DNS_FLAG_AA));
	uint16_t flags = msg_reply_flags(q->s.flags, aa, c.w.tc, c.rcode);
	wr16(out, q->s.id);
	wr16(out + 2, flags);
	wr16(out + 4, echo ? 1 : 0);
	wr16(out + 6, c.w.count[SEC_ANSWER]);
	wr16(out + 8, c.w.count[SEC_AUTHORITY]);
	uint16_t ar = c.w.count[SEC_ADDITIONAL];
	if (with_opt) {
		c.w.len +=
		        msg_write_opt(c.w.buf + c.w.len, opts->max_udp_payload,
		                      c.rcode, q->s.edns_do, ede, ede_text,
		                      ede_text ? strlen(ede_text) : 0);
		ar++;
	}
	wr16(out + 10, ar);
	*outlen = c.w.len;
	*rcode = c.rcode;
}

dp_status answer_query(const struct zoneset *zs, const uint8_t *pkt, size_t len,
                       const struct answer_opts *opts, uint8_t *out,
                       size_t *outlen, int *rcode)
{
	struct query q;
	int rc = parse_query(&q, pkt, len);
	if (rc < 0)
		return DP_EINVAL;
	if (q.s.tsig)
		return DP_ESIGNED;
	answer_parsed(zs, &q, rc, opts, out, outlen, rcode);
	return DP_OK;
}

enum answer_route answer_message(const struct zoneset *zs, const uint8_t *pkt,
                                 size_t len, const struct answer_opts *opts,
                                 uint8_t *out, size_t *outlen, int *rcode)
{
	struct query q;
	int rc = parse_query(&q, pkt, len);
	if (rc < 0)
		return ANSWER_DROP;
	/* The update thread checks an UPDATE whole, whatever its shape. */
	if (DNS_OPCODE(q.s.flags) == DNS_OPCODE_UPDATE && opts->updates)
		return ANSWER_TO_UPDATER;
	/* Zone transfers: over TCP, and IXFR also over UDP (RFC 1995 2);
	 * the transfer thread checks access, signed or not. */
	bool xfr_type = q.s.qtype == RR_TYPE_IXFR ||
	                (q.s.qtype == RR_TYPE_AXFR && opts->tcp);
	if (rc == DNS_RCODE_NOERROR && xfr_type && opts->transfers)
		return ANSWER_TO_TRANSFER;
	/* A signed query: the update thread holds the keys. */
	if (q.s.tsig)
		return opts->updates ? ANSWER_TO_UPDATER : ANSWER_DROP;
	answer_parsed(zs, &q, rc, opts, out, outlen, rcode);
	return ANSWER_DONE;
}
