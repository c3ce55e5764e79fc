/*
 * check_zonestore.c - unit tests of the SQLite zone store: import policy,
 * durability across reopen, and refusal of foreign databases.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "zonestore.h"
#include "unit.h"

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

START_TEST(test_foreign)
{
	char err[1024];
	struct zonestore *st = NULL;

	char *p = path_in("other.db");
	make_db(p, "CREATE TABLE t(x); PRAGMA application_id = 42;");
	ck_assert_int_eq(zonestore_open(p, &st, err, sizeof(err)), DP_EFOREIGN);
	ck_assert_msg(strstr(err, "not a dnsplane zone store") != NULL, "%s",
	              err);

	p = path_in("plain.db");
	make_db(p, "CREATE TABLE t(x);");
	ck_assert_int_eq(zonestore_open(p, &st, err, sizeof(err)), DP_EFOREIGN);

	p = path_in("newer.db");
	make_db(p, "CREATE TABLE t(x); PRAGMA application_id = 1685084755; "
	           "PRAGMA user_version = 99;");
	ck_assert_int_eq(zonestore_open(p, &st, err, sizeof(err)), DP_EFOREIGN);
	ck_assert_msg(strstr(err, "schema version 99") != NULL, "%s", err);

	p = path_in("garbage.db");
	FILE *f = fopen(p, "w");
	for (int i = 0; i < 512; i++)
		fputs("this is not a database ", f);
	fclose(f);
	ck_assert_int_eq(zonestore_open(p, &st, err, sizeof(err)), DP_EDB);
	ck_assert_msg(strstr(err, p) != NULL, "%s", err);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("zonestore");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_import_policy);
	tcase_add_test(tc, test_serial_arithmetic);
	tcase_add_test(tc, test_foreign);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
