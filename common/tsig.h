/*
 * tsig.h - TSIG (RFC 8945): verify a signed request, sign its response.
 *
 * Pure functions over message bytes: no sockets, no clock of their own
 * (the caller passes the time), so the tests can check every error.
 */
#ifndef TSIG_H
#define TSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dp.h"
#include "keys.h"

#define TSIG_BADSIG  16
#define TSIG_BADKEY  17
#define TSIG_BADTIME 18
#define TSIG_MAX_MAC 64

/* What the verification of a request found, needed to sign the answer. */
struct tsig_state {
	bool present;               /* the request carried a TSIG record */
	const struct tsig_key *key; /* NULL when unknown */
	uint8_t keyname[DNAME_MAXLEN];
	size_t keynamelen;
	uint8_t alg[DNAME_MAXLEN];
	size_t alglen;
	uint8_t mac[TSIG_MAX_MAC];
	size_t maclen;
	uint64_t time_signed;
	uint16_t fudge;
	uint16_t orig_id;
	uint16_t error; /* 0, TSIG_BADSIG, TSIG_BADKEY or TSIG_BADTIME */
	size_t msglen;  /* the request without its TSIG record */
};

/*
 * tsig_verify - look for a TSIG record at the end of @msg and verify it
 * with the keys of @kr at time @now.  Returns DP_OK with st->present false
 * when there is none, DP_OK with st->error 0 when it verifies, DP_OK with
 * st->error set when it does not (answer NOTAUTH), DP_EPARSE when the
 * record is malformed or not last (answer FORMERR).
 */
dp_status tsig_verify(const struct keyring *kr, const uint8_t *msg, size_t len,
                      time_t now, struct tsig_state *st);

/*
 * tsig_sign - append a TSIG record to the response @resp (@*len bytes, in
 * a buffer of @cap) answering the request described by @st, and bump its
 * ARCOUNT.  BADKEY and BADSIG answers carry an empty MAC (RFC 8945
 * 5.3.2); others are signed with the request's key.  Returns DP_ESPACE
 * when it does not fit.
 */
dp_status tsig_sign(const struct tsig_state *st, uint8_t *resp, size_t *len,
                    size_t cap, time_t now);

/*
 * tsig_sign_stream - sign one message of a multi-message answer (AXFR,
 * IXFR) to the request described by @st, RFC 8945 section 5.3.1: the
 * first message (@first) like tsig_sign(), every later one over the
 * previous message's MAC, the message and the timers only.  Every message
 * is signed; st->mac becomes this message's MAC, so call it for each
 * message in order.  Returns DP_ESPACE when the record does not fit.
 */
dp_status tsig_sign_stream(struct tsig_state *st, bool first, uint8_t *resp,
                           size_t *len, size_t cap, time_t now);

/*
 * tsig_sign_request - sign the request @msg as a client (used by the tests
 * and the tools): appends a TSIG record for @key.  *@mac receives the MAC
 * for verifying the answer.
 */
dp_status tsig_sign_request(const struct tsig_key *key, uint8_t *msg,
                            size_t *len, size_t cap, time_t now, uint16_t fudge,
                            struct tsig_state *st);

/*
 * tsig_verify_response - as a client: check the TSIG of the answer @resp
 * to the request signed into @req (by tsig_sign_request()).  DP_OK when
 * the answer is signed by the same key, its MAC chains to the request's
 * and its time is within the fudge; *@error is the answer's TSIG error
 * (an answer carrying an error may be unsigned).  DP_ENOENT when the
 * answer has no TSIG, DP_EINVAL when it does not verify.
 */
dp_status tsig_verify_response(const struct tsig_state *req,
                               const uint8_t *resp, size_t len, time_t now,
                               uint16_t *error);

#endif /* TSIG_H */
