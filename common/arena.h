/*
 * arena.h - a bump allocator for data that lives and dies together.
 *
 * A zone snapshot allocates every node, name and record from one arena and
 * frees them all at once when the last reader lets the snapshot go, so
 * building and dropping a snapshot cost one free per chunk.
 */
#ifndef ARENA_H
#define ARENA_H

#include <stddef.h>

struct arena;

/* arena_new - create an empty arena; free it with arena_free(). */
struct arena *arena_new(void);

/*
 * arena_new_sized - an arena whose chunks are @chunk bytes (for arenas
 * that stay small).
 */
struct arena *arena_new_sized(size_t chunk);

/*
 * arena_alloc - @size bytes aligned for any type, owned by the arena.
 * Aborts on allocation failure.
 */
void *arena_alloc(struct arena *a, size_t size);

/* arena_memdup - copy @size bytes of @src into the arena. */
void *arena_memdup(struct arena *a, const void *src, size_t size);

/* arena_used - bytes handed out plus chunk overhead, for statistics. */
size_t arena_used(const struct arena *a);

/* arena_free - release the arena and everything allocated from it. */
void arena_free(struct arena *a);

#endif /* ARENA_H */
