/*
 * reports.h - what each enactor reports (heartbeats, applications, plans
 * it retired), in an SQLite file of its own beside the plan store:
 * STORE.enactors/ID.db (sql/reports.sql).
 *
 * Part of the SQLite plan store (common/planstore.c is its only caller):
 * an enactor writes only its own file, never the plan store, so one
 * paused at any instruction (in the middle of a write included) holds no
 * lock the planner, the other enactors or the operators need.  Readers
 * open every file in turn; a WAL reader never waits for the writer.
 */
#ifndef REPORTS_H
#define REPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "dp.h"

#define REPORTS_APP_ID  0x64704552 /* "dpER" */
#define REPORTS_VERSION 2

/*
 * reports_check_id - is @id usable as an enactor's id: 1 to 63 letters,
 * digits, '.', '_' or '-', not starting with '.' (it names the file)?
 * NULL, or a sentence saying what is wrong.
 */
const char *reports_check_id(const char *id);

/* The directory of the report files of the store at @store_path
 * (malloc'd). */
char *reports_dir(const char *store_path);

/*
 * reports_open_writer - the report file of enactor @id of the store at
 * @store_path, created with its directory when missing; *@db is owned by
 * the caller (sqlite3_close()).
 */
dp_status reports_open_writer(const char *store_path, const char *id,
                              sqlite3 **db, char *err, size_t errlen);

/*
 * reports_each - call @fn with the id and an open connection of every
 * enactor's report file of the store at @store_path, in the order of the
 * ids; a nonzero return from @fn stops the walk and is returned as
 * DP_EDB with @fn's message in @err.  No directory: no enactor, DP_OK.
 * Files are opened read-only and waited for at most 200 ms: one its
 * writer holds (recovering it after a crash, and stopped there) is
 * skipped, as an enactor that reported nothing yet, so no enactor can
 * hold up a reader.  A file of another program is an error naming it.
 */
typedef int (*reports_fn)(void *arg, const char *id, sqlite3 *db,
                          const char *path, char *err, size_t errlen);
dp_status reports_each(const char *store_path, reports_fn fn, void *arg,
                       char *err, size_t errlen);

#endif /* REPORTS_H */
