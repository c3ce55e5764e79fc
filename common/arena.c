/*
 * arena.c - a bump allocator made of chained chunks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "xalloc.h"

#define ARENA_CHUNK (256 * 1024)
#define ARENA_ALIGN 8

struct chunk {
	struct chunk *next;
	size_t size, used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena {
	struct chunk *head;
	size_t total;
	size_t chunk; /* size of a regular chunk */
};

struct arena *arena_new(void)
{
	return arena_new_sized(ARENA_CHUNK);
}

struct arena *arena_new_sized(size_t chunk)
{
	struct arena *a = xcalloc(1, sizeof(struct arena));
	a->chunk = chunk < 256 ? 256 : chunk;
	return a;
}

void *arena_alloc(struct arena *a, size_t size)
{
	size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	struct chunk *c = a->head;
	if (c == NULL || c->size - c->used < size) {
		size_t csize = size > a->chunk / 4 ? size : a->chunk;
		c = xmalloc(sizeof(*c) + csize);
		c->size = csize;
		c->used = 0;
		if (size > a->chunk / 4 && a->head != NULL) {
			/* Keep filling the current chunk after a big one. */
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
		a->total += sizeof(*c) + csize;
	}
	void *p = c->data + c->used;
	c->used += size;
	return p;
}

void *arena_memdup(struct arena *a, const void *src, size_t size)
{
	void *p = arena_alloc(a, size);
	memcpy(p, src, size);
	return p;
}

size_t arena_used(const struct arena *a)
{
	return a->total;
}

void arena_free(struct arena *a)
{
	if (a == NULL)
		return;
	struct chunk *c = a->head;
	while (c != NULL) {
		struct chunk *next = c->next;
		free(c);
		c = next;
	}
	free(a);
}
