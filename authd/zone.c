/*
 * zone.c - building and searching in-memory zone snapshots.
 *
 * Records are collected unsorted, then sorted by owner and type, grouped
 * into RRsets and nodes, and the nodes are put in a hash table keyed by
 * the case-folded owner name.  Every ancestor of a node up to the apex
 * exists as a node (empty non-terminals have no RRsets), so the closest
 * encloser of any name is found by walking up its labels.  Each node
 * remembers the closest delegation point at or above it, which makes the
 * referral decision a single pointer test at query time.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "dname.h"
#include "rrdesc.h"
#include "xalloc.h"
#include "wire.h"
#include "zone.h"

struct brec {
	uint32_t owner; /* offset into the builder's byte buffer */
	uint32_t rdata; /* offset of rdata */
	uint32_t ttl;
	uint16_t type;
	uint16_t rdlen;
	uint8_t ownerlen;
};

struct zone_builder {
	uint8_t apex[DNAME_MAXLEN];
	size_t apexlen;
	struct brec *recs;
	size_t nrecs, caprecs;
	uint8_t *bytes;
	size_t nbytes, capbytes;
};

/* An arena shared by the snapshots whose nodes live in it. */
struct zarena {
	atomic_int refs;
	struct arena *a;
};

/* A name in the list of names not ready, in lower case. */
struct zone_name {
	uint8_t len;
	uint8_t name[DNAME_MAXLEN];
};

struct zone {
	atomic_int refs;
	struct arena *arena;  /* where this snapshot allocates */
	struct zarena **held; /* every arena its nodes live in */
	size_t nheld;
	size_t garbage; /* bytes in held arenas no longer used */
	struct zone_node **buckets;
	size_t nbuckets;
	size_t nnodes;
	size_t nrecords;
	const struct zone_node *apex;
	const struct zone_rrset *soa;
	uint32_t serial;
	struct zone_name *not_ready; /* sorted by name_order() */
	size_t nnot_ready;
};

struct zoneset {
	atomic_int refs;
	struct zone **zones;
	size_t nzones;
};

struct zone_builder *zone_builder_new(const uint8_t *apex)
{
	struct zone_builder *b = xcalloc(1, sizeof(*b));
	int len = dname_length(apex, DNAME_MAXLEN);
	b->apexlen = len > 0 ? (size_t)len : 1;
	memcpy(b->apex, apex, b->apexlen);
	return b;
}

void zone_builder_free(struct zone_builder *b)
{
	if (b == NULL)
		return;
	free(b->recs);
	free(b->bytes);
	free(b);
}

static uint32_t builder_bytes(struct zone_builder *b, const void *p, size_t n)
{
	if (b->nbytes + n > b->capbytes) {
		b->capbytes = (b->capbytes + n) * 2;
		b->bytes = xrealloc(b->bytes, b->capbytes);
	}
	uint32_t off = (uint32_t)b->nbytes;
	if (n > 0) /* empty rdata may come as a NULL pointer */
		memcpy(b->bytes + b->nbytes, p, n);
	b->nbytes += n;
	return off;
}

dp_status zone_builder_add(struct zone_builder *b, const uint8_t *owner,
                           uint16_t type, uint32_t ttl, const uint8_t *rdata,
                           uint16_t rdlen, char *err, size_t errlen)
{
	int olen = dname_length(owner, DNAME_MAXLEN);
	char buf[1024];
	if (olen < 0) {
		snprintf(err, errlen, "invalid owner name");
		return DP_EINVAL;
	}
	if (!dname_is_sub(owner, (size_t)olen, b->apex, b->apexlen)) {
		snprintf(err, errlen, "record '%s' is outside the zone",
		         dname_to_str(owner, buf, sizeof(buf)));
		return DP_EINVAL;
	}
	if (type == RR_TYPE_OPT || type == RR_TYPE_TSIG ||
	    type == RR_TYPE_TKEY || (type >= 128 && type <= 255)) {
		snprintf(err, errlen,
		         "record '%s': type %u cannot be in a zone",
		         dname_to_str(owner, buf, sizeof(buf)), type);
		return DP_EINVAL;
	}
	if (b->nrecs == b->caprecs) {
		b->caprecs = b->caprecs ? b->caprecs * 2 : 64;
		b->recs = xrealloc(b->recs, b->caprecs * sizeof(*b->recs));
	}
	struct brec *r = &b->recs[b->nrecs++];
	r->owner = builder_bytes(b, owner, (size_t)olen);
	r->ownerlen = (uint8_t)olen;
	r->rdata = builder_bytes(b, rdata, rdlen);
	r->rdlen = rdlen;
	r->type = type;
	r->ttl = ttl;
	return DP_OK;
}

/* The builder being sorted; qsort has no context argument. */
static _Thread_local const struct zone_builder *sort_builder;

static int brec_compare(const uint8_t *bytes, const struct brec *a,
                        const struct brec *b)
{
	int d = dname_cmp(bytes + a->owner, a->ownerlen, bytes + b->owner,
	                  b->ownerlen);
	if (d != 0)
		return d;
	if (a->type != b->type)
		return (int)a->type - (int)b->type;
	if (a->rdlen != b->rdlen)
		return (int)a->rdlen - (int)b->rdlen;
	return rr_rdata_cmp(a->type, bytes + a->rdata, a->rdlen,
	                    bytes + b->rdata, b->rdlen);
}

static int brec_cmp(const void *pa, const void *pb)
{
	return brec_compare(sort_builder->bytes, pa, pb);
}

static size_t bucket_of(const struct zone *z, const uint8_t *name, size_t len)
{
	return dname_hash(name, len) & (z->nbuckets - 1);
}

const struct zone_node *zone_find(const struct zone *z, const uint8_t *name,
                                  size_t len)
{
	for (const struct zone_node *n = z->buckets[bucket_of(z, name, len)];
	     n != NULL; n = n->next) {
		if (dname_equal(n->name, n->namelen, name, len))
			return n;
	}
	return NULL;
}

void zone_walk(const struct zone *z,
               bool (*fn)(void *arg, const struct zone_node *node), void *arg)
{
	for (size_t b = 0; b < z->nbuckets; b++) {
		for (const struct zone_node *n = z->buckets[b]; n != NULL;
		     n = n->next) {
			if (!fn(arg, n))
				return;
		}
	}
}

/*
 * A new, empty snapshot with a fresh arena, holding the arenas of @base
 * too when it is given (the nodes it shares with @base live there).
 */
static struct zone *zone_alloc(const struct zone *base)
{
	struct zone *z = xcalloc(1, sizeof(*z));
	atomic_init(&z->refs, 1);
	size_t n = base ? base->nheld : 0;
	z->held = xcalloc(n + 1, sizeof(*z->held));
	for (size_t i = 0; i < n; i++) {
		z->held[i] = base->held[i];
		atomic_fetch_add(&z->held[i]->refs, 1);
	}
	struct zarena *za = xmalloc(sizeof(*za));
	atomic_init(&za->refs, 1);
	/* A snapshot derived from another needs little new memory. */
	za->a = base ? arena_new_sized(4096) : arena_new();
	z->held[n] = za;
	z->nheld = n + 1;
	z->arena = za->a;
	return z;
}

static struct zone_node *node_insert(struct zone *z, const uint8_t *name,
                                     size_t len)
{
	struct zone_node *n = (struct zone_node *)zone_find(z, name, len);
	if (n != NULL)
		return n;
	n = arena_alloc(z->arena, sizeof(*n));
	memset(n, 0, sizeof(*n));
	n->name = arena_memdup(z->arena, name, len);
	n->namelen = (uint8_t)len;
	size_t b = bucket_of(z, name, len);
	n->next = z->buckets[b];
	z->buckets[b] = n;
	z->nnodes++;
	return n;
}

const struct zone_rrset *zone_node_rrset(const struct zone_node *node,
                                         uint16_t type)
{
	for (uint16_t i = 0; i < node->nrrsets; i++) {
		if (node->rrsets[i].type == type)
			return &node->rrsets[i];
	}
	return NULL;
}

/* Group records [from, to) of one owner into a node's RRsets. */
static void build_node(struct zone *z, const struct zone_builder *b,
                       const struct brec *recs, size_t from, size_t to)
{
	const struct brec *first = &recs[from];
	struct zone_node *n =
	        node_insert(z, b->bytes + first->owner, first->ownerlen);
	size_t nsets = 0;
	for (size_t i = from; i < to; i++) {
		if (i == from || recs[i].type != recs[i - 1].type)
			nsets++;
	}
	struct zone_rrset *sets = arena_alloc(z->arena, nsets * sizeof(*sets));
	size_t s = 0;
	for (size_t i = from; i < to;) {
		size_t j = i, bytes = 0, count = 0;
		uint32_t ttl = recs[i].ttl;
		for (; j < to && recs[j].type == recs[i].type; j++) {
			if (j > i &&
			    brec_compare(b->bytes, &recs[j], &recs[j - 1]) == 0)
				continue; /* duplicate record */
			bytes += 2u + recs[j].rdlen;
			count++;
			if (recs[j].ttl < ttl)
				ttl = recs[j].ttl;
		}
		uint8_t *rd = arena_alloc(z->arena, bytes);
		size_t off = 0;
		for (size_t k = i; k < j; k++) {
			if (k > i &&
			    brec_compare(b->bytes, &recs[k], &recs[k - 1]) == 0)
				continue;
			rd[off++] = (uint8_t)(recs[k].rdlen >> 8);
			rd[off++] = (uint8_t)recs[k].rdlen;
			memcpy(rd + off, b->bytes + recs[k].rdata,
			       recs[k].rdlen);
			off += recs[k].rdlen;
		}
		sets[s].type = recs[i].type;
		sets[s].count = (uint16_t)count;
		sets[s].ttl = ttl;
		sets[s].rdata = rd;
		z->nrecords += count;
		s++;
		i = j;
	}
	n->rrsets = sets;
	n->nrrsets = (uint16_t)nsets;
}

static dp_status check_node(const struct zone *z, const struct zone_node *n,
                            char *err, size_t errlen)
{
	char buf[1024];
	bool apex = n == z->apex;
	if (zone_node_rrset(n, RR_TYPE_CNAME) != NULL && n->nrrsets > 1) {
		snprintf(err, errlen, "'%s' has a CNAME and other data",
		         dname_to_str(n->name, buf, sizeof(buf)));
		return DP_EINVAL;
	}
	const struct zone_rrset *soa = zone_node_rrset(n, RR_TYPE_SOA);
	if (soa != NULL && !apex) {
		snprintf(err, errlen, "SOA record at '%s', not at the apex",
		         dname_to_str(n->name, buf, sizeof(buf)));
		return DP_EINVAL;
	}
	const struct zone_rrset *cname = zone_node_rrset(n, RR_TYPE_CNAME);
	if (cname != NULL && cname->count > 1) {
		snprintf(err, errlen, "'%s' has more than one CNAME",
		         dname_to_str(n->name, buf, sizeof(buf)));
		return DP_EINVAL;
	}
	return DP_OK;
}

dp_status zone_builder_finish(struct zone_builder *b, struct zone **out,
                              char *err, size_t errlen)
{
	dp_status rc = DP_OK;
	struct zone *z = zone_alloc(NULL);
	z->nbuckets = 64;
	while (z->nbuckets < b->nrecs)
		z->nbuckets <<= 1;
	z->buckets = xcalloc(z->nbuckets, sizeof(*z->buckets));

	/* An empty builder has no array to sort (qsort wants one). */
	sort_builder = b;
	if (b->nrecs > 1)
		qsort(b->recs, b->nrecs, sizeof(*b->recs), brec_cmp);
	sort_builder = NULL;

	for (size_t i = 0; i < b->nrecs;) {
		size_t j = i + 1;
		while (j < b->nrecs && dname_cmp(b->bytes + b->recs[j].owner,
		                                 b->recs[j].ownerlen,
		                                 b->bytes + b->recs[i].owner,
		                                 b->recs[i].ownerlen) == 0)
			j++;
		build_node(z, b, b->recs, i, j);
		i = j;
	}

	z->apex = node_insert(z, b->apex, b->apexlen);
	z->soa = zone_node_rrset(z->apex, RR_TYPE_SOA);
	char buf[1024];
	if (z->soa == NULL || z->soa->count != 1) {
		snprintf(err, errlen,
		         "zone '%s' needs exactly one SOA record "
		         "at its apex",
		         dname_to_str(b->apex, buf, sizeof(buf)));
		rc = DP_EINVAL;
		goto out;
	}
	{
		/* The serial is the third field of the SOA rdata. */
		const uint8_t *rd = z->soa->rdata + 2;
		size_t rdlen = (size_t)rd16(z->soa->rdata);
		int m = dname_length(rd, rdlen);
		int r = m < 0 ? -1 : dname_length(rd + m, rdlen - (size_t)m);
		if (m < 0 || r < 0 || (size_t)(m + r + 20) != rdlen) {
			snprintf(err, errlen, "zone '%s': malformed SOA",
			         dname_to_str(b->apex, buf, sizeof(buf)));
			rc = DP_EINVAL;
			goto out;
		}
		z->serial = rd32(rd + m + r);
	}

	/* Create every missing ancestor (empty non-terminals). */
	size_t nb = z->nbuckets;
	for (size_t i = 0; i < nb; i++) {
		for (struct zone_node *n = z->buckets[i]; n != NULL;
		     n = n->next) {
			const uint8_t *p = n->name;
			size_t len = n->namelen;
			while (len > b->apexlen) {
				len -= (size_t)*p + 1;
				p += *p + 1;
				/* Inserting at a bucket head never disturbs
				 * this walk, which is further down. */
				node_insert(z, p, len);
			}
		}
	}

	/* Count each node's children. */
	for (size_t i = 0; i < nb; i++) {
		for (struct zone_node *n = z->buckets[i]; n != NULL;
		     n = n->next) {
			if (n->namelen <= b->apexlen)
				continue;
			const uint8_t *p = n->name + n->name[0] + 1;
			size_t plen = n->namelen - n->name[0] - 1U;
			((struct zone_node *)zone_find(z, p, plen))->children++;
		}
	}

	/* Validate, and set each node's closest delegation point. */
	for (size_t i = 0; i < nb; i++) {
		for (struct zone_node *n = z->buckets[i]; n != NULL;
		     n = n->next) {
			if ((rc = check_node(z, n, err, errlen)) != DP_OK)
				goto out;
			const uint8_t *p = n->name;
			size_t len = n->namelen;
			const struct zone_node *cut = NULL;
			/* Walk up and keep the highest cut: what lies below
			 * a higher cut is all glue or occluded. */
			while (len > b->apexlen) {
				const struct zone_node *a =
				        zone_find(z, p, len);
				if (a != NULL &&
				    zone_node_rrset(a, RR_TYPE_NS) != NULL)
					cut = a;
				len -= (size_t)*p + 1;
				p += *p + 1;
			}
			n->cut = cut;
		}
	}

out:
	zone_builder_free(b);
	if (rc != DP_OK) {
		zone_free(z);
		return rc;
	}
	*out = z;
	return DP_OK;
}

void zone_free(struct zone *z)
{
	if (z == NULL || atomic_fetch_sub(&z->refs, 1) != 1)
		return;
	for (size_t i = 0; i < z->nheld; i++) {
		if (atomic_fetch_sub(&z->held[i]->refs, 1) == 1) {
			arena_free(z->held[i]->a);
			free(z->held[i]);
		}
	}
	free(z->held);
	free(z->buckets);
	free(z->not_ready);
	free(z);
}

struct zone *zone_ref(struct zone *z)
{
	atomic_fetch_add(&z->refs, 1);
	return z;
}

/*
 * The order of the names not ready: shorter first, then by octets in
 * lower case (label lengths are below 64, which lower-casing keeps).
 * @a is in lower case already.
 */
static int name_order(const uint8_t *a, size_t alen, const uint8_t *b,
                      size_t blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	for (size_t i = 0; i < alen; i++) {
		uint8_t lb = dname_lower[b[i]];
		if (a[i] != lb)
			return a[i] < lb ? -1 : 1;
	}
	return 0;
}

/* The index of @name in @z's names not ready, or where it would go. */
static size_t not_ready_find(const struct zone *z, const uint8_t *name,
                             size_t len, bool *found)
{
	size_t lo = 0, hi = z->nnot_ready;
	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct zone_name *n = &z->not_ready[mid];
		int c = name_order(n->name, n->len, name, len);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void zone_add_not_ready(struct zone *z, const uint8_t *name, size_t len)
{
	bool found;
	if (len == 0 || len > DNAME_MAXLEN)
		return;
	size_t at = not_ready_find(z, name, len, &found);
	if (found)
		return;
	z->not_ready = xrealloc(z->not_ready,
	                        (z->nnot_ready + 1) * sizeof(*z->not_ready));
	memmove(&z->not_ready[at + 1], &z->not_ready[at],
	        (z->nnot_ready - at) * sizeof(*z->not_ready));
	struct zone_name *n = &z->not_ready[at];
	n->len = (uint8_t)len;
	for (size_t i = 0; i < len; i++)
		n->name[i] = dname_lower[name[i]];
	z->nnot_ready++;
}

bool zone_not_ready(const struct zone *z, const uint8_t *name, size_t len)
{
	bool found = false;
	if (z->nnot_ready != 0)
		not_ready_find(z, name, len, &found);
	return found;
}

size_t zone_not_ready_count(const struct zone *z)
{
	return z->nnot_ready;
}

const struct zone_node *zone_apex(const struct zone *z)
{
	return z->apex;
}

const struct zone_rrset *zone_soa(const struct zone *z)
{
	return z->soa;
}

uint32_t zone_serial(const struct zone *z)
{
	return z->serial;
}

uint32_t zone_rrset_serial(const struct zone_rrset *soa)
{
	size_t l = rd16(soa->rdata);
	return rd32(soa->rdata + 2 + l - 20);
}

size_t zone_node_count(const struct zone *z)
{
	return z->nnodes;
}

size_t zone_record_count(const struct zone *z)
{
	return z->nrecords;
}

size_t zone_memory(const struct zone *z)
{
	size_t n = sizeof(*z) + z->nbuckets * sizeof(*z->buckets);
	for (size_t i = 0; i < z->nheld; i++)
		n += arena_used(z->held[i]->a);
	return n;
}

/* ---- editing ---- */

struct edit_entry {
	uint8_t name[DNAME_MAXLEN];
	uint8_t namelen;
	uint16_t type;
	uint16_t count; /* 0: the RRset is deleted */
	uint32_t ttl;
	uint8_t *rdata; /* malloc'd, length-prefixed records */
	size_t rdlen;
	uint32_t hash;     /* of the name */
	size_t prev_named; /* the previous entry of the same name, + 1 */
};

/*
 * The entries are indexed twice, so that an update with thousands of
 * changes stays linear: by (name, type) to the newest entry, and by name
 * to the newest entry of that name (older ones chain through prev_named).
 * Slots hold an entry index + 1; 0 is empty.
 */
struct zone_edit {
	const struct zone *base;
	struct edit_entry *v;
	size_t n, cap;
	size_t *by_type, *by_name;
	size_t slots; /* of each table, a power of two */
};

static uint32_t type_hash(uint32_t name_hash, uint16_t type)
{
	return (name_hash ^ type) * 2654435761u;
}

/* Put entry @i into both tables (it is the newest of its keys). */
static void edit_index(struct zone_edit *e, size_t i)
{
	struct edit_entry *x = &e->v[i];
	size_t mask = e->slots - 1;
	size_t h = type_hash(x->hash, x->type) & mask;
	while (e->by_type[h] != 0) {
		const struct edit_entry *y = &e->v[e->by_type[h] - 1];
		if (y->type == x->type &&
		    dname_equal(y->name, y->namelen, x->name, x->namelen))
			break;
		h = (h + 1) & mask;
	}
	e->by_type[h] = i + 1;
	h = x->hash & mask;
	x->prev_named = 0;
	while (e->by_name[h] != 0) {
		const struct edit_entry *y = &e->v[e->by_name[h] - 1];
		if (dname_equal(y->name, y->namelen, x->name, x->namelen)) {
			x->prev_named = e->by_name[h];
			break;
		}
		h = (h + 1) & mask;
	}
	e->by_name[h] = i + 1;
}

static void edit_reindex(struct zone_edit *e, size_t slots)
{
	free(e->by_type);
	free(e->by_name);
	e->slots = slots;
	e->by_type = xcalloc(slots, sizeof(*e->by_type));
	e->by_name = xcalloc(slots, sizeof(*e->by_name));
	for (size_t i = 0; i < e->n; i++)
		edit_index(e, i);
}

struct zone_edit *zone_edit_new(const struct zone *base)
{
	struct zone_edit *e = xcalloc(1, sizeof(*e));
	e->base = base;
	edit_reindex(e, 64);
	return e;
}

void zone_edit_rollback(struct zone_edit *e, size_t mark)
{
	if (e->n <= mark)
		return;
	while (e->n > mark)
		free(e->v[--e->n].rdata);
	edit_reindex(e, e->slots);
}

void zone_edit_free(struct zone_edit *e)
{
	if (e == NULL)
		return;
	while (e->n > 0)
		free(e->v[--e->n].rdata);
	free(e->by_type);
	free(e->by_name);
	free(e->v);
	free(e);
}

const struct zone *zone_edit_base(const struct zone_edit *e)
{
	return e->base;
}

size_t zone_edit_mark(const struct zone_edit *e)
{
	return e->n;
}

/* The latest entry for (@name, @type), or NULL. */
static const struct edit_entry *edit_find(const struct zone_edit *e,
                                          const uint8_t *name, size_t len,
                                          uint16_t type)
{
	size_t mask = e->slots - 1;
	size_t h = type_hash(dname_hash(name, len), type) & mask;
	while (e->by_type[h] != 0) {
		const struct edit_entry *x = &e->v[e->by_type[h] - 1];
		if (x->type == type &&
		    dname_equal(x->name, x->namelen, name, len))
			return x;
		h = (h + 1) & mask;
	}
	return NULL;
}

bool zone_edit_get(const struct zone_edit *e, const uint8_t *name, size_t len,
                   uint16_t type, struct zone_rrset *out)
{
	const struct edit_entry *x = edit_find(e, name, len, type);
	if (x != NULL) {
		if (x->count == 0)
			return false;
		out->type = type;
		out->count = x->count;
		out->ttl = x->ttl;
		out->rdata = x->rdata;
		return true;
	}
	const struct zone_node *n = zone_find(e->base, name, len);
	const struct zone_rrset *rs = n ? zone_node_rrset(n, type) : NULL;
	if (rs == NULL)
		return false;
	*out = *rs;
	return true;
}

/* Does every record of @a stand in @b (the same count assumed)? */
static bool records_in(const uint8_t *a, const uint8_t *b, uint16_t count)
{
	size_t oa = 0;
	for (uint16_t i = 0; i < count; i++) {
		size_t la = 2u + rd16(a + oa), ob = 0;
		uint16_t k = 0;
		for (; k < count; k++) {
			size_t lb = 2u + rd16(b + ob);
			if (la == lb && memcmp(a + oa, b + ob, la) == 0)
				break;
			ob += lb;
		}
		if (k == count)
			return false;
		oa += la;
	}
	return true;
}

bool zone_edit_changed_since(const struct zone_edit *e, size_t mark)
{
	for (size_t i = mark; i < e->n; i++) {
		const struct edit_entry *x = &e->v[i];
		if (edit_find(e, x->name, x->namelen, x->type) != x)
			continue; /* a later entry says it */
		/* The RRset as it stood at the mark: an older entry of the
		 * name, or the base. */
		const struct edit_entry *old = NULL;
		for (size_t j = x->prev_named; j != 0;
		     j = e->v[j - 1].prev_named) {
			if (j - 1 < mark && e->v[j - 1].type == x->type) {
				old = &e->v[j - 1];
				break;
			}
		}
		struct zone_rrset was = {.type = x->type};
		if (old != NULL) {
			was.count = old->count;
			was.ttl = old->ttl;
			was.rdata = old->rdata;
		} else {
			const struct zone_node *n =
			        zone_find(e->base, x->name, x->namelen);
			const struct zone_rrset *rs =
			        n ? zone_node_rrset(n, x->type) : NULL;
			if (rs != NULL)
				was = *rs;
		}
		if (was.count != x->count)
			return true;
		if (x->count > 0 &&
		    (was.ttl != x->ttl ||
		     !records_in(x->rdata, was.rdata, x->count)))
			return true;
	}
	return false;
}

bool zone_edit_serial(const struct zone_edit *e, uint32_t *serial)
{
	const struct zone_node *apex = zone_apex(e->base);
	struct zone_rrset soa;
	if (!zone_edit_get(e, apex->name, apex->namelen, RR_TYPE_SOA, &soa) ||
	    rd16(soa.rdata) < 20)
		return false;
	*serial = zone_rrset_serial(&soa);
	return true;
}

void zone_edit_bump_serial(struct zone_edit *e)
{
	const struct zone_node *apex = zone_apex(e->base);
	struct zone_rrset soa;
	if (!zone_edit_get(e, apex->name, apex->namelen, RR_TYPE_SOA, &soa))
		return;
	size_t l = 2u + rd16(soa.rdata);
	uint8_t *buf = xmalloc(l);
	memcpy(buf, soa.rdata, l);
	wr32(buf + l - 20, rd32(buf + l - 20) + 1);
	zone_edit_put(e, apex->name, apex->namelen, RR_TYPE_SOA, soa.ttl, 1,
	              buf, l);
	free(buf);
}

/* The index (1-based) of the newest edit entry of @name, 0 when none. */
static size_t edit_newest(const struct zone_edit *e, const uint8_t *name,
                          size_t len)
{
	size_t mask = e->slots - 1;
	size_t h = dname_hash(name, len) & mask;
	while (e->by_name[h] != 0) {
		const struct edit_entry *x = &e->v[e->by_name[h] - 1];
		if (dname_equal(x->name, x->namelen, name, len))
			return e->by_name[h];
		h = (h + 1) & mask;
	}
	return 0;
}

size_t zone_edit_types(const struct zone_edit *e, const uint8_t *name,
                       size_t len, uint16_t *types, size_t max)
{
	size_t k = 0;
	const struct zone_node *n = zone_find(e->base, name, len);
	for (uint16_t i = 0; n != NULL && i < n->nrrsets; i++) {
		const struct edit_entry *x =
		        edit_find(e, name, len, n->rrsets[i].type);
		if (x != NULL && x->count == 0)
			continue;
		if (k < max)
			types[k] = n->rrsets[i].type;
		k++;
	}
	/* The newest entry of the name, then older ones. */
	for (size_t i = edit_newest(e, name, len); i != 0;
	     i = e->v[i - 1].prev_named) {
		const struct edit_entry *x = &e->v[i - 1];
		if (edit_find(e, name, len, x->type) != x || x->count == 0 ||
		    (n != NULL && zone_node_rrset(n, x->type) != NULL))
			continue;
		if (k < max)
			types[k] = x->type;
		k++;
	}
	return k;
}

void zone_edit_put(struct zone_edit *e, const uint8_t *name, size_t len,
                   uint16_t type, uint32_t ttl, uint16_t count,
                   const uint8_t *rdata, size_t rdlen)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 16;
		e->v = xrealloc(e->v, e->cap * sizeof(*e->v));
	}
	struct edit_entry *x = &e->v[e->n++];
	memcpy(x->name, name, len);
	x->namelen = (uint8_t)len;
	x->type = type;
	x->ttl = ttl;
	x->count = count;
	x->rdlen = count ? rdlen : 0;
	x->rdata = x->rdlen ? xmalloc(x->rdlen) : NULL;
	if (x->rdlen)
		memcpy(x->rdata, rdata, x->rdlen);
	x->hash = dname_hash(name, len);
	if (e->n * 2 > e->slots)
		edit_reindex(e, e->slots * 2);
	else
		edit_index(e, e->n - 1);
}

/* Bytes of an RRset's rdata (length prefixes included). */
static size_t rrset_bytes(const struct zone_rrset *rs)
{
	size_t off = 0;
	for (uint16_t i = 0; i < rs->count; i++)
		off += 2u + (size_t)rd16(rs->rdata + off);
	return off;
}

static bool rrset_same(const struct zone_rrset *a, const struct zone_rrset *b)
{
	if (a->count != b->count || (a->count && a->ttl != b->ttl))
		return false;
	size_t n = rrset_bytes(a);
	/* An RRset of no record may have no rdata array at all. */
	return n == rrset_bytes(b) &&
	       (n == 0 || memcmp(a->rdata, b->rdata, n) == 0);
}

/* The sort order of entries: name, type, newest first. */
static _Thread_local const struct zone_edit *sort_edit;

static int entry_cmp(const void *pa, const void *pb)
{
	size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
	const struct edit_entry *a = &sort_edit->v[ia], *b = &sort_edit->v[ib];
	int d = dname_cmp(a->name, a->namelen, b->name, b->namelen);
	if (d != 0)
		return d;
	if (a->type != b->type)
		return (int)a->type - (int)b->type;
	return ia < ib ? 1 : -1;
}

/*
 * Put @node (or remove the node of @name when @node is NULL) into @z's
 * table.  The bucket's chain is rebuilt from copies, since the nodes in
 * it may be shared with older snapshots.
 */
static void bucket_set(struct zone *z, const uint8_t *name, size_t len,
                       struct zone_node *node)
{
	size_t b = bucket_of(z, name, len);
	struct zone_node *head = NULL, **tail = &head;
	for (const struct zone_node *n = z->buckets[b]; n != NULL;
	     n = n->next) {
		z->garbage += sizeof(*n);
		if (dname_equal(n->name, n->namelen, name, len))
			continue;
		struct zone_node *c = arena_memdup(z->arena, n, sizeof(*n));
		*tail = c;
		tail = &c->next;
	}
	if (node != NULL) {
		*tail = node;
		tail = &node->next;
	}
	*tail = NULL;
	z->buckets[b] = head;
}

/* The highest delegation point at or above @name, in @z. */
static const struct zone_node *
find_cut(const struct zone *z, const uint8_t *name, size_t len, size_t apexlen)
{
	const struct zone_node *cut = NULL;
	while (len > apexlen) {
		const struct zone_node *a = zone_find(z, name, len);
		if (a != NULL && zone_node_rrset(a, RR_TYPE_NS) != NULL)
			cut = a;
		len -= (size_t)*name + 1;
		name += *name + 1;
	}
	return cut;
}

/* A child of @name was added (+1) or removed (-1): fix its parent. */
static void adjust_parent(struct zone *z, const uint8_t *name, size_t len,
                          int delta, size_t apexlen)
{
	while (len > apexlen) {
		const uint8_t *p = name + name[0] + 1;
		size_t plen = len - name[0] - 1U;
		const struct zone_node *n = zone_find(z, p, plen);
		struct zone_node *c;
		if (n == NULL) {
			/* A new empty non-terminal. */
			c = arena_alloc(z->arena, sizeof(*c));
			memset(c, 0, sizeof(*c));
			c->name = arena_memdup(z->arena, p, plen);
			c->namelen = (uint8_t)plen;
			c->children = 1;
			c->cut = find_cut(z, p, plen, apexlen);
			bucket_set(z, p, plen, c);
			z->nnodes++;
			name = p;
			len = plen;
			continue; /* its own parent gains a child */
		}
		c = arena_memdup(z->arena, n, sizeof(*n));
		c->children = (uint32_t)((int)c->children + delta);
		if (c->children == 0 && c->nrrsets == 0 && plen > apexlen) {
			bucket_set(z, p, plen, NULL);
			z->nnodes--;
			name = p;
			len = plen;
			continue; /* an empty non-terminal goes away */
		}
		bucket_set(z, p, plen, c);
		return;
	}
}

/*
 * Give the node of @name the RRsets of the base node with the changed
 * ones @ch[0..nch) applied.
 */
static void apply_node(struct zone *z, const uint8_t *name, size_t len,
                       const struct zone_change *ch, size_t nch, size_t apexlen)
{
	const struct zone_node *old = zone_find(z, name, len);
	size_t max = (old ? old->nrrsets : 0) + nch, k = 0;
	struct zone_rrset *sets = arena_alloc(z->arena, max * sizeof(*sets));
	size_t i = 0, j = 0;
	uint16_t nold = old ? old->nrrsets : 0;
	/* Merge the old RRsets and the changes, both sorted by type. */
	while (i < nold || j < nch) {
		if (j >= nch ||
		    (i < nold && old->rrsets[i].type < ch[j].type)) {
			sets[k++] = old->rrsets[i++];
			continue;
		}
		if (i < nold && old->rrsets[i].type == ch[j].type) {
			z->garbage += rrset_bytes(&old->rrsets[i]);
			i++;
		}
		if (ch[j].after.count > 0)
			sets[k++] = ch[j].after;
		j++;
	}
	if (k == 0 && (old == NULL || old->children == 0)) {
		if (old != NULL) {
			bucket_set(z, name, len, NULL);
			z->nnodes--;
			adjust_parent(z, name, len, -1, apexlen);
		}
		return;
	}
	struct zone_node *c = arena_alloc(z->arena, sizeof(*c));
	if (old != NULL) {
		*c = *old;
	} else {
		memset(c, 0, sizeof(*c));
		c->name = arena_memdup(z->arena, name, len);
		c->namelen = (uint8_t)len;
		c->cut = find_cut(z, name, len, apexlen);
	}
	c->rrsets = sets;
	c->nrrsets = (uint16_t)k;
	bucket_set(z, c->name, len, c);
	if (old == NULL) {
		z->nnodes++;
		adjust_parent(z, c->name, len, +1, apexlen);
	}
}

/* Rebuild the whole snapshot from the base and the changes. */
static dp_status rebuild(const struct zone *base, const struct zone_change *ch,
                         size_t nch, struct zone **out, char *err,
                         size_t errlen)
{
	const struct zone_node *apex = base->apex;
	struct zone_builder *b = zone_builder_new(apex->name);
	dp_status rc = DP_OK;
	for (size_t i = 0; rc == DP_OK && i < base->nbuckets; i++) {
		for (const struct zone_node *n = base->buckets[i];
		     rc == DP_OK && n != NULL; n = n->next) {
			for (uint16_t t = 0; rc == DP_OK && t < n->nrrsets;
			     t++) {
				const struct zone_rrset *rs = &n->rrsets[t];
				bool changed = false;
				for (size_t c = 0; c < nch && !changed; c++)
					changed = ch[c].type == rs->type &&
					          dname_equal(ch[c].name,
					                      ch[c].namelen,
					                      n->name,
					                      n->namelen);
				if (changed)
					continue;
				const uint8_t *rd = rs->rdata;
				for (uint16_t r = 0;
				     rc == DP_OK && r < rs->count; r++) {
					uint16_t l = rd16(rd);
					rc = zone_builder_add(
					        b, n->name, rs->type, rs->ttl,
					        rd + 2, l, err, errlen);
					rd += 2 + l;
				}
			}
		}
	}
	for (size_t c = 0; rc == DP_OK && c < nch; c++) {
		const uint8_t *rd = ch[c].after.rdata;
		for (uint16_t r = 0; rc == DP_OK && r < ch[c].after.count;
		     r++) {
			uint16_t l = rd16(rd);
			rc = zone_builder_add(b, ch[c].name, ch[c].type,
			                      ch[c].after.ttl, rd + 2, l, err,
			                      errlen);
			rd += 2 + l;
		}
	}
	if (rc != DP_OK) {
		zone_builder_free(b);
		return rc;
	}
	return zone_builder_finish(b, out, err, errlen);
}

/* Set apex, SOA and serial of an edited snapshot and check it. */
static dp_status finish_edited(struct zone *z, const struct zone *base,
                               const struct zone_change *ch, size_t nch,
                               char *err, size_t errlen)
{
	z->apex = zone_find(z, base->apex->name, base->apex->namelen);
	z->soa = zone_node_rrset(z->apex, RR_TYPE_SOA);
	char buf[1024];
	if (z->soa == NULL || z->soa->count != 1) {
		snprintf(err, errlen, "the zone would have no single SOA");
		return DP_EINVAL;
	}
	const uint8_t *rd = z->soa->rdata;
	size_t rdlen = rd16(rd);
	z->serial = rd32(rd + 2 + rdlen - 20);
	for (size_t i = 0; i < nch; i++) {
		const struct zone_node *n =
		        zone_find(z, ch[i].name, ch[i].namelen);
		dp_status rc = n ? check_node(z, n, err, errlen) : DP_OK;
		if (rc != DP_OK)
			return rc;
	}
	(void)buf;
	return DP_OK;
}

dp_status zone_edit_commit(struct zone_edit *e, struct zone **out,
                           struct zone_change **changes, size_t *nchanges,
                           char *err, size_t errlen)
{
	const struct zone *base = e->base;
	size_t apexlen = base->apex->namelen;

	/* The newest entry per (name, type), sorted. */
	size_t *idx = xmalloc((e->n ? e->n : 1) * sizeof(*idx));
	for (size_t i = 0; i < e->n; i++)
		idx[i] = i;
	sort_edit = e;
	qsort(idx, e->n, sizeof(*idx), entry_cmp);
	sort_edit = NULL;

	struct zone *z = zone_alloc(base);
	struct zone_change *ch = xcalloc(e->n ? e->n : 1, sizeof(*ch));
	size_t nch = 0;
	bool structural = false;
	for (size_t k = 0; k < e->n; k++) {
		const struct edit_entry *x = &e->v[idx[k]];
		if (k > 0) {
			const struct edit_entry *p = &e->v[idx[k - 1]];
			if (p->type == x->type &&
			    dname_equal(p->name, p->namelen, x->name,
			                x->namelen))
				continue; /* an older entry */
		}
		struct zone_change *c = &ch[nch];
		const struct zone_node *n =
		        zone_find(base, x->name, x->namelen);
		const struct zone_rrset *rs =
		        n ? zone_node_rrset(n, x->type) : NULL;
		if (rs != NULL)
			c->before = *rs;
		c->before.type = c->after.type = x->type;
		c->after.count = x->count;
		c->after.ttl = x->ttl;
		c->after.rdata =
		        x->count ? arena_memdup(z->arena, x->rdata, x->rdlen)
		                 : NULL;
		if (rrset_same(&c->before, &c->after))
			continue;
		c->name = n ? n->name
		            : arena_memdup(z->arena, x->name, x->namelen);
		c->namelen = x->namelen;
		c->type = x->type;
		/* A delegation that appears or goes changes the cut of every
		 * name below it: such an edit rebuilds the zone. */
		if (x->type == RR_TYPE_NS && x->namelen != apexlen)
			structural = true;
		nch++;
	}
	free(idx);

	dp_status rc = DP_OK;
	size_t held = zone_memory(base);
	if (structural || base->garbage > held / 2 ||
	    base->nnodes + nch > 2 * base->nbuckets) {
		/* Also the way to drop the garbage of many small edits. */
		struct zone *fresh = NULL;
		rc = rebuild(base, ch, nch, &fresh, err, errlen);
		if (rc == DP_OK) {
			/* The changes' rdata must outlive the edit: keep it
			 * in the snapshot that owns it. */
			struct zone *keep = z;
			z = fresh;
			for (size_t i = 0; i < nch; i++) {
				const struct zone_node *n =
				        zone_find(z, ch[i].name, ch[i].namelen);
				const struct zone_rrset *a =
				        n ? zone_node_rrset(n, ch[i].type)
				          : NULL;
				ch[i].after.rdata = a ? a->rdata : NULL;
				if (n != NULL)
					ch[i].name = n->name;
			}
			zone_free(keep);
		}
	} else {
		z->nbuckets = base->nbuckets;
		z->buckets = xmalloc(z->nbuckets * sizeof(*z->buckets));
		memcpy(z->buckets, base->buckets,
		       z->nbuckets * sizeof(*z->buckets));
		z->nnodes = base->nnodes;
		z->nrecords = base->nrecords;
		z->garbage = base->garbage;
		for (size_t i = 0; i < nch;) {
			size_t j = i + 1;
			while (j < nch &&
			       dname_equal(ch[j].name, ch[j].namelen,
			                   ch[i].name, ch[i].namelen))
				j++;
			apply_node(z, ch[i].name, ch[i].namelen, ch + i, j - i,
			           apexlen);
			for (size_t k = i; k < j; k++)
				z->nrecords += (size_t)ch[k].after.count -
				               ch[k].before.count;
			i = j;
		}
		rc = finish_edited(z, base, ch, nch, err, errlen);
	}
	if (rc != DP_OK) {
		zone_free(z);
		free(ch);
		return rc;
	}
	*out = z;
	*changes = ch;
	*nchanges = nch;
	return DP_OK;
}

struct zoneset *zoneset_replace(const struct zoneset *zs, struct zone *z)
{
	struct zoneset *n = zoneset_new();
	const struct zone_node *apex = zone_apex(z);
	for (size_t i = 0; i < zs->nzones; i++) {
		const struct zone_node *a = zone_apex(zs->zones[i]);
		if (dname_equal(a->name, a->namelen, apex->name, apex->namelen))
			continue;
		zoneset_add(n, zone_ref(zs->zones[i]));
	}
	zoneset_add(n, z);
	return n;
}

struct zoneset *zoneset_new(void)
{
	struct zoneset *zs = xcalloc(1, sizeof(*zs));
	atomic_init(&zs->refs, 1);
	return zs;
}

dp_status zoneset_add(struct zoneset *zs, struct zone *z)
{
	const struct zone_node *apex = zone_apex(z);
	for (size_t i = 0; i < zs->nzones; i++) {
		const struct zone_node *o = zone_apex(zs->zones[i]);
		if (dname_equal(o->name, o->namelen, apex->name,
		                apex->namelen)) {
			zone_free(z);
			return DP_EEXIST;
		}
	}
	zs->zones = xrealloc(zs->zones, (zs->nzones + 1) * sizeof(*zs->zones));
	zs->zones[zs->nzones++] = z;
	return DP_OK;
}

const struct zone *zoneset_find(const struct zoneset *zs, const uint8_t *name,
                                size_t len)
{
	const struct zone *best = NULL;
	size_t bestlen = 0;
	for (size_t i = 0; i < zs->nzones; i++) {
		const struct zone_node *a = zs->zones[i]->apex;
		if (a->namelen >= bestlen + (best != NULL) &&
		    dname_is_sub(name, len, a->name, a->namelen)) {
			best = zs->zones[i];
			bestlen = a->namelen;
		}
	}
	return best;
}

size_t zoneset_count(const struct zoneset *zs)
{
	return zs->nzones;
}

const struct zone *zoneset_zone(const struct zoneset *zs, size_t i)
{
	return zs->zones[i];
}

struct zoneset *zoneset_ref(struct zoneset *zs)
{
	atomic_fetch_add(&zs->refs, 1);
	return zs;
}

void zoneset_unref(struct zoneset *zs)
{
	if (zs == NULL || atomic_fetch_sub(&zs->refs, 1) != 1)
		return;
	for (size_t i = 0; i < zs->nzones; i++)
		zone_free(zs->zones[i]);
	free(zs->zones);
	free(zs);
}
