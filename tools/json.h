/*
 * json.h - a small JSON writer for the operator CLI's --json output.
 *
 * The writer puts the commas and the escapes: callers open objects and
 * arrays, name keys and write values in order, and the result is one
 * valid JSON text.  Strings are escaped as RFC 8259 asks; bytes that are
 * not valid UTF-8 become U+FFFD, so any text from the store or from DNS
 * can be written.
 */
#ifndef JSON_H
#define JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAXDEPTH 16

struct json {
	FILE *out;
	unsigned depth;
	bool first[JSON_MAXDEPTH]; /* nothing written yet at this depth */
	bool after_key;            /* a key was written, its value is next */
};

/* json_init - start writing one JSON text to @out (borrowed). */
void json_init(struct json *j, FILE *out);

/* json_open - begin an object ('{') or an array ('['). */
void json_open(struct json *j, char kind);

/* json_close - end the innermost object ('}') or array (']'). */
void json_close(struct json *j, char kind);

/* json_key - the next member's name, in an object. */
void json_key(struct json *j, const char *key);

/* json_str - a string value; NULL writes null. */
void json_str(struct json *j, const char *s);

/* json_uint - an unsigned integer value. */
void json_uint(struct json *j, uint64_t v);

/* json_int - a signed integer value. */
void json_int(struct json *j, int64_t v);

/* json_bool - true or false. */
void json_bool(struct json *j, bool v);

/* json_null - null. */
void json_null(struct json *j);

/*
 * json_escape - write @s as a quoted JSON string to @out.  Exposed for
 * the tests.
 */
void json_escape(FILE *out, const char *s);

#endif /* JSON_H */
