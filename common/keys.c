/*
 * keys.c - reading BIND key files and applying key policies.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>
#include <openssl/evp.h>

#include "keys.h"
#include "xalloc.h"

struct keyring {
	struct tsig_key *keys;
	size_t n;
};

struct keyring *keyring_new(void)
{
	return xcalloc(1, sizeof(struct keyring));
}

void keyring_free(struct keyring *kr)
{
	if (kr == NULL)
		return;
	for (size_t i = 0; i < kr->n; i++) {
		free(kr->keys[i].name);
		if (kr->keys[i].secret != NULL)
			OPENSSL_cleanse(kr->keys[i].secret,
			                kr->keys[i].secretlen);
		free(kr->keys[i].secret);
		free(kr->keys[i].rules);
	}
	free(kr->keys);
	free(kr);
}

const struct tsig_key *keyring_first(const struct keyring *kr)
{
	return kr->n > 0 ? &kr->keys[0] : NULL;
}

size_t keyring_count(const struct keyring *kr)
{
	return kr->n;
}

const struct tsig_key *keyring_find(const struct keyring *kr,
                                    const uint8_t *name, size_t len)
{
	for (size_t i = 0; i < kr->n; i++) {
		if (dname_equal(kr->keys[i].wire, kr->keys[i].wirelen, name,
		                len))
			return &kr->keys[i];
	}
	return NULL;
}

const uint8_t *tsig_alg_wire(enum tsig_alg alg, size_t *len)
{
	static const uint8_t sha256[] = "\013hmac-sha256";
	static const uint8_t sha512[] = "\013hmac-sha512";
	*len = sizeof(sha256); /* the final NUL is the root label */
	return alg == TSIG_HMAC_SHA512 ? sha512 : sha256;
}

/* A tokenizer for named.conf syntax: words, quoted strings, { } ;. */
struct lexer {
	const char *p;
	int line;
	char tok[1024];
};

static bool next_token(struct lexer *lx)
{
	for (;;) {
		while (isspace((unsigned char)*lx->p)) {
			if (*lx->p == '\n')
				lx->line++;
			lx->p++;
		}
		if (*lx->p == '#' || (lx->p[0] == '/' && lx->p[1] == '/')) {
			while (*lx->p && *lx->p != '\n')
				lx->p++;
			continue;
		}
		if (lx->p[0] == '/' && lx->p[1] == '*') {
			const char *e = strstr(lx->p + 2, "*/");
			for (const char *q = lx->p;
			     q < (e ? e : lx->p + strlen(lx->p)); q++)
				lx->line += *q == '\n';
			lx->p = e ? e + 2 : lx->p + strlen(lx->p);
			continue;
		}
		break;
	}
	if (*lx->p == '\0')
		return false;
	size_t n = 0;
	if (strchr("{};", *lx->p)) {
		lx->tok[n++] = *lx->p++;
	} else if (*lx->p == '"') {
		lx->p++;
		while (*lx->p && *lx->p != '"' && n + 1 < sizeof(lx->tok))
			lx->tok[n++] = *lx->p++;
		if (*lx->p == '"')
			lx->p++;
	} else {
		while (*lx->p && !isspace((unsigned char)*lx->p) &&
		       !strchr("{};\"", *lx->p) && n + 1 < sizeof(lx->tok))
			lx->tok[n++] = *lx->p++;
	}
	lx->tok[n] = '\0';
	return true;
}

static int base64_decode(const char *in, uint8_t **out, size_t *outlen)
{
	size_t n = strlen(in);
	if (n == 0 || n % 4 != 0)
		return -1;
	uint8_t *buf = xmalloc(n / 4 * 3 + 1);
	int len = EVP_DecodeBlock(buf, (const unsigned char *)in, (int)n);
	if (len < 0) {
		free(buf);
		return -1;
	}
	for (size_t i = n; i > 0 && in[i - 1] == '='; i--)
		len--;
	*out = buf;
	*outlen = (size_t)len;
	return 0;
}

static int parse_key(struct lexer *lx, struct tsig_key *k, const char **why)
{
	memset(k, 0, sizeof(*k));
	if (!next_token(lx)) {
		*why = "key name expected";
		return -1;
	}
	int wl = dname_from_str(lx->tok, k->wire);
	if (wl < 0) {
		*why = "bad key name";
		return -1;
	}
	k->wirelen = (size_t)wl;
	for (size_t i = 0; i < k->wirelen; i++)
		k->wire[i] = dname_lower[k->wire[i]];
	char buf[1024];
	k->name = xstrdup(dname_to_str(k->wire, buf, sizeof(buf)));
	if (!next_token(lx) || strcmp(lx->tok, "{") != 0) {
		*why = "'{' expected after the key name";
		return -1;
	}
	bool have_alg = false;
	for (;;) {
		if (!next_token(lx)) {
			*why = "unterminated key clause";
			return -1;
		}
		if (strcmp(lx->tok, "}") == 0)
			break;
		char word[64];
		if (strlen(lx->tok) >= sizeof(word)) {
			*why = "unknown statement in key clause";
			return -1;
		}
		strcpy(word, lx->tok);
		if (!next_token(lx)) {
			*why = "value expected";
			return -1;
		}
		if (strcasecmp(word, "algorithm") == 0) {
			if (strcasecmp(lx->tok, "hmac-sha256") == 0)
				k->alg = TSIG_HMAC_SHA256;
			else if (strcasecmp(lx->tok, "hmac-sha512") == 0)
				k->alg = TSIG_HMAC_SHA512;
			else {
				*why = "unsupported algorithm (hmac-sha256 and "
				       "hmac-sha512 are)";
				return -1;
			}
			have_alg = true;
		} else if (strcasecmp(word, "secret") == 0) {
			free(k->secret);
			k->secret = NULL;
			if (base64_decode(lx->tok, &k->secret, &k->secretlen) !=
			    0) {
				*why = "secret is not valid base64";
				return -1;
			}
		} else {
			*why = "unknown statement in key clause";
			return -1;
		}
		if (!next_token(lx) || strcmp(lx->tok, ";") != 0) {
			*why = "';' expected";
			return -1;
		}
	}
	if (!next_token(lx) || strcmp(lx->tok, ";") != 0) {
		*why = "';' expected after '}'";
		return -1;
	}
	if (!have_alg || k->secret == NULL || k->secretlen == 0) {
		*why = "a key needs an algorithm and a secret";
		return -1;
	}
	return 0;
}

dp_status keyring_load_file(struct keyring *kr, const char *path, char *err,
                            size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
		         strerror(errno));
		return DP_ENOENT;
	}
	char *text = NULL;
	size_t cap = 0, n = 0;
	char chunk[4096];
	size_t r;
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		text = xrealloc(text, cap = n + r + 1);
		memcpy(text + n, chunk, r);
		n += r;
	}
	fclose(f);
	text = xrealloc(text, n + 1);
	text[n] = '\0';
	(void)cap;

	struct lexer lx = {.p = text, .line = 1};
	dp_status rc = DP_OK;
	size_t found = 0;
	while (next_token(&lx)) {
		int line = lx.line;
		const char *why = NULL;
		struct tsig_key k;
		memset(&k, 0, sizeof(k));
		if (strcmp(lx.tok, "key") != 0) {
			why = "'key' clause expected";
		} else if (parse_key(&lx, &k, &why) == 0 &&
		           keyring_find(kr, k.wire, k.wirelen) != NULL) {
			why = "a key of this name is already loaded";
		}
		if (why == NULL) {
			kr->keys = xrealloc(kr->keys,
			                    (kr->n + 1) * sizeof(*kr->keys));
			kr->keys[kr->n++] = k;
			found++;
			continue;
		}
		free(k.name);
		free(k.secret);
		snprintf(err, errlen, "%s:%d: %s", path, line, why);
		rc = DP_EPARSE;
		break;
	}
	if (rc == DP_OK && found == 0) {
		snprintf(err, errlen, "%s: no key clause", path);
		rc = DP_EPARSE;
	}
	free(text);
	return rc;
}

dp_status keyring_add_rule(struct keyring *kr, const char *text, char *err,
                           size_t errlen)
{
	char keyname[256], kind[32], name[1024];
	int used = 0;
	if (sscanf(text, "%255s %31s %1023s %n", keyname, kind, name, &used) <
	    3) {
		snprintf(err, errlen,
		         "policy '%s': expected KEY name|subdomain NAME "
		         "[TYPE ...]",
		         text);
		return DP_EINVAL;
	}
	uint8_t kw[DNAME_MAXLEN];
	int kl = dname_from_str(keyname, kw);
	struct tsig_key *k =
	        kl < 0 ? NULL
	               : (struct tsig_key *)keyring_find(kr, kw, (size_t)kl);
	if (k == NULL) {
		snprintf(err, errlen, "policy '%s': no key named '%s'", text,
		         keyname);
		return DP_ENOENT;
	}
	struct key_rule r;
	memset(&r, 0, sizeof(r));
	if (strcmp(kind, "name") == 0)
		r.subdomain = false;
	else if (strcmp(kind, "subdomain") == 0)
		r.subdomain = true;
	else {
		snprintf(err, errlen,
		         "policy '%s': '%s' is neither name nor subdomain",
		         text, kind);
		return DP_EINVAL;
	}
	int nl = dname_from_str(name, r.name);
	if (nl < 0) {
		snprintf(err, errlen, "policy '%s': bad name '%s'", text, name);
		return DP_EINVAL;
	}
	r.namelen = (uint8_t)nl;
	const char *p = text + used;
	char type[32];
	int adv;
	while (sscanf(p, "%31s %n", type, &adv) == 1) {
		ldns_rr_type t = ldns_get_rr_type_by_name(type);
		if (t == 0 || r.ntypes == KEY_MAX_TYPES) {
			snprintf(err, errlen, "policy '%s': bad type '%s'",
			         text, type);
			return DP_EINVAL;
		}
		r.types[r.ntypes++] = (uint16_t)t;
		p += adv;
	}
	k->rules = xrealloc(k->rules, (k->nrules + 1) * sizeof(*k->rules));
	k->rules[k->nrules++] = r;
	return DP_OK;
}

bool key_allows(const struct tsig_key *key, const uint8_t *name, size_t len,
                uint16_t type)
{
	if (key->nrules == 0)
		return true;
	for (size_t i = 0; i < key->nrules; i++) {
		const struct key_rule *r = &key->rules[i];
		bool match =
		        r->subdomain
		                ? dname_is_sub(name, len, r->name, r->namelen)
		                : dname_equal(name, len, r->name, r->namelen);
		if (!match)
			continue;
		if (r->ntypes == 0)
			return true;
		if (type == 255)
			continue; /* every type needs a rule without a list */
		for (size_t t = 0; t < r->ntypes; t++) {
			if (r->types[t] == type)
				return true;
		}
	}
	return false;
}
