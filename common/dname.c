/*
 * dname.c - domain names in wire format.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "dname.h"

#define L(x)   ((uint8_t)((x) >= 'A' && (x) <= 'Z' ? (x) + 32 : (x)))
#define R4(b)  L(b), L(b + 1), L(b + 2), L(b + 3)
#define R16(b) R4(b), R4(b + 4), R4(b + 8), R4(b + 12)
#define R64(b) R16(b), R16(b + 16), R16(b + 32), R16(b + 48)

const uint8_t dname_lower[256] = {R64(0), R64(64), R64(128), R64(192)};

int dname_unpack(const uint8_t *pkt, size_t len, size_t *pos, uint8_t *out)
{
	size_t p = *pos;
	size_t n = 0;
	size_t end = 0;   /* position after the name in the stream */
	size_t limit = p; /* pointers must go strictly below this */
	bool jumped = false;

	for (;;) {
		if (p >= len)
			return -1;
		uint8_t c = pkt[p];
		if ((c & 0xC0) == 0xC0) {
			if (p + 1 >= len)
				return -1;
			size_t target = ((size_t)(c & 0x3F) << 8) | pkt[p + 1];
			if (!jumped)
				end = p + 2;
			if (target >= limit)
				return -1;
			limit = target;
			p = target;
			jumped = true;
			continue;
		}
		if (c & 0xC0)
			return -1; /* extended label types are not supported */
		if (n + 1 + c > DNAME_MAXLEN || p + 1 + c > len)
			return -1;
		memcpy(out + n, pkt + p, (size_t)c + 1);
		n += (size_t)c + 1;
		p += (size_t)c + 1;
		if (c == 0)
			break;
	}
	*pos = jumped ? end : p;
	return (int)n;
}

int dname_length(const uint8_t *name, size_t max)
{
	size_t n = 0;
	for (;;) {
		if (n >= max)
			return -1;
		uint8_t c = name[n];
		if (c & 0xC0)
			return -1;
		n += (size_t)c + 1;
		if (n > DNAME_MAXLEN)
			return -1;
		if (c == 0)
			return (int)n;
	}
}

int dname_labels(const uint8_t *name)
{
	int n = 0;
	while (*name) {
		name += *name + 1;
		n++;
	}
	return n;
}

uint32_t dname_hash(const uint8_t *name, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++) {
		h ^= dname_lower[name[i]];
		h *= 16777619u;
	}
	return h ^ (h >> 15);
}

int dname_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	for (size_t i = 0; i < n; i++) {
		int d = dname_lower[a[i]] - dname_lower[b[i]];
		if (d != 0)
			return d;
	}
	return alen == blen ? 0 : alen < blen ? -1 : 1;
}

size_t dname_prepend(const char *label, const uint8_t *name, size_t len,
                     uint8_t *out)
{
	size_t ll = strlen(label);
	if (ll == 0 || ll > 63 || len + ll + 1 > DNAME_MAXLEN)
		return 0;
	out[0] = (uint8_t)ll;
	memcpy(out + 1, label, ll);
	memcpy(out + 1 + ll, name, len);
	return len + ll + 1;
}

bool dname_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++) {
		if (dname_lower[a[i]] != dname_lower[b[i]])
			return false;
	}
	return true;
}

bool dname_is_sub(const uint8_t *name, size_t len, const uint8_t *parent,
                  size_t plen)
{
	while (len > plen) {
		len -= (size_t)*name + 1;
		name += *name + 1;
	}
	return len == plen && dname_equal(name, len, parent, plen);
}

const uint8_t *dname_parent(const uint8_t *name)
{
	if (*name == 0)
		return NULL;
	return name + *name + 1;
}

char *dname_to_str(const uint8_t *name, char *buf, size_t buflen)
{
	size_t n = 0;
	if (buflen == 0)
		return buf;
	if (*name == 0) {
		snprintf(buf, buflen, ".");
		return buf;
	}
	while (*name && n + 5 < buflen) {
		uint8_t l = *name++;
		for (uint8_t i = 0; i < l && n + 5 < buflen; i++) {
			uint8_t c = *name++;
			if (c == '.' || c == '\\' || c == '"' || c == '(' ||
			    c == ')' || c == ';' || c == '@' || c == '$') {
				buf[n++] = '\\';
				buf[n++] = (char)c;
			} else if (c <= ' ' || c >= 0x7f) {
				n += (size_t)snprintf(buf + n, buflen - n,
				                      "\\%03u", c);
			} else {
				buf[n++] = (char)c;
			}
		}
		buf[n++] = '.';
	}
	buf[n < buflen ? n : buflen - 1] = '\0';
	return buf;
}

int dname_from_str(const char *str, uint8_t *out)
{
	size_t n = 0;
	if (strcmp(str, ".") == 0) {
		out[0] = 0;
		return 1;
	}
	while (*str) {
		size_t lpos = n++;
		uint8_t l = 0;
		while (*str && *str != '.') {
			int c = (unsigned char)*str++;
			if (c == '\\') {
				if (isdigit((unsigned char)str[0]) &&
				    isdigit((unsigned char)str[1]) &&
				    isdigit((unsigned char)str[2])) {
					c = (str[0] - '0') * 100 +
					    (str[1] - '0') * 10 +
					    (str[2] - '0');
					if (c > 255)
						return -1;
					str += 3;
				} else if (*str &&
				           !isdigit((unsigned char)*str)) {
					c = (unsigned char)*str++;
				} else {
					/* RFC 1035 5.1: a digit starts \DDD. */
					return -1;
				}
			}
			if (l == 63 || n + 1 >= DNAME_MAXLEN)
				return -1;
			out[n++] = (uint8_t)c;
			l++;
		}
		if (l == 0)
			return -1; /* empty label */
		out[lpos] = l;
		if (*str == '.')
			str++;
	}
	if (n + 1 > DNAME_MAXLEN)
		return -1;
	out[n++] = 0;
	return (int)n;
}

int dname_canonical(const char *str, char *out)
{
	uint8_t wire[DNAME_MAXLEN];
	int len;
	if (*str == '\0' || (len = dname_from_str(str, wire)) < 0)
		return -1;
	/* Only the name's own bytes: the rest of @wire is not set. */
	for (int i = 0; i < len; i++)
		wire[i] = dname_lower[wire[i]];
	dname_to_str(wire, out, 1024);
	return 0;
}
