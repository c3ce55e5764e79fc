/*
 * check_xfr.c - unit tests of zone transfer out: the access rules, the
 * packing of AXFR answers into compressed messages, TSIG over a message
 * stream, journal chaining and the IXFR sequence (RFC 1995).  Every
 * answer is read back with ldns, an independent parser.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "answer.h"
#include "tsig.h"
#include "unit.h"
#include "xfr.h"
#include "zonestore.h"
#include "wire.h"

#define EXAMPLE_ZONE "tests/zones/example.test.zone"

static struct sockaddr_storage addr(const char *text)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, text, &s4->sin_addr) == 1)
		s4->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, text, &s6->sin6_addr) == 1)
		s6->sin6_family = AF_INET6;
	else
		ck_abort_msg("bad address %s", text);
	return ss;
}

static bool allows(const struct xfr_acl_entry *acl, size_t n, const char *a,
                   const char *key)
{
	struct sockaddr_storage ss = addr(a);
	uint8_t k[DNAME_MAXLEN];
	int kl = key ? dname_from_str(key, k) : 0;
	return xfr_acl_allows(acl, n, (struct sockaddr *)&ss, key ? k : NULL,
	                      (size_t)kl);
}

START_TEST(test_acl)
{
	struct xfr_acl_entry acl[3];
	const char *why;
	ck_assert_int_eq(xfr_acl_parse("127.0.0.0/8 Xfr-Key", &acl[0], &why),
	                 0);
	ck_assert_int_eq(xfr_acl_parse("192.0.2.7", &acl[1], &why), 0);
	ck_assert_int_eq(xfr_acl_parse("2001:db8::/33", &acl[2], &why), 0);
	ck_assert(allows(acl, 3, "127.1.2.3", "xfr-key."));
	ck_assert(!allows(acl, 3, "127.1.2.3", NULL));
	ck_assert(!allows(acl, 3, "127.1.2.3", "other."));
	ck_assert(!allows(acl, 3, "128.0.0.1", "xfr-key."));
	ck_assert(allows(acl, 3, "192.0.2.7", NULL));
	ck_assert(allows(acl, 3, "192.0.2.7", "any.key."));
	ck_assert(!allows(acl, 3, "192.0.2.8", NULL));
	ck_assert(allows(acl, 3, "2001:db8:7fff::1", NULL));
	ck_assert(!allows(acl, 3, "2001:db8:8000::1", NULL));
	ck_assert(allows(acl, 3, "::ffff:192.0.2.7", NULL));
	ck_assert(!allows(acl, 0, "192.0.2.7", NULL));

	const char *bad[] = {"",          "nonsense", "10.0.0.0/33",
	                     "10.0.0.0/", "::1/129",  "10.0.0.1 bad..key"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(xfr_acl_parse(bad[i], &acl[0], &why) != 0, "%s",
		              bad[i]);
}
END_TEST

START_TEST(test_target)
{
	struct xfr_target t;
	const char *why;
	ck_assert_int_eq(xfr_target_parse("192.0.2.1", &t, &why), 0);
	ck_assert_str_eq(t.text, "192.0.2.1:53");
	ck_assert_uint_eq(t.keylen, 0);
	ck_assert_int_eq(xfr_target_parse("[::1]:5353 k1", &t, &why), 0);
	ck_assert_str_eq(t.text, "[::1]:5353");
	ck_assert_uint_eq(t.keylen, 4);
	ck_assert_int_ne(xfr_target_parse("example.org", &t, &why), 0);
	ck_assert_int_ne(xfr_target_parse("192.0.2.1:0", &t, &why), 0);
}
END_TEST

/* A query for @name @type as wire, with the client's SOA for IXFR. */
static size_t make_query(const char *name, ldns_rr_type type, long serial,
                         uint8_t *out)
{
	ldns_pkt *p = NULL;
	ldns_rdf *qn = ldns_dname_new_frm_str(name);
	p = ldns_pkt_query_new(qn, type, LDNS_RR_CLASS_IN, 0);
	ldns_pkt_set_id(p, 4711);
	if (serial >= 0) {
		char text[256];
		snprintf(text, sizeof(text), "%s 0 IN SOA a. b. %ld 0 0 0 0",
		         name, serial);
		ldns_rr *soa = NULL;
		ck_assert_int_eq(ldns_rr_new_frm_str(&soa, text, 0, NULL, NULL),
		                 LDNS_STATUS_OK);
		ldns_pkt_push_rr(p, LDNS_SECTION_AUTHORITY, soa);
	}
	uint8_t *wire;
	size_t len;
	ck_assert_int_eq(ldns_pkt2wire(&wire, p, &len), LDNS_STATUS_OK);
	memcpy(out, wire, len);
	free(wire);
	ldns_pkt_free(p);
	return len;
}

/* Every record of every message of @m, in order; counts the messages. */
static ldns_rr_list *read_stream(const struct xfr_msgs *m, size_t *nmsgs,
                                 size_t *largest)
{
	ldns_rr_list *all = ldns_rr_list_new();
	size_t off = 0;
	*nmsgs = 0;
	*largest = 0;
	while (off < m->len) {
		size_t len = rd16(m->buf + off);
		ldns_pkt *p = NULL;
		ck_assert_int_eq(ldns_wire2pkt(&p, m->buf + off + 2, len),
		                 LDNS_STATUS_OK);
		ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
		ck_assert(ldns_pkt_aa(p) && ldns_pkt_qr(p));
		ck_assert_uint_eq(ldns_pkt_id(p), 4711);
		ldns_rr_list *an = ldns_pkt_answer(p);
		for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++)
			ldns_rr_list_push_rr(
			        all, ldns_rr_clone(ldns_rr_list_rr(an, i)));
		ldns_pkt_free(p);
		if (len > *largest)
			*largest = len;
		off += 2 + len;
		(*nmsgs)++;
	}
	ck_assert_uint_eq(off, m->len);
	ck_assert_uint_eq(*nmsgs, m->count);
	return all;
}

static uint32_t soa_serial_of(const ldns_rr *rr)
{
	ck_assert_int_eq(ldns_rr_get_type(rr), LDNS_RR_TYPE_SOA);
	return ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
}

static struct zone *example_zone(void)
{
	struct zone *z;
	char err[512];
	ck_assert_int_eq(zonestore_parse_file("example.test.", EXAMPLE_ZONE, &z,
	                                      err, sizeof(err)),
	                 DP_OK);
	return z;
}

/* Where the request path sends @q (answer_message()), over TCP or UDP. */
static enum answer_route route(const uint8_t *q, size_t len, bool tcp)
{
	struct zoneset *zs = zoneset_new();
	struct answer_opts o = {.tcp = tcp,
	                        .max_udp_payload = 1232,
	                        .updates = true,
	                        .transfers = true};
	static uint8_t out[DNS_MAX_MSG];
	size_t outlen;
	int rcode;
	enum answer_route r =
	        answer_message(zs, q, len, &o, out, &outlen, &rcode);
	zoneset_unref(zs);
	return r;
}

START_TEST(test_axfr_small)
{
	struct zone *z = example_zone();
	uint8_t q[512];
	size_t qlen = make_query("example.test.", LDNS_RR_TYPE_AXFR, -1, q);
	struct xfr_query xq;
	ck_assert_int_eq(route(q, qlen, true), ANSWER_TO_TRANSFER);
	ck_assert_int_ne(route(q, qlen, false), ANSWER_TO_TRANSFER);
	ck_assert_int_eq(xfr_parse(q, qlen, &xq), 0);
	struct xfr_msgs m = {0};
	ck_assert_int_eq(xfr_axfr(z, &xq, NULL, 0, &m), DP_OK);
	size_t n, largest;
	ldns_rr_list *rrs = read_stream(&m, &n, &largest);
	size_t count = ldns_rr_list_rr_count(rrs);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(count, zone_record_count(z) + 1);
	ck_assert_uint_eq(m.records, count);
	ck_assert_uint_eq(soa_serial_of(ldns_rr_list_rr(rrs, 0)), 2026112301);
	ck_assert_uint_eq(soa_serial_of(ldns_rr_list_rr(rrs, count - 1)),
	                  2026112301);
	size_t soas = 0, uncompressed = 12;
	for (size_t i = 0; i < count; i++) {
		ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		soas += ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA;
		uncompressed += ldns_rr_uncompressed_size(rr);
	}
	ck_assert_uint_eq(soas, 2);
	/* Every record of the zone file is in the transfer. */
	ldns_zone *lz = NULL;
	FILE *f = fopen(EXAMPLE_ZONE, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(
	        ldns_zone_new_frm_fp(&lz, f, NULL, 0, LDNS_RR_CLASS_IN),
	        LDNS_STATUS_OK);
	fclose(f);
	ldns_rr_list *want = ldns_zone_rrs(lz);
	for (size_t i = 0; i < ldns_rr_list_rr_count(want); i++)
		ck_assert_msg(
		        ldns_rr_list_contains_rr(rrs, ldns_rr_list_rr(want, i)),
		        "record %zu missing", i);
	/* Names are compressed. */
	ck_assert_uint_lt(largest, uncompressed * 2 / 3);
	ldns_zone_deep_free(lz);
	ldns_rr_list_deep_free(rrs);
	xfr_msgs_free(&m);
	zone_free(z);
}
END_TEST

/* A zone "x.test." with @n A records and the SOA of @serial. */
static struct zone *big_zone(size_t n, uint32_t serial)
{
	uint8_t apex[DNAME_MAXLEN], owner[DNAME_MAXLEN], rd[300];
	char err[256];
	dname_from_str("x.test.", apex);
	struct zone_builder *b = zone_builder_new(apex);
	int l = dname_from_str("ns.x.test.", rd);
	l += dname_from_str("host.x.test.", rd + l);
	uint32_t soa[5] = {htonl(serial), htonl(60), htonl(60), htonl(600),
	                   htonl(60)};
	memcpy(rd + l, soa, sizeof(soa));
	ck_assert_int_eq(zone_builder_add(b, apex, RR_TYPE_SOA, 60, rd,
	                                  (uint16_t)(l + 20), err, sizeof(err)),
	                 DP_OK);
	for (size_t i = 0; i < n; i++) {
		char name[64];
		snprintf(name, sizeof(name), "host-%05zu.sub.x.test.", i);
		dname_from_str(name, owner);
		uint8_t a[4] = {10, (uint8_t)(i >> 16), (uint8_t)(i >> 8),
		                (uint8_t)i};
		ck_assert_int_eq(zone_builder_add(b, owner, RR_TYPE_A, 60, a, 4,
		                                  err, sizeof(err)),
		                 DP_OK);
	}
	struct zone *z;
	ck_assert_int_eq(zone_builder_finish(b, &z, err, sizeof(err)), DP_OK);
	return z;
}

START_TEST(test_axfr_many_messages)
{
	struct zone *z = big_zone(5000, 7);
	uint8_t q[512];
	size_t qlen = make_query("x.test.", LDNS_RR_TYPE_AXFR, -1, q);
	struct xfr_query xq;
	ck_assert_int_eq(xfr_parse(q, qlen, &xq), 0);
	struct xfr_msgs m = {0};
	ck_assert_int_eq(xfr_axfr(z, &xq, NULL, 0, &m), DP_OK);
	size_t n, largest;
	ldns_rr_list *rrs = read_stream(&m, &n, &largest);
	ck_assert_uint_eq(ldns_rr_list_rr_count(rrs), 5002);
	ck_assert_uint_gt(n, 4);
	ck_assert_uint_le(largest, XFR_MSG_SOFT);
	/* Compressed: a record costs far less than its 45 bytes. */
	ck_assert_uint_lt(m.len, 5002 * 30);
	ldns_rr_list_deep_free(rrs);
	xfr_msgs_free(&m);
	zone_free(z);
}
END_TEST

/*
 * Verify the TSIG of every message of @m as a client does (RFC 8945
 * 5.3.1), with ldns: the first against the request's MAC, each later one
 * against the previous message's MAC, timers only.
 */
static void verify_stream(const struct xfr_msgs *m, const char *secret,
                          const ldns_rdf *request_mac)
{
	ldns_rdf *mac = ldns_rdf_clone(request_mac);
	size_t off = 0;
	bool first = true;
	while (off < m->len) {
		size_t len = rd16(m->buf + off);
		ldns_pkt *p = NULL;
		ck_assert_int_eq(ldns_wire2pkt(&p, m->buf + off + 2, len),
		                 LDNS_STATUS_OK);
		ck_assert_ptr_nonnull(ldns_pkt_tsig(p));
		ck_assert(ldns_pkt_tsig_verify_next(p, m->buf + off + 2, len,
		                                    "k.", secret, mac, !first));
		ldns_rdf_deep_free(mac);
		mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(p), 3));
		ldns_pkt_free(p);
		first = false;
		off += 2 + len;
	}
	ldns_rdf_deep_free(mac);
}

START_TEST(test_axfr_signed_stream)
{
	static const char keyfile[] = "/tmp/check_xfr_key";
	const char *secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ=";
	FILE *f = fopen(keyfile, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "key \"k\" { algorithm hmac-sha256; secret \"%s\"; };\n",
	        secret);
	fclose(f);
	struct keyring *kr = keyring_new();
	char err[256];
	ck_assert_int_eq(keyring_load_file(kr, keyfile, err, sizeof(err)),
	                 DP_OK);
	unlink(keyfile);
	uint8_t kn[DNAME_MAXLEN];
	int kl = dname_from_str("k.", kn);
	const struct tsig_key *key = keyring_find(kr, kn, (size_t)kl);
	ck_assert_ptr_nonnull(key);

	struct zone *z = big_zone(3000, 9);
	uint8_t q[1024];
	size_t qlen = make_query("x.test.", LDNS_RR_TYPE_AXFR, -1, q);
	struct tsig_state client, server;
	time_t now = time(NULL);
	ck_assert_int_eq(
	        tsig_sign_request(key, q, &qlen, sizeof(q), now, 300, &client),
	        DP_OK);
	ck_assert_int_eq(tsig_verify(kr, q, qlen, now, &server), DP_OK);
	ck_assert(server.present && server.error == 0);
	q[11]--; /* the request without its TSIG, as the thread parses it */
	struct xfr_query xq;
	ck_assert_int_eq(xfr_parse(q, server.msglen, &xq), 0);
	struct xfr_msgs m = {0};
	ck_assert_int_eq(xfr_axfr(z, &xq, &server, now, &m), DP_OK);
	ck_assert_uint_gt(m.count, 2);
	ldns_rdf *rmac = ldns_rdf_new_frm_data(
	        LDNS_RDF_TYPE_INT16_DATA, client.maclen + 2, (uint8_t[66]){0});
	uint8_t *d = ldns_rdf_data(rmac);
	d[0] = (uint8_t)(client.maclen >> 8);
	d[1] = (uint8_t)client.maclen;
	memcpy(d + 2, client.mac, client.maclen);
	verify_stream(&m, secret, rmac);
	ldns_rdf_deep_free(rmac);
	xfr_msgs_free(&m);
	zone_free(z);
	keyring_free(kr);
}
END_TEST

START_TEST(test_chain)
{
	struct xfr_step s[4] = {{3, 4, NULL, 0},
	                        {1, 2, NULL, 0},
	                        {2, 3, NULL, 0},
	                        {7, 8, NULL, 0}};
	size_t idx[4];
	ck_assert_int_eq(xfr_chain(s, 4, 1, 4, idx), 3);
	ck_assert_uint_eq(idx[0], 1);
	ck_assert_uint_eq(idx[1], 2);
	ck_assert_uint_eq(idx[2], 0);
	ck_assert_int_eq(xfr_chain(s, 4, 3, 4, idx), 1);
	ck_assert_int_eq(xfr_chain(s, 4, 4, 4, idx), 0);
	ck_assert_int_eq(xfr_chain(s, 4, 1, 8, idx), -1); /* a gap */
	ck_assert_int_eq(xfr_chain(s, 4, 5, 4, idx), -1); /* trimmed away */
	struct xfr_step loop[2] = {{1, 2, NULL, 0}, {2, 1, NULL, 0}};
	ck_assert_int_eq(xfr_chain(loop, 2, 1, 3, idx), -1);
}
END_TEST

/* Records of the journal steps the IXFR test uses. */
static uint8_t soa_rd[3][64];
static uint16_t soa_len;

static struct xfr_rr rr(const char *owner, uint16_t type, uint32_t ttl,
                        const void *rd, uint16_t rdlen, bool added)
{
	static uint8_t names[32][DNAME_MAXLEN];
	static int next;
	uint8_t *o = names[next++ % 32];
	dname_from_str(owner, o);
	struct xfr_rr r = {o, type, ttl, rd, rdlen, added};
	return r;
}

static void make_soas(void)
{
	uint8_t base[64];
	int l = dname_from_str("ns.x.test.", base);
	l += dname_from_str("host.x.test.", base + l);
	for (int i = 0; i < 3; i++) {
		uint32_t v[5] = {htonl(7 + (uint32_t)i), htonl(60), htonl(60),
		                 htonl(600), htonl(60)};
		memcpy(soa_rd[i], base, (size_t)l);
		memcpy(soa_rd[i] + l, v, sizeof(v));
	}
	soa_len = (uint16_t)(l + 20);
}

START_TEST(test_ixfr)
{
	make_soas();
	static const uint8_t a1[4] = {10, 0, 0, 1}, a2[4] = {10, 0, 0, 2},
	                     a3[4] = {10, 0, 0, 3};
	/* 7 -> 8: host-00001 changes address, an unchanged record is
	 * removed and added back (as a whole RRset rewrite journals it). */
	struct xfr_rr s1[] = {
	        rr("host-00001.sub.x.test.", RR_TYPE_A, 60, a1, 4, false),
	        rr("Host-00002.sub.x.test.", RR_TYPE_A, 60, a2, 4, false),
	        rr("host-00001.sub.x.test.", RR_TYPE_A, 60, a3, 4, true),
	        rr("host-00002.sub.x.test.", RR_TYPE_A, 60, a2, 4, true),
	        rr("x.test.", RR_TYPE_SOA, 60, soa_rd[0], soa_len, false),
	        rr("x.test.", RR_TYPE_SOA, 60, soa_rd[1], soa_len, true),
	};
	/* 8 -> 9: a TTL change travels as removal and addition. */
	struct xfr_rr s2[] = {
	        rr("host-00003.sub.x.test.", RR_TYPE_A, 60, a1, 4, false),
	        rr("host-00003.sub.x.test.", RR_TYPE_A, 30, a1, 4, true),
	        rr("x.test.", RR_TYPE_SOA, 60, soa_rd[1], soa_len, false),
	        rr("x.test.", RR_TYPE_SOA, 60, soa_rd[2], soa_len, true),
	};
	struct xfr_step steps[2] = {{8, 9, s2, 4}, {7, 8, s1, 6}};
	struct zone *z = big_zone(10, 9);
	uint8_t q[512];
	struct xfr_query xq;
	struct xfr_msgs m = {0};
	size_t n, largest;

	size_t qlen = make_query("x.test.", LDNS_RR_TYPE_IXFR, 7, q);
	ck_assert_int_eq(route(q, qlen, false), ANSWER_TO_TRANSFER);
	ck_assert_int_eq(xfr_parse(q, qlen, &xq), 0);
	ck_assert(xq.has_serial);
	ck_assert_uint_eq(xq.serial, 7);
	ck_assert_int_eq(xfr_ixfr(z, steps, 2, &xq, false, NULL, 0, &m), DP_OK);
	ck_assert(m.ixfr);
	ck_assert_uint_eq(m.steps, 2);
	ldns_rr_list *rrs = read_stream(&m, &n, &largest);
	/* 9 | 7, -00001 10.0.0.1 | 8, +00001 10.0.0.3 | 8, -00003 60 | 9,
	 * +00003 30 | 9 */
	static const int types[] = {6, 6, 1, 6, 1, 6, 1, 6, 1, 6};
	static const uint32_t serials[] = {9, 7, 0, 8, 0, 8, 0, 9, 0, 9};
	ck_assert_uint_eq(ldns_rr_list_rr_count(rrs), 10);
	for (size_t i = 0; i < 10; i++) {
		ldns_rr *r = ldns_rr_list_rr(rrs, i);
		ck_assert_int_eq(ldns_rr_get_type(r), types[i]);
		if (types[i] == 6)
			ck_assert_uint_eq(soa_serial_of(r), serials[i]);
	}
	ck_assert_uint_eq(ldns_rr_ttl(ldns_rr_list_rr(rrs, 8)), 30);
	char *s = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(rrs, 4), 0));
	ck_assert_str_eq(s, "10.0.0.3");
	free(s);
	ldns_rr_list_deep_free(rrs);
	xfr_msgs_free(&m);

	/* Current client, or over UDP: the SOA alone. */
	const long cases[][2] = {{9, 0}, {10, 0}, {7, 1}};
	for (size_t i = 0; i < 3; i++) {
		qlen = make_query("x.test.", LDNS_RR_TYPE_IXFR, cases[i][0], q);
		ck_assert_int_eq(xfr_parse(q, qlen, &xq), 0);
		ck_assert_int_eq(xfr_ixfr(z, steps, 2, &xq, cases[i][1] != 0,
		                          NULL, 0, &m),
		                 DP_OK);
		rrs = read_stream(&m, &n, &largest);
		ck_assert_uint_eq(ldns_rr_list_rr_count(rrs), 1);
		ck_assert_uint_eq(soa_serial_of(ldns_rr_list_rr(rrs, 0)), 9);
		ldns_rr_list_deep_free(rrs);
		xfr_msgs_free(&m);
	}

	/* A serial the journal does not reach: the full zone. */
	qlen = make_query("x.test.", LDNS_RR_TYPE_IXFR, 5, q);
	ck_assert_int_eq(xfr_parse(q, qlen, &xq), 0);
	ck_assert_int_eq(xfr_ixfr(z, steps, 2, &xq, false, NULL, 0, &m), DP_OK);
	ck_assert(!m.ixfr);
	rrs = read_stream(&m, &n, &largest);
	ck_assert_uint_eq(ldns_rr_list_rr_count(rrs), zone_record_count(z) + 1);
	ldns_rr_list_deep_free(rrs);
	xfr_msgs_free(&m);

	/* A step without its SOA cannot be sent: the full zone. */
	steps[0].n = 2;
	qlen = make_query("x.test.", LDNS_RR_TYPE_IXFR, 7, q);
	ck_assert_int_eq(xfr_parse(q, qlen, &xq), 0);
	ck_assert_int_eq(xfr_ixfr(z, steps, 2, &xq, false, NULL, 0, &m), DP_OK);
	ck_assert(!m.ixfr);
	xfr_msgs_free(&m);
	zone_free(z);
}
END_TEST

START_TEST(test_not_transfers)
{
	uint8_t q[512];
	size_t qlen = make_query("x.test.", LDNS_RR_TYPE_SOA, -1, q);
	ck_assert_int_ne(route(q, qlen, true), ANSWER_TO_TRANSFER);
	qlen = make_query("x.test.", LDNS_RR_TYPE_AXFR, -1, q);
	ck_assert_int_ne(route(q, 11, true), ANSWER_TO_TRANSFER);
	q[2] |= 0x80; /* a response */
	ck_assert_int_ne(route(q, qlen, true), ANSWER_TO_TRANSFER);
	q[2] = (uint8_t)(4 << 3); /* NOTIFY */
	ck_assert_int_ne(route(q, qlen, true), ANSWER_TO_TRANSFER);
	struct xfr_query xq;
	qlen = make_query("x.test.", LDNS_RR_TYPE_IXFR, 7, q);
	ck_assert_int_ne(xfr_parse(q, qlen - 3, &xq), 0);
}
END_TEST

static Suite *xfr_suite(void)
{
	Suite *s = suite_create("xfr");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_acl);
	tcase_add_test(tc, test_target);
	tcase_add_test(tc, test_axfr_small);
	tcase_add_test(tc, test_axfr_many_messages);
	tcase_add_test(tc, test_axfr_signed_stream);
	tcase_add_test(tc, test_chain);
	tcase_add_test(tc, test_ixfr);
	tcase_add_test(tc, test_not_transfers);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(xfr_suite());
}
