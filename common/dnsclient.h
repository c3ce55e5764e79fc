/*
 * dnsclient.h - a small blocking DNS client over TCP, for the enactors and
 * the operator CLI: queries and TSIG-signed UPDATEs to authd.
 *
 * One connection, reused across exchanges and reopened once when the
 * server closed it.  Every wait is bounded by the timeout.  Messages are
 * ldns packets; signing and checking the answer's signature use the
 * project's TSIG code.
 */
#ifndef DNSCLIENT_H
#define DNSCLIENT_H

#include <ldns/ldns.h>

#include "dp.h"
#include "keys.h"

struct dnsclient;

/*
 * dnsclient_new - a client for the server at "ADDR:PORT" (IPv4 or
 * [IPv6]:PORT); it connects on first use.  @key (borrowed, may be NULL)
 * signs every message.  Free with dnsclient_free().
 */
dp_status dnsclient_new(const char *server, const struct tsig_key *key,
                        int timeout_ms, struct dnsclient **out, char *err,
                        size_t errlen);

/* dnsclient_free - close and free.  Idempotent on NULL. */
void dnsclient_free(struct dnsclient *c);

/*
 * dnsclient_exchange - send @q (not consumed), wait for its answer and
 * parse it into *@ans (owned by the caller): dnsclient_exchange_many()
 * with one message.
 */
dp_status dnsclient_exchange(struct dnsclient *c, ldns_pkt *q, ldns_pkt **ans,
                             char *err, size_t errlen);

/*
 * dnsclient_exchange_many - send the @n messages of @qs (not consumed)
 * back to back on the connection, reading answers while writing, and
 * match the answers to them by ID: @ans[i] is @qs[i]'s answer (owned by
 * the caller) or NULL when none came (connection lost, timeout, bad
 * signature).  The server may answer in any order; one round trip for
 * the lot, and authd commits pipelined updates together.  When the
 * client has a key every answer's signature must verify.  DP_OK when
 * every message was answered well.  DP_EIO when some answer did not
 * come (server unreachable, connection lost, timeout); when all came but
 * one could not be trusted, DP_EINVAL (not signed by the key) or
 * DP_EPARSE (unparsable) for the first such.  @err names the first
 * failure; what did come well is kept in @ans.  @n is at most 4096.
 */
dp_status dnsclient_exchange_many(struct dnsclient *c, ldns_pkt *const *qs,
                                  size_t n, ldns_pkt **ans, char *err,
                                  size_t errlen);

/*
 * dnsclient_query - ask @name @type (class IN); *@ans as above.
 */
dp_status dnsclient_query(struct dnsclient *c, const char *name,
                          ldns_rr_type type, ldns_pkt **ans, char *err,
                          size_t errlen);

/*
 * dnsclient_ede - the Extended DNS Error text of @p copied into @buf, or
 * an empty string.
 */
void dnsclient_ede(const ldns_pkt *p, char *buf, size_t len);

/*
 * dnsclient_tsig_error - the TSIG error of the answer @p (RFC 8945 5.2:
 * BADSIG 16, BADKEY 17, BADTIME 18), 0 when it carries none, with a
 * sentence for the operator in @buf: which key, and for BADTIME the
 * server's clock beside ours.
 */
int dnsclient_tsig_error(const ldns_pkt *p, char *buf, size_t len);

#endif /* DNSCLIENT_H */
