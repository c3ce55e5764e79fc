/*
 * check_repeat.c - unit tests of the enactor's repeating conditions: said
 * once, counted, said again with the count when the reason changes, when
 * the condition ends and at stop.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "repeat.h"
#include "unit.h"

/* What was logged while the capture ran (stderr into a file). */
static FILE *capture;
static int saved_fd = -1;

static void capture_start(void)
{
	fflush(stderr);
	capture = tmpfile();
	ck_assert_ptr_nonnull(capture);
	saved_fd = dup(STDERR_FILENO);
	dup2(fileno(capture), STDERR_FILENO);
}

/* The lines logged since capture_start(), without their time stamps,
 * must be @want. */
static void capture_check(const char *want)
{
	fflush(stderr);
	dup2(saved_fd, STDERR_FILENO);
	close(saved_fd);
	rewind(capture);
	char *out = calloc(1, 8192), line[1024];
	while (fgets(line, sizeof(line), capture) != NULL) {
		const char *text = strstr(line, ": ");
		strncat(out, text ? text + 2 : line, 8191 - strlen(out));
	}
	fclose(capture);
	ck_assert_str_eq(out, want);
	free(out);
}

/* Each test: a fresh list, its lines captured from the start. */
static struct repeats *r;

static void setup(void)
{
	r = repeats_new();
	capture_start();
}

static void teardown(void)
{
	repeats_free(r);
}

START_TEST(test_once_then_counted)
{
	ck_assert(repeat_hit(r, "e1", "refusal", "guard", LOG_LEVEL_WARNING,
	                     "e1: refused plan %d: guard", 7));
	ck_assert(!repeat_hit(r, "e1", "refusal", "guard", LOG_LEVEL_WARNING,
	                      "e1: refused plan %d: guard", 8));
	ck_assert(!repeat_hit(r, "e1", "refusal", "guard", LOG_LEVEL_WARNING,
	                      "e1: refused plan %d: guard", 9));
	ck_assert_uint_eq(repeat_count(r, "e1"), 3);
	/* Another subject is another condition. */
	ck_assert(repeat_hit(r, "e2", "failure", "gone", LOG_LEVEL_ERR,
	                     "e2: gone"));
	ck_assert_uint_eq(repeat_count(r, "e1"), 3);
	capture_check("e1: refused plan 7: guard (said once; again when the "
	              "reason changes)\n"
	              "e2: gone (said once; again when the reason changes)\n");
}
END_TEST

START_TEST(test_reason_changes_and_ends)
{
	repeat_hit(r, "e1", "failure", "a", LOG_LEVEL_ERR, "e1: a");
	repeat_hit(r, "e1", "failure", "a", LOG_LEVEL_ERR, "e1: a");
	ck_assert(repeat_hit(r, "e1", "failure", "b", LOG_LEVEL_ERR, "e1: b"));
	ck_assert_uint_eq(repeat_count(r, "e1"), 1);
	ck_assert(repeat_end(r, "e1", "moved"));
	ck_assert_uint_eq(repeat_count(r, "e1"), 0);
	ck_assert(!repeat_end(r, "e1", "moved"));
	capture_check("e1: a (said once; again when the reason changes)\n"
	              "e1: the failure before repeated 2 times (a)\n"
	              "e1: b (said once; again when the reason changes)\n"
	              "e1: moved after 1 failure (b)\n");
}
END_TEST

START_TEST(test_said_at_stop)
{
	repeat_hit(r, "e1", "refusal", "guard", LOG_LEVEL_WARNING, "e1");
	repeat_hit(r, "e2", "failure", "gone", LOG_LEVEL_WARNING, "e2");
	repeat_hit(r, "e2", "failure", "gone", LOG_LEVEL_WARNING, "e2");
	repeat_end(r, "e1", "moved");
	capture_check("e1 (said once; again when the reason changes)\n"
	              "e2 (said once; again when the reason changes)\n"
	              "e1: moved after 1 refusal (guard)\n");
	capture_start();
	repeats_say(r);
	capture_check("e2: the failure before repeated 2 times (gone)\n");
	repeats_free(NULL);
}
END_TEST

int main(void)
{
	log_init("check_repeat", LOG_LEVEL_DEBUG);
	Suite *s = suite_create("repeat");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_once_then_counted);
	tcase_add_test(tc, test_reason_changes_and_ends);
	tcase_add_test(tc, test_said_at_stop);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
