/*
 * wire.h - big-endian readers and writers of DNS wire data (RFC 1035
 * 2.3.2: network order), the one copy every module uses.
 *
 * Callers check bounds first; these only move bytes.
 */
#ifndef WIRE_H
#define WIRE_H

#include <stdint.h>

/* The 16-bit value at @p. */
static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The 32-bit value at @p. */
static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* The 48-bit value at @p (TSIG's time signed). */
static inline uint64_t rd48(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 6; i++)
		v = v << 8 | p[i];
	return v;
}

/* Write @v at @p in two bytes. */
static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Write @v at @p in four bytes. */
static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Write the low 48 bits of @v at @p in six bytes. */
static inline void wr48(uint8_t *p, uint64_t v)
{
	for (int i = 5; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

#endif /* WIRE_H */
