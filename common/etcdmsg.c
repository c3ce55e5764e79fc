/*
 * etcdmsg.c - the JSON of etcd 3.4's v3 gateway: request bodies,
 * transactions, and answers and errors decoded into struct etcd_resp.
 *
 * etcd's gateway marshals protobuf with the original field names, leaves
 * out every field whose value is zero (an absent "succeeded" is false, an
 * absent "kvs" is empty), writes int64 and uint64 as decimal strings and
 * bytes as base64; maintenance/status alone uses camelCase names.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "arena.h"
#include "etcdmsg.h"
#include "xalloc.h"

static void *json_xmalloc(size_t size)
{
	return xmalloc(size);
}

void etcdmsg_init(void)
{
	static bool done;

	if (!done) {
		json_set_alloc_funcs(json_xmalloc, free);
		done = true;
	}
}

json_t *etcdmsg_i64(int64_t n)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, n);
	return json_string(buf);
}

json_t *etcdmsg_b64(const void *p, size_t len)
{
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);
	json_t *s;

	EVP_EncodeBlock((unsigned char *)out, p, (int)len);
	s = json_string(out);
	free(out);
	return s;
}

void etcdmsg_key(json_t *obj, const char *key, bool prefix)
{
	size_t len = strlen(key);
	unsigned char *end;

	if (len == 0 && prefix) {
		/* Every key: from "\0" to "\0" means from the start, no end. */
		json_object_set_new(obj, "key", etcdmsg_b64("", 1));
		json_object_set_new(obj, "range_end", etcdmsg_b64("", 1));
		return;
	}
	json_object_set_new(obj, "key", etcdmsg_b64(key, len));
	if (!prefix)
		return;
	end = (unsigned char *)xstrdup(key);
	while (len > 0 && end[len - 1] == 0xff)
		len--;
	if (len == 0) {
		/* All 0xff: every key from @key on. */
		json_object_set_new(obj, "range_end", etcdmsg_b64("", 1));
	} else {
		end[len - 1]++;
		json_object_set_new(obj, "range_end", etcdmsg_b64(end, len));
	}
	free(end);
}

char *etcdmsg_dump(json_t *body, size_t *len)
{
	char *s = json_dumps(body, JSON_COMPACT);

	json_decref(body);
	if (s == NULL)
		abort();
	*len = strlen(s);
	return s;
}

struct etcd_resp *etcdmsg_resp_new(void)
{
	struct arena *a = arena_new_sized(4096);
	struct etcd_resp *res = arena_alloc(a, sizeof(*res));

	memset(res, 0, sizeof(*res));
	res->arena = a;
	return res;
}

/* ---- decoding ---- */

/* A decoding pass: where it writes, and the first error it met. */
struct dec {
	struct etcd_resp *res;
	bool bad;
};

static void dec_fail(struct dec *d, const char *what, const char *field)
{
	if (!d->bad)
		snprintf(d->res->error, sizeof(d->res->error), "%s \"%s\"",
		         what, field);
	d->bad = true;
}

/*
 * A number field of @obj: a decimal string (etcd's int64 and uint64) or
 * a JSON integer; absent is zero.  Returns it as uint64_t (the caller
 * casts for int64_t fields).
 */
static uint64_t dec_num(struct dec *d, const json_t *obj, const char *field)
{
	const json_t *v = json_object_get(obj, field);
	const char *s;
	char *end;
	uint64_t n;

	if (v == NULL)
		return 0;
	if (json_is_integer(v))
		return (uint64_t)json_integer_value(v);
	if (!json_is_string(v)) {
		dec_fail(d, "not a number:", field);
		return 0;
	}
	s = json_string_value(v);
	errno = 0;
	if (*s == '-')
		n = (uint64_t)strtoll(s, &end, 10);
	else
		n = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0') {
		dec_fail(d, "not a number:", field);
		return 0;
	}
	return n;
}

/* dec_num for a field etcd 3.4 names in snake_case or camelCase. */
static uint64_t dec_num2(struct dec *d, const json_t *obj, const char *snake,
                         const char *camel)
{
	return json_object_get(obj, snake) ? dec_num(d, obj, snake)
	                                   : dec_num(d, obj, camel);
}

/* A base64 field of @obj, decoded into the arena (NUL-terminated). */
static char *dec_b64(struct dec *d, const json_t *obj, const char *field,
                     size_t *len)
{
	const json_t *v = json_object_get(obj, field);
	const char *s;
	size_t n, pad = 0;
	int got;
	char *out;

	*len = 0;
	if (v == NULL) {
		out = arena_alloc(d->res->arena, 1);
		out[0] = '\0';
		return out;
	}
	if (!json_is_string(v)) {
		dec_fail(d, "not base64:", field);
		return NULL;
	}
	s = json_string_value(v);
	n = json_string_length(v);
	out = arena_alloc(d->res->arena, n / 4 * 3 + 4);
	if (n % 4 != 0) {
		dec_fail(d, "not base64:", field);
		return NULL;
	}
	got = EVP_DecodeBlock((unsigned char *)out, (const unsigned char *)s,
	                      (int)n);
	if (got < 0) {
		dec_fail(d, "not base64:", field);
		return NULL;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	if (n >= 1 && s[n - 1] == '=')
		pad++;
	if (n >= 2 && s[n - 2] == '=')
		pad++;
	*len = (size_t)got - pad;
	out[*len] = '\0';
	return out;
}

static void dec_kv(struct dec *d, const json_t *j, struct etcd_kv *kv)
{
	if (!json_is_object(j)) {
		dec_fail(d, "not an object:", "kv");
		return;
	}
	kv->key = dec_b64(d, j, "key", &kv->key_len);
	kv->value = dec_b64(d, j, "value", &kv->value_len);
	kv->create_revision = (int64_t)dec_num(d, j, "create_revision");
	kv->mod_revision = (int64_t)dec_num(d, j, "mod_revision");
	kv->version = (int64_t)dec_num(d, j, "version");
	kv->lease = (int64_t)dec_num(d, j, "lease");
}

/* An array field of @obj: NULL when absent (or wrong). */
static const json_t *dec_array(struct dec *d, const json_t *obj,
                               const char *field)
{
	const json_t *a = json_object_get(obj, field);

	if (a != NULL && !json_is_array(a)) {
		dec_fail(d, "not an array:", field);
		return NULL;
	}
	return a;
}

/* The "kvs" of a range answer (or of a txn's range) appended to res. */
static void dec_kvs(struct dec *d, const json_t *obj)
{
	const json_t *a = dec_array(d, obj, "kvs");
	struct etcd_resp *res = d->res;
	struct etcd_kv *kvs;
	size_t i, n = a ? json_array_size(a) : 0;

	res->count += (int64_t)dec_num(d, obj, "count");
	if (json_is_true(json_object_get(obj, "more")))
		res->more = true;
	if (n == 0)
		return;
	kvs = arena_alloc(res->arena, (res->n_kvs + n) * sizeof(*kvs));
	memset(kvs, 0, (res->n_kvs + n) * sizeof(*kvs));
	if (res->n_kvs > 0)
		memcpy(kvs, res->kvs, res->n_kvs * sizeof(*kvs));
	for (i = 0; i < n; i++)
		dec_kv(d, json_array_get(a, i), &kvs[res->n_kvs + i]);
	res->kvs = kvs;
	res->n_kvs += n;
}

static void dec_events(struct dec *d, const json_t *obj)
{
	const json_t *a = dec_array(d, obj, "events");
	struct etcd_resp *res = d->res;
	size_t i, n = a ? json_array_size(a) : 0;

	if (n == 0)
		return;
	res->events = arena_alloc(res->arena, n * sizeof(*res->events));
	memset(res->events, 0, n * sizeof(*res->events));
	for (i = 0; i < n; i++) {
		const json_t *e = json_array_get(a, i);
		const char *type =
		        json_string_value(json_object_get(e, "type"));

		res->events[i].deleted = type && strcmp(type, "DELETE") == 0;
		dec_kv(d, json_object_get(e, "kv"), &res->events[i].kv);
	}
	res->n_events = n;
}

/* A txn's "responses": each one range, put or delete answer. */
static void dec_responses(struct dec *d, const json_t *obj)
{
	const json_t *a = dec_array(d, obj, "responses");
	size_t i;

	for (i = 0; a && i < json_array_size(a); i++) {
		const json_t *r = json_array_get(a, i);
		const json_t *v;

		if ((v = json_object_get(r, "response_range")) != NULL)
			dec_kvs(d, v);
		else if ((v = json_object_get(r, "response_delete_range")))
			d->res->deleted += (int64_t)dec_num(d, v, "deleted");
	}
}

dp_status etcdmsg_decode(const json_t *root, struct etcd_resp *res)
{
	struct dec d = {.res = res, .bad = false};
	const json_t *h, *v;

	if (!json_is_object(root)) {
		snprintf(res->error, sizeof(res->error), "not a JSON object");
		return DP_EBADRESP;
	}
	/* A stream (watch, keepalive) wraps each answer in "result". */
	if ((v = json_object_get(root, "result")) != NULL)
		root = v;
	h = json_object_get(root, "header");
	if (h != NULL) {
		res->revision = (int64_t)dec_num(&d, h, "revision");
		res->member_id = dec_num(&d, h, "member_id");
		res->raft_term = dec_num(&d, h, "raft_term");
	}
	dec_kvs(&d, root);
	dec_responses(&d, root);
	dec_events(&d, root);
	res->succeeded = json_is_true(json_object_get(root, "succeeded"));
	res->deleted += (int64_t)dec_num(&d, root, "deleted");
	res->lease_id = (int64_t)dec_num(&d, root, "ID");
	res->ttl = (int64_t)dec_num(&d, root, "TTL");
	res->leader = dec_num(&d, root, "leader");
	res->db_size = (int64_t)dec_num2(&d, root, "db_size", "dbSize");
	res->raft_index = dec_num2(&d, root, "raft_index", "raftIndex");
	if (res->raft_term == 0)
		res->raft_term = dec_num2(&d, root, "raft_term", "raftTerm");
	res->compact_revision = (int64_t)dec_num(&d, root, "compact_revision");
	if ((v = json_object_get(root, "version")) && json_is_string(v))
		snprintf(res->version, sizeof(res->version), "%s",
		         json_string_value(v));
	return d.bad ? DP_EBADRESP : DP_OK;
}

/* ---- errors ---- */

/* Does etcd's message @msg contain @s? */
static bool says(const char *msg, const char *s)
{
	return strstr(msg, s) != NULL;
}

dp_status etcdmsg_error(const json_t *root, long http, char *text,
                        size_t textlen, enum etcdmsg_retry *retry)
{
	const json_t *e = json_object_get(root, "error");
	const char *msg = NULL;
	json_int_t code = -1;

	*retry = ETCDMSG_FINAL;
	if (json_is_object(e)) {
		/* A stream's error: {"error": {"grpc_code", "message"}}. */
		code = json_integer_value(json_object_get(e, "grpc_code"));
		msg = json_string_value(json_object_get(e, "message"));
	} else if (json_is_string(e)) {
		code = json_integer_value(json_object_get(root, "code"));
		msg = json_string_value(e);
	}
	if (msg == NULL) {
		snprintf(text, textlen, "HTTP %ld, not an etcd answer", http);
		return DP_EBADRESP;
	}
	snprintf(text, textlen, "%s", msg);
	if (says(msg, "no leader")) {
		*retry = ETCDMSG_NOLEADER;
		return DP_ENOLEADER;
	}
	switch (code) {
	case 3: /* InvalidArgument */
	case 8: /* ResourceExhausted: over the gRPC message limit */
		if (code == 8 || says(msg, "too large") ||
		    says(msg, "too many operations"))
			return DP_ETOOLARGE;
		return DP_EINVAL;
	case 5: /* NotFound: a lease */
		return DP_ENOENT;
	case 11: /* OutOfRange */
		return says(msg, "compacted") ? DP_ECOMPACTED : DP_EINVAL;
	case 4:  /* DeadlineExceeded */
	case 14: /* Unavailable: timed out, leader changed, stopping */
		*retry = ETCDMSG_UNSURE;
		return DP_ETIMEDOUT;
	default:
		return DP_EBADRESP;
	}
}

/* ---- transactions ---- */

struct etcd_txn *etcd_txn_new(void)
{
	struct etcd_txn *t = xcalloc(1, sizeof(*t));

	etcdmsg_init();
	t->compare = json_array();
	t->success = json_array();
	t->failure = json_array();
	return t;
}

void etcd_txn_free(struct etcd_txn *t)
{
	if (t == NULL)
		return;
	json_decref(t->compare);
	json_decref(t->success);
	json_decref(t->failure);
	free(t);
}

static const char *const target_names[] = {
        [ETCD_VERSION] = "VERSION",
        [ETCD_CREATE] = "CREATE",
        [ETCD_MOD] = "MOD",
        [ETCD_VALUE] = "VALUE",
};

static const char *const target_fields[] = {
        [ETCD_VERSION] = "version",
        [ETCD_CREATE] = "create_revision",
        [ETCD_MOD] = "mod_revision",
        [ETCD_VALUE] = "value",
};

static const char *const cmp_names[] = {
        [ETCD_EQUAL] = "EQUAL",
        [ETCD_NOT_EQUAL] = "NOT_EQUAL",
        [ETCD_GREATER] = "GREATER",
        [ETCD_LESS] = "LESS",
};

/* A compare of @key's @target by @cmp, without its operand yet. */
static json_t *txn_cmp(struct etcd_txn *t, const char *key,
                       enum etcd_target target, enum etcd_cmp cmp)
{
	json_t *c = json_object();

	etcdmsg_key(c, key, false);
	json_object_set_new(c, "target", json_string(target_names[target]));
	json_object_set_new(c, "result", json_string(cmp_names[cmp]));
	json_array_append_new(t->compare, c);
	t->bytes += strlen(key);
	return c;
}

void etcd_txn_cmp(struct etcd_txn *t, const char *key, enum etcd_target target,
                  enum etcd_cmp cmp, int64_t n)
{
	json_t *c = txn_cmp(t, key, target, cmp);

	json_object_set_new(c, target_fields[target], etcdmsg_i64(n));
}

void etcd_txn_cmp_value(struct etcd_txn *t, const char *key, enum etcd_cmp cmp,
                        const void *value, size_t len)
{
	json_t *c = txn_cmp(t, key, ETCD_VALUE, cmp);

	json_object_set_new(c, "value", etcdmsg_b64(value, len));
	t->bytes += len;
}

/* Append operation @name with body @op to a branch. */
static void txn_op(struct etcd_txn *t, bool on_success, const char *name,
                   json_t *op)
{
	json_array_append_new(on_success ? t->success : t->failure,
	                      json_pack("{so}", name, op));
}

void etcd_txn_put(struct etcd_txn *t, bool on_success, const char *key,
                  const void *value, size_t len, int64_t lease)
{
	json_t *op = json_object();

	etcdmsg_key(op, key, false);
	json_object_set_new(op, "value", etcdmsg_b64(value, len));
	if (lease != 0)
		json_object_set_new(op, "lease", etcdmsg_i64(lease));
	txn_op(t, on_success, "request_put", op);
	t->bytes += strlen(key) + len;
}

void etcd_txn_delete(struct etcd_txn *t, bool on_success, const char *key,
                     bool prefix)
{
	json_t *op = json_object();

	etcdmsg_key(op, key, prefix);
	txn_op(t, on_success, "request_delete_range", op);
	t->bytes += strlen(key);
}

void etcd_txn_get(struct etcd_txn *t, bool on_success, const char *key,
                  bool prefix)
{
	json_t *op = json_object();

	etcdmsg_key(op, key, prefix);
	txn_op(t, on_success, "request_range", op);
	t->bytes += strlen(key);
}

size_t etcd_txn_bytes(const struct etcd_txn *t)
{
	return t->bytes;
}

size_t etcd_txn_ops(const struct etcd_txn *t)
{
	size_t s = json_array_size(t->success);
	size_t f = json_array_size(t->failure);

	return s > f ? s : f;
}

json_t *etcdmsg_txn_body(struct etcd_txn *t)
{
	json_t *body = json_pack("{sOsOsO}", "compare", t->compare, "success",
	                         t->success, "failure", t->failure);

	etcd_txn_free(t);
	return body;
}
