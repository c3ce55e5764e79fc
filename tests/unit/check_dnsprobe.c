/*
 * check_dnsprobe.c - unit tests of the prober's judgement: what an answer
 * says, and what a stream of answers says (states, periods, steps back,
 * the timeline's rows), with no network.  And the plot script.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "dnsprobe_judge.h"
#include "dnsprobe_plot.h"
#include "unit.h"

#define E "dynamodb.us-east-1.api.test."

/* A response to @qname @qtype with @rcode and the records @rrs. */
static uint8_t *response(const char *qname, ldns_rr_type qtype, int rcode,
                         const char *const *rrs, size_t *len)
{
	ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str(qname), qtype,
	                                 LDNS_RR_CLASS_IN, LDNS_RD);
	ldns_pkt_set_id(p, 4242);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_rcode(p, (uint8_t)rcode);
	for (size_t i = 0; rrs != NULL && rrs[i] != NULL; i++) {
		ldns_rr *rr = NULL;
		ck_assert_int_eq(
		        ldns_rr_new_frm_str(&rr, rrs[i], 60, NULL, NULL),
		        LDNS_STATUS_OK);
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
	}
	uint8_t *wire = NULL;
	ck_assert_int_eq(ldns_pkt2wire(&wire, p, len), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	return wire;
}

START_TEST(test_query)
{
	size_t len = 0;
	uint8_t *q = probe_query(E, 1, 0x1234, true, &len);
	ck_assert_ptr_nonnull(q);
	ldns_pkt *p = NULL;
	ck_assert_int_eq(ldns_wire2pkt(&p, q, len), LDNS_STATUS_OK);
	ck_assert_uint_eq(ldns_pkt_id(p), 0x1234);
	ck_assert(ldns_pkt_rd(p));
	ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), 1232);
	ldns_pkt_free(p);
	/* A query is not a response. */
	uint16_t id, qt;
	ck_assert_int_eq(probe_answer_id(q, len, &id, &qt), DP_EPARSE);
	free(q);
	ck_assert_ptr_null(probe_query("a..b", 1, 1, false, &len));
}
END_TEST

START_TEST(test_answer_ok)
{
	const char *const rrs[] = {
	        E " 5 IN CNAME g17._plan." E,
	        "g17._plan." E " 5 IN A 10.0.0.1",
	        "g17._plan." E " 5 IN A 10.0.0.2",
	        "g17._plan." E " 5 IN AAAA 2001:db8::1",
	        NULL,
	};
	size_t len;
	uint8_t *w = response(E, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, rrs, &len);
	uint16_t id, qt;
	ck_assert_int_eq(probe_answer_id(w, len, &id, &qt), DP_OK);
	ck_assert_uint_eq(id, 4242);
	ck_assert_uint_eq(qt, 1);
	struct probe_answer a;
	ck_assert_int_eq(probe_parse_answer(w, len, E, &a), DP_OK);
	ck_assert_int_eq(a.rcode, LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(a.naddrs, 3);
	ck_assert_uint_eq(a.gen, 17);
	ck_assert_int_eq(probe_classify(a.rcode, a.naddrs), PROBE_OK);
	/* The CNAME of another name says nothing of this one. */
	ck_assert_int_eq(probe_parse_answer(w, len, "other.api.test.", &a),
	                 DP_OK);
	ck_assert_uint_eq(a.gen, 0);
	free(w);
	ck_assert_int_eq(probe_parse_answer((const uint8_t *)"xx", 2, E, &a),
	                 DP_EPARSE);
}
END_TEST

START_TEST(test_answer_bad)
{
	/* The incident: the CNAME names a plan that was deleted. */
	const char *const dangling[] = {E " 5 IN CNAME g1._plan." E, NULL};
	size_t len;
	uint8_t *w = response(E, LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, dangling,
	                      &len);
	struct probe_answer a;
	ck_assert_int_eq(probe_parse_answer(w, len, E, &a), DP_OK);
	ck_assert_uint_eq(a.naddrs, 0);
	ck_assert_uint_eq(a.gen, 1);
	ck_assert_int_eq(probe_classify(a.rcode, a.naddrs), PROBE_NXDOMAIN);
	free(w);
	w = response(E, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, NULL, &len);
	ck_assert_int_eq(probe_parse_answer(w, len, E, &a), DP_OK);
	ck_assert_int_eq(probe_classify(a.rcode, a.naddrs), PROBE_EMPTY);
	free(w);
	ck_assert_int_eq(probe_classify(LDNS_RCODE_SERVFAIL, 0), PROBE_ERROR);
	ck_assert_int_eq(probe_classify(-1, 0), PROBE_NOANSWER);
}
END_TEST

START_TEST(test_txt)
{
	const char *const rrs[] = {"_gen." E " 5 IN TXT \"42\"", NULL};
	const char *const bad[] = {"_gen." E " 5 IN TXT \"4x2\"", NULL};
	size_t len;
	uint64_t g = 99;
	uint8_t *w = response("_gen." E, LDNS_RR_TYPE_TXT, 0, rrs, &len);
	ck_assert_int_eq(probe_parse_txt(w, len, &g), DP_OK);
	ck_assert_uint_eq(g, 42);
	free(w);
	w = response("_gen." E, LDNS_RR_TYPE_TXT, 0, bad, &len);
	ck_assert_int_eq(probe_parse_txt(w, len, &g), DP_OK);
	ck_assert_uint_eq(g, 0);
	free(w);
	w = response("_gen." E, LDNS_RR_TYPE_TXT, 3, NULL, &len);
	ck_assert_int_eq(probe_parse_txt(w, len, &g), DP_OK);
	ck_assert_uint_eq(g, 0);
	free(w);
}
END_TEST

static struct probe_result pr(int64_t at, int rcode, unsigned naddrs,
                              uint64_t gen)
{
	struct probe_result r = {
	        .sent_ms = at,
	        .rcode = rcode,
	        .naddrs = naddrs,
	        .gen = gen,
	        .gen_txt = gen,
	        .latency_us = rcode < 0 ? -1 : 200,
	};
	r.outcome = probe_classify(rcode, naddrs);
	return r;
}

START_TEST(test_judge_outage)
{
	struct probe_judge *j = probe_judge_new(1000, 100);
	struct probe_event ev[PROBE_MAX_EVENTS];
	struct probe_result r;
	size_t n;
	/* 0.5 s of answers on plan 6 ... */
	for (int t = 0; t < 500; t += 20) {
		r = pr(1000 + t, 0, 4, 6);
		n = probe_judge_add(j, &r, ev);
		ck_assert_uint_eq(n, t == 0 ? 1 : 0);
	}
	ck_assert_int_eq(ev[0].kind, PROBE_EV_STATE);
	ck_assert_int_eq(ev[0].from, PROBE_OUTCOMES);
	/* ... the stale write: plan 1, a step back ... */
	r = pr(1500, 0, 4, 1);
	n = probe_judge_add(j, &r, ev);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(ev[0].kind, PROBE_EV_BACK);
	ck_assert_uint_eq(ev[0].gen_from, 6);
	ck_assert_uint_eq(ev[0].gen_to, 1);
	ck_assert(ev[1].txt);
	/* ... its cleanup: NXDOMAIN for 1 s, a lost packet within ... */
	for (int t = 1520; t < 2520; t += 20) {
		r = pr(t, t == 2000 ? -1 : 3, 0, 1);
		n = probe_judge_add(j, &r, ev);
		if (t == 1520) {
			ck_assert_uint_eq(n, 1);
			ck_assert_int_eq(ev[0].to, PROBE_NXDOMAIN);
			ck_assert_int_eq(ev[0].lasted_ms, 520);
		}
	}
	/* ... and the repair onto plan 19. */
	r = pr(2520, 0, 4, 19);
	n = probe_judge_add(j, &r, ev);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(ev[0].to, PROBE_OK);
	ck_assert_int_eq(ev[1].kind, PROBE_EV_GEN);
	probe_judge_finish(j, 2600);

	struct probe_summary s;
	probe_judge_summary(j, &s);
	ck_assert_uint_eq(s.probes, 25 + 1 + 50 + 1);
	ck_assert_uint_eq(s.count[PROBE_NXDOMAIN], 49);
	ck_assert_uint_eq(s.count[PROBE_NOANSWER], 1);
	ck_assert_uint_eq(s.back, 1);
	ck_assert_uint_eq(s.back_txt, 1);
	ck_assert_uint_eq(s.gen_first, 6);
	ck_assert_uint_eq(s.gen_max, 19);
	ck_assert_uint_eq(s.gen_last, 19);
	ck_assert_uint_eq(probe_violations(&s), 49 + 2);
	/* The lost packet splits the NXDOMAIN period in two. */
	ck_assert_int_eq(s.longest_ms[PROBE_NXDOMAIN], 500);
	ck_assert_int_eq(s.longest_empty_ms, 500);
	ck_assert_int_eq(s.total_empty_ms, 1000 - 20);
	ck_assert_uint_eq(s.nperiods, 3);
	ck_assert_int_eq(s.periods[1].outcome, PROBE_NOANSWER);
	ck_assert_int_eq(s.periods[1].start_ms, 2000);
	ck_assert_int_eq(s.lat_max_us, 200);
	ck_assert(s.lat_p50_us > 150 && s.lat_p50_us <= 200);

	/* The timeline: 16 intervals of 100 ms, the probes in them. */
	struct probe_row row;
	unsigned rows = 0, probes = 0, back = 0, nx = 0;
	while (probe_judge_next_row(j, 2600, &row)) {
		ck_assert_int_eq(row.start_ms, 1000 + 100 * (int)rows);
		rows++;
		probes += row.probes;
		back += row.back;
		nx += row.count[PROBE_NXDOMAIN];
	}
	ck_assert_uint_eq(rows, 16);
	ck_assert_uint_eq(probes, s.probes);
	ck_assert_uint_eq(back, 2);
	ck_assert_uint_eq(nx, 49);
	probe_judge_free(j);
}
END_TEST

START_TEST(test_judge_rows_wait)
{
	struct probe_judge *j = probe_judge_new(0, 100);
	struct probe_event ev[PROBE_MAX_EVENTS];
	struct probe_row row;
	struct probe_result r = pr(50, 0, 2, 3);
	probe_judge_add(j, &r, ev);
	/* Nothing is complete before the horizon passes an interval. */
	ck_assert(!probe_judge_next_row(j, 99, &row));
	ck_assert(probe_judge_next_row(j, 250, &row));
	ck_assert_uint_eq(row.probes, 1);
	ck_assert_uint_eq(row.addrs_min, 2);
	ck_assert_uint_eq(row.gen, 3);
	/* An interval without a probe (the prober was stopped). */
	ck_assert(probe_judge_next_row(j, 250, &row));
	ck_assert_uint_eq(row.probes, 0);
	ck_assert_int_eq(row.start_ms, 100);
	ck_assert(!probe_judge_next_row(j, 250, &row));
	/* No step back while the generation is unknown. */
	r = pr(300, 3, 0, 0);
	ck_assert_uint_eq(probe_judge_add(j, &r, ev), 1);
	r = pr(320, 0, 2, 3);
	ck_assert_uint_eq(probe_judge_add(j, &r, ev), 1);
	probe_judge_finish(j, 400);
	struct probe_summary s;
	probe_judge_summary(j, &s);
	ck_assert_uint_eq(s.back, 0);
	ck_assert_int_eq(s.longest_empty_ms, 20);
	probe_judge_free(j);
}
END_TEST

START_TEST(test_plot_script)
{
	char dir[] = "/tmp/check_dnsprobe.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char csv[128], ev[128], gp[128], out[128], err[256];
	snprintf(csv, sizeof(csv), "%s/t.csv", dir);
	snprintf(ev, sizeof(ev), "%s/events", dir);
	snprintf(gp, sizeof(gp), "%s/p.gp", dir);
	snprintf(out, sizeof(out), "%s/p.svg", dir);
	struct plot_series s = {csv, "authd's"};
	ck_assert_int_eq(
	        probe_plot_script(&s, 1, NULL, NULL, out, gp, err, sizeof(err)),
	        DP_ENOENT);
	FILE *f = fopen(csv, "w");
	fprintf(f, "%s\n", PROBE_CSV_HEADER);
	fprintf(f, "1000,5,5,0,0,0,0,4,4,6,6,0,0.1,0.2\n");
	fprintf(f, "1250,5,0,0,5,0,0,0,0,1,1,1,0.1,0.2\n");
	fclose(f);
	f = fopen(ev, "w");
	fprintf(f, "1100 enactor 1 paused\n500 before the start\n");
	fclose(f);
	ck_assert_int_eq(probe_plot_script(&s, 1, ev, "it's a title", out, gp,
	                                   err, sizeof(err)),
	                 DP_OK);
	char buf[8192];
	f = fopen(gp, "r");
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	ck_assert_ptr_nonnull(strstr(buf, "set terminal svg"));
	ck_assert_ptr_nonnull(strstr(buf, "'it''s a title'"));
	ck_assert_ptr_nonnull(strstr(buf, "'authd''s'"));
	ck_assert_ptr_nonnull(strstr(buf, "set boxwidth 0.250"));
	/* The event at 0.1 s, the one before the start left out. */
	ck_assert_ptr_nonnull(strstr(buf, "set arrow from 0.100"));
	ck_assert_ptr_nonnull(strstr(buf, "'enactor 1 paused'"));
	ck_assert_ptr_null(strstr(buf, "before the start"));
	unlink(csv);
	unlink(ev);
	unlink(gp);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dnsprobe");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_query);
	tcase_add_test(tc, test_answer_ok);
	tcase_add_test(tc, test_answer_bad);
	tcase_add_test(tc, test_txt);
	tcase_add_test(tc, test_judge_outage);
	tcase_add_test(tc, test_judge_rows_wait);
	tcase_add_test(tc, test_plot_script);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
