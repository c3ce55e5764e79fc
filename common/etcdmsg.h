/*
 * etcdmsg.h - the JSON of etcd 3.4's v3 gateway, for the client in
 * etcd.c: request bodies (keys and values in base64, int64 as decimal
 * strings), transactions, and the decoding of answers and errors into
 * struct etcd_resp.  Pure functions over memory; no I/O.
 */
#ifndef ETCDMSG_H
#define ETCDMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "dp.h"
#include "etcd.h"

/* etcdmsg_init - route jansson's allocations through xmalloc (once). */
void etcdmsg_init(void);

/* etcdmsg_i64 - @n as etcd's JSON writes an int64: a decimal string. */
json_t *etcdmsg_i64(int64_t n);

/* etcdmsg_b64 - @len bytes of @p in base64, as a new JSON string. */
json_t *etcdmsg_b64(const void *p, size_t len);

/*
 * etcdmsg_key - set @obj's "key" to @key and, for a @prefix, its
 * "range_end" to the first key after every key @key prefixes.
 */
void etcdmsg_key(json_t *obj, const char *key, bool prefix);

/*
 * etcdmsg_dump - @body as compact JSON (taken: decref'ed), malloc()ed
 * and owned by the caller; *@len is its length.
 */
char *etcdmsg_dump(json_t *body, size_t *len);

/* etcdmsg_resp_new - an empty response in an arena of its own. */
struct etcd_resp *etcdmsg_resp_new(void);

/*
 * etcdmsg_decode - decode an answer's JSON @root into @res: the header,
 * and whichever of kvs, count, more, succeeded, responses, deleted, ID,
 * TTL, leader, version, db size, raft index, events, compact_revision
 * it has (a field etcd leaves out is zero).  Returns DP_OK, or
 * DP_EBADRESP with the reason in res->error.
 */
dp_status etcdmsg_decode(const json_t *root, struct etcd_resp *res);

/* How a gateway error may be retried. */
enum etcdmsg_retry {
	ETCDMSG_FINAL,    /* the same on every member: report it */
	ETCDMSG_NOLEADER, /* refused before any proposal: any request retries */
	ETCDMSG_UNSURE, /* timed out or lost its leader: a write may be done */
};

/*
 * etcdmsg_error - the status of an error answer (@root: the gateway's
 * {"error", "message", "code"}, or {"error": {...}} on a stream; NULL
 * when the body was not JSON) with HTTP status @http; etcd's words go to
 * @text, and *@retry says whether another member may do better.
 */
dp_status etcdmsg_error(const json_t *root, long http, char *text,
                        size_t textlen, enum etcdmsg_retry *retry);

/* The transaction under construction (etcd.h). */
struct etcd_txn {
	json_t *compare;
	json_t *success;
	json_t *failure;
	size_t bytes;
};

/* etcdmsg_txn_body - the transaction's request body (taken: @t freed). */
json_t *etcdmsg_txn_body(struct etcd_txn *t);

#endif /* ETCDMSG_H */
