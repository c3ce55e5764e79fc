/*
 * etcd.h - an asynchronous client of etcd v3 (3.4) through its JSON
 * gateway, on a libuv loop, for the plan store's etcd backend.
 *
 * Every call is an HTTP/1.1 POST of a JSON body to one member
 * (/v3/kv/range, /v3/kv/put, /v3/kv/txn, /v3/kv/deleterange,
 * /v3/kv/compaction, /v3/lease/grant, /v3/lease/keepalive,
 * /v3/lease/revoke, /v3/maintenance/status) or a streaming POST
 * (/v3/watch), made by libcurl's multi socket interface: the sockets are
 * watched by uv_poll handles and curl's timeouts run on a uv_timer, so
 * nothing blocks the loop.  Keys and values travel base64-encoded and
 * revisions as decimal strings, as etcd 3.4's gateway encodes them; the
 * caller sees bytes and int64_t.
 *
 * Members: the client is given every member ("etcd://A:P,B:P,C:P") and
 * talks to one at a time.  A request that cannot reach its member
 * (connection refused or reset, connect timeout) or that the member
 * answers "no leader" goes to the next member, round after round with a
 * short backoff, until the request's deadline.  Requests carry etcd's
 * "hasleader" requirement, so a member cut off from the majority says
 * "no leader" at once instead of waiting.  A read that times out on a
 * member is retried on the next; a write that times out is not (etcd may
 * have applied it): it fails with DP_ETIMEDOUT and the next request
 * starts at the next member.
 *
 * Results: every callback gets a dp_status and a struct etcd_resp:
 *   DP_OK            the request was done;
 *   DP_ECOMPARE      a transaction's compares failed: its failure branch
 *                    ran, and its results are in the response;
 *   DP_EUNREACHABLE  no member could be reached before the deadline;
 *   DP_ENOLEADER     members answered, but none had a leader;
 *   DP_ETIMEDOUT     no answer in time (for a write: outcome unknown);
 *   DP_ETOOLARGE     over etcd's request size (1.5 MiB by default) or
 *                    operations-per-transaction (128) limit;
 *   DP_ENOENT        the lease does not exist (or has expired);
 *   DP_ECOMPACTED    the revision asked for is compacted away;
 *   DP_EINVAL        etcd refused the request as invalid (a future
 *                    revision, a bad range);
 *   DP_EBADRESP      an answer that is not etcd's;
 *   DP_ECANCELED     the client was closed with the request pending.
 * The response's error text says more (the member and etcd's words).
 * The response belongs to the client and lives until the callback
 * returns, unless the callback keeps it (etcd_resp_keep()).
 *
 * All of it runs on the loop's thread.  etcd_sync wraps the client in a
 * private loop for command-line tools.
 */
#ifndef ETCD_H
#define ETCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "dp.h"

#define ETCD_MAX_MEMBERS 16

/* One member, as the URL names it. */
struct etcd_member {
	char host[256]; /* a numeric address (IPv6 without brackets) or name */
	uint16_t port;
	char text[272]; /* "HOST:PORT", "[V6]:PORT" */
};

/* A parsed etcd://HOST:PORT[,HOST:PORT...]. */
struct etcd_url {
	struct etcd_member members[ETCD_MAX_MEMBERS];
	size_t n;
};

/*
 * etcd_url_parse - parse @text, "etcd://HOST:PORT[,HOST:PORT...]" (at
 * most ETCD_MAX_MEMBERS members, each with its port, no path, no
 * duplicates; HOST a numeric IPv4 address, a bracketed IPv6 address or a
 * host name) into @out.  Returns DP_OK, or DP_EINVAL with what is wrong
 * in @err.
 */
dp_status etcd_url_parse(const char *text, struct etcd_url *out, char *err,
                         size_t errlen);

/* etcd_url_is - does @text name an etcd store (start with "etcd://")? */
bool etcd_url_is(const char *text);

/* One key-value pair of a response.  key and value are NUL-terminated. */
struct etcd_kv {
	char *key;
	size_t key_len;
	char *value;
	size_t value_len;
	int64_t create_revision;
	int64_t mod_revision;
	int64_t version;
	int64_t lease;
};

/* A watch event. */
struct etcd_event {
	bool deleted; /* a DELETE; otherwise a PUT */
	struct etcd_kv kv;
};

/*
 * What a request returned; fields a request has nothing for are zero.
 * A transaction's range operations put their pairs in kvs, in order;
 * its delete operations add to deleted.
 */
struct etcd_resp {
	int64_t revision;   /* the store's revision (header) */
	uint64_t member_id; /* the member that answered */
	uint64_t raft_term;
	const char *endpoint; /* "HOST:PORT" of that member */
	struct etcd_kv *kvs;  /* range */
	size_t n_kvs;
	int64_t count;  /* range: how many keys matched */
	bool more;      /* range: more than the limit matched */
	bool succeeded; /* txn: the compares held */
	int64_t deleted;
	int64_t lease_id; /* lease: the lease and its remaining TTL (s) */
	int64_t ttl;
	uint64_t leader;  /* status: the leader's member id, 0 if none */
	char version[32]; /* status: etcd's version */
	int64_t db_size;
	uint64_t raft_index;
	struct etcd_event *events; /* watch */
	size_t n_events;
	int64_t compact_revision; /* watch: DP_ECOMPACTED's revision */
	char error[320];          /* what went wrong, or "" */
	struct arena *arena;      /* owns all of the above */
	bool kept;                /* etcd_resp_keep() was called */
};

/*
 * etcd_resp_keep - keep @res past the callback it was given to; the
 * caller then frees it with etcd_resp_free().
 */
struct etcd_resp *etcd_resp_keep(struct etcd_resp *res);

/* etcd_resp_free - free a kept response.  NULL is ok. */
void etcd_resp_free(struct etcd_resp *res);

/* The callback of every request. */
typedef void (*etcd_cb)(void *arg, dp_status st, struct etcd_resp *res);

struct etcd_opts {
	unsigned timeout_ms;         /* a request, retries included: 5000 */
	unsigned attempt_timeout_ms; /* one try on one member: 2000 */
	unsigned connect_timeout_ms; /* a connection: 1000 */
};

struct etcd_client;

/*
 * etcd_client_new - a client of the members @url names, on @loop, with
 * @opts (NULL or zero fields: the defaults).  *@out is owned by the
 * caller (etcd_client_free()).  Nothing is sent before the first
 * request.  On failure @err says why.
 */
dp_status etcd_client_new(uv_loop_t *loop, const char *url,
                          const struct etcd_opts *opts,
                          struct etcd_client **out, char *err, size_t errlen);

/*
 * etcd_client_free - fail every pending request and watch with
 * DP_ECANCELED (their callbacks run now), and free the client; the
 * memory of its handles goes once the loop has run their close
 * callbacks (run it before uv_loop_close()).  NULL is ok.
 */
void etcd_client_free(struct etcd_client *c);

/* etcd_client_member - the member the next request starts at. */
const char *etcd_client_member(const struct etcd_client *c);

/* What a range reads. */
struct etcd_range_opts {
	bool prefix;      /* every key that starts with the key */
	int64_t limit;    /* at most this many pairs, 0: all */
	int64_t revision; /* as of this revision, 0: the newest */
	bool keys_only;
	bool count_only;
	bool descend; /* highest key first (with limit 1: the last key) */
};

/*
 * etcd_range - read @key (NUL-terminated), or the keys @o selects (NULL:
 * the one key).  An absent key is DP_OK with no pairs.
 */
void etcd_range(struct etcd_client *c, const char *key,
                const struct etcd_range_opts *o, etcd_cb cb, void *arg);

/* etcd_put - set @key to @len bytes of @value, under @lease (0: none). */
void etcd_put(struct etcd_client *c, const char *key, const void *value,
              size_t len, int64_t lease, etcd_cb cb, void *arg);

/* etcd_delete - delete @key, or every key it prefixes (@prefix). */
void etcd_delete(struct etcd_client *c, const char *key, bool prefix,
                 etcd_cb cb, void *arg);

/* etcd_compact - compact the history up to @revision. */
void etcd_compact(struct etcd_client *c, int64_t revision, etcd_cb cb,
                  void *arg);

/* A transaction: compares, then the success or the failure operations. */
struct etcd_txn;

enum etcd_target {
	ETCD_VERSION, /* the key's version (0: absent) */
	ETCD_CREATE,  /* create_revision (0: absent) */
	ETCD_MOD,     /* mod_revision */
	ETCD_VALUE,
};

enum etcd_cmp { ETCD_EQUAL, ETCD_NOT_EQUAL, ETCD_GREATER, ETCD_LESS };

/* etcd_txn_new - an empty transaction, owned by the caller until sent. */
struct etcd_txn *etcd_txn_new(void);

/* etcd_txn_free - free a transaction that was not sent.  NULL is ok. */
void etcd_txn_free(struct etcd_txn *t);

/*
 * etcd_txn_cmp - compare @key's @target (ETCD_VERSION, ETCD_CREATE or
 * ETCD_MOD) with @n.
 */
void etcd_txn_cmp(struct etcd_txn *t, const char *key, enum etcd_target target,
                  enum etcd_cmp cmp, int64_t n);

/* etcd_txn_cmp_value - compare @key's value with @len bytes of @value. */
void etcd_txn_cmp_value(struct etcd_txn *t, const char *key, enum etcd_cmp cmp,
                        const void *value, size_t len);

/*
 * etcd_txn_put, etcd_txn_delete, etcd_txn_get - an operation in the
 * success branch (@on_success) or the failure branch.
 */
void etcd_txn_put(struct etcd_txn *t, bool on_success, const char *key,
                  const void *value, size_t len, int64_t lease);
void etcd_txn_delete(struct etcd_txn *t, bool on_success, const char *key,
                     bool prefix);
void etcd_txn_get(struct etcd_txn *t, bool on_success, const char *key,
                  bool prefix);

/*
 * etcd_txn_bytes - the keys and values of the transaction, in bytes:
 * about what etcd counts against its request size limit.
 */
size_t etcd_txn_bytes(const struct etcd_txn *t);

/* etcd_txn_ops - the operations in its larger branch (etcd limits it). */
size_t etcd_txn_ops(const struct etcd_txn *t);

/*
 * etcd_txn - send @t (taken: the caller forgets it).  DP_OK if the
 * compares held, DP_ECOMPARE if not; res->kvs has what the branch's gets
 * read either way.
 */
void etcd_txn(struct etcd_client *c, struct etcd_txn *t, etcd_cb cb, void *arg);

/* etcd_lease_grant - a lease of @ttl seconds: res->lease_id, res->ttl. */
void etcd_lease_grant(struct etcd_client *c, int64_t ttl, etcd_cb cb,
                      void *arg);

/*
 * etcd_lease_keepalive - renew lease @id once: res->ttl.  DP_ENOENT if
 * it has expired or never was.
 */
void etcd_lease_keepalive(struct etcd_client *c, int64_t id, etcd_cb cb,
                          void *arg);

/* etcd_lease_revoke - end lease @id, deleting its keys. */
void etcd_lease_revoke(struct etcd_client *c, int64_t id, etcd_cb cb,
                       void *arg);

/*
 * etcd_status - the status of member @member (an index into the URL's
 * list), or of the first member that answers (-1): res->leader (0: it
 * sees none), res->member_id, res->version, res->db_size,
 * res->raft_term, res->raft_index.  Asked without the leader
 * requirement, so that a member without a leader still says so.
 */
void etcd_status(struct etcd_client *c, int member, etcd_cb cb, void *arg);

/*
 * A watch of a key or prefix.  Its callback gets DP_OK with res->events
 * (in revision order) for every batch of changes, and is called once
 * more, the last time, with DP_ECOMPACTED (res->compact_revision: the
 * caller reads the keys again and starts a new watch after that
 * revision), DP_EBADRESP (etcd canceled it, res->error says why) or
 * DP_ECANCELED (the client was closed).  When its member dies or loses
 * its leader, the watch starts again on the next member from the
 * revision after the last event it delivered: no event is lost or given
 * twice.  When no member takes it for a whole round, the callback gets
 * DP_ENOLEADER or DP_EUNREACHABLE once (not the last time: the watch
 * keeps trying), and DP_OK with no events when it is back.
 */
struct etcd_watch;

/*
 * etcd_watch_start - watch @key (every key it prefixes, if @prefix) from
 * revision @start (0: from now on).  The watch belongs to the client;
 * etcd_watch_cancel() ends it earlier.
 */
struct etcd_watch *etcd_watch_start(struct etcd_client *c, const char *key,
                                    bool prefix, int64_t start, etcd_cb cb,
                                    void *arg);

/* etcd_watch_cancel - end @w; its callback is not called again. */
void etcd_watch_cancel(struct etcd_watch *w);

/*
 * etcd_watch_next - the revision the watch would start again from: one
 * past the last event it delivered.
 */
int64_t etcd_watch_next(const struct etcd_watch *w);

/*
 * A synchronous client for command-line tools: an etcd_client on a
 * private loop.  Start a request on etcd_sync_client() with
 * etcd_sync_cb and the sync client as its argument, then etcd_sync_wait():
 *
 *	etcd_range(etcd_sync_client(s), "k", NULL, etcd_sync_cb, s);
 *	st = etcd_sync_wait(s, &res);
 */
struct etcd_sync;

/* etcd_sync_new - as etcd_client_new(); *@out is freed by etcd_sync_free. */
dp_status etcd_sync_new(const char *url, const struct etcd_opts *opts,
                        struct etcd_sync **out, char *err, size_t errlen);

/* etcd_sync_free - free the client and its loop.  NULL is ok. */
void etcd_sync_free(struct etcd_sync *s);

/* etcd_sync_client - the client to start a request on. */
struct etcd_client *etcd_sync_client(struct etcd_sync *s);

/*
 * etcd_sync_loop - the private loop, for a caller's own handles (a
 * timer, a watch's callbacks) that run while etcd_sync_wait() waits.
 */
uv_loop_t *etcd_sync_loop(struct etcd_sync *s);

/* etcd_sync_cb - the callback to give that request (with @s). */
void etcd_sync_cb(void *arg, dp_status st, struct etcd_resp *res);

/*
 * etcd_sync_wait - run the loop until the request started is done;
 * returns its status and sets *@res to its response, owned by @s until
 * the next etcd_sync_wait() or etcd_sync_free().  With no request
 * started it returns DP_EINVAL at once and *@res is NULL.
 */
dp_status etcd_sync_wait(struct etcd_sync *s, struct etcd_resp **res);

#endif /* ETCD_H */
