/*
 * check_config.c - unit tests of the table-driven configuration, through
 * authd's own option table.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "settings.h"
#include "unit.h"

static char *write_tmp(const char *text)
{
	static char path[64];
	strcpy(path, "/tmp/check_config_XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

START_TEST(test_defaults)
{
	struct authd_settings s;
	char err[512];
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(cfg_init(authd_options, &s, err, sizeof(err)), 0);
	ck_assert_int_eq(s.workers, 1);
	ck_assert_int_eq(s.max_udp_payload, 1232);
	ck_assert_uint_eq(s.listen.n, 0);
	cfg_finish(authd_options, &s);
	ck_assert_uint_eq(s.listen.n, 1);
	ck_assert_str_eq(s.listen.v[0], "127.0.0.1:53");
	cfg_free(authd_options, &s);
	cfg_free(authd_options, &s); /* idempotent */
}
END_TEST

START_TEST(test_file_and_args)
{
	struct authd_settings s;
	char err[512];
	memset(&s, 0, sizeof(s));
	cfg_init(authd_options, &s, err, sizeof(err));
	char *path = write_tmp("# comment\n"
	                       "workers 3\n"
	                       "listen 127.0.0.1:5300   # trailing comment\n"
	                       "listen [::1]:5300\n"
	                       "zone \"example.test.=/tmp/a zone\"\n");
	ck_assert_msg(
	        cfg_load_file(authd_options, &s, path, err, sizeof(err)) == 0,
	        "%s", err);
	ck_assert_int_eq(s.workers, 3);
	/* The file's listen lines replace the default. */
	cfg_finish(authd_options, &s);
	ck_assert_uint_eq(s.listen.n, 2);
	ck_assert_str_eq(s.listen.v[0], "127.0.0.1:5300");
	ck_assert_str_eq(s.zone.v[0], "example.test.=/tmp/a zone");
	/* A list on the command line replaces the file's values. */
	char *argv[] = {"--listen", "127.0.0.2:53", "--workers=2"};
	ck_assert_int_eq(
	        cfg_parse_args(authd_options, &s, 3, argv, err, sizeof(err)),
	        0);
	ck_assert_uint_eq(s.listen.n, 1);
	ck_assert_str_eq(s.listen.v[0], "127.0.0.2:53");
	ck_assert_int_eq(s.workers, 2);
	unlink(path);
	cfg_free(authd_options, &s);
}
END_TEST

START_TEST(test_errors_name_file_line_key)
{
	struct authd_settings s;
	char err[512];
	memset(&s, 0, sizeof(s));
	cfg_init(authd_options, &s, err, sizeof(err));
	char *path = write_tmp("workers 2\n\nworkers 99\n");
	ck_assert_int_eq(
	        cfg_load_file(authd_options, &s, path, err, sizeof(err)), -1);
	char want[128];
	snprintf(want, sizeof(want), "%s:3: option 'workers'", path);
	ck_assert_msg(strstr(err, want) != NULL, "%s", err);
	ck_assert_msg(strstr(err, "out of range 1..64") != NULL, "%s", err);
	unlink(path);

	path = write_tmp("listen nowhere:99999\n");
	ck_assert_int_eq(
	        cfg_load_file(authd_options, &s, path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, ":1: option 'listen'") != NULL, "%s", err);
	unlink(path);

	path = write_tmp("colour blue\n");
	ck_assert_int_eq(
	        cfg_load_file(authd_options, &s, path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, ":1: unknown option 'colour'") != NULL, "%s",
	              err);
	unlink(path);

	path = write_tmp("zone \"example.test.=x\n");
	ck_assert_int_eq(
	        cfg_load_file(authd_options, &s, path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "unterminated") != NULL, "%s", err);
	unlink(path);

	ck_assert_int_eq(cfg_load_file(authd_options, &s, "/nonexistent/x", err,
	                               sizeof(err)),
	                 -1);
	ck_assert_msg(strstr(err, "/nonexistent/x: cannot open") != NULL, "%s",
	              err);

	char *argv[] = {"--workers"};
	ck_assert_int_eq(
	        cfg_parse_args(authd_options, &s, 1, argv, err, sizeof(err)),
	        -1);
	ck_assert_msg(strstr(err, "needs a value") != NULL, "%s", err);
	cfg_free(authd_options, &s);
}
END_TEST

START_TEST(test_listen_parse)
{
	struct listen_addr a;
	ck_assert_int_eq(settings_parse_listen("127.0.0.1", &a), 0);
	ck_assert_str_eq(a.text, "127.0.0.1:53");
	ck_assert_int_eq(settings_parse_listen("[::1]:5300", &a), 0);
	ck_assert_str_eq(a.text, "[::1]:5300");
	ck_assert_int_eq(settings_parse_listen("::1", &a), 0);
	ck_assert_str_eq(a.text, "[::1]:53");
	ck_assert_int_eq(settings_parse_listen("127.0.0.1:0", &a), -1);
	ck_assert_int_eq(settings_parse_listen("127.0.0.1:", &a), -1);
	ck_assert_int_eq(settings_parse_listen("[::1", &a), -1);
	ck_assert_int_eq(settings_parse_listen("host.example:53", &a), -1);
}
END_TEST

START_TEST(test_print_round_trip)
{
	struct authd_settings s, t;
	char err[512];
	memset(&s, 0, sizeof(s));
	memset(&t, 0, sizeof(t));
	cfg_init(authd_options, &s, err, sizeof(err));
	char *argv[] = {"--zone", "a.test.=/tmp/with space#hash"};
	ck_assert_int_eq(
	        cfg_parse_args(authd_options, &s, 2, argv, err, sizeof(err)),
	        0);
	char path[] = "/tmp/check_config_print_XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	cfg_print(authd_options, &s, f);
	fclose(f);
	ck_assert_msg(
	        cfg_load_file(authd_options, &t, path, err, sizeof(err)) == 0,
	        "%s", err);
	ck_assert_str_eq(t.zone.v[0], "a.test.=/tmp/with space#hash");
	unlink(path);
	cfg_free(authd_options, &s);
	cfg_free(authd_options, &t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_file_and_args);
	tcase_add_test(tc, test_errors_name_file_line_key);
	tcase_add_test(tc, test_listen_parse);
	tcase_add_test(tc, test_print_round_trip);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
