/*
 * fuzz.h - what the libFuzzer targets of fuzz/ share: the entry point
 * every target defines, the files they load once, and an in-memory file
 * for the parsers that only read from a path.
 *
 * Each target is one LLVMFuzzerTestOneInput() linked either with
 * libFuzzer (clang, `make fuzz`) or with replay.c (any compiler, `make
 * check`), which feeds it every seed of the corpus.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "tsig.h"

/* The key the fuzz key file defines (may change anything). */
#define FUZZ_KEY "fuzz-key."
/* A second key, limited by fuzz_keyring() to the endpoint's records. */
#define FUZZ_KEY_LIMITED "fuzz-limited."

/*
 * LLVMFuzzerTestOneInput - run one input through the target.  Returns 0;
 * a bug aborts (a sanitizer report or fuzz_fail()).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * fuzz_path - the repository file @rel (e.g. "tests/zones/api.test.zone")
 * as a path that works from any directory: FUZZ_ROOT/@rel.  Returns a
 * static buffer, valid until the next call.
 */
const char *fuzz_path(const char *rel);

/*
 * fuzz_quiet - log only what no level reaches, so that a million parse
 * errors do not flood the fuzzer's output.
 */
void fuzz_quiet(void);

/*
 * fuzz_fail - report a broken invariant of the code under test and
 * abort, so that libFuzzer keeps the input as a crash.
 */
void fuzz_fail(const char *fmt, ...)
        __attribute__((noreturn, format(printf, 1, 2)));

/*
 * fuzz_read_file - all of @path, malloc'ed (free() it); *@len gets its
 * size.  NULL when it cannot be read.
 */
uint8_t *fuzz_read_file(const char *path, size_t *len);

/*
 * fuzz_memfile - write @size bytes of @data to an anonymous in-memory
 * file and return a path that opens it ("/proc/self/fd/N"), for parsers
 * that take a file name.  The file is reused: the path is valid until
 * the next call.
 */
const char *fuzz_memfile(const uint8_t *data, size_t size);

/*
 * fuzz_keyring - the keys of fuzz/fuzz.key, with FUZZ_KEY_LIMITED allowed
 * only the endpoint's address, CNAME and marker records.  Built once;
 * owned by this module.
 */
const struct keyring *fuzz_keyring(void);

/*
 * fuzz_tsig_verify - tsig_verify() with the clock left out: the request
 * is checked at the time it says it was signed, so that seeds captured
 * once keep verifying.  The key and the MAC are checked as authd does.
 */
dp_status fuzz_tsig_verify(const struct keyring *kr, const uint8_t *msg,
                           size_t len, struct tsig_state *st);

#endif /* FUZZ_H */
