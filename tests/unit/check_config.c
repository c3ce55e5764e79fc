/*
 * check_config.c - unit tests of the table-driven configuration, through
 * authd's own option table and a small table of every kind of option, and
 * of the one address parser.
 */
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "netaddr.h"
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

/* ---- a table of every kind of option ---- */

struct test_settings {
	int colour;
	char *server;         /* a port required */
	char *listen;         /* port 53 when none */
	struct cfg_list peer; /* port 5300 when none */
	long low, high;
	struct cfg_state cfg;
};

static const struct cfg_word colours[] = {
        {"red", 1},
        {"green", 2},
        {NULL, 0},
};

static int test_cross(const struct cfg_option *table, const void *settings,
                      char *err, size_t errlen)
{
	return cfg_check_order(table, settings, "low", "high", true, err,
	                       errlen);
}

#define TOFF(f) offsetof(struct test_settings, f)

static const struct cfg_option test_options[] = {
        CFG_OPT_ENUM("colour", "red", colours, TOFF(colour), "a colour"),
        CFG_OPT_ADDR("server", NULL, 0, TOFF(server), "a server"),
        CFG_OPT_ADDR("listen", "127.0.0.1", 53, TOFF(listen), "a listener"),
        CFG_OPT_ADDRS("peer", NULL, 5300, TOFF(peer), "a peer"),
        CFG_OPT_INT("low", "10", 1, 100, TOFF(low), "less than high"),
        CFG_OPT_INT("high", "20", 1, 100, TOFF(high), "more than low"),
        CFG_END(struct test_settings, cfg, test_cross),
};

/* Set @name to @value from the command line into fresh settings @s;
 * returns cfg_set()'s result, @err the message. */
static int set_one(struct test_settings *s, const char *name, const char *value,
                   char *err, size_t errlen)
{
	static const struct cfg_origin args = {CFG_FROM_ARGS, NULL, 0};
	cfg_free(test_options, s);
	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(cfg_init(test_options, s, err, errlen), 0);
	return cfg_set(test_options, s, name, value, &args, true, err, errlen);
}

START_TEST(test_enum)
{
	struct test_settings s;
	char err[512];
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(set_one(&s, "colour", "green", err, sizeof(err)), 0);
	ck_assert_int_eq(s.colour, 2);
	ck_assert_str_eq(cfg_word(colours, s.colour), "green");
	ck_assert_int_eq(set_one(&s, "colour", "blue", err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "command line: option 'colour': value "
	                          "'blue': expected red or green") != NULL,
	              "%s", err);
	/* Words are exact. */
	ck_assert_int_eq(set_one(&s, "colour", "RED", err, sizeof(err)), -1);
	/* The default is the word's value. */
	ck_assert_int_eq(set_one(&s, "low", "1", err, sizeof(err)), 0);
	ck_assert_int_eq(s.colour, 1);
	cfg_free(test_options, &s);

	/* The log levels every daemon shares. */
	struct authd_settings a;
	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(cfg_init(authd_options, &a, err, sizeof(err)), 0);
	ck_assert_int_eq(a.log_level, LOG_LEVEL_INFO);
	char *argv[] = {"--log-level", "debug"};
	ck_assert_int_eq(
	        cfg_parse_args(authd_options, &a, 2, argv, err, sizeof(err)),
	        0);
	ck_assert_int_eq(a.log_level, LOG_LEVEL_DEBUG);
	char *bad[] = {"--log-level=loud"};
	ck_assert_int_eq(
	        cfg_parse_args(authd_options, &a, 1, bad, err, sizeof(err)),
	        -1);
	ck_assert_msg(strstr(err, "expected error, warning, notice, info or "
	                          "debug") != NULL,
	              "%s", err);
	cfg_free(authd_options, &a);

	/* -h lists the words. */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cfg_usage(test_options, f);
	cfg_usage(authd_options, f);
	fclose(f);
	ck_assert_msg(strstr(text, "--colour WORD") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "[red|green] (default red)") != NULL, "%s",
	              text);
	ck_assert_msg(strstr(text, "[error|warning|notice|info|debug]") != NULL,
	              "%s", text);
	free(text);
}
END_TEST

START_TEST(test_addr)
{
	struct test_settings s;
	char err[512];
	memset(&s, 0, sizeof(s));
	/* The default port, and the text normalised. */
	ck_assert_int_eq(set_one(&s, "colour", "red", err, sizeof(err)), 0);
	ck_assert_str_eq(s.listen, "127.0.0.1:53");
	ck_assert_int_eq(
	        set_one(&s, "listen", "192.0.2.1:5353", err, sizeof(err)), 0);
	ck_assert_str_eq(s.listen, "192.0.2.1:5353");
	ck_assert_int_eq(
	        set_one(&s, "listen", "[2001:DB8:0::1]:853", err, sizeof(err)),
	        0);
	ck_assert_str_eq(s.listen, "[2001:db8::1]:853");
	ck_assert_int_eq(set_one(&s, "listen", "[::1]", err, sizeof(err)), 0);
	ck_assert_str_eq(s.listen, "[::1]:53");
	ck_assert_int_eq(set_one(&s, "listen", "::1", err, sizeof(err)), 0);
	ck_assert_str_eq(s.listen, "[::1]:53");
	ck_assert_int_eq(
	        set_one(&s, "listen", "127.0.0.1:65535", err, sizeof(err)), 0);
	/* No default port: one is needed. */
	ck_assert_int_eq(set_one(&s, "server", "192.0.2.1", err, sizeof(err)),
	                 -1);
	ck_assert_msg(strstr(err, "option 'server': value '192.0.2.1': a port "
	                          "1..65535 is needed") != NULL,
	              "%s", err);
	ck_assert_int_eq(set_one(&s, "server", "[::1]:53", err, sizeof(err)),
	                 0);
	ck_assert_str_eq(s.server, "[::1]:53");
	/* Ports are numbers 1..65535 and nothing else. */
	static const char *const bad[] = {
	        "127.0.0.1:53abc",
	        "127.0.0.1:0",
	        "127.0.0.1:65536",
	        "127.0.0.1:",
	        "127.0.0.1:+53",
	        "127.0.0.1: 53",
	        "127.0.0.1:-1",
	        "127.0.0.1:000053",
	        "[::1]:53x",
	        "[::1]x",
	        "[::1",
	        "host.example:53",
	        ":53",
	        "",
	        "nonsense",
	        "[127.0.0.1]:53",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(set_one(&s, "listen", bad[i], err, sizeof(err)) ==
		                      -1,
		              "'%s' accepted", bad[i]);
		ck_assert_msg(strstr(err, "option 'listen'") != NULL, "%s",
		              err);
	}
	ck_assert_int_eq(
	        set_one(&s, "listen", "127.0.0.1:53abc", err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "the port must be a number 1..65535") != NULL,
	              "%s", err);
	/* A list of addresses, each with the row's default port. */
	char *argv[] = {"--peer", "192.0.2.7", "--peer", "[2001:db8::7]:1"};
	ck_assert_int_eq(
	        cfg_parse_args(test_options, &s, 4, argv, err, sizeof(err)), 0);
	ck_assert_uint_eq(s.peer.n, 2);
	ck_assert_str_eq(s.peer.v[0], "192.0.2.7:5300");
	ck_assert_str_eq(s.peer.v[1], "[2001:db8::7]:1");
	cfg_free(test_options, &s);

	/* The parser itself. */
	struct netaddr a;
	ck_assert_ptr_null(netaddr_parse("192.0.2.1:53", 0, &a));
	ck_assert_int_eq(a.ss.ss_family, AF_INET);
	ck_assert_int_eq(a.port, 53);
	ck_assert_uint_eq(a.len, sizeof(struct sockaddr_in));
	ck_assert_ptr_null(netaddr_parse("[::1]:8080", 0, &a));
	ck_assert_int_eq(a.ss.ss_family, AF_INET6);
	ck_assert_int_eq(ntohs(((struct sockaddr_in6 *)&a.ss)->sin6_port),
	                 8080);
	ck_assert_ptr_nonnull(netaddr_parse("192.0.2.1", 0, &a));
	ck_assert_ptr_null(netaddr_parse("192.0.2.1", 80, &a));
	ck_assert_str_eq(a.text, "192.0.2.1:80");
}
END_TEST

START_TEST(test_origins)
{
	struct test_settings s;
	char err[512], where[512], want[600];
	memset(&s, 0, sizeof(s));
	char *path = write_tmp("# origins\n"
	                       "colour green\n"
	                       "peer 192.0.2.1\n"
	                       "\n"
	                       "peer 192.0.2.2\n");
	char *argv[] = {"--high", "30"};
	ck_assert_msg(cfg_read(test_options, &s, path, 2, argv, err,
	                       sizeof(err)) == 0,
	              "%s", err);
	snprintf(want, sizeof(want), "%s:2", path);
	ck_assert_str_eq(
	        cfg_origin_text(cfg_origin(test_options, &s, "colour", 0),
	                        where, sizeof(where)),
	        want);
	const struct cfg_origin *o = cfg_origin(test_options, &s, "peer", 1);
	ck_assert_int_eq(o->source, CFG_FROM_FILE);
	ck_assert_str_eq(o->file, path);
	ck_assert_uint_eq(o->line, 5);
	ck_assert_int_eq(cfg_origin(test_options, &s, "high", 0)->source,
	                 CFG_FROM_ARGS);
	ck_assert_str_eq(cfg_origin_text(cfg_origin(test_options, &s, "low", 0),
	                                 where, sizeof(where)),
	                 "default");

	/* Printed in table order, each value with its origin. */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cfg_print(test_options, &s, f);
	fclose(f);
	char expect[2048];
	snprintf(expect, sizeof(expect),
	         "colour green # %s:2\n"
	         "# server (not set) # default\n"
	         "listen 127.0.0.1:53 # default\n"
	         "peer 192.0.2.1:5300 # %s:3\n"
	         "peer 192.0.2.2:5300 # %s:5\n"
	         "low 10 # default\n"
	         "high 30 # command line\n",
	         path, path, path);
	ck_assert_str_eq(text, expect);
	free(text);

	/* A list on the command line replaces the file's, origins too. */
	cfg_free(test_options, &s);
	memset(&s, 0, sizeof(s));
	char *argv2[] = {"--peer", "192.0.2.9"};
	ck_assert_int_eq(
	        cfg_read(test_options, &s, path, 2, argv2, err, sizeof(err)),
	        0);
	ck_assert_uint_eq(s.peer.n, 1);
	ck_assert_int_eq(cfg_origin(test_options, &s, "peer", 0)->source,
	                 CFG_FROM_ARGS);
	ck_assert_int_eq(cfg_origin(test_options, &s, "peer", 1)->source,
	                 CFG_FROM_DEFAULT);

	/* cfg_error() names the origin, the option and the value. */
	ck_assert_int_eq(cfg_error(test_options, &s, "colour", 0, err,
	                           sizeof(err), "not %s", "today"),
	                 -1);
	snprintf(want, sizeof(want),
	         "%s:2: option 'colour': value 'green': not today", path);
	ck_assert_str_eq(err, want);
	cfg_free(test_options, &s);
	cfg_free(test_options, &s); /* idempotent */
	unlink(path);
}
END_TEST

START_TEST(test_cross_checks)
{
	struct test_settings s;
	char err[512], want[600];
	memset(&s, 0, sizeof(s));
	/* Set in the file, low is blamed, naming high's origin. */
	char *path = write_tmp("low 50\nhigh 40\n");
	ck_assert_int_eq(
	        cfg_read(test_options, &s, path, 0, NULL, err, sizeof(err)),
	        -1);
	snprintf(want, sizeof(want),
	         "%s:1: option 'low': value '50': must be less than high (40, "
	         "%s:2)",
	         path, path);
	ck_assert_str_eq(err, want);
	cfg_free(test_options, &s);
	/* Only high set: high is blamed. */
	memset(&s, 0, sizeof(s));
	char *argv[] = {"--high=5"};
	ck_assert_int_eq(
	        cfg_read(test_options, &s, NULL, 1, argv, err, sizeof(err)),
	        -1);
	ck_assert_str_eq(err, "command line: option 'high': value '5': must "
	                      "be more than low (10, default)");
	cfg_free(test_options, &s);
	unlink(path);

	/* authd: a zone named twice, and /metrics on a DNS address. */
	struct authd_settings a;
	memset(&a, 0, sizeof(a));
	path = write_tmp("zone example.test.=/a\n"
	                 "zone EXAMPLE.test=/b\n");
	ck_assert_int_eq(
	        cfg_read(authd_options, &a, path, 0, NULL, err, sizeof(err)),
	        -1);
	snprintf(want, sizeof(want),
	         "%s:2: option 'zone': value 'EXAMPLE.test=/b': zone "
	         "EXAMPLE.test configured twice (first at %s:1)",
	         path, path);
	ck_assert_str_eq(err, want);
	cfg_free(authd_options, &a);
	unlink(path);
	memset(&a, 0, sizeof(a));
	char *argv2[] = {"--metrics-listen", "127.0.0.1:53"};
	ck_assert_int_eq(
	        cfg_read(authd_options, &a, NULL, 2, argv2, err, sizeof(err)),
	        -1);
	ck_assert_str_eq(err, "command line: option 'metrics-listen': value "
	                      "'127.0.0.1:53': also a DNS listen address "
	                      "(default)");
	cfg_free(authd_options, &a);
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
	tcase_add_test(tc, test_enum);
	tcase_add_test(tc, test_addr);
	tcase_add_test(tc, test_origins);
	tcase_add_test(tc, test_cross_checks);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
