/*
 * dnsmsg.c - one structural check of DNS requests, and the response
 * header and OPT record, for every path of authd.
 */
#include <string.h>

#include "dns.h"
#include "dnsmsg.h"
#include "wire.h"

/* Check the OPT record whose fixed part is at @pos (owner @nl bytes). */
static int read_opt(const uint8_t *pkt, size_t pos, int nl, struct msg_shape *s)
{
	if (s->edns || nl != 1)
		return DNS_RCODE_FORMERR;
	s->edns = true;
	s->edns_payload = rd16(pkt + pos + 2);
	s->edns_ext_rcode = pkt[pos + 4];
	s->edns_version = pkt[pos + 5];
	s->edns_do = (rd16(pkt + pos + 6) & DNS_EDNS_DO) != 0;
	/* Options must be well formed; unknown ones are ignored (RFC 6891
	 * 6.1.2). */
	size_t o = pos + 10, end = o + rd16(pkt + pos + 8);
	while (o < end) {
		if (o + 4 > end || o + 4 + rd16(pkt + o + 2) > end)
			return DNS_RCODE_FORMERR;
		o += 4 + (size_t)rd16(pkt + o + 2);
	}
	return DNS_RCODE_NOERROR;
}

int msg_shape(const uint8_t *pkt, size_t len, struct msg_shape *s)
{
	memset(s, 0, sizeof(*s));
	if (len < DNS_HEADER_LEN)
		return MSG_DROP;
	s->id = rd16(pkt);
	s->flags = rd16(pkt + 2);
	if (s->flags & DNS_FLAG_QR)
		return MSG_DROP;
	s->qdcount = rd16(pkt + 4);
	s->ancount = rd16(pkt + 6);
	s->nscount = rd16(pkt + 8);
	s->arcount = rd16(pkt + 10);

	size_t pos = DNS_HEADER_LEN;
	for (unsigned i = 0; i < s->qdcount; i++) {
		uint8_t name[DNAME_MAXLEN];
		size_t start = pos;
		int nl = dname_unpack(pkt, len, &pos, i == 0 ? s->qname : name);
		/* Nothing precedes the first question to point to. */
		if (nl < 0 || (i == 0 && pos - start != (size_t)nl) ||
		    pos + 4 > len)
			return DNS_RCODE_FORMERR;
		if (i == 0) {
			s->qnamelen = (size_t)nl;
			s->qtype = rd16(pkt + pos);
			s->qclass = rd16(pkt + pos + 2);
		}
		pos += 4;
	}
	s->qend = pos;

	unsigned before_ar = (unsigned)s->ancount + s->nscount;
	unsigned total = before_ar + s->arcount;
	for (unsigned i = 0; i < total; i++) {
		size_t start = pos;
		uint8_t name[DNAME_MAXLEN];
		int nl = dname_unpack(pkt, len, &pos, name);
		if (nl < 0 || pos + 10 > len)
			return DNS_RCODE_FORMERR;
		uint16_t type = rd16(pkt + pos);
		size_t rdlen = rd16(pkt + pos + 8);
		if (pos + 10 + rdlen > len)
			return DNS_RCODE_FORMERR;
		bool additional = i >= before_ar;
		if (type == RR_TYPE_OPT) {
			if (!additional || read_opt(pkt, pos, nl, s) != 0)
				return DNS_RCODE_FORMERR;
		} else if (type == RR_TYPE_TSIG) {
			/* RFC 8945 5.1: one TSIG, the last record. */
			if (!additional || i + 1 != total)
				return DNS_RCODE_FORMERR;
			s->tsig = start;
		}
		pos += 10 + rdlen;
	}
	if (pos != len)
		return DNS_RCODE_FORMERR;
	if (s->edns && s->edns_version > 0)
		return DNS_RCODE_BADVERS;
	return DNS_RCODE_NOERROR;
}

uint16_t msg_reply_flags(uint16_t qflags, bool aa, bool tc, int rcode)
{
	uint16_t f = DNS_FLAG_QR |
	             (qflags & (DNS_OPCODE_MASK | DNS_FLAG_RD | DNS_FLAG_CD));
	if (aa)
		f |= DNS_FLAG_AA;
	if (tc)
		f |= DNS_FLAG_TC;
	return (uint16_t)(f | (rcode & 0xF));
}

size_t msg_write_opt(uint8_t *p, uint16_t payload, int rcode, bool dnssec_ok,
                     int ede, const char *text, size_t textlen)
{
	p[0] = 0; /* root */
	wr16(p + 1, RR_TYPE_OPT);
	wr16(p + 3, payload);
	p[5] = (uint8_t)(rcode >> 4); /* extended rcode, upper 8 bits */
	p[6] = 0;                     /* version */
	wr16(p + 7, dnssec_ok ? DNS_EDNS_DO : 0);
	if (ede < 0) {
		wr16(p + 9, 0);
		return DNS_OPT_LEN;
	}
	wr16(p + 9, (uint16_t)(6 + textlen));
	wr16(p + 11, DNS_OPTION_EDE);
	wr16(p + 13, (uint16_t)(2 + textlen));
	wr16(p + 15, (uint16_t)ede);
	if (textlen > 0)
		memcpy(p + 17, text, textlen);
	return DNS_OPT_LEN + 6 + textlen;
}
