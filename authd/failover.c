/*
 * failover.c - backup records for endpoints that would answer no address.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "failover.h"
#include "guard.h"
#include "labels.h"
#include "log.h"
#include "wire.h"
#include "xalloc.h"

/* Append one record of @n bytes to an rdata array. */
static void rd_add(uint8_t **rd, size_t *len, uint16_t *count,
                   const uint8_t *data, size_t n)
{
	*rd = xrealloc(*rd, *len + 2 + n);
	wr16(*rd + *len, (uint16_t)n);
	memcpy(*rd + *len + 2, data, n);
	*len += 2 + n;
	(*count)++;
}

int failover_parse(struct failover *f, const char *text, char *why,
                   size_t whylen)
{
	struct failover_rule r;
	memset(&r, 0, sizeof(r));
	char *copy = xstrdup(text), *save = NULL;
	char *name = strtok_r(copy, " \t", &save);
	int rc = -1;
	int nl = name ? dname_from_str(name, r.name) : -1;
	if (nl < 0) {
		snprintf(why, whylen, "'%s': not ENDPOINT ADDRESS...", text);
		goto out;
	}
	r.namelen = (size_t)nl;
	dname_to_str(r.name, r.text, sizeof(r.text));
	for (size_t i = 0; i < f->n; i++) {
		if (dname_equal(f->rules[i].name, f->rules[i].namelen, r.name,
		                r.namelen)) {
			snprintf(why, whylen, "a second rule for %s", r.text);
			goto out;
		}
	}
	for (char *a = strtok_r(NULL, " \t", &save); a != NULL;
	     a = strtok_r(NULL, " \t", &save)) {
		uint8_t bin[16];
		if (inet_pton(AF_INET, a, bin) == 1) {
			rd_add(&r.rd4, &r.rd4len, &r.n4, bin, 4);
		} else if (inet_pton(AF_INET6, a, bin) == 1) {
			rd_add(&r.rd6, &r.rd6len, &r.n6, bin, 16);
		} else {
			snprintf(why, whylen,
			         "'%s' is not an IPv4 or IPv6 "
			         "address",
			         a);
			goto out;
		}
	}
	if (r.n4 + r.n6 == 0) {
		snprintf(why, whylen, "%s: no backup address", r.text);
		goto out;
	}
	f->rules = xrealloc(f->rules, (f->n + 1) * sizeof(*f->rules));
	f->rules[f->n++] = r;
	memset(&r, 0, sizeof(r));
	rc = 0;
out:
	free(r.rd4);
	free(r.rd6);
	free(copy);
	return rc;
}

void failover_free(struct failover *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->rules[i].rd4);
		free(f->rules[i].rd6);
	}
	free(f->rules);
	f->rules = NULL;
	f->n = 0;
}

/* Does @have (an RRset, or NULL) hold exactly the records of @rd? */
static bool same_records(const struct zone_rrset *have, const uint8_t *rd,
                         size_t rdlen, uint16_t count)
{
	if (count == 0)
		return have == NULL || have->count == 0;
	if (have == NULL || have->count != count)
		return false;
	/* Each backup record once in @have (RRsets hold no duplicates). */
	for (size_t o = 0; o < rdlen; o += 2u + rd16(rd + o)) {
		bool found = false;
		size_t l = 2u + rd16(rd + o), h = 0;
		for (uint16_t i = 0; i < have->count && !found; i++) {
			size_t hl = 2u + rd16(have->rdata + h);
			found = hl == l &&
			        memcmp(have->rdata + h, rd + o, l) == 0;
			h += hl;
		}
		if (!found)
			return false;
	}
	return true;
}

/* Is @r's endpoint on its backup, given its CNAME, A and AAAA RRsets? */
static bool on_backup(const struct failover_rule *r,
                      const struct zone_rrset *cname,
                      const struct zone_rrset *a, const struct zone_rrset *aaaa)
{
	return cname == NULL && same_records(a, r->rd4, r->rd4len, r->n4) &&
	       same_records(aaaa, r->rd6, r->rd6len, r->n6);
}

bool failover_active(const struct failover_rule *r, const struct zone *z)
{
	const struct zone_node *n = zone_find(z, r->name, r->namelen);
	if (n == NULL)
		return false;
	return on_backup(r, zone_node_rrset(n, RR_TYPE_CNAME),
	                 zone_node_rrset(n, RR_TYPE_A),
	                 zone_node_rrset(n, RR_TYPE_AAAA));
}

/* Is @r's endpoint on its backup in the zone as edited by @e? */
static bool edit_on_backup(const struct failover_rule *r,
                           const struct zone_edit *e)
{
	struct zone_rrset c, a, aaaa;
	bool hc = zone_edit_get(e, r->name, r->namelen, RR_TYPE_CNAME, &c);
	bool ha = zone_edit_get(e, r->name, r->namelen, RR_TYPE_A, &a);
	bool h6 = zone_edit_get(e, r->name, r->namelen, RR_TYPE_AAAA, &aaaa);
	return on_backup(r, hc ? &c : NULL, ha ? &a : NULL, h6 ? &aaaa : NULL);
}

size_t failover_apply(const struct failover *f, struct zone_edit *e)
{
	const struct zone_node *apex = zone_apex(zone_edit_base(e));
	size_t on = 0;
	for (size_t i = 0; i < f->n; i++) {
		const struct failover_rule *r = &f->rules[i];
		if (!dname_is_sub(r->name, r->namelen, apex->name,
		                  apex->namelen))
			continue;
		uint8_t m[DNAME_MAXLEN];
		size_t ml =
		        dname_prepend(LABEL_FAILOVER, r->name, r->namelen, m);
		bool far = false;
		if (guard_count_addresses(e, apex, r->name, r->namelen, &far) ==
		    0) {
			/* No address: the backup, in place of E's data. */
			zone_edit_put(e, r->name, r->namelen, RR_TYPE_CNAME, 0,
			              0, NULL, 0);
			zone_edit_put(e, r->name, r->namelen, RR_TYPE_A,
			              FAILOVER_TTL, r->n4, r->rd4, r->rd4len);
			zone_edit_put(e, r->name, r->namelen, RR_TYPE_AAAA,
			              FAILOVER_TTL, r->n6, r->rd6, r->rd6len);
			/* A mark for readers: the CLI, the prober. */
			static const uint8_t backup[] = {
			        0, 7, 6, 'b', 'a', 'c', 'k', 'u', 'p'};
			if (ml > 0)
				zone_edit_put(e, m, ml, RR_TYPE_TXT,
				              FAILOVER_TTL, 1, backup,
				              sizeof(backup));
			on++;
		} else if (!edit_on_backup(r, e)) {
			/* Off its backup (or never on it): no mark. */
			struct zone_rrset t;
			if (ml > 0 && zone_edit_get(e, m, ml, RR_TYPE_TXT, &t))
				zone_edit_put(e, m, ml, RR_TYPE_TXT, 0, 0, NULL,
				              0);
		}
	}
	return on;
}

/* Is @r's endpoint on its backup in the zone set @zs? */
static bool set_active(const struct failover_rule *r, const struct zoneset *zs)
{
	const struct zone *z =
	        zs ? zoneset_find(zs, r->name, r->namelen) : NULL;
	return z != NULL && failover_active(r, z);
}

void failover_watch_init(struct failover_watch *w)
{
	memset(w, 0, sizeof(*w));
	pthread_mutex_init(&w->lock, NULL);
}

void failover_watch_free(struct failover_watch *w)
{
	failover_free(&w->rules);
	free(w->active);
	pthread_mutex_destroy(&w->lock);
}

void failover_watch_rules(struct failover_watch *w, struct failover *rules,
                          const struct zoneset *zs)
{
	bool *active = xcalloc(rules->n + 1, sizeof(*active));
	for (size_t i = 0; i < rules->n; i++)
		active[i] = set_active(&rules->rules[i], zs);
	pthread_mutex_lock(&w->lock);
	failover_free(&w->rules);
	free(w->active);
	w->rules = *rules;
	w->active = active;
	memset(rules, 0, sizeof(*rules));
	pthread_mutex_unlock(&w->lock);
}

void failover_watch_publish(struct failover_watch *w, const struct zoneset *zs)
{
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < w->rules.n; i++) {
		const struct failover_rule *r = &w->rules.rules[i];
		bool now = set_active(r, zs);
		if (now == w->active[i])
			continue;
		w->active[i] = now;
		if (now) {
			w->activations++;
			log_warning("failover: %s has no address of its own; "
			            "answering its %u backup address%s",
			            r->text, r->n4 + r->n6,
			            r->n4 + r->n6 == 1 ? "" : "es");
		} else {
			log_notice("failover: %s is off its backup addresses",
			           r->text);
		}
	}
	pthread_mutex_unlock(&w->lock);
}

void failover_watch_render(struct failover_watch *w,
                           void (*put)(void *arg, const char *line), void *arg)
{
	char line[DNAME_MAXLEN * 4 + 128];
	pthread_mutex_lock(&w->lock);
	put(arg, "# HELP dnsplane_authd_failover_active Whether the endpoint "
	         "answers its backup addresses.\n"
	         "# TYPE dnsplane_authd_failover_active gauge\n");
	for (size_t i = 0; i < w->rules.n; i++) {
		snprintf(line, sizeof(line),
		         "dnsplane_authd_failover_active{endpoint=\"%s\"} %d\n",
		         w->rules.rules[i].text, w->active[i] ? 1 : 0);
		put(arg, line);
	}
	snprintf(line, sizeof(line),
	         "# HELP dnsplane_authd_failover_activations_total Times an "
	         "endpoint was put on its backup addresses.\n"
	         "# TYPE dnsplane_authd_failover_activations_total counter\n"
	         "dnsplane_authd_failover_activations_total %llu\n",
	         (unsigned long long)w->activations);
	put(arg, line);
	pthread_mutex_unlock(&w->lock);
}
