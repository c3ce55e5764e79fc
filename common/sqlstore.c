/*
 * sqlstore.c - open an SQLite store file: identify it, refuse a foreign
 * or newer one, WAL, migrations one step a transaction, the connection's
 * settings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sqlstore.h"
#include "xalloc.h"

dp_status sqlstore_error(sqlite3 *db, const char *path, const char *what,
                         char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s: %s", path, what, sqlite3_errmsg(db));
	return DP_EDB;
}

dp_status sqlstore_exec(sqlite3 *db, const char *path, const char *sql,
                        char *err, size_t errlen)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path,
		         msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return DP_EDB;
	}
	return DP_OK;
}

static void rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/* Does @s hold exactly as many steps as its version says? */
static dp_status check_steps(const char *path, const struct sqlstore_schema *s,
                             char *err, size_t errlen)
{
	int n = 0;
	while (s->steps[n] != NULL)
		n++;
	if (n == s->version && n > 0)
		return DP_OK;
	snprintf(err, errlen,
	         "%s: this program knows %s version %d but has %d schema "
	         "steps",
	         path, s->kind, s->version, n);
	return DP_EINVAL;
}

/*
 * Is the file ours, and of a version we know?  Sets *@version (0 for an
 * empty file).  One statement, so one snapshot of a file another process
 * may be creating right now.
 */
static dp_status identify(sqlite3 *db, const char *path,
                          const struct sqlstore_schema *s, int64_t *version,
                          char *err, size_t errlen)
{
	static const char sql[] =
	        "SELECT (SELECT application_id FROM pragma_application_id), "
	        "(SELECT user_version FROM pragma_user_version), "
	        "(SELECT count(*) FROM sqlite_master)";
	int64_t app = 0, ver = 0, tables = 0;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		app = sqlite3_column_int64(st, 0);
		ver = sqlite3_column_int64(st, 1);
		tables = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return sqlstore_error(db, path,
		                      "cannot read the database header", err,
		                      errlen);
	if (app == 0 && ver == 0 && tables == 0) {
		*version = 0;
		return DP_OK;
	}
	/* SQLite reads the 32 bits of the id as a signed number. */
	if ((uint32_t)app != s->app_id) {
		snprintf(err, errlen,
		         "%s: not a dnsplane %s (application_id 0x%08x, "
		         "expected 0x%08x); refusing to use it",
		         path, s->kind, (unsigned)(uint32_t)app,
		         (unsigned)s->app_id);
		return DP_EFOREIGN;
	}
	if (ver < 1 || ver > s->version) {
		snprintf(err, errlen,
		         "%s: %s schema version %lld, but this program knows "
		         "versions 1 to %d; refusing to use it",
		         path, s->kind, (long long)ver, s->version);
		return DP_EFOREIGN;
	}
	*version = ver;
	return DP_OK;
}

/*
 * Put the file in WAL mode.  While other processes open the same new
 * file, SQLite may answer SQLITE_BUSY at once instead of calling the busy
 * handler, so wait and retry here, as long as the busy timeout.
 */
static dp_status set_wal(sqlite3 *db, const char *path,
                         const struct sqlstore_schema *s, char *err,
                         size_t errlen)
{
	for (int waited = 0;; waited += 10) {
		int rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL,
		                      NULL);
		if (rc == SQLITE_OK)
			return DP_OK;
		if ((rc & 0xff) != SQLITE_BUSY || waited >= s->busy_timeout_ms)
			return sqlstore_error(db, path, "cannot switch to WAL",
			                      err, errlen);
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

/* Run step @from (user_version @from to @from + 1) in the open
 * transaction, tagging the file with the new version. */
static dp_status run_step(sqlite3 *db, const char *path,
                          const struct sqlstore_schema *s, int from, char *err,
                          size_t errlen)
{
	char *sql =
	        xasprintf("%s\nPRAGMA application_id = %d;\n"
	                  "PRAGMA user_version = %d;\n",
	                  s->steps[from], (int)(int32_t)s->app_id, from + 1);
	char *msg = NULL;
	dp_status rc = DP_OK;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s schema step %d: %s", path,
		         s->kind, from + 1, msg ? msg : sqlite3_errmsg(db));
		rc = DP_EDB;
	}
	sqlite3_free(msg);
	free(sql);
	return rc;
}

/*
 * Bring the file up to s->version, one step a transaction.  Each
 * transaction looks at the version again: another process may have
 * created or migrated the file meanwhile.
 */
static dp_status migrate(sqlite3 *db, const char *path,
                         const struct sqlstore_schema *s, char *err,
                         size_t errlen)
{
	for (;;) {
		int64_t ver = 0;
		dp_status rc =
		        sqlstore_exec(db, path, "BEGIN IMMEDIATE", err, errlen);
		if (rc != DP_OK)
			return rc;
		rc = identify(db, path, s, &ver, err, errlen);
		if (rc == DP_OK && ver < s->version)
			rc = run_step(db, path, s, (int)ver, err, errlen);
		if (rc == DP_OK)
			rc = sqlstore_exec(db, path, "COMMIT", err, errlen);
		if (rc != DP_OK) {
			rollback(db);
			return rc;
		}
		if (ver + 1 >= s->version)
			return DP_OK;
	}
}

dp_status sqlstore_open(const char *path, const struct sqlstore_schema *schema,
                        unsigned flags, sqlite3 **out, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int64_t ver = 0;
	int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	if (flags & SQLSTORE_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	*out = NULL;
	dp_status rc = check_steps(path, schema, err, errlen);
	if (rc != DP_OK)
		return rc;
	if (sqlite3_open_v2(path, &db, oflags, NULL) != SQLITE_OK) {
		rc = sqlstore_error(db, path, "cannot open", err, errlen);
		goto out;
	}
	sqlite3_busy_timeout(db, schema->busy_timeout_ms);
	/* Nothing is written to a file before it is known to be ours (or
	 * empty), not even WAL mode; WAL is a property of the file, set
	 * outside a transaction, as SQLite requires. */
	if ((rc = identify(db, path, schema, &ver, err, errlen)) != DP_OK ||
	    (rc = set_wal(db, path, schema, err, errlen)) != DP_OK)
		goto out;
	if (ver < schema->version &&
	    (rc = migrate(db, path, schema, err, errlen)) != DP_OK)
		goto out;
	char sql[160];
	snprintf(sql, sizeof(sql),
	         "PRAGMA synchronous=%s; PRAGMA foreign_keys=ON; "
	         "PRAGMA cache_size=-%d;",
	         schema->synchronous, schema->cache_kib);
	rc = sqlstore_exec(db, path, sql, err, errlen);
out:
	if (rc != DP_OK) {
		sqlite3_close(db);
		return rc;
	}
	*out = db;
	return DP_OK;
}
