/*
 * keys.h - TSIG keys from BIND-format key files, and what each may change.
 *
 * A key file holds one or more clauses as written by tsig-keygen and read
 * by `nsupdate -k`:
 *
 *   key "enactor-1" { algorithm hmac-sha256; secret "base64..."; };
 *
 * A key's policy is a list of rules "name NAME [TYPE...]" (exactly that
 * name) or "subdomain NAME [TYPE...]" (the name and everything below);
 * no type list means any type.  A key without rules may change anything
 * in the zones authd serves.
 */
#ifndef KEYS_H
#define KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dname.h"
#include "dp.h"

enum tsig_alg {
	TSIG_HMAC_SHA256,
	TSIG_HMAC_SHA512,
};

#define KEY_MAX_TYPES 16

struct key_rule {
	bool subdomain;
	uint8_t name[DNAME_MAXLEN];
	uint8_t namelen;
	uint16_t types[KEY_MAX_TYPES];
	size_t ntypes; /* 0: any type */
};

struct tsig_key {
	char *name;                 /* presentation, lower case, final dot */
	uint8_t wire[DNAME_MAXLEN]; /* the same, wire format */
	size_t wirelen;
	enum tsig_alg alg;
	uint8_t *secret;
	size_t secretlen;
	struct key_rule *rules;
	size_t nrules;
};

struct keyring;

/* keyring_new - an empty keyring, owned by the caller (keyring_free). */
struct keyring *keyring_new(void);

/* keyring_free - free the keyring and its keys.  Idempotent on NULL. */
void keyring_free(struct keyring *kr);

/*
 * keyring_load_file - add every key of the BIND-format file @path.  A key
 * whose name is already in the ring is an error.  On error @err names the
 * file and line.
 */
dp_status keyring_load_file(struct keyring *kr, const char *path, char *err,
                            size_t errlen);

/*
 * keyring_add_rule - add to the key named in @text its rule:
 * "KEYNAME name|subdomain NAME [TYPE ...]".
 */
dp_status keyring_add_rule(struct keyring *kr, const char *text, char *err,
                           size_t errlen);

/* keyring_find - the key whose wire name is @name, or NULL. */
const struct tsig_key *keyring_find(const struct keyring *kr,
                                    const uint8_t *name, size_t len);

/* keyring_first - the first key loaded, or NULL (a client's own key). */
const struct tsig_key *keyring_first(const struct keyring *kr);

/* keyring_count - the number of keys. */
size_t keyring_count(const struct keyring *kr);

/*
 * key_allows - may @key change the RRset of @type at @name?  @type 255
 * (ANY) asks for every type at once.
 */
bool key_allows(const struct tsig_key *key, const uint8_t *name, size_t len,
                uint16_t type);

/* tsig_alg_name - the algorithm's wire name ("\013hmac-sha256"). */
const uint8_t *tsig_alg_wire(enum tsig_alg alg, size_t *len);

#endif /* KEYS_H */
