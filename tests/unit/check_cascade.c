/*
 * check_cascade.c - unit tests of the cascade's pieces without a
 * network: the lease store's capacity model (storeq), the lease
 * manager's work queue in both modes (fleet), its DNS answers and cache
 * (resolve), and the queue they share (ring).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "fleet.h"
#include "log.h"
#include "resolve.h"
#include "ring.h"
#include "storeq.h"
#include "unit.h"

/* ---- ring ---- */

START_TEST(test_ring_order_and_growth)
{
	struct ring r;
	ring_init(&r, sizeof(int));
	for (int i = 0; i < 100; i++)
		ring_push(&r, &i);
	int v;
	for (int i = 0; i < 50; i++) {
		ck_assert_int_eq(ring_pop(&r, &v), 0);
		ck_assert_int_eq(v, i);
	}
	/* Wrap around, then grow while wrapped. */
	for (int i = 100; i < 300; i++)
		ring_push(&r, &i);
	ck_assert_uint_eq(r.len, 250);
	ck_assert_int_eq(*(int *)ring_front(&r), 50);
	for (int i = 50; i < 300; i++) {
		ck_assert_int_eq(ring_pop(&r, &v), 0);
		ck_assert_int_eq(v, i);
	}
	ck_assert_int_eq(ring_pop(&r, &v), -1);
	ck_assert_ptr_null(ring_front(&r));
	ring_free(&r);
}
END_TEST

/* ---- storeq ---- */

static const struct storeq_params sp = {
        .slots = 2,
        .service_ms = 10,
        .knee = 4,
        .max_factor = 3,
        .timeout_ms = 100,
        .queue_max = 10,
};

START_TEST(test_storeq_service_grows_with_backlog)
{
	struct storeq *q = storeq_new(&sp);
	int ctx[8];
	void *got;
	long ms;
	ck_assert_int_eq(storeq_service_ms(q), 10);
	for (int i = 0; i < 8; i++)
		ck_assert(storeq_push(q, &ctx[i], 0, 0));
	/* 7 waiting and none in service: 5 beyond the slots, 10 + 10 * 5/4. */
	ck_assert_int_eq(storeq_next(q, 0, &got, &ms), STOREQ_SERVE);
	ck_assert_ptr_eq(got, &ctx[0]);
	ck_assert_int_eq(ms, 22);
	ck_assert_int_eq(storeq_next(q, 0, &got, &ms), STOREQ_SERVE);
	ck_assert_ptr_eq(got, &ctx[1]);
	/* Both slots busy: nothing starts until one is done. */
	ck_assert_int_eq(storeq_next(q, 0, &got, &ms), STOREQ_NONE);
	storeq_done(q);
	ck_assert_int_eq(storeq_next(q, 5, &got, &ms), STOREQ_SERVE);
	ck_assert_ptr_eq(got, &ctx[2]);
	/* 5 waiting, 1 in service: 4 beyond, 10 + 10 = 20. */
	ck_assert_int_eq(ms, 20);
	struct storeq_stats st;
	storeq_stats(q, &st);
	ck_assert_uint_eq(st.waiting, 5);
	ck_assert_uint_eq(st.in_service, 2);
	ck_assert_uint_eq(st.received, 8);
	ck_assert_uint_eq(st.served, 1);
	storeq_free(q);
}
END_TEST

START_TEST(test_storeq_growth_is_capped_and_line_bounded)
{
	struct storeq *q = storeq_new(&sp);
	int ctx;
	void *got;
	long ms;
	for (int i = 0; i < 10; i++)
		ck_assert(storeq_push(q, &ctx, 0, 0));
	ck_assert(!storeq_push(q, &ctx, 0, 0));
	ck_assert_int_eq(storeq_next(q, 0, &got, &ms), STOREQ_SERVE);
	/* 9 waiting: 7 beyond the slots would add 175 %; the cap is 3x. */
	ck_assert_int_eq(ms, 27);
	ck_assert(storeq_push(q, &ctx, 0, 0));
	ck_assert_int_eq(storeq_next(q, 0, &got, &ms), STOREQ_SERVE);
	ck_assert_int_eq(ms, 30);
	struct storeq_stats st;
	storeq_stats(q, &st);
	ck_assert_uint_eq(st.busy, 1);
	ck_assert_uint_eq(st.received, 12);
	storeq_free(q);
}
END_TEST

START_TEST(test_storeq_abandons_the_stale)
{
	struct storeq *q = storeq_new(&sp);
	int a, b, c, d;
	void *got;
	long ms;
	ck_assert(storeq_push(q, &a, 0, 0));
	ck_assert(storeq_push(q, &b, 0, 0));
	ck_assert(storeq_push(q, &c, 0, 0));
	ck_assert(storeq_push(q, &d, 50, 60));
	ck_assert_int_eq(storeq_next(q, 0, &got, &ms), STOREQ_SERVE);
	ck_assert_int_eq(storeq_next(q, 0, &got, &ms), STOREQ_SERVE);
	/* No slot, but c waited past the timeout: abandoned at once. */
	ck_assert_int_eq(storeq_next(q, 101, &got, &ms), STOREQ_ABANDON);
	ck_assert_ptr_eq(got, &c);
	/* d is within the timeout, its client's deadline passed. */
	ck_assert_int_eq(storeq_next(q, 101, &got, &ms), STOREQ_ABANDON);
	ck_assert_ptr_eq(got, &d);
	ck_assert_int_eq(storeq_next(q, 101, &got, &ms), STOREQ_NONE);
	struct storeq_stats st;
	storeq_stats(q, &st);
	ck_assert_uint_eq(st.abandoned, 2);
	storeq_free(q);
}
END_TEST

/* ---- fleet ---- */

/* The fake store: what was sent, and whether it can be reached. */
struct fake {
	bool reachable;
	size_t n;
	uint64_t req[4096];
	enum fleet_op op[4096];
	uint32_t host[4096];
	int64_t deadline[4096];
};

static int fake_send(void *arg, uint64_t req, enum fleet_op op, uint32_t host,
                     int64_t deadline_ms)
{
	struct fake *f = arg;
	if (!f->reachable)
		return -1;
	ck_assert_uint_lt(f->n, 4096);
	f->req[f->n] = req;
	f->op[f->n] = op;
	f->host[f->n] = host;
	f->deadline[f->n] = deadline_ms;
	f->n++;
	return 0;
}

static struct fake fk;

static struct fleet *fleet_for(int mode, long hosts)
{
	struct fleet_params p = {
	        .mode = mode,
	        .hosts = hosts,
	        .lease_ms = 6000,
	        .renew_ms = 2000,
	        .ramp_ms = 0,
	        .workers = 8,
	        .item_timeout_ms = 1000,
	        .retry_ms = 100,
	        .queue_limit = 4,
	        .retry_rate = 0,
	        .retry_burst = 2,
	        .backoff_base_ms = 100,
	        .backoff_max_ms = 400,
	        .stagger_ms = 1000,
	        .seed = 42,
	};
	struct fleet_io io = {fake_send, &fk};
	memset(&fk, 0, sizeof(fk));
	fk.reachable = true;
	return fleet_new(&p, &io, 0);
}

/* Answer every request sent since @from OK at @now; returns the new
 * end. */
static size_t answer_all(struct fleet *f, size_t from, int64_t now)
{
	size_t end = fk.n;
	for (size_t i = from; i < end; i++)
		fleet_reply(f, fk.req[i], true, now);
	return end;
}

/* The store cannot be reached from @from to @to: tick every 10 ms. */
static void unreachable(struct fleet *f, int64_t from, int64_t to)
{
	fk.reachable = false;
	for (int64_t t = from; t <= to; t += 10)
		fleet_tick(f, t);
}

START_TEST(test_fleet_establish_then_renew)
{
	struct fleet *f = fleet_for(FLEET_UNPROTECTED, 3);
	struct fleet_stats st;
	fleet_tick(f, 0);
	ck_assert_uint_eq(fk.n, 3);
	ck_assert_int_eq(fk.op[0], FLEET_READ);
	ck_assert_int_eq(fk.deadline[0], 0); /* unprotected: none said */
	/* Read, write, confirm: three answers make a lease. */
	size_t at = answer_all(f, 0, 10);
	ck_assert_int_eq(fk.op[fk.n - 1], FLEET_WRITE);
	at = answer_all(f, at, 20);
	ck_assert_int_eq(fk.op[fk.n - 1], FLEET_CONFIRM);
	fleet_stats(f, 30, &st);
	ck_assert_uint_eq(st.leased, 0);
	answer_all(f, at, 30);
	fleet_stats(f, 30, &st);
	ck_assert_uint_eq(st.leased, 3);
	ck_assert_uint_eq(st.completed, 3);
	ck_assert_uint_eq(st.requests, 9);
	/* Due again at 2030: one request each, a renewal. */
	fleet_tick(f, 2029);
	ck_assert_uint_eq(fk.n, 9);
	fleet_tick(f, 2030);
	ck_assert_uint_eq(fk.n, 12);
	ck_assert_int_eq(fk.op[11], FLEET_RENEW);
	answer_all(f, 9, 2040);
	fleet_stats(f, 7000, &st);
	ck_assert_uint_eq(st.renewed, 3);
	ck_assert_uint_eq(st.leased, 3); /* until 8040 */
	fleet_stats(f, 8040, &st);
	ck_assert_uint_eq(st.leased, 0);
	fleet_free(f);
}
END_TEST

START_TEST(test_fleet_unprotected_queue_grows_without_store)
{
	struct fleet *f = fleet_for(FLEET_UNPROTECTED, 10);
	struct fleet_stats st;
	unreachable(f, 0, 6000);
	fleet_stats(f, 6000, &st);
	/* Every 2 s each host adds an item, whether or not one waits;
	 * every failure is retried for ever. */
	ck_assert_uint_eq(st.queued + st.delayed + st.in_flight, 40);
	ck_assert_uint_gt(st.retries, 1000);
	ck_assert_uint_eq(st.dropped, 0);
	ck_assert_uint_eq(fk.n, 0);
	fleet_free(f);
}
END_TEST

START_TEST(test_fleet_unprotected_timeout_wastes_the_answer)
{
	struct fleet *f = fleet_for(FLEET_UNPROTECTED, 1);
	struct fleet_stats st;
	fleet_tick(f, 0);
	ck_assert_uint_eq(fk.n, 1);
	fleet_tick(f, 999);
	fleet_stats(f, 999, &st);
	ck_assert_uint_eq(st.timeouts, 0);
	fleet_tick(f, 1000);
	fleet_stats(f, 1000, &st);
	ck_assert_uint_eq(st.timeouts, 1);
	/* The store still answers what nobody waits for. */
	fleet_reply(f, fk.req[0], true, 1001);
	fleet_stats(f, 1001, &st);
	ck_assert_uint_eq(st.wasted, 1);
	ck_assert_uint_eq(st.delayed, 1);
	/* Retried after retry-ms, from the first request again. */
	fleet_tick(f, 1100);
	ck_assert_uint_eq(fk.n, 2);
	ck_assert_int_eq(fk.op[1], FLEET_READ);
	ck_assert(fk.req[1] != fk.req[0]);
	fleet_free(f);
}
END_TEST

START_TEST(test_fleet_protected_admission_by_queue_size)
{
	struct fleet *f = fleet_for(FLEET_PROTECTED, 10);
	struct fleet_stats st;
	fleet_tick(f, 0);
	fleet_stats(f, 0, &st);
	/* Four items wait or run at most; the rest are not admitted. */
	ck_assert_uint_eq(st.in_flight, 4);
	ck_assert_uint_eq(st.shed, 6);
	ck_assert_uint_eq(fk.n, 4);
	/* The store is told when its client stops waiting. */
	ck_assert_int_eq(fk.deadline[0], 1000);
	/* A host with work in flight is not given more. */
	fleet_tick(f, 2000);
	fleet_stats(f, 2000, &st);
	ck_assert_uint_le(st.queued + st.in_flight, 4);
	fleet_free(f);
}
END_TEST

START_TEST(test_fleet_protected_retry_budget)
{
	struct fleet *f = fleet_for(FLEET_PROTECTED, 4);
	struct fleet_stats st;
	fleet_tick(f, 0);
	ck_assert_uint_eq(fk.n, 4);
	/* Four failures, two tokens and no refill: two retries. */
	for (size_t i = 0; i < 4; i++)
		fleet_reply(f, fk.req[i], false, 10);
	fleet_stats(f, 10, &st);
	ck_assert_uint_eq(st.failures, 4);
	ck_assert_uint_eq(st.retries, 2);
	ck_assert_uint_eq(st.dropped, 2);
	ck_assert_uint_eq(st.delayed, 2);
	fleet_free(f);
}
END_TEST

START_TEST(test_fleet_protected_drops_work_past_its_deadline)
{
	struct fleet *f = fleet_for(FLEET_PROTECTED, 1);
	struct fleet_stats st;
	fk.reachable = false;
	fleet_tick(f, 0);
	fleet_stats(f, 0, &st);
	ck_assert_uint_eq(st.delayed, 1); /* a retry, after a backoff */
	/* The store comes back after the item's deadline: nobody waits for
	 * it, it is not sent. */
	fk.reachable = true;
	fleet_tick(f, 1000);
	fleet_stats(f, 1000, &st);
	ck_assert_uint_eq(fk.n, 0);
	ck_assert_uint_eq(st.dropped, 1);
	fleet_free(f);
}
END_TEST

START_TEST(test_fleet_protected_staggers_lapsed_leases)
{
	struct fleet *f = fleet_for(FLEET_PROTECTED, 4);
	struct fleet_stats st;
	/* Lease all four at 0 (three answers each). */
	fleet_tick(f, 0);
	size_t at = answer_all(f, 0, 0);
	at = answer_all(f, at, 0);
	answer_all(f, at, 0);
	fleet_stats(f, 0, &st);
	ck_assert_uint_eq(st.leased, 4);
	/* The store goes away; no token left for retries. */
	unreachable(f, 0, 6990);
	fleet_stats(f, 7000, &st);
	ck_assert_uint_eq(st.leased, 0);
	/* It comes back: the lapsed leases are asked for over the stagger
	 * window, not all at once. */
	fk.reachable = true;
	size_t first = fk.n;
	int64_t firsts[4];
	size_t nf = 0;
	for (int64_t t = 7000; t < 12000 && nf < 4; t += 10) {
		fleet_tick(f, t);
		for (; first < fk.n; first++)
			if (fk.op[first] == FLEET_READ && nf < 4)
				firsts[nf++] = t;
	}
	ck_assert_uint_eq(nf, 4);
	ck_assert_int_gt(firsts[3] - firsts[0], 0);
	fleet_free(f);
}
END_TEST

START_TEST(test_fleet_throttle)
{
	struct fleet *f = fleet_for(FLEET_UNPROTECTED, 100);
	struct fleet_stats st;
	unreachable(f, 0, 2000);
	fleet_stats(f, 2000, &st);
	ck_assert_uint_eq(st.queued + st.delayed, 200);
	fleet_throttle(f, 2, 5);
	fleet_stats(f, 2000, &st);
	ck_assert_uint_eq(st.queued + st.delayed, 0);
	fk.reachable = true;
	fleet_tick(f, 4000);
	fleet_stats(f, 4000, &st);
	ck_assert_uint_eq(st.in_flight, 2);
	ck_assert_uint_eq(st.queued, 3);
	fleet_free(f);
}
END_TEST

/* ---- resolve ---- */

static const char *E = "dynamodb.us-east-1.api.test.";

/* The wire form of an answer to "E A" with id @id, rcode @rcode and
 * the records @an (answer) and @ns (authority), NULL-terminated. */
static uint8_t *answer_wire(uint16_t id, ldns_pkt_rcode rcode, const char **an,
                            const char **ns, size_t *len)
{
	ldns_pkt *p = NULL;
	ck_assert_int_eq(ldns_pkt_query_new_frm_str(&p, E, LDNS_RR_TYPE_A,
	                                            LDNS_RR_CLASS_IN, LDNS_RD),
	                 LDNS_STATUS_OK);
	ldns_pkt_set_id(p, id);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_rcode(p, rcode);
	for (int s = 0; s < 2; s++) {
		const char **rrs = s == 0 ? an : ns;
		for (size_t i = 0; rrs != NULL && rrs[i] != NULL; i++) {
			ldns_rr *rr = NULL;
			ck_assert_int_eq(
			        ldns_rr_new_frm_str(&rr, rrs[i], 0, NULL, NULL),
			        LDNS_STATUS_OK);
			ldns_pkt_push_rr(p,
			                 s == 0 ? LDNS_SECTION_ANSWER
			                        : LDNS_SECTION_AUTHORITY,
			                 rr);
		}
	}
	uint8_t *wire = NULL;
	ck_assert_int_eq(ldns_pkt2wire(&wire, p, len), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	return wire;
}

START_TEST(test_resolve_follows_the_cname)
{
	const char *an[] = {
	        "dynamodb.us-east-1.api.test. 5 IN CNAME "
	        "g7._plan.dynamodb.us-east-1.api.test.",
	        "g7._plan.dynamodb.us-east-1.api.test. 3 IN A 127.20.0.1",
	        "g7._plan.dynamodb.us-east-1.api.test. 4 IN A 127.20.0.2",
	        "other.api.test. 1 IN A 192.0.2.1", NULL};
	size_t len;
	uint8_t *w = answer_wire(77, LDNS_RCODE_NOERROR, an, NULL, &len);
	struct resolve_answer a;
	ck_assert_int_eq(resolve_parse(E, 77, w, len, &a), DP_OK);
	ck_assert_int_eq(a.result, RESOLVE_ADDRS);
	ck_assert_uint_eq(a.naddrs, 2);
	ck_assert_uint_eq(a.ttl, 3);
	ck_assert_uint_eq(ntohl(a.addrs[1].s_addr), 0x7f140002);
	/* Another id is not our answer. */
	ck_assert_int_eq(resolve_parse(E, 78, w, len, &a), DP_EINVAL);
	ck_assert_int_eq(resolve_parse(E, 77, w, 5, &a), DP_EPARSE);
	free(w);
}
END_TEST

START_TEST(test_resolve_negative_ttl)
{
	const char *an[] = {"dynamodb.us-east-1.api.test. 5 IN CNAME "
	                    "g7._plan.dynamodb.us-east-1.api.test.",
	                    NULL};
	const char *ns[] = {"api.test. 60 IN SOA ns1.api.test. "
	                    "hostmaster.api.test. 1 3600 600 86400 4",
	                    NULL};
	size_t len;
	struct resolve_answer a;
	/* The plan's name is gone: NXDOMAIN at the end of the chain, kept
	 * for min(SOA TTL, MINIMUM). */
	uint8_t *w = answer_wire(1, LDNS_RCODE_NXDOMAIN, an, ns, &len);
	ck_assert_int_eq(resolve_parse(E, 1, w, len, &a), DP_OK);
	ck_assert_int_eq(a.result, RESOLVE_NXDOMAIN);
	ck_assert_uint_eq(a.ttl, 4);
	free(w);
	w = answer_wire(2, LDNS_RCODE_NOERROR, NULL, ns, &len);
	ck_assert_int_eq(resolve_parse(E, 2, w, len, &a), DP_OK);
	ck_assert_int_eq(a.result, RESOLVE_NODATA);
	ck_assert_uint_eq(a.ttl, 4);
	free(w);
	w = answer_wire(3, LDNS_RCODE_SERVFAIL, NULL, NULL, &len);
	ck_assert_int_eq(resolve_parse(E, 3, w, len, &a), DP_OK);
	ck_assert_int_eq(a.result, RESOLVE_ERROR);
	free(w);
}
END_TEST

START_TEST(test_resolve_cache)
{
	struct resolve_cache c = {0};
	struct resolve_answer a = {.result = RESOLVE_NXDOMAIN, .ttl = 4};
	ck_assert_ptr_null(resolve_cache_get(&c, 0));
	resolve_cache_put(&c, &a, 1000);
	ck_assert_ptr_nonnull(resolve_cache_get(&c, 4999));
	ck_assert_int_eq(resolve_cache_get(&c, 4999)->result, RESOLVE_NXDOMAIN);
	ck_assert_ptr_null(resolve_cache_get(&c, 5000));
	/* An error is not kept, and forgets what was. */
	resolve_cache_put(&c, &a, 6000);
	struct resolve_answer e = {.result = RESOLVE_ERROR};
	resolve_cache_put(&c, &e, 6001);
	ck_assert_ptr_null(resolve_cache_get(&c, 6002));
	/* A query is a question of the name, A, with the id. */
	uint8_t *w;
	size_t len;
	ck_assert_int_eq(resolve_query(E, 4242, &w, &len), DP_OK);
	ck_assert_uint_gt(len, 12);
	ck_assert_uint_eq(w[0] << 8 | w[1], 4242);
	free(w);
}
END_TEST

int main(void)
{
	log_init("check_cascade", LOG_LEVEL_ERR);
	Suite *s = suite_create("cascade");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_ring_order_and_growth);
	tcase_add_test(tc, test_storeq_service_grows_with_backlog);
	tcase_add_test(tc, test_storeq_growth_is_capped_and_line_bounded);
	tcase_add_test(tc, test_storeq_abandons_the_stale);
	tcase_add_test(tc, test_fleet_establish_then_renew);
	tcase_add_test(tc, test_fleet_unprotected_queue_grows_without_store);
	tcase_add_test(tc, test_fleet_unprotected_timeout_wastes_the_answer);
	tcase_add_test(tc, test_fleet_protected_admission_by_queue_size);
	tcase_add_test(tc, test_fleet_protected_retry_budget);
	tcase_add_test(tc, test_fleet_protected_drops_work_past_its_deadline);
	tcase_add_test(tc, test_fleet_protected_staggers_lapsed_leases);
	tcase_add_test(tc, test_fleet_throttle);
	tcase_add_test(tc, test_resolve_follows_the_cname);
	tcase_add_test(tc, test_resolve_negative_ttl);
	tcase_add_test(tc, test_resolve_cache);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
