/*
 * guard.h - the invariant guard and the generation fence of authd.
 *
 * A guard rule protects a service endpoint: an update may not leave it
 * with fewer than its minimum of addresses (when it had more), nor lower,
 * remove or corrupt its generation marker (TXT "G" at _gen.NAME), nor
 * leave its rollback record (CNAME at _rollback.NAME) pointing at a name
 * that answers no address.  The
 * update code opens a guard pass on the zone edit before applying an
 * update, and checks it after: pure logic over the edit, no I/O.
 */
#ifndef GUARD_H
#define GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dname.h"
#include "failover.h"
#include "labels.h"
#include "zone.h"

/* A guarded name: the service endpoint the guard protects. */
struct guard_rule {
	uint8_t name[DNAME_MAXLEN];
	size_t namelen;
	unsigned min_addresses; /* at least 1 */
};

/*
 * Which rules an update can touch (update.c).  An update reads only the
 * guarded names it can change: those at or above one of its owner names
 * (the marker _gen.NAME and plan records under NAME included), and those
 * whose CNAME chain left their own subtree when last read.  That
 * knowledge holds for the zone at the SOA serial it was taken at; at any
 * other serial (a failed commit, a reload, a restart) every rule of the
 * zone is read again.
 */
struct guard_index;

/* A key whose updates may lower a generation marker (fence-override). */
struct guard_override {
	uint8_t name[DNAME_MAXLEN];
	size_t namelen;
};

/*
 * What a guarded endpoint that answers no address at all (no name, or no
 * A and no AAAA, directly or through its CNAME chain in the zone) answers
 * for A, AAAA, CNAME and ANY: guard-empty-answer.
 */
enum guard_empty {
	GUARD_EMPTY_SERVFAIL = 0, /* SERVFAIL, EDE 14 Not Ready: not cached
	                           * as a negative answer (the default) */
	GUARD_EMPTY_NXDOMAIN = 1, /* the zone's data as it is: NXDOMAIN or
	                           * NODATA, cached for the negative TTL */
};

struct guard {
	bool enabled; /* off: the legacy lab, every update goes through */
	enum guard_empty empty; /* with the guard on */
	struct guard_override *override;
	size_t noverride;
	struct failover failover; /* backup records, guard on or off */
	struct guard_rule *rules;
	size_t n;
	struct guard_index *ix; /* built by guard_parse, kept by updates */
};

/*
 * guard_parse - add "NAME" or "NAME=MIN" to @g.  Returns 0, -1 when the
 * text is not a name with an optional count of 1..1000.
 */
int guard_parse(struct guard *g, const char *text);

/*
 * guard_add_override - updates signed with key @keyname (presentation
 * format) may lower a generation marker: the operator's way past a
 * marker no plan store will reach (dnsplanectl repair --lower-fence).
 * They may still not remove or corrupt it, and the guard's minimum
 * holds for them as for anyone.  0, or -1 when @keyname is not a name.
 */
int guard_add_override(struct guard *g, const char *keyname);

/* guard_may_lower - is the key of wire name @keyname an override key? */
bool guard_may_lower(const struct guard *g, const uint8_t *keyname, size_t len);

/*
 * guard_forget - the zones are not what the updates left them (a batch
 * that failed to commit): the next update of each zone reads every rule.
 */
void guard_forget(struct guard *g);

/* guard_free - free the rules of @g (not @g itself).  Idempotent. */
void guard_free(struct guard *g);

/*
 * The generation marker of a guarded name NAME is the TXT record at
 * "_gen.NAME" holding the plan generation as decimal text ("42").
 */
#define GUARD_MARKER_LABEL LABEL_GEN

/*
 * guard_count_addresses - the addresses @name resolves to inside the zone
 * of @apex as edited by @e, CNAMEs followed (UINT32_MAX when a chain
 * leaves the zone: more than it can see).  *@far is set when a name of
 * the chain is not @name or below it, or the chain leaves the zone, loops
 * or is too long.
 */
unsigned guard_count_addresses(const struct zone_edit *e,
                               const struct zone_node *apex,
                               const uint8_t *name, size_t len, bool *far);

/*
 * guard_warn_empty - after a load: log a warning for every rule of @g in
 * the zone @z whose name answers no address (a database lost, a zone file
 * without the endpoint): until an enactor writes it, it answers SERVFAIL
 * "Not Ready" (guard_mark_not_ready()), or, with guard-empty-answer
 * nxdomain or the guard off, NXDOMAIN, which resolvers cache for the
 * negative TTL.  A failover rule for it (applied before) would have given
 * it its backup addresses.  Returns how many were found.
 */
size_t guard_warn_empty(const struct guard *g, const struct zone *z);

/*
 * guard_mark_not_ready - on a snapshot @z just built (loaded, committed),
 * before it is served: mark each guarded name of @z that answers no
 * address as not ready (zone_add_not_ready()), so that the query path
 * answers it SERVFAIL "Not Ready" rather than NXDOMAIN or NODATA.  Does
 * nothing when the guard is off or @g->empty is GUARD_EMPTY_NXDOMAIN.
 * Returns how many names it marked.
 */
size_t guard_mark_not_ready(const struct guard *g, struct zone *z);

/* What a guard pass found. */
enum guard_verdict {
	GUARD_PASS = 0,
	GUARD_TOO_FEW,  /* an endpoint would keep too few addresses */
	GUARD_FENCE,    /* a generation marker would go back or break */
	GUARD_ROLLBACK, /* the rollback record would point at nothing */
};

/* What one rule looked like, before or after an update. */
struct guard_state {
	unsigned addrs;
	int marker;
	uint64_t gen;
	int rollback; /* _rollback.NAME: 0 none, 1 answers, -1 answers none */
	bool far;
};

/*
 * The owner names of the update being checked, one per call: returns 1
 * with *@name and *@len set, 0 at the end, -1 when one cannot be read
 * (then every rule of the zone is read).
 */
typedef int (*guard_owner_fn)(void *arg, const uint8_t **name, size_t *len);

/* One update's pass of the guard (on the caller's stack). */
struct guard_pass {
	const struct guard *g; /* NULL: nothing guarded */
	const struct zone_node *apex;
	size_t *which; /* the rules read */
	size_t n;
	struct guard_state *pre, *post;
	bool have_post;
	bool may_lower; /* signed by an override key */
};

/*
 * guard_pass_begin - before an update of the zone at @apex: choose the
 * rules of @g it can touch (its owners from @next) and read them on @e.
 * Does nothing when the guard is off or has no rules.
 */
void guard_pass_begin(struct guard_pass *p, const struct guard *g,
                      const struct zone_edit *e, const struct zone_node *apex,
                      guard_owner_fn next, void *arg);

/*
 * guard_pass_check - after the update: read the rules again and compare.
 * Returns GUARD_PASS, or the violation with a sentence naming the rule
 * and the endpoint in @text.  A marker an override key lowered passes,
 * with a sentence saying so in @text.
 */
enum guard_verdict guard_pass_check(struct guard_pass *p,
                                    const struct zone_edit *e, char *text,
                                    size_t textlen);

/*
 * guard_pass_end - remember what the pass read (for the next update's
 * choice of rules) and free it; @e as it stands after the update was
 * applied or rolled back.
 */
void guard_pass_end(struct guard_pass *p, const struct zone_edit *e);

#endif /* GUARD_H */
