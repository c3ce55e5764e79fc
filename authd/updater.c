/*
 * updater.c - the update thread: queue, batch, verify, apply, commit,
 * publish, answer.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "answer.h"
#include "dnsmsg.h"
#include "log.h"
#include "tsig.h"
#include "updater.h"
#include "workq.h"
#include "wire.h"
#include "xalloc.h"

#define MAX_BATCH 256
#define RESP_CAP  2048

struct request {
	struct workq_item item; /* first: the queue links requests */
	uint8_t *msg;
	size_t len;
	bool tcp;
	updater_reply_fn reply;
	void *arg;
};

struct updater {
	struct zonestore *store;
	struct keyring *keys;
	struct guard guard;
	unsigned journal_keep;
	struct updater_hooks hooks;

	struct workq *queue;
	pthread_mutex_t work; /* held while a batch runs */
	pthread_mutex_t slock;
	struct updater_stats stats;
};

/* One request of a batch being worked on. */
struct job {
	struct request *req;
	struct tsig_state st;
	bool answer; /* send an answer at all */
	bool edns;
	int rcode;
	int ede;
	char text[1536];
	struct update_result res;
	size_t zoneidx; /* into the batch's zones, when it changed one */
	bool changed;
	uint8_t *resp; /* a signed query's answer, already complete */
	size_t resplen;
};

/* A zone the batch edits. */
struct bzone {
	const struct zone *zone;
	struct zone_edit *edit;
	struct zone *next;
	bool failed;
};

/* The request after @r in its batch. */
static struct request *req_next(const struct request *r)
{
	return (struct request *)r->item.next;
}

static void run_batch(void *arg, struct workq_item *list);

struct updater *updater_new(struct zonestore *store, struct keyring *keys,
                            struct guard *guard, unsigned journal_keep,
                            const struct updater_hooks *hooks)
{
	struct updater *u = xcalloc(1, sizeof(*u));
	u->store = store;
	u->keys = keys;
	u->guard = *guard;
	memset(guard, 0, sizeof(*guard));
	u->journal_keep = journal_keep;
	u->hooks = *hooks;
	u->queue = workq_new("update", MAX_BATCH, 0, run_batch, u);
	pthread_mutex_init(&u->work, NULL);
	pthread_mutex_init(&u->slock, NULL);
	return u;
}

void updater_submit(struct updater *u, const uint8_t *msg, size_t len, bool tcp,
                    updater_reply_fn reply, void *arg)
{
	struct request *r = xcalloc(1, sizeof(*r));
	r->tcp = tcp;
	r->msg = xmalloc(len ? len : 1);
	memcpy(r->msg, msg, len);
	r->len = len;
	r->reply = reply;
	r->arg = arg;
	workq_submit(u->queue, &r->item);
}

void updater_lock(struct updater *u)
{
	pthread_mutex_lock(&u->work);
}

void updater_unlock(struct updater *u)
{
	pthread_mutex_unlock(&u->work);
}

void updater_set_policy(struct updater *u, struct keyring *keys,
                        struct guard *guard)
{
	keyring_free(u->keys);
	guard_free(&u->guard);
	u->keys = keys;
	u->guard = *guard;
	memset(guard, 0, sizeof(*guard));
}

void updater_stats(struct updater *u, struct updater_stats *out)
{
	pthread_mutex_lock(&u->slock);
	*out = u->stats;
	pthread_mutex_unlock(&u->slock);
}

/* The end of the zone section, or 0 when it cannot be read. */
static size_t zone_section_end(const uint8_t *msg, size_t len)
{
	size_t pos = 12;
	uint8_t name[DNAME_MAXLEN];
	if (rd16(msg + 4) != 1 || dname_unpack(msg, len, &pos, name) < 0 ||
	    pos + 4 > len)
		return 0;
	return pos + 4;
}

/* Build and send the answer of @j. */
static void answer(struct updater *u, struct job *j)
{
	struct request *r = j->req;
	if (!j->answer) {
		r->reply(r->arg, NULL, 0);
		return;
	}
	if (j->resp != NULL) {
		r->reply(r->arg, j->resp, j->resplen);
		return;
	}
	uint8_t out[RESP_CAP];
	size_t n = DNS_HEADER_LEN;
	memset(out, 0, DNS_HEADER_LEN);
	memcpy(out, r->msg, 2);
	wr16(out + 2,
	     msg_reply_flags(rd16(r->msg + 2), false, false, j->rcode));
	size_t zend = j->rcode == DNS_RCODE_FORMERR
	                      ? 0
	                      : zone_section_end(r->msg, r->len);
	if (zend > 0 && zend - 12 < 300) {
		memcpy(out + 12, r->msg + 12, zend - 12);
		n = zend;
		wr16(out + 4, 1);
	}
	uint16_t ar = 0;
	if (j->edns) {
		size_t tl = j->ede >= 0 ? strlen(j->text) : 0;
		if (tl > 400)
			tl = 400;
		n += msg_write_opt(out + n, 1232, j->rcode, false, j->ede,
		                   j->text, tl);
		ar++;
	}
	wr16(out + 10, ar);
	if (j->st.present &&
	    tsig_sign(&j->st, out, &n, sizeof(out), time(NULL)) != DP_OK)
		log_warning("update: cannot sign an answer");
	r->reply(r->arg, out, n);
	(void)u;
}

static size_t batch_zone(struct bzone *zones, size_t *nzones,
                         const struct zone *z)
{
	for (size_t i = 0; i < *nzones; i++) {
		if (zones[i].zone == z)
			return i;
	}
	zones[*nzones].zone = z;
	zones[*nzones].edit = zone_edit_new(z);
	zones[*nzones].next = NULL;
	zones[*nzones].failed = false;
	return (*nzones)++;
}

static void count(struct updater *u, const struct job *j)
{
	pthread_mutex_lock(&u->slock);
	if (j->rcode == DNS_RCODE_NOERROR)
		u->stats.accepted++;
	else if (!j->st.present)
		u->stats.unsigned_refused++;
	else if (j->st.error)
		u->stats.tsig_failed++;
	else
		u->stats.refused[j->res.reason]++;
	pthread_mutex_unlock(&u->slock);
}

/*
 * Answer a TSIG-signed query: verify, answer the message without its TSIG
 * from the zones as the batch found them, sign.
 */
static void run_query(struct updater *u, const struct zoneset *zs,
                      struct job *j)
{
	const struct request *r = j->req;
	char kn[1024];
	if (tsig_verify(u->keys, r->msg, r->len, time(NULL), &j->st) != DP_OK ||
	    !j->st.present) {
		j->rcode = DNS_RCODE_FORMERR;
		memset(&j->st, 0, sizeof(j->st));
		j->resp = xmalloc(DNS_HEADER_LEN);
		memcpy(j->resp, r->msg, 2);
		wr16(j->resp + 2, msg_reply_flags(rd16(r->msg + 2), false,
		                                  false, DNS_RCODE_FORMERR));
		memset(j->resp + 4, 0, DNS_HEADER_LEN - 4);
		j->resplen = DNS_HEADER_LEN;
		return;
	}
	size_t cap = r->tcp ? DNS_MAX_MSG : 4096;
	j->resp = xmalloc(cap);
	if (j->st.error) {
		dname_to_str(j->st.keyname, kn, sizeof(kn));
		log_notice("signed query refused: key %s: TSIG error %u", kn,
		           j->st.error);
		/* Header and question, NOTAUTH, and the TSIG error. */
		size_t qend = zone_section_end(r->msg, r->len);
		j->resplen = qend ? qend : 12;
		memcpy(j->resp, r->msg, j->resplen);
		wr16(j->resp + 2, msg_reply_flags(rd16(r->msg + 2), false,
		                                  false, DNS_RCODE_NOTAUTH));
		wr16(j->resp + 4, qend ? 1 : 0);
		memset(j->resp + 6, 0, 6);
	} else {
		uint8_t *q = xmalloc(j->st.msglen);
		memcpy(q, r->msg, j->st.msglen);
		wr16(q, j->st.orig_id);
		wr16(q + 10, (uint16_t)(rd16(q + 10) - 1));
		/* Leave room for our TSIG record. */
		struct answer_opts o = {.tcp = r->tcp,
		                        .max_udp_payload = 1232 - 300};
		int rcode;
		if (answer_query(zs, q, j->st.msglen, &o, j->resp, &j->resplen,
		                 &rcode) != DP_OK) {
			free(q);
			free(j->resp);
			j->resp = NULL;
			j->answer = false;
			return;
		}
		free(q);
		wr16(j->resp, rd16(r->msg));
	}
	if (tsig_sign(&j->st, j->resp, &j->resplen, cap, time(NULL)) != DP_OK)
		log_warning("cannot sign an answer");
}

/* Verify and apply one request on top of the batch so far. */
static void run_job(struct updater *u, const struct zoneset *zs,
                    struct bzone *zones, size_t *nzones, struct job *j)
{
	const struct request *r = j->req;
	j->answer =
	        r->len >= DNS_HEADER_LEN && !(rd16(r->msg + 2) & DNS_FLAG_QR);
	j->ede = -1;
	j->zoneidx = SIZE_MAX;
	if (!j->answer)
		return;
	if (DNS_OPCODE(rd16(r->msg + 2)) != DNS_OPCODE_UPDATE) {
		run_query(u, zs, j);
		return;
	}
	/* The shape check every path shares: FORMERR for a malformed
	 * message, BADVERS for an EDNS version above 0; either way nothing
	 * is applied. */
	struct msg_shape shape;
	int sh = msg_shape(r->msg, r->len, &shape);
	j->edns = shape.edns;
	if (sh == DNS_RCODE_FORMERR) {
		j->rcode = DNS_RCODE_FORMERR;
		j->res.reason = UPDATE_FORMERR;
		j->edns = false;
		return;
	}
	dp_status rc = tsig_verify(u->keys, r->msg, r->len, time(NULL), &j->st);
	char kn[1024];
	if (rc == DP_OK && sh == DNS_RCODE_BADVERS) {
		/* Signed like any answer when the signature verifies. */
		j->rcode = DNS_RCODE_BADVERS;
		j->res.reason = UPDATE_FORMERR;
		return;
	}
	if (rc != DP_OK) {
		j->rcode = DNS_RCODE_FORMERR;
		j->res.reason = UPDATE_FORMERR;
		memset(&j->st, 0, sizeof(j->st));
		return;
	}
	if (!j->st.present) {
		j->rcode = DNS_RCODE_REFUSED;
		log_notice("update refused: not signed (TSIG required)");
		return;
	}
	dname_to_str(j->st.keyname, kn, sizeof(kn));
	if (j->st.error) {
		j->rcode = DNS_RCODE_NOTAUTH;
		log_notice("update refused: key %s: TSIG %s", kn,
		           j->st.error == TSIG_BADKEY   ? "BADKEY"
		           : j->st.error == TSIG_BADSIG ? "BADSIG"
		                                        : "BADTIME");
		return;
	}
	const struct zone *z;
	j->rcode = update_zone(zs, r->msg, j->st.msglen, &z);
	if (j->rcode != DNS_RCODE_NOERROR) {
		j->res.reason = j->rcode == DNS_RCODE_NOTAUTH ? UPDATE_NOTAUTH
		                                              : UPDATE_FORMERR;
		return;
	}
	size_t zi = batch_zone(zones, nzones, z);
	update_apply(zones[zi].edit, r->msg, j->st.msglen, j->st.key, &u->guard,
	             &j->res);
	j->rcode = j->res.rcode;
	if (j->res.ede >= 0) {
		j->ede = j->res.ede;
		snprintf(j->text, sizeof(j->text), "%s", j->res.text);
	}
	if (j->res.reason == UPDATE_GUARD || j->res.reason == UPDATE_FENCE ||
	    j->res.reason == UPDATE_POLICY || j->res.reason == UPDATE_INVALID)
		log_warning("update refused: key %s: %s", kn, j->res.text);
	else if (j->rcode != DNS_RCODE_NOERROR)
		log_info("update refused: key %s: %s", kn,
		         update_reason_name(j->res.reason));
	else if (j->res.text[0] != '\0')
		log_warning("update: key %s: %s", kn, j->res.text);
	if (j->res.changed) {
		j->changed = true;
		j->zoneidx = zi;
	}
}

static uint64_t now_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Commit every edited zone in one transaction; false when it failed. */
static bool commit_batch(struct updater *u, struct bzone *zones, size_t nzones)
{
	char err[1024];
	bool any = false;
	for (size_t i = 0; i < nzones; i++) {
		struct zone_change *ch = NULL;
		size_t nch = 0;
		if (zone_edit_commit(zones[i].edit, &zones[i].next, &ch, &nch,
		                     err, sizeof(err)) != DP_OK) {
			log_err("update: zone cannot be built: %s", err);
			zones[i].failed = true;
			continue;
		}
		if (nch == 0) {
			zone_free(zones[i].next);
			zones[i].next = NULL;
			free(ch);
			continue;
		}
		/* Before it is served: a guarded endpoint the batch left
		 * without an address answers Not Ready, not NXDOMAIN. */
		guard_mark_not_ready(&u->guard, zones[i].next);
		if (!any &&
		    zonestore_begin(u->store, err, sizeof(err)) != DP_OK) {
			log_err("update: %s", err);
			free(ch);
			return false;
		}
		any = true;
		if (zonestore_commit(u->store, zones[i].next,
		                     zone_serial(zones[i].zone), ch, nch,
		                     u->journal_keep, err,
		                     sizeof(err)) != DP_OK) {
			log_err("update: commit failed: %s", err);
			free(ch);
			zonestore_end(u->store, false, err, sizeof(err));
			return false;
		}
		free(ch);
	}
	if (any && zonestore_end(u->store, true, err, sizeof(err)) != DP_OK) {
		log_err("update: commit failed: %s", err);
		return false;
	}
	pthread_mutex_lock(&u->slock);
	u->stats.commits += any;
	pthread_mutex_unlock(&u->slock);
	return true;
}

static void process_batch(struct updater *u, struct request *list)
{
	struct job *jobs = xcalloc(MAX_BATCH, sizeof(*jobs));
	struct bzone *zones = xcalloc(MAX_BATCH, sizeof(*zones));
	size_t njobs = 0, nzones = 0;
	for (struct request *r = list; r != NULL; r = req_next(r))
		jobs[njobs++].req = r;

	pthread_mutex_lock(&u->work);
	uint64_t t0 = now_usec();
	struct zoneset *zs = u->hooks.acquire(u->hooks.arg);
	for (size_t i = 0; i < njobs; i++)
		run_job(u, zs, zones, &nzones, &jobs[i]);
	bool ok = commit_batch(u, zones, nzones);
	if (ok) {
		struct zoneset *next = NULL;
		for (size_t i = 0; i < nzones; i++) {
			if (zones[i].next == NULL)
				continue;
			struct zoneset *n = zoneset_replace(next ? next : zs,
			                                    zones[i].next);
			zones[i].next = NULL;
			zoneset_unref(next);
			next = n;
		}
		if (next != NULL) {
			u->hooks.publish(u->hooks.arg, next);
			pthread_mutex_lock(&u->slock);
			u->stats.swaps++;
			u->stats.swap_usec_total += now_usec() - t0;
			pthread_mutex_unlock(&u->slock);
		}
	} else {
		pthread_mutex_lock(&u->slock);
		u->stats.commit_failures++;
		pthread_mutex_unlock(&u->slock);
	}
	/* What the guard learnt from edits that were thrown away is wrong. */
	bool lost = !ok;
	for (size_t i = 0; i < nzones; i++)
		lost |= zones[i].failed;
	if (lost)
		guard_forget(&u->guard);
	for (size_t i = 0; i < njobs; i++) {
		struct job *j = &jobs[i];
		if (j->changed && (!ok || zones[j->zoneidx].failed)) {
			j->rcode = DNS_RCODE_SERVFAIL;
			j->ede = -1;
		}
		if (j->resp == NULL)
			count(u, j);
		answer(u, j);
		free(j->resp);
	}
	for (size_t i = 0; i < nzones; i++) {
		zone_edit_free(zones[i].edit);
		zone_free(zones[i].next);
	}
	zoneset_unref(zs);
	pthread_mutex_unlock(&u->work);

	while (list != NULL) {
		struct request *next = req_next(list);
		free(list->msg);
		free(list);
		list = next;
	}
	free(jobs);
	free(zones);
}

/* The queue's run function: one batch of requests. */
static void run_batch(void *arg, struct workq_item *list)
{
	process_batch(arg, (struct request *)list);
}

dp_status updater_start(struct updater *u)
{
	return workq_start(u->queue);
}

void updater_stop(struct updater *u)
{
	if (u != NULL)
		workq_stop(u->queue);
}

/* A request the thread never ran: no answer. */
static void cancel(struct workq_item *it)
{
	struct request *r = (struct request *)it;
	r->reply(r->arg, NULL, 0);
	free(r->msg);
	free(r);
}

void updater_free(struct updater *u)
{
	if (u == NULL)
		return;
	workq_free(u->queue, cancel);
	keyring_free(u->keys);
	guard_free(&u->guard);
	pthread_mutex_destroy(&u->work);
	pthread_mutex_destroy(&u->slock);
	free(u);
}
