/*
 * emetrics.c - the enactor's counters and their Prometheus text (see
 * emetrics.h).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dnsclient.h"
#include "emetrics.h"
#include "tsig.h"
#include "xalloc.h"

/* Seconds from a plan's creation to an endpoint serving it. */
static const double convergence_bounds[] = {0.05, 0.1, 0.25, 0.5, 1,   2.5,
                                            5,    10,  30,   60,  120, 300};

struct ep_gen {
	char *name;
	uint64_t gen;
};

struct emetrics {
	char id[64], mode[16];
	_Atomic uint64_t passes, walks, moved, cas_lost, lock_waits;
	_Atomic uint64_t refused[REFUSAL_COUNT];
	_Atomic uint64_t authd_errors, store_errors;
	_Atomic uint64_t deleted, kept[KEPT_COUNT];
	_Atomic uint64_t backoffs, backoff_ms;
	_Atomic uint64_t paused, pauses, automation_paused;
	_Atomic uint64_t plan_gen; /* the plan of the pass */
	struct prom_hist convergence;
	/* The pass's thread only. */
	int64_t plan_created_ms;
	/* The endpoints' generations, sorted by name. */
	pthread_mutex_t lock;
	struct ep_gen *eps;
	size_t neps, cap;
};

static const char *const refusal_names[REFUSAL_COUNT] = {
        "guard",       "fence",        "refused",    "tsig_badsig",
        "tsig_badkey", "tsig_badtime", "tsig_other", "nxdomain",
        "servfail",    "notauth",      "formerr",    "other"};

static const char *const kept_names[KEPT_COUNT] = {"in_use", "own_endpoint",
                                                   "refused", "store_error"};

struct emetrics *emetrics_new(const struct enactor_settings *s)
{
	struct emetrics *m = xcalloc(1, sizeof(*m));
	prom_escape(s->id, m->id, sizeof(m->id));
	prom_escape(cfg_word(enactor_modes, s->mode), m->mode, sizeof(m->mode));
	prom_hist_init(&m->convergence, convergence_bounds,
	               sizeof(convergence_bounds) /
	                       sizeof(convergence_bounds[0]));
	pthread_mutex_init(&m->lock, NULL);
	return m;
}

void emetrics_free(struct emetrics *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->neps; i++)
		free(m->eps[i].name);
	free(m->eps);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void emetrics_pass(struct emetrics *m)
{
	if (m != NULL)
		prom_inc(&m->passes);
}

void emetrics_walk(struct emetrics *m)
{
	if (m != NULL)
		prom_inc(&m->walks);
}

void emetrics_automation(struct emetrics *m, bool paused)
{
	if (m != NULL)
		prom_set(&m->automation_paused, paused);
}

void emetrics_plan(struct emetrics *m, uint64_t generation, int64_t created_ms)
{
	if (m == NULL)
		return;
	prom_set(&m->plan_gen, generation);
	m->plan_created_ms = created_ms;
}

/* Set @endpoint's generation (under the lock). */
static void set_gen(struct emetrics *m, const char *endpoint, uint64_t gen)
{
	pthread_mutex_lock(&m->lock);
	size_t lo = 0, hi = m->neps;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(m->eps[mid].name, endpoint);
		if (c == 0) {
			m->eps[mid].gen = gen;
			pthread_mutex_unlock(&m->lock);
			return;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (m->neps == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 16;
		m->eps = xrealloc(m->eps, m->cap * sizeof(*m->eps));
	}
	memmove(m->eps + lo + 1, m->eps + lo, (m->neps - lo) * sizeof(*m->eps));
	m->eps[lo].name = xstrdup(endpoint);
	m->eps[lo].gen = gen;
	m->neps++;
	pthread_mutex_unlock(&m->lock);
}

void emetrics_moved(struct emetrics *m, const char *endpoint,
                    uint64_t generation)
{
	if (m == NULL)
		return;
	prom_inc(&m->moved);
	set_gen(m, endpoint, generation);
	if (generation == prom_get(&m->plan_gen) && m->plan_created_ms > 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
		prom_hist_observe(&m->convergence,
		                  now - (double)m->plan_created_ms / 1e3);
	}
}

void emetrics_seen(struct emetrics *m, const char *endpoint,
                   uint64_t generation)
{
	if (m != NULL)
		set_gen(m, endpoint, generation);
}

void emetrics_cas_lost(struct emetrics *m)
{
	if (m != NULL)
		prom_inc(&m->cas_lost);
}

void emetrics_lock_wait(struct emetrics *m)
{
	if (m != NULL)
		prom_inc(&m->lock_waits);
}

int emetrics_refusal_of(const ldns_pkt *a)
{
	const ldns_rr *t = ldns_pkt_tsig(a);
	int terr = t != NULL && ldns_rr_rd_count(t) >= 7
	                   ? ldns_rdf2native_int16(ldns_rr_rdf(t, 5))
	                   : 0;
	switch (terr) {
	case 0:
		break;
	case TSIG_BADSIG:
		return REFUSAL_TSIG_BADSIG;
	case TSIG_BADKEY:
		return REFUSAL_TSIG_BADKEY;
	case TSIG_BADTIME:
		return REFUSAL_TSIG_BADTIME;
	default:
		return REFUSAL_TSIG_OTHER;
	}
	switch (ldns_pkt_get_rcode(a)) {
	case LDNS_RCODE_NOERROR:
	case LDNS_RCODE_NXRRSET:
	case LDNS_RCODE_YXRRSET:
		return -1;
	case LDNS_RCODE_REFUSED: {
		char ede[256];
		dnsclient_ede(a, ede, sizeof(ede));
		if (strncmp(ede, "guard:", 6) == 0)
			return REFUSAL_GUARD;
		if (strncmp(ede, "fence", 5) == 0)
			return REFUSAL_FENCE;
		return REFUSAL_REFUSED;
	}
	case LDNS_RCODE_NXDOMAIN:
		return REFUSAL_NXDOMAIN;
	case LDNS_RCODE_SERVFAIL:
		return REFUSAL_SERVFAIL;
	case LDNS_RCODE_NOTAUTH:
		return REFUSAL_NOTAUTH;
	case LDNS_RCODE_FORMERR:
		return REFUSAL_FORMERR;
	default:
		return REFUSAL_OTHER;
	}
}

void emetrics_answer(struct emetrics *m, const ldns_pkt *a)
{
	if (m == NULL || a == NULL)
		return;
	int r = emetrics_refusal_of(a);
	if (r >= 0)
		prom_inc(&m->refused[r]);
}

void emetrics_authd_error(struct emetrics *m)
{
	if (m != NULL)
		prom_inc(&m->authd_errors);
}

void emetrics_store_error(struct emetrics *m)
{
	if (m != NULL)
		prom_inc(&m->store_errors);
}

void emetrics_deleted(struct emetrics *m)
{
	if (m != NULL)
		prom_inc(&m->deleted);
}

void emetrics_kept(struct emetrics *m, enum emetrics_kept why)
{
	if (m != NULL && why < KEPT_COUNT)
		prom_inc(&m->kept[why]);
}

void emetrics_backoff(struct emetrics *m, long ms)
{
	if (m == NULL)
		return;
	if (ms > 0)
		prom_inc(&m->backoffs);
	prom_set(&m->backoff_ms, ms > 0 ? (uint64_t)ms : 0);
}

void emetrics_paused(struct emetrics *m, bool paused)
{
	if (m == NULL)
		return;
	if (paused)
		prom_inc(&m->pauses);
	prom_set(&m->paused, paused);
}

char *emetrics_render(struct emetrics *m, size_t *len)
{
	struct prom_buf b;
	prom_init(&b);
	prom_head(&b, "dnsplane_enactor_info", "gauge",
	          "The enactor's id and mode (always 1).");
	prom_put(&b, "dnsplane_enactor_info{id=\"%s\",mode=\"%s\"} 1\n", m->id,
	         m->mode);
	prom_one(&b, "dnsplane_enactor_passes_total", "counter",
	         "Passes run (automation not paused).", prom_get(&m->passes));
	prom_one(&b, "dnsplane_enactor_walks_total", "counter",
	         "Safe passes that read every endpoint (the others read only "
	         "authd's zone serial).",
	         prom_get(&m->walks));
	prom_one(&b, "dnsplane_enactor_endpoints_moved_total", "counter",
	         "Endpoint updates authd acknowledged.", prom_get(&m->moved));
	prom_one(&b, "dnsplane_enactor_cas_lost_total", "counter",
	         "Compare-and-swap updates that found the endpoint moved since "
	         "it was read (read again, forward only).",
	         prom_get(&m->cas_lost));
	prom_one(&b, "dnsplane_enactor_lock_waits_total", "counter",
	         "Legacy: lock attempts that found another enactor holding it.",
	         prom_get(&m->lock_waits));
	prom_head(&b, "dnsplane_enactor_updates_refused_total", "counter",
	          "Updates authd did not take, by reason: guard, fence, "
	          "refused (other), tsig_* (our signature), or the rcode.");
	for (int r = 0; r < REFUSAL_COUNT; r++)
		prom_put(
		        &b,
		        "dnsplane_enactor_updates_refused_total{reason=\"%s\"} "
		        "%llu\n",
		        refusal_names[r],
		        (unsigned long long)prom_get(&m->refused[r]));
	prom_one(&b, "dnsplane_enactor_authd_errors_total", "counter",
	         "Exchanges with authd that got no answer (timeout, "
	         "connection).",
	         prom_get(&m->authd_errors));
	prom_one(&b, "dnsplane_enactor_store_errors_total", "counter",
	         "Operations on the plan store that failed.",
	         prom_get(&m->store_errors));
	prom_one(&b, "dnsplane_enactor_cleanup_deleted_total", "counter",
	         "Plans cleanup deleted (records in authd, then the plan).",
	         prom_get(&m->deleted));
	prom_head(&b, "dnsplane_enactor_cleanup_kept_total", "counter",
	          "Plans cleanup set out to delete and kept, by reason.");
	for (int k = 0; k < KEPT_COUNT; k++)
		prom_put(&b,
		         "dnsplane_enactor_cleanup_kept_total{reason=\"%s\"} "
		         "%llu\n",
		         kept_names[k],
		         (unsigned long long)prom_get(&m->kept[k]));
	prom_one(&b, "dnsplane_enactor_backoffs_total", "counter",
	         "Retries delayed by the capped exponential backoff.",
	         prom_get(&m->backoffs));
	prom_head(&b, "dnsplane_enactor_backoff_seconds", "gauge",
	          "The backoff delay in progress, 0 when none.");
	prom_put(&b, "dnsplane_enactor_backoff_seconds %.3f\n",
	         (double)prom_get(&m->backoff_ms) / 1e3);
	prom_one(&b, "dnsplane_enactor_paused", "gauge",
	         "1 while stopped at a pause point (SIGSTOP: a scrape then "
	         "times "
	         "out, up is 0).",
	         prom_get(&m->paused));
	prom_one(&b, "dnsplane_enactor_pauses_total", "counter",
	         "Times the enactor stopped at a pause point.",
	         prom_get(&m->pauses));
	prom_one(&b, "dnsplane_enactor_automation_paused", "gauge",
	         "1 while automation is paused in the plan store.",
	         prom_get(&m->automation_paused));
	prom_one(&b, "dnsplane_enactor_plan_generation", "gauge",
	         "The generation the last pass applied (the newest it saw).",
	         prom_get(&m->plan_gen));
	prom_hist_render(&b, "dnsplane_enactor_convergence_seconds",
	                 "Time from a plan's creation in the store to authd "
	                 "acknowledging an endpoint on it.",
	                 &m->convergence);
	prom_head(&b, "dnsplane_enactor_endpoint_generation", "gauge",
	          "The generation each endpoint was last seen on in authd "
	          "(0: none).");
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->neps; i++) {
		char name[1024];
		prom_put(
		        &b,
		        "dnsplane_enactor_endpoint_generation{endpoint=\"%s\"} "
		        "%llu\n",
		        prom_escape(m->eps[i].name, name, sizeof(name)),
		        (unsigned long long)m->eps[i].gen);
	}
	pthread_mutex_unlock(&m->lock);
	*len = b.len;
	return b.buf;
}
