/*
 * update.h - RFC 2136 dynamic UPDATE over an in-memory zone, with the
 * invariant guard and the generation fence.
 *
 * Pure logic: update_apply() reads the UPDATE message, checks its
 * prerequisites and applies its update section to a zone_edit, refusing
 * what the key may not change and what the guard forbids.  Nothing here
 * touches SQLite or a socket; the caller commits the edit.
 */
#ifndef UPDATE_H
#define UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dname.h"
#include "keys.h"
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

struct guard {
	bool enabled; /* off: the legacy lab, every update goes through */
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
#define GUARD_MARKER_LABEL "_gen"

/* Why an update was refused, for logs and metrics. */
enum update_reason {
	UPDATE_OK = 0,
	UPDATE_FORMERR,
	UPDATE_NOTAUTH, /* zone not served here */
	UPDATE_NOTZONE, /* a name outside the zone */
	UPDATE_PREREQ,  /* a prerequisite failed */
	UPDATE_POLICY,  /* the key may not change this */
	UPDATE_GUARD,   /* too few addresses left */
	UPDATE_FENCE,   /* the generation marker would go back */
	UPDATE_INVALID, /* the zone would not be valid */
	UPDATE_REASONS,
};

/* update_reason_name - a short lower-case name ("guard", "prereq"). */
const char *update_reason_name(enum update_reason r);

struct update_result {
	int rcode;
	enum update_reason reason;
	bool changed;    /* the update changed the zone */
	int ede;         /* RFC 8914 info code, or -1 */
	char text[1536]; /* EDE extra text / log detail */
};

/*
 * update_zone - read the header and zone section of the UPDATE @msg and
 * find its zone in @zs.  Returns the rcode: NOERROR with *@zone set,
 * FORMERR, or NOTAUTH when authd does not serve the zone.
 */
int update_zone(const struct zoneset *zs, const uint8_t *msg, size_t len,
                const struct zone **zone);

/*
 * update_apply - check the prerequisites of @msg (@len bytes, its TSIG
 * record already removed: @len stops before it) against @e and apply its
 * update section, as one step: on any failure the edit is left as it was.
 * @key is the verified key.  On success with changes, the SOA serial in
 * the edit is one higher (RFC 1982) unless the update raised it itself.
 */
void update_apply(struct zone_edit *e, const uint8_t *msg, size_t len,
                  const struct tsig_key *key, const struct guard *g,
                  struct update_result *res);

#endif /* UPDATE_H */
