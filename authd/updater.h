/*
 * updater.h - the one thread that changes zones: TSIG-signed UPDATEs in,
 * durable commits, snapshot swaps, signed answers out.
 *
 * The I/O workers hand every UPDATE message to updater_submit() with a
 * reply function.  The updater thread takes all queued messages as one
 * batch, verifies and applies them one after the other on top of each
 * other (each sees the ones before it), commits the batch to the zone
 * store in one SQLite transaction (group commit: one sync for many
 * updates), publishes the new snapshots, and only then answers.  An
 * answer therefore always means "on disk and served".
 */
#ifndef UPDATER_H
#define UPDATER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp.h"
#include "keys.h"
#include "update.h"
#include "zone.h"
#include "zonestore.h"

struct updater;

/*
 * Called on the updater thread with the answer to one submitted message
 * (NULL and 0 when it gets none).  The function owns @arg and frees it.
 */
typedef void (*updater_reply_fn)(void *arg, const uint8_t *resp, size_t len);

/* How the updater reads and publishes the served zone set. */
struct updater_hooks {
	struct zoneset *(*acquire)(void *arg);          /* one reference */
	void (*publish)(void *arg, struct zoneset *zs); /* takes it */
	void *arg;
};

/* Counters, for logs and metrics. */
struct updater_stats {
	uint64_t accepted;                /* answered NOERROR */
	uint64_t refused[UPDATE_REASONS]; /* by reason */
	uint64_t unsigned_refused;        /* no TSIG */
	uint64_t tsig_failed;             /* BADKEY, BADSIG, BADTIME */
	uint64_t commits;                 /* SQLite transactions */
	uint64_t commit_failures;
	uint64_t swap_usec_total; /* building and publishing snapshots */
	uint64_t swaps;
};

/*
 * updater_new - an updater committing to @store (borrowed; it must
 * outlive the updater) and keeping @journal_keep journal steps.  Takes
 * ownership of @keys and of @guard's rules.  Start it with
 * updater_start().
 */
struct updater *updater_new(struct zonestore *store, struct keyring *keys,
                            struct guard *guard, unsigned journal_keep,
                            const struct updater_hooks *hooks);

/* updater_start - start the thread.  DP_EIO when it cannot. */
dp_status updater_start(struct updater *u);

/*
 * updater_submit - queue the UPDATE, or the TSIG-signed query, @msg
 * (copied) that came over TCP (@tcp) or UDP; @reply is called exactly once
 * with @arg.  Thread safe.
 */
void updater_submit(struct updater *u, const uint8_t *msg, size_t len, bool tcp,
                    updater_reply_fn reply, void *arg);

/*
 * updater_lock / updater_unlock - hold off batches, so that a reload can
 * read the store and publish zones without an update in between.
 */
void updater_lock(struct updater *u);
void updater_unlock(struct updater *u);

/*
 * updater_set_policy - replace keys and guard (on reload); takes
 * ownership of both.  Call with the updater locked.
 */
void updater_set_policy(struct updater *u, struct keyring *keys,
                        struct guard *guard);

/* updater_stats - a copy of the counters (thread safe). */
void updater_stats(struct updater *u, struct updater_stats *out);

/*
 * updater_stop - answer what is queued, then stop the thread.
 * Idempotent.
 */
void updater_stop(struct updater *u);

/* updater_free - stop and free.  Idempotent on NULL. */
void updater_free(struct updater *u);

#endif /* UPDATER_H */
