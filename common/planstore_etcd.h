/*
 * planstore_etcd.h - the plan store on an etcd v3 cluster: the second
 * implementation behind common/planstore.h, private to common/.
 *
 * planstore.c opens a store of this kind for a --store that starts with
 * "etcd://" and passes every call of planstore.h on to the function of
 * the same name here; the planner, the enactors and dnsplanectl never
 * see which kind they have.  Each handle owns a synchronous etcd client
 * (struct etcd_sync, a private loop), so its calls block only the
 * thread that makes them: the daemons make them in worker threads.
 * The keys and how each guarantee of the store maps onto etcd are in
 * docs/DESIGN.md, "The plan store's guarantees on etcd".
 */
#ifndef PLANSTORE_ETCD_H
#define PLANSTORE_ETCD_H

#include "planstore.h"

struct planstore_etcd;

/* Every key of the store starts with this. */
#define PSE_PREFIX "/dnsplane/"

/*
 * pse_open - connect to the cluster @url names; with @create, make the
 * store (its "store" key) when the cluster has none, else refuse a
 * cluster without one with DP_ENOENT.  *@out is owned by the caller
 * (pse_close()).
 */
dp_status pse_open(const char *url, bool create, struct planstore_etcd **out,
                   char *err, size_t errlen);
void pse_close(struct planstore_etcd *e);
const char *pse_url(const struct planstore_etcd *e);

dp_status pse_bind_region(struct planstore_etcd *e, const char *region,
                          char *err, size_t errlen);
dp_status pse_region(struct planstore_etcd *e, char *buf, size_t buflen,
                     char *err, size_t errlen);
dp_status pse_write_plan(struct planstore_etcd *e, const struct plan *plan,
                         uint64_t base, const char *writer,
                         uint64_t *generation, char *err, size_t errlen);
dp_status pse_issued(struct planstore_etcd *e, uint64_t *generation, char *err,
                     size_t errlen);
dp_status pse_raise(struct planstore_etcd *e, uint64_t above, uint64_t *was,
                    char *err, size_t errlen);
dp_status pse_newest_stamp(struct planstore_etcd *e, uint64_t *generation,
                           int64_t *created_ms, char *err, size_t errlen);
dp_status pse_get_plan(struct planstore_etcd *e, uint64_t generation,
                       const char *only, struct plan **out, char *err,
                       size_t errlen);
dp_status pse_list(struct planstore_etcd *e, struct planstore_info **out,
                   size_t *n, char *err, size_t errlen);
dp_status pse_delete_plan(struct planstore_etcd *e, uint64_t generation,
                          const char *by, const char *reason, char *err,
                          size_t errlen);
dp_status pse_deletion(struct planstore_etcd *e, uint64_t generation,
                       struct planstore_deletion *out, char *err,
                       size_t errlen);
dp_status pse_collect(struct planstore_etcd *e, size_t *deleted, char *err,
                      size_t errlen);
dp_status pse_report_open(struct planstore_etcd *e, const char *id, char *err,
                          size_t errlen);
dp_status pse_heartbeat(struct planstore_etcd *e, const char *id,
                        uint64_t in_flight, int64_t now_ms, char *err,
                        size_t errlen);
dp_status pse_report_applied_many(struct planstore_etcd *e, const char *id,
                                  uint64_t generation,
                                  const char *const *endpoints, size_t n,
                                  int64_t now_ms, char *err, size_t errlen);
dp_status pse_report_problem(struct planstore_etcd *e, const char *id,
                             const char *problem, int64_t now_ms, char *err,
                             size_t errlen);
dp_status pse_retire_plan(struct planstore_etcd *e, const char *id,
                          uint64_t generation, int64_t created_ms,
                          const char *reason, int64_t now_ms, char *err,
                          size_t errlen);
dp_status pse_applied_count(struct planstore_etcd *e, uint64_t generation,
                            size_t *n, char *err, size_t errlen);
dp_status pse_enactors(struct planstore_etcd *e, struct reports_state **out,
                       size_t *n, char *err, size_t errlen);
dp_status pse_set_paused(struct planstore_etcd *e, bool paused, const char *who,
                         const char *reason, char *err, size_t errlen);
dp_status pse_get_control(struct planstore_etcd *e,
                          struct planstore_control *out, char *err,
                          size_t errlen);

/*
 * planstore_etcd_of - the etcd handle behind @ps, or NULL for a SQLite
 * store (for planstore_watch.c).
 */
struct planstore_etcd *planstore_etcd_of(const struct planstore *ps);

/*
 * planstore_validate - the checks planstore_write_plan() makes of a
 * plan (names and addresses canonical, weights 1..65535, all sorted and
 * unique), shared with the etcd reader: DP_OK or DP_EINVAL with @err.
 */
dp_status planstore_validate(const struct plan *p, char *err, size_t errlen);

#endif /* PLANSTORE_ETCD_H */
