/*
 * sqlstore.h - the one way dnsplane opens an SQLite store file: the zone
 * store (authd/zonestore.c) and the plan store (common/planstore.c).
 *
 * A store file is tagged with its PRAGMA application_id and its schema
 * version in PRAGMA user_version.  Opening reads both in one statement
 * (one snapshot of a file another process may be creating right now),
 * refuses a file of another program (another application_id, or tables
 * without one) or of a newer version before writing anything to it, puts
 * the file in WAL mode, and brings an older or empty file up to date
 * step by step: step i takes user_version i to i + 1, in its own
 * IMMEDIATE transaction with the new user_version, so that a crash
 * between steps leaves a file of a version that the next open resumes
 * from.  The steps are the "-- step N:" sections of sql/NAME.sql,
 * compiled in by scripts/embed-sql.sh as the array sql_NAME.
 */
#ifndef SQLSTORE_H
#define SQLSTORE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "dp.h"

/* What a store file is and how it is kept; constant data of its module. */
struct sqlstore_schema {
	const char *kind; /* "zone store", for messages */
	uint32_t app_id;  /* its PRAGMA application_id */
	int version;      /* the newest user_version this program knows */
	/*
	 * steps[i] takes a file from user_version i to i + 1; steps[0]
	 * makes an empty file a store.  Exactly @version texts, then NULL.
	 */
	const char *const *steps;
	int busy_timeout_ms;     /* how long to wait for another writer */
	const char *synchronous; /* PRAGMA synchronous: "FULL", "NORMAL" */
	int cache_kib;           /* PRAGMA cache_size, in KiB */
};

/* For sqlstore_open(): create the file when it does not exist. */
#define SQLSTORE_CREATE 0x1u

/*
 * sqlstore_open - open the store file at @path as @schema describes it:
 * refuse it when it is of another program (DP_EFOREIGN, "PATH: not a
 * dnsplane KIND (application_id 0x...)") or of a user_version this
 * program does not know (DP_EFOREIGN, naming both versions), leaving it
 * as it was; otherwise set WAL, run the steps it lacks (all of them for
 * an empty file), and set the busy timeout, synchronous, foreign_keys=ON
 * and the cache size of @schema on the connection.  @flags is 0 or
 * SQLSTORE_CREATE.  A file that is not a database gives DP_EDB.  On
 * success *@db is an open connection owned by the caller (sqlite3_close());
 * on failure it is NULL and @err (@errlen bytes) says why, naming @path.
 */
dp_status sqlstore_open(const char *path, const struct sqlstore_schema *schema,
                        unsigned flags, sqlite3 **db, char *err, size_t errlen);

/*
 * sqlstore_exec - run the statements @sql on @db.  On failure returns
 * DP_EDB and writes "PATH: SQLite's message" into @err.
 */
dp_status sqlstore_exec(sqlite3 *db, const char *path, const char *sql,
                        char *err, size_t errlen);

/*
 * sqlstore_error - write "PATH: WHAT: SQLite's last message on @db" into
 * @err and return DP_EDB, for a failed call on @db.
 */
dp_status sqlstore_error(sqlite3 *db, const char *path, const char *what,
                         char *err, size_t errlen);

#endif /* SQLSTORE_H */
