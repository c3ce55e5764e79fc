/*
 * updtext.c - UPDATE actions from words (RFC 2136 2.4 and 2.5).
 */
#include <stdio.h>
#include <string.h>

#include "layout.h"
#include "updtext.h"

/* "NAME TTL IN TYPE" and the rdata words, in @cls, or NULL. */
static ldns_rr *rr_words(const char *name, const char *ttl, const char *type,
                         char **rd, int nrd, ldns_rr_class cls)
{
	char buf[2048];
	size_t n = (size_t)snprintf(buf, sizeof(buf), "%s %s IN %s", name, ttl,
	                            type);
	for (int i = 0; i < nrd && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, " %s", rd[i]);
	ldns_rr *rr = NULL;
	if (n >= sizeof(buf) ||
	    ldns_rr_new_frm_str(&rr, buf, 0, NULL, NULL) != LDNS_STATUS_OK)
		return NULL;
	ldns_rr_set_class(rr, cls);
	return rr;
}

/* A record without data of the type named @type ("ANY" for a name). */
static ldns_rr *bare(const char *name, const char *type, ldns_rr_class cls)
{
	ldns_rr_type t = ldns_get_rr_type_by_name(type);
	return t == 0 ? NULL : layout_rr_bare(name, t, cls);
}

int updtext_action(char **w, int n, ldns_rr_list *pr, ldns_rr_list *up)
{
	ldns_rr *rr = NULL;
	ldns_rr_list *to = pr;
	if (strcmp(w[0], "yxdomain") == 0 && n == 2) {
		rr = bare(w[1], "ANY", LDNS_RR_CLASS_ANY);
	} else if (strcmp(w[0], "nxdomain") == 0 && n == 2) {
		rr = bare(w[1], "ANY", LDNS_RR_CLASS_NONE);
	} else if (strcmp(w[0], "yxrrset") == 0 && n == 3) {
		rr = bare(w[1], w[2], LDNS_RR_CLASS_ANY);
	} else if (strcmp(w[0], "yxrrset") == 0 && n >= 4) {
		/* Value dependent: class IN, TTL 0 (2.4.2). */
		rr = rr_words(w[1], "0", w[2], w + 3, n - 3, LDNS_RR_CLASS_IN);
	} else if (strcmp(w[0], "nxrrset") == 0 && n == 3) {
		rr = bare(w[1], w[2], LDNS_RR_CLASS_NONE);
	} else if (strcmp(w[0], "add") == 0 && n >= 5) {
		to = up;
		rr = rr_words(w[1], w[2], w[3], w + 4, n - 4, LDNS_RR_CLASS_IN);
	} else if (strcmp(w[0], "del") == 0 && n == 2) {
		to = up;
		rr = bare(w[1], "ANY", LDNS_RR_CLASS_ANY);
	} else if (strcmp(w[0], "del") == 0 && n == 3) {
		to = up;
		rr = bare(w[1], w[2], LDNS_RR_CLASS_ANY);
	} else if (strcmp(w[0], "del") == 0 && n >= 4) {
		/* One record: class NONE, TTL 0 (2.5.4). */
		to = up;
		rr = rr_words(w[1], "0", w[2], w + 3, n - 3,
		              LDNS_RR_CLASS_NONE);
	}
	if (rr == NULL)
		return -1;
	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN || to == pr)
		ldns_rr_set_ttl(rr, 0);
	ldns_rr_list_push_rr(to, rr);
	return 0;
}
