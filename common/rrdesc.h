/*
 * rrdesc.h - which rdata fields hold domain names, for every type that
 * has them: one table for reading (decompressing), writing (compressing
 * only where RFC 3597 section 4 allows it) and comparing (names without
 * regard to case, RFC 4343) record data.
 */
#ifndef RRDESC_H
#define RRDESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The layout of rdata with names: @skip fixed bytes, then @strings
 * character-strings, then @names domain names, then @tail fixed bytes
 * (exactly; -1: whatever is left, which no type here has).
 */
struct rr_desc {
	uint16_t type;
	uint8_t skip;
	uint8_t strings;
	uint8_t names;
	uint8_t tail;
	bool compress; /* a type of RFC 1035: its names may be compressed */
};

/* rr_desc - the layout of @type's rdata, or NULL when it holds no name. */
const struct rr_desc *rr_desc(uint16_t type);

/*
 * rr_rdata_cmp - order two rdata of @type: by length, then byte by byte
 * with the letters of their domain names folded to lower case (the
 * canonical form of RFC 4034 6.2).  Returns 0 when they are the same
 * record data, <0 or >0 otherwise.  Malformed rdata compares as bytes.
 */
int rr_rdata_cmp(uint16_t type, const uint8_t *a, size_t alen, const uint8_t *b,
                 size_t blen);

/*
 * rr_rdata_unpack - copy the rdata of @rdlen bytes at @pos of the message
 * @msg (@len bytes) into @out (room for 65535 bytes), expanding
 * compressed names in every type that has names (RFC 3597 section 4:
 * MUST for the types of RFC 1035, SHOULD for the others).  *@outlen is
 * the result's length.  Returns -1 when the rdata does not hold the
 * type's fields.
 */
int rr_rdata_unpack(const uint8_t *msg, size_t len, size_t pos, size_t rdlen,
                    uint16_t type, uint8_t *out, size_t *outlen);

#endif /* RRDESC_H */
