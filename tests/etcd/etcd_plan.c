/*
 * etcd_plan.c - a plan's worth of data written to etcd and read back,
 * timed: the measurement behind bench/etcd.sh.
 *
 *   etcd_plan URL [--endpoints E] [--lbs N] [--chunk BYTES] [--rounds R]
 *
 * Each round writes one generation of E endpoints x N addresses (four in
 * five IPv4, one in five IPv6, weight 100), encoded compactly (per
 * endpoint: its name, then family, address and weight per address),
 * split at endpoint boundaries into keys of at most BYTES, in ONE
 * transaction with the generation counter: compare the counter's
 * mod_revision and that the generation's manifest does not exist yet,
 * then put the counter, the manifest and every chunk.  It then reads the
 * generation back (a prefix range), checks it byte for byte, decodes
 * every address, and deletes the generation before the next.  The
 * figures are printed per round and as medians; nothing is asserted
 * except that what was read is what was written.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "etcd.h"
#include "xalloc.h"

struct plan {
	unsigned char *data; /* the encoded generation */
	size_t len;
	size_t *cuts; /* chunk i is data[cuts[i] .. cuts[i + 1]) */
	size_t n_chunks;
	size_t addrs;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void put_u16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* Encode @endpoints x @lbs addresses; cut into chunks of <= @chunk. */
static void plan_build(struct plan *p, unsigned endpoints, unsigned lbs,
                       size_t chunk)
{
	size_t cap = (size_t)endpoints * (64 + (size_t)lbs * 19);
	size_t start = 0, e_start;
	unsigned e, i;

	p->data = xmalloc(cap);
	p->cuts = xcalloc(endpoints + 2, sizeof(size_t));
	p->len = p->n_chunks = p->addrs = 0;
	for (e = 0; e < endpoints; e++) {
		unsigned char *q;
		int n;

		e_start = p->len;
		q = p->data + p->len;
		n = snprintf((char *)q + 1, 60, "ep%05u.us-east-1.api.test.",
		             e);
		q[0] = (unsigned char)n;
		q += 1 + n;
		put_u16(q, lbs);
		q += 2;
		for (i = 0; i < lbs; i++) {
			uint32_t a = e * lbs + i + 1;

			if (i % 5 == 4) {
				static const unsigned char v6[12] = {
				        0x20, 0x01, 0x0d, 0xb8};
				*q++ = 6;
				memcpy(q, v6, 12);
				q[12] = (unsigned char)(a >> 24);
				q[13] = (unsigned char)(a >> 16);
				q[14] = (unsigned char)(a >> 8);
				q[15] = (unsigned char)a;
				q += 16;
			} else {
				*q++ = 4;
				q[0] = 10;
				q[1] = (unsigned char)(a >> 16);
				q[2] = (unsigned char)(a >> 8);
				q[3] = (unsigned char)a;
				q += 4;
			}
			put_u16(q, 100);
			q += 2;
			p->addrs++;
		}
		p->len = (size_t)(q - p->data);
		if (p->len - start > chunk && e_start > start) {
			p->cuts[++p->n_chunks] = e_start;
			start = e_start;
		}
	}
	p->cuts[++p->n_chunks] = p->len;
}

/* Count the addresses of an encoded generation; 0 if it is not one. */
static size_t plan_count(const unsigned char *d, size_t len)
{
	size_t off = 0, n = 0;

	while (off < len) {
		unsigned cnt, i;

		off += 1 + d[off];
		if (off + 2 > len)
			return 0;
		cnt = (unsigned)d[off] << 8 | d[off + 1];
		off += 2;
		for (i = 0; i < cnt; i++) {
			if (off >= len || (d[off] != 4 && d[off] != 6))
				return 0;
			off += 1 + (d[off] == 4 ? 4 : 16) + 2;
			n++;
		}
	}
	return off == len ? n : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Write generation @gen of @p in one transaction; its request bytes. */
static dp_status write_gen(struct etcd_sync *s, const struct plan *p,
                           int64_t gen, int64_t counter_rev, size_t *bytes,
                           struct etcd_resp **r)
{
	struct etcd_txn *t = etcd_txn_new();
	char key[64], meta[64], val[32];
	size_t i;

	snprintf(meta, sizeof(meta), "/bench/plan/%020" PRId64 "/meta", gen);
	etcd_txn_cmp(t, "/bench/gen", ETCD_MOD, ETCD_EQUAL, counter_rev);
	etcd_txn_cmp(t, meta, ETCD_CREATE, ETCD_EQUAL, 0);
	snprintf(val, sizeof(val), "%" PRId64, gen);
	etcd_txn_put(t, true, "/bench/gen", val, strlen(val), 0);
	snprintf(val, sizeof(val), "%zu %zu", p->n_chunks, p->len);
	etcd_txn_put(t, true, meta, val, strlen(val), 0);
	for (i = 0; i < p->n_chunks; i++) {
		snprintf(key, sizeof(key), "/bench/plan/%020" PRId64 "/%06zu",
		         gen, i);
		etcd_txn_put(t, true, key, p->data + p->cuts[i],
		             p->cuts[i + 1] - p->cuts[i], 0);
	}
	*bytes = etcd_txn_bytes(t);
	etcd_txn(etcd_sync_client(s), t, etcd_sync_cb, s);
	return etcd_sync_wait(s, r);
}

/* Read generation @gen back into *@r; verify it against @p. */
static dp_status read_gen(struct etcd_sync *s, const struct plan *p,
                          int64_t gen, size_t *addrs, struct etcd_resp **res)
{
	struct etcd_range_opts o = {.prefix = true};
	struct etcd_resp *r;
	unsigned char *buf;
	char prefix[64];
	size_t i, off = 0;
	dp_status st;

	snprintf(prefix, sizeof(prefix), "/bench/plan/%020" PRId64 "/", gen);
	etcd_range(etcd_sync_client(s), prefix, &o, etcd_sync_cb, s);
	st = etcd_sync_wait(s, res);
	if (st != DP_OK)
		return st;
	r = *res;
	buf = xmalloc(p->len + 1);
	/* Chunks sort before "meta": digits before letters. */
	for (i = 0; i + 1 < r->n_kvs && off + r->kvs[i].value_len <= p->len;
	     i++) {
		memcpy(buf + off, r->kvs[i].value, r->kvs[i].value_len);
		off += r->kvs[i].value_len;
	}
	*addrs = off == p->len && memcmp(buf, p->data, p->len) == 0
	                 ? plan_count(buf, off)
	                 : 0;
	free(buf);
	if (*addrs != p->addrs) {
		snprintf(r->error, sizeof(r->error),
		         "what was read is not what was written");
		return DP_EBADRESP;
	}
	return DP_OK;
}

int main(int argc, char **argv)
{
	unsigned endpoints = 2000, lbs = 50;
	size_t chunk = 64 * 1024, bytes = 0, addrs = 0;
	int rounds = 5, i;
	double wr[64], rd[64], t0;
	struct etcd_opts opts = {.timeout_ms = 30000,
	                         .attempt_timeout_ms = 30000};
	struct etcd_sync *s;
	struct etcd_resp *r;
	struct plan p;
	char err[512];
	int64_t rev;
	dp_status st;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--endpoints") == 0)
			endpoints = (unsigned)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--lbs") == 0)
			lbs = (unsigned)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--chunk") == 0)
			chunk = (size_t)atol(argv[i + 1]);
		else if (strcmp(argv[i], "--rounds") == 0)
			rounds = atoi(argv[i + 1]);
	}
	if (argc < 2 || rounds < 1 || rounds > 64 || endpoints == 0 ||
	    lbs == 0 || lbs > 65535 || chunk == 0) {
		fprintf(stderr, "usage: etcd_plan URL [--endpoints E] [--lbs N]"
		                " [--chunk BYTES] [--rounds R (1-64)]\n");
		return 2;
	}
	if (etcd_sync_new(argv[1], &opts, &s, err, sizeof(err)) != DP_OK) {
		fprintf(stderr, "etcd_plan: %s\n", err);
		return 2;
	}
	t0 = now_s();
	plan_build(&p, endpoints, lbs, chunk);
	printf("plan: %u endpoints x %u = %zu addresses, %zu bytes encoded "
	       "in %.1f ms, %zu keys of <= %zu bytes\n",
	       endpoints, lbs, p.addrs, p.len, (now_s() - t0) * 1000,
	       p.n_chunks, chunk);
	etcd_put(etcd_sync_client(s), "/bench/gen", "0", 1, 0, etcd_sync_cb, s);
	st = etcd_sync_wait(s, &r);
	rev = r->revision;
	for (i = 0; st == DP_OK && i < rounds; i++) {
		t0 = now_s();
		st = write_gen(s, &p, i + 1, rev, &bytes, &r);
		wr[i] = now_s() - t0;
		if (st != DP_OK)
			break;
		t0 = now_s();
		st = read_gen(s, &p, i + 1, &addrs, &r);
		rd[i] = now_s() - t0;
		printf("generation %d: one txn of %zu operations, %zu bytes of "
		       "keys and values: written in %.1f ms, read back and "
		       "checked (%zu addresses) in %.1f ms\n",
		       i + 1, p.n_chunks + 2, bytes, wr[i] * 1000, addrs,
		       rd[i] * 1000);
		if (st != DP_OK)
			break;
		/* The counter moved in the txn: its revision is the txn's. */
		etcd_range(etcd_sync_client(s), "/bench/gen", NULL,
		           etcd_sync_cb, s);
		st = etcd_sync_wait(s, &r);
		rev = st == DP_OK && r->n_kvs == 1 ? r->kvs[0].mod_revision : 0;
		etcd_delete(etcd_sync_client(s), "/bench/plan/", true,
		            etcd_sync_cb, s);
		st = st == DP_OK ? etcd_sync_wait(s, &r) : st;
	}
	if (st != DP_OK) {
		fprintf(stderr, "etcd_plan: %s: %s\n", dp_strerror(st),
		        r->error);
	} else {
		printf("median of %d: write %.1f ms, read %.1f ms (%.0f and "
		       "%.0f addresses/s)\n",
		       rounds, median(wr, rounds) * 1000,
		       median(rd, rounds) * 1000,
		       (double)p.addrs / median(wr, rounds),
		       (double)p.addrs / median(rd, rounds));
	}
	free(p.data);
	free(p.cuts);
	etcd_sync_free(s);
	return st == DP_OK ? 0 : 1;
}
