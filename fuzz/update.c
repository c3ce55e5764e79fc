/*
 * update.c - fuzz target: the UPDATE path.
 *
 * The input is one DNS UPDATE message as authd receives it.  It takes
 * the way of authd's update thread (updater.c): TSIG, the zone section
 * (update_zone()), then the prerequisites and the update section applied
 * to an edit of the zone with the guard on (update_apply()), and the
 * commit that builds the next snapshot.  What must hold: an accepted
 * update commits to a valid zone, the guarded endpoint keeps an address,
 * its generation marker never goes back, and every changed RRset is
 * answered with a response ldns parses.
 *
 * TSIG: built with DP_FUZZ_NO_TSIG, the signature is read but not
 * required (an unsigned or wrongly signed message is applied with the
 * key it names, or the unrestricted fuzz key), so that the fuzzer reaches
 * the update logic; without it, only requests whose MAC verifies get
 * past, as in authd (the clock is left out, see fuzz_tsig_verify()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "wire.h"
#include "answer.h"
#include "dname.h"
#include "fuzz.h"
#include "update.h"
#include "zonestore.h"

#define ENDPOINT "dynamodb.us-east-1.api.test."

static struct zoneset *zones;
static struct guard guard;
static uint8_t endpoint[DNAME_MAXLEN], marker[DNAME_MAXLEN];
static size_t endpointlen, markerlen;
static uint8_t out[DNS_MAX_MSG];

static void init(void)
{
	char err[1024];
	static const char *const files[][2] = {
	        {"api.test.", "tests/zones/api.test.zone"},
	        {"example.test.", "tests/zones/example.test.zone"},
	};
	fuzz_quiet();
	zones = zoneset_new();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct zone *z;
		if (zonestore_parse_file(files[i][0], fuzz_path(files[i][1]),
		                         &z, err, sizeof(err)) != DP_OK ||
		    zoneset_add(zones, z) != DP_OK)
			fuzz_fail("cannot load %s: %s", files[i][1], err);
	}
	guard.enabled = true;
	if (guard_parse(&guard, ENDPOINT) != 0 ||
	    guard_parse(&guard, "s3.us-east-1.api.test.=1") != 0)
		fuzz_fail("guard_parse failed");
	endpointlen = (size_t)dname_from_str(ENDPOINT, endpoint);
	markerlen = (size_t)dname_from_str("_gen." ENDPOINT, marker);
	fuzz_keyring();
}

/*
 * The addresses @name resolves to in @z, through at most 8 CNAMEs in the
 * zone, the chain the guard follows (update.c); more resolve to nothing.
 */
static unsigned addresses(const struct zone *z, const uint8_t *name, size_t len)
{
	for (int hop = 0; hop < 8; hop++) {
		const struct zone_node *n = zone_find(z, name, len);
		if (n == NULL)
			return 0;
		const struct zone_rrset *rs = zone_node_rrset(n, RR_TYPE_CNAME);
		if (rs != NULL) {
			int tl = dname_length(rs->rdata + 2, rd16(rs->rdata));
			const struct zone_node *apex = zone_apex(z);
			if (tl < 0)
				return 0;
			name = rs->rdata + 2;
			len = (size_t)tl;
			if (!dname_is_sub(name, len, apex->name, apex->namelen))
				return 1; /* out of the zone: not judged */
			continue;
		}
		unsigned k = 0;
		if ((rs = zone_node_rrset(n, RR_TYPE_A)) != NULL)
			k += rs->count;
		if ((rs = zone_node_rrset(n, RR_TYPE_AAAA)) != NULL)
			k += rs->count;
		return k;
	}
	return 0;
}

/* The generation of the endpoint's marker in @z, -1 when none. */
static long long generation(const struct zone *z)
{
	const struct zone_node *n = zone_find(z, marker, markerlen);
	const struct zone_rrset *rs =
	        n ? zone_node_rrset(n, RR_TYPE_TXT) : NULL;
	if (rs == NULL || rs->count != 1 || rd16(rs->rdata) < 2)
		return -1;
	const uint8_t *t = rs->rdata + 2;
	long long v = 0;
	for (size_t i = 1; i <= t[0] && i < rd16(rs->rdata); i++) {
		if (t[i] < '0' || t[i] > '9')
			return -1;
		v = v * 10 + (t[i] - '0');
	}
	return v;
}

/* Ask @zs for @type at @name; the answer must parse. */
static void ask(const struct zoneset *zs, const uint8_t *name, size_t len,
                uint16_t type)
{
	uint8_t q[DNS_HEADER_LEN + DNAME_MAXLEN + 4] = {0x12, 0x34, 0, 0, 0, 1};
	memcpy(q + DNS_HEADER_LEN, name, len);
	size_t ql = DNS_HEADER_LEN + len;
	q[ql++] = (uint8_t)(type >> 8);
	q[ql++] = (uint8_t)type;
	q[ql++] = 0;
	q[ql++] = RR_CLASS_IN;
	for (int tcp = 0; tcp < 2; tcp++) {
		struct answer_opts o = {.tcp = tcp, .max_udp_payload = 1232};
		size_t outlen = 0;
		int rcode;
		if (answer_query(zs, q, ql, &o, out, &outlen, &rcode) != DP_OK)
			fuzz_fail("no answer to a query of the updated zone");
		ldns_pkt *p = NULL;
		if (ldns_wire2pkt(&p, out, outlen) != LDNS_STATUS_OK)
			fuzz_fail("an answer from the updated zone does not "
			          "parse");
		ldns_pkt_free(p);
	}
}

/* Check the committed snapshot @next against its base @z. */
static void check_commit(const struct zone *z, struct zone *next,
                         const struct zone_change *ch, size_t nch)
{
	if (dname_is_sub(endpoint, endpointlen, zone_apex(z)->name,
	                 zone_apex(z)->namelen)) {
		if (addresses(z, endpoint, endpointlen) > 0 &&
		    addresses(next, endpoint, endpointlen) == 0)
			fuzz_fail("the guard let the endpoint lose its last "
			          "address");
		long long g0 = generation(z), g1 = generation(next);
		if (g0 >= 0 && g1 < g0)
			fuzz_fail("the generation went from %lld to %lld", g0,
			          g1);
	}
	struct zoneset *zs = zoneset_replace(zones, zone_ref(next));
	for (size_t i = 0; i < nch && i < 8; i++)
		ask(zs, ch[i].name, ch[i].namelen, ch[i].type);
	zoneset_unref(zs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (zones == NULL)
		init();
	/* What the update thread takes as an UPDATE (updater.c). */
	if (size < DNS_HEADER_LEN || (data[2] & 0x80) ||
	    ((data[2] >> 3) & 0xF) != DNS_OPCODE_UPDATE)
		return 0;
	const struct keyring *kr = fuzz_keyring();
	struct tsig_state st;
	dp_status rc = fuzz_tsig_verify(kr, data, size, &st);
	const struct tsig_key *key;
	size_t len;
#ifdef DP_FUZZ_NO_TSIG
	uint8_t kw[DNAME_MAXLEN];
	int kl = dname_from_str(FUZZ_KEY, kw);
	key = rc == DP_OK && st.key ? st.key : keyring_find(kr, kw, (size_t)kl);
	len = rc == DP_OK && st.present ? st.msglen : size;
#else
	if (rc != DP_OK || !st.present || st.error)
		return 0;
	key = st.key;
	len = st.msglen;
#endif
	const struct zone *z;
	if (update_zone(zones, data, len, &z) != DNS_RCODE_NOERROR)
		return 0;
	struct zone_edit *e = zone_edit_new(z);
	struct update_result res;
	memset(&res, 0, sizeof(res));
	update_apply(e, data, len, key, &guard, &res);
	if (res.rcode != DNS_RCODE_NOERROR && res.changed)
		fuzz_fail("update refused (rcode %d) but changed", res.rcode);
	struct zone *next = NULL;
	struct zone_change *ch = NULL;
	size_t nch = 0;
	char err[1024];
	if (zone_edit_commit(e, &next, &ch, &nch, err, sizeof(err)) != DP_OK) {
		if (res.rcode == DNS_RCODE_NOERROR)
			fuzz_fail("an accepted update does not commit: %s",
			          err);
	} else {
		if (res.rcode != DNS_RCODE_NOERROR && nch > 0)
			fuzz_fail("a refused update left %zu changes", nch);
		check_commit(z, next, ch, nch);
		zone_free(next);
		free(ch);
	}
	zone_edit_free(e);
	return 0;
}
