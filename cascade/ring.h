/*
 * ring.h - a queue, first in first out, of fixed-size elements that
 * grows as needed: the lease store's waiting line and the lease
 * manager's work queue.
 */
#ifndef RING_H
#define RING_H

#include <stddef.h>

struct ring {
	char *v;    /* cap elements of esz bytes; owned */
	size_t esz; /* the size of one element */
	size_t cap, head, len;
};

/* ring_init - an empty ring of @esz-byte elements (ring_free() it). */
void ring_init(struct ring *r, size_t esz);

/* ring_free - release the ring's memory (not what elements point to). */
void ring_free(struct ring *r);

/* ring_push - copy @e (esz bytes) to the back. */
void ring_push(struct ring *r, const void *e);

/* ring_front - the front element, in place, or NULL when empty. */
void *ring_front(const struct ring *r);

/* ring_pop - copy the front element to @out (if not NULL) and remove it.
 * Returns 0, or -1 when the ring is empty. */
int ring_pop(struct ring *r, void *out);

#endif /* RING_H */
