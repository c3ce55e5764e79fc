/*
 * check_zonestore.c - unit tests of the SQLite zone store: import policy,
 * durability across reopen, a new file's tags, migration of a version 1
 * store, and refusal of foreign databases, which are left as they were.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "unit.h"
#include "xalloc.h"
#include "zonestore.h"

/* The schema steps (sql/zonestore.sql), as the store runs them. */
extern const char *const sql_zonestore[];

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/check_zonestore_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static char *path_in(const char *name)
{
	static char p[4][128];
	static int i;
	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static void write_zone(const char *path, unsigned serial, const char *addr)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
	        "$ORIGIN z.test.\n$TTL 60\n"
	        "@ SOA ns h %u 1 1 1 1\n@ NS ns\nns A 192.0.2.1\n"
	        "www A %s\n",
	        serial, addr);
	fclose(f);
}

static const char *www_addr(struct zone *z, char *buf)
{
	static const uint8_t www[] = {3, 'w', 'w', 'w', 1,   'z',
	                              4, 't', 'e', 's', 't', 0};
	const struct zone_node *n = zone_find(z, www, sizeof(www));
	ck_assert_ptr_nonnull(n);
	const struct zone_rrset *rs = zone_node_rrset(n, RR_TYPE_A);
	ck_assert_ptr_nonnull(rs);
	const uint8_t *a = rs->rdata + 2;
	sprintf(buf, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	return buf;
}

START_TEST(test_import_policy)
{
	char err[1024], buf[32];
	struct zonestore *st;
	enum zonestore_import what;
	struct zone *z;
	char *zf = path_in("z.zone");
	write_zone(zf, 10, "192.0.2.10");
	ck_assert_int_eq(
	        zonestore_open(path_in("zones.db"), &st, err, sizeof(err)),
	        DP_OK);
	ck_assert_int_eq(zonestore_import_file(st, "z.test.", zf, &what, err,
	                                       sizeof(err)),
	                 DP_OK);
	ck_assert_int_eq(what, ZONESTORE_IMPORTED_NEW);
	/* The same file again: nothing to do. */
	ck_assert_int_eq(zonestore_import_file(st, "z.test.", zf, &what, err,
	                                       sizeof(err)),
	                 DP_OK);
	ck_assert_int_eq(what, ZONESTORE_KEPT);
	zonestore_close(st);

	/* Durable across a reopen. */
	ck_assert_int_eq(
	        zonestore_open(path_in("zones.db"), &st, err, sizeof(err)),
	        DP_OK);
	ck_assert_int_eq(zonestore_load(st, "Z.TEST", &z, err, sizeof(err)),
	                 DP_OK);
	ck_assert_str_eq(www_addr(z, buf), "192.0.2.10");
	zone_free(z);

	/* A changed file with an older serial is not taken in. */
	write_zone(zf, 9, "192.0.2.9");
	ck_assert_int_eq(zonestore_import_file(st, "z.test.", zf, &what, err,
	                                       sizeof(err)),
	                 DP_OK);
	ck_assert_int_eq(what, ZONESTORE_KEPT_FILE_OLDER);
	ck_assert_int_eq(zonestore_load(st, "z.test.", &z, err, sizeof(err)),
	                 DP_OK);
	ck_assert_str_eq(www_addr(z, buf), "192.0.2.10");
	zone_free(z);

	/* A newer serial is. */
	write_zone(zf, 11, "192.0.2.11");
	ck_assert_int_eq(zonestore_import_file(st, "z.test.", zf, &what, err,
	                                       sizeof(err)),
	                 DP_OK);
	ck_assert_int_eq(what, ZONESTORE_IMPORTED_NEWER);
	ck_assert_int_eq(zonestore_load(st, "z.test.", &z, err, sizeof(err)),
	                 DP_OK);
	ck_assert_str_eq(www_addr(z, buf), "192.0.2.11");
	ck_assert_uint_eq(zone_serial(z), 11);
	zone_free(z);

	/* A broken file changes nothing and names file and line. */
	FILE *f = fopen(zf, "a");
	fprintf(f, "bad IN A not-an-address\n");
	fclose(f);
	ck_assert_int_eq(zonestore_import_file(st, "z.test.", zf, &what, err,
	                                       sizeof(err)),
	                 DP_EPARSE);
	ck_assert_msg(strstr(err, "z.zone:7:") != NULL, "%s", err);
	ck_assert_int_eq(zonestore_load(st, "z.test.", &z, err, sizeof(err)),
	                 DP_OK);
	ck_assert_str_eq(www_addr(z, buf), "192.0.2.11");
	zone_free(z);

	ck_assert_int_eq(
	        zonestore_load(st, "other.test.", &z, err, sizeof(err)),
	        DP_ENOENT);
	zonestore_close(st);
}
END_TEST

START_TEST(test_serial_arithmetic)
{
	ck_assert(serial_gt(2, 1));
	ck_assert(!serial_gt(1, 2));
	ck_assert(!serial_gt(5, 5));
	ck_assert(serial_gt(1, 0xFFFFFFFFu)); /* wraps */
	ck_assert(!serial_gt(0x80000000u, 0));
}
END_TEST

static void make_db(const char *path, const char *sql)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* SQLite's callback: the first row, its columns joined by '|'. */
static int first_row(void *arg, int n, char **vals, char **names)
{
	(void)names;
	char *out = arg;
	if (out[0] != '\0')
		return 0;
	for (int i = 0; i < n; i++)
		sprintf(out + strlen(out), "%s%s", i ? "|" : "",
		        vals[i] ? vals[i] : "NULL");
	return 0;
}

/* The first row @sql gives on @path, as first_row() writes it. */
static const char *row_of(const char *path, const char *sql)
{
	static char out[512];
	sqlite3 *db;
	out[0] = '\0';
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, sql, first_row, out, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	return out;
}

START_TEST(test_new_file)
{
	char err[1024], want[64];
	struct zonestore *st;
	char *p = path_in("zones.db");
	ck_assert_msg(zonestore_open(p, &st, err, sizeof(err)) == DP_OK, "%s",
	              err);
	zonestore_close(st);
	/* "dpZS", the newest version, WAL, and every step's tables. */
	snprintf(want, sizeof(want), "%d|%d|wal|journal,rr,zone",
	         ZONESTORE_APP_ID, ZONESTORE_VERSION);
	ck_assert_str_eq(row_of(p, "SELECT (SELECT application_id FROM "
	                           "pragma_application_id), (SELECT "
	                           "user_version FROM pragma_user_version), "
	                           "(SELECT journal_mode FROM "
	                           "pragma_journal_mode), (SELECT "
	                           "group_concat(name) FROM (SELECT name FROM "
	                           "sqlite_master WHERE type = 'table' ORDER "
	                           "BY name))"),
	                 want);
}
END_TEST

START_TEST(test_migrate_v1)
{
	/* A store of schema version 1, made by step 1 alone (no journal),
	 * holding z.test. at serial 10 as authd of that time wrote it. */
	char err[1024], buf[32];
	char *p = path_in("v1.db");
	char *sql = xasprintf(
	        "BEGIN; %s PRAGMA application_id = %d; "
	        "PRAGMA user_version = 1; "
	        "INSERT INTO zone VALUES (1, 'z.test.', 10, NULL, NULL, NULL, "
	        "0); "
	        "INSERT INTO rr VALUES (1, 'z.test.', 6, 60, "
	        "X'026e73017a047465737400' || X'0168017a047465737400' || "
	        "X'0000000a00000001000000010000000100000001'); "
	        "INSERT INTO rr VALUES (1, 'z.test.', 2, 60, "
	        "X'026e73017a047465737400'); "
	        "INSERT INTO rr VALUES (1, 'ns.z.test.', 1, 60, X'c0000201'); "
	        "INSERT INTO rr VALUES (1, 'www.z.test.', 1, 60, X'c000020a'); "
	        "COMMIT;",
	        sql_zonestore[0], ZONESTORE_APP_ID);
	make_db(p, sql);
	free(sql);
	ck_assert_str_eq(row_of(p, "SELECT count(*) FROM sqlite_master "
	                           "WHERE name = 'journal'"),
	                 "0");

	/* Opened, it gets step 2 and keeps the zone. */
	struct zonestore *st;
	struct zone *z;
	ck_assert_msg(zonestore_open(p, &st, err, sizeof(err)) == DP_OK, "%s",
	              err);
	ck_assert_str_eq(row_of(p, "SELECT (SELECT user_version FROM "
	                           "pragma_user_version), (SELECT count(*) "
	                           "FROM sqlite_master WHERE name = "
	                           "'journal')"),
	                 "2|1");
	ck_assert_msg(zonestore_load(st, "z.test.", &z, err, sizeof(err)) ==
	                      DP_OK,
	              "%s", err);
	ck_assert_str_eq(www_addr(z, buf), "192.0.2.10");
	ck_assert_uint_eq(zone_serial(z), 10);
	struct zonestore_journal j;
	ck_assert_int_eq(zonestore_journal_read(st, z, &j, err, sizeof(err)),
	                 DP_OK);
	ck_assert_uint_eq(j.n, 0);
	zonestore_journal_free(&j);
	zone_free(z);

	/* And it takes a newer zone file as any store does. */
	enum zonestore_import what;
	char *zf = path_in("z.zone");
	write_zone(zf, 11, "192.0.2.11");
	ck_assert_int_eq(zonestore_import_file(st, "z.test.", zf, &what, err,
	                                       sizeof(err)),
	                 DP_OK);
	ck_assert_int_eq(what, ZONESTORE_IMPORTED_NEWER);
	zonestore_close(st);
}
END_TEST

/*
 * Open @p as a zone store, expecting @want and a message holding @msg;
 * the file must keep every byte it had.
 */
static void refused(const char *p, dp_status want, const char *msg)
{
	char err[1024], cmd[512];
	struct zonestore *st = NULL;
	snprintf(cmd, sizeof(cmd), "cp %s %s.orig", p, p);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(zonestore_open(p, &st, err, sizeof(err)), want);
	ck_assert_ptr_null(st);
	ck_assert_msg(strstr(err, msg) != NULL, "'%s' lacks '%s'", err, msg);
	snprintf(cmd, sizeof(cmd), "cmp -s %s %s.orig", p, p);
	ck_assert_msg(system(cmd) == 0, "%s changed", p);
}

START_TEST(test_foreign)
{
	char *p = path_in("other.db");
	make_db(p, "CREATE TABLE t(x); PRAGMA application_id = 42;");
	refused(p, DP_EFOREIGN, "not a dnsplane zone store");

	p = path_in("app.db");
	make_db(p, "CREATE TABLE t(x); INSERT INTO t VALUES (1); "
	           "PRAGMA application_id = 305419896;");
	refused(p, DP_EFOREIGN,
	        "app.db: not a dnsplane zone store (application_id "
	        "0x12345678, expected 0x64705a53); refusing to use it");

	/* Tables that are not ours, without an application id. */
	p = path_in("plain.db");
	make_db(p, "CREATE TABLE t(x);");
	refused(p, DP_EFOREIGN, "(application_id 0x00000000, expected");

	p = path_in("newer.db");
	make_db(p, "CREATE TABLE t(x); PRAGMA application_id = 1685084755; "
	           "PRAGMA user_version = 99;");
	refused(p, DP_EFOREIGN,
	        "newer.db: zone store schema version 99, but this program "
	        "knows versions 1 to 2; refusing to use it");

	p = path_in("garbage.db");
	FILE *f = fopen(p, "w");
	for (int i = 0; i < 512; i++)
		fputs("this is not a database ", f);
	fclose(f);
	refused(p, DP_EDB, p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("zonestore");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_import_policy);
	tcase_add_test(tc, test_serial_arithmetic);
	tcase_add_test(tc, test_new_file);
	tcase_add_test(tc, test_migrate_v1);
	tcase_add_test(tc, test_foreign);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
