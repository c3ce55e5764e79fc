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
#include "guard.h"
#include "zone.h"

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
