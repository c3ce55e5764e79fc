/*
 * check_answer.c - answer_query() against hostile input: many mutated and
 * random messages (fixed seed) must each be dropped or answered with a
 * well-formed response that fits the client's limit.  Under `make asan`
 * this also proves no out-of-bounds access, weighted answers included.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "answer.h"
#include "zonestore.h"
#include "unit.h"

static struct zoneset *zs;

static void setup(void)
{
	char err[512];
	struct zone *z;
	zs = zoneset_new();
	ck_assert_msg(zonestore_parse_file("example.test.",
	                                   "tests/zones/example.test.zone", &z,
	                                   err, sizeof(err)) == DP_OK,
	              "%s", err);
	ck_assert_int_eq(zoneset_add(zs, z), DP_OK);
	ck_assert_int_eq(zonestore_parse_file("big.test.",
	                                      "tests/zones/big.test.zone", &z,
	                                      err, sizeof(err)),
	                 DP_OK);
	ck_assert_int_eq(zoneset_add(zs, z), DP_OK);
	ck_assert_int_eq(zonestore_parse_file("weights.test.",
	                                      "tests/zones/weights.test.zone",
	                                      &z, err, sizeof(err)),
	                 DP_OK);
	ck_assert_int_eq(zoneset_add(zs, z), DP_OK);
}

static void teardown(void)
{
	zoneset_unref(zs);
}

/* Answer @q and check the response is sane. */
static void probe(const uint8_t *q, size_t len, bool tcp)
{
	static uint8_t out[DNS_MAX_MSG];
	size_t outlen = 0;
	int rcode = -1;
	struct answer_opts opts = {.tcp = tcp, .max_udp_payload = 1232};
	dp_status rc = answer_query(zs, q, len, &opts, out, &outlen, &rcode);
	if (rc != DP_OK) {
		/* Dropped, or a TSIG record the mutation made: the update
		 * thread's to answer. */
		ck_assert(rc == DP_EINVAL || rc == DP_ESIGNED);
		return;
	}
	ck_assert_uint_ge(outlen, 12);
	if (!tcp)
		ck_assert_uint_le(outlen, 1232);
	/* The id is echoed and QR set. */
	ck_assert_int_eq(memcmp(out, q, 2), 0);
	ck_assert(out[2] & 0x80);
	ldns_pkt *p = NULL;
	ck_assert_msg(ldns_wire2pkt(&p, out, outlen) == LDNS_STATUS_OK,
	              "response to a %zu-byte message does not parse", len);
	ldns_pkt_free(p);
}

static const char *const names[] = {
        "www.example.test.",   "alias.example.test.",    "x.wild.example.test.",
        "a.b.c.example.test.", "host.sub.example.test.", "txt.big.test.",
        "chain.example.test.", "nothere.example.test.",  "example.org.",
        "lb.weights.test.",    "ep.weights.test.",       "bigw.weights.test."};
#define NNAMES (sizeof(names) / sizeof(names[0]))
static const ldns_rr_type types[] = {
        LDNS_RR_TYPE_A,  LDNS_RR_TYPE_AAAA, LDNS_RR_TYPE_TXT, LDNS_RR_TYPE_ANY,
        LDNS_RR_TYPE_NS, LDNS_RR_TYPE_MX,   LDNS_RR_TYPE_SOA, LDNS_RR_TYPE_DS};

START_TEST(test_valid_queries)
{
	for (size_t n = 0; n < NNAMES; n++) {
		for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
			ldns_pkt *q = NULL;
			ck_assert_int_eq(ldns_pkt_query_new_frm_str(
			                         &q, names[n], types[t],
			                         LDNS_RR_CLASS_IN, 0),
			                 LDNS_STATUS_OK);
			ldns_pkt_set_edns_udp_size(q, 4096);
			uint8_t *w;
			size_t wl;
			ldns_pkt2wire(&w, q, &wl);
			probe(w, wl, false);
			probe(w, wl, true);
			free(w);
			ldns_pkt_free(q);
		}
	}
}
END_TEST

START_TEST(test_mutations)
{
	srandom(20261123);
	uint8_t buf[600];
	for (int i = 0; i < 200000; i++) {
		ldns_pkt *q = NULL;
		ldns_pkt_query_new_frm_str(&q, names[random() % NNAMES],
		                           types[random() % 8],
		                           LDNS_RR_CLASS_IN, 0);
		if (random() % 2)
			ldns_pkt_set_edns_udp_size(q, 1232);
		uint8_t *w;
		size_t wl;
		ldns_pkt2wire(&w, q, &wl);
		ldns_pkt_free(q);
		if (wl > sizeof(buf))
			wl = sizeof(buf);
		memcpy(buf, w, wl);
		free(w);
		/* Flip bits, overwrite bytes, truncate or extend. */
		int edits = 1 + (int)(random() % 4);
		for (int e = 0; e < edits; e++) {
			switch (random() % 4) {
			case 0:
				buf[random() % wl] ^=
				        (uint8_t)(1u << (random() % 8));
				break;
			case 1:
				buf[random() % wl] = (uint8_t)random();
				break;
			case 2:
				wl = (size_t)random() % (wl + 1);
				break;
			default:
				while (wl < sizeof(buf) && random() % 4)
					buf[wl++] = (uint8_t)random();
			}
			if (wl == 0)
				break;
		}
		buf[2] &= 0x7F; /* mostly queries, not responses */
		probe(buf, wl, random() % 2);
	}
}
END_TEST

START_TEST(test_random_bytes)
{
	srandom(42);
	uint8_t buf[512];
	for (int i = 0; i < 100000; i++) {
		size_t len = (size_t)random() % sizeof(buf);
		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)random();
		probe(buf, len, random() % 2);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("answer");
	TCase *tc = tcase_create("hostile");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_valid_queries);
	tcase_add_test(tc, test_mutations);
	tcase_add_test(tc, test_random_bytes);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
