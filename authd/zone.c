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
#include "xalloc.h"
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

struct zone {
	struct arena *arena;
	struct zone_node **buckets;
	size_t nbuckets;
	size_t nnodes;
	size_t nrecords;
	const struct zone_node *apex;
	const struct zone_rrset *soa;
	uint32_t serial;
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

static int name_cmp(const uint8_t *a, size_t alen, const uint8_t *b,
                    size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	for (size_t i = 0; i < n; i++) {
		int d = dname_lower[a[i]] - dname_lower[b[i]];
		if (d != 0)
			return d;
	}
	return (int)alen - (int)blen;
}

static int brec_compare(const uint8_t *bytes, const struct brec *a,
                        const struct brec *b)
{
	int d = name_cmp(bytes + a->owner, a->ownerlen, bytes + b->owner,
	                 b->ownerlen);
	if (d != 0)
		return d;
	if (a->type != b->type)
		return (int)a->type - (int)b->type;
	if (a->rdlen != b->rdlen)
		return (int)a->rdlen - (int)b->rdlen;
	return memcmp(bytes + a->rdata, bytes + b->rdata, a->rdlen);
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

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
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
	struct zone *z = xcalloc(1, sizeof(*z));
	z->arena = arena_new();
	z->nbuckets = 64;
	while (z->nbuckets < b->nrecs)
		z->nbuckets <<= 1;
	z->buckets = xcalloc(z->nbuckets, sizeof(*z->buckets));

	sort_builder = b;
	qsort(b->recs, b->nrecs, sizeof(*b->recs), brec_cmp);
	sort_builder = NULL;

	for (size_t i = 0; i < b->nrecs;) {
		size_t j = i + 1;
		while (j < b->nrecs && name_cmp(b->bytes + b->recs[j].owner,
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
		size_t rdlen =
		        (size_t)(z->soa->rdata[0] << 8 | z->soa->rdata[1]);
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
	if (z == NULL)
		return;
	arena_free(z->arena);
	free(z->buckets);
	free(z);
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
	return sizeof(*z) + z->nbuckets * sizeof(*z->buckets) +
	       arena_used(z->arena);
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
