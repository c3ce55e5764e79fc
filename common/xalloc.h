/*
 * xalloc.h - allocation wrappers that abort on failure.
 *
 * The daemons cannot do anything sensible when malloc fails, so every
 * allocation goes through these wrappers, which log and abort.  The caller
 * owns the returned memory and releases it with free().
 */
#ifndef XALLOC_H
#define XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/*
 * xasprintf - printf into a newly allocated string, owned by the caller.
 */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* XALLOC_H */
