/*
 * enactor.h - applying plans to authd: one pass at a time.
 *
 * enactor_run_once() is one pass of the enactor in its mode, called from
 * a worker thread of the libuv loop (main.c): it reads the plan store,
 * talks to authd with signed DNS messages (common/dnsclient, common/layout)
 * and reports into the store.  It blocks while it works; the loop stays
 * free for signals and heartbeats.
 *
 * legacy: pick the newest plan, check once that it is newer than the plan
 *   last applied, then walk the endpoints one by one, each under a lock
 *   held in a TXT record in authd (retried while another enactor holds
 *   it), replacing the active plan in one transaction; then delete every
 *   plan more than `keep` generations older than the one applied.
 * safe: for every endpoint, read what authd serves, and move it forward
 *   to the newest plan with a compare-and-swap on the generation marker
 *   (authd's fence refuses any step back); endpoints found empty, on a
 *   missing plan or behind are healed the same way; cleanup deletes a
 *   plan only when no endpoint is on it, no enactor is applying it or an
 *   older one, and it is more than `keep` generations old, all checked
 *   again right before each deletion; it runs after every pass, also one
 *   overtaken by a newer plan or with endpoints left behind, so the
 *   store stays bounded.  Once a walk found every endpoint on the newest
 *   plan, later passes read authd's zone serial first and walk again
 *   only when it or the newest plan changed, or full-scan-ms after that
 *   walk began.
 */
#ifndef ENACTOR_H
#define ENACTOR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "dp.h"
#include "settings.h"

struct enactor;

/* Counters, for the log and the tests. */
struct enactor_stats {
	uint64_t passes;
	uint64_t walks;       /* safe: passes that read every endpoint */
	uint64_t applied;     /* endpoint updates accepted */
	uint64_t cas_retries; /* safe: the endpoint moved meanwhile */
	uint64_t refused;     /* authd refused (guard, fence) */
	uint64_t failed;      /* updates that failed otherwise */
	uint64_t deleted;     /* plans cleaned up */
	uint64_t lock_waits;  /* legacy: blocked by another enactor */
};

/*
 * enactor_new - an enactor for settings @s (borrowed, must outlive it).
 * @stop is polled between steps; @in_flight receives the generation
 * being applied (0 when idle) for the heartbeats.  On failure @err names
 * the file or setting.
 */
dp_status enactor_new(const struct enactor_settings *s, atomic_bool *stop,
                      _Atomic uint64_t *in_flight, struct enactor **out,
                      char *err, size_t errlen);

/* enactor_run_once - one pass (see above). */
dp_status enactor_run_once(struct enactor *e);

/*
 * enactor_set_metrics - count into @m (borrowed: it must outlive the
 * enactor; NULL: no metrics) from the next pass on.  Call it before the
 * first pass.
 */
struct emetrics;
void enactor_set_metrics(struct enactor *e, struct emetrics *m);

/* enactor_stats - a copy of the counters. */
void enactor_stats(const struct enactor *e, struct enactor_stats *out);

/*
 * enactor_say_repeats - say how often each repeating condition said once
 * (a refused or stuck endpoint, ...) repeated since, for those still on:
 * at stop.
 */
void enactor_say_repeats(const struct enactor *e);

/* enactor_free - free.  Idempotent on NULL. */
void enactor_free(struct enactor *e);

#endif /* ENACTOR_H */
