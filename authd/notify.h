/*
 * notify.h - NOTIFY (RFC 1996) to the configured secondaries after every
 * change of a zone.
 *
 * A small thread of its own owns one UDP socket per address family and
 * a list of pending notifications.  notify_changes() queues one NOTIFY
 * per secondary for every zone whose serial moved; the thread sends it at
 * once (signed when the target names a key), and again every few seconds
 * until the secondary answers or five tries went unanswered.  A newer
 * change of the same zone replaces a pending notification.  Nothing
 * waits for it: the update thread only queues.
 */
#ifndef NOTIFY_H
#define NOTIFY_H

#include "dp.h"
#include "xfrout.h"
#include "zone.h"

#define NOTIFY_TRIES    5
#define NOTIFY_RETRY_MS 2000

struct notify;

/* notify_new - a notifier for the targets of @policy; takes its ref. */
struct notify *notify_new(struct xfr_policy *policy);

/* notify_start - open the sockets and start the thread. */
dp_status notify_start(struct notify *n, char *err, size_t errlen);

/*
 * notify_set_policy - notify the targets of @policy from now on (takes
 * its reference); what is pending keeps its target.
 */
void notify_set_policy(struct notify *n, struct xfr_policy *policy);

/*
 * notify_changes - queue a NOTIFY to every target for each zone of @now
 * that @before (NULL for none) lacks or holds with another serial.  Thread
 * safe; a no-op on a NULL notifier or without targets.
 */
void notify_changes(struct notify *n, const struct zoneset *before,
                    const struct zoneset *now);

/* notify_free - stop the thread and free.  Idempotent on NULL. */
void notify_free(struct notify *n);

#endif /* NOTIFY_H */
