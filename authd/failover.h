/*
 * failover.h - backup records that activate by themselves: the data
 * plane's last line of defence when a guarded endpoint ends up with no
 * address anyway (the guard off, a zone file or a restored store without
 * it, a writer with the operator's key).
 *
 * A rule names an endpoint E and its backup addresses.  Whenever a change
 * of the zone would leave E answering no address (NXDOMAIN, NODATA, a
 * CNAME to a name without addresses), authd puts the backup addresses at
 * E (A and AAAA, E's CNAME removed) in the same change: it is a change of
 * the zone itself, journalled, transferred and NOTIFYed like any other,
 * so secondaries serve the backup too.  E is "on its backup" while it
 * holds exactly the backup addresses and no CNAME; the next change that
 * gives it other addresses (an enactor's plan, an operator's repair)
 * ends that, in its own commit.  Pure logic over a zone edit.
 */
#ifndef FAILOVER_H
#define FAILOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <pthread.h>
#include <stdint.h>

#include "dname.h"
#include "zone.h"

#define FAILOVER_TTL 30 /* of the backup records, seconds */

/* One endpoint and its backup addresses. */
struct failover_rule {
	uint8_t name[DNAME_MAXLEN];
	size_t namelen;
	char text[DNAME_MAXLEN * 4]; /* the name, for logs and metrics */
	uint8_t *rd4, *rd6; /* A / AAAA rdata, as struct zone_rrset's */
	size_t rd4len, rd6len;
	uint16_t n4, n6;
};

struct failover {
	struct failover_rule *rules;
	size_t n;
};

/*
 * failover_parse - add the rule "ENDPOINT ADDRESS [ADDRESS...]" (IPv4 and
 * IPv6 addresses) to @f.  Returns 0, or -1 with a sentence in @why.  A
 * second rule for the same endpoint is refused.
 */
int failover_parse(struct failover *f, const char *text, char *why,
                   size_t whylen);

/* failover_free - free @f's rules (not @f).  Idempotent. */
void failover_free(struct failover *f);

/*
 * failover_apply - after a change of the zone edited by @e: put every
 * endpoint of @f in that zone which would answer no address on its
 * backup, and drop the mark of one that is no longer on it.  Returns how
 * many endpoints it put on their backup (each a change of @e).  Who went
 * on or off is told by struct failover_watch, from the zones served.
 */
size_t failover_apply(const struct failover *f, struct zone_edit *e);

/* failover_active - is rule @r's endpoint on its backup in @z? */
bool failover_active(const struct failover_rule *r, const struct zone *z);

/*
 * Which endpoints are on their backup in the zones served, and how many
 * times one was put on it: for the log and the metrics.  The publishing
 * thread writes, the metrics reader reads; a lock keeps them apart.
 */
struct failover_watch {
	pthread_mutex_t lock;
	struct failover rules;
	bool *active;         /* per rule */
	uint64_t activations; /* since start */
};

/* failover_watch_init / _free - an empty watch; free its rules. */
void failover_watch_init(struct failover_watch *w);
void failover_watch_free(struct failover_watch *w);

/*
 * failover_watch_rules - watch @rules from now on (taken; @rules is left
 * empty), their state read from @zs without logging it as a change.
 */
void failover_watch_rules(struct failover_watch *w, struct failover *rules,
                          const struct zoneset *zs);

/*
 * failover_watch_publish - @zs is served now: log each endpoint that went
 * on or off its backup, count the activations.
 */
void failover_watch_publish(struct failover_watch *w, const struct zoneset *zs);

/*
 * failover_watch_render - append the metrics lines to @put(@arg, line):
 * dnsplane_authd_failover_active{endpoint=...} and the activations.
 */
void failover_watch_render(struct failover_watch *w,
                           void (*put)(void *arg, const char *line), void *arg);

#endif /* FAILOVER_H */
