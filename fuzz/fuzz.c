/*
 * fuzz.c - helpers the fuzz targets share (see fuzz.h).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "log.h"

#ifndef FUZZ_ROOT
#define FUZZ_ROOT "."
#endif

const char *fuzz_path(const char *rel)
{
	static char buf[4096];
	const char *root = getenv("DP_FUZZ_ROOT");
	snprintf(buf, sizeof(buf), "%s/%s", root ? root : FUZZ_ROOT, rel);
	return buf;
}

void fuzz_quiet(void)
{
	/* Every level is above 0, so nothing is printed. */
	log_init("fuzz", (enum log_level)0);
}

void fuzz_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "fuzz: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

uint8_t *fuzz_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap);
	size_t got;
	while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			uint8_t *nb = realloc(buf, cap);
			if (nb == NULL)
				free(buf);
			buf = nb;
		}
	}
	fclose(f);
	*len = n;
	return buf;
}

const char *fuzz_memfile(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		fd = memfd_create("fuzz", 0);
		if (fd < 0)
			fuzz_fail("memfd_create failed");
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0)
		fuzz_fail("ftruncate failed");
	for (size_t off = 0; off < size;) {
		ssize_t n = pwrite(fd, data + off, size - off, (off_t)off);
		if (n <= 0)
			fuzz_fail("pwrite failed");
		off += (size_t)n;
	}
	return path;
}

const struct keyring *fuzz_keyring(void)
{
	static struct keyring *kr;
	if (kr != NULL)
		return kr;
	char err[1024];
	kr = keyring_new();
	if (keyring_load_file(kr, fuzz_path("fuzz/fuzz.key"), err,
	                      sizeof(err)) != DP_OK ||
	    keyring_add_rule(kr,
	                     FUZZ_KEY_LIMITED " subdomain "
	                                      "dynamodb.us-east-1.api.test. "
	                                      "A AAAA CNAME",
	                     err, sizeof(err)) != DP_OK ||
	    keyring_add_rule(kr,
	                     FUZZ_KEY_LIMITED
	                     " name "
	                     "_gen.dynamodb.us-east-1.api.test. "
	                     "TXT",
	                     err, sizeof(err)) != DP_OK)
		fuzz_fail("%s", err);
	return kr;
}

dp_status fuzz_tsig_verify(const struct keyring *kr, const uint8_t *msg,
                           size_t len, struct tsig_state *st)
{
	dp_status rc = tsig_verify(kr, msg, len, 0, st);
	if (rc != DP_OK || !st->present || st->error != TSIG_BADTIME)
		return rc;
	return tsig_verify(kr, msg, len, (time_t)st->time_signed, st);
}
