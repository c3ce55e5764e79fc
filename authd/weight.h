/*
 * weight.h - weighted answers: which addresses of an A or AAAA RRset an
 * answer holds, by the weights of its _weight companion TXT records.
 *
 * The weight of the address set at owner N lives in the zone as the TXT
 * RRset at "_weight.N", one record "ADDRESS WEIGHT" per address (weight
 * 0..65535).  Everything here is pure: no allocation, no I/O; the random
 * state is the caller's.
 */
#ifndef WEIGHT_H
#define WEIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp.h"
#include "zone.h"

/* The most addresses an answer from a weighted set may hold. */
#define WEIGHT_ANSWERS_MAX 8
/* The addresses of one RRset the selection considers (the first ones). */
#define WEIGHT_SET_MAX 256
/* The largest weight. */
#define WEIGHT_MAX 65535U

/* One weight record, read. */
struct weight_rec {
	uint16_t type;    /* RR_TYPE_A or RR_TYPE_AAAA */
	uint8_t addr[16]; /* 4 or 16 bytes, as in the address's rdata */
	uint32_t weight;  /* 0..WEIGHT_MAX */
};

/*
 * weight_parse - read the TXT rdata @rd of @rdlen bytes as a weight
 * record: exactly one character-string "ADDRESS WEIGHT".  Returns DP_OK
 * and fills *@out, or DP_EINVAL for anything else (more strings, no
 * address, a weight that is not 0..WEIGHT_MAX in decimal).
 */
dp_status weight_parse(const uint8_t *rd, size_t rdlen, struct weight_rec *out);

/*
 * weight_name - the wire name "_weight.<owner>" of the @len-byte wire
 * name @owner into @out (DNAME_MAXLEN bytes).  Returns its length, or 0
 * when it would be longer than a name may be.
 */
size_t weight_name(const uint8_t *owner, size_t len, uint8_t *out);

/*
 * weight_is_name - is the wire name @name a weight record's owner, its
 * first label "_weight" (in any case)?
 */
bool weight_is_name(const uint8_t *name);

/*
 * weight_rand - the next number of the xorshift64* generator whose state
 * is *@state (never 0: a zero state is replaced by a fixed constant).
 */
uint64_t weight_rand(uint64_t *state);

/*
 * weight_pick - choose the addresses of @addrs (an A or AAAA RRset) that
 * an answer holds, by the weight records @weights (the TXT RRset at
 * "_weight.<owner>").  An address no record names weighs 1 (the first
 * record naming an address counts; records that do not read are
 * skipped); weight 0 is never chosen unless every address weighs 0, when
 * all weigh alike.  Up to @max (at least 1) are drawn without
 * replacement, each with probability weight / sum of the weights left,
 * using *@rng; only the first WEIGHT_SET_MAX records of @addrs take part.
 * The chosen records' rdata (each with its 16-bit length prefix,
 * pointing into @addrs) go to @out, room for @max, in the order drawn.
 * Returns how many: min(@max, addresses that may be chosen), 0 only for
 * an empty @addrs.
 */
unsigned weight_pick(const struct zone_rrset *addrs,
                     const struct zone_rrset *weights, unsigned max,
                     uint64_t *rng, const uint8_t **out);

#endif /* WEIGHT_H */
