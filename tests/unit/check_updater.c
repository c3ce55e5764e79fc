/*
 * check_updater.c - the update thread's batching, in process: updates
 * queued together are applied on top of each other (each sees the ones
 * before it), a refused one in the middle changes nothing and does not
 * stop the others, the batch is committed to the store in one SQLite
 * transaction, and the answers come after the commit and are signed.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "dns.h"
#include "layout.h"
#include "tsig.h"
#include "unit.h"
#include "updater.h"
#include "zonestore.h"

#define SECRET "c2VjcmV0LWZvci10aGUtdXBkYXRlci10ZXN0cy0wMTI="
#define NMSG   4

static char dir[64];
static struct zonestore *store;
static struct zoneset *served;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;

/* What came back for each message. */
static struct {
	bool done;
	int rcode;
	uint8_t resp[2048];
	size_t len;
} got[NMSG];
static struct tsig_state sent[NMSG];

static struct zoneset *acquire(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	struct zoneset *zs = zoneset_ref(served);
	pthread_mutex_unlock(&lock);
	return zs;
}

static void publish(void *arg, struct zoneset *zs)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	zoneset_unref(served);
	served = zs;
	pthread_mutex_unlock(&lock);
}

static void reply(void *arg, const uint8_t *resp, size_t len)
{
	int i = *(int *)arg;
	free(arg);
	pthread_mutex_lock(&lock);
	got[i].done = true;
	got[i].rcode =
	        resp != NULL && len >= DNS_HEADER_LEN ? resp[3] & 0xF : -1;
	if (resp != NULL && len <= sizeof(got[i].resp)) {
		memcpy(got[i].resp, resp, len);
		got[i].len = len;
	}
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

static void setup(void)
{
	strcpy(dir, "/tmp/check_updater_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[128], err[512];
	snprintf(path, sizeof(path), "%s/zones.db", dir);
	ck_assert_int_eq(zonestore_open(path, &store, err, sizeof(err)), DP_OK);
	enum zonestore_import what;
	ck_assert_int_eq(zonestore_import_file(store, "api.test.",
	                                       "tests/zones/api.test.zone",
	                                       &what, err, sizeof(err)),
	                 DP_OK);
	struct zone *z;
	ck_assert_int_eq(
	        zonestore_load(store, "api.test.", &z, err, sizeof(err)),
	        DP_OK);
	served = zoneset_new();
	ck_assert_int_eq(zoneset_add(served, z), DP_OK);
	memset(got, 0, sizeof(got));
}

static void teardown(void)
{
	zonestore_close(store);
	zoneset_unref(served);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* One signed UPDATE of api.test.: an optional "name not in use"
 * prerequisite, an optional record to add, an optional A RRset to
 * delete. */
static void submit(struct updater *u, const struct tsig_key *key, int i,
                   const char *prereq_absent, const char *add,
                   const char *del_rrset)
{
	ldns_rr_list *pr = ldns_rr_list_new(), *up = ldns_rr_list_new();
	ldns_rr *rr;
	if (prereq_absent != NULL) /* name not in use */
		ldns_rr_list_push_rr(pr, layout_rr_bare(prereq_absent,
		                                        LDNS_RR_TYPE_ANY,
		                                        LDNS_RR_CLASS_NONE));
	if (add != NULL) {
		rr = NULL;
		ck_assert_int_eq(ldns_rr_new_frm_str(&rr, add, 0, NULL, NULL),
		                 LDNS_STATUS_OK);
		ldns_rr_list_push_rr(up, rr);
	}
	if (del_rrset != NULL) /* delete the A RRset */
		ldns_rr_list_push_rr(up,
		                     layout_rr_bare(del_rrset, LDNS_RR_TYPE_A,
		                                    LDNS_RR_CLASS_ANY));
	ldns_pkt *p = ldns_update_pkt_new(ldns_dname_new_frm_str("api.test."),
	                                  LDNS_RR_CLASS_IN, pr, up, NULL);
	ldns_rr_list_deep_free(pr);
	ldns_rr_list_deep_free(up);
	ldns_pkt_set_id(p, (uint16_t)(100 + i));
	uint8_t *w;
	size_t wl;
	ldns_pkt2wire(&w, p, &wl);
	ldns_pkt_free(p);
	uint8_t msg[2048];
	memcpy(msg, w, wl);
	free(w);
	ck_assert_int_eq(tsig_sign_request(key, msg, &wl, sizeof(msg),
	                                   time(NULL), 300, &sent[i]),
	                 DP_OK);
	int *arg = malloc(sizeof(*arg));
	*arg = i;
	updater_submit(u, msg, wl, true, reply, arg);
}

static void wait_all(int n)
{
	pthread_mutex_lock(&lock);
	for (;;) {
		int done = 0;
		for (int i = 0; i < n; i++)
			done += got[i].done;
		if (done == n)
			break;
		pthread_cond_wait(&cond, &lock);
	}
	pthread_mutex_unlock(&lock);
}

/* How many A records @name has in what is served now. */
static unsigned served_a(const char *name)
{
	uint8_t w[DNAME_MAXLEN];
	int wl = dname_from_str(name, w);
	struct zoneset *zs = acquire(NULL);
	const struct zone *z = zoneset_find(zs, w, (size_t)wl);
	const struct zone_node *n = zone_find(z, w, (size_t)wl);
	const struct zone_rrset *rs = n ? zone_node_rrset(n, RR_TYPE_A) : NULL;
	unsigned c = rs ? rs->count : 0;
	zoneset_unref(zs);
	return c;
}

START_TEST(test_batch)
{
	char path[128], err[512];
	snprintf(path, sizeof(path), "%s/k.key", dir);
	FILE *f = fopen(path, "w");
	fprintf(f, "key \"k\" { algorithm hmac-sha256; secret \"%s\"; };\n",
	        SECRET);
	fclose(f);
	struct keyring *kr = keyring_new();
	ck_assert_int_eq(keyring_load_file(kr, path, err, sizeof(err)), DP_OK);
	const struct tsig_key *key =
	        keyring_find(kr, (const uint8_t *)"\1k", 3);
	ck_assert_ptr_nonnull(key);
	struct guard g = {0};
	g.enabled = true;
	ck_assert_int_eq(guard_parse(&g, "dynamodb.us-east-1.api.test."), 0);
	struct updater_hooks hooks = {acquire, publish, NULL};
	struct zoneset *before = acquire(NULL);
	uint32_t serial0 = zone_serial(zoneset_zone(before, 0));
	zoneset_unref(before);

	/* Queued before the thread starts: one batch. */
	struct keyring *kr_u = keyring_new();
	ck_assert_int_eq(keyring_load_file(kr_u, path, err, sizeof(err)),
	                 DP_OK);
	struct updater *u = updater_new(store, kr_u, &g, 100, &hooks);
	submit(u, key, 0, NULL, "a.api.test. 60 IN A 192.0.2.1", NULL);
	/* Sees the first update: the name is in use now. */
	submit(u, key, 1, "a.api.test.", "c.api.test. 60 IN A 192.0.2.3", NULL);
	/* The guard: the endpoint's addresses may not all go. */
	submit(u, key, 2, NULL, NULL, "dynamodb.us-east-1.api.test.");
	submit(u, key, 3, NULL, "b.api.test. 60 IN A 192.0.2.2", NULL);
	ck_assert_int_eq(updater_start(u), DP_OK);
	wait_all(NMSG);

	ck_assert_int_eq(got[0].rcode, DNS_RCODE_NOERROR);
	ck_assert_int_eq(got[1].rcode, DNS_RCODE_YXDOMAIN);
	ck_assert_int_eq(got[2].rcode, DNS_RCODE_REFUSED);
	ck_assert_int_eq(got[3].rcode, DNS_RCODE_NOERROR);
	/* Every answer is signed for its request. */
	for (int i = 0; i < NMSG; i++) {
		uint16_t terr;
		ck_assert_int_eq(tsig_verify_response(&sent[i], got[i].resp,
		                                      got[i].len, time(NULL),
		                                      &terr),
		                 DP_OK);
	}
	struct updater_stats st;
	updater_stats(u, &st);
	ck_assert_uint_eq(st.commits, 1); /* one transaction for the batch */
	ck_assert_uint_eq(st.accepted, 2);
	ck_assert_uint_eq(st.refused[UPDATE_PREREQ], 1);
	ck_assert_uint_eq(st.refused[UPDATE_GUARD], 1);
	/* Served: the two accepted, not the refused ones. */
	ck_assert_uint_eq(served_a("a.api.test."), 1);
	ck_assert_uint_eq(served_a("b.api.test."), 1);
	ck_assert_uint_eq(served_a("c.api.test."), 0);
	ck_assert_uint_eq(served_a("dynamodb.us-east-1.api.test."), 2);
	updater_free(u);

	/* Durable: the store holds what was answered, serial +1 each. */
	struct zone *z;
	ck_assert_int_eq(
	        zonestore_load(store, "api.test.", &z, err, sizeof(err)),
	        DP_OK);
	ck_assert_uint_eq(zone_serial(z), serial0 + 2);
	uint8_t w[DNAME_MAXLEN];
	int wl = dname_from_str("b.api.test.", w);
	ck_assert_ptr_nonnull(zone_find(z, w, (size_t)wl));
	wl = dname_from_str("c.api.test.", w);
	ck_assert_ptr_null(zone_find(z, w, (size_t)wl));
	zone_free(z);
	keyring_free(kr);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("updater");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_batch);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
