/*
 * rrdesc.c - the rdata layouts with domain names, and the reading and
 * comparing that follow from them.
 */
#include <string.h>

#include "dname.h"
#include "rrdesc.h"

/* Types 3, 4, 7, 8, 9 and 14 are RFC 1035's MD, MF, MB, MG, MR and
 * MINFO; 17 RP, 18 AFSDB, 21 RT, 26 PX, 33 SRV, 35 NAPTR, 36 KX, 39
 * DNAME. */
static const struct rr_desc descs[] = {
        {2, 0, 0, 1, 0, true},   /* NS */
        {3, 0, 0, 1, 0, true},   /* MD */
        {4, 0, 0, 1, 0, true},   /* MF */
        {5, 0, 0, 1, 0, true},   /* CNAME */
        {6, 0, 0, 2, 20, true},  /* SOA */
        {7, 0, 0, 1, 0, true},   /* MB */
        {8, 0, 0, 1, 0, true},   /* MG */
        {9, 0, 0, 1, 0, true},   /* MR */
        {12, 0, 0, 1, 0, true},  /* PTR */
        {14, 0, 0, 2, 0, true},  /* MINFO */
        {15, 2, 0, 1, 0, true},  /* MX */
        {17, 0, 0, 2, 0, false}, /* RP */
        {18, 2, 0, 1, 0, false}, /* AFSDB */
        {21, 2, 0, 1, 0, false}, /* RT */
        {26, 2, 0, 2, 0, false}, /* PX */
        {33, 6, 0, 1, 0, false}, /* SRV */
        {35, 4, 3, 1, 0, false}, /* NAPTR */
        {36, 2, 0, 1, 0, false}, /* KX */
        {39, 0, 0, 1, 0, false}, /* DNAME */
};

const struct rr_desc *rr_desc(uint16_t type)
{
	for (size_t i = 0; i < sizeof(descs) / sizeof(descs[0]); i++) {
		if (descs[i].type == type)
			return &descs[i];
	}
	return NULL;
}

/* Bytes in order, then the shorter first. */
static int bytes_cmp(const uint8_t *a, size_t alen, const uint8_t *b,
                     size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	if (c != 0)
		return c;
	return alen == blen ? 0 : alen < blen ? -1 : 1;
}

int rr_rdata_cmp(uint16_t type, const uint8_t *a, size_t alen, const uint8_t *b,
                 size_t blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	const struct rr_desc *d = rr_desc(type);
	if (d == NULL || alen < d->skip)
		return bytes_cmp(a, alen, b, blen);
	int c = memcmp(a, b, d->skip);
	if (c != 0)
		return c;
	size_t oa = d->skip, ob = d->skip;
	for (unsigned i = 0; i < d->strings; i++) {
		if (oa >= alen || ob >= blen || oa + 1U + a[oa] > alen ||
		    ob + 1U + b[ob] > blen)
			return bytes_cmp(a, alen, b, blen);
		c = bytes_cmp(a + oa, 1U + a[oa], b + ob, 1U + b[ob]);
		if (c != 0)
			return c;
		oa += 1U + a[oa];
		ob += 1U + b[ob];
	}
	for (unsigned i = 0; i < d->names; i++) {
		int la = dname_length(a + oa, alen - oa);
		int lb = dname_length(b + ob, blen - ob);
		if (la < 0 || lb < 0)
			return bytes_cmp(a, alen, b, blen);
		c = dname_cmp(a + oa, (size_t)la, b + ob, (size_t)lb);
		if (c != 0)
			return c;
		oa += (size_t)la;
		ob += (size_t)lb;
	}
	return bytes_cmp(a + oa, alen - oa, b + ob, blen - ob);
}

int rr_rdata_unpack(const uint8_t *msg, size_t len, size_t pos, size_t rdlen,
                    uint16_t type, uint8_t *out, size_t *outlen)
{
	size_t end = pos + rdlen;
	const struct rr_desc *d = rr_desc(type);
	if (end > len)
		return -1;
	if (d == NULL) {
		memcpy(out, msg + pos, rdlen);
		*outlen = rdlen;
		return 0;
	}
	/* The fixed bytes and the character-strings, as they are. */
	size_t head = d->skip;
	if (head > rdlen)
		return -1;
	for (unsigned i = 0; i < d->strings; i++) {
		if (head >= rdlen || head + 1U + msg[pos + head] > rdlen)
			return -1;
		head += 1U + msg[pos + head];
	}
	memcpy(out, msg + pos, head);
	size_t n = head;
	pos += head;
	for (unsigned i = 0; i < d->names; i++) {
		if (pos >= end)
			return -1;
		int l = dname_unpack(msg, end, &pos, out + n);
		if (l < 0)
			return -1;
		n += (size_t)l;
	}
	if (end - pos != d->tail)
		return -1;
	memcpy(out + n, msg + pos, d->tail);
	*outlen = n + d->tail;
	return 0;
}
