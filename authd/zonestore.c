/*
 * zonestore.c - zone files in, SQLite store, snapshots out.
 *
 * ldns parses RFC 1035 zone files; each record is kept as presentation
 * owner, type, TTL and uncompressed wire rdata.  Every change of the store
 * is one transaction.  The file is opened, identified and migrated by
 * common/sqlstore.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <ldns/ldns.h>
#include <sqlite3.h>

#include "arena.h"
#include "dname.h"
#include "log.h"
#include "sqlstore.h"
#include "xalloc.h"
#include "zonestore.h"

/* The schema steps, generated from sql/zonestore.sql at build time. */
extern const char *const sql_zonestore[];

static const struct sqlstore_schema zonestore_schema = {
        .kind = "zone store",
        .app_id = ZONESTORE_APP_ID,
        .version = ZONESTORE_VERSION,
        .steps = sql_zonestore,
        .busy_timeout_ms = 5000,
        .synchronous = "FULL",
        .cache_kib = 2000,
};

/* The statements of a commit, prepared once. */
enum commit_stmt {
	ST_ZONE_ID,
	ST_DEL_RRSET,
	ST_INS_RR,
	ST_INS_JOURNAL,
	ST_SET_SERIAL,
	ST_TRIM_JOURNAL,
	ST_COUNT,
};

static const char *const commit_sql[ST_COUNT] = {
        [ST_ZONE_ID] = "SELECT id FROM zone WHERE name = ?",
        [ST_DEL_RRSET] = "DELETE FROM rr WHERE zone_id = ?1 AND "
                         "owner = ?2 COLLATE NOCASE AND type = ?3",
        [ST_INS_RR] = "INSERT INTO rr(zone_id, owner, type, ttl, rdata) "
                      "VALUES(?1, ?2, ?3, ?4, ?5)",
        [ST_INS_JOURNAL] = "INSERT INTO journal(zone_id, owner, type, ttl, "
                           "rdata, seq, serial, prev_serial, op, "
                           "committed_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, "
                           "?7, ?8, ?9, ?10)",
        [ST_SET_SERIAL] = "UPDATE zone SET serial = ?2 WHERE id = ?1",
        /* Everything older than the newest ?2 steps; the scan walks
         * the primary key backwards from the newest serial. */
        [ST_TRIM_JOURNAL] = "DELETE FROM journal WHERE zone_id = ?1 AND "
                            "serial < (SELECT serial FROM (SELECT DISTINCT "
                            "serial FROM journal WHERE zone_id = ?1 ORDER "
                            "BY serial DESC LIMIT 1 OFFSET ?2))",
};

/* The journal is trimmed every this many commits, not on each. */
#define TRIM_EVERY 64

struct zonestore {
	sqlite3 *db;
	char *path;
	bool in_txn; /* inside zonestore_begin() */
	sqlite3_stmt *st[ST_COUNT];
	unsigned since_trim;
};

static dp_status db_err(struct zonestore *zs, const char *what, char *err,
                        size_t errlen)
{
	return sqlstore_error(zs->db, zs->path, what, err, errlen);
}

static dp_status exec(struct zonestore *zs, const char *sql, char *err,
                      size_t errlen)
{
	return sqlstore_exec(zs->db, zs->path, sql, err, errlen);
}

dp_status zonestore_open(const char *path, struct zonestore **out, char *err,
                         size_t errlen)
{
	struct zonestore *zs = xcalloc(1, sizeof(*zs));
	zs->path = xstrdup(path);
	dp_status rc = sqlstore_open(path, &zonestore_schema, SQLSTORE_CREATE,
	                             &zs->db, err, errlen);
	if (rc != DP_OK) {
		zonestore_close(zs);
		return rc;
	}
	*out = zs;
	return DP_OK;
}

void zonestore_close(struct zonestore *zs)
{
	if (zs == NULL)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(zs->st[i]);
	sqlite3_close(zs->db);
	free(zs->path);
	free(zs);
}

/* The apex as lower-case presentation text with a final dot. */
static int canonical_apex(const char *apex, char *out, size_t outlen)
{
	uint8_t wire[DNAME_MAXLEN];
	int n = dname_from_str(apex, wire);
	if (n < 0)
		return -1;
	/* Only the name's own bytes: the rest of @wire is not set. */
	for (int i = 0; i < n; i++)
		wire[i] = dname_lower[wire[i]];
	dname_to_str(wire, out, outlen);
	return 0;
}

/* A parsed zone file: its records and the validated snapshot. */
struct parsed {
	ldns_rr_list *rrs;
	struct zone *zone;
};

static void parsed_free(struct parsed *p)
{
	if (p->rrs != NULL)
		ldns_rr_list_deep_free(p->rrs);
	zone_free(p->zone);
	p->rrs = NULL;
	p->zone = NULL;
}

/* Feed one ldns record to the builder. */
static dp_status add_ldns_rr(struct zone_builder *b, ldns_rr *rr,
                             ldns_buffer *buf, char *err, size_t errlen)
{
	ldns_buffer_clear(buf);
	if (ldns_rr_rdata2buffer_wire(buf, rr) != LDNS_STATUS_OK ||
	    ldns_buffer_position(buf) > 65535) {
		snprintf(err, errlen, "cannot encode a record");
		return DP_EINVAL;
	}
	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
		snprintf(err, errlen, "record of a class other than IN");
		return DP_EINVAL;
	}
	return zone_builder_add(b, ldns_rdf_data(ldns_rr_owner(rr)),
	                        (uint16_t)ldns_rr_get_type(rr), ldns_rr_ttl(rr),
	                        ldns_buffer_begin(buf),
	                        (uint16_t)ldns_buffer_position(buf), err,
	                        errlen);
}

/*
 * Read every record of an open zone file.  The records are read one by
 * one (rather than with ldns_zone_new_frm_fp_l) so that nothing leaks on
 * a syntax error and the failing line is known.
 */
static dp_status read_records(FILE *f, const char *apex, const char *path,
                              ldns_rr_list *rrs, char *err, size_t errlen)
{
	ldns_rdf *origin = ldns_dname_new_frm_str(apex);
	if (origin == NULL) {
		/* ldns reads some escapes our own parser takes otherwise. */
		snprintf(err, errlen, "%s: '%s' is not a zone name ldns reads",
		         path, apex);
		return DP_EINVAL;
	}
	ldns_rdf *prev = ldns_rdf_clone(origin);
	uint32_t ttl = 3600;
	int line = 0;
	dp_status rc = DP_OK;
	while (!feof(f)) {
		ldns_rr *rr = NULL;
		int before = line;
		ldns_status st = ldns_rr_new_frm_fp_l(&rr, f, &ttl, &origin,
		                                      &prev, &line);
		switch (st) {
		case LDNS_STATUS_OK:
			ldns_rr_list_push_rr(rrs, rr);
			continue;
		case LDNS_STATUS_SYNTAX_EMPTY:
		case LDNS_STATUS_SYNTAX_TTL:
		case LDNS_STATUS_SYNTAX_ORIGIN:
			continue;
		default:
			/* ldns has read the whole failing record. */
			snprintf(err, errlen, "%s:%d: %s", path,
			         line > before ? line : before + 1,
			         st == LDNS_STATUS_SYNTAX_INCLUDE
			                 ? "$INCLUDE is not supported"
			                 : ldns_get_errorstr_by_id(st));
			rc = DP_EPARSE;
			break;
		}
		break;
	}
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	return rc;
}

static dp_status parse_zone_file(const char *apex, const char *path,
                                 struct parsed *p, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	uint8_t wire[DNAME_MAXLEN];
	if (dname_from_str(apex, wire) < 0) {
		snprintf(err, errlen, "'%s': not a valid zone name", apex);
		return DP_EINVAL;
	}
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
		         strerror(errno));
		return DP_ENOENT;
	}
	p->rrs = ldns_rr_list_new();
	dp_status rc = read_records(f, apex, path, p->rrs, err, errlen);
	fclose(f);
	if (rc != DP_OK) {
		parsed_free(p);
		return rc;
	}

	struct zone_builder *b = zone_builder_new(wire);
	ldns_buffer *buf = ldns_buffer_new(512);
	char why[512];
	for (size_t i = 0; rc == DP_OK && i < ldns_rr_list_rr_count(p->rrs);
	     i++)
		rc = add_ldns_rr(b, ldns_rr_list_rr(p->rrs, i), buf, why,
		                 sizeof(why));
	ldns_buffer_free(buf);
	if (rc != DP_OK) {
		zone_builder_free(b);
	} else {
		rc = zone_builder_finish(b, &p->zone, why, sizeof(why));
	}
	if (rc != DP_OK) {
		snprintf(err, errlen, "%s: %s", path, why);
		parsed_free(p);
	}
	return rc;
}

dp_status zonestore_parse_file(const char *apex, const char *path,
                               struct zone **out, char *err, size_t errlen)
{
	struct parsed p;
	dp_status rc = parse_zone_file(apex, path, &p, err, errlen);
	if (rc != DP_OK)
		return rc;
	*out = p.zone;
	p.zone = NULL;
	parsed_free(&p);
	return DP_OK;
}

/* A file's modification time in nanoseconds, to notice quick rewrites. */
static sqlite3_int64 mtime_ns(const struct stat *sb)
{
	return (sqlite3_int64)sb->st_mtim.tv_sec * 1000000000 +
	       sb->st_mtim.tv_nsec;
}

static dp_status insert_rr(struct zonestore *zs, sqlite3_stmt *ins,
                           sqlite3_int64 zone_id, ldns_rr *rr, ldns_buffer *buf,
                           char *err, size_t errlen)
{
	char *owner = ldns_rdf2str(ldns_rr_owner(rr));
	ldns_buffer_clear(buf);
	ldns_rr_rdata2buffer_wire(buf, rr);
	sqlite3_reset(ins);
	sqlite3_bind_int64(ins, 1, zone_id);
	sqlite3_bind_text(ins, 2, owner, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(ins, 3, (int)ldns_rr_get_type(rr));
	sqlite3_bind_int64(ins, 4, ldns_rr_ttl(rr));
	sqlite3_bind_blob(ins, 5, ldns_buffer_begin(buf),
	                  (int)ldns_buffer_position(buf), SQLITE_TRANSIENT);
	int rc = sqlite3_step(ins);
	free(owner);
	if (rc != SQLITE_DONE)
		return db_err(zs, "cannot insert a record", err, errlen);
	return DP_OK;
}

/* Replace the stored zone @name with the parsed file, in one transaction. */
static dp_status store_zone(struct zonestore *zs, const char *name,
                            const char *path, const struct stat *sb,
                            const struct parsed *p, char *err, size_t errlen)
{
	sqlite3_stmt *up = NULL, *ins = NULL;
	ldns_buffer *buf = ldns_buffer_new(512);
	dp_status rc = exec(zs, "BEGIN IMMEDIATE", err, errlen);
	if (rc != DP_OK)
		goto out;
	if (sqlite3_prepare_v2(zs->db,
	                       "INSERT INTO zone(name, serial, source, "
	                       "source_mtime, source_size, imported_at) "
	                       "VALUES(?1, ?2, ?3, ?4, ?5, ?6) "
	                       "ON CONFLICT(name) DO UPDATE SET "
	                       "serial=?2, source=?3, source_mtime=?4, "
	                       "source_size=?5, imported_at=?6 "
	                       "RETURNING id",
	                       -1, &up, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(zs->db,
	                       "INSERT INTO rr(zone_id, owner, type, ttl, "
	                       "rdata) VALUES(?, ?, ?, ?, ?)",
	                       -1, &ins, NULL) != SQLITE_OK) {
		rc = db_err(zs, "prepare", err, errlen);
		goto rollback;
	}
	sqlite3_bind_text(up, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(up, 2, zone_serial(p->zone));
	sqlite3_bind_text(up, 3, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(up, 4, mtime_ns(sb));
	sqlite3_bind_int64(up, 5, (sqlite3_int64)sb->st_size);
	sqlite3_bind_int64(up, 6, (sqlite3_int64)time(NULL));
	if (sqlite3_step(up) != SQLITE_ROW) {
		rc = db_err(zs, "cannot write the zone row", err, errlen);
		goto rollback;
	}
	sqlite3_int64 id = sqlite3_column_int64(up, 0);
	sqlite3_reset(up);
	/* The journal describes how the stored zone came about; a
	 * replaced zone starts a new history. */
	char *del = xasprintf("DELETE FROM rr WHERE zone_id = %lld; "
	                      "DELETE FROM journal WHERE zone_id = %lld",
	                      (long long)id, (long long)id);
	rc = exec(zs, del, err, errlen);
	free(del);
	if (rc != DP_OK)
		goto rollback;
	for (size_t i = 0; rc == DP_OK && i < ldns_rr_list_rr_count(p->rrs);
	     i++)
		rc = insert_rr(zs, ins, id, ldns_rr_list_rr(p->rrs, i), buf,
		               err, errlen);
	if (rc != DP_OK)
		goto rollback;
	rc = exec(zs, "COMMIT", err, errlen);
	if (rc == DP_OK)
		goto out;
rollback:
	sqlite3_exec(zs->db, "ROLLBACK", NULL, NULL, NULL);
out:
	sqlite3_finalize(up);
	sqlite3_finalize(ins);
	ldns_buffer_free(buf);
	return rc;
}

dp_status zonestore_import_file(struct zonestore *zs, const char *apex,
                                const char *path, enum zonestore_import *what,
                                char *err, size_t errlen)
{
	char name[1024];
	if (canonical_apex(apex, name, sizeof(name)) != 0) {
		snprintf(err, errlen, "'%s': not a valid zone name", apex);
		return DP_EINVAL;
	}
	struct stat sb;
	if (stat(path, &sb) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return DP_ENOENT;
	}

	/* What does the store hold for this zone? */
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(zs->db,
	                       "SELECT serial, source, source_mtime, "
	                       "source_size FROM zone WHERE name = ?",
	                       -1, &st, NULL) != SQLITE_OK)
		return db_err(zs, "prepare", err, errlen);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	bool stored = false, same_file = false;
	uint32_t stored_serial = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		stored = true;
		stored_serial = (uint32_t)sqlite3_column_int64(st, 0);
		const char *src = (const char *)sqlite3_column_text(st, 1);
		same_file = src != NULL && strcmp(src, path) == 0 &&
		            sqlite3_column_int64(st, 2) == mtime_ns(&sb) &&
		            sqlite3_column_int64(st, 3) == sb.st_size;
	}
	sqlite3_finalize(st);
	if (stored && same_file) {
		*what = ZONESTORE_KEPT;
		return DP_OK;
	}

	struct parsed p;
	dp_status rc = parse_zone_file(apex, path, &p, err, errlen);
	if (rc != DP_OK)
		return rc;
	uint32_t serial = zone_serial(p.zone);
	if (stored && !serial_gt(serial, stored_serial)) {
		*what = serial == stored_serial ? ZONESTORE_KEPT
		                                : ZONESTORE_KEPT_FILE_OLDER;
		if (serial != stored_serial)
			log_warning("zone %s: %s has serial %u, not newer than "
			            "the stored serial %u; keeping the stored "
			            "zone",
			            name, path, serial, stored_serial);
		parsed_free(&p);
		return DP_OK;
	}
	rc = store_zone(zs, name, path, &sb, &p, err, errlen);
	parsed_free(&p);
	if (rc == DP_OK)
		*what = stored ? ZONESTORE_IMPORTED_NEWER
		               : ZONESTORE_IMPORTED_NEW;
	return rc;
}

dp_status zonestore_load(struct zonestore *zs, const char *apex,
                         struct zone **out, char *err, size_t errlen)
{
	char name[1024];
	uint8_t wire[DNAME_MAXLEN];
	if (canonical_apex(apex, name, sizeof(name)) != 0 ||
	    dname_from_str(name, wire) < 0) {
		snprintf(err, errlen, "'%s': not a valid zone name", apex);
		return DP_EINVAL;
	}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(zs->db,
	                       "SELECT owner, type, ttl, rdata FROM rr "
	                       "JOIN zone ON zone.id = rr.zone_id "
	                       "WHERE zone.name = ?",
	                       -1, &st, NULL) != SQLITE_OK)
		return db_err(zs, "prepare", err, errlen);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);

	/* A read transaction gives a consistent view of the zone. */
	struct zone_builder *b = zone_builder_new(wire);
	dp_status rc = DP_OK;
	size_t n = 0;
	int s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		uint8_t owner[DNAME_MAXLEN];
		const char *otext = (const char *)sqlite3_column_text(st, 0);
		int blen = sqlite3_column_bytes(st, 3);
		if (otext == NULL || dname_from_str(otext, owner) < 0 ||
		    blen > 65535) {
			snprintf(err, errlen, "%s: zone %s: corrupt record",
			         zs->path, name);
			rc = DP_EPARSE;
			break;
		}
		char why[512];
		rc = zone_builder_add(b, owner,
		                      (uint16_t)sqlite3_column_int(st, 1),
		                      (uint32_t)sqlite3_column_int64(st, 2),
		                      sqlite3_column_blob(st, 3),
		                      (uint16_t)blen, why, sizeof(why));
		if (rc != DP_OK) {
			snprintf(err, errlen, "%s: zone %s: %s", zs->path, name,
			         why);
			break;
		}
		n++;
	}
	if (rc == DP_OK && s != SQLITE_DONE)
		rc = db_err(zs, "cannot read records", err, errlen);
	sqlite3_finalize(st);
	if (rc == DP_OK && n == 0) {
		snprintf(err, errlen, "%s: zone %s is not in the store",
		         zs->path, name);
		rc = DP_ENOENT;
	}
	if (rc != DP_OK) {
		zone_builder_free(b);
		return rc;
	}
	char why[512];
	rc = zone_builder_finish(b, out, why, sizeof(why));
	if (rc != DP_OK)
		snprintf(err, errlen, "%s: zone %s: %s", zs->path, name, why);
	return rc;
}

dp_status zonestore_begin(struct zonestore *zs, char *err, size_t errlen)
{
	dp_status rc = exec(zs, "BEGIN IMMEDIATE", err, errlen);
	zs->in_txn = rc == DP_OK;
	return rc;
}

dp_status zonestore_end(struct zonestore *zs, bool commit, char *err,
                        size_t errlen)
{
	zs->in_txn = false;
	if (commit) {
		dp_status rc = exec(zs, "COMMIT", err, errlen);
		if (rc == DP_OK)
			return DP_OK;
	}
	sqlite3_exec(zs->db, "ROLLBACK", NULL, NULL, NULL);
	return commit ? DP_EDB : DP_OK;
}

/* Insert the records of @rs at @owner into rr or the journal. */
static dp_status insert_rrset(struct zonestore *zs, sqlite3_stmt *st,
                              const struct zone_rrset *rs, char *err,
                              size_t errlen, int *seq)
{
	const uint8_t *rd = rs->rdata;
	for (uint16_t i = 0; i < rs->count; i++) {
		int l = rd[0] << 8 | rd[1];
		sqlite3_reset(st);
		sqlite3_bind_int(st, 3, rs->type);
		sqlite3_bind_int64(st, 4, rs->ttl);
		sqlite3_bind_blob(st, 5, rd + 2, l, SQLITE_STATIC);
		if (seq != NULL)
			sqlite3_bind_int(st, 6, (*seq)++);
		if (sqlite3_step(st) != SQLITE_DONE)
			return db_err(zs, "cannot write a record", err, errlen);
		rd += 2 + l;
	}
	return DP_OK;
}

dp_status zonestore_commit(struct zonestore *zs, const struct zone *z,
                           uint32_t prev_serial, const struct zone_change *ch,
                           size_t n, unsigned journal_keep, char *err,
                           size_t errlen)
{
	char name[1024];
	const struct zone_node *apex = zone_apex(z);
	uint8_t lower[DNAME_MAXLEN];
	for (size_t i = 0; i < apex->namelen; i++)
		lower[i] = dname_lower[apex->name[i]];
	dname_to_str(lower, name, sizeof(name));
	bool own = !zs->in_txn;
	dp_status rc = DP_OK;
	for (int i = 0; i < ST_COUNT; i++) {
		if (zs->st[i] == NULL &&
		    sqlite3_prepare_v2(zs->db, commit_sql[i], -1, &zs->st[i],
		                       NULL) != SQLITE_OK)
			return db_err(zs, "prepare", err, errlen);
		sqlite3_reset(zs->st[i]);
		sqlite3_clear_bindings(zs->st[i]);
	}
	sqlite3_stmt *sel = zs->st[ST_ZONE_ID], *del = zs->st[ST_DEL_RRSET],
	             *ins = zs->st[ST_INS_RR], *jins = zs->st[ST_INS_JOURNAL],
	             *zup = zs->st[ST_SET_SERIAL],
	             *jtrim = zs->st[ST_TRIM_JOURNAL];
	if (own && (rc = exec(zs, "BEGIN IMMEDIATE", err, errlen)) != DP_OK)
		return rc;
	sqlite3_bind_text(sel, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(sel) != SQLITE_ROW) {
		snprintf(err, errlen, "%s: zone %s is not in the store",
		         zs->path, name);
		rc = DP_ENOENT;
		goto out;
	}
	sqlite3_int64 id = sqlite3_column_int64(sel, 0);
	int seq = 0;
	sqlite3_int64 now = (sqlite3_int64)time(NULL);
	for (size_t i = 0; rc == DP_OK && i < n; i++) {
		char owner[1024];
		dname_to_str(ch[i].name, owner, sizeof(owner));
		/* A statement must be reset before it takes new bindings
		 * (else sqlite3_bind_* fails with SQLITE_MISUSE and the
		 * previous owner stays bound). */
		sqlite3_reset(ins);
		sqlite3_reset(jins);
		sqlite3_reset(del);
		sqlite3_bind_int64(del, 1, id);
		sqlite3_bind_text(del, 2, owner, -1, SQLITE_STATIC);
		sqlite3_bind_int(del, 3, ch[i].type);
		if (sqlite3_step(del) != SQLITE_DONE) {
			rc = db_err(zs, "cannot delete records", err, errlen);
			break;
		}
		sqlite3_bind_int64(ins, 1, id);
		sqlite3_bind_text(ins, 2, owner, -1, SQLITE_TRANSIENT);
		rc = insert_rrset(zs, ins, &ch[i].after, err, errlen, NULL);
		/* The journal: what went, then what came. */
		sqlite3_bind_int64(jins, 1, id);
		sqlite3_bind_text(jins, 2, owner, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(jins, 7, zone_serial(z));
		sqlite3_bind_int64(jins, 8, prev_serial);
		sqlite3_bind_int64(jins, 10, now);
		sqlite3_bind_int(jins, 9, 0);
		if (rc == DP_OK)
			rc = insert_rrset(zs, jins, &ch[i].before, err, errlen,
			                  &seq);
		sqlite3_reset(jins);
		sqlite3_bind_int(jins, 9, 1);
		if (rc == DP_OK)
			rc = insert_rrset(zs, jins, &ch[i].after, err, errlen,
			                  &seq);
	}
	if (rc != DP_OK)
		goto out;
	sqlite3_bind_int64(zup, 1, id);
	sqlite3_bind_int64(zup, 2, zone_serial(z));
	sqlite3_bind_int64(jtrim, 1, id);
	sqlite3_bind_int64(jtrim, 2, journal_keep);
	if (sqlite3_step(zup) != SQLITE_DONE)
		rc = db_err(zs, "cannot update the zone row", err, errlen);
	if (rc == DP_OK && ++zs->since_trim >= TRIM_EVERY) {
		zs->since_trim = 0;
		if (sqlite3_step(jtrim) != SQLITE_DONE)
			rc = db_err(zs, "cannot trim the journal", err, errlen);
	}
out:
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_reset(zs->st[i]);
	if (own) {
		if (rc == DP_OK)
			rc = exec(zs, "COMMIT", err, errlen);
		if (rc != DP_OK)
			sqlite3_exec(zs->db, "ROLLBACK", NULL, NULL, NULL);
	}
	return rc;
}

/* The apex of @z as the store names it: lower case, final dot. */
static void apex_text(const struct zone *z, char *out, size_t outlen)
{
	const struct zone_node *apex = zone_apex(z);
	uint8_t lower[DNAME_MAXLEN];
	for (size_t i = 0; i < apex->namelen; i++)
		lower[i] = dname_lower[apex->name[i]];
	dname_to_str(lower, out, outlen);
}

void zonestore_journal_free(struct zonestore_journal *j)
{
	free(j->steps);
	free(j->rrs);
	arena_free(j->arena);
	memset(j, 0, sizeof(*j));
}

dp_status zonestore_journal_read(struct zonestore *zs, const struct zone *z,
                                 struct zonestore_journal *out, char *err,
                                 size_t errlen)
{
	char name[1024];
	memset(out, 0, sizeof(*out));
	apex_text(z, name, sizeof(name));
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(zs->db,
	                       "SELECT j.serial, j.prev_serial, j.op, j.owner, "
	                       "j.type, j.ttl, j.rdata FROM journal j JOIN "
	                       "zone z ON z.id = j.zone_id WHERE z.name = ? "
	                       "ORDER BY j.serial, j.seq",
	                       -1, &st, NULL) != SQLITE_OK)
		return db_err(zs, "prepare", err, errlen);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	out->arena = arena_new();
	size_t cap = 0, scap = 0, total = 0;
	dp_status rc = DP_OK;
	int s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		uint32_t serial = (uint32_t)sqlite3_column_int64(st, 0);
		uint8_t owner[DNAME_MAXLEN];
		const char *otext = (const char *)sqlite3_column_text(st, 3);
		int ol = otext ? dname_from_str(otext, owner) : -1;
		int blen = sqlite3_column_bytes(st, 6);
		if (ol < 0 || blen > 65535) {
			snprintf(err, errlen, "%s: zone %s: corrupt journal",
			         zs->path, name);
			rc = DP_EPARSE;
			break;
		}
		if (out->n == 0 || out->steps[out->n - 1].serial != serial) {
			if (out->n == scap) {
				scap = scap ? scap * 2 : 16;
				out->steps = xrealloc(
				        out->steps, scap * sizeof(*out->steps));
			}
			struct xfr_step *step = &out->steps[out->n++];
			step->serial = serial;
			step->prev_serial =
			        (uint32_t)sqlite3_column_int64(st, 1);
			step->rrs = NULL; /* set once out->rrs stops moving */
			step->n = 0;
		}
		struct xfr_step *step = &out->steps[out->n - 1];
		if (total == cap) {
			cap = cap ? cap * 2 : 64;
			out->rrs = xrealloc(out->rrs, cap * sizeof(*out->rrs));
		}
		struct xfr_rr *rr = &out->rrs[total];
		rr->owner = arena_memdup(out->arena, owner, (size_t)ol);
		rr->added = sqlite3_column_int(st, 2) == 1;
		rr->type = (uint16_t)sqlite3_column_int(st, 4);
		rr->ttl = (uint32_t)sqlite3_column_int64(st, 5);
		rr->rdlen = (uint16_t)blen;
		rr->rdata = blen ? arena_memdup(out->arena,
		                                sqlite3_column_blob(st, 6),
		                                (size_t)blen)
		                 : (const uint8_t *)"";
		step->n++;
		total++;
	}
	if (rc == DP_OK && s != SQLITE_DONE)
		rc = db_err(zs, "cannot read the journal", err, errlen);
	sqlite3_finalize(st);
	/* Point each step at its records. */
	size_t first = 0;
	for (size_t i = 0; i < out->n; i++) {
		out->steps[i].rrs = out->rrs + first;
		first += out->steps[i].n;
	}
	return rc;
}
