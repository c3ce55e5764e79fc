/*
 * reports.c - the enactors' report files (see reports.h).
 *
 * Every file starts with a line naming its kind and version
 * ("dnsplane-enactor-state 3").  A state file then has one "key value"
 * line per field; a log has one line per entry:
 *
 *   applied:  GENERATION AT [ENDPOINT]        (no endpoint: the whole plan)
 *   retired:  GENERATION CREATED AT [REASON]  (CREATED "-": any plan)
 *
 * Times are unix milliseconds.  Text (a problem, a reason) has its
 * control characters replaced by spaces, so a line is always one entry.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "reports.h"
#include "xalloc.h"

static const char *const kind_names[] = {"state", "applied", "retired"};
enum kind { K_STATE, K_APPLIED, K_RETIRED };

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
			       "and '-' only (it names its report files)";
	}
	return NULL;
}

char *reports_dir(const char *store_path)
{
	return xasprintf("%s.enactors", store_path);
}

static char *file_path(const char *store_path, const char *id, enum kind k)
{
	return xasprintf("%s.enactors/%s.%s", store_path, id, kind_names[k]);
}

/* ---- text ---- */

/* A growing buffer of text. */
struct text {
	char *s;
	size_t len, cap;
};

static void text_add(struct text *t, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void text_add(struct text *t, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(t->s ? t->s + t->len : NULL,
		                  t->s ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (t->s != NULL && (size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		t->cap = (t->cap + (size_t)n + 1) * 2;
		t->s = xrealloc(t->s, t->cap);
	}
}

static void header(struct text *t, enum kind k)
{
	text_add(t, "dnsplane-enactor-%s %d\n", kind_names[k], REPORTS_VERSION);
}

/* @s with every control character a space: one line of text. */
static void one_line(char *dst, size_t size, const char *s)
{
	snprintf(dst, size, "%s", s ? s : "");
	for (char *p = dst; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
}

/* A decimal number of @s up to the next space or the end: its end, or
 * NULL when there is none. */
static const char *number(const char *s, int64_t *v)
{
	if (*s == '-' && (s[1] == ' ' || s[1] == '\0')) {
		*v = -1;
		return s + 1;
	}
	if (*s < '0' || *s > '9')
		return NULL;
	errno = 0;
	char *end;
	long long x = strtoll(s, &end, 10);
	if (errno != 0 || (*end != ' ' && *end != '\0'))
		return NULL;
	*v = x;
	return end;
}

/* ---- reading a file ---- */

/*
 * Read the file at @path up to its last complete line into *@buf
 * (NUL-terminated, *@len bytes, the caller frees): 1; 0 when it does not
 * exist or holds no complete line yet; -1 with why in @err.
 */
static int read_lines(const char *path, char **buf, size_t *len, char *err,
                      size_t errlen)
{
	*buf = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: cannot open: %s", path,
		         strerror(errno));
		return -1;
	}
	size_t cap = 4096, n = 0;
	char *b = xmalloc(cap + 1);
	for (;;) {
		if (n == cap)
			b = xrealloc(b, (cap *= 2) + 1);
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: cannot read: %s", path,
			         strerror(errno));
			close(fd);
			free(b);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	while (n > 0 && b[n - 1] != '\n')
		n--;
	b[n] = '\0';
	if (n == 0) {
		free(b);
		return 0;
	}
	*buf = b;
	*len = n;
	return 1;
}

/*
 * Check the first line of @buf says kind @k of a version this program
 * knows; the rest of @buf, or NULL with why in @err.
 */
static char *check_header(char *buf, const char *path, enum kind k, char *err,
                          size_t errlen)
{
	char want[64];
	int n = snprintf(want, sizeof(want), "dnsplane-enactor-%s ",
	                 kind_names[k]);
	char *nl = strchr(buf, '\n');
	*nl = '\0';
	int64_t v = 0;
	const char *end =
	        strncmp(buf, want, (size_t)n) == 0 ? number(buf + n, &v) : NULL;
	if (end == NULL || *end != '\0' || v < 3 || v > REPORTS_VERSION) {
		snprintf(err, errlen,
		         "%s: not a dnsplane enactor %s file of a version this "
		         "program knows (its first line is '%.60s')",
		         path, kind_names[k], buf);
		return NULL;
	}
	return nl + 1;
}

/* Call @fn with every line after the header of file @path of kind @k:
 * 1; 0 when there is no such file yet; -1 with why in @err (a line @fn
 * refuses is named by its number). */
typedef int (*line_fn)(void *arg, char *line);
static int each_line(const char *path, enum kind k, line_fn fn, void *arg,
                     char *err, size_t errlen)
{
	char *buf;
	size_t len;
	int r = read_lines(path, &buf, &len, err, errlen);
	if (r <= 0)
		return r;
	char *p = check_header(buf, path, k, err, errlen);
	int rc = p != NULL ? 1 : -1;
	for (unsigned line = 2; rc == 1 && *p; line++) {
		char *nl = strchr(p, '\n');
		*nl = '\0';
		if (fn(arg, p) != 0) {
			snprintf(err, errlen,
			         "%s: line %u is not a %s report: "
			         "'%.80s'",
			         path, line, kind_names[k], p);
			rc = -1;
		}
		p = nl + 1;
	}
	free(buf);
	return rc;
}

/* ---- the state ---- */

static void state_text(struct text *t, const struct reports_state *st)
{
	header(t, K_STATE);
	text_add(t,
	         "heartbeat_at %" PRId64 "\nin_flight %" PRIu64
	         "\napplied %" PRIu64 "\napplied_at %" PRId64
	         "\nproblem_at %" PRId64 "\nproblem %s\n",
	         st->heartbeat_ms, st->in_flight, st->applied, st->applied_ms,
	         st->problem_ms, st->problem);
}

static int state_line(void *arg, char *line)
{
	struct reports_state *st = arg;
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
	        {"heartbeat_at", offsetof(struct reports_state, heartbeat_ms)},
	        {"in_flight", offsetof(struct reports_state, in_flight)},
	        {"applied", offsetof(struct reports_state, applied)},
	        {"applied_at", offsetof(struct reports_state, applied_ms)},
	        {"problem_at", offsetof(struct reports_state, problem_ms)},
	};
	char *val = strchr(line, ' ');
	if (val == NULL)
		return -1;
	*val++ = '\0';
	if (strcmp(line, "problem") == 0) {
		one_line(st->problem, sizeof(st->problem), val);
		return 0;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(line, keys[i].key) != 0)
			continue;
		int64_t v;
		const char *end = number(val, &v);
		if (end == NULL || *end != '\0' || v < 0)
			return -1;
		memcpy((char *)st + keys[i].off, &v, sizeof(v));
		return 0;
	}
	return 0; /* a field of a later version */
}

int reports_read_state(const char *store_path, const char *id,
                       struct reports_state *st, char *err, size_t errlen)
{
	memset(st, 0, sizeof(*st));
	snprintf(st->id, sizeof(st->id), "%s", id);
	char *path = file_path(store_path, id, K_STATE);
	int rc = each_line(path, K_STATE, state_line, st, err, errlen);
	free(path);
	return rc;
}

/* ---- the logs ---- */

struct retired_list {
	struct reports_retired *v;
	size_t n, first; /* this file's entries start at v[first] */
};

static int retired_line(void *arg, char *line)
{
	struct retired_list *l = arg;
	int64_t g, c, at;
	const char *p = number(line, &g);
	if (p == NULL || *p != ' ' || g < 1)
		return -1;
	if ((p = number(p + 1, &c)) == NULL || *p != ' ')
		return -1;
	if ((p = number(p + 1, &at)) == NULL || at < 0)
		return -1;
	const char *reason = *p == ' ' ? p + 1 : "";
	/* The first retirement of a plan is its record; another plan of
	 * the same number retired later replaces it. */
	struct reports_retired *w = NULL;
	for (size_t i = l->first; i < l->n; i++)
		if (l->v[i].generation == (uint64_t)g)
			w = &l->v[i];
	if (w != NULL && w->created_ms == c)
		return 0;
	if (w == NULL) {
		l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
		w = &l->v[l->n++];
	}
	w->generation = (uint64_t)g;
	w->created_ms = c;
	w->at_ms = at;
	one_line(w->reason, sizeof(w->reason), reason);
	return 0;
}

int reports_read_retired(const char *store_path, const char *id,
                         struct reports_retired **v, size_t *n, char *err,
                         size_t errlen)
{
	struct retired_list l = {.v = *v, .n = *n, .first = *n};
	char *path = file_path(store_path, id, K_RETIRED);
	int rc = each_line(path, K_RETIRED, retired_line, &l, err, errlen);
	free(path);
	*v = l.v;
	*n = l.n;
	return rc < 0 ? -1 : 0;
}

struct count {
	uint64_t generation;
	size_t n;
};

static int applied_line(void *arg, char *line)
{
	struct count *c = arg;
	int64_t g, at;
	const char *p = number(line, &g);
	if (p == NULL || *p != ' ' || g < 1)
		return -1;
	if ((p = number(p + 1, &at)) == NULL || at < 0)
		return -1;
	if (*p == ' ' && p[1] == '\0')
		return -1;
	c->n += (uint64_t)g == c->generation;
	return 0;
}

int reports_count_applied(const char *store_path, const char *id,
                          uint64_t generation, size_t *n, char *err,
                          size_t errlen)
{
	struct count c = {.generation = generation};
	char *path = file_path(store_path, id, K_APPLIED);
	int rc = each_line(path, K_APPLIED, applied_line, &c, err, errlen);
	free(path);
	*n += c.n;
	return rc < 0 ? -1 : 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The enactor id of report file name @name, or NULL. */
static char *id_of(const char *name)
{
	const char *dot = strrchr(name, '.');
	if (dot == NULL)
		return NULL;
	for (size_t k = 0; k < sizeof(kind_names) / sizeof(kind_names[0]);
	     k++) {
		if (strcmp(dot + 1, kind_names[k]) != 0)
			continue;
		char *id = xstrndup(name, (size_t)(dot - name));
		if (reports_check_id(id) == NULL)
			return id;
		free(id);
	}
	return NULL;
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
		char *id = id_of(de->d_name);
		if (id == NULL)
			continue;
		ids = xrealloc(ids, (n + 1) * sizeof(*ids));
		ids[n++] = id;
	}
	closedir(d);
	if (n > 1)
		qsort(ids, n, sizeof(*ids), name_cmp);
	dp_status rc = DP_OK;
	for (size_t i = 0; i < n && rc == DP_OK; i++) {
		if (i > 0 && strcmp(ids[i], ids[i - 1]) == 0)
			continue;
		if (fn(arg, store_path, ids[i], err, errlen) != 0)
			rc = DP_EDB;
	}
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	free(dir);
	return rc;
}

/* ---- writing ---- */

static int write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, s, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		s += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * Replace the file @path by @t's text: written under a name of its own
 * in the same directory, flushed to disk when @sync, renamed into place.
 * On failure the old file stays as it was.
 */
static dp_status replace_file(const char *path, const struct text *t, bool sync,
                              char *err, size_t errlen)
{
	static _Atomic unsigned made;
	const char *slash = strrchr(path, '/');
	char *tmp = xasprintf("%.*s.%s.%ld.%u.new", (int)(slash - path + 1),
	                      path, slash + 1, (long)getpid(), made++);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	int bad = fd < 0 || write_all(fd, t->s, t->len) != 0 ||
	          (sync && fdatasync(fd) != 0);
	int e = errno;
	if (fd >= 0 && close(fd) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	if (!bad && rename(tmp, path) != 0) {
		bad = 1;
		e = errno;
	}
	if (bad) {
		unlink(tmp);
		snprintf(err, errlen, "%s: cannot write: %s", path,
		         strerror(e));
	}
	free(tmp);
	return bad ? DP_EIO : DP_OK;
}

/* A log open for appending. */
struct log {
	char *path;
	enum kind kind;
	int fd;
	size_t lines; /* entries in the file */
};

/*
 * Open (create) log @l: a missing or empty file gets its header; a file
 * whose last line a crash left half-written is cut back to its last
 * complete line.
 */
static dp_status log_open(struct log *l, char *err, size_t errlen)
{
	l->fd = open(l->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	if (l->fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", l->path,
		         strerror(errno));
		return DP_EIO;
	}
	char *buf;
	size_t len;
	int r = read_lines(l->path, &buf, &len, err, errlen);
	if (r > 0 && check_header(buf, l->path, l->kind, err, errlen) == NULL)
		r = -2;
	if (r < 0) {
		free(buf);
		close(l->fd);
		l->fd = -1;
		return r == -2 ? DP_EFOREIGN : DP_EIO;
	}
	l->lines = 0;
	for (size_t i = 0; i < len; i++)
		l->lines += buf[i] == '\n';
	free(buf);
	struct text t = {0};
	if (len == 0)
		header(&t, l->kind);
	else
		l->lines--; /* the header */
	dp_status rc = DP_OK;
	if (ftruncate(l->fd, (off_t)len) != 0 ||
	    (t.len > 0 && write_all(l->fd, t.s, t.len) != 0)) {
		snprintf(err, errlen, "%s: cannot write: %s", l->path,
		         strerror(errno));
		rc = DP_EIO;
	}
	free(t.s);
	if (rc != DP_OK) {
		close(l->fd);
		l->fd = -1;
	}
	return rc;
}

/* Keep the newest REPORTS_LOG_KEEP entries of @l. */
static dp_status log_trim(struct log *l, char *err, size_t errlen)
{
	char *buf;
	size_t len;
	if (read_lines(l->path, &buf, &len, err, errlen) <= 0)
		return DP_EIO;
	size_t skip =
	        l->lines > REPORTS_LOG_KEEP ? l->lines - REPORTS_LOG_KEEP : 0;
	char *p = strchr(buf, '\n') + 1;
	for (size_t i = 0; i < skip; i++)
		p = strchr(p, '\n') + 1;
	struct text t = {0};
	header(&t, l->kind);
	text_add(&t, "%s", p);
	free(buf);
	dp_status rc = replace_file(l->path, &t, false, err, errlen);
	free(t.s);
	if (rc != DP_OK)
		return rc;
	close(l->fd);
	l->fd = -1;
	return log_open(l, err, errlen);
}

/* Append @t's @n entries to @l, all or none. */
static dp_status log_append(struct log *l, const struct text *t, size_t n,
                            char *err, size_t errlen)
{
	dp_status rc;
	char last = '\n';
	off_t end = l->fd >= 0 ? lseek(l->fd, 0, SEEK_END) : -1;
	if (end > 0 && pread(l->fd, &last, 1, end - 1) != 1)
		last = 0;
	if (end < 0 || last != '\n') {
		/* Not opened yet, or its last line cut short (by another
		 * process: its own writes are all or none): cut it. */
		if (l->fd >= 0)
			close(l->fd);
		if ((rc = log_open(l, err, errlen)) != DP_OK)
			return rc;
		end = lseek(l->fd, 0, SEEK_END);
	}
	if (end < 0 || write_all(l->fd, t->s, t->len) != 0) {
		snprintf(err, errlen, "%s: cannot write: %s", l->path,
		         strerror(errno));
		/* None of it: cut back, or reopened (and cut) next time. */
		if (end < 0 || ftruncate(l->fd, end) != 0) {
			close(l->fd);
			l->fd = -1;
		}
		return DP_EIO;
	}
	l->lines += n;
	if (l->lines >= REPORTS_LOG_KEEP + REPORTS_LOG_KEEP / 100)
		return log_trim(l, err, errlen);
	return DP_OK;
}

/* The writer of one enactor's files, shared by this process's handles. */
struct reports_writer {
	struct reports_writer *next;
	char *store;
	char *id;
	unsigned refs;
	char *state_path;
	struct reports_state st;
	struct log logs[2]; /* applied, retired */
};

/* Every writer of this process; held around every write, so that the
 * threads of an enactor (heartbeats, passes) write one state. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct reports_writer *writers;

static dp_status write_state(struct reports_writer *w, bool sync, char *err,
                             size_t errlen)
{
	struct text t = {0};
	state_text(&t, &w->st);
	dp_status rc = replace_file(w->state_path, &t, sync, err, errlen);
	free(t.s);
	return rc;
}

/* ---- report files of version 1 and 2 (SQLite) ---- */

static int sql_error(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: cannot convert: %s", path,
	         sqlite3_errmsg(db));
	return -1;
}

/* Run @sql on @db, adding each row's columns to @t as the line @fmt says
 * ('i' a number, 'n' a number or "-", 't' text or nothing). */
static int sql_lines(sqlite3 *db, const char *path, const char *sql,
                     const char *fmt, struct text *t, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return sql_error(db, path, err, errlen);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; fmt[i]; i++) {
			bool null = sqlite3_column_type(st, i) == SQLITE_NULL;
			if (fmt[i] == 't') {
				char s[320];
				one_line(s, sizeof(s),
				         (const char *)sqlite3_column_text(st,
				                                           i));
				if (!null)
					text_add(t, " %s", s);
			} else if (fmt[i] == 'n' && null) {
				text_add(t, " -");
			} else {
				text_add(
				        t, "%s%lld", i ? " " : "",
				        (long long)sqlite3_column_int64(st, i));
			}
		}
		text_add(t, "\n");
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : sql_error(db, path, err, errlen);
}

/* The number PRAGMA @sql says, -1 when it cannot be read. */
static int64_t pragma_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *q;
	int64_t v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* The one row of the enactor table of @db into *@st. */
static int convert_state(sqlite3 *db, const char *path,
                         struct reports_state *st, char *err, size_t errlen)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(db,
	                       "SELECT heartbeat_at, in_flight, applied, "
	                       "applied_at, problem_at, problem FROM enactor",
	                       -1, &q, NULL) != SQLITE_OK)
		return sql_error(db, path, err, errlen);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		st->heartbeat_ms = sqlite3_column_int64(q, 0);
		st->in_flight = (uint64_t)sqlite3_column_int64(q, 1);
		st->applied = (uint64_t)sqlite3_column_int64(q, 2);
		st->applied_ms = sqlite3_column_int64(q, 3);
		st->problem_ms = sqlite3_column_int64(q, 4);
		one_line(st->problem, sizeof(st->problem),
		         (const char *)sqlite3_column_text(q, 5));
	}
	sqlite3_finalize(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
	               ? 0
	               : sql_error(db, path, err, errlen);
}

/*
 * Convert enactor @w's report file of version 1 or 2 at @old, if there is
 * one, into files of this version; the state file, written last, marks
 * the conversion done, and the old file goes.
 */
static dp_status convert(struct reports_writer *w, const char *old, char *err,
                         size_t errlen)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(old, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		sql_error(db, old, err, errlen);
		sqlite3_close(db);
		return DP_EDB;
	}
	sqlite3_busy_timeout(db, 2000);
	int64_t app = pragma_int(db, "PRAGMA application_id");
	int64_t v = pragma_int(db, "PRAGMA user_version");
	int bad = 0;
	if (app != 0x64704552 || v < 1 || v > 2) {
		snprintf(err, errlen,
		         "%s: not a dnsplane enactor report file of a version "
		         "this program knows",
		         old);
		bad = 1;
	}
	struct text t[3] = {{0}};
	header(&t[K_APPLIED], K_APPLIED);
	header(&t[K_RETIRED], K_RETIRED);
	bad = bad ||
	      sql_lines(db, old,
	                "SELECT generation, applied_at, endpoint FROM applied "
	                "ORDER BY id",
	                "iit", &t[K_APPLIED], err, errlen) ||
	      sql_lines(db, old,
	                v >= 2 ? "SELECT generation, plan_created_at, "
	                         "retired_at, reason FROM retired"
	                       : "SELECT generation, NULL, retired_at, reason "
	                         "FROM retired",
	                "init", &t[K_RETIRED], err, errlen) ||
	      convert_state(db, old, &w->st, err, errlen);
	sqlite3_close(db);
	dp_status rc = bad ? DP_EDB : DP_OK;
	for (int k = K_APPLIED; rc == DP_OK && k <= K_RETIRED; k++)
		rc = replace_file(w->logs[k - 1].path, &t[k], true, err,
		                  errlen);
	if (rc == DP_OK)
		rc = write_state(w, true, err, errlen);
	for (int k = 0; k < 3; k++)
		free(t[k].s);
	for (int k = 0; rc == DP_OK && k < 3; k++) {
		static const char *const ext[] = {"", "-wal", "-shm"};
		char *f = xasprintf("%s%s", old, ext[k]);
		unlink(f);
		free(f);
	}
	return rc;
}

static void writer_free(struct reports_writer *w)
{
	for (int i = 0; i < 2; i++) {
		if (w->logs[i].fd >= 0)
			close(w->logs[i].fd);
		free(w->logs[i].path);
	}
	free(w->state_path);
	free(w->store);
	free(w->id);
	free(w);
}

static dp_status writer_open(const char *store_path, const char *id,
                             struct reports_writer **out, char *err,
                             size_t errlen)
{
	char *dir = reports_dir(store_path);
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: cannot create: %s", dir,
		         strerror(errno));
		free(dir);
		return DP_EIO;
	}
	struct reports_writer *w = xcalloc(1, sizeof(*w));
	w->store = xstrdup(store_path);
	w->id = xstrdup(id);
	w->state_path = file_path(store_path, id, K_STATE);
	for (int k = K_APPLIED; k <= K_RETIRED; k++)
		w->logs[k - 1] =
		        (struct log){.path = file_path(store_path, id, k),
		                     .kind = (enum kind)k,
		                     .fd = -1};
	char *old = xasprintf("%s/%s.db", dir, id);
	free(dir);
	struct stat sb;
	dp_status rc = DP_OK;
	int r = 0;
	if (stat(w->state_path, &sb) == 0)
		r = reports_read_state(store_path, id, &w->st, err, errlen);
	else if (stat(old, &sb) == 0)
		rc = convert(w, old, err, errlen);
	free(old);
	if (r < 0)
		rc = DP_EFOREIGN;
	for (int i = 0; rc == DP_OK && i < 2; i++)
		rc = log_open(&w->logs[i], err, errlen);
	/* A state file there already is not written again: an enactor
	 * starts on a full disk, and reports when there is room. */
	if (rc == DP_OK && r == 0)
		rc = write_state(w, false, err, errlen);
	if (rc != DP_OK) {
		writer_free(w);
		return rc;
	}
	*out = w;
	return DP_OK;
}

dp_status reports_writer_get(const char *store_path, const char *id,
                             struct reports_writer **out, char *err,
                             size_t errlen)
{
	const char *why = reports_check_id(id);
	if (why != NULL) {
		snprintf(err, errlen, "enactor id '%s': %s", id ? id : "", why);
		return DP_EINVAL;
	}
	pthread_mutex_lock(&mu);
	struct reports_writer *w = writers;
	while (w != NULL &&
	       (strcmp(w->store, store_path) != 0 || strcmp(w->id, id) != 0))
		w = w->next;
	dp_status rc = DP_OK;
	if (w == NULL &&
	    (rc = writer_open(store_path, id, &w, err, errlen)) == DP_OK) {
		w->next = writers;
		writers = w;
	}
	if (rc == DP_OK) {
		w->refs++;
		*out = w;
	}
	pthread_mutex_unlock(&mu);
	return rc;
}

const char *reports_writer_id(const struct reports_writer *w)
{
	return w->id;
}

void reports_writer_put(struct reports_writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&mu);
	if (--w->refs == 0) {
		struct reports_writer **p = &writers;
		while (*p != w)
			p = &(*p)->next;
		*p = w->next;
		writer_free(w);
	}
	pthread_mutex_unlock(&mu);
}

dp_status reports_heartbeat(struct reports_writer *w, uint64_t in_flight,
                            int64_t now_ms, char *err, size_t errlen)
{
	pthread_mutex_lock(&mu);
	w->st.heartbeat_ms = now_ms;
	w->st.in_flight = in_flight;
	dp_status rc = write_state(w, false, err, errlen);
	pthread_mutex_unlock(&mu);
	return rc;
}

dp_status reports_applied(struct reports_writer *w, uint64_t generation,
                          const char *const *endpoints, size_t n,
                          int64_t now_ms, char *err, size_t errlen)
{
	if (n == 0)
		return DP_OK;
	struct text t = {0};
	bool whole = false;
	for (size_t i = 0; i < n; i++) {
		char name[300];
		one_line(name, sizeof(name), endpoints[i]);
		name[strcspn(name, " ")] = '\0';
		text_add(&t, "%" PRIu64 " %" PRId64 "%s%s\n", generation,
		         now_ms, endpoints[i] ? " " : "", name);
		whole |= endpoints[i] == NULL;
	}
	pthread_mutex_lock(&mu);
	dp_status rc = log_append(&w->logs[0], &t, n, err, errlen);
	if (rc == DP_OK) {
		w->st.heartbeat_ms = now_ms;
		if (whole) {
			w->st.applied = generation;
			w->st.applied_ms = now_ms;
		}
		rc = write_state(w, false, err, errlen);
	}
	pthread_mutex_unlock(&mu);
	free(t.s);
	return rc;
}

dp_status reports_problem(struct reports_writer *w, const char *problem,
                          int64_t now_ms, char *err, size_t errlen)
{
	pthread_mutex_lock(&mu);
	w->st.heartbeat_ms = now_ms;
	one_line(w->st.problem, sizeof(w->st.problem), problem);
	w->st.problem_ms = w->st.problem[0] ? now_ms : 0;
	dp_status rc = write_state(w, false, err, errlen);
	pthread_mutex_unlock(&mu);
	return rc;
}

dp_status reports_retire(struct reports_writer *w, uint64_t generation,
                         int64_t created_ms, const char *reason, int64_t now_ms,
                         char *err, size_t errlen)
{
	char why[256];
	one_line(why, sizeof(why), reason);
	struct text t = {0};
	text_add(&t, "%" PRIu64 " ", generation);
	if (created_ms < 0)
		text_add(&t, "-");
	else
		text_add(&t, "%" PRId64, created_ms);
	text_add(&t, " %" PRId64 "%s%s\n", now_ms, why[0] ? " " : "", why);
	pthread_mutex_lock(&mu);
	dp_status rc = log_append(&w->logs[1], &t, 1, err, errlen);
	pthread_mutex_unlock(&mu);
	free(t.s);
	return rc;
}
