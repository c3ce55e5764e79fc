/*
 * check_uvhttp.c - unit tests of the metrics server's request parser
 * (uvhttp_parse) and of the Prometheus text helpers (prom.h): what a
 * request must look like to be answered, the status every malformed one
 * gets, label escaping and histogram buckets.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"
#include "unit.h"
#include "uvhttp.h"

static int parse(const char *req, char *path)
{
	return uvhttp_parse(req, strlen(req), 64, path, 32);
}

START_TEST(test_complete_get)
{
	char path[32];
	ck_assert_int_eq(
	        parse("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", path), 200);
	ck_assert_str_eq(path, "/metrics");
	ck_assert_int_eq(parse("GET /healthz?x=1 HTTP/1.0\n\n", path), 200);
	ck_assert_str_eq(path, "/healthz");
}
END_TEST

START_TEST(test_incomplete)
{
	char path[32];
	ck_assert_int_eq(parse("", path), 0);
	ck_assert_int_eq(parse("GET /metr", path), 0);
	ck_assert_int_eq(parse("GET /metrics HTTP/1.1\r\n", path), 0);
	ck_assert_int_eq(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n", path),
	                 0);
}
END_TEST

START_TEST(test_malformed)
{
	char path[32];
	static const char *const bad[] = {
	        "\r\n\r\n",
	        "hello\r\n\r\n",
	        "GET /metrics\r\n\r\n",
	        "GET  /metrics HTTP/1.1\r\n\r\n",
	        "GET metrics HTTP/1.1\r\n\r\n",
	        "GET /metrics HTTP/1.1 x\r\n\r\n",
	        "GET /metrics HTTX/1.1\r\n\r\n",
	        "GET /met\trics HTTP/1.1\r\n\r\n",
	        "G(T /metrics HTTP/1.1\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(bad[i], path) == 400, "%s", bad[i]);
	static const char nul[] = "GET /\0 HTTP/1.1\r\n\r\n";
	ck_assert_int_eq(uvhttp_parse(nul, sizeof(nul) - 1, 64, path, 32), 400);
}
END_TEST

START_TEST(test_other_answers)
{
	char path[32];
	ck_assert_int_eq(parse("POST /metrics HTTP/1.1\r\n\r\n", path), 405);
	ck_assert_int_eq(parse("HEAD /metrics HTTP/1.1\r\n", path), 405);
	ck_assert_int_eq(parse("GET / HTTP/2.0\r\n\r\n", path), 505);
	ck_assert_int_eq(parse("GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
	                       "HTTP/1.1\r\n\r\n",
	                       path),
	                 414);
	/* The buffer full without a line end, or without the headers' end. */
	char big[64];
	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(uvhttp_parse(big, sizeof(big), 64, path, 32), 414);
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	ck_assert_int_eq(uvhttp_parse(big, sizeof(big), 64, path, 32), 431);
	ck_assert_str_eq(uvhttp_reason(431), "Request Header Fields Too Large");
}
END_TEST

START_TEST(test_prom_text)
{
	char out[16];
	ck_assert_str_eq(prom_escape("a\"b\\c\nd", out, sizeof(out)),
	                 "a\\\"b\\\\c\\nd");
	ck_assert_str_eq(prom_escape("0123456789abcdefgh", out, sizeof(out)),
	                 "0123456789abcde");
	static const double bounds[] = {0.1, 1};
	struct prom_hist h;
	prom_hist_init(&h, bounds, 2);
	prom_hist_observe(&h, 0.05);
	prom_hist_observe(&h, 0.5);
	prom_hist_observe(&h, 7);
	prom_hist_observe(&h, -1);
	struct prom_buf b;
	prom_init(&b);
	prom_hist_render(&b, "x_seconds", "X.", &h);
	ck_assert_str_eq(b.buf, "# HELP x_seconds X.\n"
	                        "# TYPE x_seconds histogram\n"
	                        "x_seconds_bucket{le=\"0.1\"} 2\n"
	                        "x_seconds_bucket{le=\"1\"} 3\n"
	                        "x_seconds_bucket{le=\"+Inf\"} 4\n"
	                        "x_seconds_sum 7.550000\n"
	                        "x_seconds_count 4\n");
	free(b.buf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("uvhttp");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_complete_get);
	tcase_add_test(tc, test_incomplete);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_other_answers);
	tcase_add_test(tc, test_prom_text);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
