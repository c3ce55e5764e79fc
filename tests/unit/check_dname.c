/*
 * check_dname.c - unit tests of wire-format names.
 */
#include <check.h>
#include <string.h>

#include "dname.h"
#include "unit.h"

START_TEST(test_from_to_str)
{
	uint8_t w[DNAME_MAXLEN];
	char buf[1024];
	ck_assert_int_eq(dname_from_str("www.Example.test", w), 18);
	ck_assert_str_eq(dname_to_str(w, buf, sizeof(buf)),
	                 "www.Example.test.");
	ck_assert_int_eq(dname_from_str("a\\.b.test.", w), 10);
	ck_assert_int_eq(w[0], 3);
	ck_assert_str_eq(dname_to_str(w, buf, sizeof(buf)), "a\\.b.test.");
	ck_assert_int_eq(dname_from_str(".", w), 1);
	ck_assert_int_eq(dname_from_str("a..b", w), -1);
	/* A digit after a backslash must start \DDD (ldns agrees). */
	ck_assert_int_eq(dname_from_str("a\\0b.test.", w), -1);
	ck_assert_int_eq(dname_from_str("a\\12.test.", w), -1);
	ck_assert_int_eq(dname_from_str("a\\065.test.", w), 9);
	char long_label[80];
	memset(long_label, 'x', 64);
	long_label[64] = '\0';
	ck_assert_int_eq(dname_from_str(long_label, w), -1);
}
END_TEST

START_TEST(test_compare)
{
	uint8_t a[DNAME_MAXLEN], b[DNAME_MAXLEN], p[DNAME_MAXLEN];
	int al = dname_from_str("WWW.example.TEST.", a);
	int bl = dname_from_str("www.EXAMPLE.test.", b);
	int pl = dname_from_str("example.test.", p);
	ck_assert(dname_equal(a, (size_t)al, b, (size_t)bl));
	ck_assert_uint_eq(dname_hash(a, (size_t)al), dname_hash(b, (size_t)bl));
	ck_assert(dname_is_sub(a, (size_t)al, p, (size_t)pl));
	ck_assert(dname_is_sub(p, (size_t)pl, p, (size_t)pl));
	ck_assert(!dname_is_sub(p, (size_t)pl, a, (size_t)al));
	int xl = dname_from_str("xexample.test.", b);
	ck_assert(!dname_is_sub(b, (size_t)xl, p, (size_t)pl));
	ck_assert_int_eq(dname_labels(a), 3);
}
END_TEST

START_TEST(test_unpack_compression)
{
	/* "example.test" at 0, then "www" + pointer to 0 at 14. */
	uint8_t pkt[] = {7,   'e', 'x', 'a', 'm', 'p', 'l', 'e', 4,    't',
	                 'e', 's', 't', 0,   3,   'w', 'w', 'w', 0xC0, 0};
	uint8_t out[DNAME_MAXLEN];
	size_t pos = 14;
	ck_assert_int_eq(dname_unpack(pkt, sizeof(pkt), &pos, out), 18);
	ck_assert_uint_eq(pos, sizeof(pkt));
	char buf[256];
	ck_assert_str_eq(dname_to_str(out, buf, sizeof(buf)),
	                 "www.example.test.");
}
END_TEST

START_TEST(test_unpack_loops)
{
	/* A pointer to itself, a forward pointer, and a two-step loop. */
	uint8_t self[] = {0xC0, 0x00};
	uint8_t fwd[] = {0xC0, 0x02, 0x00};
	uint8_t loop[] = {1, 'a', 0xC0, 0x04, 0xC0, 0x00};
	uint8_t out[DNAME_MAXLEN];
	size_t pos = 0;
	ck_assert_int_eq(dname_unpack(self, sizeof(self), &pos, out), -1);
	pos = 0;
	ck_assert_int_eq(dname_unpack(fwd, sizeof(fwd), &pos, out), -1);
	pos = 4;
	ck_assert_int_eq(dname_unpack(loop, sizeof(loop), &pos, out), -1);
	/* Truncated in the middle of a label. */
	uint8_t trunc[] = {5, 'a', 'b'};
	pos = 0;
	ck_assert_int_eq(dname_unpack(trunc, sizeof(trunc), &pos, out), -1);
}
END_TEST

START_TEST(test_unpack_too_long)
{
	/* 130 labels of one byte: 261 bytes, over the 255 limit. */
	uint8_t pkt[300];
	size_t n = 0;
	for (int i = 0; i < 130; i++) {
		pkt[n++] = 1;
		pkt[n++] = 'a';
	}
	pkt[n++] = 0;
	uint8_t out[DNAME_MAXLEN];
	size_t pos = 0;
	ck_assert_int_eq(dname_unpack(pkt, n, &pos, out), -1);
}
END_TEST

START_TEST(test_canonical)
{
	char name[1024];
	ck_assert_int_eq(dname_canonical("DynamoDB.US-East-1.api.test", name),
	                 0);
	ck_assert_str_eq(name, "dynamodb.us-east-1.api.test.");
	ck_assert_int_eq(dname_canonical("A.test.", name), 0);
	ck_assert_str_eq(name, "a.test.");
	ck_assert_int_eq(dname_canonical("", name), -1);
	ck_assert_int_eq(dname_canonical("a..b", name), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dname");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_from_to_str);
	tcase_add_test(tc, test_compare);
	tcase_add_test(tc, test_unpack_compression);
	tcase_add_test(tc, test_unpack_loops);
	tcase_add_test(tc, test_unpack_too_long);
	tcase_add_test(tc, test_canonical);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
