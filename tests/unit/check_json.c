/*
 * check_json.c - unit tests of the CLI's JSON writer: separators in
 * nested objects and arrays, and string escapes (quotes, backslashes,
 * control characters, valid UTF-8 kept, invalid bytes replaced).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "unit.h"

/* What @s looks like escaped. */
static char *escaped(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_escape(f, s);
	fclose(f);
	return buf;
}

static void assert_escape(const char *in, const char *want)
{
	char *got = escaped(in);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_escape)
{
	assert_escape("plain", "\"plain\"");
	assert_escape("", "\"\"");
	assert_escape("a\"b\\c", "\"a\\\"b\\\\c\"");
	assert_escape("l1\nl2\tx\r\b\f", "\"l1\\nl2\\tx\\r\\b\\f\"");
	assert_escape("\x01\x1f", "\"\\u0001\\u001f\"");
	assert_escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	              "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	/* A lone continuation byte, a truncated sequence, an overlong
	 * slash, a surrogate, past U+10FFFF. */
	assert_escape("a\x80z", "\"a\\ufffdz\"");
	assert_escape("a\xc3", "\"a\\ufffd\"");
	assert_escape("\xc0\xaf", "\"\\ufffd\\ufffd\"");
	assert_escape("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	assert_escape("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}
END_TEST

START_TEST(test_structure)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;
	json_init(&j, f);
	json_open(&j, '{');
	json_key(&j, "a");
	json_uint(&j, 18446744073709551615ULL);
	json_key(&j, "b");
	json_open(&j, '[');
	json_int(&j, -3);
	json_bool(&j, true);
	json_null(&j);
	json_open(&j, '{');
	json_close(&j, '}');
	json_open(&j, '[');
	json_close(&j, ']');
	json_str(&j, NULL);
	json_close(&j, ']');
	json_key(&j, "c\"");
	json_str(&j, "x");
	json_close(&j, '}');
	fclose(f);
	ck_assert_str_eq(buf, "{\"a\":18446744073709551615,\"b\":[-3,true,"
	                      "null,{},[],null],\"c\\\"\":\"x\"}\n");
	free(buf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_escape);
	tcase_add_test(tc, test_structure);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
