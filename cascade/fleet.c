/*
 * fleet.c - the lease manager's work queue and its two modes (see
 * fleet.h).
 *
 * An item is one host's piece of work; it lives in exactly one place:
 * the queue (a ring, first in first out), the retry heap (by the time
 * its delay ends), or a worker slot while its requests are out.  A
 * request's number carries the slot it was sent from, so an answer
 * finds its item, or finds that the item moved on (timed out, failed)
 * and is wasted.
 */
#include <stdlib.h>
#include <string.h>

#include "fleet.h"
#include "ring.h"
#include "xalloc.h"

#define SLOT_BITS       16
#define SLOT_MASK       ((1u << SLOT_BITS) - 1)
#define ESTABLISH_STEPS 3

struct item {
	uint32_t host;
	uint32_t step, nsteps; /* next request; 1 (renew) or 3 */
	uint32_t attempts;     /* retries so far */
	int64_t started_ms, deadline_ms, not_before_ms;
	uint64_t req; /* the request out, while in a slot */
};

struct host {
	int64_t expiry_ms;     /* of its lease; 0: none yet */
	int64_t next_check_ms; /* when it next asks for work */
	uint32_t pending;      /* its items waiting or running */
};

struct fleet {
	struct fleet_params p;
	struct fleet_io io;
	struct host *hosts;
	struct ring queue; /* of struct item * */
	/* the retries, a min-heap by not_before_ms */
	struct item **heap;
	size_t hlen, hcap;
	/* the workers */
	struct item **slots;
	size_t nslots, busy;
	long workers, queue_limit;
	uint64_t seq;
	/* the retry budget */
	double tokens;
	int64_t tokens_ms;
	uint64_t rng;
	struct fleet_stats st;
};

const char *fleet_op_name(enum fleet_op op)
{
	static const char *const names[] = {"RENEW", "READ", "WRITE",
	                                    "CONFIRM"};
	return names[op];
}

static uint64_t rnd(struct fleet *f)
{
	/* xorshift64*: jitter needs no more. */
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return f->rng * 2685821657736338717ull;
}

/* A uniform value in [lo, hi]. */
static int64_t jitter(struct fleet *f, int64_t lo, int64_t hi)
{
	if (hi <= lo)
		return lo;
	return lo + (int64_t)(rnd(f) % (uint64_t)(hi - lo + 1));
}

struct fleet *fleet_new(const struct fleet_params *p, const struct fleet_io *io,
                        int64_t now_ms)
{
	struct fleet *f = xcalloc(1, sizeof(*f));
	f->p = *p;
	f->io = *io;
	f->rng = p->seed ? p->seed : 0x9e3779b97f4a7c15ull;
	f->hosts = xcalloc((size_t)p->hosts, sizeof(*f->hosts));
	for (long i = 0; i < p->hosts; i++)
		f->hosts[i].next_check_ms = now_ms + p->ramp_ms * i / p->hosts;
	ring_init(&f->queue, sizeof(struct item *));
	f->hcap = 1024;
	f->heap = xcalloc(f->hcap, sizeof(*f->heap));
	f->nslots = (size_t)p->workers;
	f->slots = xcalloc(f->nslots, sizeof(*f->slots));
	f->workers = p->workers;
	f->queue_limit = p->mode == FLEET_PROTECTED ? p->queue_limit : 0;
	f->tokens = (double)p->retry_burst;
	f->tokens_ms = now_ms;
	f->st.hosts = (uint64_t)p->hosts;
	return f;
}

void fleet_free(struct fleet *f)
{
	if (f == NULL)
		return;
	struct item *it;
	while (ring_pop(&f->queue, &it) == 0)
		free(it);
	for (size_t i = 0; i < f->hlen; i++)
		free(f->heap[i]);
	for (size_t i = 0; i < f->nslots; i++)
		free(f->slots[i]);
	ring_free(&f->queue);
	free(f->heap);
	free(f->slots);
	free(f->hosts);
	free(f);
}

/* ---- the queue and the retry heap ---- */

static void queue_push(struct fleet *f, struct item *it)
{
	ring_push(&f->queue, &it);
}

static struct item *queue_pop(struct fleet *f)
{
	struct item *it = NULL;
	ring_pop(&f->queue, &it);
	return it;
}

static void heap_swap(struct fleet *f, size_t a, size_t b)
{
	struct item *t = f->heap[a];
	f->heap[a] = f->heap[b];
	f->heap[b] = t;
}

static void heap_push(struct fleet *f, struct item *it)
{
	if (f->hlen == f->hcap) {
		f->hcap *= 2;
		f->heap = xrealloc(f->heap, f->hcap * sizeof(*f->heap));
	}
	size_t i = f->hlen++;
	f->heap[i] = it;
	while (i > 0 && f->heap[(i - 1) / 2]->not_before_ms >
	                        f->heap[i]->not_before_ms) {
		heap_swap(f, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static struct item *heap_pop(struct fleet *f)
{
	struct item *top = f->heap[0];
	f->heap[0] = f->heap[--f->hlen];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < f->hlen &&
		    f->heap[l]->not_before_ms < f->heap[m]->not_before_ms)
			m = l;
		if (r < f->hlen &&
		    f->heap[r]->not_before_ms < f->heap[m]->not_before_ms)
			m = r;
		if (m == i)
			break;
		heap_swap(f, i, m);
		i = m;
	}
	return top;
}

/* ---- items ---- */

static bool leased(const struct host *h, int64_t now_ms)
{
	return h->expiry_ms > now_ms;
}

/* The item is gone for good: its host may ask again. */
static void item_end(struct fleet *f, struct item *it)
{
	f->hosts[it->host].pending--;
	free(it);
}

static bool take_token(struct fleet *f, int64_t now_ms)
{
	f->tokens += (double)(now_ms - f->tokens_ms) * (double)f->p.retry_rate /
	             1000.0;
	f->tokens_ms = now_ms;
	if (f->tokens > (double)f->p.retry_burst)
		f->tokens = (double)f->p.retry_burst;
	if (f->tokens < 1.0)
		return false;
	f->tokens -= 1.0;
	return true;
}

/*
 * An item failed (no store, busy, late, timed out): unprotected, again
 * after retry-ms, for ever; protected, again after a jittered backoff if
 * its deadline allows and the budget has a token, else dropped (its
 * host asks again at its next check).
 */
static void item_failed(struct fleet *f, struct item *it, int64_t now_ms)
{
	f->st.failures++;
	if (f->p.mode == FLEET_UNPROTECTED) {
		it->not_before_ms = now_ms + f->p.retry_ms;
		f->st.retries++;
		heap_push(f, it);
		return;
	}
	struct host *h = &f->hosts[it->host];
	if (now_ms >= it->deadline_ms || !take_token(f, now_ms)) {
		f->st.dropped++;
		h->next_check_ms = now_ms + jitter(f, 0, f->p.stagger_ms);
		item_end(f, it);
		return;
	}
	/* Capped exponential backoff, full jitter. */
	int64_t cap = f->p.backoff_base_ms;
	for (uint32_t a = 0; a < it->attempts && cap < f->p.backoff_max_ms; a++)
		cap *= 2;
	if (cap > f->p.backoff_max_ms)
		cap = f->p.backoff_max_ms;
	it->attempts++;
	it->not_before_ms = now_ms + jitter(f, f->p.backoff_base_ms, cap);
	f->st.retries++;
	heap_push(f, it);
}

/* Send the item's next request from slot @slot. */
static bool item_send(struct fleet *f, struct item *it, size_t slot)
{
	enum fleet_op op = it->nsteps == 1
	                           ? FLEET_RENEW
	                           : (enum fleet_op)(FLEET_READ + it->step);
	int64_t deadline = 0;
	if (f->p.mode == FLEET_PROTECTED)
		deadline = it->started_ms + f->p.item_timeout_ms;
	it->req = (++f->seq << SLOT_BITS) | slot;
	if (f->io.send(f->io.arg, it->req, op, it->host, deadline) != 0) {
		f->st.unreachable++;
		return false;
	}
	f->st.requests++;
	return true;
}

/* Take @it out of its slot. */
static void slot_clear(struct fleet *f, struct item *it)
{
	f->slots[it->req & SLOT_MASK] = NULL;
	f->busy--;
}

/* Start @it in a free slot: a renewal if its host holds a lease, else
 * the three requests of an establishment. */
static void item_start(struct fleet *f, struct item *it, int64_t now_ms)
{
	size_t slot = 0;
	while (f->slots[slot] != NULL)
		slot++;
	it->nsteps = leased(&f->hosts[it->host], now_ms) ? 1 : ESTABLISH_STEPS;
	it->step = 0;
	it->started_ms = now_ms;
	f->slots[slot] = it;
	f->busy++;
	if (!item_send(f, it, slot)) {
		slot_clear(f, it);
		item_failed(f, it, now_ms);
	}
}

/* ---- the tick ---- */

/* Host @i is due: admit its work, or not. */
static void host_due(struct fleet *f, uint32_t i, int64_t now_ms)
{
	struct host *h = &f->hosts[i];
	bool prot = f->p.mode == FLEET_PROTECTED;
	h->next_check_ms = now_ms + f->p.renew_ms;
	if (prot && h->pending > 0)
		return;
	if (f->queue_limit > 0 &&
	    f->queue.len + f->busy >= (size_t)f->queue_limit) {
		/* Not admitted: ask again soon, spread out. */
		f->st.shed++;
		if (prot)
			h->next_check_ms =
			        now_ms + jitter(f, f->p.backoff_base_ms,
			                        f->p.stagger_ms);
		return;
	}
	struct item *it = xcalloc(1, sizeof(*it));
	it->host = i;
	it->deadline_ms =
	        prot ? (leased(h, now_ms) ? h->expiry_ms
	                                  : now_ms + f->p.item_timeout_ms)
	             : 0;
	h->pending++;
	queue_push(f, it);
}

static void schedule(struct fleet *f, int64_t now_ms)
{
	for (long i = 0; i < f->p.hosts; i++) {
		struct host *h = &f->hosts[i];
		if (h->next_check_ms > now_ms)
			continue;
		/*
		 * Protected: a lease that lapsed is re-established at a
		 * random moment of the stagger window, not with the rest of
		 * the fleet.
		 */
		if (f->p.mode == FLEET_PROTECTED && h->expiry_ms > 0 &&
		    !leased(h, now_ms) && h->pending == 0) {
			int64_t at =
			        h->expiry_ms + jitter(f, 0, f->p.stagger_ms);
			h->expiry_ms = 0;
			if (at > now_ms) {
				h->next_check_ms = at;
				continue;
			}
		}
		host_due(f, (uint32_t)i, now_ms);
	}
}

static void time_out(struct fleet *f, int64_t now_ms)
{
	for (size_t s = 0; s < f->nslots; s++) {
		struct item *it = f->slots[s];
		if (it == NULL ||
		    now_ms - it->started_ms < f->p.item_timeout_ms)
			continue;
		/* Its request stays with the store: nobody withdraws it. */
		f->st.timeouts++;
		slot_clear(f, it);
		item_failed(f, it, now_ms);
	}
}

void fleet_tick(struct fleet *f, int64_t now_ms)
{
	schedule(f, now_ms);
	while (f->hlen > 0 && f->heap[0]->not_before_ms <= now_ms)
		queue_push(f, heap_pop(f));
	time_out(f, now_ms);
	while (f->busy < (size_t)f->workers && f->queue.len > 0) {
		struct item *it = queue_pop(f);
		if (f->p.mode == FLEET_PROTECTED && now_ms >= it->deadline_ms) {
			/* Nobody waits for it any more. */
			f->st.dropped++;
			item_end(f, it);
			continue;
		}
		item_start(f, it, now_ms);
	}
}

void fleet_reply(struct fleet *f, uint64_t req, bool ok, int64_t now_ms)
{
	size_t slot = req & SLOT_MASK;
	struct item *it = slot < f->nslots ? f->slots[slot] : NULL;
	if (it == NULL || it->req != req) {
		f->st.wasted++;
		return;
	}
	if (!ok) {
		slot_clear(f, it);
		item_failed(f, it, now_ms);
		return;
	}
	if (++it->step < it->nsteps) {
		if (!item_send(f, it, slot)) {
			slot_clear(f, it);
			item_failed(f, it, now_ms);
		}
		return;
	}
	struct host *h = &f->hosts[it->host];
	h->expiry_ms = now_ms + f->p.lease_ms;
	h->next_check_ms = now_ms + f->p.renew_ms;
	f->st.completed++;
	if (it->nsteps == 1)
		f->st.renewed++;
	slot_clear(f, it);
	item_end(f, it);
}

void fleet_throttle(struct fleet *f, long workers, long queue_limit)
{
	struct item *it;
	while ((it = queue_pop(f)) != NULL)
		item_end(f, it);
	while (f->hlen > 0)
		item_end(f, heap_pop(f));
	if ((size_t)workers < f->nslots)
		f->workers = workers;
	f->queue_limit = queue_limit;
}

void fleet_stats(const struct fleet *f, int64_t now_ms, struct fleet_stats *st)
{
	*st = f->st;
	st->leased = 0;
	for (long i = 0; i < f->p.hosts; i++)
		if (leased(&f->hosts[i], now_ms))
			st->leased++;
	st->queued = f->queue.len;
	st->delayed = f->hlen;
	st->in_flight = f->busy;
}
