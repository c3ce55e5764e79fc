/*
 * xfrout.h - the transfer thread: answers AXFR and IXFR requests beside
 * the query workers and the update thread.
 *
 * The I/O workers hand every transfer request (TCP, and IXFR over UDP) to
 * xfrout_submit() with the client's address.  The thread verifies its
 * TSIG, checks the allow-transfer rules, takes a reference to the zone set
 * being served (so the snapshot transferred is one consistent version),
 * reads the zone's journal through its own read-only SQLite connection
 * (WAL lets it read while the update thread commits) and answers with the
 * messages of xfr_axfr() / xfr_ixfr().  Neither the workers nor the update
 * thread wait for a transfer.
 *
 * The transfer policy (keys, allow-transfer, notify targets) is one
 * reference-counted, immutable struct xfr_policy, shared with the notify
 * thread and replaced as a whole on reload.
 */
#ifndef XFROUT_H
#define XFROUT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dp.h"
#include "keys.h"
#include "settings.h"
#include "xfr.h"
#include "zone.h"

struct xfr_policy {
	atomic_int refs;
	struct keyring *keys;
	struct xfr_acl_entry *acl;
	size_t nacl;
	struct xfr_target *targets;
	const struct tsig_key **target_keys; /* per target, NULL: unsigned */
	size_t ntargets;
};

/*
 * xfr_policy_load - build the policy of @s: its key files, allow-transfer
 * rules and notify targets.  A rule or target naming a key that no key
 * file holds is an error, named in @err.  *@out has one reference.
 */
dp_status xfr_policy_load(const struct authd_settings *s,
                          struct xfr_policy **out, char *err, size_t errlen);

/* xfr_policy_ref / xfr_policy_unref - thread safe; unref NULL is a no-op. */
struct xfr_policy *xfr_policy_ref(struct xfr_policy *p);
void xfr_policy_unref(struct xfr_policy *p);

struct xfrout;

/*
 * Called on the transfer thread with the answer: over TCP every message
 * framed with its 16-bit length, over UDP one bare message; NULL and 0
 * when there is none.  The function owns @arg and frees it.
 */
typedef void (*xfrout_reply_fn)(void *arg, const uint8_t *data, size_t len);

/* Where the thread gets the zone set served now (one reference). */
typedef struct zoneset *(*xfrout_acquire_fn)(void *arg);

/*
 * xfrout_new - a transfer thread reading the journal of the zone store at
 * @dbpath (copied) and the zones from @acquire; refusals over UDP offer
 * @max_udp_payload as the query path does.  Takes @policy's reference.
 * Start it with xfrout_start().
 */
struct xfrout *xfrout_new(const char *dbpath, uint16_t max_udp_payload,
                          xfrout_acquire_fn acquire, void *arg,
                          struct xfr_policy *policy);

/* xfrout_start - open the store and start the thread; @err says why not. */
dp_status xfrout_start(struct xfrout *x, char *err, size_t errlen);

/* xfrout_set_policy - use @policy from the next request; takes its ref. */
void xfrout_set_policy(struct xfrout *x, struct xfr_policy *policy);

/*
 * xfrout_submit - queue the transfer request @msg (copied) from @peer
 * (@peerlen bytes, copied) that came over TCP (@tcp) or UDP.  @reply is
 * called exactly once with @arg.  Thread safe.
 */
void xfrout_submit(struct xfrout *x, const uint8_t *msg, size_t len,
                   const struct sockaddr *peer, socklen_t peerlen, bool tcp,
                   xfrout_reply_fn reply, void *arg);

/* xfrout_stop - answer what is queued, then stop the thread; idempotent. */
void xfrout_stop(struct xfrout *x);

/* xfrout_free - stop and free.  Idempotent on NULL. */
void xfrout_free(struct xfrout *x);

#endif /* XFROUT_H */
