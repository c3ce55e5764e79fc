/*
 * fleet.h - the lease manager's work: one lease per host of a fleet,
 * renewed before it expires, established again (three requests: read,
 * write, confirm) when it lapsed, through a work queue and a bounded
 * number of workers, in one of two modes.
 *
 * unprotected (as in 2025): every due host adds an item to a queue
 * without bounds, whether or not the host already has one waiting; an
 * item that fails or times out is queued again after retry-ms, for ever;
 * an item's requests are never withdrawn, so the store still serves
 * what its client stopped waiting for.
 *
 * protected: admission by the size of the waiting queue (a host's work
 * is admitted only while fewer than queue-limit items wait or run, and
 * only once per host), a retry budget (a token bucket), jittered
 * backoff, re-establishment staggered over stagger-ms, and deadlines:
 * an item nobody waits for any more is dropped before it is sent, and
 * the store is told when its client stops waiting.
 *
 * No sockets and no clock: the caller passes the time, and sends each
 * request through struct fleet_io; its answers come back through
 * fleet_reply().  leasemgr's I/O is in mgr_main.c.
 */
#ifndef FLEET_H
#define FLEET_H

#include <stdbool.h>
#include <stdint.h>

enum fleet_mode {
	FLEET_UNPROTECTED,
	FLEET_PROTECTED,
};

/* The requests an item sends, in the store's words. */
enum fleet_op {
	FLEET_RENEW,   /* extend a lease held */
	FLEET_READ,    /* establish, 1: read the host's lease record */
	FLEET_WRITE,   /* establish, 2: write it with the new holder */
	FLEET_CONFIRM, /* establish, 3: read it back */
};

/* fleet_op_name - "RENEW", "READ", "WRITE" or "CONFIRM". */
const char *fleet_op_name(enum fleet_op op);

struct fleet_params {
	int mode;             /* enum fleet_mode */
	long hosts;           /* the fleet */
	long lease_ms;        /* a lease's life from its grant */
	long renew_ms;        /* renew this long after the last grant */
	long ramp_ms;         /* hosts join evenly over this at the start */
	long workers;         /* items in flight at most */
	long item_timeout_ms; /* an item's time from its first request */
	long retry_ms;        /* unprotected: the delay of every retry */
	long queue_limit;     /* protected: items waiting or running */
	long retry_rate;      /* protected: retry tokens per second */
	long retry_burst;     /* protected: the bucket's size */
	long backoff_base_ms; /* protected: first retry delay */
	long backoff_max_ms;  /* protected: longest retry delay */
	long stagger_ms;      /* protected: re-establishment spread */
	uint64_t seed;        /* of the jitter */
};

/* How requests leave: the caller's I/O. */
struct fleet_io {
	/*
	 * Send request @req (@op for host @host) to the store, whose client
	 * waits until @deadline_ms (0: no deadline).  Returns 0 when it is
	 * on its way (its answer comes through fleet_reply()), -1 when no
	 * store can be reached now (no address, no connection).
	 */
	int (*send)(void *arg, uint64_t req, enum fleet_op op, uint32_t host,
	            int64_t deadline_ms);
	void *arg;
};

struct fleet;

/*
 * fleet_new - the manager of @p->hosts hosts, none holding a lease,
 * starting at @now_ms; @p and @io are copied.  Free with fleet_free().
 */
struct fleet *fleet_new(const struct fleet_params *p, const struct fleet_io *io,
                        int64_t now_ms);

/* fleet_free - free @f and every item it holds.  NULL is ok. */
void fleet_free(struct fleet *f);

/*
 * fleet_tick - at @now_ms: add the work of the hosts that are due, move
 * retries whose delay ended back to the queue, time out items, and start
 * queued items while workers are free.  Call often (every few ms).
 */
void fleet_tick(struct fleet *f, int64_t now_ms);

/*
 * fleet_reply - the store answered request @req at @now_ms: @ok (done),
 * or not (busy, late).  An answer to a request whose item timed out is
 * counted as wasted and changes nothing.
 */
void fleet_reply(struct fleet *f, uint64_t req, bool ok, int64_t now_ms);

/*
 * fleet_throttle - the operator's action: drop every item that waits,
 * and from now on run at most @workers items and admit a host's work
 * only while fewer than @queue_limit items wait or run.
 */
void fleet_throttle(struct fleet *f, long workers, long queue_limit);

struct fleet_stats {
	uint64_t hosts, leased;               /* now: leased = valid lease */
	uint64_t queued, delayed, in_flight;  /* items now */
	uint64_t completed, renewed;          /* items done; renewals of them */
	uint64_t timeouts, failures, retries; /* items */
	uint64_t dropped;     /* protected: past their deadline, or no token */
	uint64_t shed;        /* host work not admitted (queue limit) */
	uint64_t requests;    /* sent to the store */
	uint64_t wasted;      /* answers nobody waited for any more */
	uint64_t unreachable; /* sends that found no store */
};

/* fleet_stats - the state of @f at @now_ms into @st. */
void fleet_stats(const struct fleet *f, int64_t now_ms, struct fleet_stats *st);

#endif /* FLEET_H */
