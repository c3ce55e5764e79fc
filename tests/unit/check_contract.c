/*
 * check_contract.c - the contract dnsplane exists for, in process: the
 * enactor's UPDATEs (common/layout.c) applied by authd's update code and
 * guard (update_apply()), and the enactor's reads answered by authd's
 * query code (answer_query()) and parsed by layout_read_parse(), for the
 * safe and the legacy mode, with every refusal of the guard and the fence.
 * No socket: the bytes go from one function to the other.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "answer.h"
#include "layout.h"
#include "unit.h"
#include "update.h"
#include "zonestore.h"

#define EP   "dynamodb.us-east-1.api.test."
#define ZONE "api.test."

static struct zoneset *zs; /* serving z, its only zone */
static struct zone *z;     /* owned by zs */
static struct guard g;

/* Serve @next from now on (the set takes it). */
static void serve(struct zone *next)
{
	zoneset_unref(zs);
	zs = zoneset_new();
	ck_assert_int_eq(zoneset_add(zs, next), DP_OK);
	z = next;
}

static void setup(void)
{
	char err[512];
	struct zone *first;
	ck_assert_msg(zonestore_parse_file(ZONE, "tests/zones/api.test.zone",
	                                   &first, err, sizeof(err)) == DP_OK,
	              "%s", err);
	zs = NULL;
	serve(first);
	memset(&g, 0, sizeof(g));
	g.enabled = true;
	ck_assert_int_eq(guard_parse(&g, EP), 0);
}

static void teardown(void)
{
	zoneset_unref(zs);
	guard_free(&g);
}

/* Apply the UPDATE @p (freed here) to @z as authd does; the result. */
static struct update_result apply(ldns_pkt *p)
{
	uint8_t *w;
	size_t wl;
	ck_assert_int_eq(ldns_pkt2wire(&w, p, &wl), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	struct zone_edit *e = zone_edit_new(z);
	struct update_result res;
	update_apply(e, w, wl, NULL, &g, &res);
	free(w);
	struct zone *next = NULL;
	if (res.changed) {
		struct zone_change *ch;
		size_t nch;
		char err[256];
		ck_assert_int_eq(
		        zone_edit_commit(e, &next, &ch, &nch, err, sizeof(err)),
		        DP_OK);
		free(ch);
	}
	zone_edit_free(e);
	if (next != NULL)
		serve(next);
	return res;
}

/* authd's answer to the query @q (freed here), from its query code. */
static ldns_pkt *ask(ldns_pkt *q)
{
	static uint8_t out[DNS_MAX_MSG];
	uint8_t *w;
	size_t wl, outlen;
	int rcode;
	ldns_pkt *a = NULL;
	ck_assert_int_eq(ldns_pkt2wire(&w, q, &wl), LDNS_STATUS_OK);
	struct answer_opts o = {.tcp = true, .max_udp_payload = 1232};
	ck_assert_int_eq(answer_query(zs, w, wl, &o, out, &outlen, &rcode),
	                 DP_OK);
	free(w);
	ck_assert_int_eq(ldns_wire2pkt(&a, out, outlen), LDNS_STATUS_OK);
	ldns_pkt_free(q);
	return a;
}

/* Read @ep as the enactor does (both round trips), from authd. */
static struct endpoint_state read_ep(const char *ep)
{
	ldns_pkt *q[LAYOUT_READ_QUERIES], *a[LAYOUT_READ_QUERIES];
	size_t n = layout_read_queries(ep, true, q);
	ck_assert_uint_eq(n, LAYOUT_READ_QUERIES);
	for (size_t i = 0; i < n; i++)
		a[i] = ask(q[i]);
	struct endpoint_state st;
	layout_read_parse(ep, a, true, &st);
	for (size_t i = 0; i < n; i++)
		ldns_pkt_free(a[i]);
	ldns_pkt *wq = layout_weights_query(&st);
	if (wq != NULL) {
		ldns_pkt *wa = ask(wq);
		layout_read_weights(wa, &st);
		ldns_pkt_free(wa);
	}
	return st;
}

/* A plan's endpoint with @n addresses 10.9.<gen>.<i>. */
static struct plan_endpoint *endpoint(uint64_t gen, size_t n)
{
	static struct plan_addr addrs[8];
	static struct plan_endpoint ep;
	for (size_t i = 0; i < n; i++) {
		snprintf(addrs[i].address, sizeof(addrs[i].address),
		         "10.9.%u.%zu", (unsigned)gen, i + 1);
		addrs[i].weight = 1;
	}
	ep.name = (char *)EP;
	ep.addrs = addrs;
	ep.naddrs = n;
	return &ep;
}

static struct update_result move(uint64_t gen, size_t naddrs,
                                 const struct endpoint_state *st,
                                 enum layout_mode mode)
{
	return apply(
	        layout_apply(ZONE, endpoint(gen, naddrs), gen, st, mode, 60));
}

/*
 * A plan whose weights differ goes into authd with its _weight set; the
 * answer holds one address drawn by weight, the read still sees the
 * plan's whole set and its weights, and deleting the plan deletes them.
 */
START_TEST(test_weights)
{
	struct endpoint_state st = read_ep(EP);
	ck_assert(!st.weighted);
	struct plan_endpoint *ep = endpoint(6, 3);
	ck_assert(!layout_weighted(ep));
	ep->addrs[0].weight = 300;
	ck_assert(layout_weighted(ep));
	ck_assert_int_eq(
	        apply(layout_apply(ZONE, ep, 6, &st, LAYOUT_CAS, 60)).rcode,
	        DNS_RCODE_NOERROR);
	st = read_ep(EP);
	ck_assert(st.weighted);
	ck_assert_uint_eq(st.naddrs, 1);
	ck_assert_uint_eq(st.nset, 3);
	ck_assert_uint_eq(st.addr_digest, layout_addr_digest(ep));
	ep->addrs[0].weight = 200;
	ck_assert_uint_ne(st.addr_digest, layout_addr_digest(ep));

	/* The next plan, with equal weights, has none; the old one goes
	 * with its weights once the rollback record names another. */
	ck_assert_int_eq(move(7, 3, &st, LAYOUT_CAS).rcode, DNS_RCODE_NOERROR);
	st = read_ep(EP);
	ck_assert(!st.weighted);
	ck_assert_uint_eq(st.naddrs, 3);
	ck_assert_uint_eq(st.addr_digest, layout_addr_digest(endpoint(7, 3)));
	ck_assert_int_eq(move(8, 3, &st, LAYOUT_CAS).rcode, DNS_RCODE_NOERROR);
	ck_assert_int_eq(apply(layout_delete_plan(ZONE, EP, 6)).rcode,
	                 DNS_RCODE_NOERROR);
	ldns_pkt *q = NULL;
	ck_assert_int_eq(ldns_pkt_query_new_frm_str(&q, "_weight.g6._plan." EP,
	                                            LDNS_RR_TYPE_TXT,
	                                            LDNS_RR_CLASS_IN, 0),
	                 LDNS_STATUS_OK);
	ldns_pkt *a = ask(q);
	ck_assert_int_eq(ldns_pkt_get_rcode(a), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(a);
}
END_TEST

/* Safe mode: read, compare-and-swap forward; what is served follows. */
START_TEST(test_safe_forward)
{
	struct endpoint_state st = read_ep(EP);
	ck_assert_int_eq(st.marker, 1);
	ck_assert_uint_eq(st.gen, 5);
	ck_assert_uint_eq(st.naddrs, 2);
	struct update_result r = move(6, 3, &st, LAYOUT_CAS);
	ck_assert_int_eq(r.rcode, DNS_RCODE_NOERROR);
	st = read_ep(EP);
	ck_assert(st.cname);
	ck_assert_uint_eq(st.target_gen, 6);
	ck_assert_uint_eq(st.gen, 6);
	ck_assert_uint_eq(st.naddrs, 3);
	ck_assert_int_eq(st.rcode, DNS_RCODE_NOERROR);
}
END_TEST

/* A read that another enactor overtook: the compare-and-swap fails. */
START_TEST(test_safe_stale_read)
{
	struct endpoint_state old = read_ep(EP);
	ck_assert_int_eq(move(7, 2, &old, LAYOUT_CAS).rcode, DNS_RCODE_NOERROR);
	struct update_result r = move(6, 2, &old, LAYOUT_CAS);
	ck_assert_int_eq(r.rcode, DNS_RCODE_NXRRSET);
	ck_assert_int_eq(r.reason, UPDATE_PREREQ);
	ck_assert_uint_eq(read_ep(EP).gen, 7);
}
END_TEST

/* The fence: no generation goes back, whatever the prerequisites say. */
START_TEST(test_fence)
{
	struct endpoint_state st = read_ep(EP);
	ck_assert_int_eq(move(8, 2, &st, LAYOUT_CAS).rcode, DNS_RCODE_NOERROR);
	st = read_ep(EP);
	/* A correct compare-and-swap to an older plan. */
	struct update_result r = move(4, 2, &st, LAYOUT_CAS);
	ck_assert_int_eq(r.rcode, DNS_RCODE_REFUSED);
	ck_assert_int_eq(r.reason, UPDATE_FENCE);
	ck_assert_int_eq(r.ede, EDE_PROHIBITED);
	ck_assert_ptr_nonnull(strstr(r.text, "from generation 8 to 4"));
	/* The legacy write and the operator's forced one alike. */
	ck_assert_int_eq(move(4, 2, &st, LAYOUT_LEGACY).reason, UPDATE_FENCE);
	ck_assert_int_eq(move(4, 2, &st, LAYOUT_FORCE).reason, UPDATE_FENCE);
	ck_assert_uint_eq(read_ep(EP).gen, 8);
}
END_TEST

/* The guard: no plan may leave the endpoint without an address, and the
 * records an endpoint stands on may not be deleted. */
START_TEST(test_guard)
{
	struct endpoint_state st = read_ep(EP);
	struct update_result r = move(9, 0, &st, LAYOUT_CAS);
	ck_assert_int_eq(r.rcode, DNS_RCODE_REFUSED);
	ck_assert_int_eq(r.reason, UPDATE_GUARD);
	ck_assert_ptr_nonnull(strstr(r.text, "with 0 addresses"));
	ck_assert_int_eq(move(9, 2, &st, LAYOUT_CAS).rcode, DNS_RCODE_NOERROR);
	/* Cleanup of the plan in use. */
	r = apply(layout_delete_plan(ZONE, EP, 9));
	ck_assert_int_eq(r.rcode, DNS_RCODE_REFUSED);
	ck_assert_int_eq(r.reason, UPDATE_GUARD);
	ck_assert_uint_eq(read_ep(EP).naddrs, 2);
	/* An older plan's records may go. */
	ck_assert_int_eq(apply(layout_delete_plan(ZONE, EP, 3)).rcode,
	                 DNS_RCODE_NOERROR);
}
END_TEST

/*
 * Legacy mode with the guard off (the 2025 lab): the delayed enactor's
 * old plan overwrites the newer one, cleanup deletes it, the endpoint
 * resolves to nothing, and every later legacy transition fails its
 * prerequisite on the deleted active plan.
 */
START_TEST(test_legacy_race)
{
	g.enabled = false;
	struct endpoint_state st = read_ep(EP);
	ck_assert_int_eq(move(6, 2, &st, LAYOUT_LEGACY).rcode,
	                 DNS_RCODE_NOERROR);
	st = read_ep(EP);
	ck_assert_int_eq(move(9, 2, &st, LAYOUT_LEGACY).rcode,
	                 DNS_RCODE_NOERROR);
	/* The delayed enactor, its lock won at last, reads the endpoint
	 * on plan 9 and applies its plan 6 over it ... */
	st = read_ep(EP);
	ck_assert_int_eq(move(6, 2, &st, LAYOUT_LEGACY).rcode,
	                 DNS_RCODE_NOERROR);
	/* ... and cleanup deletes plan 6, which is now in use. */
	ck_assert_int_eq(apply(layout_delete_plan(ZONE, EP, 6)).rcode,
	                 DNS_RCODE_NOERROR);
	st = read_ep(EP);
	ck_assert_uint_eq(st.naddrs, 0);
	ck_assert_int_eq(st.rcode, DNS_RCODE_NXDOMAIN);
	ck_assert_uint_eq(st.target_gen, 6);
	/* The rollback record names plan 9, which the delayed enactor
	 * replaced. */
	ck_assert_uint_eq(st.rollback_gen, 9);
	/* Stuck: the transition to plan 10 must point the rollback record
	 * at the active plan 6, which is gone. */
	struct update_result r = move(10, 2, &st, LAYOUT_LEGACY);
	ck_assert_int_eq(r.rcode, DNS_RCODE_NXDOMAIN);
	ck_assert_int_eq(r.reason, UPDATE_PREREQ);
	ck_assert_uint_eq(read_ep(EP).rollback_gen, 9);
	/* With the fence on, even the operator's forced write of an older
	 * plan is refused. */
	g.enabled = true;
	r = move(5, 2, &st, LAYOUT_FORCE);
	ck_assert_int_eq(r.reason, UPDATE_FENCE);
}
END_TEST

/*
 * The legacy lock, a TXT record "HOLDER EXPIRY-MS": taken when free,
 * refused when held; a change batch whose preamble names a lock record
 * that is no longer exactly ours fails whole; taken over by replacing
 * exactly the record read; released only by its holder.
 */
START_TEST(test_lock)
{
	g.enabled = false;
	char one[LAYOUT_LOCKLEN], one2[LAYOUT_LOCKLEN], two[LAYOUT_LOCKLEN];
	layout_lock_text("enactor-1", 1000, one, sizeof(one));
	layout_lock_text("enactor-1", 2000, one2, sizeof(one2));
	layout_lock_text("enactor-2", 3000, two, sizeof(two));
	ck_assert_str_eq(one, "enactor-1 1000");
	ck_assert_int_eq(apply(layout_lock(ZONE, EP, NULL, one)).rcode,
	                 DNS_RCODE_NOERROR);
	struct endpoint_state st = read_ep(EP);
	ck_assert(st.locked);
	ck_assert_str_eq(st.lock_owner, "enactor-1");
	ck_assert_uint_eq(st.lock_expiry_ms, 1000);
	ck_assert_str_eq(st.lock_text, one);
	ck_assert_int_eq(apply(layout_lock(ZONE, EP, NULL, two)).rcode,
	                 DNS_RCODE_YXRRSET);

	/* A move with the preamble renews the lock in the same batch. */
	ck_assert_int_eq(
	        apply(layout_apply_locked(ZONE, endpoint(6, 2), 6, &st,
	                                  LAYOUT_LEGACY, one, one2, 60))
	                .rcode,
	        DNS_RCODE_NOERROR);
	st = read_ep(EP);
	ck_assert_str_eq(st.lock_text, one2);
	ck_assert_uint_eq(st.gen, 6);
	/* The lock expired and enactor 2 took it over (exactly one2). */
	ck_assert_int_eq(apply(layout_lock(ZONE, EP, one2, two)).rcode,
	                 DNS_RCODE_NOERROR);
	ck_assert_str_eq(read_ep(EP).lock_owner, "enactor-2");
	/* Enactor 1's next batch fails whole: nothing of it is written. */
	struct update_result r = apply(layout_apply_locked(
	        ZONE, endpoint(7, 2), 7, &st, LAYOUT_LEGACY, one2, one, 60));
	ck_assert_int_eq(r.rcode, DNS_RCODE_NXRRSET);
	st = read_ep(EP);
	ck_assert_uint_eq(st.gen, 6);
	ck_assert_str_eq(st.lock_text, two);
	/* Nor may it release enactor 2's lock. */
	ck_assert_int_eq(apply(layout_unlock(ZONE, EP, one2)).rcode,
	                 DNS_RCODE_NXRRSET);
	ck_assert_int_eq(apply(layout_unlock(ZONE, EP, two)).rcode,
	                 DNS_RCODE_NOERROR);
	ck_assert(!read_ep(EP).locked);
}
END_TEST

/*
 * The rollback record: each move points it at the plan node the
 * endpoint leaves, in the same UPDATE as the alias.  Safe mode compares
 * it with what it read; the guard never lets it point at a name with no
 * address, so cleanup of the plan it names is refused.
 */
START_TEST(test_rollback)
{
	/* The zone's endpoint holds its addresses itself: no plan node
	 * to roll back to. */
	struct endpoint_state st = read_ep(EP);
	ck_assert_int_eq(move(6, 2, &st, LAYOUT_CAS).rcode, DNS_RCODE_NOERROR);
	st = read_ep(EP);
	ck_assert(!st.rollback);
	struct endpoint_state before = st;
	ck_assert_int_eq(move(7, 2, &st, LAYOUT_CAS).rcode, DNS_RCODE_NOERROR);
	st = read_ep(EP);
	ck_assert(st.rollback);
	ck_assert_uint_eq(st.rollback_gen, 6);
	ck_assert_str_eq(st.rollback_target, "g6._plan." EP);
	/* The compare-and-swap covers it: a read older than the move. */
	before.gen = 7;
	before.cname = true;
	before.target_gen = 6;
	ck_assert_int_eq(move(8, 2, &before, LAYOUT_CAS).rcode,
	                 DNS_RCODE_YXRRSET);
	/* The guard: the plan the rollback record names stays. */
	struct update_result r = apply(layout_delete_plan(ZONE, EP, 6));
	ck_assert_int_eq(r.rcode, DNS_RCODE_REFUSED);
	ck_assert_int_eq(r.reason, UPDATE_GUARD);
	ck_assert_ptr_nonnull(strstr(r.text, "rollback record"));
	ck_assert_int_eq(move(8, 2, &st, LAYOUT_CAS).rcode, DNS_RCODE_NOERROR);
	ck_assert_int_eq(apply(layout_delete_plan(ZONE, EP, 6)).rcode,
	                 DNS_RCODE_NOERROR);
	ck_assert_uint_eq(read_ep(EP).rollback_gen, 7);
}
END_TEST

/* A marker that is not one number: reads as malformed; the fence keeps
 * an update from making one. */
START_TEST(test_marker_malformed)
{
	g.enabled = true;
	/* The deletion first, then the bad marker. */
	ldns_rr_list *up = ldns_rr_list_new();
	ldns_rr_list_push_rr(up, layout_rr_bare("_gen." EP, LDNS_RR_TYPE_TXT,
	                                        LDNS_RR_CLASS_ANY));
	ldns_rr *rr = NULL;
	ldns_rr_new_frm_str(&rr, "_gen." EP " 60 IN TXT \"x5\"", 0, NULL, NULL);
	ldns_rr_list_push_rr(up, rr);
	ldns_pkt *p = ldns_update_pkt_new(ldns_dname_new_frm_str(ZONE),
	                                  LDNS_RR_CLASS_IN, NULL, up, NULL);
	ldns_rr_list_deep_free(up); /* ldns cloned the records */
	struct update_result r = apply(p);
	ck_assert_int_eq(r.rcode, DNS_RCODE_REFUSED);
	ck_assert_int_eq(r.reason, UPDATE_FENCE);
	ck_assert_int_eq(read_ep(EP).marker, 1);
}
END_TEST

/*
 * A hand-edited zone: the endpoint's marker has two records.  An update
 * of another name is not refused for it, and a safe enactor's
 * compare-and-swap repairs it (the fence still keeps any update from
 * making a marker malformed, or moving a sound one back, or a malformed
 * one below the highest generation it holds).
 */
START_TEST(test_marker_hand_edited)
{
	ldns_rr_list *up = ldns_rr_list_new();
	ldns_rr *rr = NULL;
	ldns_rr_new_frm_str(&rr, "_gen." EP " 60 IN TXT \"9\"", 0, NULL, NULL);
	ldns_rr_list_push_rr(up, rr);
	g.enabled = false; /* the hand edit */
	ck_assert_int_eq(
	        apply(ldns_update_pkt_new(ldns_dname_new_frm_str(ZONE),
	                                  LDNS_RR_CLASS_IN, NULL, up, NULL))
	                .rcode,
	        DNS_RCODE_NOERROR);
	ldns_rr_list_deep_free(up);
	g.enabled = true;
	struct endpoint_state st = read_ep(EP);
	ck_assert_int_eq(st.marker, -1);
	/* Another name: not the fence's business. */
	up = ldns_rr_list_new();
	rr = NULL;
	ldns_rr_new_frm_str(&rr, "other.api.test. 60 IN A 192.0.2.7", 0, NULL,
	                    NULL);
	ldns_rr_list_push_rr(up, rr);
	struct update_result r =
	        apply(ldns_update_pkt_new(ldns_dname_new_frm_str(ZONE),
	                                  LDNS_RR_CLASS_IN, NULL, up, NULL));
	ldns_rr_list_deep_free(up);
	ck_assert_int_eq(r.rcode, DNS_RCODE_NOERROR);
	/* It fences at the highest generation it holds: not below. */
	ck_assert_uint_eq(st.gen, 9);
	r = move(8, 2, &st, LAYOUT_CAS);
	ck_assert_int_eq(r.rcode, DNS_RCODE_REFUSED);
	ck_assert_int_eq(r.reason, UPDATE_FENCE);
	ck_assert_int_eq(read_ep(EP).marker, -1);
	/* The enactor's compare-and-swap repairs it. */
	r = move(10, 2, &st, LAYOUT_CAS);
	ck_assert_int_eq(r.rcode, DNS_RCODE_NOERROR);
	st = read_ep(EP);
	ck_assert_int_eq(st.marker, 1);
	ck_assert_uint_eq(st.gen, 10);
	ck_assert_uint_eq(st.target_gen, 10);
}
END_TEST

/* Failover rules: what is refused when the settings are read. */
START_TEST(test_failover_parse)
{
	struct failover f = {0};
	char why[256];
	ck_assert_int_eq(failover_parse(&f, EP " 192.0.2.250 2001:db8::250",
	                                why, sizeof(why)),
	                 0);
	ck_assert_uint_eq(f.rules[0].n4, 1);
	ck_assert_uint_eq(f.rules[0].n6, 1);
	ck_assert_int_eq(
	        failover_parse(&f, EP " 192.0.2.251", why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "a second rule"));
	ck_assert_int_eq(failover_parse(&f, "x.api.test.", why, sizeof(why)),
	                 -1);
	ck_assert_ptr_nonnull(strstr(why, "no backup address"));
	ck_assert_int_eq(
	        failover_parse(&f, "x.api.test. 192.0.2.300", why, sizeof(why)),
	        -1);
	ck_assert_ptr_nonnull(strstr(why, "'192.0.2.300'"));
	failover_free(&f);
}
END_TEST

/*
 * The legacy race with the guard off and a failover rule: from the
 * commit of the cleanup that empties the endpoint, it answers the backup
 * addresses; a safe enactor's next plan takes it off them in its own
 * commit.  A name without a rule is left alone.
 */
START_TEST(test_failover_race)
{
	char why[256];
	g.enabled = false;
	ck_assert_int_eq(failover_parse(&g.failover,
	                                EP " 192.0.2.250 2001:db8::250", why,
	                                sizeof(why)),
	                 0);
	struct endpoint_state st = read_ep(EP);
	ck_assert_int_eq(move(6, 2, &st, LAYOUT_LEGACY).rcode,
	                 DNS_RCODE_NOERROR);
	ck_assert(!failover_active(&g.failover.rules[0], z));
	ck_assert_int_eq(apply(layout_delete_plan(ZONE, EP, 6)).rcode,
	                 DNS_RCODE_NOERROR);
	ck_assert(failover_active(&g.failover.rules[0], z));
	st = read_ep(EP);
	ck_assert(!st.cname);
	ck_assert_uint_eq(st.naddrs, 2); /* the backup's A and AAAA */
	ck_assert_int_eq(st.rcode, DNS_RCODE_NOERROR);
	/* The marker is kept: the enactors move on from it. */
	ck_assert_uint_eq(st.gen, 6);
	/* A safe enactor's plan: off the backup. */
	g.enabled = true;
	ck_assert_int_eq(guard_parse(&g, EP), 0);
	ck_assert_int_eq(move(7, 3, &st, LAYOUT_CAS).rcode, DNS_RCODE_NOERROR);
	ck_assert(!failover_active(&g.failover.rules[0], z));
	st = read_ep(EP);
	ck_assert_uint_eq(st.target_gen, 7);
	ck_assert_uint_eq(st.naddrs, 3);
	/* s3.us-east-1 has no rule: emptied, it stays empty. */
	g.enabled = false;
	ldns_rr_list *up = ldns_rr_list_new();
	ldns_rr_list_push_rr(up,
	                     layout_rr_bare("lb.s3.us-east-1.api.test.",
	                                    LDNS_RR_TYPE_A, LDNS_RR_CLASS_ANY));
	ldns_pkt *p = ldns_update_pkt_new(ldns_dname_new_frm_str(ZONE),
	                                  LDNS_RR_CLASS_IN, NULL, up, NULL);
	ldns_rr_list_deep_free(up);
	ck_assert_int_eq(apply(p).rcode, DNS_RCODE_NOERROR);
	ck_assert_uint_eq(read_ep("s3.us-east-1.api.test.").naddrs, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("contract");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_safe_forward);
	tcase_add_test(tc, test_weights);
	tcase_add_test(tc, test_safe_stale_read);
	tcase_add_test(tc, test_fence);
	tcase_add_test(tc, test_guard);
	tcase_add_test(tc, test_legacy_race);
	tcase_add_test(tc, test_lock);
	tcase_add_test(tc, test_rollback);
	tcase_add_test(tc, test_marker_malformed);
	tcase_add_test(tc, test_marker_hand_edited);
	tcase_add_test(tc, test_failover_parse);
	tcase_add_test(tc, test_failover_race);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
