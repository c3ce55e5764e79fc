/*
 * check_dnsmsg.c - unit tests of the one message-shape check and of the
 * response header and OPT record every path writes.
 */
#include <check.h>
#include <string.h>

#include "dns.h"
#include "dnsmsg.h"
#include "unit.h"
#include "wire.h"

/* A query for www.test. A with @ar additional records appended from
 * @extra (@extralen bytes); returns its length. */
static size_t query(uint8_t *buf, uint16_t flags, uint16_t ar,
                    const uint8_t *extra, size_t extralen)
{
	static const uint8_t q[] = {3,   'w', 'w', 'w', 4, 't', 'e',
	                            's', 't', 0,   0,   1, 0,   1};
	memset(buf, 0, DNS_HEADER_LEN);
	wr16(buf, 0x1234);
	wr16(buf + 2, flags);
	wr16(buf + 4, 1);
	wr16(buf + 10, ar);
	memcpy(buf + DNS_HEADER_LEN, q, sizeof(q));
	if (extralen > 0)
		memcpy(buf + DNS_HEADER_LEN + sizeof(q), extra, extralen);
	return DNS_HEADER_LEN + sizeof(q) + extralen;
}

static const uint8_t opt0[] = {0, 0, 41, 4, 208, 0, 0, 0x80, 0, 0, 0};
static const uint8_t opt1[] = {0, 0, 41, 4, 208, 0, 1, 0, 0, 0, 0};
/* A TSIG-typed record (content is not read by the shape check). */
static const uint8_t tsig[] = {1, 'k', 0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 0};

START_TEST(test_plain_and_edns)
{
	uint8_t b[512];
	struct msg_shape s;
	size_t n = query(b, DNS_FLAG_RD, 0, NULL, 0);
	ck_assert_int_eq(msg_shape(b, n, &s), DNS_RCODE_NOERROR);
	ck_assert_uint_eq(s.id, 0x1234);
	ck_assert_uint_eq(s.qtype, RR_TYPE_A);
	ck_assert_uint_eq(s.qend, n);
	ck_assert(!s.edns);
	n = query(b, 0, 1, opt0, sizeof(opt0));
	ck_assert_int_eq(msg_shape(b, n, &s), DNS_RCODE_NOERROR);
	ck_assert(s.edns && s.edns_do);
	ck_assert_uint_eq(s.edns_payload, 1232);
	n = query(b, 0, 1, opt1, sizeof(opt1));
	ck_assert_int_eq(msg_shape(b, n, &s), DNS_RCODE_BADVERS);
	ck_assert_uint_eq(s.edns_version, 1);
}
END_TEST

START_TEST(test_formerr)
{
	uint8_t b[512], two[sizeof(opt0) * 2];
	struct msg_shape s;
	memcpy(two, opt0, sizeof(opt0));
	memcpy(two + sizeof(opt0), opt0, sizeof(opt0));
	size_t n = query(b, 0, 2, two, sizeof(two));
	ck_assert_int_eq(msg_shape(b, n, &s), DNS_RCODE_FORMERR);
	/* The question is still read, to be echoed. */
	ck_assert_uint_gt(s.qend, 0);
	/* Octets after the last record. */
	n = query(b, 0, 1, opt0, sizeof(opt0));
	b[n++] = 0;
	ck_assert_int_eq(msg_shape(b, n, &s), DNS_RCODE_FORMERR);
	/* An OPT record outside the additional section. */
	n = query(b, 0, 0, opt0, sizeof(opt0));
	wr16(b + 8, 1);
	ck_assert_int_eq(msg_shape(b, n, &s), DNS_RCODE_FORMERR);
	/* A count larger than the records present. */
	n = query(b, 0, 2, opt0, sizeof(opt0));
	ck_assert_int_eq(msg_shape(b, n, &s), DNS_RCODE_FORMERR);
}
END_TEST

START_TEST(test_tsig_last)
{
	uint8_t b[512], ex[sizeof(opt0) + sizeof(tsig)];
	struct msg_shape s;
	memcpy(ex, opt0, sizeof(opt0));
	memcpy(ex + sizeof(opt0), tsig, sizeof(tsig));
	size_t n = query(b, 0, 2, ex, sizeof(ex));
	ck_assert_int_eq(msg_shape(b, n, &s), DNS_RCODE_NOERROR);
	ck_assert_uint_eq(s.tsig, n - sizeof(tsig));
	/* TSIG before OPT: not last. */
	memcpy(ex, tsig, sizeof(tsig));
	memcpy(ex + sizeof(tsig), opt0, sizeof(opt0));
	n = query(b, 0, 2, ex, sizeof(ex));
	ck_assert_int_eq(msg_shape(b, n, &s), DNS_RCODE_FORMERR);
	/* Octets after the TSIG record. */
	n = query(b, 0, 1, tsig, sizeof(tsig));
	b[n++] = 0;
	ck_assert_int_eq(msg_shape(b, n, &s), DNS_RCODE_FORMERR);
}
END_TEST

START_TEST(test_drop)
{
	uint8_t b[512] = {0};
	struct msg_shape s;
	ck_assert_int_eq(msg_shape(b, 5, &s), MSG_DROP);
	size_t n = query(b, DNS_FLAG_QR, 0, NULL, 0);
	ck_assert_int_eq(msg_shape(b, n, &s), MSG_DROP);
}
END_TEST

START_TEST(test_reply_flags)
{
	uint16_t q = (DNS_OPCODE_UPDATE << 11) | DNS_FLAG_RD | DNS_FLAG_CD |
	             DNS_FLAG_AD | DNS_FLAG_AA | DNS_FLAG_TC;
	uint16_t f = msg_reply_flags(q, false, false, DNS_RCODE_BADVERS);
	ck_assert_uint_eq(f, DNS_FLAG_QR | (DNS_OPCODE_UPDATE << 11) |
	                             DNS_FLAG_RD | DNS_FLAG_CD);
	f = msg_reply_flags(0, true, true, DNS_RCODE_REFUSED);
	ck_assert_uint_eq(f, DNS_FLAG_QR | DNS_FLAG_AA | DNS_FLAG_TC | 5);
}
END_TEST

START_TEST(test_write_opt)
{
	uint8_t b[64];
	ck_assert_uint_eq(
	        msg_write_opt(b, 1232, DNS_RCODE_BADVERS, true, -1, NULL, 0),
	        DNS_OPT_LEN);
	ck_assert_uint_eq(b[5], 1); /* 16 >> 4 */
	ck_assert_uint_eq(rd16(b + 7), DNS_EDNS_DO);
	size_t n = msg_write_opt(b, 1232, 0, false, EDE_PROHIBITED, "no", 2);
	ck_assert_uint_eq(n, DNS_OPT_LEN + 8);
	ck_assert_uint_eq(rd16(b + 9), 8);
	ck_assert_uint_eq(rd16(b + 11), DNS_OPTION_EDE);
	ck_assert_uint_eq(rd16(b + 15), EDE_PROHIBITED);
	ck_assert_mem_eq(b + 17, "no", 2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dnsmsg");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_plain_and_edns);
	tcase_add_test(tc, test_formerr);
	tcase_add_test(tc, test_tsig_last);
	tcase_add_test(tc, test_drop);
	tcase_add_test(tc, test_reply_flags);
	tcase_add_test(tc, test_write_opt);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
