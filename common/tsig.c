/*
 * tsig.c - TSIG (RFC 8945) with HMAC-SHA256 and HMAC-SHA512 (OpenSSL).
 */
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "dns.h"
#include "tsig.h"
#include "wire.h"

static EVP_MAC *hmac;
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;

static void hmac_fetch(void)
{
	hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

/* An HMAC computation fed in pieces. */
struct mac {
	EVP_MAC_CTX *ctx;
};

static int mac_init(struct mac *m, const struct tsig_key *key)
{
	pthread_once(&hmac_once, hmac_fetch);
	if (hmac == NULL || (m->ctx = EVP_MAC_CTX_new(hmac)) == NULL)
		return -1;
	char digest[16];
	strcpy(digest, key->alg == TSIG_HMAC_SHA512 ? "SHA512" : "SHA256");
	OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(
	                               OSSL_MAC_PARAM_DIGEST, digest, 0),
	                       OSSL_PARAM_construct_end()};
	if (EVP_MAC_init(m->ctx, key->secret, key->secretlen, params) != 1) {
		EVP_MAC_CTX_free(m->ctx);
		return -1;
	}
	return 0;
}

static void mac_add(struct mac *m, const void *p, size_t n)
{
	EVP_MAC_update(m->ctx, p, n);
}

static size_t mac_final(struct mac *m, uint8_t *out)
{
	size_t n = 0;
	EVP_MAC_final(m->ctx, out, &n, TSIG_MAX_MAC);
	EVP_MAC_CTX_free(m->ctx);
	return n;
}

static size_t mac_size(enum tsig_alg alg)
{
	return alg == TSIG_HMAC_SHA512 ? 64 : 32;
}

/* The TSIG variables of RFC 8945 section 4.3.3, in canonical form. */
static void mac_variables(struct mac *m, const uint8_t *keyname, size_t keylen,
                          const uint8_t *alg, size_t alglen,
                          uint64_t time_signed, uint16_t fudge, uint16_t error,
                          const uint8_t *other, uint16_t otherlen)
{
	uint8_t buf[DNAME_MAXLEN];
	for (size_t i = 0; i < keylen; i++)
		buf[i] = dname_lower[keyname[i]];
	mac_add(m, buf, keylen);
	uint8_t cls_ttl[6] = {0, RR_CLASS_ANY, 0, 0, 0, 0};
	mac_add(m, cls_ttl, sizeof(cls_ttl));
	for (size_t i = 0; i < alglen; i++)
		buf[i] = dname_lower[alg[i]];
	mac_add(m, buf, alglen);
	uint8_t t[12];
	wr48(t, time_signed);
	wr16(t + 6, fudge);
	wr16(t + 8, error);
	wr16(t + 10, otherlen);
	mac_add(m, t, sizeof(t));
	if (otherlen)
		mac_add(m, other, otherlen);
}

/*
 * Find the last record of @msg.  Returns its offset, 0 when the message
 * has no records, or -1 when it is malformed or a TSIG is not last.
 */
static long last_record(const uint8_t *msg, size_t len)
{
	if (len < 12)
		return -1;
	size_t pos = 12;
	uint8_t name[DNAME_MAXLEN];
	for (unsigned i = 0; i < rd16(msg + 4); i++) {
		if (dname_unpack(msg, len, &pos, name) < 0 || pos + 4 > len)
			return -1;
		pos += 4;
	}
	unsigned total =
	        (unsigned)rd16(msg + 6) + rd16(msg + 8) + rd16(msg + 10);
	long last = 0;
	for (unsigned i = 0; i < total; i++) {
		size_t start = pos;
		if (dname_unpack(msg, len, &pos, name) < 0 || pos + 10 > len)
			return -1;
		uint16_t type = rd16(msg + pos);
		size_t rdlen = rd16(msg + pos + 8);
		if (pos + 10 + rdlen > len)
			return -1;
		if (type == RR_TYPE_TSIG && i + 1 != total)
			return -1;
		pos += 10 + rdlen;
		last = (long)start;
	}
	/* Nothing may follow the last record (RFC 8945 5.1). */
	if (pos != len)
		return -1;
	return last;
}

dp_status tsig_verify(const struct keyring *kr, const uint8_t *msg, size_t len,
                      time_t now, struct tsig_state *st)
{
	memset(st, 0, sizeof(*st));
	long off = last_record(msg, len);
	if (off < 0)
		return DP_EPARSE;
	if (off == 0 || rd16(msg + 10) == 0)
		return DP_OK;
	size_t pos = (size_t)off;
	int kl = dname_unpack(msg, len, &pos, st->keyname);
	if (kl < 0 || rd16(msg + pos) != RR_TYPE_TSIG)
		return DP_OK; /* the last record is something else */
	st->present = true;
	st->keynamelen = (size_t)kl;
	st->msglen = (size_t)off;
	if (rd16(msg + pos + 2) != RR_CLASS_ANY || msg[pos + 4] ||
	    msg[pos + 5] || msg[pos + 6] || msg[pos + 7])
		return DP_EPARSE;
	size_t end = pos + 10 + rd16(msg + pos + 8);
	pos += 10;
	int al = dname_unpack(msg, end, &pos, st->alg);
	if (al < 0 || pos + 10 > end)
		return DP_EPARSE;
	st->alglen = (size_t)al;
	st->time_signed = rd48(msg + pos);
	st->fudge = rd16(msg + pos + 6);
	size_t maclen = rd16(msg + pos + 8);
	pos += 10;
	if (pos + maclen + 6 > end || maclen > TSIG_MAX_MAC)
		return DP_EPARSE;
	memcpy(st->mac, msg + pos, maclen);
	st->maclen = maclen;
	pos += maclen;
	st->orig_id = rd16(msg + pos);
	uint16_t error = rd16(msg + pos + 2);
	uint16_t otherlen = rd16(msg + pos + 4);
	if (pos + 6 + otherlen != end)
		return DP_EPARSE;
	const uint8_t *other = msg + pos + 6;

	/* RFC 8945 5.2: the key, then the MAC, then the time. */
	const struct tsig_key *key =
	        keyring_find(kr, st->keyname, st->keynamelen);
	size_t walen;
	const uint8_t *walg = key ? tsig_alg_wire(key->alg, &walen) : NULL;
	if (key == NULL || !dname_equal(walg, walen, st->alg, st->alglen)) {
		st->error = TSIG_BADKEY;
		return DP_OK;
	}
	st->key = key;
	struct mac m;
	if (mac_init(&m, key) != 0)
		return DP_EIO;
	uint8_t hdr[12];
	memcpy(hdr, msg, 12);
	wr16(hdr, st->orig_id);
	wr16(hdr + 10, (uint16_t)(rd16(msg + 10) - 1));
	mac_add(&m, hdr, 12);
	mac_add(&m, msg + 12, st->msglen - 12);
	mac_variables(&m, st->keyname, st->keynamelen, st->alg, st->alglen,
	              st->time_signed, st->fudge, error, other, otherlen);
	uint8_t want[TSIG_MAX_MAC];
	size_t wantlen = mac_final(&m, want);
	if (wantlen != mac_size(key->alg) || st->maclen != wantlen ||
	    CRYPTO_memcmp(want, st->mac, wantlen) != 0) {
		st->error = TSIG_BADSIG;
		return DP_OK;
	}
	uint64_t t = (uint64_t)now;
	uint64_t skew =
	        t > st->time_signed ? t - st->time_signed : st->time_signed - t;
	if (skew > st->fudge)
		st->error = TSIG_BADTIME;
	return DP_OK;
}

/* Append the TSIG record; @mac may be empty. */
static dp_status append_tsig(const struct tsig_state *st, uint8_t *msg,
                             size_t *len, size_t cap, uint64_t time_signed,
                             const uint8_t *mac, size_t maclen, uint16_t error,
                             const uint8_t *other, uint16_t otherlen)
{
	size_t rdlen = st->alglen + 10 + maclen + 6 + otherlen;
	size_t need = st->keynamelen + 10 + rdlen;
	if (*len + need > cap)
		return DP_ESPACE;
	uint8_t *p = msg + *len;
	memcpy(p, st->keyname, st->keynamelen);
	p += st->keynamelen;
	wr16(p, RR_TYPE_TSIG);
	wr16(p + 2, RR_CLASS_ANY);
	memset(p + 4, 0, 4);
	wr16(p + 8, (uint16_t)rdlen);
	p += 10;
	memcpy(p, st->alg, st->alglen);
	p += st->alglen;
	wr48(p, time_signed);
	wr16(p + 6, st->fudge ? st->fudge : 300);
	wr16(p + 8, (uint16_t)maclen);
	p += 10;
	if (maclen > 0)
		memcpy(p, mac, maclen);
	p += maclen;
	wr16(p, st->orig_id);
	wr16(p + 2, error);
	wr16(p + 4, otherlen);
	if (otherlen > 0)
		memcpy(p + 6, other, otherlen);
	*len += need;
	wr16(msg + 10, (uint16_t)(rd16(msg + 10) + 1));
	return DP_OK;
}

/*
 * Compute the MAC of the response @resp for @st: over the request's (or
 * the previous message's) MAC, the response and either all the TSIG
 * variables or, for a later message of a stream, only the timers
 * (RFC 8945 section 5.3.1).
 */
static size_t response_mac(const struct tsig_state *st, const uint8_t *resp,
                           size_t len, uint64_t t, const uint8_t *other,
                           uint16_t otherlen, bool timers_only, uint8_t *mac)
{
	struct mac m;
	if (mac_init(&m, st->key) != 0)
		return 0;
	uint8_t ml[2];
	wr16(ml, (uint16_t)st->maclen);
	mac_add(&m, ml, 2);
	mac_add(&m, st->mac, st->maclen);
	/* The MAC covers the message as its receiver puts it back: with the
	 * Original ID of the TSIG record in the header (RFC 8945 4.3.1,
	 * 5.4.1), whatever ID a forwarder gave the request on the way. */
	uint8_t hdr[DNS_HEADER_LEN];
	memcpy(hdr, resp, DNS_HEADER_LEN);
	wr16(hdr, st->orig_id);
	mac_add(&m, hdr, DNS_HEADER_LEN);
	mac_add(&m, resp + DNS_HEADER_LEN, len - DNS_HEADER_LEN);
	uint16_t fudge = st->fudge ? st->fudge : 300;
	if (timers_only) {
		uint8_t tm[8];
		wr48(tm, t);
		wr16(tm + 6, fudge);
		mac_add(&m, tm, sizeof(tm));
	} else {
		mac_variables(&m, st->keyname, st->keynamelen, st->alg,
		              st->alglen, t, fudge, st->error, other, otherlen);
	}
	return mac_final(&m, mac);
}

dp_status tsig_sign(const struct tsig_state *st, uint8_t *resp, size_t *len,
                    size_t cap, time_t now)
{
	if (st->error == TSIG_BADKEY || st->error == TSIG_BADSIG || !st->key)
		return append_tsig(st, resp, len, cap, st->time_signed, NULL, 0,
		                   st->error, NULL, 0);
	/* A BADTIME answer carries the server's clock (RFC 8945 5.2.3). */
	uint8_t other[6];
	uint16_t otherlen = 0;
	uint64_t t = (uint64_t)now;
	if (st->error == TSIG_BADTIME) {
		wr48(other, t);
		otherlen = 6;
		t = st->time_signed;
	}
	uint8_t mac[TSIG_MAX_MAC];
	size_t maclen =
	        response_mac(st, resp, *len, t, other, otherlen, false, mac);
	if (maclen == 0)
		return DP_EIO;
	return append_tsig(st, resp, len, cap, t, mac, maclen, st->error, other,
	                   otherlen);
}

dp_status tsig_sign_stream(struct tsig_state *st, bool first, uint8_t *resp,
                           size_t *len, size_t cap, time_t now)
{
	if (st->error != 0 || st->key == NULL)
		return tsig_sign(st, resp, len, cap, now);
	uint8_t mac[TSIG_MAX_MAC];
	size_t maclen = response_mac(st, resp, *len, (uint64_t)now, NULL, 0,
	                             !first, mac);
	if (maclen == 0)
		return DP_EIO;
	dp_status rc = append_tsig(st, resp, len, cap, (uint64_t)now, mac,
	                           maclen, 0, NULL, 0);
	if (rc == DP_OK) {
		memcpy(st->mac, mac, maclen);
		st->maclen = maclen;
	}
	return rc;
}

dp_status tsig_sign_request(const struct tsig_key *key, uint8_t *msg,
                            size_t *len, size_t cap, time_t now, uint16_t fudge,
                            struct tsig_state *st)
{
	memset(st, 0, sizeof(*st));
	st->key = key;
	memcpy(st->keyname, key->wire, key->wirelen);
	st->keynamelen = key->wirelen;
	const uint8_t *alg = tsig_alg_wire(key->alg, &st->alglen);
	memcpy(st->alg, alg, st->alglen);
	st->fudge = fudge;
	st->orig_id = rd16(msg);
	st->time_signed = (uint64_t)now;
	struct mac m;
	if (mac_init(&m, key) != 0)
		return DP_EIO;
	mac_add(&m, msg, *len);
	mac_variables(&m, st->keyname, st->keynamelen, st->alg, st->alglen,
	              st->time_signed, fudge, 0, NULL, 0);
	st->maclen = mac_final(&m, st->mac);
	return append_tsig(st, msg, len, cap, st->time_signed, st->mac,
	                   st->maclen, 0, NULL, 0);
}

dp_status tsig_verify_response(const struct tsig_state *req,
                               const uint8_t *resp, size_t len, time_t now,
                               uint16_t *error)
{
	struct tsig_state st;
	*error = 0;
	long off = last_record(resp, len);
	if (off <= 0 || rd16(resp + 10) == 0)
		return DP_ENOENT;
	memset(&st, 0, sizeof(st));
	size_t pos = (size_t)off;
	int kl = dname_unpack(resp, len, &pos, st.keyname);
	if (kl < 0 || pos + 10 > len || rd16(resp + pos) != RR_TYPE_TSIG)
		return DP_ENOENT;
	size_t end = pos + 10 + rd16(resp + pos + 8);
	pos += 10;
	int al = dname_unpack(resp, end, &pos, st.alg);
	if (al < 0 || pos + 10 > end)
		return DP_EPARSE;
	uint64_t t = rd48(resp + pos);
	uint16_t fudge = rd16(resp + pos + 6);
	size_t maclen = rd16(resp + pos + 8);
	pos += 10;
	if (pos + maclen + 6 > end || maclen > TSIG_MAX_MAC)
		return DP_EPARSE;
	const uint8_t *mac = resp + pos;
	pos += maclen;
	uint16_t orig_id = rd16(resp + pos);
	uint16_t err = rd16(resp + pos + 2);
	uint16_t otherlen = rd16(resp + pos + 4);
	if (pos + 6 + otherlen != end)
		return DP_EPARSE;
	*error = err;
	if (!dname_equal(st.keyname, (size_t)kl, req->keyname,
	                 req->keynamelen) ||
	    maclen == 0)
		return err ? DP_OK : DP_EINVAL;
	struct mac m;
	if (mac_init(&m, req->key) != 0)
		return DP_EIO;
	uint8_t ml[2];
	wr16(ml, (uint16_t)req->maclen);
	mac_add(&m, ml, 2);
	mac_add(&m, req->mac, req->maclen);
	uint8_t hdr[12];
	memcpy(hdr, resp, 12);
	wr16(hdr, orig_id);
	wr16(hdr + 10, (uint16_t)(rd16(resp + 10) - 1));
	mac_add(&m, hdr, 12);
	mac_add(&m, resp + 12, (size_t)off - 12);
	mac_variables(&m, st.keyname, (size_t)kl, st.alg, (size_t)al, t, fudge,
	              err, resp + end - otherlen, otherlen);
	uint8_t want[TSIG_MAX_MAC];
	size_t wantlen = mac_final(&m, want);
	if (wantlen != maclen || CRYPTO_memcmp(want, mac, maclen) != 0)
		return DP_EINVAL;
	uint64_t n = (uint64_t)now;
	if ((n > t ? n - t : t - n) > fudge)
		return DP_EINVAL;
	return DP_OK;
}
