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
};

/*
 * answer_query - answer the DNS message @q of @qlen bytes from @zs.
 *
 * The response is written to @out, which must hold DNS_MAX_MSG bytes;
 * over UDP it never exceeds the payload size the client may receive
 * (512 bytes without EDNS, else the smaller of its EDNS size and
 * @opts->max_udp_payload) and is truncated with TC set when the answer
 * does not fit.  On success *@outlen and *@rcode are set and DP_OK is
 * returned.  DP_EINVAL means the message must be dropped without an answer
 * (shorter than a header, or a response).  DP_ESIGNED means the query
 * carries a TSIG record: verify it, answer the message without it and
 * sign the answer (the update thread does, with the key ring).
 */
dp_status answer_query(const struct zoneset *zs, const uint8_t *q, size_t qlen,
                       const struct answer_opts *opts, uint8_t *out,
                       size_t *outlen, int *rcode);

#endif /* ANSWER_H */
