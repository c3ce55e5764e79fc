/*
 * dnsmsg.h - the shape of a DNS message, checked once for every path
 * (queries, UPDATE, NOTIFY, zone transfers), and the parts of a response
 * every path writes alike: the header flags and the OPT record.
 *
 * msg_shape() walks the whole message before any path reads it, so that a
 * rule of RFC 1035, 6891 or 8945 about where a record may stand holds on
 * every path or on none.
 */
#ifndef DNSMSG_H
#define DNSMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dname.h"

/* What msg_shape() found. */
struct msg_shape {
	uint16_t id, flags;
	uint16_t qdcount, ancount, nscount, arcount;
	uint8_t qname[DNAME_MAXLEN]; /* the first question, when qdcount > 0 */
	size_t qnamelen;
	uint16_t qtype, qclass;
	size_t qend; /* end of the question section */
	bool edns;   /* an OPT record is present */
	uint8_t edns_version;
	uint16_t edns_payload;
	bool edns_do;
	uint8_t edns_ext_rcode; /* upper 8 bits of a 12-bit rcode */
	size_t tsig;            /* offset of the TSIG record, 0 when unsigned */
};

/* msg_shape()'s verdict beyond the DNS rcodes. */
#define MSG_DROP (-1)

/*
 * msg_shape - check the structure of the request @pkt of @len bytes and
 * fill @s.  Returns MSG_DROP when it must not be answered (shorter than a
 * header, or a response); DNS_RCODE_FORMERR when a record cannot be read,
 * octets follow the last record, an OPT record is not a single root-owned
 * record of the additional section with well-formed options (RFC 6891
 * 6.1.1), or a TSIG record is not the single last record (RFC 8945 5.1);
 * DNS_RCODE_BADVERS when the structure is sound but the EDNS version is
 * above 0 (RFC 6891 6.1.3); DNS_RCODE_NOERROR otherwise.  The question is
 * read when the header and question can be, whatever the verdict.
 */
int msg_shape(const uint8_t *pkt, size_t len, struct msg_shape *s);

/*
 * msg_reply_flags - the header flags of the response to a request with
 * @qflags: QR set, the request's opcode, RD and CD copied (RFC 1035
 * 4.1.1, RFC 4035 3.2.2), AA and TC as given, and the low four bits of
 * @rcode.
 */
uint16_t msg_reply_flags(uint16_t qflags, bool aa, bool tc, int rcode);

/*
 * msg_write_opt - write our OPT record at @p: payload @payload, the upper
 * bits of @rcode, the DO bit when @dnssec_ok, and an RFC 8914 extended
 * error option when @ede >= 0 (with @text of @textlen bytes, may be 0).
 * Returns the bytes written (DNS_OPT_LEN, plus 6 and @textlen with an
 * error option); @p must have room for them.
 */
size_t msg_write_opt(uint8_t *p, uint16_t payload, int rcode, bool dnssec_ok,
                     int ede, const char *text, size_t textlen);

#endif /* DNSMSG_H */
