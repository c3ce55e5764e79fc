/*
 * reports.c - the enactors' report files (see reports.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reports.h"
#include "sqlstore.h"
#include "xalloc.h"

extern const char *const sql_reports[];

static const struct sqlstore_schema reports_schema = {
        .kind = "enactor report file",
        .app_id = REPORTS_APP_ID,
        .version = REPORTS_VERSION,
        .steps = sql_reports,
        .busy_timeout_ms = 2000,
        .synchronous = "NORMAL",
        .cache_kib = 2000,
};

/* The file name suffix of a report file. */
static const char suffix[] = ".db";

const char *reports_check_id(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0 || n > 63)
		return "an enactor id is 1 to 63 characters";
	if (id[0] == '.')
		return "an enactor id does not start with '.'";
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return "an enactor id has letters, digits, '.', '_' "
			       "and '-' only (it names its report file)";
	}
	return NULL;
}

char *reports_dir(const char *store_path)
{
	return xasprintf("%s.enactors", store_path);
}

dp_status reports_open_writer(const char *store_path, const char *id,
                              sqlite3 **db, char *err, size_t errlen)
{
	const char *why = reports_check_id(id);
	if (why != NULL) {
		snprintf(err, errlen, "enactor id '%s': %s", id ? id : "", why);
		return DP_EINVAL;
	}
	char *dir = reports_dir(store_path);
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: cannot create: %s", dir,
		         strerror(errno));
		free(dir);
		return DP_EIO;
	}
	char *path = xasprintf("%s/%s%s", dir, id, suffix);
	dp_status rc = DP_OK;
	struct stat sb;
	if (stat(path, &sb) != 0) {
		/* Made under a name of its own (process and thread) and
		 * linked into place with its schema: a reader never meets a
		 * file being created (it would wait for its creator, stopped
		 * or not), and of two creators at once (the heartbeats' and
		 * the passes' handles) the first link wins, the other opens
		 * that file. */
		static _Atomic unsigned made;
		char *tmp = xasprintf("%s/.%s%s.%ld.%u.new", dir, id, suffix,
		                      (long)getpid(), made++);
		rc = sqlstore_open(tmp, &reports_schema, SQLSTORE_CREATE, db,
		                   err, errlen);
		if (rc == DP_OK) {
			sqlite3_close(*db); /* folds the WAL in */
			*db = NULL;
			if (link(tmp, path) != 0 && errno != EEXIST) {
				snprintf(err, errlen, "%s: cannot link: %s",
				         tmp, strerror(errno));
				rc = DP_EIO;
			}
		}
		for (int k = 0; k < 3; k++) {
			static const char *const ext[] = {"", "-wal", "-shm"};
			char *f = xasprintf("%s%s", tmp, ext[k]);
			unlink(f);
			free(f);
		}
		free(tmp);
	}
	free(dir);
	if (rc == DP_OK)
		rc = sqlstore_open(path, &reports_schema, 0, db, err, errlen);
	free(path);
	return rc;
}

/*
 * Open @path for reading only: never write, never wait long.  1 and *@db
 * when it can be read; 0 when it cannot be now (its writer holds it while
 * recovering it, stopped or not): the caller skips it; -1 when it is not
 * an enactor's report file (an error in @err).
 */
static int open_reader(const char *path, sqlite3 **db, char *err, size_t errlen)
{
	*db = NULL;
	if (sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		sqlite3_close(*db);
		*db = NULL;
		return 0;
	}
	sqlite3_busy_timeout(*db, 200);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(
	        *db,
	        "SELECT (SELECT application_id FROM pragma_application_id), "
	        "(SELECT user_version FROM pragma_user_version)",
	        -1, &st, NULL);
	int64_t app = 0, ver = 0;
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		app = sqlite3_column_int64(st, 0);
		ver = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW || ver < 1) {
		/* Busy, or from before the rename: nothing to read yet. */
		sqlite3_close(*db);
		*db = NULL;
		return 0;
	}
	if ((uint32_t)app != REPORTS_APP_ID || ver > REPORTS_VERSION) {
		snprintf(err, errlen,
		         "%s: not a dnsplane enactor report file of a version "
		         "this program knows (application_id 0x%08x, version "
		         "%lld)",
		         path, (unsigned)(uint32_t)app, (long long)ver);
		sqlite3_close(*db);
		*db = NULL;
		return -1;
	}
	return 1;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

dp_status reports_each(const char *store_path, reports_fn fn, void *arg,
                       char *err, size_t errlen)
{
	char *dir = reports_dir(store_path);
	DIR *d = opendir(dir);
	if (d == NULL) {
		dp_status rc = DP_OK;
		if (errno != ENOENT) {
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
			rc = DP_EIO;
		}
		free(dir);
		return rc;
	}
	char **ids = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		if (l <= sizeof(suffix) - 1 ||
		    strcmp(de->d_name + l - (sizeof(suffix) - 1), suffix) != 0)
			continue;
		char *id = xstrdup(de->d_name);
		id[l - (sizeof(suffix) - 1)] = '\0';
		if (reports_check_id(id) != NULL) {
			free(id);
			continue;
		}
		ids = xrealloc(ids, (n + 1) * sizeof(*ids));
		ids[n++] = id;
	}
	closedir(d);
	if (n > 1)
		qsort(ids, n, sizeof(*ids), name_cmp);
	dp_status rc = DP_OK;
	for (size_t i = 0; i < n && rc == DP_OK; i++) {
		char *path = xasprintf("%s/%s%s", dir, ids[i], suffix);
		sqlite3 *db = NULL;
		int r = open_reader(path, &db, err, errlen);
		if (r < 0)
			rc = DP_EFOREIGN;
		else if (r > 0 && fn(arg, ids[i], db, path, err, errlen) != 0)
			/* Busy now (a writer recovering it): skipped, as an
			 * enactor that reported nothing yet. */
			rc = (sqlite3_errcode(db) & 0xff) == SQLITE_BUSY
			             ? DP_OK
			             : DP_EDB;
		sqlite3_close(db);
		free(path);
	}
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	free(dir);
	return rc;
}
