/*
 * ring.c - a growing queue of fixed-size elements (see ring.h).
 */
#include <stdlib.h>
#include <string.h>

#include "ring.h"
#include "xalloc.h"

void ring_init(struct ring *r, size_t esz)
{
	memset(r, 0, sizeof(*r));
	r->esz = esz;
}

void ring_free(struct ring *r)
{
	free(r->v);
	r->v = NULL;
	r->cap = r->len = r->head = 0;
}

void ring_push(struct ring *r, const void *e)
{
	if (r->len == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		char *v = xmalloc(cap * r->esz);
		for (size_t i = 0; i < r->len; i++)
			memcpy(v + i * r->esz,
			       r->v + ((r->head + i) % r->cap) * r->esz,
			       r->esz);
		free(r->v);
		r->v = v;
		r->cap = cap;
		r->head = 0;
	}
	memcpy(r->v + ((r->head + r->len) % r->cap) * r->esz, e, r->esz);
	r->len++;
}

void *ring_front(const struct ring *r)
{
	return r->len ? r->v + r->head * r->esz : NULL;
}

int ring_pop(struct ring *r, void *out)
{
	if (r->len == 0)
		return -1;
	if (out != NULL)
		memcpy(out, r->v + r->head * r->esz, r->esz);
	r->head = (r->head + 1) % r->cap;
	r->len--;
	return 0;
}
