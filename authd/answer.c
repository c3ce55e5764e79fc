/*
 * answer.c - authoritative answers: query parsing, lookup and response
 * writing with name compression.
 *
 * The lookup follows RFC 1034 section 4.3.2 with the clarifications of
 * RFC 2308 (negative answers), RFC 4592 (wildcards), RFC 6604 (rcode of a
 * CNAME chain), RFC 8482 (ANY) and RFC 6891 (EDNS).  Every response is
 * built in the caller's buffer; nothing is allocated.
 */
#include <string.h>

#include "answer.h"
#include "dname.h"

#define FLAG_QR      0x8000
#define FLAG_AA      0x0400
#define FLAG_TC      0x0200
#define FLAG_RD      0x0100
#define FLAG_CD      0x0010
#define OPCODE(f)    (((f) >> 11) & 0xF)
#define OPCODE_QUERY 0

#define EDNS_DO    0x8000
#define OPT_RR_LEN 11
#define MAX_COMP   64
#define MAX_CHAIN  16
#define MAX_ADDL   32

/* A parsed query. */
struct query {
	const uint8_t *pkt;
	size_t len;
	uint16_t id, flags;
	uint8_t qname[DNAME_MAXLEN];
	size_t qnamelen;
	uint16_t qtype, qclass;
	size_t qend; /* end of the question section */
	bool edns;
	uint8_t edns_version;
	uint16_t edns_payload;
	bool edns_do;
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
	const struct zone *zone;
	const struct query *q;
	struct writer w;
	int rcode;
	bool aa;
	bool udp;
	const uint8_t *addl[MAX_ADDL]; /* names wanting address records */
	unsigned naddl;
};

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

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
	size_t fixed = 0; /* bytes before the first name */
	int names = 0;
	switch (type) {
	case RR_TYPE_NS:
	case RR_TYPE_CNAME:
	case RR_TYPE_PTR:
	case 3: /* MD */
	case 4: /* MF */
	case 7: /* MB */
	case 8: /* MG */
	case 9: /* MR */
		names = 1;
		break;
	case RR_TYPE_MX:
		fixed = 2;
		names = 1;
		break;
	case RR_TYPE_SOA:
	case 14: /* MINFO */
		names = 2;
		break;
	default:
		return wr_bytes(w, rd, rdlen);
	}
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
 * Write a whole RRset into @sec with owner @owner and TTL @ttl.  If it
 * does not fit, the message is left as it was and false is returned.
 */
static bool wr_rrset_ttl(struct writer *w, enum section sec,
                         const uint8_t *owner, const struct zone_rrset *rrset,
                         uint32_t ttl)
{
	size_t save_len = w->len;
	unsigned save_comp = w->ncomp;
	const uint8_t *rd = rrset->rdata;
	for (uint16_t i = 0; i < rrset->count; i++) {
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
	w->count[sec] += rrset->count;
	return true;
nospace:
	w->len = save_len;
	w->ncomp = save_comp;
	return false;
}

static bool wr_rrset(struct ctx *c, enum section sec, const uint8_t *owner,
                     const struct zone_rrset *rrset)
{
	if (c->w.tc)
		return false;
	if (wr_rrset_ttl(&c->w, sec, owner, rrset, rrset->ttl))
		return true;
	/* RFC 2181 section 9: only a missing answer or authority RRset
	 * makes the message truncated; additional data is optional. */
	if (sec != SEC_ADDITIONAL)
		c->w.tc = true;
	return false;
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
 * Add the A and AAAA RRsets of the queued names that lie in the zone.
 * Glue below a delegation is only used for referrals (@glue).
 */
static void add_additional(struct ctx *c, bool glue)
{
	const struct zone_node *apex = zone_apex(c->zone);
	for (unsigned i = 0; i < c->naddl; i++) {
		const uint8_t *name = c->addl[i];
		size_t len = (size_t)dname_length(name, DNAME_MAXLEN);
		bool dup = false;
		for (unsigned j = 0; j < i; j++) {
			if (dname_equal(c->addl[j],
			                (size_t)dname_length(c->addl[j],
			                                     DNAME_MAXLEN),
			                name, len))
				dup = true;
		}
		if (dup || !dname_is_sub(name, len, apex->name, apex->namelen))
			continue;
		const struct zone_node *n = zone_find(c->zone, name, len);
		if (n == NULL || (n->cut != NULL && !glue))
			continue;
		static const uint16_t types[] = {RR_TYPE_A, RR_TYPE_AAAA};
		for (int t = 0; t < 2; t++) {
			const struct zone_rrset *rs =
			        zone_node_rrset(n, types[t]);
			if (rs != NULL &&
			    !wr_rrset(c, SEC_ADDITIONAL, n->name, rs))
				return;
		}
	}
}

/* The SOA for a negative answer, with the RFC 2308 section 5 TTL. */
static void add_negative_soa(struct ctx *c)
{
	const struct zone_rrset *soa = zone_soa(c->zone);
	const uint8_t *rd = soa->rdata + 2;
	uint16_t rdlen = rd16(soa->rdata);
	uint32_t minimum = (uint32_t)rd[rdlen - 4] << 24 |
	                   (uint32_t)rd[rdlen - 3] << 16 |
	                   (uint32_t)rd[rdlen - 2] << 8 | rd[rdlen - 1];
	uint32_t ttl = soa->ttl < minimum ? soa->ttl : minimum;
	if (c->w.tc)
		return;
	if (!wr_rrset_ttl(&c->w, SEC_AUTHORITY, zone_apex(c->zone)->name, soa,
	                  ttl))
		c->w.tc = true;
}

/* A referral to the delegation at @cut: NS in authority, glue. */
static void add_referral(struct ctx *c, const struct zone_node *cut)
{
	const struct zone_rrset *ns = zone_node_rrset(cut, RR_TYPE_NS);
	if (!wr_rrset(c, SEC_AUTHORITY, cut->name, ns))
		return;
	queue_targets(c, ns);
	add_additional(c, true);
}

/* Answer qtype ANY at @node (RFC 8482). */
static void answer_any(struct ctx *c, const uint8_t *owner,
                       const struct zone_node *node)
{
	if (node->nrrsets == 0) {
		add_negative_soa(c);
		return;
	}
	/* Over UDP one RRset is enough (RFC 8482 section 4.1); TCP gets
	 * everything, which costs the server nothing it would not spend on
	 * the individual queries. */
	for (uint16_t i = 0; i < node->nrrsets; i++) {
		if (!wr_rrset(c, SEC_ANSWER, owner, &node->rrsets[i]))
			return;
		if (c->udp)
			return;
	}
}

/*
 * Answer @name (the query name or a CNAME target) from the zone; @hop
 * counts the CNAMEs followed so far.
 */
static void answer_name(struct ctx *c, const uint8_t *name, size_t len, int hop)
{
	uint16_t qtype = c->q->qtype;
	const struct zone_node *node = zone_find(c->zone, name, len);

	if (node == NULL) {
		/* Find the closest encloser; the apex always exists. */
		const uint8_t *p = name;
		size_t plen = len;
		const struct zone_node *ce = NULL;
		while (ce == NULL) {
			plen -= (size_t)*p + 1;
			p += *p + 1;
			ce = zone_find(c->zone, p, plen);
		}
		if (ce->cut != NULL) {
			if (hop == 0)
				c->aa = false;
			add_referral(c, ce->cut);
			return;
		}
		uint8_t wild[DNAME_MAXLEN];
		if (plen + 2 <= DNAME_MAXLEN) {
			wild[0] = 1;
			wild[1] = '*';
			memcpy(wild + 2, ce->name, plen);
			node = zone_find(c->zone, wild, plen + 2);
		}
		if (node == NULL) {
			c->rcode = DNS_RCODE_NXDOMAIN;
			add_negative_soa(c);
			return;
		}
		/* A wildcard match: synthesise records owned by @name. */
	} else if (node->cut != NULL &&
	           !(node == node->cut && qtype == RR_TYPE_DS)) {
		if (hop == 0)
			c->aa = false;
		add_referral(c, node->cut);
		return;
	}

	if (qtype == RR_TYPE_ANY) {
		answer_any(c, name, node);
		return;
	}
	const struct zone_rrset *rs = zone_node_rrset(node, qtype);
	if (rs != NULL) {
		if (wr_rrset(c, SEC_ANSWER, name, rs)) {
			queue_targets(c, rs);
			add_additional(c, false);
		}
		return;
	}
	const struct zone_rrset *cname = zone_node_rrset(node, RR_TYPE_CNAME);
	if (cname != NULL) {
		if (!wr_rrset(c, SEC_ANSWER, name, cname))
			return;
		const uint8_t *target = cname->rdata + 2;
		int tlen = dname_length(target, rd16(cname->rdata));
		const struct zone_node *apex = zone_apex(c->zone);
		if (tlen > 0 && hop + 1 < MAX_CHAIN &&
		    dname_is_sub(target, (size_t)tlen, apex->name,
		                 apex->namelen))
			answer_name(c, target, (size_t)tlen, hop + 1);
		return;
	}
	add_negative_soa(c);
}

/*
 * Parse the header and question; returns the rcode to answer with
 * (NOERROR to go on), or -1 to drop the message.
 */
static int parse_query(struct query *q, const uint8_t *pkt, size_t len)
{
	memset(q, 0, sizeof(*q));
	q->pkt = pkt;
	q->len = len;
	if (len < DNS_HEADER_LEN)
		return -1;
	q->id = rd16(pkt);
	q->flags = rd16(pkt + 2);
	if (q->flags & FLAG_QR)
		return -1;
	uint16_t qd = rd16(pkt + 4), an = rd16(pkt + 6), ns = rd16(pkt + 8),
	         ar = rd16(pkt + 10);
	if (qd != 1)
		return DNS_RCODE_FORMERR;

	/* The question name: no compression is possible this early. */
	size_t pos = DNS_HEADER_LEN;
	size_t n = 0;
	for (;;) {
		if (pos >= len)
			return DNS_RCODE_FORMERR;
		uint8_t l = pkt[pos];
		if (l & 0xC0)
			return DNS_RCODE_FORMERR;
		if (n + l + 1 > DNAME_MAXLEN || pos + l + 1 > len)
			return DNS_RCODE_FORMERR;
		memcpy(q->qname + n, pkt + pos, (size_t)l + 1);
		n += (size_t)l + 1;
		pos += (size_t)l + 1;
		if (l == 0)
			break;
	}
	q->qnamelen = n;
	if (pos + 4 > len)
		return DNS_RCODE_FORMERR;
	q->qtype = rd16(pkt + pos);
	q->qclass = rd16(pkt + pos + 2);
	pos += 4;
	q->qend = pos;

	if (OPCODE(q->flags) != OPCODE_QUERY)
		return DNS_RCODE_NOTIMP;
	if (an != 0 || ns != 0)
		return DNS_RCODE_FORMERR;

	/* The additional section: at most one OPT, at the root. */
	for (uint16_t i = 0; i < ar; i++) {
		uint8_t name[DNAME_MAXLEN];
		int nl = dname_unpack(pkt, len, &pos, name);
		if (nl < 0 || pos + 10 > len)
			return DNS_RCODE_FORMERR;
		uint16_t type = rd16(pkt + pos);
		uint16_t rdlen = rd16(pkt + pos + 8);
		if (pos + 10 + rdlen > len)
			return DNS_RCODE_FORMERR;
		if (type == RR_TYPE_OPT) {
			if (q->edns || nl != 1)
				return DNS_RCODE_FORMERR;
			q->edns = true;
			q->edns_payload = rd16(pkt + pos + 2);
			q->edns_version = pkt[pos + 5];
			q->edns_do = (rd16(pkt + pos + 6) & EDNS_DO) != 0;
			/* Options must be well formed; unknown ones are
			 * ignored (RFC 6891 section 6.1.2). */
			size_t o = pos + 10, end = o + rdlen;
			while (o < end) {
				if (o + 4 > end ||
				    o + 4 + rd16(pkt + o + 2) > end)
					return DNS_RCODE_FORMERR;
				o += 4 + rd16(pkt + o + 2);
			}
		}
		pos += 10 + (size_t)rdlen;
	}
	if (pos != len)
		return DNS_RCODE_FORMERR;
	return DNS_RCODE_NOERROR;
}

/* Write the OPT record of the response after the sections. */
static void write_opt(struct writer *w, const struct query *q, int rcode,
                      uint16_t max_payload)
{
	uint8_t *p = w->buf + w->len;
	p[0] = 0; /* root */
	wr16(p + 1, RR_TYPE_OPT);
	wr16(p + 3, max_payload);
	p[5] = (uint8_t)(rcode >> 4); /* extended rcode, upper 8 bits */
	p[6] = 0;                     /* version */
	wr16(p + 7, q->edns_do ? EDNS_DO : 0);
	wr16(p + 9, 0);
	w->len += OPT_RR_LEN;
}

dp_status answer_query(const struct zoneset *zs, const uint8_t *pkt, size_t len,
                       const struct answer_opts *opts, uint8_t *out,
                       size_t *outlen, int *rcode)
{
	struct query q;
	int rc = parse_query(&q, pkt, len);
	if (rc < 0)
		return DP_EINVAL;

	struct ctx c;
	memset(&c.w, 0, sizeof(c.w));
	c.q = &q;
	c.zone = NULL;
	c.rcode = rc;
	c.aa = false;
	c.udp = !opts->tcp;
	c.naddl = 0;
	c.w.buf = out;

	/* Room for the sections: the client's limit minus our OPT. */
	size_t limit = DNS_MAX_MSG;
	if (!opts->tcp) {
		limit = DNS_MIN_UDP;
		if (q.edns && q.edns_payload > DNS_MIN_UDP)
			limit = q.edns_payload < opts->max_udp_payload
			                ? q.edns_payload
			                : opts->max_udp_payload;
	}
	bool with_opt = q.edns && rc != DNS_RCODE_FORMERR;
	c.w.cap = limit - (with_opt ? OPT_RR_LEN : 0);

	/* Header, then the question exactly as it was asked. */
	bool echo_question = q.qend != 0;
	if (echo_question && rc == DNS_RCODE_FORMERR && q.qnamelen == 0)
		echo_question = false;
	wr16(out, q.id);
	c.w.len = DNS_HEADER_LEN;
	if (echo_question) {
		memcpy(out + DNS_HEADER_LEN, pkt + DNS_HEADER_LEN,
		       q.qend - DNS_HEADER_LEN);
		c.w.len = q.qend;
		c.w.comp[c.w.ncomp++] = DNS_HEADER_LEN;
	}

	if (rc == DNS_RCODE_NOERROR && q.edns && q.edns_version > 0)
		c.rcode = DNS_RCODE_BADVERS;
	else if (rc != DNS_RCODE_NOERROR)
		;
	else if (q.qclass != RR_CLASS_IN && q.qclass != RR_CLASS_ANY)
		c.rcode = DNS_RCODE_REFUSED;
	else if (q.qtype == RR_TYPE_OPT || q.qtype == RR_TYPE_TSIG ||
	         q.qtype == RR_TYPE_TKEY)
		c.rcode = DNS_RCODE_FORMERR;
	else if (q.qtype == RR_TYPE_AXFR || q.qtype == RR_TYPE_IXFR)
		c.rcode = DNS_RCODE_REFUSED;
	else if ((c.zone = zoneset_find(zs, q.qname, q.qnamelen)) == NULL)
		c.rcode = DNS_RCODE_REFUSED;
	else {
		/* DS belongs to the parent side of a zone cut: when we also
		 * serve the parent, answer from there. */
		const struct zone_node *apex = zone_apex(c.zone);
		if (q.qtype == RR_TYPE_DS &&
		    dname_equal(apex->name, apex->namelen, q.qname,
		                q.qnamelen) &&
		    q.qnamelen > 1) {
			const uint8_t *up = q.qname + q.qname[0] + 1;
			const struct zone *parent = zoneset_find(
			        zs, up, q.qnamelen - q.qname[0] - 1U);
			if (parent != NULL)
				c.zone = parent;
		}
		c.aa = true;
		answer_name(&c, q.qname, q.qnamelen, 0);
	}

	if (c.w.tc) {
		/* Keep only the question: a truncated answer is retried
		 * over TCP, and a partial one must not be cached. */
		c.w.len = echo_question ? q.qend : DNS_HEADER_LEN;
		memset(c.w.count, 0, sizeof(c.w.count));
	}
	uint16_t flags = FLAG_QR | (q.flags & (0x7800 | FLAG_RD | FLAG_CD));
	if (c.aa)
		flags |= FLAG_AA;
	if (c.w.tc)
		flags |= FLAG_TC;
	flags |= (uint16_t)(c.rcode & 0xF);
	wr16(out + 2, flags);
	wr16(out + 4, echo_question ? 1 : 0);
	wr16(out + 6, c.w.count[SEC_ANSWER]);
	wr16(out + 8, c.w.count[SEC_AUTHORITY]);
	uint16_t ar = c.w.count[SEC_ADDITIONAL];
	if (with_opt) {
		write_opt(&c.w, &q, c.rcode, opts->max_udp_payload);
		ar++;
	}
	wr16(out + 10, ar);
	*outlen = c.w.len;
	*rcode = c.rcode;
	return DP_OK;
}
