/*
 * compute.c - the next plan from health, configuration and the previous
 * plan: fail-open and the velocity limit.  See compute.h for the rules.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute.h"
#include "xalloc.h"

/* What compute_plan() works with. */
struct ctx {
	const struct region *r;
	const struct health *h;
	const struct plan *prev;
	const struct compute_rules *rules;
	struct compute_result *out;
};

static struct compute_note *note(struct ctx *c, enum compute_note_kind kind,
                                 const char *endpoint, const char *address,
                                 size_t lb)
{
	struct compute_result *o = c->out;
	if (o->nnotes == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 16;
		o->notes = xrealloc(o->notes, o->cap * sizeof(*o->notes));
	}
	struct compute_note *n = &o->notes[o->nnotes++];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->endpoint = xstrdup(endpoint);
	snprintf(n->address, sizeof(n->address), "%s", address ? address : "");
	n->lb = lb;
	return n;
}

static int addr_key_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct plan_addr *)elem)->address);
}

/* The address @address of the sorted endpoint @pe (may be NULL). */
static const struct plan_addr *find_addr(const struct plan_endpoint *pe,
                                         const char *address)
{
	if (pe == NULL || pe->naddrs == 0)
		return NULL;
	return bsearch(address, pe->addrs, pe->naddrs, sizeof(*pe->addrs),
	               addr_key_cmp);
}

static int addr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct plan_addr *)a)->address,
	              ((const struct plan_addr *)b)->address);
}

static void add(struct plan_endpoint *out, const char *address, uint32_t w)
{
	planstore_endpoint_add_addr(out, address, w);
}

/*
 * The velocity limit: of the previous addresses @out no longer has, put
 * back all but a share of the previous capacity.
 */
static void velocity(struct ctx *c, size_t e, const struct plan_endpoint *pe,
                     struct plan_endpoint *out)
{
	uint64_t cap = 0;
	size_t nremoved = 0;
	for (size_t i = 0; i < pe->naddrs; i++) {
		cap += pe->addrs[i].weight;
		nremoved += find_addr(out, pe->addrs[i].address) == NULL;
	}
	if (nremoved == 0)
		return;
	uint64_t budget = cap * c->rules->max_drop_pct / 100, taken = 0;
	/* Decide on every removal first: @out is searched, so it must stay
	 * sorted until the held ones are appended. */
	enum { STAYS, GOES, HELD } *fate = xcalloc(pe->naddrs, sizeof(*fate));
	size_t ngo = 0, smallest = SIZE_MAX;
	for (size_t i = 0; i < pe->naddrs; i++) {
		const struct plan_addr *a = &pe->addrs[i];
		if (find_addr(out, a->address) != NULL)
			continue;
		fate[i] = HELD;
		if (smallest == SIZE_MAX ||
		    a->weight < pe->addrs[smallest].weight)
			smallest = i;
		if (taken + a->weight <= budget) {
			fate[i] = GOES;
			taken += a->weight;
			ngo++;
		}
	}
	/* Always let one go, so that a removal finishes eventually. */
	if (ngo == 0)
		fate[smallest] = GOES;
	size_t before = out->naddrs;
	for (size_t i = 0; i < pe->naddrs; i++) {
		const struct plan_addr *a = &pe->addrs[i];
		if (fate[i] != HELD)
			continue;
		note(c, NOTE_HELD, pe->name, a->address,
		     region_find_lb(c->r, e, a->address));
		c->out->held = true;
		add(out, a->address, a->weight);
	}
	free(fate);
	if (out->naddrs != before)
		qsort(out->addrs, out->naddrs, sizeof(*out->addrs), addr_cmp);
}

/* Notes for the differences between @pe and @out (both sorted). */
static void diff(struct ctx *c, size_t e, const struct plan_endpoint *pe,
                 const struct plan_endpoint *out)
{
	size_t i = 0, j = 0;
	while (i < pe->naddrs || j < out->naddrs) {
		const struct plan_addr *a =
		        i < pe->naddrs ? &pe->addrs[i] : NULL;
		const struct plan_addr *b =
		        j < out->naddrs ? &out->addrs[j] : NULL;
		int cmp = a == NULL   ? 1
		          : b == NULL ? -1
		                      : strcmp(a->address, b->address);
		if (cmp < 0) {
			note(c, NOTE_REMOVED, pe->name, a->address,
			     region_find_lb(c->r, e, a->address));
			i++;
		} else if (cmp > 0) {
			note(c, NOTE_ADDED, pe->name, b->address,
			     region_find_lb(c->r, e, b->address));
			j++;
		} else {
			if (a->weight != b->weight) {
				struct compute_note *n = note(
				        c, NOTE_WEIGHT, pe->name, a->address,
				        region_find_lb(c->r, e, a->address));
				n->from = a->weight;
				n->to = b->weight;
			}
			i++;
			j++;
		}
	}
}

static void compute_endpoint(struct ctx *c, size_t e)
{
	const struct region *r = c->r;
	const struct region_endpoint *re = &r->endpoints[e];
	const struct plan_endpoint *pe =
	        c->prev ? planstore_plan_endpoint(c->prev, re->name) : NULL;
	struct plan_endpoint *out =
	        planstore_plan_add_endpoint(c->out->plan, re->name);
	for (size_t i = re->first; i < re->first + re->nlbs; i++) {
		const struct plan_addr *old;
		if (c->h[i].state == HEALTH_UP)
			add(out, r->lbs[i].address, r->lbs[i].weight);
		else if (c->h[i].state == HEALTH_UNKNOWN &&
		         (old = find_addr(pe, r->lbs[i].address)) != NULL)
			add(out, old->address, old->weight);
	}
	if (out->naddrs == 0 && c->rules->fail_open) {
		struct compute_note *n =
		        note(c, NOTE_FAIL_OPEN, re->name, NULL, SIZE_MAX);
		c->out->fail_open = true;
		if (pe != NULL && pe->naddrs > 0) {
			for (size_t i = 0; i < pe->naddrs; i++)
				add(out, pe->addrs[i].address,
				    pe->addrs[i].weight);
			n->from_earlier = true;
		} else {
			for (size_t i = re->first; i < re->first + re->nlbs;
			     i++)
				add(out, r->lbs[i].address, r->lbs[i].weight);
		}
		n->count = out->naddrs;
	} else if (out->naddrs == 0) {
		note(c, NOTE_EMPTY, re->name, NULL, SIZE_MAX);
		c->out->empty = true;
	} else if (pe != NULL && c->rules->velocity_limit) {
		velocity(c, e, pe, out);
	}
	if (pe != NULL) {
		diff(c, e, pe, out);
	} else if (c->prev != NULL) {
		struct compute_note *n =
		        note(c, NOTE_ENDPOINT_ADDED, re->name, NULL, SIZE_MAX);
		n->count = out->naddrs;
	}
}

static int note_cmp(const void *a, const void *b)
{
	const struct compute_note *x = a, *y = b;
	int cmp = strcmp(x->endpoint, y->endpoint);
	if (cmp != 0)
		return cmp;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return strcmp(x->address, y->address);
}

void compute_plan(const struct region *r, const struct health *h,
                  const struct plan *prev, const struct compute_rules *rules,
                  struct compute_result *out)
{
	memset(out, 0, sizeof(*out));
	out->plan = planstore_plan_new();
	struct ctx c = {r, h, prev, rules, out};
	for (size_t e = 0; e < r->nendpoints; e++)
		compute_endpoint(&c, e);
	for (size_t i = 0; prev != NULL && i < prev->nendpoints; i++) {
		const char *name = prev->endpoints[i].name;
		if (planstore_plan_endpoint(out->plan, name) == NULL)
			note(&c, NOTE_ENDPOINT_REMOVED, name, NULL, SIZE_MAX)
			        ->count = prev->endpoints[i].naddrs;
	}
	if (out->nnotes > 1)
		qsort(out->notes, out->nnotes, sizeof(*out->notes), note_cmp);
	out->changed = prev == NULL || !planstore_plan_same(out->plan, prev);
}

void compute_result_free(struct compute_result *res)
{
	for (size_t i = 0; i < res->nnotes; i++)
		free(res->notes[i].endpoint);
	free(res->notes);
	planstore_plan_free(res->plan);
	memset(res, 0, sizeof(*res));
}

/* ---- the log line ---- */

struct line {
	char *buf;
	size_t len, used;
	bool full;
};

static void put(struct line *l, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void put(struct line *l, const char *fmt, ...)
{
	if (l->full || l->used >= l->len)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(l->buf + l->used, l->len - l->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= l->len - l->used) {
		l->used = l->len - 1;
		l->full = true;
	} else {
		l->used += (size_t)n;
	}
}

/* The words after a note's address: why it happened. */
static void reason(const struct compute_note *n, const struct health *h,
                   const struct compute_rules *rules, char *buf, size_t len)
{
	const struct health *lh = n->lb != SIZE_MAX ? &h[n->lb] : NULL;
	switch (n->kind) {
	case NOTE_REMOVED:
		if (lh == NULL)
			snprintf(buf, len, "no longer configured");
		else
			snprintf(buf, len, "%s: %s",
			         health_state_name(lh->state), lh->why);
		break;
	case NOTE_ADDED:
		snprintf(buf, len, "%s",
		         lh && lh->state == HEALTH_UP ? "up" : "fail-open");
		break;
	case NOTE_WEIGHT:
		snprintf(buf, len, "weight %u -> %u", n->from, n->to);
		break;
	case NOTE_HELD:
		snprintf(buf, len,
		         "velocity limit: at most %u%% of the capacity per "
		         "generation",
		         rules->max_drop_pct);
		break;
	default:
		buf[0] = '\0';
		break;
	}
}

/* The text of a note that is about a whole endpoint. */
static void endpoint_note(struct line *l, const struct compute_note *n)
{
	switch (n->kind) {
	case NOTE_FAIL_OPEN:
		if (n->from_earlier)
			put(l,
			    "no load balancer up, fail-open keeps the %zu "
			    "addresses of the previous plan",
			    n->count);
		else
			put(l,
			    "no load balancer up, fail-open uses all %zu "
			    "of them",
			    n->count);
		break;
	case NOTE_EMPTY:
		put(l, "no load balancer up and fail-open off: NO ADDRESS");
		break;
	case NOTE_ENDPOINT_ADDED:
		put(l, "new endpoint with %zu addresses", n->count);
		break;
	case NOTE_ENDPOINT_REMOVED:
		put(l,
		    "endpoint no longer configured, its %zu addresses "
		    "dropped",
		    n->count);
		break;
	default:
		break;
	}
}

void compute_describe(const struct compute_result *res, const struct region *r,
                      const struct health *h, const struct compute_rules *rules,
                      char *buf, size_t len)
{
	(void)r;
	struct line l = {buf, len, 0, false};
	static const char prefix[] = {[NOTE_REMOVED] = '-',
	                              [NOTE_ADDED] = '+',
	                              [NOTE_WEIGHT] = '~',
	                              [NOTE_HELD] = '='};
	char why[192], next_why[192];
	buf[0] = '\0';
	if (res->nnotes == 0)
		put(&l, "no change");
	/* Keep room to say how much did not fit. */
	l.len = len > 64 ? len - 48 : len;
	size_t i = 0;
	for (; i < res->nnotes && !l.full; i++) {
		const struct compute_note *n = &res->notes[i];
		bool first = i == 0 || strcmp(res->notes[i - 1].endpoint,
		                              n->endpoint) != 0;
		if (first)
			put(&l, "%s%s: ", i ? "; " : "", n->endpoint);
		if (n->kind >= NOTE_FAIL_OPEN) {
			put(&l, "%s", first ? "" : ", ");
			endpoint_note(&l, n);
			continue;
		}
		reason(n, h, rules, why, sizeof(why));
		bool same_group = !first && res->notes[i - 1].kind == n->kind;
		if (same_group) {
			char prev_why[192];
			reason(&res->notes[i - 1], h, rules, prev_why,
			       sizeof(prev_why));
			same_group = strcmp(prev_why, why) == 0;
		}
		put(&l, "%s%c%s",
		    first        ? ""
		    : same_group ? " "
		                 : ", ",
		    prefix[n->kind], n->address);
		/* The reason once, after the last address that shares it. */
		bool last =
		        i + 1 == res->nnotes ||
		        strcmp(res->notes[i + 1].endpoint, n->endpoint) != 0 ||
		        res->notes[i + 1].kind != n->kind;
		if (!last) {
			reason(&res->notes[i + 1], h, rules, next_why,
			       sizeof(next_why));
			last = strcmp(next_why, why) != 0;
		}
		if (last)
			put(&l, " (%s)", why);
	}
	if (l.full) {
		l.full = false;
		l.len = len;
		put(&l, " ... %zu more", res->nnotes - i + 1);
	}
}
