/*
 * served.c - read the generation markers authd serves (see served.h).
 */
#include <stdio.h>
#include <string.h>

#include "dnsclient.h"
#include "labels.h"
#include "layout.h"
#include "served.h"
#include "xalloc.h"

/* dnsclient_exchange_many() takes at most this many at once. */
#define SERVED_BATCH 4096

static dp_status read_batch(struct dnsclient *c, const struct region *r,
                            size_t from, size_t n, struct served *out,
                            char *err, size_t errlen)
{
	ldns_pkt **qs = xcalloc(n, sizeof(*qs));
	ldns_pkt **as = xcalloc(n, sizeof(*as));
	dp_status rc = DP_OK;
	for (size_t i = 0; i < n && rc == DP_OK; i++) {
		char name[LAYOUT_NAMELEN];
		layout_marker_name(r->endpoints[from + i].name, name,
		                   sizeof(name));
		if (ldns_pkt_query_new_frm_str(&qs[i], name, LDNS_RR_TYPE_TXT,
		                               LDNS_RR_CLASS_IN,
		                               0) != LDNS_STATUS_OK) {
			snprintf(err, errlen, "'%s': bad name", name);
			rc = DP_EINVAL;
		}
	}
	if (rc == DP_OK)
		rc = dnsclient_exchange_many(c, qs, n, as, err, errlen);
	for (size_t i = 0; i < n && rc == DP_OK; i++) {
		const char *ep = r->endpoints[from + i].name;
		ldns_pkt_rcode rcode = ldns_pkt_get_rcode(as[i]);
		if (rcode != LDNS_RCODE_NOERROR &&
		    rcode != LDNS_RCODE_NXDOMAIN) {
			snprintf(err, errlen,
			         "authd answers %s for the marker of %s: does "
			         "it serve that zone?",
			         layout_rcode_name(rcode), ep);
			rc = DP_EFOREIGN;
			break;
		}
		uint64_t g = 0;
		int m = layout_marker_parse(as[i], &g);
		out->markers += m == 1;
		out->malformed += m < 0;
		if (m != 0 && g >= PLAN_GEN_MAX) {
			/* No plan can pass it: the fence keeps this one
			 * endpoint until an operator lowers it; the
			 * others go on. */
			if (out->at_max++ == 0)
				snprintf(out->at_max_endpoint,
				         sizeof(out->at_max_endpoint), "%s",
				         ep);
		} else if (m != 0 && g < PLAN_GEN_MAX && g > out->high) {
			/* A malformed marker counts at the highest it
			 * holds: authd's fence keeps it there. */
			out->high = g;
			snprintf(out->endpoint, sizeof(out->endpoint), "%s",
			         ep);
		}
	}
	for (size_t i = 0; i < n; i++) {
		ldns_pkt_free(qs[i]);
		ldns_pkt_free(as[i]);
	}
	free(qs);
	free(as);
	return rc;
}

dp_status served_read(const char *server, const struct region *r,
                      int timeout_ms, struct served *out, char *err,
                      size_t errlen)
{
	memset(out, 0, sizeof(*out));
	struct dnsclient *c = NULL;
	dp_status rc = dnsclient_new(server, NULL, timeout_ms, &c, err, errlen);
	for (size_t i = 0; rc == DP_OK && i < r->nendpoints;
	     i += SERVED_BATCH) {
		size_t n = r->nendpoints - i;
		rc = read_batch(c, r, i, n < SERVED_BATCH ? n : SERVED_BATCH,
		                out, err, errlen);
	}
	dnsclient_free(c);
	return rc;
}
