/*
 * reports.c - the enactors' report files (see reports.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
	free(dir);
	dp_status rc = sqlstore_open(path, &reports_schema, SQLSTORE_CREATE, db,
	                             err, errlen);
	free(path);
	return rc;
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
	qsort(ids, n, sizeof(*ids), name_cmp);
	dp_status rc = DP_OK;
	for (size_t i = 0; i < n && rc == DP_OK; i++) {
		char *path = xasprintf("%s/%s%s", dir, ids[i], suffix);
		sqlite3 *db = NULL;
		rc = sqlstore_open(path, &reports_schema, 0, &db, err, errlen);
		if (rc == DP_OK && fn(arg, ids[i], db, path, err, errlen) != 0)
			rc = DP_EDB;
		sqlite3_close(db);
		free(path);
	}
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	free(dir);
	return rc;
}
