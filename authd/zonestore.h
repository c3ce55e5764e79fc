/*
 * zonestore.h - the durable SQLite copy of authd's zones.
 *
 * One database file (zones.db in the state directory) holds every zone.
 * Zone files are imported into it; snapshots for serving are built from
 * it.  The file carries an application id and a schema version; opening
 * a file of another program or of a newer schema fails with a message,
 * and an older one is migrated (common/sqlstore.h).
 */
#ifndef ZONESTORE_H
#define ZONESTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp.h"
#include "xfr.h"
#include "zone.h"

#define ZONESTORE_APP_ID  0x64705a53 /* "dpZS" */
#define ZONESTORE_VERSION 2

struct zonestore;

/*
 * zonestore_open - open or create the store at @path (WAL mode,
 * synchronous=FULL), migrating a store of an older schema version step by
 * step.  A file of another program or of a newer version is refused with
 * DP_EFOREIGN and left as it was; one that is not a database gives
 * DP_EDB.  On success *@out is owned by the caller (close with
 * zonestore_close()).  On failure @err says why, naming the file.
 */
dp_status zonestore_open(const char *path, struct zonestore **out, char *err,
                         size_t errlen);

/* zonestore_close - close the store.  Idempotent on NULL. */
void zonestore_close(struct zonestore *zs);

enum zonestore_import {
	ZONESTORE_IMPORTED_NEW,    /* the zone was not in the store */
	ZONESTORE_IMPORTED_NEWER,  /* the file's serial was newer */
	ZONESTORE_KEPT,            /* the store is current */
	ZONESTORE_KEPT_FILE_OLDER, /* the file changed, serial not newer */
};

/*
 * zonestore_import_file - parse the zone file @path for the zone @apex
 * (presentation name) and validate it.  The store takes it in, in one
 * transaction, when the zone is not stored yet or the file's SOA serial
 * is newer (RFC 1982) than the stored one; otherwise the stored zone,
 * with every update committed to it, is kept.  *@what says which case
 * happened.  A file that does not parse or validate changes nothing and
 * the message in @err names the file and line.
 */
dp_status zonestore_import_file(struct zonestore *zs, const char *apex,
                                const char *path, enum zonestore_import *what,
                                char *err, size_t errlen);

/*
 * zonestore_load - build a serving snapshot of the stored zone @apex.
 * *@out is owned by the caller.
 */
dp_status zonestore_load(struct zonestore *zs, const char *apex,
                         struct zone **out, char *err, size_t errlen);

/*
 * zonestore_parse_file - parse and validate a zone file into a snapshot
 * without touching any store (used by the checks and the tests).
 */
dp_status zonestore_parse_file(const char *apex, const char *path,
                               struct zone **out, char *err, size_t errlen);

/*
 * zonestore_commit - make the changes @ch[0..n) of the zone @z (the new
 * snapshot, whose serial is stored) durable in one transaction: the rr
 * rows of every changed RRset are replaced, the zone row gets the new
 * serial, and the journal gets the removed and added records of this
 * step from @prev_serial (keeping the newest @journal_keep steps).  When
 * it returns DP_OK the transaction is on disk (synchronous=FULL).
 */
dp_status zonestore_commit(struct zonestore *zs, const struct zone *z,
                           uint32_t prev_serial, const struct zone_change *ch,
                           size_t n, unsigned journal_keep, char *err,
                           size_t errlen);

/*
 * zonestore_begin / zonestore_end - group several commits in one
 * transaction (group commit): zonestore_end(zs, true) commits and syncs,
 * zonestore_end(zs, false) rolls everything back.
 */
dp_status zonestore_begin(struct zonestore *zs, char *err, size_t errlen);
dp_status zonestore_end(struct zonestore *zs, bool commit, char *err,
                        size_t errlen);

/* A zone's journal as read for IXFR: its steps and their records. */
struct zonestore_journal {
	struct xfr_step *steps; /* in the order of their serials */
	size_t n;
	struct xfr_rr *rrs; /* the records the steps point into */
	struct arena *arena;
};

/*
 * zonestore_journal_read - read every journal step of the stored zone of
 * @z (one consistent read) into @out, which the caller frees with
 * zonestore_journal_free() whatever the result.
 */
dp_status zonestore_journal_read(struct zonestore *zs, const struct zone *z,
                                 struct zonestore_journal *out, char *err,
                                 size_t errlen);

/* zonestore_journal_free - free what was read; idempotent. */
void zonestore_journal_free(struct zonestore_journal *j);

#endif /* ZONESTORE_H */
