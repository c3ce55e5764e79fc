/*
 * planstore_etcd.c - the plan store on an etcd v3 cluster.
 *
 * Every call is one or a few synchronous requests on the handle's own
 * etcd_sync (a private libuv loop), made in the caller's thread.  Every
 * write is a transaction whose compares are the revisions of what the
 * writer read, so no correctness rests on a lock or a lease: a writer
 * that was paused, or raced, finds its compares failed and reads again.
 * A plan is written whole in one transaction (the generation counter,
 * the plan's meta and its chunks), so it is there whole or not at all,
 * and its reader checks that it is the plan that was written (revisions,
 * chunk count and bytes, SHA-256) before it believes a byte of it.
 * docs/DESIGN.md, "The plan store's guarantees on etcd", has the keys.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "etcd.h"
#include "planstore_etcd.h"
#include "xalloc.h"

/* Chunks hold whole endpoints, this many bytes or fewer where they can. */
#define PSE_CHUNK 65536
/* etcd's defaults: --max-request-bytes and --max-txn-ops. */
#define PSE_MAX_REQUEST 1572864
#define PSE_MAX_OPS     128
/* What a transaction carries besides its keys and values. */
#define PSE_REQUEST_SLACK 4096
/* The enactors' liveness leases, in seconds. */
#define PSE_LEASE_TTL 10
/* How often a write whose compares failed is read and tried again. */
#define PSE_TRIES 200

struct planstore_etcd {
	struct etcd_sync *sync;
	char *url;
	int64_t store_rev;   /* the "store" key's create_revision */
	int64_t lease;       /* this handle's liveness lease, 0: none */
	char lease_id[64];   /* the enactor it keeps alive */
	struct plan *cached; /* the last whole plan read for an endpoint */
	int64_t cached_rev;  /* its meta's create_revision */
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * After the @try'th failed compare: wait a little, more each time and
 * at random, so that writers racing for the counter take turns.
 */
static void backoff(int try)
{
	static _Thread_local unsigned seed;
	if (seed == 0)
		seed = (unsigned)getpid() ^ (unsigned)now_ms();
	int cap = try < 10 ? 1 <<
	try:
		1024;
	usleep((useconds_t)(200 + rand_r(&seed) % (cap * 100)));
}

/* ---- requests ---- */

/*
 * Wait for the request started on @e's client; on failure @err names the
 * store, @what was being done, and etcd's or the client's words (the
 * member, "no leader", "unreachable").  DP_ECOMPARE is left to the
 * caller.  A write that timed out may yet be applied: every write here
 * first reads what its transaction compares, so it is read back before
 * the next write, and a transaction that raced it fails its compares.
 */
static dp_status wait_for(struct planstore_etcd *e, const char *what,
                          bool write, struct etcd_resp **res, char *err,
                          size_t errlen)
{
	dp_status st = etcd_sync_wait(e->sync, res);
	if (st == DP_OK || st == DP_ECOMPARE)
		return st;
	const char *why = *res != NULL && (*res)->error[0] ? (*res)->error
	                                                   : dp_strerror(st);
	if (st == DP_ETIMEDOUT && write) {
		snprintf(err, errlen,
		         "%s: %s: %s (%s; outcome unknown: the next write "
		         "reads the store first)",
		         e->url, what, dp_strerror(st), why);
	} else {
		snprintf(err, errlen, "%s: %s: %s (%s)", e->url, what,
		         dp_strerror(st), why);
	}
	return st;
}

/* A key of the store: PSE_PREFIX, then printf(@fmt, ...). */
#define key_of(...) xasprintf(PSE_PREFIX __VA_ARGS__)

static char *plan_key(uint64_t g, const char *what)
{
	return key_of("plan/%020" PRIu64 "/%s", g, what);
}

/* Read one key: *@kv is NULL when it is absent. */
static dp_status get_key(struct planstore_etcd *e, const char *key,
                         const char *what, struct etcd_kv **kv,
                         struct etcd_resp **res, char *err, size_t errlen)
{
	etcd_range(etcd_sync_client(e->sync), key, NULL, etcd_sync_cb, e->sync);
	dp_status st = wait_for(e, what, false, res, err, errlen);
	*kv = st == DP_OK && (*res)->n_kvs > 0 ? &(*res)->kvs[0] : NULL;
	return st;
}

/* Read every key under @key (a prefix), keys only with @keys_only. */
static dp_status get_prefix(struct planstore_etcd *e, const char *key,
                            bool keys_only, const char *what,
                            struct etcd_resp **res, char *err, size_t errlen)
{
	struct etcd_range_opts o = {.prefix = true, .keys_only = keys_only};
	etcd_range(etcd_sync_client(e->sync), key, &o, etcd_sync_cb, e->sync);
	return wait_for(e, what, false, res, err, errlen);
}

/* Send @t (taken); DP_ECOMPARE when its compares failed. */
static dp_status send_txn(struct planstore_etcd *e, struct etcd_txn *t,
                          const char *what, struct etcd_resp **res, char *err,
                          size_t errlen)
{
	etcd_txn(etcd_sync_client(e->sync), t, etcd_sync_cb, e->sync);
	return wait_for(e, what, true, res, err, errlen);
}

/* Put @obj (taken) as compact JSON into @t's success branch. */
static void txn_put_json(struct etcd_txn *t, const char *key, json_t *obj,
                         int64_t lease)
{
	char *text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	etcd_txn_put(t, true, key, text, strlen(text), lease);
	free(text);
}

/* @kv's value as a JSON object, or NULL (with @err) if it is not one. */
static json_t *kv_json(const struct planstore_etcd *e, const struct etcd_kv *kv,
                       char *err, size_t errlen)
{
	json_error_t je;
	json_t *o = json_loadb(kv->value, kv->value_len, 0, &je);
	if (o == NULL || !json_is_object(o)) {
		json_decref(o);
		snprintf(err, errlen, "%s: key %s: not a JSON object (%s)",
		         e->url, kv->key, je.text);
		return NULL;
	}
	return o;
}

static int64_t j_int(const json_t *o, const char *name)
{
	return json_integer_value(json_object_get(o, name));
}

static void j_str(const json_t *o, const char *name, char *buf, size_t len)
{
	const char *s = json_string_value(json_object_get(o, name));
	snprintf(buf, len, "%s", s ? s : "");
}

/* The number after @prefix in @kv's key (a generation). */
static uint64_t key_number(const struct etcd_kv *kv, const char *prefix)
{
	size_t n = strlen(prefix);
	if (kv->key_len <= n || strncmp(kv->key, prefix, n) != 0)
		return 0;
	return strtoull(kv->key + n, NULL, 10);
}

/* ---- opening ---- */

dp_status pse_open(const char *url, bool create, struct planstore_etcd **out,
                   char *err, size_t errlen)
{
	struct planstore_etcd *e = xcalloc(1, sizeof(*e));
	struct etcd_resp *res;
	struct etcd_kv *kv;
	char *key = key_of("store");
	dp_status st = etcd_sync_new(url, NULL, &e->sync, err, errlen);
	e->url = xstrdup(url);
	for (int i = 0; st == DP_OK && i < PSE_TRIES; i++) {
		st = get_key(e, key, "cannot read the store's key", &kv, &res,
		             err, errlen);
		if (st != DP_OK)
			break;
		if (kv != NULL) {
			e->store_rev = kv->create_revision;
			break;
		}
		if (!create) {
			snprintf(err, errlen,
			         "%s: no plan store there (no key %s); the "
			         "planner creates it: is --store right?",
			         url, key);
			st = DP_ENOENT;
			break;
		}
		struct etcd_txn *t = etcd_txn_new();
		etcd_txn_cmp(t, key, ETCD_CREATE, ETCD_EQUAL, 0);
		txn_put_json(t, key,
		             json_pack("{s:s, s:I}", "region", "", "created_ms",
		                       (json_int_t)now_ms()),
		             0);
		st = send_txn(e, t, "cannot create the store", &res, err,
		              errlen);
		if (st == DP_ECOMPARE)
			st = DP_OK; /* someone else made it: read it */
	}
	free(key);
	if (st == DP_OK && e->store_rev == 0) {
		snprintf(err, errlen, "%s: the store's key keeps changing",
		         url);
		st = DP_ECOMPARE;
	}
	if (st != DP_OK) {
		pse_close(e);
		return st;
	}
	*out = e;
	return DP_OK;
}

void pse_close(struct planstore_etcd *e)
{
	if (e == NULL)
		return;
	if (e->lease != 0) {
		etcd_lease_revoke(etcd_sync_client(e->sync), e->lease,
		                  etcd_sync_cb, e->sync);
		struct etcd_resp *res;
		etcd_sync_wait(e->sync, &res);
	}
	etcd_sync_free(e->sync);
	planstore_plan_free(e->cached);
	free(e->url);
	free(e);
}

const char *pse_url(const struct planstore_etcd *e)
{
	return e->url;
}

/* ---- region ---- */

/* The "store" key's JSON and revisions; NULL with @err on failure. */
static json_t *read_store(struct planstore_etcd *e, int64_t *mod, dp_status *st,
                          char *err, size_t errlen)
{
	struct etcd_resp *res;
	struct etcd_kv *kv;
	char *key = key_of("store");
	*st = get_key(e, key, "cannot read the store's key", &kv, &res, err,
	              errlen);
	json_t *o = NULL;
	if (*st == DP_OK &&
	    (kv == NULL || kv->create_revision != e->store_rev)) {
		snprintf(err, errlen,
		         "%s: key %s was deleted or made again since this "
		         "store was opened: refusing a store that is not the "
		         "one opened",
		         e->url, key);
		*st = DP_EFOREIGN;
	} else if (*st == DP_OK) {
		*mod = kv->mod_revision;
		if ((o = kv_json(e, kv, err, errlen)) == NULL)
			*st = DP_EPARSE;
	}
	free(key);
	return o;
}

dp_status pse_region(struct planstore_etcd *e, char *buf, size_t buflen,
                     char *err, size_t errlen)
{
	int64_t mod;
	dp_status st;
	json_t *o = read_store(e, &mod, &st, err, errlen);
	if (o != NULL)
		j_str(o, "region", buf, buflen);
	json_decref(o);
	return st;
}

dp_status pse_bind_region(struct planstore_etcd *e, const char *region,
                          char *err, size_t errlen)
{
	for (int i = 0; i < PSE_TRIES; i++) {
		int64_t mod;
		dp_status st;
		char have[256];
		json_t *o = read_store(e, &mod, &st, err, errlen);
		if (o == NULL)
			return st;
		j_str(o, "region", have, sizeof(have));
		if (have[0] != '\0') {
			json_decref(o);
			if (strcmp(have, region) == 0)
				return DP_OK;
			snprintf(err, errlen,
			         "%s: the plan store belongs to region '%s', "
			         "not '%s'; refusing to use it",
			         e->url, have, region);
			return DP_EFOREIGN;
		}
		json_object_set_new(o, "region", json_string(region));
		char *key = key_of("store");
		struct etcd_txn *t = etcd_txn_new();
		struct etcd_resp *res;
		etcd_txn_cmp(t, key, ETCD_MOD, ETCD_EQUAL, mod);
		txn_put_json(t, key, o, 0);
		free(key);
		st = send_txn(e, t, "cannot bind the region", &res, err,
		              errlen);
		if (st != DP_ECOMPARE)
			return st;
	}
	snprintf(err, errlen, "%s: the store's key keeps changing", e->url);
	return DP_ECOMPARE;
}

/* ---- the generation counter ---- */

/* The counter's value and mod_revision (0 and 0 when absent). */
static dp_status read_gen(struct planstore_etcd *e, uint64_t *value,
                          int64_t *mod, char *err, size_t errlen)
{
	struct etcd_resp *res;
	struct etcd_kv *kv;
	char *key = key_of("gen");
	dp_status st = get_key(e, key, "cannot read the generation counter",
	                       &kv, &res, err, errlen);
	*value = 0;
	*mod = 0;
	if (st == DP_OK && kv != NULL) {
		char *end;
		*value = strtoull(kv->value, &end, 10);
		*mod = kv->mod_revision;
		if (kv->value_len == 0 || *end != '\0') {
			snprintf(err, errlen,
			         "%s: key %s: '%s' is not a number", e->url,
			         key, kv->value);
			st = DP_EPARSE;
		}
	}
	free(key);
	return st;
}

/* Put the counter @value in @t, if its mod_revision is still @mod. */
static void txn_gen(struct etcd_txn *t, uint64_t value, int64_t mod)
{
	char *key = key_of("gen");
	char text[24];
	int n = snprintf(text, sizeof(text), "%" PRIu64, value);
	etcd_txn_cmp(t, key, ETCD_MOD, ETCD_EQUAL, mod);
	etcd_txn_put(t, true, key, text, (size_t)n, 0);
	free(key);
}

/* Compare that the store is still the one opened. */
static void txn_store(struct planstore_etcd *e, struct etcd_txn *t)
{
	char *key = key_of("store");
	etcd_txn_cmp(t, key, ETCD_CREATE, ETCD_EQUAL, e->store_rev);
	free(key);
}

dp_status pse_issued(struct planstore_etcd *e, uint64_t *generation, char *err,
                     size_t errlen)
{
	int64_t mod;
	return read_gen(e, generation, &mod, err, errlen);
}

dp_status pse_raise(struct planstore_etcd *e, uint64_t above, uint64_t *was,
                    char *err, size_t errlen)
{
	for (int i = 0; i < PSE_TRIES; i++) {
		int64_t mod;
		dp_status st = read_gen(e, was, &mod, err, errlen);
		if (st != DP_OK || *was >= above)
			return st;
		struct etcd_txn *t = etcd_txn_new();
		struct etcd_resp *res;
		txn_store(e, t);
		txn_gen(t, above, mod);
		st = send_txn(e, t, "cannot raise the generation counter", &res,
		              err, errlen);
		if (st != DP_ECOMPARE)
			return st;
	}
	snprintf(err, errlen, "%s: the generation counter keeps changing",
	         e->url);
	return DP_ECOMPARE;
}

/* ---- plans: the encoding ---- */

/*
 * Per endpoint: its name's length (one byte) and name, its number of
 * addresses (four bytes), then per address the family (4 or 6), the
 * address's 4 or 16 bytes and the weight (two bytes).  Big-endian.
 */
struct enc {
	unsigned char *data;
	size_t len, cap;
	size_t *cuts; /* chunk i is data[cuts[i] .. cuts[i + 1]) */
	size_t ncuts;
};

static unsigned char *enc_room(struct enc *b, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->data = xrealloc(b->data, b->cap);
	}
	unsigned char *p = b->data + b->len;
	b->len += n;
	return p;
}

static void plan_encode(const struct plan *p, struct enc *b)
{
	size_t start = 0;
	memset(b, 0, sizeof(*b));
	b->cuts = xcalloc(p->nendpoints + 2, sizeof(*b->cuts));
	for (size_t i = 0; i < p->nendpoints; i++) {
		const struct plan_endpoint *ep = &p->endpoints[i];
		size_t here = b->len, nlen = strlen(ep->name);
		unsigned char *q = enc_room(b, 1 + nlen + 4);
		q[0] = (unsigned char)nlen;
		memcpy(q + 1, ep->name, nlen);
		q += 1 + nlen;
		uint32_t n = (uint32_t)ep->naddrs;
		q[0] = (unsigned char)(n >> 24),
		q[1] = (unsigned char)(n >> 16);
		q[2] = (unsigned char)(n >> 8), q[3] = (unsigned char)n;
		for (size_t j = 0; j < ep->naddrs; j++) {
			const struct plan_addr *a = &ep->addrs[j];
			bool v6 = strchr(a->address, ':') != NULL;
			q = enc_room(b, v6 ? 19 : 7);
			q[0] = v6 ? 6 : 4;
			inet_pton(v6 ? AF_INET6 : AF_INET, a->address, q + 1);
			q += v6 ? 17 : 5;
			q[0] = (unsigned char)(a->weight >> 8);
			q[1] = (unsigned char)a->weight;
		}
		if (b->len - start > PSE_CHUNK && here > start) {
			b->cuts[++b->ncuts] = here;
			start = here;
		}
	}
	if (b->len > start || b->ncuts == 0)
		b->cuts[++b->ncuts] = b->len;
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Decode @len bytes of @d into @p's endpoints: -1 if they are not a plan. */
static int plan_decode(const unsigned char *d, size_t len, struct plan *p)
{
	size_t off = 0;
	while (off < len) {
		char name[256];
		size_t nlen = d[off];
		if (off + 1 + nlen + 4 > len)
			return -1;
		memcpy(name, d + off + 1, nlen);
		name[nlen] = '\0';
		off += 1 + nlen;
		uint32_t n = (uint32_t)d[off] << 24 |
		             (uint32_t)d[off + 1] << 16 |
		             (uint32_t)d[off + 2] << 8 | d[off + 3];
		off += 4;
		struct plan_endpoint *ep = planstore_plan_add_endpoint(p, name);
		for (uint32_t j = 0; j < n; j++) {
			if (off >= len || (d[off] != 4 && d[off] != 6))
				return -1;
			bool v6 = d[off] == 6;
			size_t alen = v6 ? 16 : 4;
			if (off + 1 + alen + 2 > len)
				return -1;
			char text[PLAN_ADDRLEN];
			inet_ntop(v6 ? AF_INET6 : AF_INET, d + off + 1, text,
			          sizeof(text));
			uint32_t w = (uint32_t)d[off + 1 + alen] << 8 |
			             d[off + 2 + alen];
			planstore_endpoint_add_addr(ep, text, w);
			off += 1 + alen + 2;
		}
	}
	return 0;
}

/* ---- plans: writing ---- */

static bool is_meta(const struct etcd_kv *kv)
{
	return kv->key_len > 5 &&
	       strcmp(kv->key + kv->key_len - 5, "/meta") == 0;
}

/* The newest plan's meta: *@kv NULL when there is no plan. */
static dp_status newest_meta(struct planstore_etcd *e, struct etcd_kv **kv,
                             struct etcd_resp **res, char *err, size_t errlen)
{
	char *key = key_of("plan/");
	/* The greatest key under plan/ is the newest plan's meta: "meta"
	 * sorts after the chunks' digits. */
	struct etcd_range_opts o = {
	        .prefix = true, .limit = 1, .descend = true};
	etcd_range(etcd_sync_client(e->sync), key, &o, etcd_sync_cb, e->sync);
	dp_status st = wait_for(e, "cannot read the newest plan", false, res,
	                        err, errlen);
	*kv = NULL;
	if (st == DP_OK && (*res)->n_kvs > 0 && !is_meta(&(*res)->kvs[0])) {
		/* A key no plan's transaction wrote (by hand): the newest
		 * plan is the greatest meta below it. */
		st = get_prefix(e, key, true, "cannot read the newest plan",
		                res, err, errlen);
		char *meta = NULL;
		for (size_t i = 0; st == DP_OK && i < (*res)->n_kvs; i++)
			if (is_meta(&(*res)->kvs[i])) {
				free(meta);
				meta = xstrdup((*res)->kvs[i].key);
			}
		if (st == DP_OK && meta != NULL)
			st = get_key(e, meta, "cannot read the newest plan", kv,
			             res, err, errlen);
		free(meta);
	} else if (st == DP_OK && (*res)->n_kvs > 0) {
		*kv = &(*res)->kvs[0];
	}
	free(key);
	return st;
}

/* The transaction of one try of pse_write_plan(); NULL if over a limit. */
static struct etcd_txn *write_txn(struct planstore_etcd *e,
                                  const struct plan *plan, const struct enc *b,
                                  const char *writer, uint64_t gen,
                                  int64_t gen_mod, const struct etcd_kv *newest,
                                  char *err, size_t errlen)
{
	struct etcd_txn *t = etcd_txn_new();
	char sha[65], *meta = plan_key(gen, "meta");
	sha256_hex(b->data, b->len, sha);
	txn_store(e, t);
	txn_gen(t, gen, gen_mod);
	etcd_txn_cmp(t, meta, ETCD_CREATE, ETCD_EQUAL, 0);
	if (newest != NULL)
		etcd_txn_cmp(t, newest->key, ETCD_CREATE, ETCD_EQUAL,
		             newest->create_revision);
	txn_put_json(t, meta,
	             json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:s}",
	                       "created_ms", (json_int_t)now_ms(), "writer",
	                       writer ? writer : "", "reason",
	                       plan->reason ? plan->reason : "", "endpoints",
	                       (json_int_t)plan->nendpoints, "addresses",
	                       (json_int_t)planstore_plan_naddrs(plan),
	                       "chunks", (json_int_t)b->ncuts, "bytes",
	                       (json_int_t)b->len, "sha256", sha),
	             0);
	free(meta);
	for (size_t i = 0; i < b->ncuts; i++) {
		char name[24];
		snprintf(name, sizeof(name), "%06zu", i);
		char *key = plan_key(gen, name);
		etcd_txn_put(t, true, key, b->data + b->cuts[i],
		             b->cuts[i + 1] - b->cuts[i], 0);
		free(key);
	}
	size_t bytes = etcd_txn_bytes(t), ops = etcd_txn_ops(t);
	if (bytes + PSE_REQUEST_SLACK > PSE_MAX_REQUEST || ops > PSE_MAX_OPS) {
		snprintf(err, errlen,
		         "%s: plan %" PRIu64 " is %zu bytes of %zu addresses "
		         "in %zu keys: a transaction of %zu bytes and %zu "
		         "operations, over etcd's limits of %d bytes "
		         "(--max-request-bytes) and %d operations "
		         "(--max-txn-ops); not sent",
		         e->url, gen, b->len, planstore_plan_naddrs(plan),
		         b->ncuts + 1, bytes, ops,
		         PSE_MAX_REQUEST - PSE_REQUEST_SLACK, PSE_MAX_OPS);
		etcd_txn_free(t);
		return NULL;
	}
	return t;
}

dp_status pse_write_plan(struct planstore_etcd *e, const struct plan *plan,
                         uint64_t base, const char *writer,
                         uint64_t *generation, char *err, size_t errlen)
{
	dp_status st = planstore_validate(plan, err, errlen);
	if (st != DP_OK)
		return st;
	struct enc b;
	plan_encode(plan, &b);
	/* Every try reads the counter and the newest plan it compares: a
	 * write that timed out before is read back here, whole or not at
	 * all, before anything else is written. */
	for (int i = 0; i < PSE_TRIES; i++) {
		uint64_t gen;
		int64_t gen_mod;
		struct etcd_resp *res;
		struct etcd_kv *newest;
		if ((st = read_gen(e, &gen, &gen_mod, err, errlen)) != DP_OK)
			break;
		if ((st = newest_meta(e, &newest, &res, err, errlen)) != DP_OK)
			break;
		uint64_t have =
		        newest ? key_number(newest, PSE_PREFIX "plan/") : 0;
		if (base != PLANSTORE_ANY_BASE && have != base) {
			snprintf(err, errlen,
			         "%s: plan %" PRIu64 " is the newest now, not "
			         "%" PRIu64,
			         e->url, have, base);
			st = DP_EEXIST;
			break;
		}
		struct etcd_txn *t = write_txn(e, plan, &b, writer, gen + 1,
		                               gen_mod, newest, err, errlen);
		if (t == NULL) {
			st = DP_ETOOLARGE;
			break;
		}
		st = send_txn(e, t, "cannot write the plan", &res, err, errlen);
		if (st == DP_OK)
			*generation = gen + 1;
		if (st != DP_ECOMPARE)
			break;
		snprintf(err, errlen,
		         "%s: the generation counter or the newest plan "
		         "keeps changing",
		         e->url);
		backoff(i);
	}
	free(b.data);
	free(b.cuts);
	return st;
}

/* ---- plans: reading ---- */

/* Check plan @g's keys in @res against its meta and decode them. */
static dp_status read_checked(struct planstore_etcd *e, uint64_t g,
                              const struct etcd_resp *res, struct plan *p,
                              char *err, size_t errlen)
{
	const struct etcd_kv *meta = &res->kvs[res->n_kvs - 1];
	json_t *o = kv_json(e, meta, err, errlen);
	if (o == NULL)
		return DP_EPARSE;
	size_t chunks = (size_t)j_int(o, "chunks");
	size_t bytes = (size_t)j_int(o, "bytes");
	char sha[65], want[65];
	j_str(o, "sha256", want, sizeof(want));
	p->generation = g;
	p->created_ms = j_int(o, "created_ms");
	p->writer =
	        xstrdup(json_string_value(json_object_get(o, "writer")) ?: "");
	p->reason =
	        xstrdup(json_string_value(json_object_get(o, "reason")) ?: "");
	size_t neps = (size_t)j_int(o, "endpoints");
	size_t naddrs = (size_t)j_int(o, "addresses");
	json_decref(o);
	const char *why = NULL;
	size_t have = 0;
	for (size_t i = 0; i + 1 < res->n_kvs; i++) {
		const struct etcd_kv *kv = &res->kvs[i];
		if (kv->mod_revision != meta->create_revision ||
		    kv->create_revision != meta->create_revision) {
			snprintf(err, errlen,
			         "%s: plan %" PRIu64 ": key %s was written at "
			         "revision %" PRId64
			         ", not with the plan (%" PRId64
			         "): refusing a plan changed after it was "
			         "written",
			         e->url, g, kv->key, kv->mod_revision,
			         meta->create_revision);
			return DP_EPARSE;
		}
		have += kv->value_len;
	}
	if (meta->mod_revision != meta->create_revision)
		why = "its meta was written over";
	else if (res->n_kvs - 1 != chunks)
		why = "another number of chunks than its meta says";
	else if (have != bytes)
		why = "another number of bytes than its meta says";
	unsigned char *data = xmalloc(have + 1);
	size_t off = 0;
	for (size_t i = 0; why == NULL && i + 1 < res->n_kvs; i++) {
		memcpy(data + off, res->kvs[i].value, res->kvs[i].value_len);
		off += res->kvs[i].value_len;
	}
	if (why == NULL) {
		sha256_hex(data, have, sha);
		if (strcmp(sha, want) != 0)
			why = "its SHA-256 is not its meta's";
	}
	if (why == NULL && plan_decode(data, have, p) != 0)
		why = "its chunks are not an encoded plan";
	free(data);
	if (why == NULL &&
	    (p->nendpoints != neps || planstore_plan_naddrs(p) != naddrs))
		why = "another number of endpoints or addresses than its meta "
		      "says";
	if (why != NULL) {
		snprintf(err, errlen, "%s: plan %" PRIu64 " (key %s): %s",
		         e->url, g, meta->key, why);
		return DP_EPARSE;
	}
	char verr[512];
	if (planstore_validate(p, verr, sizeof(verr)) != DP_OK) {
		snprintf(err, errlen, "%s: plan %" PRIu64 ": %s", e->url, g,
		         verr);
		return DP_EPARSE;
	}
	return DP_OK;
}

/* Read plan @g whole into *@out; *@meta_rev: its meta's create_revision. */
static dp_status read_whole(struct planstore_etcd *e, uint64_t g,
                            struct plan **out, int64_t *meta_rev, char *err,
                            size_t errlen)
{
	struct etcd_resp *res;
	char *prefix = key_of("plan/%020" PRIu64 "/", g);
	dp_status st = get_prefix(e, prefix, false, "cannot read a plan", &res,
	                          err, errlen);
	free(prefix);
	if (st != DP_OK)
		return st;
	const struct etcd_kv *last =
	        res->n_kvs > 0 ? &res->kvs[res->n_kvs - 1] : NULL;
	if (last == NULL || !is_meta(last)) {
		snprintf(err, errlen, "%s: no plan %" PRIu64, e->url, g);
		return DP_ENOENT;
	}
	struct plan *p = planstore_plan_new();
	st = read_checked(e, g, res, p, err, errlen);
	if (st != DP_OK) {
		planstore_plan_free(p);
		return st;
	}
	*meta_rev = last->create_revision;
	*out = p;
	return DP_OK;
}

/* A plan's meta @kv: its create_revision and created_ms (NULL: 0, 0). */
static dp_status meta_stamp(const struct planstore_etcd *e,
                            const struct etcd_kv *kv, int64_t *rev,
                            int64_t *created_ms, char *err, size_t errlen)
{
	*rev = 0;
	*created_ms = 0;
	if (kv == NULL)
		return DP_OK;
	json_t *o = kv_json(e, kv, err, errlen);
	if (o == NULL)
		return DP_EPARSE;
	*rev = kv->create_revision;
	*created_ms = j_int(o, "created_ms");
	json_decref(o);
	return DP_OK;
}

/* Plan @g's meta: its create_revision and created_ms (0: no plan). */
static dp_status read_meta(struct planstore_etcd *e, uint64_t g, int64_t *rev,
                           int64_t *created_ms, char *err, size_t errlen)
{
	struct etcd_resp *res;
	struct etcd_kv *kv;
	char *key = plan_key(g, "meta");
	dp_status st =
	        get_key(e, key, "cannot read a plan", &kv, &res, err, errlen);
	free(key);
	*rev = 0;
	*created_ms = 0;
	return st == DP_OK ? meta_stamp(e, kv, rev, created_ms, err, errlen)
	                   : st;
}

/* read_meta() for a plan that must exist: DP_ENOENT, said, if not. */
static dp_status read_existing_meta(struct planstore_etcd *e, uint64_t g,
                                    int64_t *rev, int64_t *created_ms,
                                    char *err, size_t errlen)
{
	dp_status st = read_meta(e, g, rev, created_ms, err, errlen);
	if (st == DP_OK && *rev == 0) {
		snprintf(err, errlen, "%s: no plan %" PRIu64, e->url, g);
		st = DP_ENOENT;
	}
	return st;
}

/*
 * Endpoint @name of plan @g: the plan is read whole once and kept; a
 * plan never changes, so the next endpoint of it reads only its meta,
 * to learn that it still exists and is still the plan kept.
 */
static dp_status read_endpoint(struct planstore_etcd *e, uint64_t g,
                               const char *name, struct plan **out, char *err,
                               size_t errlen)
{
	int64_t rev, created;
	dp_status st = read_existing_meta(e, g, &rev, &created, err, errlen);
	if (st != DP_OK)
		return st;
	if (e->cached == NULL || e->cached->generation != g ||
	    e->cached_rev != rev) {
		planstore_plan_free(e->cached);
		e->cached = NULL;
		if ((st = read_whole(e, g, &e->cached, &e->cached_rev, err,
		                     errlen)) != DP_OK)
			return st;
	}
	const struct plan *c = e->cached;
	const struct plan_endpoint *ep = planstore_plan_endpoint(c, name);
	if (ep == NULL) {
		snprintf(err, errlen, "%s: plan %" PRIu64 " has no endpoint %s",
		         e->url, g, name);
		return DP_ENOENT;
	}
	struct plan *p = planstore_plan_new();
	p->generation = c->generation;
	p->created_ms = c->created_ms;
	p->writer = xstrdup(c->writer);
	p->reason = xstrdup(c->reason);
	struct plan_endpoint *to = planstore_plan_add_endpoint(p, ep->name);
	for (size_t i = 0; i < ep->naddrs; i++)
		planstore_endpoint_add_addr(to, ep->addrs[i].address,
		                            ep->addrs[i].weight);
	*out = p;
	return DP_OK;
}

dp_status pse_get_plan(struct planstore_etcd *e, uint64_t generation,
                       const char *only, struct plan **out, char *err,
                       size_t errlen)
{
	int64_t rev;
	if (only != NULL)
		return read_endpoint(e, generation, only, out, err, errlen);
	return read_whole(e, generation, out, &rev, err, errlen);
}

dp_status pse_newest_stamp(struct planstore_etcd *e, uint64_t *generation,
                           int64_t *created_ms, char *err, size_t errlen)
{
	struct etcd_resp *res;
	struct etcd_kv *kv;
	int64_t rev;
	dp_status st = newest_meta(e, &kv, &res, err, errlen);
	*generation = 0;
	*created_ms = 0;
	if (st != DP_OK)
		return st;
	if (kv != NULL)
		*generation = key_number(kv, PSE_PREFIX "plan/");
	return meta_stamp(e, kv, &rev, created_ms, err, errlen);
}

/* ---- retired plans (reported by the enactors) ---- */

struct retired_row {
	uint64_t generation;
	int64_t created_ms; /* -1: any plan of that number */
	int64_t at_ms;
	char by[80];
	char reason[256];
	char *key;
};

struct retired_rows {
	struct retired_row *v;
	size_t n;
};

static void retired_free(struct retired_rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].key);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/* Every retired/G/ID key: the plans the enactors retired. */
static dp_status retired_list(struct planstore_etcd *e, struct retired_rows *r,
                              char *err, size_t errlen)
{
	struct etcd_resp *res;
	char *prefix = key_of("retired/");
	dp_status st = get_prefix(e, prefix, false,
	                          "cannot read the retired "
	                          "plans",
	                          &res, err, errlen);
	*r = (struct retired_rows){0};
	for (size_t i = 0; st == DP_OK && i < res->n_kvs; i++) {
		const struct etcd_kv *kv = &res->kvs[i];
		json_t *o = kv_json(e, kv, err, errlen);
		if (o == NULL) {
			st = DP_EPARSE;
			break;
		}
		r->v = xrealloc(r->v, (r->n + 1) * sizeof(*r->v));
		struct retired_row *w = &r->v[r->n++];
		memset(w, 0, sizeof(*w));
		w->generation = key_number(kv, prefix);
		w->created_ms = j_int(o, "created_ms");
		w->at_ms = j_int(o, "at_ms");
		const char *slash = strrchr(kv->key, '/');
		snprintf(w->by, sizeof(w->by), "enactor %s", slash + 1);
		j_str(o, "reason", w->reason, sizeof(w->reason));
		w->key = xstrdup(kv->key);
		json_decref(o);
	}
	free(prefix);
	if (st != DP_OK)
		retired_free(r);
	return st;
}

static bool is_retired(const struct retired_rows *r, uint64_t generation,
                       int64_t created_ms)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].generation == generation &&
		    (r->v[i].created_ms < 0 ||
		     r->v[i].created_ms == created_ms))
			return true;
	return false;
}

dp_status pse_list(struct planstore_etcd *e, struct planstore_info **out,
                   size_t *n, char *err, size_t errlen)
{
	struct etcd_resp *res;
	struct retired_rows ret;
	char *prefix = key_of("plan/");
	dp_status st = get_prefix(e, prefix, true, "cannot list the plans",
	                          &res, err, errlen);
	size_t nmeta = 0;
	char **metas = NULL;
	for (size_t i = 0; st == DP_OK && i < res->n_kvs; i++) {
		const struct etcd_kv *kv = &res->kvs[i];
		if (is_meta(kv)) {
			metas = xrealloc(metas, (nmeta + 1) * sizeof(*metas));
			metas[nmeta++] = xstrdup(kv->key);
		}
	}
	free(prefix);
	if (st == DP_OK)
		st = retired_list(e, &ret, err, errlen);
	else
		ret = (struct retired_rows){0};
	struct planstore_info *v = xcalloc(nmeta + 1, sizeof(*v));
	size_t count = 0;
	for (size_t i = 0; st == DP_OK && i < nmeta; i++) {
		struct etcd_kv *kv;
		st = get_key(e, metas[i], "cannot list the plans", &kv, &res,
		             err, errlen);
		if (st != DP_OK || kv == NULL)
			continue; /* deleted since the listing */
		json_t *o = kv_json(e, kv, err, errlen);
		if (o == NULL) {
			st = DP_EPARSE;
			break;
		}
		struct planstore_info *w = &v[count];
		w->generation = key_number(kv, PSE_PREFIX "plan/");
		w->created_ms = j_int(o, "created_ms");
		w->nendpoints = (size_t)j_int(o, "endpoints");
		w->naddrs = (size_t)j_int(o, "addresses");
		json_decref(o);
		if (!is_retired(&ret, w->generation, w->created_ms))
			count++;
	}
	for (size_t i = 0; i < nmeta; i++)
		free(metas[i]);
	free(metas);
	retired_free(&ret);
	if (st != DP_OK) {
		free(v);
		return st;
	}
	*out = v;
	*n = count;
	return DP_OK;
}

/* ---- deleting plans ---- */

/*
 * Delete plan @g, if its meta was created at @meta_rev, recording @at,
 * @by and @reason under deleted/G; its applied and retired reports go
 * with it.
 */
static dp_status delete_txn(struct planstore_etcd *e, uint64_t g,
                            int64_t meta_rev, int64_t at, const char *by,
                            const char *reason, char *err, size_t errlen)
{
	struct etcd_txn *t = etcd_txn_new();
	struct etcd_resp *res;
	char *meta = plan_key(g, "meta");
	char *rec = key_of("deleted/%020" PRIu64, g);
	char *plan = key_of("plan/%020" PRIu64 "/", g);
	char *applied = key_of("applied/%020" PRIu64 "/", g);
	char *retired = key_of("retired/%020" PRIu64 "/", g);
	etcd_txn_cmp(t, meta, ETCD_CREATE, ETCD_EQUAL, meta_rev);
	etcd_txn_delete(t, true, plan, true);
	etcd_txn_delete(t, true, applied, true);
	etcd_txn_delete(t, true, retired, true);
	txn_put_json(t, rec,
	             json_pack("{s:I, s:s, s:s}", "deleted_ms", (json_int_t)at,
	                       "by", by ? by : "", "reason",
	                       reason ? reason : ""),
	             0);
	dp_status st =
	        send_txn(e, t, "cannot delete a plan", &res, err, errlen);
	if (st == DP_ECOMPARE)
		snprintf(err, errlen,
		         "%s: no plan %" PRIu64 " (deleted meanwhile)", e->url,
		         g);
	free(meta);
	free(rec);
	free(plan);
	free(applied);
	free(retired);
	return st;
}

dp_status pse_delete_plan(struct planstore_etcd *e, uint64_t generation,
                          const char *by, const char *reason, char *err,
                          size_t errlen)
{
	int64_t rev, created;
	dp_status st =
	        read_existing_meta(e, generation, &rev, &created, err, errlen);
	if (st != DP_OK)
		return st;
	st = delete_txn(e, generation, rev, now_ms(), by, reason, err, errlen);
	return st == DP_ECOMPARE ? DP_ENOENT : st;
}

dp_status pse_deletion(struct planstore_etcd *e, uint64_t generation,
                       struct planstore_deletion *out, char *err, size_t errlen)
{
	struct etcd_resp *res;
	struct etcd_kv *kv;
	char *key = key_of("deleted/%020" PRIu64, generation);
	dp_status st = get_key(e, key, "cannot read deletions", &kv, &res, err,
	                       errlen);
	free(key);
	if (st != DP_OK)
		return st;
	memset(out, 0, sizeof(*out));
	if (kv != NULL) {
		json_t *o = kv_json(e, kv, err, errlen);
		if (o == NULL)
			return DP_EPARSE;
		out->deleted_ms = j_int(o, "deleted_ms");
		j_str(o, "by", out->deleted_by, sizeof(out->deleted_by));
		j_str(o, "reason", out->reason, sizeof(out->reason));
		json_decref(o);
		return DP_OK;
	}
	/* Retired by an enactor, not yet deleted by the planner. */
	struct retired_rows r;
	if ((st = retired_list(e, &r, err, errlen)) != DP_OK)
		return st;
	st = DP_ENOENT;
	for (size_t i = 0; i < r.n; i++) {
		if (r.v[i].generation != generation)
			continue;
		out->deleted_ms = r.v[i].at_ms;
		snprintf(out->deleted_by, sizeof(out->deleted_by), "%.63s",
		         r.v[i].by);
		snprintf(out->reason, sizeof(out->reason), "%s", r.v[i].reason);
		st = DP_OK;
		break;
	}
	retired_free(&r);
	if (st == DP_ENOENT)
		snprintf(err, errlen, "%s: plan %" PRIu64 " was not deleted",
		         e->url, generation);
	return st;
}

dp_status pse_collect(struct planstore_etcd *e, size_t *deleted, char *err,
                      size_t errlen)
{
	struct retired_rows r;
	*deleted = 0;
	dp_status st = retired_list(e, &r, err, errlen);
	for (size_t i = 0; st == DP_OK && i < r.n; i++) {
		const struct retired_row *w = &r.v[i];
		int64_t rev, created;
		st = read_meta(e, w->generation, &rev, &created, err, errlen);
		if (st != DP_OK || rev == 0 ||
		    (w->created_ms >= 0 && w->created_ms != created))
			continue;
		st = delete_txn(e, w->generation, rev, w->at_ms, w->by,
		                w->reason, err, errlen);
		if (st == DP_OK)
			(*deleted)++;
		else if (st == DP_ECOMPARE)
			st = DP_OK; /* deleted meanwhile */
	}
	retired_free(&r);
	return st;
}

/* ---- enactor reports ---- */

static json_t *state_json(const struct reports_state *s)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:s, s:I}", "heartbeat_ms",
	                 (json_int_t)s->heartbeat_ms, "in_flight",
	                 (json_int_t)s->in_flight, "applied",
	                 (json_int_t)s->applied, "applied_ms",
	                 (json_int_t)s->applied_ms, "problem", s->problem,
	                 "problem_ms", (json_int_t)s->problem_ms);
}

static void state_from(const json_t *o, const char *id, struct reports_state *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "%s", id);
	s->heartbeat_ms = j_int(o, "heartbeat_ms");
	s->in_flight = (uint64_t)j_int(o, "in_flight");
	s->applied = (uint64_t)j_int(o, "applied");
	s->applied_ms = j_int(o, "applied_ms");
	j_str(o, "problem", s->problem, sizeof(s->problem));
	s->problem_ms = j_int(o, "problem_ms");
}

/* What a report changes in an enactor's state, and what it adds. */
struct report {
	int64_t now;
	bool beat; /* a heartbeat: in_flight */
	uint64_t in_flight;
	bool applied; /* the whole plan generation */
	uint64_t generation;
	size_t n_applied; /* applications for applied/G/ (0: none) */
	bool problem;
	const char *problem_text;
};

static atomic_uint report_seq;

/*
 * Enactor @id's state key, read, changed by @r and written back if no
 * one wrote it meanwhile (two handles of one enactor may report at
 * once), with @r's applied record in the same transaction.
 */
static dp_status report(struct planstore_etcd *e, const char *id,
                        const struct report *r, char *err, size_t errlen)
{
	const char *bad = reports_check_id(id);
	if (bad != NULL) {
		snprintf(err, errlen, "enactor id '%s': %s", id, bad);
		return DP_EINVAL;
	}
	char *key = key_of("enactor/%s/state", id);
	dp_status st = DP_ECOMPARE;
	for (int i = 0; i < PSE_TRIES && st == DP_ECOMPARE; i++) {
		struct etcd_resp *res;
		struct etcd_kv *kv;
		struct reports_state s;
		memset(&s, 0, sizeof(s));
		if ((st = get_key(e, key, "cannot read an enactor's report",
		                  &kv, &res, err, errlen)) != DP_OK)
			break;
		int64_t mod = kv ? kv->mod_revision : 0;
		if (kv != NULL) {
			json_t *o = kv_json(e, kv, err, errlen);
			if (o == NULL) {
				st = DP_EPARSE;
				break;
			}
			state_from(o, id, &s);
			json_decref(o);
		}
		s.heartbeat_ms = r->now;
		if (r->beat)
			s.in_flight = r->in_flight;
		if (r->applied) {
			s.applied = r->generation;
			s.applied_ms = r->now;
		}
		if (r->problem) {
			const char *p = r->problem_text ? r->problem_text : "";
			snprintf(s.problem, sizeof(s.problem), "%s", p);
			s.problem_ms = p[0] ? r->now : 0;
		}
		struct etcd_txn *t = etcd_txn_new();
		etcd_txn_cmp(t, key, ETCD_MOD, ETCD_EQUAL, mod);
		txn_put_json(t, key, state_json(&s), 0);
		if (r->n_applied > 0) {
			char *ak = key_of(
			        "applied/%020" PRIu64 "/%s/%" PRId64 ".%ld.%u",
			        r->generation, id, r->now, (long)getpid(),
			        atomic_fetch_add(&report_seq, 1));
			char text[24];
			int n = snprintf(text, sizeof(text), "%zu",
			                 r->n_applied);
			etcd_txn_put(t, true, ak, text, (size_t)n, 0);
			free(ak);
		}
		st = send_txn(e, t, "cannot write an enactor's report", &res,
		              err, errlen);
	}
	free(key);
	if (st == DP_ECOMPARE)
		snprintf(err, errlen, "%s: enactor %s's report keeps changing",
		         e->url, id);
	return st;
}

/*
 * Keep enactor @id's alive key under this handle's lease: renewed at
 * every heartbeat, granted again when it expired (a pause past its
 * TTL).  Liveness for people only: nothing is decided by it.
 */
static dp_status keep_alive(struct planstore_etcd *e, const char *id, char *err,
                            size_t errlen)
{
	struct etcd_resp *res;
	dp_status st = DP_ENOENT;
	if (e->lease != 0 && strcmp(e->lease_id, id) == 0) {
		etcd_lease_keepalive(etcd_sync_client(e->sync), e->lease,
		                     etcd_sync_cb, e->sync);
		st = wait_for(e, "cannot renew the liveness lease", false, &res,
		              err, errlen);
		if (st != DP_ENOENT)
			return st;
	}
	etcd_lease_grant(etcd_sync_client(e->sync), PSE_LEASE_TTL, etcd_sync_cb,
	                 e->sync);
	if ((st = wait_for(e, "cannot take a liveness lease", false, &res, err,
	                   errlen)) != DP_OK)
		return st;
	e->lease = res->lease_id;
	snprintf(e->lease_id, sizeof(e->lease_id), "%s", id);
	char *key = key_of("enactor/%s/alive", id);
	char text[24];
	int n = snprintf(text, sizeof(text), "%" PRId64, now_ms());
	etcd_put(etcd_sync_client(e->sync), key, text, (size_t)n, e->lease,
	         etcd_sync_cb, e->sync);
	free(key);
	return wait_for(e, "cannot write the alive key", true, &res, err,
	                errlen);
}

dp_status pse_report_open(struct planstore_etcd *e, const char *id, char *err,
                          size_t errlen)
{
	struct report r = {.now = now_ms()};
	dp_status st = report(e, id, &r, err, errlen);
	return st == DP_OK ? keep_alive(e, id, err, errlen) : st;
}

dp_status pse_heartbeat(struct planstore_etcd *e, const char *id,
                        uint64_t in_flight, int64_t now, char *err,
                        size_t errlen)
{
	struct report r = {.now = now, .beat = true, .in_flight = in_flight};
	dp_status st = report(e, id, &r, err, errlen);
	return st == DP_OK ? keep_alive(e, id, err, errlen) : st;
}

dp_status pse_report_applied_many(struct planstore_etcd *e, const char *id,
                                  uint64_t generation,
                                  const char *const *endpoints, size_t n,
                                  int64_t now, char *err, size_t errlen)
{
	struct report r = {
	        .now = now, .generation = generation, .n_applied = n};
	for (size_t i = 0; i < n; i++)
		if (endpoints == NULL || endpoints[i] == NULL)
			r.applied = true;
	return report(e, id, &r, err, errlen);
}

dp_status pse_report_problem(struct planstore_etcd *e, const char *id,
                             const char *problem, int64_t now, char *err,
                             size_t errlen)
{
	struct report r = {
	        .now = now, .problem = true, .problem_text = problem};
	return report(e, id, &r, err, errlen);
}

dp_status pse_retire_plan(struct planstore_etcd *e, const char *id,
                          uint64_t generation, int64_t created_ms,
                          const char *reason, int64_t now, char *err,
                          size_t errlen)
{
	const char *bad = reports_check_id(id);
	if (bad != NULL) {
		snprintf(err, errlen, "enactor id '%s': %s", id, bad);
		return DP_EINVAL;
	}
	struct etcd_resp *res;
	char *key = key_of("retired/%020" PRIu64 "/%s", generation, id);
	json_t *o = json_pack("{s:I, s:I, s:s}", "created_ms",
	                      (json_int_t)created_ms, "at_ms", (json_int_t)now,
	                      "reason", reason ? reason : "");
	/* The first retirement of a plan by an enactor is the record. */
	struct etcd_txn *t = etcd_txn_new();
	etcd_txn_cmp(t, key, ETCD_CREATE, ETCD_EQUAL, 0);
	txn_put_json(t, key, o, 0);
	free(key);
	dp_status st = send_txn(e, t, "cannot record a retired plan", &res, err,
	                        errlen);
	return st == DP_ECOMPARE ? DP_OK : st;
}

dp_status pse_applied_count(struct planstore_etcd *e, uint64_t generation,
                            size_t *n, char *err, size_t errlen)
{
	struct etcd_resp *res;
	char *prefix = key_of("applied/%020" PRIu64 "/", generation);
	dp_status st = get_prefix(e, prefix, false,
	                          "cannot count the applied "
	                          "reports",
	                          &res, err, errlen);
	free(prefix);
	*n = 0;
	for (size_t i = 0; st == DP_OK && i < res->n_kvs; i++)
		*n += strtoull(res->kvs[i].value, NULL, 10);
	return st;
}

dp_status pse_enactors(struct planstore_etcd *e, struct reports_state **out,
                       size_t *n, char *err, size_t errlen)
{
	struct etcd_resp *res;
	char *prefix = key_of("enactor/");
	dp_status st = get_prefix(e, prefix, false,
	                          "cannot read the enactors' "
	                          "reports",
	                          &res, err, errlen);
	struct reports_state *v = NULL;
	size_t count = 0, plen = strlen(prefix);
	for (size_t i = 0; st == DP_OK && i < res->n_kvs; i++) {
		const struct etcd_kv *kv = &res->kvs[i];
		const char *slash = strchr(kv->key + plen, '/');
		if (slash == NULL || strcmp(slash, "/state") != 0)
			continue;
		char id[64];
		snprintf(id, sizeof(id), "%.*s", (int)(slash - kv->key - plen),
		         kv->key + plen);
		json_t *o = kv_json(e, kv, err, errlen);
		if (o == NULL) {
			st = DP_EPARSE;
			break;
		}
		v = xrealloc(v, (count + 1) * sizeof(*v));
		state_from(o, id, &v[count++]);
		json_decref(o);
	}
	free(prefix);
	if (st != DP_OK) {
		free(v);
		return st;
	}
	*out = v;
	*n = count;
	return DP_OK;
}

/* ---- the automation switch ---- */

dp_status pse_set_paused(struct planstore_etcd *e, bool paused, const char *who,
                         const char *reason, char *err, size_t errlen)
{
	struct etcd_resp *res;
	struct etcd_txn *t = etcd_txn_new();
	char *key = key_of("control");
	txn_store(e, t);
	txn_put_json(t, key,
	             json_pack("{s:b, s:I, s:s, s:s}", "paused", paused,
	                       "changed_ms", (json_int_t)now_ms(), "by",
	                       who ? who : "", "reason", reason ? reason : ""),
	             0);
	free(key);
	dp_status st =
	        send_txn(e, t, "cannot set the switch", &res, err, errlen);
	if (st == DP_ECOMPARE)
		snprintf(err, errlen,
		         "%s: the store's key was deleted or made again "
		         "since this store was opened",
		         e->url);
	return st == DP_ECOMPARE ? DP_EFOREIGN : st;
}

dp_status pse_get_control(struct planstore_etcd *e,
                          struct planstore_control *out, char *err,
                          size_t errlen)
{
	struct etcd_resp *res;
	struct etcd_kv *kv;
	char *key = key_of("control");
	dp_status st = get_key(e, key, "cannot read the switch", &kv, &res, err,
	                       errlen);
	free(key);
	memset(out, 0, sizeof(*out));
	if (st != DP_OK || kv == NULL)
		return st;
	json_t *o = kv_json(e, kv, err, errlen);
	if (o == NULL)
		return DP_EPARSE;
	out->paused = json_is_true(json_object_get(o, "paused"));
	out->changed_ms = j_int(o, "changed_ms");
	j_str(o, "by", out->changed_by, sizeof(out->changed_by));
	j_str(o, "reason", out->reason, sizeof(out->reason));
	json_decref(o);
	return DP_OK;
}
