/*
 * ctl.c - the operator CLI's settings, its look at the store and at
 * authd, the judgement of each endpoint, and the repair.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ctl.h"
#include "labels.h"
#include "dname.h"
#include "dnsclient.h"
#include "keys.h"
#include "xalloc.h"

#define CTL_WHO "dnsplanectl"

struct ctl {
	const struct ctl_settings *s;
	struct keyring *keys;
	struct dnsclient *query;  /* unsigned: reads */
	struct dnsclient *update; /* signed with the key: repairs */
	struct keyring *okeys;
	struct dnsclient *override; /* signed with the override key */
	struct planstore *store;
};

/* ---- settings ---- */

static const char *check_nonempty(const char *v)
{
	return *v ? NULL : "empty value";
}

static const char *check_name(const char *v)
{
	char name[1024];
	if (dname_canonical(v, name) != 0 || strcmp(name, ".") == 0)
		return "not a domain name";
	return NULL;
}

#define OFF(f) offsetof(struct ctl_settings, f)

const struct cfg_option ctl_options[] = {
        CFG_OPT_STRING("store", "/var/lib/dnsplane/plans.db", OFF(store),
                       check_nonempty,
                       "the plan store: a SQLite file's path, or "
                       "etcd://HOST:PORT[,HOST:PORT...] (an etcd v3 "
                       "cluster); never created here"),
        CFG_OPT_ADDR("server", "127.0.0.1:53", 53, OFF(server),
                     "authd, reached over TCP"),
        CFG_OPT_STRING("zone", "api.test.", OFF(zone), check_name,
                       "the zone the endpoints are in"),
        CFG_OPT_STRING("key", NULL, OFF(key), check_nonempty,
                       "TSIG key file (BIND format) repair signs with; its "
                       "first key"),
        CFG_OPT_STRING("override-key", NULL, OFF(override_key), check_nonempty,
                       "TSIG key file of the key authd's fence-override "
                       "names; repair --lower-fence signs with it"),
        CFG_OPT_INT("ttl", "60", 0, 86400, OFF(ttl),
                    "TTL of the records repair writes"),
        CFG_OPT_INT("timeout-ms", "2000", 50, 60000, OFF(timeout_ms),
                    "wait for one answer from authd"),
        CFG_OPT_LIST("endpoint", NULL, OFF(endpoint), check_name,
                     "an endpoint to look at besides those of the newest "
                     "plan"),
        CFG_END(struct ctl_settings, cfg, NULL),
};

char *ctl_format_time(int64_t ms, char *buf, size_t len)
{
	if (ms == 0) {
		snprintf(buf, len, "never");
		return buf;
	}
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the context ---- */

dp_status ctl_new(const struct ctl_settings *s, bool need_key,
                  bool need_override, struct ctl **out, char *err,
                  size_t errlen)
{
	struct ctl *c = xcalloc(1, sizeof(*c));
	const struct tsig_key *key = NULL;
	dp_status rc = DP_OK;
	c->s = s;
	if (s->key != NULL) {
		c->keys = keyring_new();
		if ((rc = keyring_load_file(c->keys, s->key, err, errlen)) !=
		    DP_OK)
			goto fail;
		key = keyring_first(c->keys);
	} else if (need_key) {
		snprintf(err, errlen,
		         "this command signs updates: set 'key' to a BIND key "
		         "file authd accepts");
		rc = DP_EINVAL;
		goto fail;
	}
	if ((rc = dnsclient_new(s->server, NULL, (int)s->timeout_ms, &c->query,
	                        err, errlen)) != DP_OK)
		goto fail;
	if (key != NULL &&
	    (rc = dnsclient_new(s->server, key, (int)s->timeout_ms, &c->update,
	                        err, errlen)) != DP_OK)
		goto fail;
	if (need_override && s->override_key == NULL) {
		snprintf(err, errlen,
		         "--lower-fence signs with the override key: set "
		         "'override-key' to the key file of the key authd's "
		         "fence-override names");
		rc = DP_EINVAL;
		goto fail;
	}
	if (need_override) {
		c->okeys = keyring_new();
		if ((rc = keyring_load_file(c->okeys, s->override_key, err,
		                            errlen)) != DP_OK ||
		    (rc = dnsclient_new(s->server, keyring_first(c->okeys),
		                        (int)s->timeout_ms, &c->override, err,
		                        errlen)) != DP_OK)
			goto fail;
	}
	*out = c;
	return DP_OK;
fail:
	ctl_free(c);
	return rc;
}

void ctl_free(struct ctl *c)
{
	if (c == NULL)
		return;
	planstore_close(c->store);
	dnsclient_free(c->override);
	dnsclient_free(c->update);
	dnsclient_free(c->query);
	keyring_free(c->okeys);
	keyring_free(c->keys);
	free(c);
}

dp_status ctl_open_store(struct ctl *c, char *err, size_t errlen)
{
	return planstore_attach(c->s->store, &c->store, err, errlen);
}

/* ---- judging an endpoint ---- */

const char *ctl_health_name(enum ctl_health h)
{
	switch (h) {
	case CTL_OK:
		return "ok";
	case CTL_BEHIND:
		return "behind";
	case CTL_BACKUP:
		return "backup";
	case CTL_AHEAD:
		return "ahead";
	case CTL_BROKEN:
		break;
	}
	return "broken";
}

static void judged(struct ctl_endpoint *ep, enum ctl_health h, const char *fmt,
                   ...) __attribute__((format(printf, 3, 4)));

static void judged(struct ctl_endpoint *ep, enum ctl_health h, const char *fmt,
                   ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ep->why, sizeof(ep->why), fmt, ap);
	va_end(ap);
	ep->health = h;
}

void ctl_judge(struct ctl_endpoint *ep)
{
	const struct endpoint_state *st = &ep->st;
	unsigned long long g = st->target_gen;
	const char *rcode = layout_rcode_name(st->rcode);
	char gone[512] = "";
	if (g != 0 && !ep->plan_exists) {
		char when[32];
		if (ep->deleted)
			snprintf(gone, sizeof(gone),
			         "its plan %llu was deleted %s by %s (%s)", g,
			         ctl_format_time(ep->deletion.deleted_ms, when,
			                         sizeof(when)),
			         ep->deletion.deleted_by, ep->deletion.reason);
		else
			snprintf(gone, sizeof(gone),
			         "its plan %llu is not in the store", g);
	}
	ep->ahead = st->marker == 1 && st->gen > ep->issued;
	if (st->backup && st->naddrs > 0 && !st->cname) {
		/* authd's failover put it on its backup addresses. */
		judged(ep, CTL_BACKUP,
		       "on its %u backup address%s (authd's failover); "
		       "plan %llu is the newest",
		       st->naddrs, st->naddrs == 1 ? "" : "es",
		       (unsigned long long)ep->newest);
	} else if (st->naddrs == 0) {
		if (*gone)
			judged(ep, CTL_BROKEN,
			       "%s: %s; no legacy enactor can commit a move: "
			       "its transaction points the rollback record at "
			       "plan %llu, which no longer exists",
			       rcode, gone, g);
		else if (g != 0)
			judged(ep, CTL_BROKEN,
			       "%s: the records of plan %llu are missing in "
			       "authd",
			       rcode, g);
		else if (st->cname)
			judged(ep, CTL_BROKEN, "%s: CNAME to %s, no address",
			       rcode, st->target);
		else
			judged(ep, CTL_BROKEN, "%s: no address", rcode);
	} else if (g == 0 && st->cname) {
		judged(ep, CTL_BROKEN, "not on a plan: CNAME to %s",
		       st->target);
	} else if (g == 0) {
		judged(ep, CTL_BROKEN,
		       "not on a plan: %u address%s of its own, no CNAME to "
		       "a plan",
		       st->naddrs, st->naddrs == 1 ? "" : "es");
	} else if (ep->ahead && st->gen >= PLAN_GEN_MAX) {
		judged(ep, CTL_AHEAD,
		       "marked %llu, the largest generation there is: no plan "
		       "can pass it; repair --lower-fence",
		       (unsigned long long)st->gen);
	} else if (ep->ahead) {
		/* A store restored from an older copy or recreated, or a
		 * marker raised by hand: the fence refuses every plan the
		 * store has. */
		judged(ep, CTL_AHEAD,
		       "marked %llu, above every generation the store issued "
		       "(%llu: a restored store, or a marker raised by hand): "
		       "a planner with 'server' set writes past it; else "
		       "repair --lower-fence",
		       (unsigned long long)st->gen,
		       (unsigned long long)ep->issued);
	} else if (*gone) {
		judged(ep, CTL_BROKEN, "%s; its records are still served",
		       gone);
	} else if (st->marker == 0) {
		judged(ep, CTL_BROKEN,
		       "no generation marker at " LABEL_GEN ".%s", ep->name);
	} else if (st->marker < 0) {
		judged(ep, CTL_BROKEN,
		       "malformed generation marker at " LABEL_GEN ".%s",
		       ep->name);
	} else if (st->gen != g) {
		judged(ep, CTL_BROKEN,
		       "the marker says %llu, the CNAME names plan %llu",
		       (unsigned long long)st->gen, g);
	} else if (ep->newest > g) {
		judged(ep, CTL_BEHIND, "on plan %llu; plan %llu is newer", g,
		       (unsigned long long)ep->newest);
	} else {
		judged(ep, CTL_OK, "%s", "");
	}
}

/* ---- reading ---- */

static int ep_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ctl_endpoint *)a)->name,
	              ((const struct ctl_endpoint *)b)->name);
}

static void add_ep(struct ctl_view *v, size_t *cap, const char *name)
{
	if (v->neps == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		v->eps = xrealloc(v->eps, *cap * sizeof(*v->eps));
	}
	struct ctl_endpoint *ep = &v->eps[v->neps++];
	memset(ep, 0, sizeof(*ep));
	ep->name = xstrdup(name);
}

/* Sort the endpoints by name and drop repeated names. */
static void sort_eps(struct ctl_view *v)
{
	size_t n = 0;
	qsort(v->eps, v->neps, sizeof(*v->eps), ep_cmp);
	for (size_t i = 0; i < v->neps; i++) {
		if (n > 0 && strcmp(v->eps[n - 1].name, v->eps[i].name) == 0)
			free(v->eps[i].name);
		else
			v->eps[n++] = v->eps[i];
	}
	v->neps = n;
}

static bool plan_listed(const struct ctl_view *v, uint64_t gen)
{
	for (size_t i = 0; i < v->nplans; i++) {
		if (v->plans[i].generation == gen)
			return true;
	}
	return false;
}

/*
 * The endpoints to look at (the newest plan's and the configured ones)
 * and, for each, the newest plan that has addresses for it.  Plans are
 * searched from the newest down and usually the newest has them all.
 */
static dp_status read_endpoints(struct ctl *c, struct ctl_view *v, char *err,
                                size_t errlen)
{
	size_t cap = 0;
	struct plan *top = NULL;
	dp_status rc;
	if (v->newest != 0 &&
	    (rc = planstore_get_plan(c->store, v->newest, &top, err, errlen)) !=
	            DP_OK)
		return rc;
	for (size_t i = 0; top != NULL && i < top->nendpoints; i++)
		add_ep(v, &cap, top->endpoints[i].name);
	for (size_t i = 0; i < c->s->endpoint.n; i++) {
		char name[1024];
		dname_canonical(c->s->endpoint.v[i], name);
		add_ep(v, &cap, name);
	}
	sort_eps(v);
	for (size_t i = 0; i < v->neps; i++) {
		struct ctl_endpoint *ep = &v->eps[i];
		ep->issued = v->issued;
		const struct plan_endpoint *pe =
		        top ? planstore_plan_endpoint(top, ep->name) : NULL;
		if (pe != NULL && pe->naddrs > 0) {
			ep->newest = v->newest;
			continue;
		}
		for (size_t k = v->nplans; k-- > 0 && ep->newest == 0;) {
			uint64_t g = v->plans[k].generation;
			struct plan *p = NULL;
			if (g == v->newest)
				continue;
			rc = planstore_get_endpoint(c->store, g, ep->name, &p,
			                            err, errlen);
			if (rc == DP_OK && p->endpoints[0].naddrs > 0)
				ep->newest = g;
			planstore_plan_free(p);
			if (rc != DP_OK && rc != DP_ENOENT) {
				planstore_plan_free(top);
				return rc;
			}
		}
	}
	planstore_plan_free(top);
	return DP_OK;
}

static dp_status read_store(struct ctl *c, struct ctl_view *v, char *err,
                            size_t errlen)
{
	dp_status rc;
	if ((rc = planstore_region(c->store, v->region, sizeof(v->region), err,
	                           errlen)) != DP_OK ||
	    (rc = planstore_get_control(c->store, &v->control, err, errlen)) !=
	            DP_OK ||
	    (rc = planstore_list(c->store, &v->plans, &v->nplans, err,
	                         errlen)) != DP_OK ||
	    (rc = planstore_enactors(c->store, &v->enactors, &v->nenactors, err,
	                             errlen)) != DP_OK)
		return rc;
	v->newest = v->nplans ? v->plans[v->nplans - 1].generation : 0;
	if ((rc = planstore_issued(c->store, &v->issued, err, errlen)) != DP_OK)
		return rc;
	return read_endpoints(c, v, err, errlen);
}

/* Append the address @text (ours) to @ep's. */
static void add_addr(struct ctl_endpoint *ep, char *text)
{
	ep->addrs = xrealloc(ep->addrs, (ep->naddrs + 1) * sizeof(char *));
	ep->addrs[ep->naddrs++] = text;
}

/*
 * The addresses of @ep's weight set, which an answer by weight (one
 * address drawn) does not cut: the address of each "ADDR W" record.
 */
static dp_status read_weighted_addrs(struct ctl *c, struct ctl_endpoint *ep,
                                     char *err, size_t errlen)
{
	ldns_pkt *q = layout_weights_query(&ep->st), *a = NULL;
	if (q == NULL)
		return DP_OK;
	dp_status rc = dnsclient_exchange(c->query, q, &a, err, errlen);
	ldns_pkt_free(q);
	if (rc != DP_OK)
		return rc;
	ldns_rr_list *an = ldns_pkt_answer(a);
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		ldns_rr *rr = ldns_rr_list_rr(an, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_TXT ||
		    ldns_rr_rd_count(rr) != 1)
			continue;
		const ldns_rdf *f = ldns_rr_rdf(rr, 0);
		const uint8_t *d = ldns_rdf_data(f);
		size_t n = ldns_rdf_size(f);
		if (n < 2 || d[0] != n - 1)
			continue;
		const uint8_t *sp = memchr(d + 1, ' ', n - 1);
		size_t len = sp ? (size_t)(sp - d - 1) : n - 1;
		add_addr(ep, xstrndup((const char *)d + 1, len));
	}
	ldns_pkt_free(a);
	return DP_OK;
}

/* The A and AAAA answers of @ep as text; of a weighted one, its set. */
static dp_status read_addrs(struct ctl *c, struct ctl_endpoint *ep, char *err,
                            size_t errlen)
{
	static const ldns_rr_type types[] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA};
	if (ep->st.weighted)
		return read_weighted_addrs(c, ep, err, errlen);
	for (size_t t = 0; t < 2; t++) {
		ldns_pkt *a = NULL;
		dp_status rc = dnsclient_query(c->query, ep->name, types[t], &a,
		                               err, errlen);
		if (rc != DP_OK)
			return rc;
		ldns_rr_list *an = ldns_pkt_answer(a);
		for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
			ldns_rr *rr = ldns_rr_list_rr(an, i);
			if (ldns_rr_get_type(rr) != types[t] ||
			    ldns_rr_rd_count(rr) < 1)
				continue;
			add_addr(ep, ldns_rdf2str(ldns_rr_rdf(rr, 0)));
		}
		ldns_pkt_free(a);
	}
	return DP_OK;
}

/* What authd serves for every endpoint, and the judgement. */
static dp_status read_authd(struct ctl *c, struct ctl_view *v, char *err,
                            size_t errlen)
{
	for (size_t i = 0; i < v->neps; i++) {
		struct ctl_endpoint *ep = &v->eps[i];
		dp_status rc =
		        layout_read(c->query, ep->name, &ep->st, err, errlen);
		/* layout_read counts the addresses; their text is ours. */
		if (rc == DP_OK)
			rc = read_addrs(c, ep, err, errlen);
		if (rc != DP_OK)
			return DP_EIO;
		uint64_t g = ep->st.target_gen;
		ep->plan_exists = g != 0 && plan_listed(v, g);
		if (g != 0 && !ep->plan_exists) {
			char e2[256];
			rc = planstore_deletion(c->store, g, &ep->deletion, e2,
			                        sizeof(e2));
			if (rc != DP_OK && rc != DP_ENOENT) {
				snprintf(err, errlen, "%s", e2);
				return rc;
			}
			ep->deleted = rc == DP_OK;
		}
		ctl_judge(ep);
	}
	v->authd_read = true;
	return DP_OK;
}

dp_status ctl_view_read(struct ctl *c, bool with_authd, struct ctl_view *v,
                        char *err, size_t errlen)
{
	memset(v, 0, sizeof(*v));
	v->now_ms = now_ms();
	dp_status rc = read_store(c, v, err, errlen);
	if (rc == DP_OK && with_authd)
		rc = read_authd(c, v, err, errlen);
	return rc;
}

void ctl_view_free(struct ctl_view *v)
{
	for (size_t i = 0; i < v->neps; i++) {
		for (size_t k = 0; k < v->eps[i].naddrs; k++)
			free(v->eps[i].addrs[k]);
		free(v->eps[i].addrs);
		free(v->eps[i].name);
	}
	free(v->eps);
	free(v->plans);
	free(v->enactors);
	memset(v, 0, sizeof(*v));
}

size_t ctl_view_count(const struct ctl_view *v, enum ctl_health h)
{
	size_t n = 0;
	for (size_t i = 0; i < v->neps; i++)
		n += v->eps[i].health == h;
	return n;
}

size_t ctl_plan_users(const struct ctl_view *v, uint64_t gen)
{
	size_t n = 0;
	for (size_t i = 0; i < v->neps; i++)
		n += v->eps[i].st.target_gen == gen;
	return n;
}

/* ---- changing things ---- */

const char *ctl_result_name(enum ctl_result r)
{
	switch (r) {
	case CTL_NOTHING:
		return "nothing to do";
	case CTL_WOULD:
		return "would apply";
	case CTL_APPLIED:
		return "applied";
	case CTL_REFUSED:
		return "refused";
	case CTL_FENCED:
		return "ahead of the store: the fence refuses (--lower-fence)";
	case CTL_NO_PLAN:
		break;
	}
	return "no plan has addresses for it";
}

/* Send the UPDATE that moves @ep onto plan @a->to. */
static dp_status move(struct ctl *c, const struct ctl_endpoint *ep,
                      struct ctl_action *a, bool dry_run, char *err,
                      size_t errlen)
{
	struct plan *p = NULL;
	dp_status rc = planstore_get_endpoint(c->store, a->to, ep->name, &p,
	                                      err, errlen);
	if (rc != DP_OK)
		return rc;
	if (dry_run) {
		a->result = CTL_WOULD;
		planstore_plan_free(p);
		return DP_OK;
	}
	ldns_pkt *q = layout_apply(c->s->zone, &p->endpoints[0], a->to, &ep->st,
	                           LAYOUT_FORCE, (uint32_t)c->s->ttl);
	ldns_pkt *ans = NULL;
	rc = dnsclient_exchange(ep->ahead ? c->override : c->update, q, &ans,
	                        err, errlen);
	if (rc == DP_OK) {
		a->rcode = ldns_pkt_get_rcode(ans);
		a->result = a->rcode == LDNS_RCODE_NOERROR ? CTL_APPLIED
		                                           : CTL_REFUSED;
		dnsclient_ede(ans, a->detail, sizeof(a->detail));
	} else if (rc != DP_EIO) {
		/* Reached, but the answer is not one we can trust. */
		a->result = CTL_REFUSED;
		snprintf(a->detail, sizeof(a->detail), "%s", err);
		rc = DP_OK;
	}
	ldns_pkt_free(ans);
	ldns_pkt_free(q);
	planstore_plan_free(p);
	return rc;
}

dp_status ctl_repair(struct ctl *c, const struct ctl_view *v, bool dry_run,
                     bool lower_fence, struct ctl_action **out, char *err,
                     size_t errlen)
{
	struct ctl_action *acts = xcalloc(v->neps ? v->neps : 1, sizeof(*acts));
	dp_status rc = DP_OK;
	*out = acts;
	for (size_t i = 0; i < v->neps && rc == DP_OK; i++) {
		const struct ctl_endpoint *ep = &v->eps[i];
		struct ctl_action *a = &acts[i];
		a->endpoint = ep->name;
		a->before = ep->health;
		a->from = ep->st.target_gen;
		a->rcode = -1;
		if (ep->health == CTL_OK) {
			a->result = CTL_NOTHING;
			continue;
		}
		if (ep->newest == 0) {
			a->result = CTL_NO_PLAN;
			continue;
		}
		if (ep->ahead && !lower_fence) {
			a->result = CTL_FENCED;
			continue;
		}
		a->to = ep->newest;
		rc = move(c, ep, a, dry_run, err, errlen);
	}
	return rc;
}

dp_status ctl_retire(struct ctl *c, const struct ctl_view *v, const char *name,
                     bool dry_run, struct ctl_retire *r, char *err,
                     size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->rcode = -1;
	r->newest = v->newest;
	struct plan *p = NULL;
	dp_status rc = DP_OK;
	if (v->newest != 0) {
		rc = planstore_get_endpoint(c->store, v->newest, name, &p, err,
		                            errlen);
		planstore_plan_free(p);
		if (rc == DP_OK) {
			r->result = CTL_RETIRE_PLANNED;
			snprintf(r->detail, sizeof(r->detail),
			         "the newest plan %llu still has %s: take it "
			         "out of the planner's settings (its endpoint "
			         "and lb lines) and reload the planner first",
			         (unsigned long long)v->newest, name);
			return DP_OK;
		}
		if (rc != DP_ENOENT)
			return rc;
	}
	struct endpoint_state st;
	if ((rc = layout_read(c->query, name, &st, err, errlen)) != DP_OK)
		return DP_EIO;
	r->on = st.target_gen;
	/* Every name of it: itself, its marks, its records in each plan. */
	ldns_rr_list *up = ldns_rr_list_new();
	char n[LAYOUT_NAMELEN];
	ldns_rr_list_push_rr(
	        up, layout_rr_bare(name, LDNS_RR_TYPE_ANY, LDNS_RR_CLASS_ANY));
	static const char *const marks[] = {LABEL_GEN, LABEL_LOCK,
	                                    LABEL_FAILOVER, LABEL_ROLLBACK};
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		snprintf(n, sizeof(n), "%s.%s", marks[i], name);
		ldns_rr_list_push_rr(up, layout_rr_bare(n, LDNS_RR_TYPE_ANY,
		                                        LDNS_RR_CLASS_ANY));
	}
	bool on_listed = false;
	for (size_t i = 0; i < v->nplans; i++) {
		uint64_t g = v->plans[i].generation;
		rc = planstore_get_endpoint(c->store, g, name, &p, err, errlen);
		planstore_plan_free(p);
		p = NULL;
		if (rc == DP_ENOENT)
			continue;
		if (rc != DP_OK) {
			ldns_rr_list_deep_free(up);
			return rc;
		}
		layout_push_plan_delete(up, name, g);
		r->nplans++;
		on_listed |= g == st.target_gen;
	}
	if (st.target_gen != 0 && !on_listed) {
		layout_push_plan_delete(up, name, st.target_gen);
		r->nplans++;
	}
	/* Its marker stays, raised to the newest plan (none of which has
	 * it any more): an enactor paused with an older plan that has it
	 * is fenced by authd when it resumes, and cannot write it back. */
	r->fence = v->newest > st.gen ? v->newest : st.gen;
	if (r->fence != 0)
		ldns_rr_list_push_rr(up, layout_marker_rr(name, r->fence,
		                                          (uint32_t)c->s->ttl));
	rc = DP_OK;
	if (dry_run) {
		r->result = CTL_RETIRE_WOULD;
		ldns_rr_list_deep_free(up);
		return DP_OK;
	}
	ldns_pkt *q = ldns_update_pkt_new(ldns_dname_new_frm_str(c->s->zone),
	                                  LDNS_RR_CLASS_IN, NULL, up, NULL);
	ldns_rr_list_deep_free(up);
	ldns_pkt_set_edns_udp_size(q, 1232); /* a refusal says why (EDE) */
	ldns_pkt *ans = NULL;
	rc = dnsclient_exchange(c->update, q, &ans, err, errlen);
	ldns_pkt_free(q);
	if (rc == DP_OK) {
		r->rcode = ldns_pkt_get_rcode(ans);
		r->result = r->rcode == LDNS_RCODE_NOERROR ? CTL_RETIRED
		                                           : CTL_RETIRE_REFUSED;
		dnsclient_ede(ans, r->detail, sizeof(r->detail));
		if (r->result == CTL_RETIRE_REFUSED &&
		    strstr(r->detail, "guard"))
			snprintf(
			        r->detail + strlen(r->detail),
			        sizeof(r->detail) - strlen(r->detail),
			        "; authd guards %s: take 'guard %s' out of its "
			        "settings and reload it (SIGHUP) first",
			        name, name);
	} else if (rc != DP_EIO) {
		r->result = CTL_RETIRE_REFUSED;
		snprintf(r->detail, sizeof(r->detail), "%s", err);
		rc = DP_OK;
	}
	ldns_pkt_free(ans);
	if (r->result == CTL_RETIRED &&
	    layout_read(c->query, name, &st, err, errlen) == DP_OK &&
	    (r->naddrs = st.naddrs) > 0)
		snprintf(r->detail, sizeof(r->detail),
		         "it still answers %u addresses: authd's failover "
		         "rule for it put its backup addresses back; take "
		         "'failover %s ...' out of authd's settings",
		         st.naddrs, name);
	return rc;
}

dp_status ctl_set_paused(struct ctl *c, bool paused, const char *reason,
                         bool *was, char *err, size_t errlen)
{
	struct planstore_control before;
	dp_status rc = planstore_get_control(c->store, &before, err, errlen);
	if (rc != DP_OK)
		return rc;
	*was = before.paused;
	return planstore_set_paused(c->store, paused, CTL_WHO, reason, err,
	                            errlen);
}
