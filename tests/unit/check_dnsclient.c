/*
 * check_dnsclient.c - the pipelined exchange against a scripted TCP
 * server on loopback: answers matched by ID whatever their order, one
 * write for the lot, answers for other IDs ignored, a connection lost
 * halfway keeps what came and reports the rest missing, and an idle
 * connection the server closed is reopened.  The one-message exchange is
 * the same path: a stranger's answer is ignored, and an answer that is
 * unsigned or unparsable is told apart from no answer at all.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "dnsclient.h"
#include "unit.h"
#include "wire.h"

enum script {
	REVERSED,      /* every answer, in reverse order, plus a stranger */
	HALF_THEN_EOF, /* answers to the first half, then close */
	GARBAGE        /* an answer with the right ID that does not parse */
};

struct server {
	int lfd;
	int port;
	enum script script;
	int conns; /* connections to serve */
	size_t n;  /* messages per connection */
	pthread_t thr;
};

static int read_all(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* The answer to the query @q: its question, one TXT naming it. */
static void answer(int fd, const uint8_t *q, size_t qlen)
{
	ldns_pkt *p = NULL;
	ck_assert_int_eq(ldns_wire2pkt(&p, q, qlen), LDNS_STATUS_OK);
	ldns_pkt_set_qr(p, true);
	ldns_rr *qrr = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	char *name = ldns_rdf2str(ldns_rr_owner(qrr));
	char text[512];
	snprintf(text, sizeof(text), "%s 60 IN TXT \"%s\"", name, name);
	free(name);
	ldns_rr *rr = NULL;
	ck_assert_int_eq(ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL),
	                 LDNS_STATUS_OK);
	ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
	uint8_t *w;
	size_t wl;
	ck_assert_int_eq(ldns_pkt2wire(&w, p, &wl), LDNS_STATUS_OK);
	uint8_t hdr[2] = {(uint8_t)(wl >> 8), (uint8_t)wl};
	ck_assert_int_eq(write(fd, hdr, 2), 2);
	ck_assert_int_eq(write(fd, w, wl), (ssize_t)wl);
	free(w);
	ldns_pkt_free(p);
}

static void *serve(void *arg)
{
	struct server *s = arg;
	for (int c = 0; c < s->conns; c++) {
		int fd = accept(s->lfd, NULL, NULL);
		ck_assert_int_ge(fd, 0);
		uint8_t *msg[64];
		size_t len[64];
		for (size_t i = 0; i < s->n; i++) {
			uint8_t hdr[2];
			ck_assert_int_eq(read_all(fd, hdr, 2), 0);
			len[i] = rd16(hdr);
			msg[i] = malloc(len[i]);
			ck_assert_int_eq(read_all(fd, msg[i], len[i]), 0);
		}
		if (s->script == REVERSED) {
			/* An answer to nobody first: its ID is no request's. */
			uint8_t stranger[12] = {0};
			uint16_t id = (uint16_t)(rd16(msg[0]) - 1000);
			stranger[0] = (uint8_t)(id >> 8);
			stranger[1] = (uint8_t)id;
			stranger[2] = 0x80;
			uint8_t hdr[2] = {0, 12};
			ck_assert_int_eq(write(fd, hdr, 2), 2);
			ck_assert_int_eq(write(fd, stranger, 12), 12);
			for (size_t i = s->n; i-- > 0;)
				answer(fd, msg[i], len[i]);
		} else if (s->script == GARBAGE) {
			/* One question announced, none there. */
			uint8_t bad[14] = {msg[0][0], msg[0][1], 0x80, 0, 0, 1};
			uint8_t hdr[2] = {0, sizeof(bad)};
			ck_assert_int_eq(write(fd, hdr, 2), 2);
			ck_assert_int_eq(write(fd, bad, sizeof(bad)),
			                 (ssize_t)sizeof(bad));
		} else {
			for (size_t i = 0; i < s->n / 2; i++)
				answer(fd, msg[i], len[i]);
		}
		for (size_t i = 0; i < s->n; i++)
			free(msg[i]);
		close(fd);
	}
	return NULL;
}

static void server_start(struct server *s, enum script script, int conns,
                         size_t n)
{
	s->script = script;
	s->conns = conns;
	s->n = n;
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(s->lfd, 0);
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t al = sizeof(a);
	getsockname(s->lfd, (struct sockaddr *)&a, &al);
	s->port = ntohs(a.sin_port);
	ck_assert_int_eq(listen(s->lfd, 4), 0);
	pthread_create(&s->thr, NULL, serve, s);
}

static void server_stop(struct server *s)
{
	pthread_join(s->thr, NULL);
	close(s->lfd);
}

static struct dnsclient *signing_client(const struct server *s,
                                        const struct tsig_key *key)
{
	char addr[64], err[256];
	struct dnsclient *c = NULL;
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", s->port);
	ck_assert_int_eq(dnsclient_new(addr, key, 3000, &c, err, sizeof(err)),
	                 DP_OK);
	return c;
}

static struct dnsclient *client(const struct server *s)
{
	return signing_client(s, NULL);
}

static void make_queries(ldns_pkt **qs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char name[64];
		snprintf(name, sizeof(name), "q%zu.example.", i);
		ck_assert_int_eq(ldns_pkt_query_new_frm_str(
		                         &qs[i], name, LDNS_RR_TYPE_TXT,
		                         LDNS_RR_CLASS_IN, 0),
		                 LDNS_STATUS_OK);
	}
}

/* Is @a the answer to query number @i? */
static bool answers(const ldns_pkt *a, size_t i)
{
	char want[64];
	snprintf(want, sizeof(want), "q%zu.example.", i);
	ldns_rr_list *an = ldns_pkt_answer(a);
	if (ldns_rr_list_rr_count(an) != 1)
		return false;
	char *got = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(an, 0)));
	bool ok = strcmp(got, want) == 0;
	free(got);
	return ok;
}

START_TEST(test_out_of_order)
{
	struct server s;
	enum { N = 40 };
	server_start(&s, REVERSED, 2, N);
	struct dnsclient *c = client(&s);
	ldns_pkt *qs[N], *as[N];
	char err[256];
	make_queries(qs, N);
	for (int round = 0; round < 2; round++) {
		/* Round 2 finds the connection closed by the server and
		 * opens a new one. */
		ck_assert_int_eq(
		        dnsclient_exchange_many(c, qs, N, as, err, sizeof(err)),
		        DP_OK);
		for (size_t i = 0; i < N; i++) {
			ck_assert_ptr_nonnull(as[i]);
			ck_assert_msg(answers(as[i], i), "answer %zu", i);
			ldns_pkt_free(as[i]);
		}
	}
	for (size_t i = 0; i < N; i++)
		ldns_pkt_free(qs[i]);
	dnsclient_free(c);
	server_stop(&s);
}
END_TEST

START_TEST(test_lost_halfway)
{
	struct server s;
	enum { N = 10 };
	server_start(&s, HALF_THEN_EOF, 1, N);
	struct dnsclient *c = client(&s);
	ldns_pkt *qs[N], *as[N];
	char err[256];
	make_queries(qs, N);
	ck_assert_int_eq(
	        dnsclient_exchange_many(c, qs, N, as, err, sizeof(err)),
	        DP_EIO);
	ck_assert_msg(strstr(err, "5 of 10 answers") != NULL, "%s", err);
	for (size_t i = 0; i < N; i++) {
		if (i < N / 2) {
			ck_assert_ptr_nonnull(as[i]);
			ck_assert(answers(as[i], i));
		} else {
			ck_assert_ptr_null(as[i]);
		}
		ldns_pkt_free(as[i]);
		ldns_pkt_free(qs[i]);
	}
	dnsclient_free(c);
	server_stop(&s);
}
END_TEST

START_TEST(test_single)
{
	struct server s;
	server_start(&s, REVERSED, 1, 1);
	struct dnsclient *c = client(&s);
	ldns_pkt *q, *a = NULL;
	char err[256];
	make_queries(&q, 1);
	ck_assert_int_eq(dnsclient_exchange(c, q, &a, err, sizeof(err)), DP_OK);
	ck_assert_ptr_nonnull(a);
	ck_assert(answers(a, 0));
	ldns_pkt_free(a);
	ldns_pkt_free(q);
	dnsclient_free(c);
	server_stop(&s);
}
END_TEST

/* One exchange with a server playing @script (@conns connections): the
 * status must be @want and @err must say @says. */
static void single_fails(enum script script, int conns,
                         const struct tsig_key *key, dp_status want,
                         const char *says)
{
	struct server s;
	ldns_pkt *q, *a = NULL;
	char err[256];
	make_queries(&q, 1);
	server_start(&s, script, conns, 1);
	struct dnsclient *c = signing_client(&s, key);
	ck_assert_int_eq(dnsclient_exchange(c, q, &a, err, sizeof(err)), want);
	ck_assert_msg(strstr(err, says) != NULL, "%s", err);
	ck_assert_ptr_null(a);
	dnsclient_free(c);
	server_stop(&s);
	ldns_pkt_free(q);
}

START_TEST(test_single_failures)
{
	/* No answer, twice (the client tries a new connection once). */
	single_fails(HALF_THEN_EOF, 2, NULL, DP_EIO, "no answer");
	/* An answer, but one that does not parse. */
	single_fails(GARBAGE, 1, NULL, DP_EPARSE, "unparsable");
	/* A signed request answered without a signature. */
	uint8_t secret[32] = {1, 2, 3};
	struct tsig_key key = {.name = "k.",
	                       .wire = {1, 'k', 0},
	                       .wirelen = 3,
	                       .alg = TSIG_HMAC_SHA256,
	                       .secret = secret,
	                       .secretlen = sizeof(secret)};
	single_fails(REVERSED, 1, &key, DP_EINVAL, "not signed by k.");
}
END_TEST

START_TEST(test_empty_and_too_many)
{
	struct dnsclient *c = NULL;
	char err[256];
	ck_assert_int_eq(
	        dnsclient_new("127.0.0.1:9", NULL, 1000, &c, err, sizeof(err)),
	        DP_OK);
	ck_assert_int_eq(
	        dnsclient_exchange_many(c, NULL, 0, NULL, err, sizeof(err)),
	        DP_OK);
	static ldns_pkt *qs[4097], *as[4097];
	ck_assert_int_eq(
	        dnsclient_exchange_many(c, qs, 4097, as, err, sizeof(err)),
	        DP_EINVAL);
	dnsclient_free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dnsclient");
	TCase *tc = tcase_create("pipelined");
	tcase_add_test(tc, test_out_of_order);
	tcase_add_test(tc, test_lost_halfway);
	tcase_add_test(tc, test_single);
	tcase_add_test(tc, test_single_failures);
	tcase_add_test(tc, test_empty_and_too_many);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
