/*
 * check_weight.c - weighted answers: reading "_weight" records, the draw
 * (weight_pick()) and what answer_query() writes for the weighted sets of
 * tests/zones/weights.test.zone.  Every draw takes a fixed seed, so a
 * failure repeats; shares are checked with bounds of several standard
 * deviations (the 1 % measurement over 100,000 queries is
 * bench/weights.sh's).
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "answer.h"
#include "layout.h"
#include "weight.h"
#include "wire.h"
#include "zonestore.h"
#include "unit.h"

static struct zoneset *zs;

static void setup(void)
{
	char err[512];
	struct zone *z;
	zs = zoneset_new();
	ck_assert_msg(zonestore_parse_file("weights.test.",
	                                   "tests/zones/weights.test.zone", &z,
	                                   err, sizeof(err)) == DP_OK,
	              "%s", err);
	ck_assert_int_eq(zoneset_add(zs, z), DP_OK);
}

static void teardown(void)
{
	zoneset_unref(zs);
}

/* TXT rdata of the one string @s into @rd; returns its length. */
static size_t txt(const char *s, uint8_t *rd)
{
	size_t n = strlen(s);
	rd[0] = (uint8_t)n;
	memcpy(rd + 1, s, n);
	return n + 1;
}

START_TEST(test_parse)
{
	uint8_t rd[300];
	struct weight_rec r;
	ck_assert_int_eq(weight_parse(rd, txt("192.0.2.1 300", rd), &r), DP_OK);
	ck_assert_uint_eq(r.type, RR_TYPE_A);
	ck_assert_uint_eq(r.weight, 300);
	ck_assert_mem_eq(r.addr, "\xC0\x00\x02\x01", 4);
	ck_assert_int_eq(weight_parse(rd, txt("2001:db8::1 65535", rd), &r),
	                 DP_OK);
	ck_assert_uint_eq(r.type, RR_TYPE_AAAA);
	ck_assert_uint_eq(r.weight, 65535);
	ck_assert_uint_eq(r.addr[15], 1);
	ck_assert_int_eq(weight_parse(rd, txt("192.0.2.1 0", rd), &r), DP_OK);
	ck_assert_uint_eq(r.weight, 0);

	static const char *const bad[] = {
	        "192.0.2.1",        "192.0.2.1 ",
	        " 192.0.2.1 1",     "192.0.2.1 65536",
	        "192.0.2.1 -1",     "192.0.2.1 1 2",
	        "192.0.2.1  1",     "192.0.2.256 1",
	        "host.test 1",      "",
	        "192.0.2.1 100000", "2001:db8::g 1",
	        "192.0.2.1 1x",     "::ffff:192.0.2.1x 1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(weight_parse(rd, txt(bad[i], rd), &r) ==
		                      DP_EINVAL,
		              "'%s' read as a weight record", bad[i]);
	/* Two strings, and a length that does not match the rdata. */
	size_t n = txt("192.0.2.1", rd);
	n += txt("1", rd + n);
	ck_assert_int_eq(weight_parse(rd, n, &r), DP_EINVAL);
	n = txt("192.0.2.1 1", rd);
	ck_assert_int_eq(weight_parse(rd, n - 1, &r), DP_EINVAL);
	ck_assert_int_eq(weight_parse(rd, 0, &r), DP_EINVAL);
}
END_TEST

/* An RRset of @n records built into @buf from the rdata in @rd/@len. */
static struct zone_rrset set_of(uint16_t type, uint8_t *buf,
                                const uint8_t (*rd)[20], const size_t *len,
                                unsigned n)
{
	size_t off = 0;
	for (unsigned i = 0; i < n; i++) {
		wr16(buf + off, (uint16_t)len[i]);
		memcpy(buf + off + 2, rd[i], len[i]);
		off += 2 + len[i];
	}
	return (struct zone_rrset){
	        .type = type, .count = (uint16_t)n, .ttl = 60, .rdata = buf};
}

/* The address set 10.0.0.1 .. 10.0.0.@n and weight records "W(i)". */
struct fixture {
	uint8_t abuf[2048], wbuf[4096];
	struct zone_rrset addrs, weights;
};

static void fixture(struct fixture *f, unsigned n, const int *w)
{
	uint8_t ard[64][20], wrd[64][20];
	size_t alen[64], wlen[64];
	unsigned nw = 0;
	for (unsigned i = 0; i < n; i++) {
		uint8_t a[4] = {10, 0, 0, (uint8_t)(i + 1)};
		memcpy(ard[i], a, 4);
		alen[i] = 4;
		if (w[i] < 0)
			continue; /* named by no record */
		char s[40];
		snprintf(s, sizeof(s), "10.0.0.%u %d", i + 1, w[i]);
		wlen[nw] = txt(s, wrd[nw]);
		nw++;
	}
	f->addrs =
	        set_of(RR_TYPE_A, f->abuf, (const uint8_t(*)[20])ard, alen, n);
	f->weights = set_of(RR_TYPE_TXT, f->wbuf, (const uint8_t(*)[20])wrd,
	                    wlen, nw);
}

/* The last octet of a chosen A record (its rdata with the prefix). */
static unsigned octet(const uint8_t *rd)
{
	ck_assert_uint_eq(rd16(rd), 4);
	return rd[5];
}

START_TEST(test_pick_shares)
{
	struct fixture f;
	const int w[] = {3, 1, 0, 6};
	fixture(&f, 4, w);
	uint64_t rng = 20261204;
	unsigned count[5] = {0};
	const unsigned draws = 20000;
	for (unsigned i = 0; i < draws; i++) {
		const uint8_t *sel[WEIGHT_ANSWERS_MAX];
		ck_assert_uint_eq(
		        weight_pick(&f.addrs, &f.weights, 1, &rng, sel), 1);
		count[octet(sel[0])]++;
	}
	ck_assert_uint_eq(count[3], 0); /* weight 0: never */
	/* Expected shares 0.3, 0.1, 0.6; sd at most 0.0035. */
	const double want[] = {0, 0.3, 0.1, 0, 0.6};
	for (unsigned a = 1; a <= 4; a++) {
		double share = (double)count[a] / draws;
		ck_assert_msg(share > want[a] - 0.02 && share < want[a] + 0.02,
		              "10.0.0.%u: share %.4f, weight says %.2f", a,
		              share, want[a]);
	}
}
END_TEST

START_TEST(test_pick_rules)
{
	struct fixture f;
	uint64_t rng = 7;
	const uint8_t *sel[WEIGHT_ANSWERS_MAX];

	/* Several per answer: distinct, never weight 0, at most those
	 * that may be chosen. */
	const int w1[] = {1, 1, 1, 0, 1};
	fixture(&f, 5, w1);
	for (int i = 0; i < 1000; i++) {
		unsigned n = weight_pick(&f.addrs, &f.weights, 8, &rng, sel);
		ck_assert_uint_eq(n, 4);
		unsigned seen = 0;
		for (unsigned k = 0; k < n; k++) {
			unsigned o = octet(sel[k]);
			ck_assert_uint_ne(o, 4);
			ck_assert_uint_eq(seen & (1u << o), 0);
			seen |= 1u << o;
		}
		ck_assert_uint_eq(
		        weight_pick(&f.addrs, &f.weights, 3, &rng, sel), 3);
	}

	/* Every weight 0: all alike. */
	const int w2[] = {0, 0, 0};
	fixture(&f, 3, w2);
	unsigned count[4] = {0};
	for (int i = 0; i < 3000; i++) {
		ck_assert_uint_eq(
		        weight_pick(&f.addrs, &f.weights, 1, &rng, sel), 1);
		count[octet(sel[0])]++;
	}
	for (unsigned a = 1; a <= 3; a++)
		ck_assert_msg(count[a] > 850 && count[a] < 1150,
		              "all weights 0: 10.0.0.%u got %u of 3000", a,
		              count[a]);
	ck_assert_uint_eq(weight_pick(&f.addrs, &f.weights, 8, &rng, sel), 3);

	/* An address no record names weighs 1, beside one of 9. */
	const int w3[] = {9, -1};
	fixture(&f, 2, w3);
	unsigned second = 0;
	for (int i = 0; i < 10000; i++) {
		weight_pick(&f.addrs, &f.weights, 1, &rng, sel);
		second += octet(sel[0]) == 2;
	}
	ck_assert_msg(second > 850 && second < 1150,
	              "unnamed address: %u of 10000, want about 1000", second);

	/* The first record naming an address counts. */
	uint8_t wrd[2][20];
	size_t wlen[2] = {txt("10.0.0.1 0", wrd[0]), txt("10.0.0.1 5", wrd[1])};
	uint8_t wbuf[64];
	struct zone_rrset dup =
	        set_of(RR_TYPE_TXT, wbuf, (const uint8_t(*)[20])wrd, wlen, 2);
	for (int i = 0; i < 100; i++) {
		weight_pick(&f.addrs, &dup, 1, &rng, sel);
		ck_assert_uint_eq(octet(sel[0]), 2);
	}
}
END_TEST

START_TEST(test_pick_seeded)
{
	/* The same seed draws the same answers; a zero state still draws. */
	struct fixture f;
	const int w[] = {1, 1, 1, 1, 1, 1, 1, 1};
	fixture(&f, 8, w);
	uint64_t a = 99, b = 99, z = 0;
	unsigned differ = 0;
	for (int i = 0; i < 100; i++) {
		const uint8_t *sa[8], *sb[8], *sz[8];
		weight_pick(&f.addrs, &f.weights, 8, &a, sa);
		weight_pick(&f.addrs, &f.weights, 8, &b, sb);
		ck_assert_uint_eq(weight_pick(&f.addrs, &f.weights, 8, &z, sz),
		                  8);
		ck_assert_mem_eq(sa, sb, sizeof(sa));
		differ += sa[0] != sz[0];
	}
	ck_assert_uint_gt(differ, 0);
}
END_TEST

/* The response to @name @type, parsed; @tcp, @edns (0: none), @max. */
static ldns_pkt *ask(const char *name, ldns_rr_type type, bool tcp,
                     uint16_t edns, unsigned max, uint64_t *rng)
{
	ldns_pkt *q = NULL;
	ck_assert_int_eq(
	        ldns_pkt_query_new_frm_str(&q, name, type, LDNS_RR_CLASS_IN, 0),
	        LDNS_STATUS_OK);
	if (edns != 0)
		ldns_pkt_set_edns_udp_size(q, edns);
	uint8_t *w;
	size_t wl;
	ck_assert_int_eq(ldns_pkt2wire(&w, q, &wl), LDNS_STATUS_OK);
	ldns_pkt_free(q);
	static uint8_t out[DNS_MAX_MSG];
	size_t outlen = 0;
	int rcode = -1;
	struct answer_opts opts = {.tcp = tcp,
	                           .max_udp_payload = 1232,
	                           .weighted_answers = max,
	                           .rng = rng};
	ck_assert_int_eq(answer_query(zs, w, wl, &opts, out, &outlen, &rcode),
	                 DP_OK);
	free(w);
	ldns_pkt *p = NULL;
	ck_assert_int_eq(ldns_wire2pkt(&p, out, outlen), LDNS_STATUS_OK);
	return p;
}

/* The addresses of type @type in the answer of @p, as text, into @out. */
static size_t addresses(const ldns_pkt *p, ldns_rr_type type, char out[][48],
                        size_t max)
{
	const ldns_rr_list *an = ldns_pkt_answer(p);
	size_t n = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);
		if (ldns_rr_get_type(rr) != type)
			continue;
		ck_assert_uint_lt(n, max);
		char *s = ldns_rdf2str(ldns_rr_rdf(rr, 0));
		snprintf(out[n++], 48, "%s", s);
		free(s);
	}
	return n;
}

/* Ask @name @type @times times; count each address in @names/@count. */
static void tally(const char *name, ldns_rr_type type, unsigned times,
                  unsigned max, unsigned per_answer, const char *const *names,
                  unsigned *count, size_t nnames)
{
	uint64_t rng = 4242;
	for (unsigned t = 0; t < times; t++) {
		ldns_pkt *p = ask(name, type, t % 2, 1232, max, &rng);
		ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
		ck_assert(ldns_pkt_aa(p));
		char got[40][48];
		size_t n = addresses(p, type, got, 40);
		ck_assert_uint_eq(n, per_answer);
		for (size_t i = 0; i < n; i++) {
			size_t k = 0;
			while (k < nnames && strcmp(got[i], names[k]) != 0)
				k++;
			ck_assert_msg(k < nnames, "%s %s: unexpected %s", name,
			              ldns_rr_type2str(type), got[i]);
			count[k]++;
		}
		ldns_pkt_free(p);
	}
}

START_TEST(test_answer_shares)
{
	static const char *const lb[] = {"192.0.2.1", "192.0.2.2", "192.0.2.3"};
	unsigned c[3] = {0};
	tally("lb.weights.test.", LDNS_RR_TYPE_A, 4000, 1, 1, lb, c, 3);
	ck_assert_uint_eq(c[2], 0);
	/* 3:1, sd of the share 0.007. */
	ck_assert_msg(c[0] > 2800 && c[0] < 3200, "3:1 gave %u:%u", c[0], c[1]);

	/* Two per answer: both addresses of positive weight, never the
	 * third; the first is 192.0.2.1 three times in four. */
	unsigned c2[3] = {0};
	tally("lb.weights.test.", LDNS_RR_TYPE_A, 200, 2, 2, lb, c2, 3);
	ck_assert_uint_eq(c2[0], 200);
	ck_assert_uint_eq(c2[1], 200);

	static const char *const v6[] = {"2001:db8::1", "2001:db8::2"};
	unsigned c6[2] = {0};
	tally("lb.weights.test.", LDNS_RR_TYPE_AAAA, 200, 8, 1, v6, c6, 2);
	ck_assert_uint_eq(c6[0], 200);

	static const char *const zero[] = {"192.0.2.21", "192.0.2.22"};
	unsigned cz[2] = {0};
	tally("zero.weights.test.", LDNS_RR_TYPE_A, 400, 1, 1, zero, cz, 2);
	ck_assert_msg(cz[0] > 140 && cz[1] > 140, "all 0: %u:%u", cz[0], cz[1]);

	static const char *const bad[] = {"192.0.2.51", "192.0.2.52"};
	unsigned cb[2] = {0};
	tally("bad.weights.test.", LDNS_RR_TYPE_A, 400, 1, 1, bad, cb, 2);
	ck_assert_msg(cb[0] > 140 && cb[1] > 140, "unreadable: %u:%u", cb[0],
	              cb[1]);

	/* No weights: every address in every answer, as before. */
	static const char *const plain[] = {"192.0.2.31", "192.0.2.32",
	                                    "192.0.2.33"};
	unsigned cp[3] = {0};
	tally("plain.weights.test.", LDNS_RR_TYPE_A, 50, 1, 3, plain, cp, 3);
}
END_TEST

/* The one answer to @name @type must be the records @want (text). */
static void one_answer(const char *name, ldns_rr_type type, size_t nrr,
                       const char *want)
{
	ldns_pkt *p = ask(name, type, false, 1232, 1, NULL);
	const ldns_rr_list *an = ldns_pkt_answer(p);
	ck_assert_uint_eq(ldns_rr_list_rr_count(an), nrr);
	char *s = ldns_rr2str(ldns_rr_list_rr(an, nrr - 1));
	ck_assert_msg(strstr(s, want) != NULL, "%s: %s, want %s", name, s,
	              want);
	free(s);
	ldns_pkt_free(p);
}

START_TEST(test_answer_shapes)
{
	/* Through the alias, at a wildcard, with a zero weight elsewhere. */
	one_answer("ep.weights.test.", LDNS_RR_TYPE_A, 2,
	           "g7._plan.ep.weights.test.\t300\tIN\tA\t192.0.2.43");
	one_answer("x.wild.weights.test.", LDNS_RR_TYPE_A, 1,
	           "x.wild.weights.test.\t300\tIN\tA\t192.0.2.62");
	one_answer("one.weights.test.", LDNS_RR_TYPE_A, 1, "192.0.2.12");
	/* ANY (one RRset, RFC 8482) and the weights themselves: whole. */
	one_answer("one.weights.test.", LDNS_RR_TYPE_ANY, 3, "\tA\t");
	one_answer("_weight.lb.weights.test.", LDNS_RR_TYPE_TXT, 4, "TXT");

	/* UDP without EDNS: 40 addresses do not fit 512 bytes (TC, no
	 * answer); weighted, one does. */
	ldns_pkt *p =
	        ask("big.weights.test.", LDNS_RR_TYPE_A, false, 0, 1, NULL);
	ck_assert(ldns_pkt_tc(p));
	ck_assert_uint_eq(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
	uint64_t rng = 1;
	unsigned last = 0;
	for (unsigned max = 1; max <= 8; max++) {
		p = ask("bigw.weights.test.", LDNS_RR_TYPE_A, false, 0, max,
		        &rng);
		ck_assert(!ldns_pkt_tc(p));
		ck_assert_uint_eq(ldns_pkt_ancount(p), max);
		ldns_pkt_free(p);
		p = ask("bigw.weights.test.", LDNS_RR_TYPE_A, true, 0, max,
		        &rng);
		ck_assert_uint_eq(ldns_pkt_ancount(p), max);
		char got[8][48];
		addresses(p, LDNS_RR_TYPE_A, got, 8);
		for (unsigned i = 0; i < max; i++) {
			for (unsigned k = i + 1; k < max; k++)
				ck_assert_str_ne(got[i], got[k]);
		}
		last = (unsigned)ldns_pkt_size(p);
		ldns_pkt_free(p);
	}
	ck_assert_uint_gt(last, 0);
	/* Unweighted, TCP: the whole set. */
	p = ask("big.weights.test.", LDNS_RR_TYPE_A, true, 0, 1, NULL);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 40);
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_layout_record)
{
	/* The record the layout writes is the record authd reads. */
	ldns_rr *rr = layout_weight_rr("g7._plan.ep.weights.test.",
	                               "2001:0db8::0001", 300, 5);
	ck_assert_ptr_nonnull(rr);
	char *s = ldns_rr2str(rr);
	ck_assert_str_eq(s, "_weight.g7._plan.ep.weights.test.\t5\tIN\tTXT\t"
	                    "\"2001:db8::1 300\"\n");
	free(s);
	ldns_rdf *rd = ldns_rr_rdf(rr, 0);
	struct weight_rec r;
	ck_assert_int_eq(weight_parse(ldns_rdf_data(rd), ldns_rdf_size(rd), &r),
	                 DP_OK);
	ck_assert_uint_eq(r.type, RR_TYPE_AAAA);
	ck_assert_uint_eq(r.weight, 300);
	ldns_rr_free(rr);
	ck_assert_ptr_null(layout_weight_rr("x.test.", "192.0.2.1", 65536, 5));
	ck_assert_ptr_null(layout_weight_rr("x.test.", "192.0.2", 1, 5));
	char name[64];
	layout_weight_name("g7._plan.ep.", name, sizeof(name));
	ck_assert_str_eq(name, "_weight.g7._plan.ep.");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("weight");
	TCase *tc = tcase_create("weight");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_pick_shares);
	tcase_add_test(tc, test_pick_rules);
	tcase_add_test(tc, test_pick_seeded);
	tcase_add_test(tc, test_answer_shares);
	tcase_add_test(tc, test_answer_shapes);
	tcase_add_test(tc, test_layout_record);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
