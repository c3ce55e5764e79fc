/*
 * enactor.c - one pass of the enactor, in legacy or safe mode.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "dnsclient.h"
#include "emetrics.h"
#include "enactor.h"
#include "keys.h"
#include "layout.h"
#include "log.h"
#include "planstore.h"
#include "repeat.h"
#include "xalloc.h"

#define CAS_TRIES     8
#define WINDOW        64  /* safe: endpoints per pipelined round trip */
#define READ_WINDOW   256 /* endpoints per pipelined read for cleanup */
#define LOCK_TRIES    100000
#define LOCK_WAIT_MS  20    /* legacy: between tries for a lock held */
#define LOCK_LONG_MS  1000  /* legacy: a lock held this long is said */
#define LOCK_HOLD_MS  10000 /* legacy: the expiry a lock record carries */
#define HEARTBEAT_OLD 10000 /* ms: an enactor silent longer is gone */

struct enactor {
	const struct enactor_settings *s;
	enum enactor_mode mode;
	atomic_bool *stop;
	_Atomic uint64_t *in_flight;
	struct planstore *ps;
	struct keyring *keys;
	const struct tsig_key *key;
	struct dnsclient *dns;  /* signed: the updates */
	struct dnsclient *read; /* unsigned: reading what authd serves */
	bool *paused_once;      /* per pause-at entry: already fired */
	struct plan *last;      /* safe: the plan of the last pass */
	uint64_t reported;      /* the whole plan last reported applied */
	/* safe: the last walk that found every endpoint on its plan */
	uint64_t quiet_gen;    /* its plan; 0: none since the last change */
	uint32_t quiet_serial; /* authd's zone serial read before it */
	int64_t quiet_ms;      /* when it began (CLOCK_MONOTONIC) */
	uint64_t announced;    /* legacy: the plan last said to be applied */
	struct enactor_stats st;
	struct emetrics *m; /* or NULL */
	unsigned seed;      /* the retries' jitter */
	unsigned lock_seed; /* lock-backoff's jitter (lock-jitter-seed) */
	/* What repeats (a refused endpoint, a stuck one, authd refusing our
	 * signature or not answering, a failed deletion): said once. */
	struct repeats *repeats;
	char sig_subject[300]; /* our signature's subject in it */
	/* What stops this pass (the first thing), and what the report file
	 * says now: written only when it changes. */
	char problem[320];
	char problem_said[320];
};

/* Note what stops the enactor (the first of a pass is reported). */
static void problem(struct enactor *e, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void problem(struct enactor *e, const char *fmt, ...)
{
	if (e->problem[0] != '\0')
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->problem, sizeof(e->problem), fmt, ap);
	va_end(ap);
}

static int64_t clock_ms(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wall clock, for what goes into the store. */
static int64_t now_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

/* For intervals: not moved by changes of the wall clock. */
static int64_t mono_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) != 0)
		;
}

/*
 * Capped exponential backoff with full jitter for attempt @n (0-based),
 * drawn from @seed; @what, when not NULL, names the wait in a debug line.
 */
static void backoff(struct enactor *e, int n, unsigned *seed, const char *what)
{
	long cap = e->s->backoff_base_ms;
	for (int i = 0; i < n && cap < e->s->backoff_max_ms; i++)
		cap *= 2;
	if (cap > e->s->backoff_max_ms)
		cap = e->s->backoff_max_ms;
	long ms = cap / 2 + (long)(rand_r(seed) % (unsigned)(cap / 2 + 1));
	if (what != NULL)
		log_debug("%s: lock held, waiting %ld ms (lost %d)", what, ms,
		          n + 1);
	emetrics_backoff(e->m, ms);
	sleep_ms(ms);
	emetrics_backoff(e->m, 0);
}

/* The pause-at entry that @point (with @arg) fires, or -1. */
static int pause_armed(const struct enactor *e, const char *point,
                       const char *arg)
{
	const struct cfg_list *l = &e->s->pause_at;
	size_t n = strlen(point);
	for (size_t i = 0; i < l->n; i++) {
		const char *v = l->v[i];
		if (e->paused_once[i] || strncmp(v, point, n) != 0 ||
		    (v[n] != '\0' && v[n] != ':'))
			continue;
		if (v[n] == ':' &&
		    (arg == NULL || strcasecmp(v + n + 1, arg) != 0))
			continue;
		return (int)i;
	}
	return -1;
}

/*
 * A named pause point: when configured (with a matching argument), stop
 * the whole process with SIGSTOP, once; SIGCONT resumes it here.
 */
static void pause_point(struct enactor *e, const char *point, const char *arg)
{
	int i = pause_armed(e, point, arg);
	if (i < 0)
		return;
	e->paused_once[i] = true;
	log_notice("pause point %s%s%s: stopping (SIGCONT resumes)", point,
	           arg ? " " : "", arg ? arg : "");
	emetrics_paused(e->m, true);
	raise(SIGSTOP);
	emetrics_paused(e->m, false);
	log_notice("pause point %s: resumed", point);
}

dp_status enactor_new(const struct enactor_settings *s, atomic_bool *stop,
                      _Atomic uint64_t *in_flight, struct enactor **out,
                      char *err, size_t errlen)
{
	struct enactor *e = xcalloc(1, sizeof(*e));
	e->s = s;
	e->mode = settings_mode(s);
	e->stop = stop;
	e->in_flight = in_flight;
	e->seed = (unsigned)getpid() ^ (unsigned)time(NULL);
	/* A set seed makes a lab's lock waits the same from run to run. */
	e->lock_seed = s->lock_jitter_seed != 0 ? (unsigned)s->lock_jitter_seed
	                                        : e->seed;
	/* Unlike any problem: the first pass says what it found, over what
	 * an earlier run of this enactor left in its report file. */
	snprintf(e->problem_said, sizeof(e->problem_said), "(not said yet)");
	e->paused_once = xcalloc(s->pause_at.n + 1, sizeof(bool));
	e->repeats = repeats_new();
	dp_status rc = planstore_attach(s->store, &e->ps, err, errlen);
	if (rc == DP_OK)
		rc = planstore_report_open(e->ps, s->id, err, errlen);
	if (rc != DP_OK)
		goto fail;
	if (s->key != NULL) {
		e->keys = keyring_new();
		if ((rc = keyring_load_file(e->keys, s->key, err, errlen)) !=
		    DP_OK)
			goto fail;
		e->key = keyring_first(e->keys);
		snprintf(e->sig_subject, sizeof(e->sig_subject),
		         "our signature (key %s)", e->key->name);
	}
	rc = dnsclient_new(s->server, e->key, (int)s->timeout_ms, &e->dns, err,
	                   errlen);
	if (rc == DP_OK)
		rc = dnsclient_new(s->server, NULL, (int)s->timeout_ms,
		                   &e->read, err, errlen);
	if (rc != DP_OK)
		goto fail;
	*out = e;
	return DP_OK;
fail:
	enactor_free(e);
	return rc;
}

void enactor_free(struct enactor *e)
{
	if (e == NULL)
		return;
	dnsclient_free(e->dns);
	dnsclient_free(e->read);
	keyring_free(e->keys);
	planstore_close(e->ps);
	planstore_plan_free(e->last);
	free(e->paused_once);
	repeats_free(e->repeats);
	free(e);
}

void enactor_stats(const struct enactor *e, struct enactor_stats *out)
{
	*out = e->st;
}

void enactor_set_metrics(struct enactor *e, struct emetrics *m)
{
	e->m = m;
}

void enactor_say_repeats(const struct enactor *e)
{
	repeats_say(e->repeats);
}

/*
 * An exchange with authd, or a read of it, ended with @rc (@err): one
 * that failed is said once, with a count, until authd answers again.
 */
static void authd_answered(struct enactor *e, dp_status rc, const char *err)
{
	if (rc != DP_OK)
		emetrics_authd_error(e->m);
	if (rc == DP_OK)
		repeat_end(e->repeats, "authd", "answers again");
	else
		repeat_hit(e->repeats, "authd", "failed exchange", err,
		           LOG_LEVEL_WARNING, "authd: %s", err);
}

/* Send @q (consumed) and return the answer's rcode, -1 on no answer. */
static int send_update(struct enactor *e, ldns_pkt *q, char *ede, size_t elen)
{
	char err[512];
	ldns_pkt *a = NULL;
	dp_status rc = dnsclient_exchange(e->dns, q, &a, err, sizeof(err));
	ldns_pkt_free(q);
	if (ede != NULL)
		ede[0] = '\0';
	authd_answered(e, rc, err);
	if (rc != DP_OK) {
		problem(e, "authd: %s", err);
		return -1;
	}
	int rcode = ldns_pkt_get_rcode(a);
	emetrics_answer(e->m, a);
	if (ede != NULL)
		dnsclient_ede(a, ede, elen);
	char why[320];
	if (dnsclient_tsig_error(a, why, sizeof(why)) != 0) {
		/* A signature authd refuses stops everything: say what and
		 * why at once, then again only when the error (BADKEY,
		 * BADSIG, BADTIME: the text before the colon) changes. */
		char kind[320];
		snprintf(kind, sizeof(kind), "%.*s", (int)strcspn(why, ":"),
		         why);
		repeat_hit(e->repeats, e->sig_subject, "refusal", kind,
		           LOG_LEVEL_ERR, "authd refused our signature: %s",
		           why);
		problem(e, "authd refuses our signature: %s", why);
		if (ede != NULL)
			snprintf(ede, elen, "%s", why);
	} else if (e->key != NULL) {
		repeat_end(e->repeats, e->sig_subject, "accepted again");
	}
	ldns_pkt_free(a);
	return rcode;
}

static void report(struct enactor *e, uint64_t gen, const char *endpoint)
{
	char err[512];
	if (planstore_report_applied(e->ps, e->s->id, gen, endpoint, now_ms(),
	                             err, sizeof(err)) != DP_OK) {
		emetrics_store_error(e->m);
		log_warning("%s", err);
	}
}

/* The whole plan @gen is applied: once per generation. */
static void report_plan(struct enactor *e, uint64_t gen)
{
	if (gen == e->reported)
		return;
	report(e, gen, NULL);
	e->reported = gen;
}

/* Plan @g's cleanup, as a subject of e->repeats. */
static void cleanup_subject(uint64_t g, char *buf, size_t len)
{
	snprintf(buf, len, "cleanup: plan %llu", (unsigned long long)g);
}

/*
 * Plan @p's records are gone from authd: delete it from the store too,
 * for @why.  When the store fails, say so, once while it fails the same
 * way (a later cleanup deletes it from the store again).
 */
static void delete_from_store(struct enactor *e, const struct plan *p,
                              const char *why)
{
	char err[512], subject[64];
	uint64_t g = p->generation;
	cleanup_subject(g, subject, sizeof(subject));
	dp_status rc = planstore_retire_plan(e->ps, e->s->id, g, p->created_ms,
	                                     why, now_ms(), err, sizeof(err));
	if (rc == DP_OK) {
		e->st.deleted++;
		emetrics_deleted(e->m);
		log_info("cleanup: deleted plan %llu (%s)",
		         (unsigned long long)g, why);
		repeat_end(e->repeats, subject, "deleted");
	} else if (rc == DP_ENOENT) {
		log_info("cleanup: plan %llu was deleted meanwhile",
		         (unsigned long long)g);
		repeat_end(e->repeats, subject, "deleted by another");
	} else {
		emetrics_kept(e->m, KEPT_STORE);
		repeat_hit(e->repeats, subject, "failure", err,
		           LOG_LEVEL_WARNING,
		           "cleanup: plan %llu's records are deleted from "
		           "authd, but the plan is not retired in the store: "
		           "%s",
		           (unsigned long long)g, err);
	}
}

/* ---- legacy ---- */

/* The newest generation any enactor reports as applied. */
static uint64_t applied_by_anyone(struct enactor *e)
{
	struct reports_state *en = NULL;
	size_t n = 0;
	char err[512];
	uint64_t best = 0;
	if (planstore_enactors(e->ps, &en, &n, err, sizeof(err)) != DP_OK)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (en[i].applied > best)
			best = en[i].applied;
	free(en);
	return best;
}

/* Another enactor has held @endpoint's lock for long: who. */
static void legacy_lock_held(struct enactor *e, const char *endpoint)
{
	char err[512], why[256];
	struct endpoint_state st;
	bool read =
	        layout_read(e->read, endpoint, &st, err, sizeof(err)) == DP_OK;
	snprintf(why, sizeof(why), "its lock held by %s",
	         read && st.locked && *st.lock_owner ? st.lock_owner
	                                             : "another enactor");
	repeat_hit(e->repeats, endpoint, "failure", why, LOG_LEVEL_WARNING,
	           "%s: %s for %d ms and more; waiting", endpoint, why,
	           LOCK_LONG_MS);
}

/* Our lock record's text, expiring LOCK_HOLD_MS from now, into @out. */
static void lock_text(const struct enactor *e, char *out, size_t len)
{
	char holder[128];
	snprintf(holder, sizeof(holder), "enactor-%s", e->s->id);
	layout_lock_text(holder, (uint64_t)now_ms() + LOCK_HOLD_MS, out, len);
}

/*
 * The lock record of @endpoint someone else holds, when we may take it
 * over: it expired, or it is ours from before a restart.  Into @held
 * (LAYOUT_LOCKLEN); false when it is live, or cannot be read.
 */
static bool lock_takeable(struct enactor *e, const char *endpoint, char *held)
{
	char err[512], me[128];
	struct endpoint_state st;
	if (layout_read(e->read, endpoint, &st, err, sizeof(err)) != DP_OK ||
	    !st.locked)
		return false;
	snprintf(me, sizeof(me), "enactor-%s", e->s->id);
	if (st.lock_expiry_ms >= (uint64_t)now_ms() &&
	    strcmp(st.lock_owner, me) != 0)
		return false;
	snprintf(held, LAYOUT_LOCKLEN, "%s", st.lock_text);
	return true;
}

/*
 * Take the endpoint's lock, waiting while another enactor holds a live
 * one (an expired lock, or our own from before a restart, is taken over
 * by the preamble that replaces exactly that record); a long wait, or a
 * lock authd refuses, is said (once, with a count).  The lock record we
 * hold goes to @mine (LAYOUT_LOCKLEN).
 */
static bool legacy_lock(struct enactor *e, const char *endpoint, char *mine)
{
	int losses = 0;
	int64_t since = mono_ms();
	bool said = false;
	char held[LAYOUT_LOCKLEN];
	bool take_over = false;
	for (int i = 0; i < LOCK_TRIES && !atomic_load(e->stop); i++) {
		char ede[512], why[700];
		lock_text(e, mine, LAYOUT_LOCKLEN);
		int rc = send_update(e,
		                     layout_lock(e->s->zone, endpoint,
		                                 take_over ? held : NULL, mine),
		                     ede, sizeof(ede));
		if (rc == LDNS_RCODE_NOERROR)
			return true;
		take_over = false;
		if (rc == LDNS_RCODE_YXRRSET || rc == LDNS_RCODE_NXRRSET) {
			/* Held (or, taking it over, changed meanwhile). */
			e->st.lock_waits++;
			emetrics_lock_wait(e->m);
			if (lock_takeable(e, endpoint, held)) {
				take_over = true;
				continue;
			}
			if (!said && mono_ms() - since >= LOCK_LONG_MS) {
				legacy_lock_held(e, endpoint);
				said = true;
			}
			if (e->s->lock_backoff) {
				/* Lost again: wait longer each time. */
				backoff(e, losses++, &e->lock_seed, endpoint);
				continue;
			}
		} else if (rc >= 0) {
			snprintf(why, sizeof(why),
			         "cannot take its lock: %s%s%s",
			         layout_rcode_name(rc), *ede ? ": " : "", ede);
			repeat_hit(e->repeats, endpoint, "failure", why,
			           LOG_LEVEL_ERR, "%s: %s", endpoint, why);
		}
		sleep_ms(rc == LDNS_RCODE_YXRRSET || rc == LDNS_RCODE_NXRRSET
		                 ? LOCK_WAIT_MS
		                 : 200);
	}
	return false;
}

static void legacy_cleanup(struct enactor *e, uint64_t applied)
{
	struct planstore_info *list = NULL;
	size_t n = 0;
	char err[512];
	pause_point(e, "before-cleanup", NULL);
	if (planstore_list(e->ps, &list, &n, err, sizeof(err)) != DP_OK) {
		emetrics_store_error(e->m);
		log_warning("%s", err);
		return;
	}
	for (size_t i = 0; i < n && !atomic_load(e->stop); i++) {
		uint64_t g = list[i].generation;
		if (g + (uint64_t)e->s->keep >= applied)
			continue;
		char gs[32];
		snprintf(gs, sizeof(gs), "%llu", (unsigned long long)g);
		pause_point(e, "before-delete", gs);
		struct plan *p = NULL;
		if (planstore_get_plan(e->ps, g, &p, err, sizeof(err)) != DP_OK)
			continue;
		for (size_t k = 0; k < p->nendpoints; k++)
			send_update(e,
			            layout_delete_plan(e->s->zone,
			                               p->endpoints[k].name, g),
			            NULL, 0);
		char why[128];
		snprintf(why, sizeof(why),
		         "more than %ld generations older than %llu",
		         e->s->keep, (unsigned long long)applied);
		delete_from_store(e, p, why);
		planstore_plan_free(p);
	}
	free(list);
}

static dp_status legacy_pass(struct enactor *e)
{
	char err[512];
	uint64_t newest = 0;
	if (planstore_newest(e->ps, &newest, err, sizeof(err)) != DP_OK) {
		emetrics_store_error(e->m);
		log_warning("%s", err);
		return DP_EIO;
	}
	/* The one-time freshness check, before anything is done. */
	if (newest == 0 || newest <= applied_by_anyone(e))
		return DP_OK;
	/* Said once per plan: a pass that failed tries it again. */
	log_msg(newest == e->announced ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO,
	        "applying plan %llu (newer than the plan last applied)",
	        (unsigned long long)newest);
	e->announced = newest;
	pause_point(e, "after-freshness-check", NULL);
	struct plan *p = NULL;
	if (planstore_get_plan(e->ps, newest, &p, err, sizeof(err)) != DP_OK) {
		emetrics_store_error(e->m);
		log_warning("plan %llu: %s", (unsigned long long)newest, err);
		return DP_EIO;
	}
	atomic_store(e->in_flight, newest);
	emetrics_plan(e->m, newest, p->created_ms);
	size_t failures = 0;
	for (size_t i = 0; i < p->nendpoints && !atomic_load(e->stop); i++) {
		const struct plan_endpoint *ep = &p->endpoints[i];
		pause_point(e, "before-endpoint", ep->name);
		if (e->s->endpoint_delay_ms > 0)
			sleep_ms(e->s->endpoint_delay_ms);
		char mine[LAYOUT_LOCKLEN], renew[LAYOUT_LOCKLEN];
		if (!legacy_lock(e, ep->name, mine))
			break;
		struct endpoint_state st;
		char why[1024];
		if (layout_read(e->read, ep->name, &st, err, sizeof(err)) !=
		    DP_OK) {
			snprintf(why, sizeof(why), "cannot read it: %s", err);
			repeat_hit(e->repeats, ep->name, "failure", why,
			           LOG_LEVEL_ERR, "%s: %s", ep->name, why);
			send_update(e,
			            layout_unlock(e->s->zone, ep->name, mine),
			            NULL, 0);
			failures++;
			continue;
		}
		if (e->s->lock_hold_ms > 0)
			sleep_ms(e->s->lock_hold_ms);
		/* One change batch: the lock preamble (our exact lock record
		 * deleted, renewed), the tree, the alias, the rollback record
		 * and the marker, all or nothing; then the lock's release. */
		char ede[512];
		lock_text(e, renew, sizeof(renew));
		int rc = send_update(e,
		                     layout_apply_locked(e->s->zone, ep, newest,
		                                         &st, LAYOUT_LEGACY,
		                                         mine, renew,
		                                         (uint32_t)e->s->ttl),
		                     ede, sizeof(ede));
		send_update(
		        e,
		        layout_unlock(e->s->zone, ep->name,
		                      rc == LDNS_RCODE_NOERROR ? renew : mine),
		        NULL, 0);
		if (rc == LDNS_RCODE_NOERROR) {
			e->st.applied++;
			emetrics_moved(e->m, ep->name, newest);
			report(e, newest, ep->name);
			log_info("%s: on plan %llu", ep->name,
			         (unsigned long long)newest);
			repeat_end(e->repeats, ep->name, "moved");
			continue;
		}
		e->st.failed++;
		failures++;
		/* Said once, with a count, until it moves or the reason
		 * changes; the reason leaves out the plan it was for: a
		 * stuck endpoint fails the same way for every newer plan. */
		const char *what = rc < 0 ? "no answer" : layout_rcode_name(rc);
		char cause[256] = "";
		if (rc == LDNS_RCODE_NXDOMAIN)
			snprintf(cause, sizeof(cause),
			         " (the rollback record cannot point at plan "
			         "%llu: it is deleted)",
			         (unsigned long long)st.target_gen);
		else if (rc == LDNS_RCODE_NXRRSET)
			snprintf(cause, sizeof(cause),
			         " (the lock record is no longer ours)");
		snprintf(why, sizeof(why),
		         "cannot move from plan %llu: %s%s%s%s",
		         (unsigned long long)st.target_gen, what, cause,
		         *ede ? ": " : "", ede);
		repeat_hit(e->repeats, ep->name, "failure", why, LOG_LEVEL_ERR,
		           "%s: cannot move from plan %llu to %llu: %s%s%s%s",
		           ep->name, (unsigned long long)st.target_gen,
		           (unsigned long long)newest, what, cause,
		           *ede ? ": " : "", ede);
	}
	planstore_plan_free(p);
	atomic_store(e->in_flight, 0);
	if (failures > 0 || atomic_load(e->stop))
		return DP_EIO;
	/* The whole plan is on: what the next freshness check compares. */
	report_plan(e, newest);
	legacy_cleanup(e, newest);
	return DP_OK;
}

/* ---- safe ---- */

/* Is the endpoint where it should be for plan @newest? */
static bool up_to_date(const struct plan_endpoint *ep,
                       const struct endpoint_state *st, uint64_t newest)
{
	/* On its plan: the marker's plan is the one its CNAME names (an
	 * endpoint on authd's backup addresses, or with addresses of its
	 * own, is moved onto the plan), and on the newest plan it serves
	 * that plan's addresses (records edited by hand, or left by another
	 * store's plan of the same number, are rewritten). */
	if (!(st->marker == 1 && st->gen >= newest && st->naddrs > 0 &&
	      st->cname && st->target_gen == st->gen))
		return false;
	return st->gen > newest || (st->nset == ep->naddrs &&
	                            st->addr_digest == layout_addr_digest(ep));
}

/* Has a generation newer than @g been written? */
static bool superseded(struct enactor *e, uint64_t g)
{
	char err[512];
	uint64_t n = 0;
	return planstore_newest(e->ps, &n, err, sizeof(err)) == DP_OK && n > g;
}

/* @ep moved to @newest; a refusal said before is over. */
static void log_moved(struct enactor *e, const struct plan_endpoint *ep,
                      const struct endpoint_state *st, uint64_t newest)
{
	log_info("%s: plan %llu -> %llu", ep->name,
	         (unsigned long long)(st->marker == 1 ? st->gen : 0),
	         (unsigned long long)newest);
	repeat_end(e->repeats, ep->name, "moved");
}

/*
 * Must the endpoint read as @st move to @newest?  Not when it is there or
 * someone is ahead of us; an endpoint on @newest without addresses is
 * healed.
 */
static bool needs_move(const struct plan_endpoint *ep,
                       const struct endpoint_state *st, uint64_t newest)
{
	/* Ahead: a malformed marker (a hand edit) counts at the highest
	 * generation it holds, as authd's fence does. */
	if (up_to_date(ep, st, newest) || (st->marker != 0 && st->gen > newest))
		return false;
	if (st->marker == 1 && st->gen == newest && st->naddrs == 0)
		log_warning("%s: on plan %llu but without addresses; healing",
		            ep->name, (unsigned long long)newest);
	else if (st->marker == 1 && st->gen == newest &&
	         st->target_gen == newest)
		log_warning("%s: on plan %llu but serving %u addresses that "
		            "are not the plan's %zu; rewriting them",
		            ep->name, (unsigned long long)newest, st->nset,
		            ep->naddrs);
	return true;
}

/*
 * authd refused to move @ep to @newest: said once per endpoint and
 * reason, with a count when the reason changes or the endpoint moves,
 * not on every pass (a stuck endpoint would fill the log).
 */
static void log_refused(struct enactor *e, const struct plan_endpoint *ep,
                        uint64_t newest, const char *ede)
{
	const char *why = *ede ? ede : "refused";
	problem(e, "%s: authd refuses plan %llu: %s", ep->name,
	        (unsigned long long)newest, why);
	repeat_hit(e->repeats, ep->name, "refusal", why, LOG_LEVEL_WARNING,
	           "%s: authd refused plan %llu: %s", ep->name,
	           (unsigned long long)newest, why);
}

/*
 * Move one endpoint forward to @newest, one exchange at a time; true when
 * it is there now.  @first: the endpoint's pause point and delay apply
 * (not when retrying an endpoint of a pipelined window).
 */
static bool safe_endpoint(struct enactor *e, const struct plan_endpoint *ep,
                          uint64_t newest, bool first)
{
	char err[512], ede[512];
	for (int attempt = 0; attempt < CAS_TRIES && !atomic_load(e->stop);
	     attempt++) {
		struct endpoint_state st;
		dp_status got =
		        layout_read(e->read, ep->name, &st, err, sizeof(err));
		authd_answered(e, got, err);
		if (got != DP_OK) {
			backoff(e, attempt, &e->seed, NULL);
			continue;
		}
		if (!needs_move(ep, &st, newest))
			return true;
		if (attempt == 0 && first) {
			pause_point(e, "before-endpoint", ep->name);
			if (e->s->endpoint_delay_ms > 0)
				sleep_ms(e->s->endpoint_delay_ms);
		}
		if (superseded(e, newest))
			return false; /* as window_flush(): newer first */
		pause_point(e, "before-send", ep->name);
		int rc = send_update(e,
		                     layout_apply(e->s->zone, ep, newest, &st,
		                                  LAYOUT_CAS,
		                                  (uint32_t)e->s->ttl),
		                     ede, sizeof(ede));
		if (rc == LDNS_RCODE_NOERROR) {
			e->st.applied++;
			emetrics_moved(e->m, ep->name, newest);
			report(e, newest, ep->name);
			log_moved(e, ep, &st, newest);
			return true;
		}
		if (rc == LDNS_RCODE_NXRRSET || rc == LDNS_RCODE_YXRRSET) {
			/* Moved since we read it: read again, forward only. */
			e->st.cas_retries++;
			emetrics_cas_lost(e->m);
			continue;
		}
		if (rc == LDNS_RCODE_REFUSED) {
			e->st.refused++;
			log_refused(e, ep, newest, ede);
			return false;
		}
		e->st.failed++;
		backoff(e, attempt, &e->seed, NULL);
	}
	return false;
}

/*
 * A window of endpoints: the updates built from one pipelined read, sent
 * back to back (authd commits them together), the moves reported in one
 * store transaction.  Endpoints whose update did not simply go through
 * are retried alone (safe_endpoint).
 */
struct window {
	const struct plan_endpoint **eps;
	struct endpoint_state *st;
	bool *ok;
	ldns_pkt **ups, **ans;
	size_t *which;      /* update i is for endpoint which[i] */
	const char **moved; /* names reported */
	const struct plan_endpoint **retry;
	size_t n, nups, nmoved, nretry;
};

/* Send the updates built so far and sort out their answers. */
static size_t window_flush(struct enactor *e, struct window *w, uint64_t newest)
{
	char err[512], ede[512];
	size_t behind = 0;
	if (w->nups == 0)
		return 0;
	if (superseded(e, newest)) {
		/* A newer plan since the read: writing this one now would
		 * take an endpoint whose marker authd no longer has (a lost
		 * database) back; the pass ends, the next one is newer. */
		for (size_t i = 0; i < w->nups; i++)
			ldns_pkt_free(w->ups[i]);
		behind = w->nups;
		w->nups = 0;
		return behind;
	}
	for (size_t i = 0; i < w->nups; i++)
		pause_point(e, "before-send", w->eps[w->which[i]]->name);
	authd_answered(e,
	               dnsclient_exchange_many(e->dns, w->ups, w->nups, w->ans,
	                                       err, sizeof(err)),
	               err);
	for (size_t i = 0; i < w->nups; i++) {
		const struct plan_endpoint *ep = w->eps[w->which[i]];
		const struct endpoint_state *st = &w->st[w->which[i]];
		ldns_pkt *a = w->ans[i];
		int rc = a ? (int)ldns_pkt_get_rcode(a) : -1;
		if (a != NULL)
			dnsclient_ede(a, ede, sizeof(ede));
		emetrics_answer(e->m, a);
		ldns_pkt_free(a);
		ldns_pkt_free(w->ups[i]);
		if (rc == LDNS_RCODE_NOERROR) {
			e->st.applied++;
			emetrics_moved(e->m, ep->name, newest);
			w->moved[w->nmoved++] = ep->name;
			log_moved(e, ep, st, newest);
		} else if (rc == LDNS_RCODE_REFUSED) {
			e->st.refused++;
			behind++;
			log_refused(e, ep, newest, ede);
		} else {
			if (rc == LDNS_RCODE_NXRRSET ||
			    rc == LDNS_RCODE_YXRRSET) {
				e->st.cas_retries++;
				emetrics_cas_lost(e->m);
			} else if (rc >= 0)
				e->st.failed++;
			w->retry[w->nretry++] = ep;
		}
	}
	w->nups = 0;
	return behind;
}

/* Move the @n endpoints of @eps forward; how many are still behind. */
static size_t safe_window(struct enactor *e, struct window *w,
                          const struct plan_endpoint **eps, size_t n,
                          uint64_t newest)
{
	char err[512];
	const char **names = xcalloc(n, sizeof(*names));
	for (size_t i = 0; i < n; i++)
		names[i] = eps[i]->name;
	w->eps = eps;
	w->n = n;
	w->nups = w->nmoved = w->nretry = 0;
	authd_answered(e,
	               layout_read_many(e->read, names, n, false, w->st, w->ok,
	                                err, sizeof(err)),
	               err);
	free(names);
	size_t behind = 0;
	for (size_t i = 0; i < n && !atomic_load(e->stop); i++) {
		const struct plan_endpoint *ep = eps[i];
		const struct endpoint_state *st = &w->st[i];
		if (!w->ok[i]) {
			w->retry[w->nretry++] = ep;
			continue;
		}
		emetrics_seen(e->m, ep->name, st->marker == 1 ? st->gen : 0);
		if (!needs_move(ep, st, newest))
			continue;
		if (pause_armed(e, "before-endpoint", ep->name) >= 0) {
			/* Everything before it is written first. */
			behind += window_flush(e, w, newest);
			pause_point(e, "before-endpoint", ep->name);
		}
		if (e->s->endpoint_delay_ms > 0)
			sleep_ms(e->s->endpoint_delay_ms);
		w->ups[w->nups] = layout_apply(e->s->zone, ep, newest, st,
		                               LAYOUT_CAS, (uint32_t)e->s->ttl);
		w->which[w->nups++] = i;
	}
	behind += window_flush(e, w, newest);
	if (w->nmoved > 0) {
		if (planstore_report_applied_many(e->ps, e->s->id, newest,
		                                  w->moved, w->nmoved, now_ms(),
		                                  err, sizeof(err)) != DP_OK) {
			emetrics_store_error(e->m);
			log_warning("%s", err);
		}
	}
	for (size_t i = 0; i < w->nretry && !atomic_load(e->stop); i++)
		if (!safe_endpoint(e, w->retry[i], newest, false))
			behind++;
	return behind;
}

/*
 * The walk: endpoints whose addresses differ from the previous pass's
 * plan first (a load balancer just taken out leaves authd first), then
 * the rest in order.
 */
static const struct plan_endpoint **walk_order(const struct enactor *e,
                                               const struct plan *p)
{
	size_t n = p->nendpoints;
	const struct plan_endpoint **o = xcalloc(n + 1, sizeof(*o));
	bool *same = xcalloc(n + 1, sizeof(*same));
	for (size_t i = 0; i < n; i++) {
		const struct plan_endpoint *ep = &p->endpoints[i];
		const struct plan_endpoint *old =
		        planstore_plan_endpoint(e->last, ep->name);
		same[i] = old != NULL && old->naddrs == ep->naddrs;
		for (size_t a = 0; same[i] && a < ep->naddrs; a++)
			same[i] = strcmp(old->addrs[a].address,
			                 ep->addrs[a].address) == 0;
	}
	size_t k = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++)
			if (same[i] == (pass == 1))
				o[k++] = &p->endpoints[i];
	free(same);
	return o;
}

/* The names of the endpoints of @p, in its order (free() the array). */
static const char **plan_names(const struct plan *p)
{
	const char **names = xcalloc(p->nendpoints + 1, sizeof(*names));
	for (size_t i = 0; i < p->nendpoints; i++)
		names[i] = p->endpoints[i].name;
	return names;
}

/*
 * Read the endpoints named in @names (@n of them) from authd, READ_WINDOW
 * in one round trip, and call @fn with each one's state (@ok: read) in
 * order, until @fn returns false.  DP_OK, the status of the read that
 * failed, or DP_EAGAIN when the enactor stops first (not every endpoint
 * was seen).
 */
typedef bool (*endpoint_fn)(struct enactor *e, void *arg, const char *name,
                            const struct endpoint_state *st, bool ok);
static dp_status read_each(struct enactor *e, const char *const *names,
                           size_t n, endpoint_fn fn, void *arg)
{
	char err[512];
	struct endpoint_state *st = xcalloc(READ_WINDOW, sizeof(*st));
	bool *ok = xcalloc(READ_WINDOW, sizeof(*ok));
	dp_status rc = DP_OK;
	bool go = true;
	for (size_t off = 0; off < n && go && rc == DP_OK; off += READ_WINDOW) {
		size_t k = n - off < READ_WINDOW ? n - off : READ_WINDOW;
		rc = layout_read_many(e->read, names + off, k, false, st, ok,
		                      err, sizeof(err));
		authd_answered(e, rc, err);
		for (size_t i = 0; i < k && go && rc == DP_OK; i++) {
			if (atomic_load(e->stop))
				rc = DP_EAGAIN;
			else
				go = fn(e, arg, names[off + i], &st[i], ok[i]);
		}
	}
	free(st);
	free(ok);
	return rc;
}

struct refs {
	uint64_t *v;
	size_t n;
};

static bool add_refs(struct enactor *e, void *arg, const char *name,
                     const struct endpoint_state *st, bool ok)
{
	struct refs *r = arg;
	(void)e;
	(void)name;
	(void)ok;
	r->v[r->n++] = st->target_gen;
	if (st->marker != 0)
		r->v[r->n++] = st->gen;
	r->v[r->n++] = st->rollback_gen;
	return true;
}

/*
 * The generations the endpoints named in @all are on, are marked with, and
 * would roll back to (their rollback records name them).
 * A newer plan written meanwhile does not stop the reading: cleanup that
 * yields to every new plan never ends while plans come faster than it.
 */
static dp_status referenced_names(struct enactor *e, const char *const *all,
                                  size_t n, uint64_t **refs, size_t *nrefs)
{
	struct refs r = {.v = xcalloc(3 * n + 1, sizeof(*r.v))};
	dp_status rc = read_each(e, all, n, add_refs, &r);
	if (rc != DP_OK) {
		free(r.v);
		r = (struct refs){0};
	}
	*refs = r.v;
	*nrefs = r.n;
	return rc;
}

/* referenced_names() of the endpoints of @p. */
static dp_status referenced(struct enactor *e, const struct plan *p,
                            uint64_t **refs, size_t *nrefs)
{
	const char **names = plan_names(p);
	dp_status rc = referenced_names(e, names, p->nendpoints, refs, nrefs);
	free(names);
	return rc;
}

/* The oldest generation an enactor is applying now, or UINT64_MAX. */
static uint64_t oldest_in_flight(struct enactor *e)
{
	struct reports_state *en = NULL;
	size_t n = 0;
	char err[512];
	uint64_t oldest = UINT64_MAX;
	if (planstore_enactors(e->ps, &en, &n, err, sizeof(err)) != DP_OK)
		return 0; /* unknown: delete nothing */
	int64_t now = now_ms();
	for (size_t i = 0; i < n; i++) {
		/* An enactor silent for long (dead, or paused) no longer
		 * holds its plan back: should it come back and write it,
		 * authd's fence refuses the step back. */
		if (en[i].in_flight != 0 && en[i].in_flight < oldest &&
		    now - en[i].heartbeat_ms < HEARTBEAT_OLD)
			oldest = en[i].in_flight;
	}
	free(en);
	return oldest;
}

/* Is @g old enough, and applied by no live enactor? */
static bool old_and_idle(struct enactor *e, uint64_t g, uint64_t newest)
{
	return g + (uint64_t)e->s->keep < newest && g < oldest_in_flight(e);
}

static bool listed(const uint64_t *refs, size_t n, uint64_t g)
{
	for (size_t i = 0; i < n; i++)
		if (refs[i] == g)
			return true;
	return false;
}

/*
 * Before plan @p may go, every endpoint of @p that an enactor could still
 * move onto it (one marked at or below it, or not marked at all) is
 * marked with the newest plan first, by an UPDATE of its marker alone
 * (compare-and-swap on the marker read; its CNAME and records stay, and
 * the next walk moves it on as any endpoint behind).  An enactor holding
 * an older plan (paused, slow, its heartbeat stale) could otherwise move
 * an endpoint it read behind, or one never written yet, or one the
 * newest plan no longer has, onto @p after the reads that let @p go:
 * authd's fence now refuses that move, so what those reads find stays
 * true.  An endpoint the newest plan lacks and that authd no longer has
 * at all (retired whole) is left alone.  True when every one is marked
 * above @p now; false (keep @p this time) when authd cannot be read or
 * an endpoint moved meanwhile.
 */
struct fence {
	const struct plan *newest_plan;
	uint64_t g;
	bool all; /* every endpoint read and marked above g */
};

static bool fence_one(struct enactor *e, void *arg, const char *name,
                      const struct endpoint_state *st, bool ok)
{
	struct fence *f = arg;
	char ede[512];
	uint64_t newest = f->newest_plan->generation;
	if (!(f->all = ok))
		return false;
	if (st->marker != 0 && st->gen > f->g)
		return true;
	if (st->marker == 0 && !st->cname && st->naddrs == 0 &&
	    planstore_plan_endpoint(f->newest_plan, name) == NULL)
		return true; /* retired whole */
	int u = send_update(e,
	                    layout_raise_marker(e->s->zone, name, newest, st,
	                                        (uint32_t)e->s->ttl),
	                    ede, sizeof(ede));
	if (u != LDNS_RCODE_NOERROR)
		return f->all = false; /* moved meanwhile, or refused */
	log_info("cleanup: %s marked %llu before plan %llu may go, so that no "
	         "enactor moves it onto that plan any more",
	         name, (unsigned long long)newest, (unsigned long long)f->g);
	return true;
}

static bool fence_plan(struct enactor *e, const struct plan *p,
                       const struct plan *newest_plan)
{
	struct fence f = {
	        .newest_plan = newest_plan, .g = p->generation, .all = true};
	const char **names = plan_names(p);
	dp_status rc = read_each(e, names, p->nendpoints, fence_one, &f);
	free(names);
	return rc == DP_OK && f.all;
}

/*
 * Does no endpoint of plan @p itself stand on it (its CNAME or marker
 * naming it)?  False also when authd cannot be read.
 */
static bool unreferenced_by_own(struct enactor *e, const struct plan *p,
                                const struct plan *newest_plan)
{
	/* Only the endpoints the newest plan lacks: deletable() read the
	 * others.  Both lists are sorted by name. */
	const char **gone = xcalloc(p->nendpoints + 1, sizeof(*gone));
	size_t n = 0, j = 0;
	for (size_t i = 0; i < p->nendpoints; i++) {
		const char *name = p->endpoints[i].name;
		while (j < newest_plan->nendpoints &&
		       strcmp(newest_plan->endpoints[j].name, name) < 0)
			j++;
		if (j == newest_plan->nendpoints ||
		    strcmp(newest_plan->endpoints[j].name, name) != 0)
			gone[n++] = name;
	}
	uint64_t *refs = NULL;
	size_t nrefs = 0;
	bool read =
	        n == 0 || referenced_names(e, gone, n, &refs, &nrefs) == DP_OK;
	bool used = !read || listed(refs, nrefs, p->generation);
	free(refs);
	free(gone);
	if (read && used)
		log_debug("cleanup: plan %llu kept: an endpoint that is not "
		          "in the newest plan stands on it",
		          (unsigned long long)p->generation);
	return !used;
}

static bool deletable(struct enactor *e, const struct plan *newest_plan,
                      uint64_t g, uint64_t newest)
{
	if (!old_and_idle(e, g, newest))
		return false;
	uint64_t *refs;
	size_t n;
	if (referenced(e, newest_plan, &refs, &n) != DP_OK)
		return false;
	bool used = listed(refs, n, g);
	free(refs);
	return !used;
}

/*
 * Delete plan @p's records from authd; false when any was refused (said
 * once while it is refused the same way).
 */
static bool delete_records(struct enactor *e, const struct plan *p)
{
	char err[512], ede[512], subject[64], why[1024];
	cleanup_subject(p->generation, subject, sizeof(subject));
	ldns_pkt **ups = xcalloc(WINDOW, sizeof(*ups));
	ldns_pkt **ans = xcalloc(WINDOW, sizeof(*ans));
	bool ok = true;
	for (size_t off = 0; off < p->nendpoints && ok; off += WINDOW) {
		size_t k = p->nendpoints - off < WINDOW ? p->nendpoints - off
		                                        : WINDOW;
		for (size_t i = 0; i < k; i++)
			ups[i] = layout_delete_plan(e->s->zone,
			                            p->endpoints[off + i].name,
			                            p->generation);
		authd_answered(e,
		               dnsclient_exchange_many(e->dns, ups, k, ans, err,
		                                       sizeof(err)),
		               err);
		for (size_t i = 0; i < k; i++) {
			int rc = ans[i] ? (int)ldns_pkt_get_rcode(ans[i]) : -1;
			if (rc != LDNS_RCODE_NOERROR && ok) {
				/* The guard: an endpoint is on it after all. */
				if (ans[i] != NULL)
					dnsclient_ede(ans[i], ede, sizeof(ede));
				snprintf(why, sizeof(why), "%s: %s",
				         p->endpoints[off + i].name,
				         ans[i] == NULL ? "no answer"
				         : *ede         ? ede
				                : layout_rcode_name(rc));
				repeat_hit(e->repeats, subject, "failure", why,
				           LOG_LEVEL_WARNING, "%s kept: %s",
				           subject, why);
				ok = false;
			}
			emetrics_answer(e->m, ans[i]);
			ldns_pkt_free(ans[i]);
			ldns_pkt_free(ups[i]);
		}
	}
	free(ups);
	free(ans);
	return ok;
}

/*
 * Delete the plans more than keep generations older than @newest_plan
 * that nobody uses.  Run after every pass, whatever became of its walk:
 * a cleanup that waits for a walk to end with every endpoint on the
 * newest plan never runs while plans come faster than a walk or one
 * endpoint is refused, and the store grows without bound.  A newer plan
 * does not interrupt it either; what bounds its work is the list of
 * plans taken at its start.
 */
static void safe_cleanup(struct enactor *e, const struct plan *newest_plan)
{
	uint64_t newest = newest_plan->generation;
	struct planstore_info *list = NULL;
	size_t n = 0;
	char err[512];
	pause_point(e, "before-cleanup", NULL);
	if (planstore_list(e->ps, &list, &n, err, sizeof(err)) != DP_OK) {
		emetrics_store_error(e->m);
		log_warning("%s", err);
		return;
	}
	/* One scan of the endpoints rules out the plans in use; each
	 * deletion checks everything again right before it. */
	uint64_t *refs = NULL;
	size_t nrefs = 0;
	bool any = false;
	for (size_t i = 0; i < n && !any; i++)
		any = old_and_idle(e, list[i].generation, newest);
	if (!any || referenced(e, newest_plan, &refs, &nrefs) != DP_OK) {
		free(list);
		return;
	}
	for (size_t i = 0; i < n && !atomic_load(e->stop); i++) {
		uint64_t g = list[i].generation;
		if (!old_and_idle(e, g, newest) || listed(refs, nrefs, g))
			continue;
		char gs[32];
		snprintf(gs, sizeof(gs), "%llu", (unsigned long long)g);
		pause_point(e, "before-delete", gs);
		struct plan *p = NULL;
		if (planstore_get_plan(e->ps, g, &p, err, sizeof(err)) != DP_OK)
			continue;
		/* Fenced first, then read: what the reads find stays true.
		 * Its own endpoints too: one the newest plan no longer has
		 * (removed from the planner's settings) may still stand on
		 * it, and keeps it. */
		if (!fence_plan(e, p, newest_plan) ||
		    !deletable(e, newest_plan, g, newest)) {
			emetrics_kept(e->m, KEPT_IN_USE);
			log_info("cleanup: plan %llu is in use again; kept",
			         (unsigned long long)g);
			planstore_plan_free(p);
			continue;
		}
		if (!unreferenced_by_own(e, p, newest_plan)) {
			emetrics_kept(e->m, KEPT_OWN);
			planstore_plan_free(p);
			continue;
		}
		if (delete_records(e, p))
			delete_from_store(e, p, "unreferenced and old");
		else
			emetrics_kept(e->m, KEPT_REFUSED);
		planstore_plan_free(p);
	}
	free(refs);
	free(list);
}

/* authd's SOA serial of the zone; false when it cannot be read. */
static bool zone_serial(struct enactor *e, uint32_t *serial)
{
	char err[512];
	ldns_pkt *a = NULL;
	dp_status rc = dnsclient_query(e->read, e->s->zone, LDNS_RR_TYPE_SOA,
	                               &a, err, sizeof(err));
	authd_answered(e, rc, err);
	if (rc != DP_OK)
		return false;
	bool ok = false;
	ldns_rr_list *an = ldns_pkt_answer(a);
	for (size_t i = 0; i < ldns_rr_list_rr_count(an) && !ok; i++) {
		ldns_rr *rr = ldns_rr_list_rr(an, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA &&
		    ldns_rr_rd_count(rr) >= 3) {
			*serial = ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
			ok = true;
		}
	}
	ldns_pkt_free(a);
	return ok;
}

/*
 * May this pass skip the walk?  Only when a walk found every endpoint on
 * @newest, authd's zone has not changed since it began (every committed
 * update and every zone file taken in moves the serial), and it began
 * less than full-scan-ms ago: a zone changed without its serial moving
 * (a restored backup) is healed by then.
 */
static bool quiet(struct enactor *e, uint64_t newest, bool have_serial,
                  uint32_t serial)
{
	return have_serial && e->quiet_gen == newest &&
	       e->quiet_serial == serial &&
	       mono_ms() - e->quiet_ms < e->s->full_scan_ms;
}

static dp_status safe_pass(struct enactor *e)
{
	char err[512];
	uint64_t newest = 0;
	if (planstore_newest(e->ps, &newest, err, sizeof(err)) != DP_OK) {
		emetrics_store_error(e->m);
		log_warning("%s", err);
		return DP_EIO;
	}
	if (newest == 0)
		return DP_OK;
	pause_point(e, "after-freshness-check", NULL);
	/* What was newest when we looked may have grown meanwhile. */
	int64_t created = 0;
	planstore_newest_stamp(e->ps, &newest, &created, err, sizeof(err));
	/* A plan never changes once written: the last pass's plan is
	 * reused while it is the newest, and is the same plan (a store
	 * restored or recreated may hold another under its number). */
	if (e->last != NULL && e->last->generation == newest &&
	    e->last->created_ms != created) {
		log_warning("plan %llu in the store is not the plan %llu read "
		            "before (written at %lld ms, not %lld ms): the "
		            "store was replaced; reading it again",
		            (unsigned long long)newest,
		            (unsigned long long)newest, (long long)created,
		            (long long)e->last->created_ms);
		planstore_plan_free(e->last);
		e->last = NULL;
		e->quiet_gen = 0;
	}
	struct plan *p = NULL;
	if (e->last != NULL && e->last->generation == newest) {
		p = e->last;
		e->last = NULL;
	} else if (planstore_get_plan(e->ps, newest, &p, err, sizeof(err)) !=
	           DP_OK) {
		emetrics_store_error(e->m);
		log_warning("plan %llu: %s", (unsigned long long)newest, err);
		return DP_EIO;
	}
	emetrics_plan(e->m, newest, p->created_ms);
	uint32_t serial = 0;
	bool have_serial = e->s->full_scan_ms > 0 && zone_serial(e, &serial);
	if (quiet(e, newest, have_serial, serial)) {
		safe_cleanup(e, p);
		planstore_plan_free(e->last);
		e->last = p;
		return superseded(e, newest) ? DP_EAGAIN : DP_OK;
	}
	int64_t began = mono_ms();
	e->quiet_gen = 0;
	e->st.walks++;
	emetrics_walk(e->m);
	atomic_store(e->in_flight, newest);
	/* An artificial delay per endpoint means one at a time. */
	size_t win = e->s->endpoint_delay_ms > 0 ? 1 : WINDOW;
	struct window w = {
	        .st = xcalloc(win, sizeof(*w.st)),
	        .ok = xcalloc(win, sizeof(*w.ok)),
	        .ups = xcalloc(win, sizeof(*w.ups)),
	        .ans = xcalloc(win, sizeof(*w.ans)),
	        .which = xcalloc(win, sizeof(*w.which)),
	        .moved = xcalloc(win, sizeof(*w.moved)),
	        .retry = xcalloc(win, sizeof(*w.retry)),
	};
	const struct plan_endpoint **order = walk_order(e, p);
	size_t behind = 0;
	bool newer = false;
	for (size_t off = 0; off < p->nendpoints && !atomic_load(e->stop);
	     off += win) {
		/* A newer plan makes this one moot: start over with it. */
		if (off > 0 && (newer = superseded(e, newest)))
			break;
		size_t k =
		        p->nendpoints - off < win ? p->nendpoints - off : win;
		behind += safe_window(e, &w, order + off, k, newest);
	}
	free(order);
	free(w.st);
	free(w.ok);
	free(w.ups);
	free(w.ans);
	free(w.which);
	free(w.moved);
	free(w.retry);
	atomic_store(e->in_flight, 0);
	if (newer) {
		log_info("plan %llu superseded by a newer plan; starting over",
		         (unsigned long long)newest);
	} else if (behind == 0 && !atomic_load(e->stop)) {
		report_plan(e, newest); /* every endpoint is on it */
		if (have_serial) {
			e->quiet_gen = newest;
			e->quiet_serial = serial;
			e->quiet_ms = began;
		}
	}
	/* Overtaken or not, endpoints behind or not: what cleanup deletes
	 * it checks against authd itself. */
	if (!atomic_load(e->stop))
		safe_cleanup(e, p);
	planstore_plan_free(e->last);
	e->last = p;
	if (newer || superseded(e, newest))
		return DP_EAGAIN;
	return behind ? DP_EIO : DP_OK;
}

/* Say in the report file what stops the enactor, when that changed. */
static void report_problem(struct enactor *e)
{
	char err[512];
	if (strcmp(e->problem, e->problem_said) == 0)
		return;
	if (planstore_report_problem(e->ps, e->s->id, e->problem, now_ms(), err,
	                             sizeof(err)) != DP_OK) {
		log_warning("%s", err);
		return;
	}
	memcpy(e->problem_said, e->problem, sizeof(e->problem_said));
}

dp_status enactor_run_once(struct enactor *e)
{
	char err[512];
	bool paused = false;
	e->problem[0] = '\0';
	if (planstore_get_paused(e->ps, &paused, err, sizeof(err)) != DP_OK) {
		emetrics_store_error(e->m);
		log_warning("%s", err);
		problem(e, "the plan store: %s", err);
		report_problem(e);
		return DP_EIO;
	}
	emetrics_automation(e->m, paused);
	if (paused) {
		report_problem(e);
		return DP_OK;
	}
	e->st.passes++;
	emetrics_pass(e->m);
	dp_status rc = e->mode == MODE_LEGACY ? legacy_pass(e) : safe_pass(e);
	/* A pass overtaken by a newer plan may not have reached what stops
	 * it: keep what was said until a pass ends. */
	if (rc != DP_EAGAIN)
		report_problem(e);
	return rc;
}
