/*
 * guard.c - the invariant guard and the generation fence: what an update
 * may not do to a guarded endpoint, checked on the zone edit before and
 * after the update, and the index that lets an update read only the
 * rules it can touch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "guard.h"
#include "log.h"
#include "wire.h"
#include "xalloc.h"

#define MAX_CHAIN 8 /* CNAME hops followed to count an endpoint's addresses */

/* The zone state a guard index describes: a zone at a serial. */
struct guard_tag {
	uint8_t apex[DNAME_MAXLEN];
	size_t apexlen;
	uint32_t serial;
};

struct guard_index {
	bool built;
	size_t *slots; /* hash of rule names: rule index + 1, 0 when empty */
	size_t nslots;
	size_t *next; /* the next rule of the same name: index + 1, or 0 */
	bool *far;    /* its chain left its subtree when last read */
	bool *cand;   /* scratch: this update reads the rule */
	struct guard_tag *tags;
	size_t ntags;
};

int guard_parse(struct guard *g, const char *text)
{
	struct guard_rule r;
	memset(&r, 0, sizeof(r));
	char name[1024];
	const char *eq = strchr(text, '=');
	size_t n = eq ? (size_t)(eq - text) : strlen(text);
	if (n == 0 || n >= sizeof(name))
		return -1;
	memcpy(name, text, n);
	name[n] = '\0';
	int wl = dname_from_str(name, r.name);
	if (wl < 0)
		return -1;
	r.namelen = (size_t)wl;
	r.min_addresses = 1;
	if (eq != NULL) {
		char *end;
		long m = strtol(eq + 1, &end, 10);
		if (*end != '\0' || m < 1 || m > 1000)
			return -1;
		r.min_addresses = (unsigned)m;
	}
	g->rules = xrealloc(g->rules, (g->n + 1) * sizeof(*g->rules));
	g->rules[g->n++] = r;
	if (g->ix == NULL)
		g->ix = xcalloc(1, sizeof(*g->ix));
	g->ix->built = false; /* a new rule: build again */
	return 0;
}

static void index_clear(struct guard_index *ix)
{
	free(ix->slots);
	free(ix->next);
	free(ix->far);
	free(ix->cand);
	free(ix->tags);
	memset(ix, 0, sizeof(*ix));
}

void guard_forget(struct guard *g)
{
	if (g->ix != NULL)
		g->ix->ntags = 0;
}

int guard_add_override(struct guard *g, const char *keyname)
{
	uint8_t w[DNAME_MAXLEN];
	int wl = dname_from_str(keyname, w);
	if (wl < 0)
		return -1;
	g->override = xrealloc(g->override,
	                       (g->noverride + 1) * sizeof(*g->override));
	memcpy(g->override[g->noverride].name, w, (size_t)wl);
	g->override[g->noverride++].namelen = (size_t)wl;
	return 0;
}

bool guard_may_lower(const struct guard *g, const uint8_t *keyname, size_t len)
{
	for (size_t i = 0; keyname != NULL && i < g->noverride; i++) {
		if (dname_equal(g->override[i].name, g->override[i].namelen,
		                keyname, len))
			return true;
	}
	return false;
}

void guard_free(struct guard *g)
{
	failover_free(&g->failover);
	free(g->override);
	g->override = NULL;
	g->noverride = 0;
	free(g->rules);
	g->rules = NULL;
	g->n = 0;
	if (g->ix != NULL)
		index_clear(g->ix);
	free(g->ix);
	g->ix = NULL;
}

unsigned guard_count_addresses(const struct zone_edit *e,
                               const struct zone_node *apex,
                               const uint8_t *name, size_t len, bool *far)
{
	uint8_t cur[DNAME_MAXLEN];
	memcpy(cur, name, len);
	size_t curlen = len;
	for (int hop = 0; hop < MAX_CHAIN; hop++) {
		if (!dname_is_sub(cur, curlen, name, len))
			*far = true;
		struct zone_rrset rs;
		if (zone_edit_get(e, cur, curlen, RR_TYPE_CNAME, &rs)) {
			const uint8_t *t = rs.rdata + 2;
			int tl = dname_length(t, rd16(rs.rdata));
			if (tl < 0)
				return 0;
			if (!dname_is_sub(t, (size_t)tl, apex->name,
			                  apex->namelen)) {
				*far = true;
				return UINT32_MAX; /* beyond what we can see */
			}
			memcpy(cur, t, (size_t)tl);
			curlen = (size_t)tl;
			continue;
		}
		unsigned n = 0;
		if (zone_edit_get(e, cur, curlen, RR_TYPE_A, &rs))
			n += rs.count;
		if (zone_edit_get(e, cur, curlen, RR_TYPE_AAAA, &rs))
			n += rs.count;
		return n;
	}
	*far = true;
	return 0; /* a loop or a chain too long resolves to nothing */
}

/* The @type RRset of "@label.@name" in @e into *@rs: false when none. */
static bool companion(const struct zone_edit *e, const char *label,
                      const uint8_t *name, size_t len, uint16_t type,
                      struct zone_rrset *rs)
{
	uint8_t n[DNAME_MAXLEN];
	size_t nl = dname_prepend(label, name, len, n);
	return nl != 0 && zone_edit_get(e, n, nl, type, rs);
}

/*
 * The generation in the marker of @name: 1 and *@gen when present and
 * well formed, 0 when absent, -1 when malformed (a hand edit: several
 * records, or not a number), with *@gen the highest generation among its
 * records (0: none), which the fence keeps it at.
 */
static int read_marker(const struct zone_edit *e, const uint8_t *name,
                       size_t len, uint64_t *gen)
{
	struct zone_rrset rs;
	if (!companion(e, GUARD_MARKER_LABEL, name, len, RR_TYPE_TXT, &rs))
		return 0;
	const uint8_t *p = rs.rdata;
	size_t good = 0;
	*gen = 0;
	for (size_t i = 0; i < rs.count; i++) {
		size_t rdlen = rd16(p);
		const uint8_t *t = p + 2;
		uint64_t g = 0;
		if (rdlen >= 2 && t[0] == rdlen - 1 &&
		    plan_gen_parse(t + 1, t[0], &g) == 0) {
			good++;
			if (g > *gen)
				*gen = g;
		}
		p += 2 + rdlen;
	}
	return rs.count == 1 && good == 1 ? 1 : -1;
}

/*
 * The rollback record "_rollback.NAME" CNAME of @name: 0 when there is
 * none, 1 when its target answers an address inside the zone, -1 when it
 * answers none (it points at nothing).  *@far when the target is not
 * under @name: an update of another subtree can change it.
 */
static int read_rollback(const struct zone_edit *e,
                         const struct zone_node *apex, const uint8_t *name,
                         size_t len, bool *far)
{
	struct zone_rrset rs;
	if (!companion(e, LABEL_ROLLBACK, name, len, RR_TYPE_CNAME, &rs))
		return 0;
	const uint8_t *t = rs.rdata + 2;
	int tl = dname_length(t, rd16(rs.rdata));
	if (tl < 0)
		return -1;
	if (!dname_is_sub(t, (size_t)tl, name, len))
		*far = true;
	bool chain_far = false;
	return guard_count_addresses(e, apex, t, (size_t)tl, &chain_far) > 0
	               ? 1
	               : -1;
}

/* Read the rules @which[0..n) into @s (same order). */
static void guard_read(const struct zone_edit *e, const struct guard *g,
                       const struct zone_node *apex, const size_t *which,
                       size_t n, struct guard_state *s)
{
	for (size_t k = 0; k < n; k++) {
		const struct guard_rule *r = &g->rules[which[k]];
		memset(&s[k], 0, sizeof(s[k]));
		if (!dname_is_sub(r->name, r->namelen, apex->name,
		                  apex->namelen)) {
			s[k].marker = -2; /* another zone */
			continue;
		}
		s[k].addrs = guard_count_addresses(e, apex, r->name, r->namelen,
		                                   &s[k].far);
		s[k].marker = read_marker(e, r->name, r->namelen, &s[k].gen);
		s[k].rollback =
		        read_rollback(e, apex, r->name, r->namelen, &s[k].far);
	}
}

/* Compare before and after; on a violation say why in @text. */
static enum guard_verdict
guard_check(const struct guard *g, const size_t *which, size_t n,
            const struct guard_state *pre, const struct guard_state *post,
            bool may_lower, char *text, size_t textlen)
{
	char nb[1024];
	for (size_t k = 0; k < n; k++) {
		const struct guard_rule *r = &g->rules[which[k]];
		if (pre[k].marker == -2)
			continue;
		dname_to_str(r->name, nb, sizeof(nb));
		/* Refuse a loss below the minimum; a name already below it
		 * may still be repaired by any update. */
		if (post[k].addrs < r->min_addresses &&
		    post[k].addrs < pre[k].addrs) {
			snprintf(text, textlen,
			         "guard: update would leave %s with %u "
			         "addresses (minimum %u)",
			         nb, post[k].addrs, r->min_addresses);
			return GUARD_TOO_FEW;
		}
		if (may_lower && pre[k].marker == 1 && post[k].marker == 1 &&
		    post[k].gen < pre[k].gen) {
			/* The operator's sanctioned way past a marker no
			 * store will reach: said, not refused. */
			snprintf(text, textlen,
			         "fence-override: generation marker of %s "
			         "lowered from %llu to %llu",
			         nb, (unsigned long long)pre[k].gen,
			         (unsigned long long)post[k].gen);
			continue;
		}
		/* A sound marker may only rise.  A malformed one (a hand
		 * edit) fences at the highest generation it holds: an update
		 * may repair it at or above that, not lower or remove it,
		 * and may leave it as it is (an update of another name). */
		bool sound = pre[k].marker == 1;
		bool fenced = sound || (!may_lower && pre[k].marker == -1 &&
		                        pre[k].gen > 0);
		if (fenced &&
		    (post[k].marker == 0 || (sound && post[k].marker == -1) ||
		     (post[k].marker == 1 && post[k].gen < pre[k].gen))) {
			const char *held =
			        sound ? ""
			              : " (the highest its malformed "
			                "marker holds)";
			if (post[k].marker == 1)
				snprintf(text, textlen,
				         "fence: update would move %s back "
				         "from generation %llu%s to %llu",
				         nb, (unsigned long long)pre[k].gen,
				         held, (unsigned long long)post[k].gen);
			else
				snprintf(text, textlen,
				         "fence: update would %s the "
				         "generation marker of %s (at %llu%s)",
				         post[k].marker == 0 ? "remove"
				                             : "corrupt",
				         nb, (unsigned long long)pre[k].gen,
				         held);
			return GUARD_FENCE;
		}
		/* The rollback record may not be made to point at nothing
		 * (a name that answers no address): not by pointing it there,
		 * nor by deleting what it points at.  One that already does
		 * (a hand edit) blocks no other update, and any may repair
		 * it. */
		if (post[k].rollback == -1 && pre[k].rollback != -1) {
			snprintf(
			        text, textlen,
			        "guard: update would leave the rollback record "
			        "of %s pointing at a name with no address",
			        nb);
			return GUARD_ROLLBACK;
		}
		/* Only an update that makes a marker malformed is refused:
		 * one already malformed (a hand edit) does not block updates
		 * of other names, and any update may repair it. */
		if (pre[k].marker == 0 && post[k].marker == -1) {
			snprintf(text, textlen,
			         "fence: malformed generation marker for %s",
			         nb);
			return GUARD_FENCE;
		}
	}
	return GUARD_PASS;
}

/* The slot of @name in the hash: holding its first rule, or empty. */
static size_t *index_slot(const struct guard *g, const struct guard_index *ix,
                          const uint8_t *name, size_t len)
{
	size_t h = dname_hash(name, len) & (ix->nslots - 1);
	for (;; h = (h + 1) & (ix->nslots - 1)) {
		size_t v = ix->slots[h];
		if (v == 0 || dname_equal(g->rules[v - 1].name,
		                          g->rules[v - 1].namelen, name, len))
			return &ix->slots[h];
	}
}

static void index_build(const struct guard *g, struct guard_index *ix)
{
	index_clear(ix);
	ix->nslots = 16;
	while (ix->nslots < 2 * g->n)
		ix->nslots *= 2;
	ix->slots = xcalloc(ix->nslots, sizeof(*ix->slots));
	ix->next = xcalloc(g->n + 1, sizeof(*ix->next));
	ix->far = xcalloc(g->n + 1, sizeof(*ix->far));
	ix->cand = xcalloc(g->n + 1, sizeof(*ix->cand));
	for (size_t i = 0; i < g->n; i++) {
		const struct guard_rule *r = &g->rules[i];
		size_t *p = index_slot(g, ix, r->name, r->namelen);
		/* Rules of the same name: chained behind the first. */
		while (*p != 0)
			p = &ix->next[*p - 1];
		*p = i + 1;
	}
	ix->built = true;
}

/* Mark the rules named @name as candidates. */
static void index_mark(const struct guard *g, struct guard_index *ix,
                       const uint8_t *name, size_t len)
{
	for (size_t v = *index_slot(g, ix, name, len); v != 0;
	     v = ix->next[v - 1])
		ix->cand[v - 1] = true;
}

static struct guard_tag *index_tag(struct guard_index *ix,
                                   const struct zone_node *apex, bool add)
{
	for (size_t i = 0; i < ix->ntags; i++)
		if (dname_equal(ix->tags[i].apex, ix->tags[i].apexlen,
		                apex->name, apex->namelen))
			return &ix->tags[i];
	if (!add)
		return NULL;
	ix->tags = xrealloc(ix->tags, (ix->ntags + 1) * sizeof(*ix->tags));
	struct guard_tag *t = &ix->tags[ix->ntags++];
	memcpy(t->apex, apex->name, apex->namelen);
	t->apexlen = apex->namelen;
	return t;
}

/*
 * The rules this update must read, into @which (g->n entries): every rule
 * of the zone when the index does not describe the zone as it is now,
 * else those named at or above an owner name of the update section and
 * those with a chain out of their subtree.
 */
static size_t guard_select(const struct guard *g, const struct zone_edit *e,
                           const struct zone_node *apex, guard_owner_fn next,
                           void *arg, size_t *which)
{
	struct guard_index *ix = g->ix;
	if (ix == NULL) { /* rules set by hand: read them all */
		for (size_t i = 0; i < g->n; i++)
			which[i] = i;
		return g->n;
	}
	if (!ix->built)
		index_build(g, ix);
	uint32_t serial = 0;
	const struct guard_tag *t = index_tag(ix, apex, false);
	bool all = !zone_edit_serial(e, &serial) || t == NULL ||
	           t->serial != serial;
	memset(ix->cand, 0, g->n * sizeof(*ix->cand));
	const uint8_t *n;
	size_t nl;
	int more;
	while (!all && (more = next(arg, &n, &nl)) != 0) {
		if (more < 0) {
			all = true;
			break;
		}
		/* The owner and each of its ancestors down to the apex. */
		while (nl >= apex->namelen) {
			index_mark(g, ix, n, nl);
			if (nl == apex->namelen || n[0] == 0)
				break;
			nl -= (size_t)n[0] + 1;
			n += n[0] + 1;
		}
	}
	size_t k = 0;
	for (size_t i = 0; i < g->n; i++)
		if (all || ix->cand[i] || ix->far[i])
			which[k++] = i;
	return k;
}

/* Remember what this update read, and the zone's serial now. */
static void guard_remember(const struct guard *g, const struct zone_edit *e,
                           const struct zone_node *apex, const size_t *which,
                           size_t n, const struct guard_state *pre,
                           const struct guard_state *post, bool have_post)
{
	struct guard_index *ix = g->ix;
	if (ix == NULL || !ix->built)
		return;
	for (size_t k = 0; k < n; k++)
		ix->far[which[k]] = pre[k].far || (have_post && post[k].far);
	/* Without a serial the next update reads every rule anyway. */
	uint32_t serial;
	if (zone_edit_serial(e, &serial))
		index_tag(ix, apex, true)->serial = serial;
}

/*
 * Call @fn(@arg, rule) for every rule of @g in the zone @z whose name
 * answers no address there (the notion failover.c acts on).  Returns how
 * many there were.
 */
static size_t each_empty(const struct guard *g, const struct zone *z,
                         void (*fn)(void *arg, const struct guard_rule *r),
                         void *arg)
{
	const struct zone_node *apex = zone_apex(z);
	struct zone_edit *e = NULL;
	size_t n = 0;
	for (size_t i = 0; i < g->n; i++) {
		const struct guard_rule *r = &g->rules[i];
		if (!dname_is_sub(r->name, r->namelen, apex->name,
		                  apex->namelen))
			continue;
		if (e == NULL)
			e = zone_edit_new(z);
		bool far = false;
		if (guard_count_addresses(e, apex, r->name, r->namelen, &far) >
		    0)
			continue;
		fn(arg, r);
		n++;
	}
	zone_edit_free(e);
	return n;
}

/* Does @g answer its empty endpoints SERVFAIL "Not Ready"? */
static bool answers_not_ready(const struct guard *g)
{
	return g->enabled && g->empty == GUARD_EMPTY_SERVFAIL;
}

/* each_empty()'s warning, @arg the guard. */
static void warn_one(void *arg, const struct guard_rule *r)
{
	char nb[1024];
	dname_to_str(r->name, nb, sizeof(nb));
	if (answers_not_ready(arg))
		log_warning("guarded endpoint %s answers no address as "
		            "loaded (a lost database, a zone file without it): "
		            "SERVFAIL (Not Ready) for its addresses until an "
		            "enactor writes it, which resolvers do not cache "
		            "as a negative answer; a 'failover %s ADDRESS...' "
		            "rule answers backup addresses instead",
		            nb, nb);
	else
		log_warning("guarded endpoint %s answers no address as "
		            "loaded (a lost database, a zone file without it): "
		            "NXDOMAIN until an enactor writes it, cached by "
		            "resolvers for the negative TTL; a 'failover %s "
		            "ADDRESS...' rule answers backup addresses instead",
		            nb, nb);
}

size_t guard_warn_empty(const struct guard *g, const struct zone *z)
{
	return each_empty(g, z, warn_one, (void *)g);
}

/* each_empty()'s mark, @arg the zone. */
static void mark_one(void *arg, const struct guard_rule *r)
{
	zone_add_not_ready(arg, r->name, r->namelen);
}

size_t guard_mark_not_ready(const struct guard *g, struct zone *z)
{
	if (!answers_not_ready(g) || g->n == 0)
		return 0;
	each_empty(g, z, mark_one, z);
	return zone_not_ready_count(z);
}

void guard_pass_begin(struct guard_pass *p, const struct guard *g,
                      const struct zone_edit *e, const struct zone_node *apex,
                      guard_owner_fn next, void *arg)
{
	memset(p, 0, sizeof(*p));
	if (!g->enabled || g->n == 0)
		return;
	p->g = g;
	p->apex = apex;
	p->which = xcalloc(g->n, sizeof(*p->which));
	p->n = guard_select(g, e, apex, next, arg, p->which);
	p->pre = xcalloc(p->n + 1, sizeof(*p->pre));
	p->post = xcalloc(p->n + 1, sizeof(*p->post));
	guard_read(e, g, apex, p->which, p->n, p->pre);
}

enum guard_verdict guard_pass_check(struct guard_pass *p,
                                    const struct zone_edit *e, char *text,
                                    size_t textlen)
{
	if (p->g == NULL)
		return GUARD_PASS;
	guard_read(e, p->g, p->apex, p->which, p->n, p->post);
	p->have_post = true;
	return guard_check(p->g, p->which, p->n, p->pre, p->post, p->may_lower,
	                   text, textlen);
}

void guard_pass_end(struct guard_pass *p, const struct zone_edit *e)
{
	if (p->g != NULL)
		guard_remember(p->g, e, p->apex, p->which, p->n, p->pre,
		               p->post, p->have_post);
	free(p->which);
	free(p->pre);
	free(p->post);
	memset(p, 0, sizeof(*p));
}
