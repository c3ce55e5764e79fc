/*
 * resolve.c - the lease manager's DNS query, the parse of its answer
 * with ldns, and the one-name cache (see resolve.h).
 */
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "resolve.h"

const char *resolve_result_name(enum resolve_result r)
{
	static const char *const names[] = {"addresses", "NXDOMAIN", "NODATA",
	                                    "error"};
	return names[r];
}

dp_status resolve_query(const char *name, uint16_t id, uint8_t **wire,
                        size_t *len)
{
	ldns_pkt *q = NULL;
	if (ldns_pkt_query_new_frm_str(&q, name, LDNS_RR_TYPE_A,
	                               LDNS_RR_CLASS_IN,
	                               LDNS_RD) != LDNS_STATUS_OK)
		return DP_EINVAL;
	ldns_pkt_set_id(q, id);
	ldns_status s = ldns_pkt2wire(wire, q, len);
	ldns_pkt_free(q);
	return s == LDNS_STATUS_OK ? DP_OK : DP_EINVAL;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* The negative TTL of @p: min(SOA TTL, MINIMUM) of its authority SOA;
 * none: 0 (not kept). */
static uint32_t negative_ttl(const ldns_pkt *p)
{
	ldns_rr_list *auth = ldns_pkt_authority(p);
	for (size_t i = 0; i < ldns_rr_list_rr_count(auth); i++) {
		ldns_rr *rr = ldns_rr_list_rr(auth, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA ||
		    ldns_rr_rd_count(rr) < 7)
			continue;
		uint32_t minimum = ldns_rdf2native_int32(ldns_rr_rdf(rr, 6));
		return min_u32(ldns_rr_ttl(rr), minimum);
	}
	return 0;
}

/*
 * Follow the chain from @name through the answer's CNAMEs and collect
 * the A records of its end into @out; the TTL is the smallest of the
 * records used.  Returns the end of the chain (owned by @p's records).
 */
static const ldns_rdf *follow(const ldns_pkt *p, ldns_rdf *name,
                              struct resolve_answer *out)
{
	ldns_rr_list *ans = ldns_pkt_answer(p);
	const ldns_rdf *cur = name;
	uint32_t ttl = UINT32_MAX;
	/* A chain longer than the answer is a loop. */
	for (size_t hops = 0; hops <= ldns_rr_list_rr_count(ans); hops++) {
		const ldns_rdf *next = NULL;
		for (size_t i = 0; i < ldns_rr_list_rr_count(ans); i++) {
			ldns_rr *rr = ldns_rr_list_rr(ans, i);
			if (ldns_dname_compare(ldns_rr_owner(rr), cur) != 0)
				continue;
			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
			    ldns_rr_rd_count(rr) == 1) {
				next = ldns_rr_rdf(rr, 0);
				ttl = min_u32(ttl, ldns_rr_ttl(rr));
			} else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_A &&
			           out->naddrs < RESOLVE_MAX_ADDRS) {
				memcpy(&out->addrs[out->naddrs++],
				       ldns_rdf_data(ldns_rr_rdf(rr, 0)), 4);
				ttl = min_u32(ttl, ldns_rr_ttl(rr));
			}
		}
		if (next == NULL || out->naddrs > 0)
			break;
		cur = next;
	}
	out->ttl = out->naddrs > 0 ? ttl : 0;
	return cur;
}

dp_status resolve_parse(const char *name, uint16_t id, const uint8_t *wire,
                        size_t len, struct resolve_answer *out)
{
	ldns_pkt *p = NULL;
	ldns_rdf *qname = NULL;
	dp_status st = DP_OK;
	memset(out, 0, sizeof(*out));
	if (ldns_wire2pkt(&p, wire, len) != LDNS_STATUS_OK)
		return DP_EPARSE;
	if (ldns_str2rdf_dname(&qname, name) != LDNS_STATUS_OK) {
		st = DP_EINVAL;
		goto out;
	}
	ldns_rr_list *q = ldns_pkt_question(p);
	if (ldns_pkt_id(p) != id || !ldns_pkt_qr(p) ||
	    ldns_rr_list_rr_count(q) != 1 ||
	    ldns_dname_compare(ldns_rr_owner(ldns_rr_list_rr(q, 0)), qname) !=
	            0) {
		st = DP_EINVAL;
		goto out;
	}
	switch (ldns_pkt_get_rcode(p)) {
	case LDNS_RCODE_NOERROR:
		follow(p, qname, out);
		if (out->naddrs > 0) {
			out->result = RESOLVE_ADDRS;
		} else {
			out->result = RESOLVE_NODATA;
			out->ttl = negative_ttl(p);
		}
		break;
	case LDNS_RCODE_NXDOMAIN:
		out->result = RESOLVE_NXDOMAIN;
		out->ttl = negative_ttl(p);
		break;
	default:
		out->result = RESOLVE_ERROR;
		break;
	}
out:
	ldns_rdf_deep_free(qname);
	ldns_pkt_free(p);
	return st;
}

void resolve_cache_put(struct resolve_cache *c, const struct resolve_answer *a,
                       int64_t now_ms)
{
	if (a->result == RESOLVE_ERROR || a->ttl == 0) {
		c->expires_ms = 0;
		return;
	}
	c->a = *a;
	c->expires_ms = now_ms + (int64_t)a->ttl * 1000;
}

const struct resolve_answer *resolve_cache_get(const struct resolve_cache *c,
                                               int64_t now_ms)
{
	if (c->expires_ms == 0 || now_ms >= c->expires_ms)
		return NULL;
	return &c->a;
}
