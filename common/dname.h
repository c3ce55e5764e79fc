/*
 * dname.h - domain names in wire format (RFC 1035 section 3.1).
 *
 * A wire name here is always uncompressed: a sequence of length-prefixed
 * labels ending with the zero-length root label, at most 255 bytes.
 * Comparisons and hashes ignore ASCII letter case, as DNS requires, while
 * the bytes themselves keep the case they were written with.
 */
#ifndef DNAME_H
#define DNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNAME_MAXLEN    255
#define DNAME_MAXLABELS 128

extern const uint8_t dname_lower[256];

/*
 * dname_unpack - read a possibly compressed name from @pkt (@len bytes)
 * starting at *@pos into @out (at least DNAME_MAXLEN bytes).  Pointers
 * must point strictly backwards, so loops are impossible.  On success
 * *@pos is just past the name in the original stream and the name length
 * is returned; -1 for a malformed name.
 */
int dname_unpack(const uint8_t *pkt, size_t len, size_t *pos, uint8_t *out);

/*
 * dname_length - length of the uncompressed name @name that lies in a
 * buffer of @max bytes, or -1 if it is not a valid name within @max.
 */
int dname_length(const uint8_t *name, size_t max);

/* dname_labels - the number of labels, root excluded. */
int dname_labels(const uint8_t *name);

/* dname_hash - a case-insensitive hash of a valid name. */
uint32_t dname_hash(const uint8_t *name, size_t len);

/* dname_equal - case-insensitive equality of two valid names. */
bool dname_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/*
 * dname_cmp - an order of wire names: their bytes with letters folded to
 * lower case, then the shorter first.  0 exactly when dname_equal().
 * (A total order for sorting and matching, not RFC 4034's canonical
 * order, which compares labels from the right.)
 */
int dname_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/*
 * dname_prepend - the wire name @label.@name into @out (DNAME_MAXLEN
 * bytes): returns its length, or 0 when it would be too long.
 */
size_t dname_prepend(const char *label, const uint8_t *name, size_t len,
                     uint8_t *out);

/*
 * dname_is_sub - true if @name is @parent or below it (case-insensitive).
 */
bool dname_is_sub(const uint8_t *name, size_t len, const uint8_t *parent,
                  size_t plen);

/*
 * dname_parent - the name one label up (a pointer into @name), or NULL
 * for the root.
 */
const uint8_t *dname_parent(const uint8_t *name);

/*
 * dname_to_str - write @name in presentation format into @buf (which
 * should be at least 1024 bytes for any name), escaping as RFC 1035 does.
 * Returns @buf.
 */
char *dname_to_str(const uint8_t *name, char *buf, size_t buflen);

/*
 * dname_from_str - parse an absolute or relative presentation name (a
 * missing final dot is implied).  Returns the wire length, -1 on error.
 */
int dname_from_str(const char *str, uint8_t *out);

/*
 * dname_canonical - the presentation name @str in lower case with its
 * final dot, as the plan store keeps endpoint names, into @out (at least
 * 1024 bytes).  Returns 0, or -1 when @str is empty or not a name.
 */
int dname_canonical(const char *str, char *out);

#endif /* DNAME_H */
