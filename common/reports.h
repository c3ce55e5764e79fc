/*
 * reports.h - what each enactor reports (heartbeats, applications, plans
 * it retired), in files of its own beside the plan store, in the
 * directory STORE.enactors/:
 *
 *   ID.state    its newest state (heartbeat, generation in flight, newest
 *               applied, what stops it), a few lines of text, replaced
 *               whole: written under a temporary name, then renamed;
 *   ID.applied  every application it reported, one line each, appended;
 *   ID.retired  every plan whose records it deleted, one line each,
 *               appended.
 *
 * Part of the plan store (common/planstore.c is its only caller).  No
 * reader can wait for a writer, whatever the writer does when it stops
 * (SIGSTOP at any instruction, kill -9, a full disk): a reader opens a
 * file, reads it and closes it, with no lock on either side; a state
 * file is always a whole one (rename(2) is atomic), and a log is read up
 * to its last complete line.  An enactor writes only its own files, never
 * the plan store, so a paused enactor holds nothing the planner, the other
 * enactors or the operators need.
 *
 * Report files of version 1 and 2 (SQLite, STORE.enactors/ID.db) are
 * converted by their enactor when it next opens them.
 */
#ifndef REPORTS_H
#define REPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp.h"

#define REPORTS_VERSION 3

/* Each log keeps its newest REPORTS_LOG_KEEP lines. */
#define REPORTS_LOG_KEEP 100000

/*
 * reports_check_id - is @id usable as an enactor's id: 1 to 63 letters,
 * digits, '.', '_' or '-', not starting with '.' (it names the files)?
 * NULL, or a sentence saying what is wrong.
 */
const char *reports_check_id(const char *id);

/* The directory of the report files of the store at @store_path
 * (malloc'd). */
char *reports_dir(const char *store_path);

/* What an enactor's state file holds, with the enactor's id. */
struct reports_state {
	char id[64];
	int64_t heartbeat_ms;
	uint64_t in_flight; /* generation being applied, 0 when idle */
	uint64_t applied;   /* newest generation applied, 0 for none */
	int64_t applied_ms; /* when, 0 for never */
	char problem[320];  /* what stops it now, "" for nothing */
	int64_t problem_ms; /* since when */
};

/* A plan an enactor retired. */
struct reports_retired {
	uint64_t generation;
	int64_t created_ms; /* the plan's; -1: any plan of that number */
	int64_t at_ms;
	char reason[256];
};

/* ---- writing: an enactor's own files ---- */

struct reports_writer;

/*
 * reports_writer_get - the writer of enactor @id's files of the store at
 * @store_path, shared by every caller in this process (counted; give it
 * back with reports_writer_put()).  Creates the directory and the files
 * when missing, converts a report file of an older version, cuts a log's
 * line left half-written by a crash, and writes the state file.
 */
dp_status reports_writer_get(const char *store_path, const char *id,
                             struct reports_writer **out, char *err,
                             size_t errlen);
void reports_writer_put(struct reports_writer *w);

/* The enactor id @w writes for. */
const char *reports_writer_id(const struct reports_writer *w);

/* Alive at @now_ms, applying @in_flight (0 when idle). */
dp_status reports_heartbeat(struct reports_writer *w, uint64_t in_flight,
                            int64_t now_ms, char *err, size_t errlen);

/* Applied @generation at @now_ms: the whole plan for each NULL of the @n
 * @endpoints (it becomes the applied generation), else that endpoint.
 * A heartbeat too. */
dp_status reports_applied(struct reports_writer *w, uint64_t generation,
                          const char *const *endpoints, size_t n,
                          int64_t now_ms, char *err, size_t errlen);

/* Stopped by @problem (NULL or "": nothing any more) since @now_ms.  A
 * heartbeat too. */
dp_status reports_problem(struct reports_writer *w, const char *problem,
                          int64_t now_ms, char *err, size_t errlen);

/* Retired plan @generation written at @created_ms, at @now_ms. */
dp_status reports_retire(struct reports_writer *w, uint64_t generation,
                         int64_t created_ms, const char *reason, int64_t now_ms,
                         char *err, size_t errlen);

/* ---- reading: every enactor's files ---- */

/*
 * reports_each - call @fn with the id of every enactor that has report
 * files of the store at @store_path, in the order of the ids; a nonzero
 * return from @fn stops the walk and is returned as DP_EDB with @fn's
 * message in @err.  No directory: no enactor, DP_OK.
 */
typedef int (*reports_fn)(void *arg, const char *store_path, const char *id,
                          char *err, size_t errlen);
dp_status reports_each(const char *store_path, reports_fn fn, void *arg,
                       char *err, size_t errlen);

/*
 * reports_read_state - enactor @id's state into *@st: 1; 0 when it has
 * none yet; -1 when its state file is not one this program can read
 * (why, naming the file and the line, in @err).
 */
int reports_read_state(const char *store_path, const char *id,
                       struct reports_state *st, char *err, size_t errlen);

/*
 * reports_read_retired - append the plans enactor @id retired to *@v
 * (*@n entries, realloc'd; the caller frees): 0, or -1 as above.
 */
int reports_read_retired(const char *store_path, const char *id,
                         struct reports_retired **v, size_t *n, char *err,
                         size_t errlen);

/*
 * reports_count_applied - add to *@n how many applications of
 * @generation (whole plan and endpoints) enactor @id reported: 0, or -1.
 */
int reports_count_applied(const char *store_path, const char *id,
                          uint64_t generation, size_t *n, char *err,
                          size_t errlen);

#endif /* REPORTS_H */
