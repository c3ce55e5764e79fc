/*
 * prom.h - the Prometheus text exposition format (version 0.0.4): a
 * growing buffer to write it into, HELP and TYPE lines, escaped label
 * values, and the counters, gauges and histograms the daemons keep.
 *
 * Counters, gauges and histograms are updated with relaxed atomics, so a
 * worker thread may count while the event loop's thread renders: every
 * value a scrape shows is whole, though the values are not all taken at
 * one instant (a histogram's _count is the sum of the buckets read, so
 * its buckets and count always agree).
 */
#ifndef PROM_H
#define PROM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* The Content-Type of the text format. */
#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* A growing text buffer; buf is malloc()ed and owned by its user. */
struct prom_buf {
	char *buf;
	size_t len, cap;
};

/* prom_init - an empty buffer (free(b->buf) releases it). */
void prom_init(struct prom_buf *b);

/* prom_put - append printf-style text. */
void prom_put(struct prom_buf *b, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/*
 * prom_head - the "# HELP" and "# TYPE" lines of metric family @name of
 * @type ("counter", "gauge", "histogram") saying @help.
 */
void prom_head(struct prom_buf *b, const char *name, const char *type,
               const char *help);

/* prom_one - a family of one sample @v without labels. */
void prom_one(struct prom_buf *b, const char *name, const char *type,
              const char *help, uint64_t v);

/*
 * prom_escape - @in as a label value (backslash, double quote and newline
 * escaped) into @out (@len bytes, at least 1; cut short when too long).
 * Returns @out.
 */
const char *prom_escape(const char *in, char *out, size_t len);

/* prom_inc - add one to counter @c. */
static inline void prom_inc(_Atomic uint64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* prom_add - add @n to counter @c. */
static inline void prom_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* prom_set - set gauge @g to @v. */
static inline void prom_set(_Atomic uint64_t *g, uint64_t v)
{
	atomic_store_explicit(g, v, memory_order_relaxed);
}

/* prom_get - the value of @c. */
static inline uint64_t prom_get(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

#define PROM_BUCKETS_MAX 16

/* A histogram of seconds with fixed upper bounds. */
struct prom_hist {
	const double *bounds; /* ascending upper bounds, static */
	size_t nbounds;       /* at most PROM_BUCKETS_MAX */
	_Atomic uint64_t count[PROM_BUCKETS_MAX + 1]; /* per bucket; +Inf */
	_Atomic uint64_t sum_us;                      /* microseconds */
};

/*
 * prom_hist_init - an empty histogram with the @n upper bounds @bounds
 * (ascending, static; @n at most PROM_BUCKETS_MAX).
 */
void prom_hist_init(struct prom_hist *h, const double *bounds, size_t n);

/* prom_hist_observe - count one observation of @seconds (below 0: 0). */
void prom_hist_observe(struct prom_hist *h, double seconds);

/*
 * prom_hist_render - the HELP, TYPE, _bucket, _sum and _count lines of
 * histogram @name.
 */
void prom_hist_render(struct prom_buf *b, const char *name, const char *help,
                      struct prom_hist *h);

#endif /* PROM_H */
