/*
 * loop.h - the planner's event loop (libuv): health rounds of concurrent
 * TCP and HTTP checks, signals, and the systemd watchdog.  The only file
 * of the planner that knows libuv and sockets.
 *
 * A round checks every target once, at most `concurrency` at a time, each
 * within `timeout_ms`; a slow target holds one slot, never the others.
 * Rounds start every `interval_ms` (or right after the previous one when
 * a round takes longer).  After each round the plan() callback runs in a
 * libuv worker thread, so that nothing the store or authd does blocks the
 * loop (signals, the watchdog); the next round waits for it.  Connections are closed with a reset, so that
 * hundreds of thousands of checks leave no TIME_WAIT behind.
 */
#ifndef LOOP_H
#define LOOP_H

#include <stdbool.h>
#include <stddef.h>

#include <stdint.h>

#include <uv.h>

#include "dp.h"
#include "region.h"

struct loop_config {
	unsigned interval_ms;
	unsigned timeout_ms;
	unsigned concurrency;
};

/* What one round did. */
struct loop_round {
	size_t checks;
	size_t failed;
	double elapsed_ms; /* wall clock, first check to last result */
	double cpu_ms;     /* user + system time of the process */
};

/* What the loop calls back; @arg is the loop_new() argument. */
struct loop_ops {
	/* One check of target @target finished. */
	void (*result)(void *arg, size_t target, bool ok, const char *why);
	/* Every target of the round has a result. */
	void (*round_done)(void *arg, const struct loop_round *round);
	/* After each round, in a worker thread: decide and write (the
	 * store and authd may block).  No round runs meanwhile. */
	void (*plan)(void *arg);
	/* Back on the loop after plan(). */
	void (*planned)(void *arg);
	/* SIGHUP arrived. */
	void (*reload)(void *arg);
};

struct loop;

/*
 * loop_new - a loop with @cfg calling @ops with @arg, without targets
 * yet.  Raises the open-file limit to what the concurrency needs.  *@out
 * is owned by the caller (loop_free()).
 */
dp_status loop_new(const struct loop_config *cfg, const struct loop_ops *ops,
                   void *arg, struct loop **out, char *err, size_t errlen);

/*
 * loop_set_targets - check the lbs of @r (target i is r->lbs[i]) from the
 * next round on.  @r is borrowed: it must stay as it is until the next
 * call, which must come between rounds (loop_round_active() false).
 */
void loop_set_targets(struct loop *l, const struct region *r);

/* loop_set_config - use @cfg from the next round on. */
void loop_set_config(struct loop *l, const struct loop_config *cfg);

/*
 * loop_plan_now - run plan() now, between rounds (after a reload); when a
 * round is going on, its own plan() comes at its end.
 */
void loop_plan_now(struct loop *l);

/* loop_round_active - is a round or its plan going on? */
bool loop_round_active(const struct loop *l);

/*
 * loop_run - start the first round now and run until SIGTERM or SIGINT
 * (in-flight checks are dropped).  Returns DP_OK after a clean stop.
 */
dp_status loop_run(struct loop *l);

/* How the checks ended, for loop_checks(). */
enum loop_check {
	LOOP_CHECK_OK,      /* connection accepted, or HTTP 200..399 */
	LOOP_CHECK_FAILED,  /* refused, reset, another status */
	LOOP_CHECK_TIMEOUT, /* no answer within timeout_ms */
	LOOP_CHECKS,
};

/*
 * loop_checks - the checks delivered since the start, by how they ended
 * (@out has LOOP_CHECKS entries).  On the loop's thread only.
 */
void loop_checks(const struct loop *l, uint64_t *out);

/*
 * loop_uv - the libuv loop, for other handles on it (the metrics
 * server).  Owned by @l; handles on it must be closed before
 * loop_free().
 */
uv_loop_t *loop_uv(struct loop *l);

/* loop_free - release the loop.  NULL is ok. */
void loop_free(struct loop *l);

#endif /* LOOP_H */
