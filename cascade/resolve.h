/*
 * resolve.h - what leasemgr does with DNS, as a real client does: ask
 * its resolver for the endpoint's A records, follow the CNAME chain in
 * the answer, and keep the result for its TTL: the addresses for the
 * smallest TTL of the records used, a negative answer (NXDOMAIN, or no
 * address) for the negative TTL of RFC 2308, min(SOA TTL, SOA MINIMUM)
 * of the SOA in the authority section.  No answer, SERVFAIL and the like
 * are not kept.
 *
 * No sockets: the query's wire form and the parse of an answer; the I/O
 * is in mgr_main.c.
 */
#ifndef RESOLVE_H
#define RESOLVE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "dp.h"

#define RESOLVE_MAX_ADDRS 16

enum resolve_result {
	RESOLVE_ADDRS,    /* at least one address */
	RESOLVE_NXDOMAIN, /* the name (or the end of its chain) is not */
	RESOLVE_NODATA,   /* the name is, without an address */
	RESOLVE_ERROR,    /* another rcode, or nothing usable */
};

struct resolve_answer {
	enum resolve_result result;
	uint32_t ttl; /* seconds to keep it (RESOLVE_ERROR: 0) */
	size_t naddrs;
	struct in_addr addrs[RESOLVE_MAX_ADDRS];
};

/* resolve_result_name - "addresses", "NXDOMAIN", "NODATA", "error". */
const char *resolve_result_name(enum resolve_result r);

/*
 * resolve_query - the wire form of "@name A", recursion desired, with
 * message id @id, into *@wire (malloc()ed, the caller frees) of *@len
 * bytes.  Returns DP_OK, or DP_EINVAL for a name that does not parse.
 */
dp_status resolve_query(const char *name, uint16_t id, uint8_t **wire,
                        size_t *len);

/*
 * resolve_parse - the answer @wire (@len bytes) to a query of @name with
 * id @id into @out.  Returns DP_OK, DP_EPARSE when it is no DNS message,
 * or DP_EINVAL when it answers another question or id (not for us).
 */
dp_status resolve_parse(const char *name, uint16_t id, const uint8_t *wire,
                        size_t len, struct resolve_answer *out);

/* One name's cached answer. */
struct resolve_cache {
	struct resolve_answer a;
	int64_t expires_ms; /* 0: empty */
};

/* resolve_cache_put - keep @a from @now_ms for its TTL (errors: not). */
void resolve_cache_put(struct resolve_cache *c, const struct resolve_answer *a,
                       int64_t now_ms);

/* resolve_cache_get - the answer kept at @now_ms, or NULL. */
const struct resolve_answer *resolve_cache_get(const struct resolve_cache *c,
                                               int64_t now_ms);

#endif /* RESOLVE_H */
