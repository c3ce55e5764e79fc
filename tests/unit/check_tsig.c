/*
 * check_tsig.c - TSIG against an independent implementation (ldns): a
 * request signed by ldns verifies here, an answer signed here verifies in
 * ldns, and each kind of failure gives its error.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "keys.h"
#include "tsig.h"
#include "unit.h"

#define SECRET "c2VjcmV0LWZvci10aGUtdHNpZy10ZXN0cy0wMTIzNDU="

static struct keyring *kr;
static char keyfile[64];

static void setup(void)
{
	strcpy(keyfile, "/tmp/check_tsig_XXXXXX");
	int fd = mkstemp(keyfile);
	FILE *f = fdopen(fd, "w");
	fprintf(f,
	        "# a comment\nkey \"k1\" {\n\talgorithm hmac-sha256;\n"
	        "\tsecret \"%s\";\n};\n/* two keys */ key \"k2.example\" "
	        "{ algorithm HMAC-SHA512; secret \"%s\"; };\n",
	        SECRET, SECRET);
	fclose(f);
	kr = keyring_new();
	char err[256];
	ck_assert_msg(keyring_load_file(kr, keyfile, err, sizeof(err)) == DP_OK,
	              "%s", err);
}

static void teardown(void)
{
	keyring_free(kr);
	unlink(keyfile);
}

/* A query signed by ldns, in wire format. */
static size_t ldns_signed(const char *key, const char *alg, uint8_t *out,
                          time_t when, ldns_rdf **mac)
/* (ldns signs with its own clock; @when only marks the packet.) */
{
	ldns_pkt *q = NULL;
	ldns_pkt_query_new_frm_str(&q, "www.example.test.", LDNS_RR_TYPE_A,
	                           LDNS_RR_CLASS_IN, 0);
	ldns_pkt_set_id(q, 4321);
	ldns_pkt_set_timestamp(q, (struct timeval){when, 0});
	ck_assert_int_eq(ldns_pkt_tsig_sign(q, key, SECRET, 300, alg, NULL),
	                 LDNS_STATUS_OK);
	uint8_t *w;
	size_t wl;
	ldns_pkt2wire(&w, q, &wl);
	memcpy(out, w, wl);
	free(w);
	if (mac != NULL)
		*mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(q), 3));
	ldns_pkt_free(q);
	return wl;
}

START_TEST(test_keys_loaded)
{
	ck_assert_uint_eq(keyring_count(kr), 2);
	uint8_t w[DNAME_MAXLEN];
	int n = dname_from_str("K2.Example.", w);
	const struct tsig_key *k = keyring_find(kr, w, (size_t)n);
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(k->alg, TSIG_HMAC_SHA512);
	ck_assert_uint_eq(k->secretlen, 32);
}
END_TEST

START_TEST(test_bad_key_files)
{
	static const char *const bad[] = {
	        "key \"x\" { algorithm hmac-md5; secret \"YWJj\"; };",
	        "key \"x\" { algorithm hmac-sha256; };",
	        "key \"x\" { algorithm hmac-sha256; secret \"!!!\"; };",
	        "key \"x\" { algorithm hmac-sha256 secret \"YWJj\"; };",
	        "zone \"x\" { };",
	        ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char path[] = "/tmp/check_tsig_bad_XXXXXX";
		int fd = mkstemp(path);
		ck_assert_int_eq(write(fd, bad[i], strlen(bad[i])),
		                 (ssize_t)strlen(bad[i]));
		close(fd);
		struct keyring *k = keyring_new();
		char err[256] = "";
		ck_assert_int_ne(keyring_load_file(k, path, err, sizeof(err)),
		                 DP_OK);
		ck_assert_msg(strstr(err, path) != NULL, "%s", err);
		keyring_free(k);
		unlink(path);
	}
}
END_TEST

START_TEST(test_verify_ldns_request)
{
	uint8_t msg[1024];
	time_t now = time(NULL);
	size_t len = ldns_signed("k1", "hmac-sha256.", msg, now, NULL);
	struct tsig_state st;
	ck_assert_int_eq(tsig_verify(kr, msg, len, now, &st), DP_OK);
	ck_assert(st.present);
	ck_assert_int_eq(st.error, 0);
	ck_assert_ptr_nonnull(st.key);
	ck_assert_uint_lt(st.msglen, len);

	len = ldns_signed("k2.example", "hmac-sha512.", msg, now, NULL);
	ck_assert_int_eq(tsig_verify(kr, msg, len, now, &st), DP_OK);
	ck_assert_int_eq(st.error, 0);
}
END_TEST

START_TEST(test_errors)
{
	uint8_t msg[1024];
	time_t now = time(NULL);
	struct tsig_state st;
	size_t len = ldns_signed("nobody", "hmac-sha256.", msg, now, NULL);
	ck_assert_int_eq(tsig_verify(kr, msg, len, now, &st), DP_OK);
	ck_assert_int_eq(st.error, TSIG_BADKEY);
	/* The right key name with the wrong algorithm is BADKEY too. */
	len = ldns_signed("k1", "hmac-sha512.", msg, now, NULL);
	ck_assert_int_eq(tsig_verify(kr, msg, len, now, &st), DP_OK);
	ck_assert_int_eq(st.error, TSIG_BADKEY);
	len = ldns_signed("k1", "hmac-sha256.", msg, now, NULL);
	msg[14] ^= 1; /* in the question */
	ck_assert_int_eq(tsig_verify(kr, msg, len, now, &st), DP_OK);
	ck_assert_int_eq(st.error, TSIG_BADSIG);
	/* Signed now, checked by a clock 305 s ahead or behind: outside
	 * the 300 s fudge; 295 s: inside. */
	len = ldns_signed("k1", "hmac-sha256.", msg, now, NULL);
	ck_assert_int_eq(tsig_verify(kr, msg, len, now + 305, &st), DP_OK);
	ck_assert_int_eq(st.error, TSIG_BADTIME);
	ck_assert_int_eq(tsig_verify(kr, msg, len, now - 305, &st), DP_OK);
	ck_assert_int_eq(st.error, TSIG_BADTIME);
	ck_assert_int_eq(tsig_verify(kr, msg, len, now + 295, &st), DP_OK);
	ck_assert_int_eq(st.error, 0);
	/* Not signed at all: the header and question alone. */
	msg[10] = msg[11] = 0;
	ck_assert_int_eq(tsig_verify(kr, msg, 34, now, &st), DP_OK);
	ck_assert(!st.present);
	/* Cut inside the TSIG record: malformed. */
	len = ldns_signed("k1", "hmac-sha256.", msg, now, NULL);
	ck_assert_int_eq(tsig_verify(kr, msg, len - 3, now, &st), DP_EPARSE);
}
END_TEST

START_TEST(test_answer_verifies_in_ldns)
{
	uint8_t msg[1024];
	time_t now = time(NULL);
	ldns_rdf *mac;
	size_t len = ldns_signed("k1", "hmac-sha256.", msg, now, &mac);
	struct tsig_state st;
	ck_assert_int_eq(tsig_verify(kr, msg, len, now, &st), DP_OK);
	/* A minimal answer: the query turned around. */
	uint8_t resp[1024];
	memcpy(resp, msg, st.msglen);
	resp[2] |= 0x84;
	resp[10] = 0;
	resp[11] = 0;
	size_t rlen = st.msglen;
	ck_assert_int_eq(tsig_sign(&st, resp, &rlen, sizeof(resp), now), DP_OK);
	ldns_pkt *p = NULL;
	ck_assert_int_eq(ldns_wire2pkt(&p, resp, rlen), LDNS_STATUS_OK);
	ck_assert_msg(ldns_pkt_tsig_verify(p, resp, rlen, "k1", SECRET, mac),
	              "ldns rejects our signed answer");
	ldns_pkt_free(p);
	ldns_rdf_deep_free(mac);
}
END_TEST

/*
 * A forwarder gives the signed request a new ID: it still verifies (the
 * MAC covers the Original ID), and the answer, sent with the new ID,
 * verifies at the client that puts the Original ID back (RFC 8945 4.3.1,
 * 5.3).
 */
START_TEST(test_new_id_on_the_way)
{
	time_t now = time(NULL);
	const struct tsig_key *key =
	        keyring_find(kr, (const uint8_t *)"\2k1", 4);
	ck_assert_ptr_nonnull(key);
	uint8_t req[512] = {0x12, 0x34, 0x01, 0x00, 0,   1, 0, 0, 0, 0, 0,
	                    0,    3,    'w',  'w',  'w', 0, 0, 1, 0, 1};
	size_t len = 21;
	struct tsig_state client, server;
	ck_assert_int_eq(tsig_sign_request(key, req, &len, sizeof(req), now,
	                                   300, &client),
	                 DP_OK);
	req[0] = 0xAB; /* the forwarder's ID */
	req[1] = 0xCD;
	ck_assert_int_eq(tsig_verify(kr, req, len, now, &server), DP_OK);
	ck_assert_uint_eq(server.error, 0);
	ck_assert_uint_eq(server.orig_id, 0x1234);
	uint8_t resp[1024];
	memcpy(resp, req, server.msglen);
	resp[2] |= 0x80;
	resp[10] = 0;
	resp[11] = 0;
	size_t rlen = server.msglen;
	ck_assert_int_eq(tsig_sign(&server, resp, &rlen, sizeof(resp), now),
	                 DP_OK);
	ck_assert_uint_eq(resp[0], 0xAB);
	uint16_t err;
	ck_assert_int_eq(tsig_verify_response(&client, resp, rlen, now, &err),
	                 DP_OK);
	/* The MAC covers the Original ID, not the ID in the header: with
	 * the header put back to the client's ID, it verifies the same. */
	resp[0] = 0x12;
	resp[1] = 0x34;
	ck_assert_int_eq(tsig_verify_response(&client, resp, rlen, now, &err),
	                 DP_OK);
	/* Octets after the TSIG record: not a signed message at all. */
	req[len] = 0;
	ck_assert_int_eq(tsig_verify(kr, req, len + 1, now, &server),
	                 DP_EPARSE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tsig");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_keys_loaded);
	tcase_add_test(tc, test_bad_key_files);
	tcase_add_test(tc, test_verify_ldns_request);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_answer_verifies_in_ldns);
	tcase_add_test(tc, test_new_id_on_the_way);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
