/*
 * layout.h - how a plan lives in authd's zone: the names, the reads and
 * the UPDATE messages the enactors and the operator CLI use.
 *
 * For an endpoint E and a plan generation G:
 *
 *   g<G>._plan.E   A / AAAA   the plan's addresses for E (its records)
 *   E              CNAME      g<G>._plan.E: the plan E is on
 *   _gen.E         TXT "G"    the generation marker authd's guard fences
 *   _rollback.E    CNAME      the plan node E was on before its last move
 *   _lock.E        TXT        "HOLDER EXPIRY-MS": the legacy enactors' lock
 *   _failover.E    TXT        "backup": authd put E on its backup addresses
 *   _weight.N      TXT        "ADDRESS WEIGHT" per address of N's A/AAAA:
 *                             authd hands those out by weight (weight.h)
 *
 * Deleting plan G deletes every g<G>._plan.E, so an endpoint still on G
 * resolves to nothing (NXDOMAIN through its dangling CNAME), as in the
 * incident.
 */
#ifndef LAYOUT_H
#define LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "dnsclient.h"
#include "dp.h"
#include "planstore.h"

#define LAYOUT_NAMELEN 1100

/* layout_plan_name - "g<gen>._plan.<endpoint>" into @out. */
void layout_plan_name(const char *endpoint, uint64_t gen, char *out,
                      size_t len);

/* layout_marker_name - "_gen.<endpoint>". */
void layout_marker_name(const char *endpoint, char *out, size_t len);

/* layout_lock_name - "_lock.<endpoint>". */
void layout_lock_name(const char *endpoint, char *out, size_t len);

/* layout_rollback_name - "_rollback.<endpoint>". */
void layout_rollback_name(const char *endpoint, char *out, size_t len);

/* The longest lock record text, with its NUL. */
#define LAYOUT_LOCKLEN 160
/* The TTL of the lock record. */
#define LAYOUT_LOCK_TTL 30

/*
 * layout_lock_text - the lock record's text "HOLDER EXPIRY-MS" (the
 * holder's name, one space, the Unix time in ms it expires at) into @out.
 */
void layout_lock_text(const char *holder, uint64_t expiry_ms, char *out,
                      size_t len);

/*
 * layout_lock_parse - read a lock record's @text into @holder (@hlen
 * bytes) and *@expiry_ms: 0, or -1 when it is not "HOLDER EXPIRY-MS".
 */
int layout_lock_parse(const char *text, char *holder, size_t hlen,
                      uint64_t *expiry_ms);

/* layout_weight_name - "_weight.<name>": the weights of @name's addresses. */
void layout_weight_name(const char *name, char *out, size_t len);

/*
 * layout_weight_rr - the weight record of the address @addr (IPv4 or IPv6
 * text) of @name's records: "_weight.<name> TTL IN TXT \"ADDR WEIGHT\"",
 * the address written as inet_ntop() writes it.  Owned by the caller;
 * NULL when @addr is no address or @weight is above 65535.
 */
ldns_rr *layout_weight_rr(const char *name, const char *addr, uint32_t weight,
                          uint32_t ttl);

/*
 * layout_weighted - do @ep's addresses weigh differently?  Only then do
 * the enactors write their weights (layout_apply()): equal weights
 * share the answers as every address in each answer does.
 */
bool layout_weighted(const struct plan_endpoint *ep);

/*
 * layout_push_plan_delete - push onto @up the deletions of plan @gen's
 * records of @endpoint: its addresses and their weights.
 */
void layout_push_plan_delete(ldns_rr_list *up, const char *endpoint,
                             uint64_t gen);

/*
 * layout_plan_gen - the generation named by @target if it is
 * "g<G>._plan.<endpoint>" (case-insensitive), else 0.
 */
uint64_t layout_plan_gen(const char *target, const char *endpoint);

/* What authd serves for an endpoint. */
struct endpoint_state {
	bool cname; /* E is a CNAME */
	char target[LAYOUT_NAMELEN];
	uint64_t target_gen;  /* the plan the CNAME names, 0 for none */
	int marker;           /* 1 present, 0 absent, -1 malformed */
	uint64_t gen;         /* the marker's generation */
	unsigned naddrs;      /* addresses an answer for E holds */
	bool weighted;        /* E's plan node has a _weight set */
	unsigned nset;        /* addresses of the set: naddrs, or its weights */
	uint64_t addr_digest; /* of the set, layout_addr_digest()'s way */
	int rcode;            /* of the address query: NXDOMAIN when emptied */
	bool rollback;        /* _rollback.E exists */
	char rollback_target[LAYOUT_NAMELEN];
	uint64_t rollback_gen;          /* the plan it names, 0 for none */
	bool locked;                    /* _lock.E exists */
	char lock_text[LAYOUT_LOCKLEN]; /* its text, as the preamble needs */
	char lock_owner[LAYOUT_LOCKLEN];
	uint64_t lock_expiry_ms; /* UINT64_MAX: a lock without an expiry */
	bool backup; /* _failover.E: on its backup (read with the lock) */
};

/*
 * layout_addr_digest - a digest of the addresses of @ep, independent of
 * their order; equal to the addr_digest of a read of an endpoint that
 * serves exactly those addresses (with overwhelming probability only
 * then).  For a weighted @ep (layout_weighted()) it is the digest of its
 * weight records' texts, each address with its weight: an answer by
 * weight holds only some addresses, the weight set names them all.
 */
uint64_t layout_addr_digest(const struct plan_endpoint *ep);

/*
 * layout_read - read @endpoint's state from authd through @c: its address
 * records (E A and E AAAA, whose answers also show E's CNAME), its marker
 * and its lock, in one pipelined round trip; then, when E is on a plan,
 * the weight set of the plan's node (layout_read_weights()) in a second.
 */
dp_status layout_read(struct dnsclient *c, const char *endpoint,
                      struct endpoint_state *st, char *err, size_t errlen);

/* The queries of one endpoint's read, with the lock's and the failover's. */
#define LAYOUT_READ_QUERIES 6

/*
 * layout_read_queries - the queries that read @endpoint, into @q (room
 * for LAYOUT_READ_QUERIES): its A, its AAAA, its marker's TXT, its
 * rollback record's CNAME and, when
 * @lock, its lock's and its failover mark's TXT.  Returns how many (each owned by the caller), 0
 * when the name is not one.
 */
size_t layout_read_queries(const char *endpoint, bool lock, ldns_pkt **q);

/*
 * layout_read_parse - @endpoint's state from the answers @a to the
 * queries of layout_read_queries(), in their order.  Pure: the network
 * reads and the in-process contract tests share it.
 */
void layout_read_parse(const char *endpoint, ldns_pkt *const *a, bool lock,
                       struct endpoint_state *st);

/*
 * layout_weights_query - the query of the weight set "_weight.<target>"
 * of the plan node @st's CNAME names; NULL when E is on no plan.  Owned
 * by the caller.
 */
ldns_pkt *layout_weights_query(const struct endpoint_state *st);

/*
 * layout_read_weights - take the answer @a to layout_weights_query()
 * into @st: when it holds weight records, the set is theirs (weighted,
 * nset their count, addr_digest that of their texts); else @st keeps
 * the addresses the answers showed.  Pure.
 */
void layout_read_weights(const ldns_pkt *a, struct endpoint_state *st);

/*
 * layout_marker_parse - the marker in @a, the answer to "_gen.E TXT": 1
 * and *@gen when it holds one generation (plan_gen_parse()), 0 when it
 * has none, -1 when it is malformed (two records, not a number), with
 * *@gen the highest generation among its records (0: none), the value
 * authd's fence keeps it at.
 */
int layout_marker_parse(const ldns_pkt *a, uint64_t *gen);

/*
 * layout_read_many - layout_read() of the @n endpoints of @endpoints at
 * once, in two pipelined round trips; the lock only when @lock.  @st[i]
 * and @ok[i] (false: no answer) per endpoint; DP_OK when every read came.
 */
dp_status layout_read_many(struct dnsclient *c, const char *const *endpoints,
                           size_t n, bool lock, struct endpoint_state *st,
                           bool *ok, char *err, size_t errlen);

enum layout_mode {
	LAYOUT_LEGACY, /* prerequisite: the active plan's records exist */
	LAYOUT_CAS,    /* prerequisite: the marker is what was read */
	LAYOUT_FORCE,  /* no prerequisite (operator repair) */
};

/*
 * layout_apply - the UPDATE that moves @ep (its name and addresses) to
 * plan @gen in one transaction: the plan's records (with their weights
 * when layout_weighted()), the CNAME (the alias), the rollback record
 * (to the plan node E leaves: LAYOUT_LEGACY requires that node to
 * exist; LAYOUT_CAS compares the record with @read; CAS and FORCE delete
 * it instead when that node answered no address) and the marker.  @read
 * is what the caller read before (for the prerequisites).  Owned by the
 * caller.
 */
ldns_pkt *layout_apply(const char *zone, const struct plan_endpoint *ep,
                       uint64_t gen, const struct endpoint_state *read,
                       enum layout_mode mode, uint32_t ttl);

/*
 * layout_apply_locked - layout_apply() as a legacy change batch: it
 * starts with the lock preamble, which requires the lock record to be
 * exactly @held, deletes it and writes @renew (a new expiry) in its
 * place; all or nothing with the move.
 */
ldns_pkt *layout_apply_locked(const char *zone, const struct plan_endpoint *ep,
                              uint64_t gen, const struct endpoint_state *read,
                              enum layout_mode mode, const char *held,
                              const char *renew, uint32_t ttl);

/*
 * layout_raise_marker - the UPDATE that sets @endpoint's marker alone to
 * @gen (its CNAME and records stay), with the same compare-and-swap on
 * the marker @read found as layout_apply()'s; authd's fence refuses it
 * below the marker.  Owned by the caller.
 */
ldns_pkt *layout_raise_marker(const char *zone, const char *endpoint,
                              uint64_t gen, const struct endpoint_state *read,
                              uint32_t ttl);

/* layout_marker_rr - @endpoint's marker record at @gen.  Owned by the
 * caller. */
ldns_rr *layout_marker_rr(const char *endpoint, uint64_t gen, uint32_t ttl);

/*
 * layout_lock - take _lock.E with the text @mine (layout_lock_text()):
 * when @held is NULL only if nobody holds it, else by the preamble that
 * replaces exactly the record @held (an expired lock, or our own to
 * renew).  Owned by the caller.
 */
ldns_pkt *layout_lock(const char *zone, const char *endpoint, const char *held,
                      const char *mine);

/*
 * layout_unlock - release the lock @held: the preamble's exact deletion,
 * so a lock another holder took meanwhile stays.  Owned by the caller.
 */
ldns_pkt *layout_unlock(const char *zone, const char *endpoint,
                        const char *held);

/* layout_delete_plan - delete plan @gen's records of @endpoint, and
 * their weights. */
ldns_pkt *layout_delete_plan(const char *zone, const char *endpoint,
                             uint64_t gen);

/*
 * layout_rr_bare - a record without rdata, TTL 0: an RRset (@type) or a
 * whole name (ANY) in class ANY or NONE, as prerequisites and deletions
 * of an UPDATE write them.  Owned by the caller.
 */
ldns_rr *layout_rr_bare(const char *name, ldns_rr_type type, ldns_rr_class cls);

/* layout_rcode_name - "NOERROR", "NXRRSET", ... */
const char *layout_rcode_name(int rcode);

#endif /* LAYOUT_H */
