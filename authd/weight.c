/*
 * weight.c - weighted answers: read the "_weight" companion records of
 * an address set and draw the addresses an answer holds.
 *
 * The rules are Route 53's (weight 0 never, unless every weight is 0)
 * and NS1's filter chain (a weighted shuffle, then the first N); see
 * docs/DESIGN.md, "authd: weighted answers".
 */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "dns.h"
#include "dname.h"
#include "labels.h"
#include "weight.h"
#include "wire.h"

dp_status weight_parse(const uint8_t *rd, size_t rdlen, struct weight_rec *out)
{
	if (rdlen < 1 || (size_t)rd[0] + 1 != rdlen)
		return DP_EINVAL;
	const char *t = (const char *)rd + 1;
	size_t n = rd[0];
	const char *sp = memchr(t, ' ', n);
	if (sp == NULL || sp == t)
		return DP_EINVAL;
	size_t alen = (size_t)(sp - t);
	size_t wlen = n - alen - 1;
	if (alen >= INET6_ADDRSTRLEN || wlen == 0 || wlen > 5)
		return DP_EINVAL;
	uint32_t w = 0;
	for (size_t i = 0; i < wlen; i++) {
		char d = sp[1 + i];
		if (d < '0' || d > '9')
			return DP_EINVAL;
		w = w * 10 + (uint32_t)(d - '0');
	}
	if (w > WEIGHT_MAX)
		return DP_EINVAL;
	char a[INET6_ADDRSTRLEN];
	memcpy(a, t, alen);
	a[alen] = '\0';
	bool v6 = memchr(a, ':', alen) != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, a, out->addr) != 1)
		return DP_EINVAL;
	out->type = v6 ? RR_TYPE_AAAA : RR_TYPE_A;
	out->weight = w;
	return DP_OK;
}

size_t weight_name(const uint8_t *owner, size_t len, uint8_t *out)
{
	return dname_prepend(LABEL_WEIGHT, owner, len, out);
}

bool weight_is_name(const uint8_t *name)
{
	size_t n = sizeof(LABEL_WEIGHT) - 1;
	return name[0] == n &&
	       strncasecmp((const char *)name + 1, LABEL_WEIGHT, n) == 0;
}

uint64_t weight_rand(uint64_t *state)
{
	uint64_t x = *state != 0 ? *state : 0x9E3779B97F4A7C15ULL;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* A number in [0, @bound) from *@rng (Lemire's multiply-shift). */
static uint64_t below(uint64_t *rng, uint64_t bound)
{
	return (uint64_t)(((unsigned __int128)weight_rand(rng) * bound) >> 64);
}

/*
 * The weights of the @n addresses @rec of type @type from the records of
 * @weights, into @w; returns their sum.
 */
static uint64_t read_weights(const struct zone_rrset *weights, uint16_t type,
                             const uint8_t *const *rec, unsigned n, uint32_t *w)
{
	bool named[WEIGHT_SET_MAX] = {false};
	for (unsigned i = 0; i < n; i++)
		w[i] = 1;
	const uint8_t *rd = weights->rdata;
	for (uint16_t i = 0; i < weights->count; i++, rd += 2 + rd16(rd)) {
		struct weight_rec r;
		if (weight_parse(rd + 2, rd16(rd), &r) != DP_OK ||
		    r.type != type)
			continue;
		size_t alen = type == RR_TYPE_A ? 4 : 16;
		for (unsigned j = 0; j < n; j++) {
			if (!named[j] && rd16(rec[j]) == alen &&
			    memcmp(rec[j] + 2, r.addr, alen) == 0) {
				named[j] = true;
				w[j] = r.weight;
				break;
			}
		}
	}
	uint64_t total = 0;
	for (unsigned i = 0; i < n; i++)
		total += w[i];
	return total;
}

unsigned weight_pick(const struct zone_rrset *addrs,
                     const struct zone_rrset *weights, unsigned max,
                     uint64_t *rng, const uint8_t **out)
{
	const uint8_t *rec[WEIGHT_SET_MAX];
	uint32_t w[WEIGHT_SET_MAX];
	unsigned n =
	        addrs->count < WEIGHT_SET_MAX ? addrs->count : WEIGHT_SET_MAX;
	const uint8_t *rd = addrs->rdata;
	for (unsigned i = 0; i < n; i++, rd += 2 + rd16(rd))
		rec[i] = rd;
	uint64_t total = read_weights(weights, addrs->type, rec, n, w);
	if (total == 0) {
		/* Every address weighs 0: all alike, as Route 53 does. */
		for (unsigned i = 0; i < n; i++)
			w[i] = 1;
		total = n;
	}
	unsigned k = 0;
	while (k < max && total > 0) {
		uint64_t r = below(rng, total);
		unsigned i = 0;
		while (r >= w[i])
			r -= w[i++];
		out[k++] = rec[i];
		total -= w[i];
		w[i] = 0;
	}
	return k;
}
