/*
 * prom.c - writing the Prometheus text format (see prom.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "prom.h"
#include "xalloc.h"

void prom_init(struct prom_buf *b)
{
	b->cap = 4096;
	b->len = 0;
	b->buf = xmalloc(b->cap);
	b->buf[0] = '\0';
}

void prom_put(struct prom_buf *b, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap = b->cap * 2 + (n > 0 ? (size_t)n : 0);
		b->buf = xrealloc(b->buf, b->cap);
	}
}

void prom_head(struct prom_buf *b, const char *name, const char *type,
               const char *help)
{
	prom_put(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void prom_one(struct prom_buf *b, const char *name, const char *type,
              const char *help, uint64_t v)
{
	prom_head(b, name, type, help);
	prom_put(b, "%s %llu\n", name, (unsigned long long)v);
}

const char *prom_escape(const char *in, char *out, size_t len)
{
	size_t o = 0;
	for (; *in != '\0'; in++) {
		const char *rep = *in == '\\'   ? "\\\\"
		                  : *in == '"'  ? "\\\""
		                  : *in == '\n' ? "\\n"
		                                : NULL;
		size_t n = rep ? 2 : 1;
		if (o + n >= len)
			break;
		if (rep != NULL)
			memcpy(out + o, rep, 2);
		else
			out[o] = *in;
		o += n;
	}
	out[o] = '\0';
	return out;
}

void prom_hist_init(struct prom_hist *h, const double *bounds, size_t n)
{
	memset(h, 0, sizeof(*h));
	h->bounds = bounds;
	h->nbounds = n < PROM_BUCKETS_MAX ? n : PROM_BUCKETS_MAX;
}

void prom_hist_observe(struct prom_hist *h, double seconds)
{
	if (!(seconds > 0))
		seconds = 0;
	size_t i = 0;
	while (i < h->nbounds && seconds > h->bounds[i])
		i++;
	prom_inc(&h->count[i]);
	prom_add(&h->sum_us, (uint64_t)(seconds * 1e6 + 0.5));
}

void prom_hist_render(struct prom_buf *b, const char *name, const char *help,
                      struct prom_hist *h)
{
	prom_head(b, name, "histogram", help);
	uint64_t cum = 0;
	for (size_t i = 0; i <= h->nbounds; i++) {
		cum += prom_get(&h->count[i]);
		if (i < h->nbounds)
			prom_put(b, "%s_bucket{le=\"%g\"} %llu\n", name,
			         h->bounds[i], (unsigned long long)cum);
		else
			prom_put(b, "%s_bucket{le=\"+Inf\"} %llu\n", name,
			         (unsigned long long)cum);
	}
	prom_put(b, "%s_sum %.6f\n%s_count %llu\n", name,
	         (double)prom_get(&h->sum_us) / 1e6, name,
	         (unsigned long long)cum);
}
