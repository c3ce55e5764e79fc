/*
 * update.c - RFC 2136 UPDATE: prerequisites, update section, guard.
 *
 * The message is read in the order of RFC 2136 section 3: zone section,
 * prerequisites (3.2), a prescan of the update section (3.4.1), then the
 * updates themselves (3.4.2).  Every change goes into a zone_edit; a mark
 * taken first lets any refusal undo the whole update.  After the updates,
 * the guard compares every guarded name before and after: fewer addresses
 * than its minimum, or a generation marker going back, refuse the update.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "answer.h"
#include "rrdesc.h"
#include "guard.h"
#include "update.h"
#include "weight.h"
#include "wire.h"
#include "xalloc.h"
#include "zonestore.h"

#define MAX_RRSET 65535

const char *update_reason_name(enum update_reason r)
{
	static const char *const names[UPDATE_REASONS] = {
	        "ok",     "formerr", "notauth", "notzone", "prereq",
	        "policy", "guard",   "fence",   "invalid"};
	return r < UPDATE_REASONS ? names[r] : "unknown";
}

/* One record as read from the message. */
struct rr {
	uint8_t name[DNAME_MAXLEN];
	size_t namelen;
	uint16_t type, cls;
	uint32_t ttl;
	uint8_t rdata[MAX_RRSET];
	size_t rdlen;
};

static bool is_meta(uint16_t type)
{
	return type == 0 || type == RR_TYPE_OPT || (type >= 128 && type <= 255);
}

/*
 * Is @rd (@rdlen bytes, its names already expanded) well-formed
 * rdata of @type, as authd stores and serves it?  ldns knows the layout
 * of every type; the rdata must read as that type, hold its fields (no
 * empty A) and write back to the same bytes, which also refuses a
 * compression pointer in a type whose names authd keeps as they came (an
 * SRV target, say).
 */
static bool rdata_valid(uint16_t type, const uint8_t *rd, size_t rdlen)
{
	uint8_t *wire = xmalloc(rdlen + 2);
	wire[0] = (uint8_t)(rdlen >> 8);
	wire[1] = (uint8_t)rdlen;
	memcpy(wire + 2, rd, rdlen);
	ldns_rr *rr = ldns_rr_new();
	ldns_rr_set_type(rr, (ldns_rr_type)type);
	ldns_buffer *buf = ldns_buffer_new(rdlen + 1);
	size_t pos = 0;
	const ldns_rr_descriptor *d = ldns_rr_descript(type);
	bool ok = ldns_wire2rdf(rr, wire, rdlen + 2, &pos) == LDNS_STATUS_OK &&
	          pos == rdlen + 2 &&
	          ldns_rr_rd_count(rr) >= ldns_rr_descriptor_minimum(d) &&
	          ldns_rr_rdata2buffer_wire(buf, rr) == LDNS_STATUS_OK &&
	          ldns_buffer_position(buf) == rdlen &&
	          memcmp(ldns_buffer_begin(buf), rd, rdlen) == 0;
	ldns_buffer_free(buf);
	ldns_rr_free(rr);
	free(wire);
	return ok;
}

/* Read the record at *@pos; returns -1 when malformed. */
static int read_rr(const uint8_t *msg, size_t len, size_t *pos, struct rr *r)
{
	int nl = dname_unpack(msg, len, pos, r->name);
	if (nl < 0 || *pos + 10 > len)
		return -1;
	r->namelen = (size_t)nl;
	const uint8_t *p = msg + *pos;
	r->type = rd16(p);
	r->cls = rd16(p + 2);
	r->ttl = rd32(p + 4);
	size_t rdlen = rd16(p + 8);
	*pos += 10;
	if (*pos + rdlen > len)
		return -1;
	if (rdlen > 0 && (r->cls == RR_CLASS_IN || r->cls == RR_CLASS_NONE)) {
		if ((r->type == RR_TYPE_A && rdlen != 4) ||
		    (r->type == RR_TYPE_AAAA && rdlen != 16) ||
		    rr_rdata_unpack(msg, len, *pos, rdlen, r->type, r->rdata,
		                    &r->rdlen) != 0)
			return -1;
	} else {
		memcpy(r->rdata, msg + *pos, rdlen);
		r->rdlen = rdlen;
	}
	if (r->cls == RR_CLASS_IN && !rdata_valid(r->type, r->rdata, r->rdlen))
		return -1;
	*pos += rdlen;
	return 0;
}

/* Find @rd in @rs; returns its offset in rs->rdata or -1. */
static long rrset_find(const struct zone_rrset *rs, const uint8_t *rd,
                       size_t rdlen)
{
	size_t off = 0;
	for (uint16_t i = 0; i < rs->count; i++) {
		size_t l = rd16(rs->rdata + off);
		/* Names in rdata match without regard to case (RFC 4343). */
		if (rr_rdata_cmp(rs->type, rs->rdata + off + 2, l, rd, rdlen) ==
		    0)
			return (long)off;
		off += 2 + l;
	}
	return -1;
}

static size_t rrset_len(const struct zone_rrset *rs)
{
	size_t off = 0;
	for (uint16_t i = 0; i < rs->count; i++)
		off += 2u + rd16(rs->rdata + off);
	return off;
}

/* ---- prerequisites (RFC 2136 3.2) ---- */

/* A value-dependent prerequisite RRset being collected. */
struct want {
	uint8_t name[DNAME_MAXLEN];
	size_t namelen;
	uint16_t type;
	uint16_t count;
	uint8_t *rdata; /* length-prefixed */
	size_t rdlen;
};

static int check_wants(const struct zone_edit *e, struct want *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct zone_rrset have;
		if (!zone_edit_get(e, w[i].name, w[i].namelen, w[i].type,
		                   &have))
			return DNS_RCODE_NXRRSET;
		/* Set equality: every wanted record is there, same count. */
		struct zone_rrset want = {.type = w[i].type,
		                          .count = w[i].count,
		                          .rdata = w[i].rdata};
		if (have.count != want.count)
			return DNS_RCODE_NXRRSET;
		size_t off = 0;
		for (uint16_t k = 0; k < want.count; k++) {
			size_t l = rd16(want.rdata + off);
			if (rrset_find(&have, want.rdata + off + 2, l) < 0)
				return DNS_RCODE_NXRRSET;
			off += 2 + l;
		}
	}
	return DNS_RCODE_NOERROR;
}

static int prerequisites(const struct zone_edit *e, const uint8_t *msg,
                         size_t len, size_t *pos, unsigned count,
                         const struct zone_node *apex, struct rr *r)
{
	struct want *w = NULL;
	size_t nw = 0;
	int rc = DNS_RCODE_NOERROR;
	for (unsigned i = 0; i < count && rc == DNS_RCODE_NOERROR; i++) {
		if (read_rr(msg, len, pos, r) != 0 || r->ttl != 0) {
			rc = DNS_RCODE_FORMERR;
			break;
		}
		if (!dname_is_sub(r->name, r->namelen, apex->name,
		                  apex->namelen)) {
			rc = DNS_RCODE_NOTZONE;
			break;
		}
		if (r->cls == RR_CLASS_ANY || r->cls == RR_CLASS_NONE) {
			if (r->rdlen != 0) {
				rc = DNS_RCODE_FORMERR;
				break;
			}
			bool any = r->cls == RR_CLASS_ANY;
			struct zone_rrset rs;
			if (r->type == RR_TYPE_ANY) {
				bool used =
				        zone_edit_types(e, r->name, r->namelen,
				                        NULL, 0) > 0;
				if (any && !used)
					rc = DNS_RCODE_NXDOMAIN;
				if (!any && used)
					rc = DNS_RCODE_YXDOMAIN;
			} else {
				bool has = zone_edit_get(e, r->name, r->namelen,
				                         r->type, &rs);
				if (any && !has)
					rc = DNS_RCODE_NXRRSET;
				if (!any && has)
					rc = DNS_RCODE_YXRRSET;
			}
		} else if (r->cls == RR_CLASS_IN && !is_meta(r->type)) {
			/* Collect; compared as whole RRsets at the end. */
			size_t k = 0;
			while (k < nw && !(w[k].type == r->type &&
			                   dname_equal(w[k].name, w[k].namelen,
			                               r->name, r->namelen)))
				k++;
			if (k == nw) {
				w = xrealloc(w, (nw + 1) * sizeof(*w));
				memset(&w[k], 0, sizeof(w[k]));
				memcpy(w[k].name, r->name, r->namelen);
				w[k].namelen = r->namelen;
				w[k].type = r->type;
				nw++;
			}
			struct zone_rrset cur = {.type = r->type,
			                         .count = w[k].count,
			                         .rdata = w[k].rdata};
			if (rrset_find(&cur, r->rdata, r->rdlen) >= 0)
				continue; /* duplicates count once */
			w[k].rdata =
			        xrealloc(w[k].rdata, w[k].rdlen + 2 + r->rdlen);
			w[k].rdata[w[k].rdlen] = (uint8_t)(r->rdlen >> 8);
			w[k].rdata[w[k].rdlen + 1] = (uint8_t)r->rdlen;
			memcpy(w[k].rdata + w[k].rdlen + 2, r->rdata, r->rdlen);
			w[k].rdlen += 2 + r->rdlen;
			w[k].count++;
		} else {
			rc = DNS_RCODE_FORMERR;
		}
	}
	if (rc == DNS_RCODE_NOERROR)
		rc = check_wants(e, w, nw);
	for (size_t k = 0; k < nw; k++)
		free(w[k].rdata);
	free(w);
	return rc;
}

/* ---- the update section (RFC 2136 3.4) ---- */

static int prescan(const uint8_t *msg, size_t len, size_t pos, unsigned count,
                   const struct zone_node *apex, const struct tsig_key *key,
                   struct rr *r, struct update_result *res)
{
	for (unsigned i = 0; i < count; i++) {
		if (read_rr(msg, len, &pos, r) != 0)
			return DNS_RCODE_FORMERR;
		if (!dname_is_sub(r->name, r->namelen, apex->name,
		                  apex->namelen))
			return DNS_RCODE_NOTZONE;
		switch (r->cls) {
		case RR_CLASS_IN:
			if (is_meta(r->type))
				return DNS_RCODE_FORMERR;
			break;
		case RR_CLASS_ANY:
			if (r->ttl != 0 || r->rdlen != 0 ||
			    (is_meta(r->type) && r->type != RR_TYPE_ANY))
				return DNS_RCODE_FORMERR;
			break;
		case RR_CLASS_NONE:
			if (r->ttl != 0 || is_meta(r->type))
				return DNS_RCODE_FORMERR;
			break;
		default:
			return DNS_RCODE_FORMERR;
		}
		struct weight_rec wr;
		if (r->cls == RR_CLASS_IN && r->type == RR_TYPE_TXT &&
		    weight_is_name(r->name) &&
		    weight_parse(r->rdata, r->rdlen, &wr) != DP_OK) {
			char nb[1024];
			snprintf(res->text, sizeof(res->text),
			         "weight: %s TXT: not one string \"ADDRESS "
			         "WEIGHT\" with a weight of 0..%u",
			         dname_to_str(r->name, nb, sizeof(nb)),
			         WEIGHT_MAX);
			res->reason = UPDATE_INVALID;
			return DNS_RCODE_REFUSED;
		}
		if (key != NULL &&
		    !key_allows(key, r->name, r->namelen, r->type)) {
			char nb[1024];
			snprintf(res->text, sizeof(res->text),
			         "policy: key %s may not change %s type %u",
			         key->name,
			         dname_to_str(r->name, nb, sizeof(nb)),
			         r->type);
			res->reason = UPDATE_POLICY;
			return DNS_RCODE_REFUSED;
		}
	}
	return DNS_RCODE_NOERROR;
}

/* Add one record (class IN); returns true if the zone changed. */
static bool add_rr(struct zone_edit *e, const struct zone_node *apex,
                   const struct rr *r, bool *serial_set)
{
	bool at_apex =
	        dname_equal(r->name, r->namelen, apex->name, apex->namelen);
	struct zone_rrset cur;
	bool has = zone_edit_get(e, r->name, r->namelen, r->type, &cur);
	uint8_t one[2 + MAX_RRSET];
	one[0] = (uint8_t)(r->rdlen >> 8);
	one[1] = (uint8_t)r->rdlen;
	memcpy(one + 2, r->rdata, r->rdlen);

	if (r->type == RR_TYPE_SOA) {
		/* Only at the apex, and only a newer serial (3.4.2.2). */
		if (!at_apex || !has || r->rdlen < 22)
			return false;
		struct zone_rrset nsoa = {.count = 1, .rdata = one};
		if (!serial_gt(zone_rrset_serial(&nsoa),
		               zone_rrset_serial(&cur)))
			return false;
		zone_edit_put(e, r->name, r->namelen, r->type, r->ttl, 1, one,
		              r->rdlen + 2);
		*serial_set = true;
		return true;
	}
	struct zone_rrset cn;
	bool has_cname =
	        zone_edit_get(e, r->name, r->namelen, RR_TYPE_CNAME, &cn);
	bool has_other = zone_edit_types(e, r->name, r->namelen, NULL, 0) >
	                 (has_cname ? 1u : 0u);
	if (r->type == RR_TYPE_CNAME && has_other)
		return false; /* CNAME beside other data: ignored */
	if (r->type != RR_TYPE_CNAME && has_cname)
		return false;
	if (r->type == RR_TYPE_CNAME && has) {
		/* A name has one CNAME: the new one replaces it. */
		if (rrset_find(&cur, r->rdata, r->rdlen) >= 0 &&
		    cur.ttl == r->ttl)
			return false;
		zone_edit_put(e, r->name, r->namelen, r->type, r->ttl, 1, one,
		              r->rdlen + 2);
		return true;
	}
	if (!has) {
		zone_edit_put(e, r->name, r->namelen, r->type, r->ttl, 1, one,
		              r->rdlen + 2);
		return true;
	}
	size_t curlen = rrset_len(&cur);
	if (rrset_find(&cur, r->rdata, r->rdlen) >= 0) {
		if (cur.ttl == r->ttl)
			return false;
		/* The same record again: only the TTL changes. */
		zone_edit_put(e, r->name, r->namelen, r->type, r->ttl,
		              cur.count, cur.rdata, curlen);
		return true;
	}
	if (cur.count == UINT16_MAX || curlen + 2 + r->rdlen > 1 << 20)
		return false;
	uint8_t *buf = xmalloc(curlen + 2 + r->rdlen);
	memcpy(buf, cur.rdata, curlen);
	memcpy(buf + curlen, one, 2 + r->rdlen);
	zone_edit_put(e, r->name, r->namelen, r->type, r->ttl,
	              (uint16_t)(cur.count + 1), buf, curlen + 2 + r->rdlen);
	free(buf);
	return true;
}

/* Delete the RRset of @type (class ANY); the apex keeps SOA and NS. */
static bool delete_rrset(struct zone_edit *e, const struct zone_node *apex,
                         const uint8_t *name, size_t len, uint16_t type)
{
	bool at_apex = dname_equal(name, len, apex->name, apex->namelen);
	if (at_apex && (type == RR_TYPE_SOA || type == RR_TYPE_NS))
		return false;
	struct zone_rrset cur;
	if (!zone_edit_get(e, name, len, type, &cur))
		return false;
	zone_edit_put(e, name, len, type, 0, 0, NULL, 0);
	return true;
}

/* Delete one record (class NONE). */
static bool delete_rr(struct zone_edit *e, const struct zone_node *apex,
                      const struct rr *r)
{
	bool at_apex =
	        dname_equal(r->name, r->namelen, apex->name, apex->namelen);
	if (r->type == RR_TYPE_SOA)
		return false;
	struct zone_rrset cur;
	if (!zone_edit_get(e, r->name, r->namelen, r->type, &cur))
		return false;
	long off = rrset_find(&cur, r->rdata, r->rdlen);
	if (off < 0)
		return false;
	if (at_apex && r->type == RR_TYPE_NS && cur.count == 1)
		return false; /* the last apex NS stays (3.4.2.4) */
	size_t total = rrset_len(&cur);
	size_t l = 2u + rd16(cur.rdata + off);
	uint8_t *buf = xmalloc(total);
	memcpy(buf, cur.rdata, (size_t)off);
	memcpy(buf + off, cur.rdata + off + l, total - (size_t)off - l);
	zone_edit_put(e, r->name, r->namelen, r->type, cur.ttl,
	              (uint16_t)(cur.count - 1), buf, total - l);
	free(buf);
	return true;
}

static bool apply_updates(struct zone_edit *e, const uint8_t *msg, size_t len,
                          size_t pos, unsigned count,
                          const struct zone_node *apex, struct rr *r,
                          bool *serial_set)
{
	bool changed = false;
	for (unsigned i = 0; i < count; i++) {
		read_rr(msg, len, &pos, r); /* prescan checked it */
		if (r->cls == RR_CLASS_IN) {
			changed |= add_rr(e, apex, r, serial_set);
		} else if (r->cls == RR_CLASS_NONE) {
			changed |= delete_rr(e, apex, r);
		} else if (r->type != RR_TYPE_ANY) {
			changed |= delete_rrset(e, apex, r->name, r->namelen,
			                        r->type);
		} else {
			size_t nt = zone_edit_types(e, r->name, r->namelen,
			                            NULL, 0);
			uint16_t *types = xcalloc(nt + 1, sizeof(*types));
			zone_edit_types(e, r->name, r->namelen, types, nt);
			for (size_t t = 0; t < nt; t++)
				changed |= delete_rrset(e, apex, r->name,
				                        r->namelen, types[t]);
			free(types);
		}
	}
	return changed;
}

int update_zone(const struct zoneset *zs, const uint8_t *msg, size_t len,
                const struct zone **zone)
{
	*zone = NULL;
	if (len < 12 || rd16(msg + 4) != 1)
		return DNS_RCODE_FORMERR;
	size_t pos = 12;
	uint8_t name[DNAME_MAXLEN];
	int nl = dname_unpack(msg, len, &pos, name);
	if (nl < 0 || pos + 4 > len)
		return DNS_RCODE_FORMERR;
	if (rd16(msg + pos) != RR_TYPE_SOA)
		return DNS_RCODE_FORMERR;
	if (rd16(msg + pos + 2) != RR_CLASS_IN)
		return DNS_RCODE_NOTAUTH;
	const struct zone *z = zoneset_find(zs, name, (size_t)nl);
	if (z == NULL)
		return DNS_RCODE_NOTAUTH;
	const struct zone_node *apex = zone_apex(z);
	if (!dname_equal(apex->name, apex->namelen, name, (size_t)nl))
		return DNS_RCODE_NOTAUTH; /* not the apex of a zone */
	*zone = z;
	return DNS_RCODE_NOERROR;
}

/* The owner names of an update section, for the guard to choose its rules. */
struct owner_iter {
	const uint8_t *msg;
	size_t len, pos;
	unsigned left;
	struct rr *r;
};

static int next_owner(void *arg, const uint8_t **name, size_t *len)
{
	struct owner_iter *it = arg;
	if (it->left == 0)
		return 0;
	it->left--;
	if (read_rr(it->msg, it->len, &it->pos, it->r) != 0)
		return -1; /* prescan passed it; the guard reads every rule */
	*name = it->r->name;
	*len = it->r->namelen;
	return 1;
}

void update_apply(struct zone_edit *e, const uint8_t *msg, size_t len,
                  const struct tsig_key *key, const struct guard *g,
                  struct update_result *res)
{
	memset(res, 0, sizeof(*res));
	res->ede = -1;
	const struct zone_node *apex = zone_apex(zone_edit_base(e));
	size_t mark = zone_edit_mark(e);
	struct rr *r = xmalloc(sizeof(*r));
	struct guard_pass gp = {0};

	/* Past the zone section (update_zone checked it). */
	size_t pos = 12;
	uint8_t name[DNAME_MAXLEN];
	dname_unpack(msg, len, &pos, name);
	pos += 4;
	unsigned prcount = rd16(msg + 6), upcount = rd16(msg + 8);
	res->rcode = prerequisites(e, msg, len, &pos, prcount, apex, r);
	if (res->rcode != DNS_RCODE_NOERROR) {
		res->reason = res->rcode == DNS_RCODE_FORMERR   ? UPDATE_FORMERR
		              : res->rcode == DNS_RCODE_NOTZONE ? UPDATE_NOTZONE
		                                                : UPDATE_PREREQ;
		goto out;
	}
	res->rcode = prescan(msg, len, pos, upcount, apex, key, r, res);
	if (res->rcode != DNS_RCODE_NOERROR) {
		if (res->reason == UPDATE_OK)
			res->reason = res->rcode == DNS_RCODE_NOTZONE
			                      ? UPDATE_NOTZONE
			                      : UPDATE_FORMERR;
		if (res->reason == UPDATE_POLICY ||
		    res->reason == UPDATE_INVALID)
			res->ede = EDE_PROHIBITED;
		goto out;
	}
	struct owner_iter it = {msg, len, pos, upcount, r};
	guard_pass_begin(&gp, g, e, apex, next_owner, &it);
	gp.may_lower =
	        key != NULL && guard_may_lower(g, key->wire, key->wirelen);
	bool serial_set = false;
	res->changed =
	        apply_updates(e, msg, len, pos, upcount, apex, r, &serial_set);
	if (res->changed && !zone_edit_changed_since(e, mark)) {
		/* Steps that cancel out: nothing to commit. */
		zone_edit_rollback(e, mark);
		res->changed = false;
	}
	if (res->changed) {
		enum guard_verdict v =
		        guard_pass_check(&gp, e, res->text, sizeof(res->text));
		if (v != GUARD_PASS) {
			res->reason =
			        v == GUARD_FENCE ? UPDATE_FENCE : UPDATE_GUARD;
			res->rcode = DNS_RCODE_REFUSED;
			res->ede = EDE_PROHIBITED;
			goto out;
		}
	}
	/* The last line of defence, guard on or off: an endpoint left
	 * without an address answers its backup, from this commit on. */
	if (res->changed)
		failover_apply(&g->failover, e);
	if (res->changed && !serial_set)
		zone_edit_bump_serial(e);
out:
	if (res->rcode != DNS_RCODE_NOERROR) {
		zone_edit_rollback(e, mark);
		res->changed = false;
	}
	guard_pass_end(&gp, e);
	free(r);
}
