/*
 * check_sqlstore.c - unit tests of the one way a store file is opened
 * (common/sqlstore.h), with a schema of three steps made for the tests:
 * a new file is tagged and made WAL, a file of another program or of a
 * newer version is refused and left byte for byte as it was, an older
 * file is migrated step by step and keeps its data, a step that fails
 * leaves the steps before it committed, and the connection gets the
 * schema's settings.  The tests run in a temporary directory, with
 * relative file names.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "sqlstore.h"
#include "unit.h"
#include "xalloc.h"

#define TEST_APP_ID 0x64705854 /* "dpXT" */

static const char *const steps[] = {
        "CREATE TABLE item (name TEXT NOT NULL);",
        "ALTER TABLE item ADD COLUMN weight INTEGER NOT NULL DEFAULT 7;",
        "CREATE TABLE note (text TEXT);",
        NULL,
};

static const struct sqlstore_schema schema = {
        .kind = "test store",
        .app_id = TEST_APP_ID,
        .version = 3,
        .steps = steps,
        .busy_timeout_ms = 1234,
        .synchronous = "FULL",
        .cache_kib = 3000,
};

static char err[1024];

/* Run @sql on @path with a plain connection; SQLITE_OK or the error. */
static int raw(const char *path, const char *sql)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

/* The integer @sql gives on @db. */
static long long db_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The integer @sql gives on a plain connection to @path. */
static long long file_int(const char *path, const char *sql)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	long long v = db_int(db, sql);
	sqlite3_close(db);
	return v;
}

/* Every byte of @path, owned by the caller; *@len its size. */
static char *file_bytes(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	char *buf = NULL;
	size_t cap = 0;
	*len = 0;
	for (;;) {
		if (*len == cap)
			buf = xrealloc(buf, cap = cap ? 2 * cap : 4096);
		size_t n = fread(buf + *len, 1, cap - *len, f);
		if (n == 0)
			break;
		*len += n;
	}
	fclose(f);
	return buf;
}

/*
 * Open @path with @s, expecting @want and a message holding @msg; then
 * the file must hold the same bytes as before, with no WAL beside it.
 */
static void refused(const char *path, const struct sqlstore_schema *s,
                    dp_status want, const char *msg)
{
	size_t n0, n1;
	char *before = file_bytes(path, &n0);
	sqlite3 *db = (sqlite3 *)1;
	ck_assert_int_eq(
	        sqlstore_open(path, s, SQLSTORE_CREATE, &db, err, sizeof(err)),
	        want);
	ck_assert_ptr_null(db);
	ck_assert_msg(strstr(err, msg) != NULL, "'%s' lacks '%s'", err, msg);
	char *after = file_bytes(path, &n1);
	ck_assert_uint_eq(n0, n1);
	ck_assert_msg(memcmp(before, after, n0) == 0, "%s changed", path);
	char wal[256];
	snprintf(wal, sizeof(wal), "%s-wal", path);
	ck_assert_int_eq(access(wal, F_OK), -1);
	free(before);
	free(after);
}

START_TEST(test_new_file)
{
	sqlite3 *db;
	ck_assert_msg(sqlstore_open("new.db", &schema, SQLSTORE_CREATE, &db,
	                            err, sizeof(err)) == DP_OK,
	              "%s", err);
	/* The connection has the schema's settings. */
	ck_assert_int_eq(db_int(db, "PRAGMA busy_timeout"), 1234);
	ck_assert_int_eq(db_int(db, "PRAGMA synchronous"), 2); /* FULL */
	ck_assert_int_eq(db_int(db, "PRAGMA foreign_keys"), 1);
	ck_assert_int_eq(db_int(db, "PRAGMA cache_size"), -3000);
	ck_assert_int_eq(db_int(db, "SELECT count(*) FROM note"), 0);
	sqlite3_close(db);
	/* The file is tagged, of the newest version, and WAL. */
	ck_assert_int_eq(file_int("new.db", "PRAGMA application_id"),
	                 TEST_APP_ID);
	ck_assert_int_eq(file_int("new.db", "PRAGMA user_version"), 3);
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_open("new.db", &db), SQLITE_OK);
	sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(db);
	/* Opened again, it is the same store. */
	ck_assert_int_eq(
	        sqlstore_open("new.db", &schema, 0, &db, err, sizeof(err)),
	        DP_OK);
	sqlite3_close(db);
	ck_assert_int_eq(file_int("new.db", "PRAGMA user_version"), 3);

	/* Without SQLSTORE_CREATE a missing file is an error, not made. */
	ck_assert_int_eq(
	        sqlstore_open("missing.db", &schema, 0, &db, err, sizeof(err)),
	        DP_EDB);
	ck_assert_ptr_null(db);
	ck_assert_ptr_nonnull(strstr(err, "missing.db: cannot open"));
	ck_assert_int_eq(access("missing.db", F_OK), -1);
}
END_TEST

START_TEST(test_foreign)
{
	/* A plain SQLite database of another program. */
	ck_assert_int_eq(raw("other.db", "PRAGMA application_id = 305419896; "
	                                 "CREATE TABLE t (x); "
	                                 "INSERT INTO t VALUES (1);"),
	                 SQLITE_OK);
	refused("other.db", &schema, DP_EFOREIGN,
	        "other.db: not a dnsplane test store (application_id "
	        "0x12345678, expected 0x64705854); refusing to use it");

	/* An id with the high bit set reads as negative in SQLite. */
	ck_assert_int_eq(raw("high.db", "PRAGMA application_id = -2023406815; "
	                                "CREATE TABLE t (x);"),
	                 SQLITE_OK);
	refused("high.db", &schema, DP_EFOREIGN, "(application_id 0x87654321,");

	/* Tables but no application id. */
	ck_assert_int_eq(raw("anon.db", "CREATE TABLE item (name);"),
	                 SQLITE_OK);
	refused("anon.db", &schema, DP_EFOREIGN,
	        "anon.db: not a dnsplane test store (application_id "
	        "0x00000000,");

	/* An id but no tables: not an empty file either. */
	ck_assert_int_eq(raw("idonly.db", "PRAGMA application_id = 7;"),
	                 SQLITE_OK);
	refused("idonly.db", &schema, DP_EFOREIGN, "application_id 0x00000007");

	/* Our id, but no version. */
	ck_assert_int_eq(raw("v0.db", "PRAGMA application_id = 1685084244; "
	                              "CREATE TABLE item (name);"),
	                 SQLITE_OK);
	refused("v0.db", &schema, DP_EFOREIGN, "test store schema version 0,");

	/* Not a database at all. */
	FILE *f = fopen("text.db", "w");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 100; i++)
		fputs("this is not an SQLite database file\n", f);
	fclose(f);
	refused("text.db", &schema, DP_EDB,
	        "text.db: cannot read the database header");
}
END_TEST

START_TEST(test_newer)
{
	ck_assert_int_eq(raw("newer.db", "PRAGMA application_id = 1685084244; "
	                                 "PRAGMA user_version = 4; "
	                                 "CREATE TABLE item (name); "
	                                 "CREATE TABLE future (x);"),
	                 SQLITE_OK);
	refused("newer.db", &schema, DP_EFOREIGN,
	        "newer.db: test store schema version 4, but this program "
	        "knows versions 1 to 3; refusing to use it");
}
END_TEST

START_TEST(test_stepwise)
{
	/* A store of version 1, made by a program that knew only step 1. */
	const char *const step1[] = {steps[0], NULL};
	struct sqlstore_schema v1 = schema;
	v1.version = 1;
	v1.steps = step1;
	sqlite3 *db;
	ck_assert_int_eq(sqlstore_open("old.db", &v1, SQLSTORE_CREATE, &db, err,
	                               sizeof(err)),
	                 DP_OK);
	ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO item VALUES ('kept')",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(file_int("old.db", "PRAGMA user_version"), 1);
	ck_assert_msg(sqlstore_open("old.db", &schema, 0, &db, err,
	                            sizeof(err)) == DP_OK,
	              "%s", err);
	/* Steps 2 and 3 ran on the old data. */
	ck_assert_int_eq(db_int(db, "PRAGMA user_version"), 3);
	ck_assert_int_eq(db_int(db, "SELECT weight FROM item "
	                            "WHERE name = 'kept'"),
	                 7);
	ck_assert_int_eq(db_int(db, "SELECT count(*) FROM note"), 0);
	sqlite3_close(db);
	/* The old program now refuses the file: it is newer than it knows. */
	refused("old.db", &v1, DP_EFOREIGN,
	        "test store schema version 3, but this program knows "
	        "versions 1 to 1");
}
END_TEST

START_TEST(test_step_fails)
{
	/* Step 3 fails half way: steps 1 and 2 stay, none of step 3. */
	const char *const bad[] = {
	        steps[0], steps[1],
	        "CREATE TABLE note (text TEXT); CREATE TABLE item (x);", NULL};
	struct sqlstore_schema s = schema;
	s.steps = bad;
	sqlite3 *db;
	ck_assert_int_eq(sqlstore_open("bad.db", &s, SQLSTORE_CREATE, &db, err,
	                               sizeof(err)),
	                 DP_EDB);
	ck_assert_ptr_null(db);
	ck_assert_msg(strstr(err, "bad.db: test store schema step 3: ") != NULL,
	              "%s", err);
	ck_assert_int_eq(file_int("bad.db", "PRAGMA user_version"), 2);
	ck_assert_int_eq(file_int("bad.db",
	                          "SELECT count(*) FROM "
	                          "sqlite_master WHERE name = 'note'"),
	                 0);
	/* The fixed program takes it from there. */
	ck_assert_int_eq(
	        sqlstore_open("bad.db", &schema, 0, &db, err, sizeof(err)),
	        DP_OK);
	ck_assert_int_eq(db_int(db, "PRAGMA user_version"), 3);
	sqlite3_close(db);
}
END_TEST

START_TEST(test_schema_mismatch)
{
	/* A schema whose version is not its number of steps is a bug. */
	struct sqlstore_schema s = schema;
	s.version = 2;
	sqlite3 *db;
	ck_assert_int_eq(sqlstore_open("never.db", &s, SQLSTORE_CREATE, &db,
	                               err, sizeof(err)),
	                 DP_EINVAL);
	ck_assert_ptr_null(db);
	ck_assert_ptr_nonnull(strstr(err, "version 2 but has 3 schema steps"));
	ck_assert_int_eq(access("never.db", F_OK), -1);
}
END_TEST

int main(void)
{
	char dir[] = "/tmp/check_sqlstore_XXXXXX";
	if (mkdtemp(dir) == NULL || chdir(dir) != 0) {
		perror(dir);
		return 1;
	}
	Suite *s = suite_create("sqlstore");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_new_file);
	tcase_add_test(tc, test_foreign);
	tcase_add_test(tc, test_newer);
	tcase_add_test(tc, test_stepwise);
	tcase_add_test(tc, test_step_fails);
	tcase_add_test(tc, test_schema_mismatch);
	suite_add_tcase(s, tc);
	int rc = unit_run(s);
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (chdir("/") != 0 || system(cmd) != 0)
		rc = 1;
	return rc;
}
