/*
 * check_rrdesc.c - unit tests of the rdata layouts: comparing without
 * case in names only, and expanding compressed names.
 */
#include <check.h>
#include <string.h>

#include "dns.h"
#include "rrdesc.h"
#include "unit.h"

START_TEST(test_cmp_names_without_case)
{
	static const uint8_t a[] = {0, 10, 4, 'M', 'a', 'i', 'l', 1, 'X', 0};
	static const uint8_t b[] = {0, 10, 4, 'm', 'a', 'i', 'l', 1, 'x', 0};
	static const uint8_t c[] = {0, 20, 4, 'm', 'a', 'i', 'l', 1, 'x', 0};
	ck_assert_int_eq(rr_rdata_cmp(RR_TYPE_MX, a, sizeof(a), b, sizeof(b)),
	                 0);
	/* The preference is not a name: it still counts. */
	ck_assert_int_lt(rr_rdata_cmp(RR_TYPE_MX, a, sizeof(a), c, sizeof(c)),
	                 0);
	/* TXT holds no name: its letters keep their case. */
	ck_assert_int_ne(rr_rdata_cmp(RR_TYPE_TXT, a + 2, sizeof(a) - 2, b + 2,
	                              sizeof(b) - 2),
	                 0);
	/* SRV: the target after six fixed bytes. */
	static const uint8_t s1[] = {0, 0, 0, 5, 0, 80, 3, 'W', 'w', 'W', 0};
	static const uint8_t s2[] = {0, 0, 0, 5, 0, 80, 3, 'w', 'w', 'w', 0};
	ck_assert_int_eq(rr_rdata_cmp(33, s1, sizeof(s1), s2, sizeof(s2)), 0);
	/* NAPTR: the strings before the name keep their case. */
	static const uint8_t n1[] = {0, 1, 0, 1, 1, 'S', 0, 0, 1, 'X', 0};
	static const uint8_t n2[] = {0, 1, 0, 1, 1, 's', 0, 0, 1, 'x', 0};
	static const uint8_t n3[] = {0, 1, 0, 1, 1, 'S', 0, 0, 1, 'x', 0};
	ck_assert_int_ne(rr_rdata_cmp(35, n1, sizeof(n1), n2, sizeof(n2)), 0);
	ck_assert_int_eq(rr_rdata_cmp(35, n1, sizeof(n1), n3, sizeof(n3)), 0);
}
END_TEST

START_TEST(test_unpack)
{
	/* A message whose bytes 0..4 hold "x." and an SRV rdata at 5 whose
	 * target points at 0. */
	static const uint8_t m[] = {1, 'x', 0, 0,  0,    0,   0,
	                            0, 5,   0, 80, 0xC0, 0x00};
	uint8_t out[64];
	size_t n;
	ck_assert_int_eq(rr_rdata_unpack(m, sizeof(m), 5, 8, 33, out, &n), 0);
	ck_assert_uint_eq(n, 9);
	ck_assert_int_eq(out[6], 1);
	ck_assert_int_eq(out[7], 'x');
	/* SOA must end in exactly 20 bytes. */
	static const uint8_t soa[] = {0, 0, 1, 2, 3};
	ck_assert_int_eq(
	        rr_rdata_unpack(soa, sizeof(soa), 0, sizeof(soa), 6, out, &n),
	        -1);
	ck_assert_ptr_null(rr_desc(RR_TYPE_A));
	ck_assert(rr_desc(RR_TYPE_MX)->compress);
	ck_assert(!rr_desc(33)->compress);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rrdesc");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_cmp_names_without_case);
	tcase_add_test(tc, test_unpack);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
