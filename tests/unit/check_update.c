/*
 * check_update.c - RFC 2136 section 3.4.2 rules and the guard, in process:
 * update_apply() on a zone built from tests/zones/api.test.zone.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "answer.h"
#include "update.h"
#include "unit.h"
#include "zonestore.h"

static struct zone *z;
static struct zone_edit *e;
static struct guard g;

static void setup(void)
{
	char err[512];
	ck_assert_msg(zonestore_parse_file("api.test.",
	                                   "tests/zones/api.test.zone", &z, err,
	                                   sizeof(err)) == DP_OK,
	              "%s", err);
	e = zone_edit_new(z);
	memset(&g, 0, sizeof(g));
	g.enabled = true;
	ck_assert_int_eq(guard_parse(&g, "dynamodb.us-east-1.api.test.=2"), 0);
	ck_assert_int_eq(guard_parse(&g, "s3.us-east-1.api.test."), 0);
}

static void teardown(void)
{
	zone_edit_free(e);
	zone_free(z);
	guard_free(&g);
}

/* Apply an update made of presentation records; class per record. */
static int apply(struct update_result *res, const char *const *rrs,
                 const int *classes, int n)
{
	ldns_rr_list *up = ldns_rr_list_new();
	for (int i = 0; i < n; i++) {
		ldns_rr *rr = NULL;
		char owner[256], ttl[16], type[16], extra[8];
		if (sscanf(rrs[i], "%255s %15s %15s %7s", owner, ttl, type,
		           extra) == 3) {
			/* No rdata: a deletion of an RRset or a name. */
			rr = ldns_rr_new();
			ldns_rr_set_owner(rr, ldns_dname_new_frm_str(owner));
			ldns_rr_set_type(rr, ldns_get_rr_type_by_name(type));
		} else {
			ck_assert_int_eq(
			        ldns_rr_new_frm_str(&rr, rrs[i], 0, NULL, NULL),
			        LDNS_STATUS_OK);
		}
		ldns_rr_set_class(rr, (ldns_rr_class)classes[i]);
		if (classes[i] != LDNS_RR_CLASS_IN)
			ldns_rr_set_ttl(rr, 0);
		ldns_rr_list_push_rr(up, rr);
	}
	ldns_pkt *p = ldns_update_pkt_new(ldns_dname_new_frm_str("api.test."),
	                                  LDNS_RR_CLASS_IN, NULL, up, NULL);
	ldns_rr_list_deep_free(up); /* ldns cloned the records */
	uint8_t *w;
	size_t wl;
	ldns_pkt2wire(&w, p, &wl);
	ldns_pkt_free(p);
	update_apply(e, w, wl, NULL, &g, res);
	free(w);
	return res->rcode;
}

static uint32_t serial_now(void)
{
	struct zone_rrset soa;
	const struct zone_node *apex = zone_apex(z);
	ck_assert(
	        zone_edit_get(e, apex->name, apex->namelen, RR_TYPE_SOA, &soa));
	return zone_rrset_serial(&soa);
}

static unsigned count(const char *name, uint16_t type)
{
	uint8_t w[DNAME_MAXLEN];
	int n = dname_from_str(name, w);
	struct zone_rrset rs;
	return zone_edit_get(e, w, (size_t)n, type, &rs) ? rs.count : 0;
}

#define IN   LDNS_RR_CLASS_IN
#define NONE LDNS_RR_CLASS_NONE
#define ANY  LDNS_RR_CLASS_ANY

START_TEST(test_cname_rules)
{
	struct update_result r;
	const char *a[] = {"dynamodb.us-east-1.api.test. 60 CNAME x.api.test."};
	int c[] = {IN};
	ck_assert_int_eq(apply(&r, a, c, 1), DNS_RCODE_NOERROR);
	ck_assert(!r.changed); /* CNAME beside A: ignored */
	const char *b[] = {"s3.us-east-1.api.test. 60 A 10.9.9.9"};
	ck_assert_int_eq(apply(&r, b, c, 1), DNS_RCODE_NOERROR);
	ck_assert(!r.changed); /* A beside CNAME: ignored */
	ck_assert_uint_eq(serial_now(), 1);
}
END_TEST

START_TEST(test_soa_and_ns_rules)
{
	struct update_result r;
	const char *older[] = {"api.test. 60 SOA ns1.api.test. h.api.test. 0 1 "
	                       "1 1 1"};
	int c[] = {IN};
	ck_assert_int_eq(apply(&r, older, c, 1), DNS_RCODE_NOERROR);
	ck_assert(!r.changed);
	const char *newer[] = {"api.test. 60 SOA ns1.api.test. h.api.test. 40 "
	                       "1 1 1 1"};
	ck_assert_int_eq(apply(&r, newer, c, 1), DNS_RCODE_NOERROR);
	ck_assert(r.changed);
	ck_assert_uint_eq(serial_now(), 40); /* no extra bump */
	const char *ns[] = {"api.test. 0 NS ns1.api.test."};
	int cn[] = {NONE};
	ck_assert_int_eq(apply(&r, ns, cn, 1), DNS_RCODE_NOERROR);
	ck_assert(!r.changed); /* the last apex NS stays */
	ck_assert_uint_eq(count("api.test.", RR_TYPE_NS), 1);
}
END_TEST

START_TEST(test_serial_wraps)
{
	struct update_result r;
	const char *max[] = {"api.test. 60 SOA ns1.api.test. h.api.test. "
	                     "4294967295 1 1 1 1"};
	int c[] = {IN};
	/* 1 -> 4294967295 is more than 2^31 ahead: not newer (RFC 1982). */
	ck_assert_int_eq(apply(&r, max, c, 1), DNS_RCODE_NOERROR);
	ck_assert(!r.changed);
	const char *mid[] = {"api.test. 60 SOA ns1.api.test. h.api.test. "
	                     "2147483648 1 1 1 1"};
	ck_assert_int_eq(apply(&r, mid, c, 1), DNS_RCODE_NOERROR);
	ck_assert(r.changed);
	ck_assert_int_eq(apply(&r, max, c, 1), DNS_RCODE_NOERROR);
	ck_assert_uint_eq(serial_now(), 4294967295u);
	const char *add[] = {"w.api.test. 60 A 192.0.2.1"};
	ck_assert_int_eq(apply(&r, add, c, 1), DNS_RCODE_NOERROR);
	ck_assert_uint_eq(serial_now(), 0); /* wrapped */
}
END_TEST

START_TEST(test_guard_minimum)
{
	struct update_result r;
	const char *del[] = {"dynamodb.us-east-1.api.test. 0 A 10.0.0.1"};
	int c[] = {NONE};
	ck_assert_int_eq(apply(&r, del, c, 1), DNS_RCODE_REFUSED);
	ck_assert_int_eq(r.reason, UPDATE_GUARD);
	ck_assert_int_eq(r.ede, 18);
	ck_assert_str_eq(r.text, "guard: update would leave "
	                         "dynamodb.us-east-1.api.test. with 1 "
	                         "addresses (minimum 2)");
	ck_assert_uint_eq(count("dynamodb.us-east-1.api.test.", RR_TYPE_A), 2);
	/* Adding first makes the same delete fine. */
	const char *both[] = {
	        "dynamodb.us-east-1.api.test. 60 AAAA 2001:db8::1",
	        "dynamodb.us-east-1.api.test. 0 A 10.0.0.1"};
	int c2[] = {IN, NONE};
	ck_assert_int_eq(apply(&r, both, c2, 2), DNS_RCODE_NOERROR);
	/* The guard off lets anything through. */
	g.enabled = false;
	const char *all[] = {"dynamodb.us-east-1.api.test. 0 ANY"};
	int ca[] = {ANY};
	ck_assert_int_eq(apply(&r, all, ca, 1), DNS_RCODE_NOERROR);
	ck_assert_uint_eq(count("dynamodb.us-east-1.api.test.", RR_TYPE_A), 0);
}
END_TEST

START_TEST(test_fence_malformed)
{
	struct update_result r;
	const char *bad[] = {"_gen.dynamodb.us-east-1.api.test. 0 TXT",
	                     "_gen.dynamodb.us-east-1.api.test. 60 TXT \"x7\""};
	int c[] = {ANY, IN};
	ck_assert_int_eq(apply(&r, bad, c, 2), DNS_RCODE_REFUSED);
	ck_assert_int_eq(r.reason, UPDATE_FENCE);
	ck_assert_msg(strstr(r.text, "corrupt") != NULL, "%s", r.text);
	const char *two[] = {"_gen.dynamodb.us-east-1.api.test. 60 TXT \"9\""};
	int ci[] = {IN};
	/* Two markers at once: refused as malformed. */
	ck_assert_int_eq(apply(&r, two, ci, 1), DNS_RCODE_REFUSED);
}
END_TEST

START_TEST(test_section_errors)
{
	struct update_result r;
	const char *out[] = {"www.example.org. 60 A 192.0.2.1"};
	int c[] = {IN};
	ck_assert_int_eq(apply(&r, out, c, 1), DNS_RCODE_NOTZONE);
	const char *meta[] = {"x.api.test. 60 TYPE255 \\# 0"};
	ck_assert_int_eq(apply(&r, meta, c, 1), DNS_RCODE_FORMERR);
	const char *cls[] = {"x.api.test. 60 A 192.0.2.1"};
	int ch[] = {LDNS_RR_CLASS_CH};
	ck_assert_int_eq(apply(&r, cls, ch, 1), DNS_RCODE_FORMERR);
	/* Rdata that is not of its type: an A without its address (the
	 * seed fuzz/corpus/update/crash-srv-bad-target has an SRV whose
	 * target is not a name). */
	const char *empty[] = {"x.api.test. 60 A"};
	ck_assert_int_eq(apply(&r, empty, c, 1), DNS_RCODE_FORMERR);
	ck_assert_uint_eq(serial_now(), 1);
}
END_TEST

START_TEST(test_key_policy)
{
	struct keyring *kr = keyring_new();
	char path[] = "/tmp/check_update_key_XXXXXX";
	int fd = mkstemp(path);
	const char *text = "key \"p\" { algorithm hmac-sha256; secret "
	                   "\"YWJjZGVmZ2hpamtsbW5vcA==\"; };";
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	char err[256];
	ck_assert_int_eq(keyring_load_file(kr, path, err, sizeof(err)), DP_OK);
	unlink(path);
	ck_assert_int_eq(keyring_add_rule(kr,
	                                  "p subdomain s3.us-east-1.api.test. "
	                                  "A AAAA",
	                                  err, sizeof(err)),
	                 DP_OK);
	ck_assert_int_eq(
	        keyring_add_rule(kr, "nobody name a.test.", err, sizeof(err)),
	        DP_ENOENT);
	uint8_t w[DNAME_MAXLEN];
	int n = dname_from_str("p.", w);
	const struct tsig_key *k = keyring_find(kr, w, (size_t)n);
	n = dname_from_str("lb.s3.us-east-1.api.test.", w);
	ck_assert(key_allows(k, w, (size_t)n, RR_TYPE_A));
	ck_assert(!key_allows(k, w, (size_t)n, RR_TYPE_TXT));
	ck_assert(!key_allows(k, w, (size_t)n, RR_TYPE_ANY));
	n = dname_from_str("dynamodb.us-east-1.api.test.", w);
	ck_assert(!key_allows(k, w, (size_t)n, RR_TYPE_A));
	keyring_free(kr);
}
END_TEST

/* A chain out of the guarded name's subtree is read at every update. */
START_TEST(test_guard_far_chain)
{
	struct update_result r;
	ck_assert_int_eq(guard_parse(&g, "far.api.test."), 0);
	const char *add[] = {"pool.api.test. 60 A 10.9.9.9",
	                     "far.api.test. 60 CNAME pool.api.test."};
	int ci[] = {IN, IN};
	ck_assert_int_eq(apply(&r, add, ci, 2), DNS_RCODE_NOERROR);
	const char *del[] = {"pool.api.test. 0 A 10.9.9.9"};
	int cn[] = {NONE};
	ck_assert_int_eq(apply(&r, del, cn, 1), DNS_RCODE_REFUSED);
	ck_assert_int_eq(r.reason, UPDATE_GUARD);
	ck_assert_msg(strstr(r.text, "far.api.test.") != NULL, "%s", r.text);
	/* Below the guarded name: the plan records of a near chain. */
	const char *lb[] = {"lb.s3.us-east-1.api.test. 0 A 10.0.1.1"};
	ck_assert_int_eq(apply(&r, lb, cn, 1), DNS_RCODE_REFUSED);
	ck_assert_int_eq(r.reason, UPDATE_GUARD);
	/* Elsewhere: nothing guarded depends on it. */
	const char *www[] = {"pool2.api.test. 60 A 10.9.9.10"};
	ck_assert_int_eq(apply(&r, www, ci, 1), DNS_RCODE_NOERROR);
}
END_TEST

/*
 * What the guard learnt holds for the zone at the serial it learnt it:
 * an edit thrown away (a failed commit) leaves the zone at an older
 * serial, and the next update reads every rule again.
 */
START_TEST(test_guard_index_stale)
{
	struct update_result r;
	char err[256];
	ck_assert_int_eq(guard_parse(&g, "far.api.test."), 0);
	const char *add[] = {"pool.api.test. 60 A 10.9.9.9",
	                     "far.api.test. 60 CNAME pool.api.test."};
	int ci[] = {IN, IN};
	ck_assert_int_eq(apply(&r, add, ci, 2), DNS_RCODE_NOERROR);
	struct zone *z2 = NULL;
	struct zone_change *ch = NULL;
	size_t nch = 0;
	ck_assert_msg(zone_edit_commit(e, &z2, &ch, &nch, err, sizeof(err)) ==
	                      DP_OK,
	              "%s", err);
	free(ch);
	zone_edit_free(e);
	/* An edit that moves far.api.test. into its own subtree... */
	e = zone_edit_new(z2);
	const char *near[] = {"far.api.test. 0 CNAME",
	                      "far.api.test. 60 A 10.8.8.8"};
	int c2[] = {ANY, IN};
	ck_assert_int_eq(apply(&r, near, c2, 2), DNS_RCODE_NOERROR);
	const char *more[] = {"far.api.test. 60 A 10.8.8.9"};
	ck_assert_int_eq(apply(&r, more, ci, 1), DNS_RCODE_NOERROR);
	/* ...is thrown away: the zone still has the chain to pool. */
	zone_edit_free(e);
	e = zone_edit_new(z2);
	const char *del[] = {"pool.api.test. 0 A 10.9.9.9"};
	int cn[] = {NONE};
	ck_assert_int_eq(apply(&r, del, cn, 1), DNS_RCODE_REFUSED);
	ck_assert_int_eq(r.reason, UPDATE_GUARD);
	/* The same after guard_forget(), which the updater calls. */
	ck_assert_int_eq(apply(&r, near, c2, 2), DNS_RCODE_NOERROR);
	ck_assert_int_eq(apply(&r, more, ci, 1), DNS_RCODE_NOERROR);
	zone_edit_free(e);
	e = zone_edit_new(z2);
	guard_forget(&g);
	ck_assert_int_eq(apply(&r, del, cn, 1), DNS_RCODE_REFUSED);
	zone_edit_free(e);
	e = NULL;
	zone_free(z2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("update");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cname_rules);
	tcase_add_test(tc, test_soa_and_ns_rules);
	tcase_add_test(tc, test_serial_wraps);
	tcase_add_test(tc, test_guard_minimum);
	tcase_add_test(tc, test_fence_malformed);
	tcase_add_test(tc, test_section_errors);
	tcase_add_test(tc, test_key_policy);
	tcase_add_test(tc, test_guard_far_chain);
	tcase_add_test(tc, test_guard_index_stale);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
