/*
 * xfr.h - zone transfer out (AXFR, RFC 5936; IXFR, RFC 1995) as pure
 * functions: who may transfer, and the messages of a transfer.
 *
 * Nothing here touches a socket, a thread or SQLite.  The transfer thread
 * (xfrout.c) reads the journal from the zone store, checks the access
 * list, and calls xfr_axfr() / xfr_ixfr() to pack the answer into TCP
 * framed messages; the tests call the same functions on built zones.
 */
#ifndef XFR_H
#define XFR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "dname.h"
#include "dp.h"
#include "tsig.h"
#include "zone.h"

/* A soft limit: a message is closed before it grows past this size. */
#define XFR_MSG_SOFT 16384

/*
 * One allow-transfer rule, "ADDR[/BITS] [KEY]": a transfer is allowed to
 * a source address inside the prefix and, when a key is named, only with
 * a request signed with that key.
 */
struct xfr_acl_entry {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned bits;
	uint8_t key[DNAME_MAXLEN]; /* wire; keylen 0: any or no key */
	size_t keylen;
};

/*
 * xfr_acl_parse - parse "ADDR[/BITS] [KEY]" into @out.  Returns 0, or -1
 * with a static reason in *@why.
 */
int xfr_acl_parse(const char *text, struct xfr_acl_entry *out,
                  const char **why);

/*
 * xfr_acl_allows - does any of @acl[0..n) allow a transfer to @peer for a
 * request signed with the verified key @key (@keylen bytes; NULL when the
 * request was not signed)?
 */
bool xfr_acl_allows(const struct xfr_acl_entry *acl, size_t n,
                    const struct sockaddr *peer, const uint8_t *key,
                    size_t keylen);

/* A secondary to notify: "ADDR[:PORT] [KEY]" (port 53 by default). */
struct xfr_target {
	struct sockaddr_storage ss;
	socklen_t sslen;
	char text[80];
	uint8_t key[DNAME_MAXLEN]; /* wire; keylen 0: unsigned */
	size_t keylen;
};

/*
 * xfr_target_parse - parse "ADDR[:PORT] [KEY]" into @out.  Returns 0, or
 * -1 with a static reason in *@why.
 */
int xfr_target_parse(const char *text, struct xfr_target *out,
                     const char **why);

/* A parsed transfer request (its TSIG record already left out). */
struct xfr_query {
	const uint8_t *msg;
	size_t qend; /* end of the question */
	uint16_t id, flags;
	uint8_t qname[DNAME_MAXLEN];
	size_t qnamelen;
	uint16_t qtype, qclass;
	bool has_serial; /* IXFR: the client's SOA was found */
	uint32_t serial; /* the client's serial */
};

/*
 * xfr_parse - parse the request @msg of @len bytes.  Returns 0, or -1
 * when it is malformed (answer FORMERR).
 */
int xfr_parse(const uint8_t *msg, size_t len, struct xfr_query *q);

/* One record, uncompressed. */
struct xfr_rr {
	const uint8_t *owner; /* wire */
	uint16_t type;
	uint32_t ttl;
	const uint8_t *rdata;
	uint16_t rdlen;
	bool added; /* in a journal step: added (else removed) */
};

/*
 * One committed step of a zone's journal: the records it removed and
 * added (added set) in commit order, the SOA among them, taking the zone
 * from @prev_serial to @serial.
 */
struct xfr_step {
	uint32_t prev_serial, serial;
	const struct xfr_rr *rrs;
	size_t n;
};

/*
 * The framed messages of one answer: each is a 16-bit length followed by
 * the message, as sent over TCP.  Owned by the caller: xfr_msgs_free().
 */
struct xfr_msgs {
	uint8_t *buf;
	size_t len, cap;
	size_t count;   /* messages */
	size_t records; /* records in them */
	bool ixfr;      /* incremental (not a full zone) */
	size_t steps;   /* journal steps sent */
};

/* xfr_msgs_add - append the message @msg of @len bytes, framed. */
void xfr_msgs_add(struct xfr_msgs *m, const uint8_t *msg, size_t len);

/* xfr_msgs_free - free the buffer; idempotent. */
void xfr_msgs_free(struct xfr_msgs *m);

/*
 * xfr_chain - the journal steps that take the zone from @from to @to:
 * indexes into @steps[0..n) written to @out (room for @n), in order.
 * Returns how many, or -1 when the journal does not hold a contiguous
 * path (an IXFR must then fall back to a full transfer).  0 when @from
 * equals @to.
 */
long xfr_chain(const struct xfr_step *steps, size_t n, uint32_t from,
               uint32_t to, size_t *out);

/*
 * xfr_axfr - the whole of @z as an AXFR answer to @q: SOA, every other
 * record, SOA, packed with name compression into messages of at most
 * XFR_MSG_SOFT bytes (a larger record gets a message of its own).  Each
 * message is signed with @tsig when it is not NULL (the request was
 * signed; see tsig_sign_stream()).  Appends to @out.
 */
dp_status xfr_axfr(const struct zone *z, const struct xfr_query *q,
                   struct tsig_state *tsig, time_t now, struct xfr_msgs *out);

/*
 * xfr_ixfr - the IXFR answer to @q from @z and its journal @steps[0..n):
 * a single SOA when the client is current (or newer), the chained
 * differences (RFC 1995 section 4: current SOA, then per step the old
 * SOA, the removed records, the new SOA, the added records, then the
 * current SOA) when the journal reaches from the client's serial to the
 * zone's, else a full AXFR-style answer.  Records a step removes and adds
 * back unchanged are left out.  Over UDP (@udp) it is always the single
 * SOA (the client retries over TCP, RFC 1995 section 2).
 */
dp_status xfr_ixfr(const struct zone *z, const struct xfr_step *steps, size_t n,
                   const struct xfr_query *q, bool udp, struct tsig_state *tsig,
                   time_t now, struct xfr_msgs *out);

#endif /* XFR_H */
