/*
 * check_etcd.c - the etcd client's parts that need no etcd: the
 * etcd://HOST:PORT,... parser (what it accepts, and what it refuses with
 * which words), request bodies (base64 keys, prefix ends, int64 as
 * strings, transactions) and the decoding of etcd 3.4's answers and
 * errors.  tests/e2e/etcd_client.sh runs the client against a real
 * cluster.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "etcd.h"
#include "etcdmsg.h"
#include "unit.h"

static void url_ok(const char *text, size_t n, const char *first)
{
	struct etcd_url u;
	char err[256] = "";

	ck_assert_msg(etcd_url_parse(text, &u, err, sizeof(err)) == DP_OK,
	              "%s: %s", text, err);
	ck_assert_uint_eq(u.n, n);
	ck_assert_str_eq(u.members[0].text, first);
}

static void url_bad(const char *text, const char *why)
{
	struct etcd_url u;
	char err[256] = "";

	ck_assert_int_eq(etcd_url_parse(text, &u, err, sizeof(err)), DP_EINVAL);
	ck_assert_msg(strstr(err, why) != NULL, "%s: '%s' lacks '%s'", text,
	              err, why);
}

START_TEST(test_url)
{
	struct etcd_url u;
	char err[256];

	url_ok("etcd://127.0.0.1:2379", 1, "127.0.0.1:2379");
	url_ok("etcd://127.0.0.1:2379,127.0.0.2:2379,127.0.0.3:12379", 3,
	       "127.0.0.1:2379");
	url_ok("etcd://[::1]:2379,[2001:db8::1]:2379", 2, "[::1]:2379");
	url_ok("etcd://etcd-1.example.net:2379", 1, "etcd-1.example.net:2379");
	ck_assert_int_eq(
	        etcd_url_parse("etcd://[::1]:2379,a.b:1", &u, err, sizeof(err)),
	        DP_OK);
	ck_assert_str_eq(u.members[0].host, "::1");
	ck_assert_uint_eq(u.members[1].port, 1);

	url_bad("/var/lib/plans.db", "etcd://HOST:PORT");
	url_bad("http://127.0.0.1:2379", "etcd://HOST:PORT");
	url_bad("etcd://", "no member");
	url_bad("etcd://127.0.0.1", "port");
	url_bad("etcd://127.0.0.1:0", "port");
	url_bad("etcd://127.0.0.1:65536", "port");
	url_bad("etcd://host:12x", "port");
	url_bad("etcd://127.0.0.1:2379,", "member 2");
	url_bad("etcd://127.0.0.1:2379,,127.0.0.2:2379", "empty member");
	url_bad("etcd://127.0.0.1:2379/v3", "without a path");
	url_bad("etcd://a_b:2379", "not a host name");
	url_bad("etcd://-a:2379", "not a host name");
	url_bad("etcd://999.1.1.1:2379", "member 1");
	url_bad("etcd://127.0.0.1:2379,127.0.0.1:2379", "named twice");
	url_bad("etcd://a:1,b:1,c:1,d:1,e:1,f:1,g:1,h:1,i:1,j:1,k:1,l:1,m:1,"
	        "n:1,o:1,p:1,q:1",
	        "more than 16");
	ck_assert(etcd_url_is("etcd://x:1"));
	ck_assert(!etcd_url_is("plans.db"));
}
END_TEST

/* @obj as compact JSON, freed by the caller. */
static char *dumped(json_t *obj)
{
	size_t len;

	return etcdmsg_dump(obj, &len);
}

static void assert_body(json_t *obj, const char *want)
{
	char *got = dumped(obj);

	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_bodies)
{
	json_t *b;
	struct etcd_txn *t;

	etcdmsg_init();
	/* "/p/" is L3Av; its prefix end "/p0" is L3Aw. */
	b = json_object();
	etcdmsg_key(b, "/p/", true);
	json_object_set_new(b, "revision", etcdmsg_i64(-5));
	assert_body(b, "{\"key\":\"L3Av\",\"range_end\":\"L3Aw\","
	               "\"revision\":\"-5\"}");
	/* A trailing 0xff carries: "a\xff" ends at "b" (Yg==). */
	b = json_object();
	etcdmsg_key(b, "a\xff", true);
	assert_body(b, "{\"key\":\"Yf8=\",\"range_end\":\"Yg==\"}");
	/* Every key: "\0" to "\0". */
	b = json_object();
	etcdmsg_key(b, "", true);
	assert_body(b, "{\"key\":\"AA==\",\"range_end\":\"AA==\"}");

	t = etcd_txn_new();
	etcd_txn_cmp(t, "g", ETCD_MOD, ETCD_EQUAL, 9223372036854775807LL);
	etcd_txn_cmp(t, "p", ETCD_CREATE, ETCD_EQUAL, 0);
	etcd_txn_cmp_value(t, "v", ETCD_NOT_EQUAL, "x", 1);
	etcd_txn_put(t, true, "p", "ab", 2, 7);
	etcd_txn_delete(t, false, "d", false);
	ck_assert_uint_eq(etcd_txn_ops(t), 1);
	ck_assert_uint_eq(etcd_txn_bytes(t), 1 + 1 + 1 + 1 + 1 + 2 + 1);
	assert_body(etcdmsg_txn_body(t),
	            "{\"compare\":["
	            "{\"key\":\"Zw==\",\"target\":\"MOD\",\"result\":\"EQUAL\","
	            "\"mod_revision\":\"9223372036854775807\"},"
	            "{\"key\":\"cA==\",\"target\":\"CREATE\",\"result\":"
	            "\"EQUAL\",\"create_revision\":\"0\"},"
	            "{\"key\":\"dg==\",\"target\":\"VALUE\",\"result\":"
	            "\"NOT_EQUAL\",\"value\":\"eA==\"}],"
	            "\"success\":[{\"request_put\":{\"key\":\"cA==\","
	            "\"value\":\"YWI=\",\"lease\":\"7\"}}],"
	            "\"failure\":[{\"request_delete_range\":{\"key\":"
	            "\"ZA==\"}}]}");
}
END_TEST

/* Decode @text into a new response; its status in *@st. */
static struct etcd_resp *decoded(const char *text, dp_status *st)
{
	json_t *root = json_loads(text, 0, NULL);
	struct etcd_resp *res = etcdmsg_resp_new();

	ck_assert_ptr_nonnull(root);
	*st = etcdmsg_decode(root, res);
	json_decref(root);
	return res;
}

START_TEST(test_decode)
{
	struct etcd_resp *r;
	dp_status st;

	etcdmsg_init();
	/* A range answer as etcd 3.4's gateway writes it. */
	r = decoded("{\"header\":{\"cluster_id\":\"4255522411991190043\","
	            "\"member_id\":\"6924983345852901378\",\"revision\":\"2\","
	            "\"raft_term\":\"2\"},\"kvs\":[{\"key\":\"Zm9v\","
	            "\"create_revision\":\"2\",\"mod_revision\":\"2\","
	            "\"version\":\"1\",\"value\":\"AP9i\"}],\"count\":\"1\"}",
	            &st);
	ck_assert_int_eq(st, DP_OK);
	ck_assert_int_eq(r->revision, 2);
	ck_assert_uint_eq(r->member_id, 6924983345852901378ULL);
	ck_assert_uint_eq(r->n_kvs, 1);
	ck_assert_str_eq(r->kvs[0].key, "foo");
	ck_assert_uint_eq(r->kvs[0].value_len, 3);
	ck_assert_mem_eq(r->kvs[0].value,
	                 "\0\xff"
	                 "b",
	                 3);
	ck_assert_int_eq(r->kvs[0].mod_revision, 2);
	ck_assert_int_eq(r->count, 1);
	ck_assert(!r->succeeded);
	etcd_resp_free(r);

	/* A failed txn: "succeeded" left out, its range in responses. */
	r = decoded("{\"header\":{\"revision\":\"5\"},\"responses\":[{"
	            "\"response_range\":{\"header\":{\"revision\":\"5\"},"
	            "\"kvs\":[{\"key\":\"Zw==\",\"value\":\"Mg==\","
	            "\"mod_revision\":\"4\"}],\"count\":\"1\"}},"
	            "{\"response_delete_range\":{\"deleted\":\"3\"}}]}",
	            &st);
	ck_assert_int_eq(st, DP_OK);
	ck_assert(!r->succeeded);
	ck_assert_uint_eq(r->n_kvs, 1);
	ck_assert_str_eq(r->kvs[0].value, "2");
	ck_assert_int_eq(r->deleted, 3);
	etcd_resp_free(r);

	/* Status in camelCase; a watch event in "result". */
	r = decoded("{\"header\":{\"member_id\":\"7\"},\"version\":\"3.4.23\","
	            "\"dbSize\":\"20480\",\"leader\":\"1659429663279678321\","
	            "\"raftIndex\":\"10\",\"raftTerm\":\"2\"}",
	            &st);
	ck_assert_int_eq(st, DP_OK);
	ck_assert_str_eq(r->version, "3.4.23");
	ck_assert_int_eq(r->db_size, 20480);
	ck_assert_uint_eq(r->leader, 1659429663279678321ULL);
	ck_assert_uint_eq(r->raft_index, 10);
	ck_assert_uint_eq(r->raft_term, 2);
	etcd_resp_free(r);
	r = decoded("{\"result\":{\"header\":{\"revision\":\"9\"},\"events\":"
	            "[{\"kv\":{\"key\":\"YQ==\",\"mod_revision\":\"8\"}},"
	            "{\"type\":\"DELETE\",\"kv\":{\"key\":\"Yg==\","
	            "\"mod_revision\":\"9\"}}]}}",
	            &st);
	ck_assert_int_eq(st, DP_OK);
	ck_assert_uint_eq(r->n_events, 2);
	ck_assert(!r->events[0].deleted);
	ck_assert(r->events[1].deleted);
	ck_assert_str_eq(r->events[1].kv.key, "b");
	ck_assert_int_eq(r->events[1].kv.mod_revision, 9);
	etcd_resp_free(r);

	/* Not etcd's: a number that is not one, base64 that is not. */
	r = decoded("{\"header\":{\"revision\":\"2x\"}}", &st);
	ck_assert_int_eq(st, DP_EBADRESP);
	ck_assert(strstr(r->error, "revision") != NULL);
	etcd_resp_free(r);
	r = decoded("{\"kvs\":[{\"key\":\"Zm9\"}]}", &st);
	ck_assert_int_eq(st, DP_EBADRESP);
	etcd_resp_free(r);
	r = decoded("[1]", &st);
	ck_assert_int_eq(st, DP_EBADRESP);
	etcd_resp_free(r);
}
END_TEST

/* The status etcd's error @text gets, and how it may be retried. */
static void assert_error(const char *text, dp_status want,
                         enum etcdmsg_retry retry)
{
	json_t *root = text ? json_loads(text, 0, NULL) : NULL;
	enum etcdmsg_retry got;
	char msg[256];

	ck_assert_int_eq(etcdmsg_error(root, 503, msg, sizeof(msg), &got),
	                 want);
	ck_assert_int_eq(got, retry);
	json_decref(root);
}

START_TEST(test_errors)
{
	etcdmsg_init();
	assert_error("{\"error\":\"etcdserver: no leader\",\"code\":14}",
	             DP_ENOLEADER, ETCDMSG_NOLEADER);
	assert_error("{\"error\":{\"grpc_code\":14,\"message\":\"etcdserver: "
	             "no leader\"}}",
	             DP_ENOLEADER, ETCDMSG_NOLEADER);
	assert_error("{\"error\":\"etcdserver: request timed out\","
	             "\"code\":14}",
	             DP_ETIMEDOUT, ETCDMSG_UNSURE);
	assert_error("{\"error\":\"etcdserver: request is too large\","
	             "\"code\":3}",
	             DP_ETOOLARGE, ETCDMSG_FINAL);
	assert_error("{\"error\":\"grpc: received message larger than max\","
	             "\"code\":8}",
	             DP_ETOOLARGE, ETCDMSG_FINAL);
	assert_error("{\"error\":\"etcdserver: too many operations in txn "
	             "request\",\"code\":3}",
	             DP_ETOOLARGE, ETCDMSG_FINAL);
	assert_error("{\"error\":\"etcdserver: mvcc: required revision has "
	             "been compacted\",\"code\":11}",
	             DP_ECOMPACTED, ETCDMSG_FINAL);
	assert_error("{\"error\":\"etcdserver: mvcc: required revision is a "
	             "future revision\",\"code\":11}",
	             DP_EINVAL, ETCDMSG_FINAL);
	assert_error("{\"error\":\"etcdserver: requested lease not found\","
	             "\"code\":5}",
	             DP_ENOENT, ETCDMSG_FINAL);
	assert_error(NULL, DP_EBADRESP, ETCDMSG_FINAL);
	assert_error("{\"other\":1}", DP_EBADRESP, ETCDMSG_FINAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("etcd");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_url);
	tcase_add_test(tc, test_bodies);
	tcase_add_test(tc, test_decode);
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
