/*
 * etcd_store.c - one plan written through the plan store and read back,
 * timed, on whichever backend --store names: the measurement behind
 * bench/etcd.sh's comparison of SQLite and etcd.
 *
 *   etcd_store STORE [--endpoints E] [--lbs N] [--rounds R]
 *
 * Each round writes one generation of E endpoints x N addresses (four in
 * five IPv4, one in five IPv6, weight 100) with planstore_write_plan(),
 * reads it back with planstore_get_plan() as an enactor does, checks it
 * is the plan written, and deletes it (planstore_delete_plan()) before
 * the next.  Prints each round and the medians, in milliseconds.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "planstore.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static struct plan *build(unsigned endpoints, unsigned lbs)
{
	struct plan *p = planstore_plan_new();
	for (unsigned e = 0; e < endpoints; e++) {
		char name[64], a[PLAN_ADDRLEN];
		snprintf(name, sizeof(name), "ep%05u.us-east-1.api.test.", e);
		struct plan_endpoint *ep = planstore_plan_add_endpoint(p, name);
		for (unsigned i = 0; i < lbs; i++) {
			unsigned k = e * lbs + i + 1;
			if (i % 5 == 4) {
				unsigned char b[16] = {0x20, 0x01, 0x0d, 0xb8};
				b[12] = (unsigned char)(k >> 24);
				b[13] = (unsigned char)(k >> 16);
				b[14] = (unsigned char)(k >> 8);
				b[15] = (unsigned char)k;
				inet_ntop(AF_INET6, b, a, sizeof(a));
			} else {
				snprintf(a, sizeof(a), "10.%u.%u.%u", k >> 16,
				         (k >> 8) & 255, k & 255);
			}
			planstore_endpoint_add_addr(ep, a, 100);
		}
	}
	planstore_plan_sort(p);
	return p;
}

int main(int argc, char **argv)
{
	unsigned endpoints = 2000, lbs = 50, rounds = 5;
	char err[1024];
	struct planstore *ps;

	if (argc < 2) {
		fprintf(stderr, "usage: etcd_store STORE [--endpoints E] "
		                "[--lbs N] [--rounds R]\n");
		return 2;
	}
	for (int i = 2; i + 1 < argc; i += 2) {
		unsigned v = (unsigned)strtoul(argv[i + 1], NULL, 10);
		if (strcmp(argv[i], "--endpoints") == 0)
			endpoints = v;
		else if (strcmp(argv[i], "--lbs") == 0)
			lbs = v;
		else if (strcmp(argv[i], "--rounds") == 0)
			rounds = v;
	}
	if (rounds < 1 || rounds > 100)
		rounds = 5;
	if (planstore_open(argv[1], &ps, err, sizeof(err)) != DP_OK ||
	    planstore_bind_region(ps, "us-east-1", err, sizeof(err)) != DP_OK) {
		fprintf(stderr, "etcd_store: %s\n", err);
		return 1;
	}
	struct plan *p = build(endpoints, lbs);
	double w[100], r[100];
	int rc = 0;
	printf("%s: %u endpoints x %u addresses = %zu addresses\n", argv[1],
	       endpoints, lbs, planstore_plan_naddrs(p));
	for (unsigned i = 0; i < rounds && rc == 0; i++) {
		uint64_t g;
		struct plan *q = NULL;
		double t0 = now_ms();
		if (planstore_write_plan(ps, p, PLANSTORE_ANY_BASE, "bench", &g,
		                         err, sizeof(err)) != DP_OK) {
			rc = 1;
			break;
		}
		double t1 = now_ms();
		if (planstore_get_plan(ps, g, &q, err, sizeof(err)) != DP_OK) {
			rc = 1;
			break;
		}
		double t2 = now_ms();
		if (!planstore_plan_same(p, q)) {
			snprintf(err, sizeof(err),
			         "plan %" PRIu64 " read back "
			         "is not the plan written",
			         g);
			rc = 1;
		}
		planstore_plan_free(q);
		if (rc == 0 && planstore_delete_plan(ps, g, "bench", "round",
		                                     err, sizeof(err)) != DP_OK)
			rc = 1;
		w[i] = t1 - t0;
		r[i] = t2 - t1;
		printf("round %u: generation %" PRIu64 " written in %.1f ms, "
		       "read in %.1f ms\n",
		       i + 1, g, w[i], r[i]);
	}
	if (rc == 0) {
		qsort(w, rounds, sizeof(*w), cmp_double);
		qsort(r, rounds, sizeof(*r), cmp_double);
		printf("median: write %.1f ms, read %.1f ms\n", w[rounds / 2],
		       r[rounds / 2]);
	} else {
		fprintf(stderr, "etcd_store: %s\n", err);
	}
	planstore_plan_free(p);
	planstore_close(ps);
	return rc;
}
