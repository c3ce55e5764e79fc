/*
 * planstore.h - the plan store the planner, the enactors and the
 * operator CLI share: a SQLite file (the default), or an etcd v3 cluster
 * when the store's name is "etcd://HOST:PORT[,HOST:PORT...]"
 * (common/planstore_etcd.c, with the same guarantees; what follows
 * about files and transactions is SQLite's, docs/DESIGN.md says how
 * each maps onto etcd).
 *
 * A plan is one regional generation number and, for every endpoint of the
 * region, its set of addresses (IPv4 and IPv6 text) with weights.  The
 * store assigns generations itself, strictly increasing and never reused,
 * in the transaction that writes the plan; triggers in the schema
 * (sql/planstore.sql) keep a written plan from ever changing, and the only
 * way to remove one is planstore_delete_plan(), which leaves a record of
 * who deleted it.  The store also keeps what the enactors report
 * (heartbeats, what each applied and when, the plans each retired) and
 * the "automation paused" switch.
 *
 * Several processes may use one store at once: every write is one
 * IMMEDIATE transaction, the file is in WAL mode, and a busy store is
 * waited for (busy timeout) rather than failed.  Only the planner and the
 * operators write the store's file; each enactor's reports go to a file
 * of its own (common/reports.h), so an enactor paused at any instruction
 * holds no lock the others need.  A handle is not safe for several
 * threads at once.
 *
 * This interface is the seam between the two backends: it names no
 * SQLite or etcd type, and callers see only struct planstore, plain data
 * and dp_status, never which backend they have.  Keep it so.  The
 * SQLite file itself is opened, identified and migrated by
 * common/sqlstore.h, as the zone store is.
 *
 * Every function returns DP_OK or a negative dp_status and, on failure,
 * writes a message naming the file into @err (@errlen bytes).
 */
#ifndef PLANSTORE_H
#define PLANSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp.h"
#include "reports.h"

#define PLANSTORE_APP_ID  0x64705053 /* "dpPS" */
#define PLANSTORE_VERSION 3

/* Longest address text, with its NUL (INET6_ADDRSTRLEN). */
#define PLAN_ADDRLEN 46

/* One address of an endpoint and its weight (1..65535). */
struct plan_addr {
	char address[PLAN_ADDRLEN];
	uint32_t weight;
};

/* An endpoint of a plan: its name and addresses (naddrs may be 0). */
struct plan_endpoint {
	char *name; /* lower case, final dot */
	struct plan_addr *addrs;
	size_t naddrs;
	size_t cap; /* allocated entries of addrs */
};

/*
 * A plan.  Plain data, owned by whoever created it and released with
 * planstore_plan_free().  Plans read from the store are sorted (endpoints
 * by name, addresses by text); planstore_plan_sort() sorts a plan built
 * by hand.
 */
struct plan {
	uint64_t generation; /* 0 until written */
	int64_t created_ms;  /* unix milliseconds */
	char *writer;        /* who wrote it, or NULL */
	char *reason;        /* what changed and why, or NULL */
	struct plan_endpoint *endpoints;
	size_t nendpoints;
	size_t cap; /* allocated entries of endpoints */
};

/*
 * The longest endpoint name, in wire octets, whose plan records still have
 * a DNS name: g<generation>._plan.NAME with a generation of up to 20
 * digits must fit in 255 octets (common/layout.c).
 */
#define PLAN_ENDPOINT_MAXWIRE (255 - 22 - 6)

/*
 * planstore_canonical_name - dname_canonical() for an endpoint's name:
 * also -1 when it is longer than PLAN_ENDPOINT_MAXWIRE octets.
 */
int planstore_canonical_name(const char *name, char *out);

/* Summary of a stored plan, as planstore_list() gives it. */
struct planstore_info {
	uint64_t generation;
	int64_t created_ms;
	size_t nendpoints;
	size_t naddrs;
};

/* The record planstore_delete_plan() leaves. */
struct planstore_deletion {
	int64_t deleted_ms;
	char deleted_by[64];
	char reason[256];
};

/* For planstore_write_plan(): write whatever the newest plan is. */
#define PLANSTORE_ANY_BASE UINT64_MAX

struct planstore;

/*
 * planstore_open - open or create the store at @path (a file, or
 * "etcd://HOST:PORT[,HOST:PORT...]": a cluster whose members do not
 * answer gives DP_EUNREACHABLE or DP_ENOLEADER, naming them).  A new
 * or empty file gets the whole schema; a store of an older schema version is
 * migrated step by step, each step in its own transaction; a file of
 * another program (another application_id, or tables without one), of a
 * newer version, or not a database at all is refused with DP_EFOREIGN or
 * DP_EDB and left as it was.  On success *@out is owned by the caller
 * (planstore_close()).
 */
dp_status planstore_open(const char *path, struct planstore **out, char *err,
                         size_t errlen);

/*
 * planstore_attach - open the store at @path as planstore_open() does,
 * but never create it: a path where no file is (a mistyped --store)
 * gives DP_ENOENT and a message saying the planner creates the store
 * (on etcd: a cluster without the store's key).  For the enactors and
 * the CLI, which only use a store the planner made.
 */
dp_status planstore_attach(const char *path, struct planstore **out, char *err,
                           size_t errlen);

/* planstore_close - close the store.  Idempotent on NULL. */
void planstore_close(struct planstore *ps);

/* planstore_path - the file the store was opened from (owned by @ps). */
const char *planstore_path(const struct planstore *ps);

/*
 * planstore_bind_region - tie the store to @region: the first call on a
 * new store records it; later calls succeed only for the same region and
 * return DP_EFOREIGN for another.
 */
dp_status planstore_bind_region(struct planstore *ps, const char *region,
                                char *err, size_t errlen);

/*
 * planstore_region - copy the store's region into @buf (@buflen bytes);
 * an empty string when no planner bound it yet.
 */
dp_status planstore_region(struct planstore *ps, char *buf, size_t buflen,
                           char *err, size_t errlen);

/*
 * planstore_write_plan - write @plan (sorted or not; its generation,
 * created_ms and writer are ignored) as a new generation in one
 * transaction, stamped now and with @writer (who is writing, for the
 * record).  @base is the generation the plan was computed from: when
 * another plan than @base is now the newest (0: when any plan exists),
 * nothing is written and DP_EEXIST is returned, so a plan is never
 * written over one its author has not seen.  PLANSTORE_ANY_BASE skips
 * that check.  Endpoint names and addresses must be canonical (see
 * struct plan) and unique, weights 1..65535, else DP_EINVAL.  On success
 * *@generation is the generation assigned.
 */
dp_status planstore_write_plan(struct planstore *ps, const struct plan *plan,
                               uint64_t base, const char *writer,
                               uint64_t *generation, char *err, size_t errlen);

/*
 * planstore_issued - the highest generation the store ever issued (its
 * plan may since have been deleted), 0 for none.
 */
dp_status planstore_issued(struct planstore *ps, uint64_t *generation,
                           char *err, size_t errlen);

/*
 * planstore_raise - make sure the next generation written is greater than
 * @above: the counter generations come from is raised to @above when it
 * is lower (never lowered).  *@was is the counter as it was.  The planner
 * raises it past every generation authd serves, so a store restored from
 * an older copy, or recreated empty, never issues a number already used.
 */
dp_status planstore_raise(struct planstore *ps, uint64_t above, uint64_t *was,
                          char *err, size_t errlen);

/*
 * planstore_newest - the generation of the newest plan in the store, or 0
 * when there is none.
 */
dp_status planstore_newest(struct planstore *ps, uint64_t *generation,
                           char *err, size_t errlen);

/*
 * planstore_newest_stamp - planstore_newest() and when that plan was
 * written: a plan is known by both, since a store restored from an older
 * copy or recreated may hold another plan under a number seen before.
 */
dp_status planstore_newest_stamp(struct planstore *ps, uint64_t *generation,
                                 int64_t *created_ms, char *err, size_t errlen);

/*
 * planstore_get_plan - read plan @generation into *@out (sorted; owned by
 * the caller, planstore_plan_free()).  DP_ENOENT if there is no such
 * plan (never written, or deleted).
 */
dp_status planstore_get_plan(struct planstore *ps, uint64_t generation,
                             struct plan **out, char *err, size_t errlen);

/*
 * planstore_get_endpoint - read only endpoint @name of plan @generation:
 * *@out is a plan with that one endpoint (owned by the caller).  DP_ENOENT
 * if the plan does not exist or does not cover the endpoint.
 */
dp_status planstore_get_endpoint(struct planstore *ps, uint64_t generation,
                                 const char *name, struct plan **out, char *err,
                                 size_t errlen);

/*
 * planstore_list - the plans in the store, oldest first: *@out is an
 * array of *@n summaries owned by the caller (free()).
 */
dp_status planstore_list(struct planstore *ps, struct planstore_info **out,
                         size_t *n, char *err, size_t errlen);

/*
 * planstore_delete_plan - delete plan @generation (cleanup) and record
 * @by and @reason with the time.  DP_ENOENT if there is no such plan.
 */
dp_status planstore_delete_plan(struct planstore *ps, uint64_t generation,
                                const char *by, const char *reason, char *err,
                                size_t errlen);

/*
 * planstore_report_problem - enactor @id is stopped by @problem (a
 * sentence; NULL or "" when nothing stops it any more) since @now_ms.
 */
dp_status planstore_report_problem(struct planstore *ps, const char *id,
                                   const char *problem, int64_t now_ms,
                                   char *err, size_t errlen);

/*
 * planstore_retire_plan - enactor @id deleted plan @generation's records
 * from authd (cleanup) at @now_ms, for @reason; @created_ms is the plan's
 * (a store restored or recreated may hold another plan of that number,
 * which this does not retire): the plan is gone for
 * every reader of the store from now on (planstore_list(),
 * planstore_deletion() say so), and the store's writer deletes it
 * (planstore_collect()).  An enactor never writes the plan store itself:
 * this goes to its own report file, so that an enactor paused in the
 * middle of it holds no lock anyone else needs.
 */
dp_status planstore_retire_plan(struct planstore *ps, const char *id,
                                uint64_t generation, int64_t created_ms,
                                const char *reason, int64_t now_ms, char *err,
                                size_t errlen);

/*
 * planstore_collect - for the planner, the store's writer: delete from
 * the store every plan an enactor retired, with the enactor, the time
 * and the reason as the record, in one transaction.  *@deleted is how
 * many were still there.
 */
dp_status planstore_collect(struct planstore *ps, size_t *deleted, char *err,
                            size_t errlen);

/*
 * planstore_deletion - how plan @generation was deleted, into *@out.
 * DP_ENOENT if it was never deleted.
 */
dp_status planstore_deletion(struct planstore *ps, uint64_t generation,
                             struct planstore_deletion *out, char *err,
                             size_t errlen);

/*
 * planstore_report_open - open (create, convert from an older version,
 * repair after a crash) the report files of enactor @id now, for this
 * handle: an enactor does it before its first pass, so that a bad
 * directory or a file of another program stops it at start, named.
 */
dp_status planstore_report_open(struct planstore *ps, const char *id, char *err,
                                size_t errlen);

/*
 * planstore_heartbeat - enactor @id (reports_check_id()) is alive at @now_ms
 * and applying @in_flight (0 when idle).
 */
dp_status planstore_heartbeat(struct planstore *ps, const char *id,
                              uint64_t in_flight, int64_t now_ms, char *err,
                              size_t errlen);

/*
 * planstore_report_applied - enactor @id finished applying @generation at
 * @now_ms: the whole plan when @endpoint is NULL (which also becomes the
 * enactor's applied generation), else that one endpoint.
 */
dp_status planstore_report_applied(struct planstore *ps, const char *id,
                                   uint64_t generation, const char *endpoint,
                                   int64_t now_ms, char *err, size_t errlen);

/*
 * planstore_report_applied_many - planstore_report_applied() of the @n
 * endpoints of @endpoints (NULL: the whole plan) in one transaction.
 */
dp_status planstore_report_applied_many(struct planstore *ps, const char *id,
                                        uint64_t generation,
                                        const char *const *endpoints, size_t n,
                                        int64_t now_ms, char *err,
                                        size_t errlen);

/*
 * planstore_applied_count - how many reports of @generation (whole plan
 * and endpoints, by every enactor) the store holds.
 */
dp_status planstore_applied_count(struct planstore *ps, uint64_t generation,
                                  size_t *n, char *err, size_t errlen);

/*
 * planstore_enactors - every enactor's last report, by id: *@out is an
 * array of *@n entries owned by the caller (free()).
 */
dp_status planstore_enactors(struct planstore *ps, struct reports_state **out,
                             size_t *n, char *err, size_t errlen);

/*
 * planstore_set_paused - set the "automation paused" switch, recording
 * @who and @reason.
 */
dp_status planstore_set_paused(struct planstore *ps, bool paused,
                               const char *who, const char *reason, char *err,
                               size_t errlen);

/* planstore_get_paused - read the "automation paused" switch. */
dp_status planstore_get_paused(struct planstore *ps, bool *paused, char *err,
                               size_t errlen);

/* The "automation paused" switch and its last change. */
struct planstore_control {
	bool paused;
	int64_t changed_ms;  /* 0 when never changed */
	char changed_by[64]; /* empty when never changed */
	char reason[256];
};

/*
 * planstore_get_control - read the switch with who changed it last, when
 * and why.
 */
dp_status planstore_get_control(struct planstore *ps,
                                struct planstore_control *out, char *err,
                                size_t errlen);

struct uv_loop_s;
struct planstore_watch;

/* Called on the loop's thread when the store may have changed. */
typedef void (*planstore_change_cb)(void *arg);

/*
 * planstore_watch_start - call @cb(@arg) on @loop whenever the store @ps
 * was opened on may have changed (a new generation, a flip of the
 * automation switch, and other writes too: the callback reads the store
 * to tell).  It may fire for nothing and several times for one change;
 * it never reads the store itself, so the loop never waits for it.
 * @ps must outlive the watch.  On success *@out is owned by the caller,
 * who ends it with planstore_watch_stop() before the loop's last run.
 */
dp_status planstore_watch_start(struct planstore *ps, struct uv_loop_s *loop,
                                planstore_change_cb cb, void *arg,
                                struct planstore_watch **out);

/*
 * planstore_watch_stop - stop calling back and close the watch's
 * handles; it is freed when the loop has closed them.  NULL is ok.
 */
void planstore_watch_stop(struct planstore_watch *w);

/* planstore_plan_new - an empty plan, owned by the caller. */
struct plan *planstore_plan_new(void);

/*
 * planstore_plan_add_endpoint - append endpoint @name (copied) without
 * addresses.  The pointer returned is valid until the next endpoint is
 * added.
 */
struct plan_endpoint *planstore_plan_add_endpoint(struct plan *p,
                                                  const char *name);

/*
 * planstore_endpoint_add_addr - append @address (copied, at most
 * PLAN_ADDRLEN - 1 bytes, else DP_EINVAL) with @weight to @ep.
 */
dp_status planstore_endpoint_add_addr(struct plan_endpoint *ep,
                                      const char *address, uint32_t weight);

/* planstore_plan_sort - sort endpoints by name and addresses by text. */
void planstore_plan_sort(struct plan *p);

/*
 * planstore_plan_endpoint - the endpoint @name of the sorted plan @p, or
 * NULL.
 */
const struct plan_endpoint *planstore_plan_endpoint(const struct plan *p,
                                                    const char *name);

/*
 * planstore_plan_naddrs - the number of addresses over all endpoints.
 */
size_t planstore_plan_naddrs(const struct plan *p);

/*
 * planstore_plan_same - do the sorted plans @a and @b have the same
 * endpoints, addresses and weights (generation and times aside)?
 */
bool planstore_plan_same(const struct plan *a, const struct plan *b);

/* planstore_plan_free - release @p and everything in it.  NULL is ok. */
void planstore_plan_free(struct plan *p);

#endif /* PLANSTORE_H */
