/*
 * dns.h - the DNS vocabulary of dnsplane, defined once: header flags,
 * opcodes, rcodes, record types and classes, EDNS and RFC 8914 extended
 * error codes, message limits.
 *
 * Numbers are the IANA registry's; names follow the RFCs.
 */
#ifndef DNS_H
#define DNS_H

#include <stdbool.h>
#include <stdint.h>

/* Message limits (RFC 1035 4.2, RFC 6891 6.2.5). */
#define DNS_HEADER_LEN 12
#define DNS_MAX_MSG    65535
#define DNS_MIN_UDP    512

/* Header flags, as the 16-bit word after the ID. */
#define DNS_FLAG_QR       0x8000
#define DNS_FLAG_AA       0x0400
#define DNS_FLAG_TC       0x0200
#define DNS_FLAG_RD       0x0100
#define DNS_FLAG_RA       0x0080
#define DNS_FLAG_AD       0x0020
#define DNS_FLAG_CD       0x0010
#define DNS_OPCODE_MASK   0x7800
#define DNS_OPCODE(flags) (((flags) >> 11) & 0xF)

/* Opcodes. */
#define DNS_OPCODE_QUERY  0
#define DNS_OPCODE_NOTIFY 4
#define DNS_OPCODE_UPDATE 5

/* Rcodes; above 15 the upper 8 bits travel in the OPT record. */
#define DNS_RCODE_NOERROR  0
#define DNS_RCODE_FORMERR  1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP   4
#define DNS_RCODE_REFUSED  5
#define DNS_RCODE_YXDOMAIN 6
#define DNS_RCODE_YXRRSET  7
#define DNS_RCODE_NXRRSET  8
#define DNS_RCODE_NOTAUTH  9
#define DNS_RCODE_NOTZONE  10
#define DNS_RCODE_BADVERS  16

/* Record types. */
#define RR_TYPE_A     1
#define RR_TYPE_NS    2
#define RR_TYPE_CNAME 5
#define RR_TYPE_SOA   6
#define RR_TYPE_PTR   12
#define RR_TYPE_MX    15
#define RR_TYPE_TXT   16
#define RR_TYPE_AAAA  28
#define RR_TYPE_SRV   33
#define RR_TYPE_DNAME 39
#define RR_TYPE_OPT   41
#define RR_TYPE_DS    43
#define RR_TYPE_RRSIG 46
#define RR_TYPE_TKEY  249
#define RR_TYPE_TSIG  250
#define RR_TYPE_IXFR  251
#define RR_TYPE_AXFR  252
#define RR_TYPE_MAILB 253
#define RR_TYPE_MAILA 254
#define RR_TYPE_ANY   255

/* Classes. */
#define RR_CLASS_IN   1
#define RR_CLASS_CH   3
#define RR_CLASS_HS   4
#define RR_CLASS_NONE 254
#define RR_CLASS_ANY  255

/* EDNS (RFC 6891): the DO flag, the option codes used here. */
#define DNS_EDNS_DO    0x8000
#define DNS_OPT_LEN    11 /* the OPT record without options */
#define DNS_OPTION_EDE 15

/* RFC 8914 extended DNS error codes used here. */
#define EDE_OTHER             0
#define EDE_NOT_READY         14
#define EDE_PROHIBITED        18
#define EDE_NOT_AUTHORITATIVE 20
#define EDE_NOT_SUPPORTED     21

/*
 * serial_gt - RFC 1982 serial number arithmetic on SOA serials: is @a
 * greater than @b?  (Neither when they are 2^31 apart.)
 */
static inline bool serial_gt(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(a - b) < 0x80000000u;
}

#endif /* DNS_H */
