/*
 * notify.h - NOTIFY (RFC 1996) to the configured secondaries after every
 * change of a zone.
 *
 * The notifier keeps a list of pending notifications; notify_changes()
 * queues one NOTIFY per secondary for every zone whose serial moved and
 * wakes the I/O.  The I/O (server.c, which owns the sockets and the
 * timer) calls notify_run() to send what is due (signed when the target
 * names a key) and learn when to call again, and notify_answer() with
 * every datagram its NOTIFY sockets receive.  A NOTIFY is sent again
 * every few seconds until the secondary answers or five tries went
 * unanswered; a newer change of the same zone replaces a pending one.
 * Nothing waits for it: the update thread only queues.  Thread safe.
 */
#ifndef NOTIFY_H
#define NOTIFY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dp.h"
#include "xfrout.h"
#include "zone.h"

#define NOTIFY_TRIES    5
#define NOTIFY_RETRY_MS 2000

struct notify;

/* notify_new - a notifier for the targets of @policy; takes its ref. */
struct notify *notify_new(struct xfr_policy *policy);

/* Wake the I/O: something is due now (called from any thread). */
typedef void (*notify_wake_fn)(void *arg);

/* Send @len bytes of @msg to @to; returns 0 or an errno value. */
typedef int (*notify_send_fn)(void *arg, const struct sockaddr_storage *to,
                              socklen_t tolen, const uint8_t *msg, size_t len);

/* notify_set_wake - whom notify_changes() wakes (NULL: nobody). */
void notify_set_wake(struct notify *n, notify_wake_fn wake, void *arg);

/*
 * notify_run - send what is due through @send, give up on what was tried
 * enough.  Returns the milliseconds until the next retry, -1 for none.
 */
int notify_run(struct notify *n, notify_send_fn send, void *arg);

/*
 * notify_answer - a datagram from @from arrived on a NOTIFY socket: if it
 * answers a pending NOTIFY (same ID, same secondary), that one is done.
 */
void notify_answer(struct notify *n, const struct sockaddr_storage *from,
                   socklen_t fromlen, const uint8_t *buf, size_t len);

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

/* notify_free - free the notifier and what is pending.  NULL is fine. */
void notify_free(struct notify *n);

#endif /* NOTIFY_H */
