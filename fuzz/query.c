/*
 * query.c - fuzz target: the query path.
 *
 * The input is one DNS message as it arrives over UDP or TCP.  It is
 * answered by answer_query() from the zones of tests/ (built once), over
 * UDP and over TCP, and each answer must be a well-formed DNS response
 * that ldns parses, with the query's ID, QR set, the rcode it reports,
 * and within the UDP size.  A signed query goes the way authd's update
 * thread takes it (TSIG verified, answered without its TSIG record); a
 * zone transfer request is parsed and answered by xfr_axfr()/xfr_ixfr().
 * The same bytes are then read as an answer by the clients' parsers
 * (dnsprobe's and the Extended DNS Error reader of the enactors and the
 * CLI), which take what a server sends them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "wire.h"
#include "answer.h"
#include "dnsclient.h"
#include "dnsprobe_judge.h"
#include "fuzz.h"
#include "xfr.h"
#include "zonestore.h"

/* What the target serves: every zone of tests/ once. */
static const char *const zone_files[][2] = {
        {"api.test.", "tests/zones/api.test.zone"},
        {"big.test.", "tests/zones/big.test.zone"},
        {"example.test.", "tests/zones/example.test.zone"},
        {"child.example.test.", "tests/diff/zones/child.example.test.zone"},
        {"other.test.", "tests/diff/zones/other.test.zone"},
        {"2.0.192.in-addr.arpa.", "tests/diff/zones/2.0.192.in-addr.arpa.zone"},
};

#define UDP_MAX 1232

static struct zoneset *zones;
static uint8_t out[DNS_MAX_MSG];

static void init(void)
{
	char err[1024];
	fuzz_quiet();
	zones = zoneset_new();
	for (size_t i = 0; i < sizeof(zone_files) / sizeof(zone_files[0]);
	     i++) {
		struct zone *z;
		if (zonestore_parse_file(zone_files[i][0],
		                         fuzz_path(zone_files[i][1]), &z, err,
		                         sizeof(err)) != DP_OK ||
		    zoneset_add(zones, z) != DP_OK)
			fuzz_fail("cannot load %s: %s", zone_files[i][1], err);
	}
	fuzz_keyring();
}

/* The checks every answer must pass. */
static void check_answer(const uint8_t *q, const uint8_t *a, size_t alen,
                         int rcode, const struct answer_opts *o)
{
	if (alen < DNS_HEADER_LEN || alen > DNS_MAX_MSG)
		fuzz_fail("answer of %zu bytes", alen);
	if (!o->tcp && alen > UDP_MAX)
		fuzz_fail("UDP answer of %zu bytes, more than %d", alen,
		          UDP_MAX);
	if (rd16(a) != rd16(q) || !(a[2] & 0x80))
		fuzz_fail("answer ID or QR wrong");
	if ((a[3] & 0x0F) != (rcode & 0x0F))
		fuzz_fail("header rcode %d, answer_query said %d", a[3] & 0x0F,
		          rcode);
	ldns_pkt *p = NULL;
	ldns_status st = ldns_wire2pkt(&p, a, alen);
	if (st != LDNS_STATUS_OK)
		fuzz_fail("the answer does not parse: %s",
		          ldns_get_errorstr_by_id(st));
	int full =
	        ldns_pkt_get_rcode(p) |
	        (ldns_pkt_edns(p) ? ldns_pkt_edns_extended_rcode(p) << 4 : 0);
	if (full != rcode)
		fuzz_fail("rcode %d in the answer, answer_query said %d", full,
		          rcode);
	ldns_pkt_free(p);
}

/* A signed query, as the update thread answers it (updater.c). */
static void answer_signed(const uint8_t *data, size_t size, bool tcp)
{
	struct tsig_state st;
	if (fuzz_tsig_verify(fuzz_keyring(), data, size, &st) != DP_OK ||
	    !st.present || st.error)
		return;
	uint8_t *q = malloc(st.msglen);
	memcpy(q, data, st.msglen);
	q[0] = (uint8_t)(st.orig_id >> 8);
	q[1] = (uint8_t)st.orig_id;
	uint16_t ar = rd16(q + 10) - 1;
	q[10] = (uint8_t)(ar >> 8);
	q[11] = (uint8_t)ar;
	struct answer_opts o = {.tcp = tcp, .max_udp_payload = UDP_MAX - 300};
	size_t outlen = 0;
	int rcode;
	if (answer_query(zones, q, st.msglen, &o, out, &outlen, &rcode) ==
	    DP_OK) {
		check_answer(q, out, outlen, rcode, &o);
		if (tsig_sign(&st, out, &outlen, tcp ? DNS_MAX_MSG : 4096,
		              (time_t)st.time_signed) != DP_OK &&
		    tcp)
			fuzz_fail("a TCP answer could not be signed");
	}
	free(q);
}

/* A transfer request, as the transfer thread answers it (xfrout.c). */
static void answer_xfr(const uint8_t *data, size_t size)
{
	struct xfr_query xq;
	if (xfr_parse(data, size, &xq) != 0 ||
	    (xq.qtype != RR_TYPE_AXFR && xq.qtype != RR_TYPE_IXFR))
		return;
	uint16_t qtype = xq.qtype;
	const struct zone *z = zoneset_find(zones, xq.qname, xq.qnamelen);
	if (z == NULL)
		return;
	struct xfr_msgs m = {0};
	if (qtype == RR_TYPE_AXFR)
		xfr_axfr(z, &xq, NULL, 0, &m);
	else
		xfr_ixfr(z, NULL, 0, &xq, (size & 1) != 0, NULL, 0, &m);
	/* Every framed message must parse. */
	for (size_t off = 0; off + 2 <= m.len;) {
		size_t n = rd16(m.buf + off);
		ldns_pkt *p = NULL;
		if (off + 2 + n > m.len ||
		    ldns_wire2pkt(&p, m.buf + off + 2, n) != LDNS_STATUS_OK)
			fuzz_fail("transfer message at %zu does not parse",
			          off);
		ldns_pkt_free(p);
		off += 2 + n;
	}
	xfr_msgs_free(&m);
}

/* The bytes read as an answer, as the clients read what servers send. */
static void read_as_answer(const uint8_t *data, size_t size)
{
	uint16_t id, qtype;
	struct probe_answer pa;
	uint64_t gen;
	(void)probe_answer_id(data, size, &id, &qtype);
	(void)probe_parse_answer(data, size, "dynamodb.us-east-1.api.test.",
	                         &pa);
	(void)probe_parse_txt(data, size, &gen);
	ldns_pkt *p = NULL;
	if (ldns_wire2pkt(&p, data, size) == LDNS_STATUS_OK) {
		char ede[512];
		dnsclient_ede(p, ede, sizeof(ede));
		ldns_pkt_free(p);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (zones == NULL)
		init();
	for (int tcp = 0; tcp < 2; tcp++) {
		/* The low bit of the ID picks minimal responses. */
		struct answer_opts o = {
		        .tcp = tcp,
		        .max_udp_payload = UDP_MAX,
		        .minimal_responses = size > 1 && (data[1] & 1),
		};
		size_t outlen = 0;
		int rcode = -1;
		dp_status rc = answer_query(zones, data, size, &o, out, &outlen,
		                            &rcode);
		if (rc == DP_OK)
			check_answer(data, out, outlen, rcode, &o);
		else if (rc == DP_ESIGNED)
			answer_signed(data, size, tcp);
		else if (rc != DP_EINVAL)
			fuzz_fail("answer_query returned %d", rc);
	}
	answer_xfr(data, size);
	read_as_answer(data, size);
	return 0;
}
