/*
 * answer.h - the query path of authd: query bytes in, response bytes out.
 *
 * A pure function over the in-memory zone set: no sockets, no SQLite, no
 * allocation.  The I/O layer (server.c) and the tests call it alike.
 */
#ifndef ANSWER_H
#define ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp.h"
#include "zone.h"

struct answer_opts {
	bool tcp;                 /* the query came over TCP */
	uint16_t max_udp_payload; /* our EDNS maximum (512..4096) */
	bool minimal_responses;   /* leave the zone's NS out of answers */
	bool updates;             /* an update thread takes UPDATEs */
	bool transfers;           /* a transfer thread takes AXFR and IXFR */
	/*
	 * Addresses in an answer from a weighted set (weight.h), 1..
	 * WEIGHT_ANSWERS_MAX; 0 means 1.
	 */
	unsigned weighted_answers;
	/*
	 * The random state weighted answers draw from, owned by the caller
	 * and used by one thread at a time; NULL: a state seeded from the
	 * message ID.
	 */
	uint64_t *rng;
};

/*
 * The EXTRA-TEXT of the extended error (RFC 8914 code 14, Not Ready) of a
 * SERVFAIL for a name not ready (zone_not_ready()).
 */
#define ANSWER_NOT_READY_TEXT                                                  \
	"guarded endpoint without an address: waiting for its writer"

/*
 * answer_query - answer the DNS message @q of @qlen bytes from @zs.
 *
 * The response is written to @out, which must hold DNS_MAX_MSG bytes;
 * over UDP it never exceeds the payload size the client may receive
 * (512 bytes without EDNS, else the smaller of its EDNS size and
 * @opts->max_udp_payload) and is truncated with TC set when the answer
 * does not fit.  On success *@outlen and *@rcode are set and DP_OK is
 * returned.  DP_EINVAL means the message must be dropped without an answer
 * (shorter than a header, or a response).  *@rcode is SERVFAIL for one
 * reason only: A, AAAA, CNAME or ANY asked of a name not ready, or
 * through a CNAME chain that reaches one (zone_not_ready(); the answer
 * carries the extended error Not Ready and ANSWER_NOT_READY_TEXT, and no
 * records).  DP_ESIGNED means the query
 * carries a TSIG record: verify it, answer the message without it and
 * sign the answer (the update thread does, with the key ring).
 */
dp_status answer_query(const struct zoneset *zs, const uint8_t *q, size_t qlen,
                       const struct answer_opts *opts, uint8_t *out,
                       size_t *outlen, int *rcode);

/* Where answer_message() sent a message. */
enum answer_route {
	ANSWER_DONE,        /* answered here: *outlen bytes in out, *rcode */
	ANSWER_DROP,        /* no answer at all (too short, a response) */
	ANSWER_TO_UPDATER,  /* an UPDATE, or a TSIG-signed query */
	ANSWER_TO_TRANSFER, /* AXFR over TCP, IXFR */
};

/*
 * answer_message - the request path's one decision: answer the request
 * @pkt of @len bytes from @zs in place (as answer_query() does), or say
 * which thread takes it.  UPDATEs and signed queries go to the update
 * thread when @opts->updates, zone transfers to the transfer thread when
 * @opts->transfers; every message passes the same shape check first
 * (msg_shape()).  Output as answer_query()'s when ANSWER_DONE.
 */
enum answer_route answer_message(const struct zoneset *zs, const uint8_t *pkt,
                                 size_t len, const struct answer_opts *opts,
                                 uint8_t *out, size_t *outlen, int *rcode);

#endif /* ANSWER_H */
