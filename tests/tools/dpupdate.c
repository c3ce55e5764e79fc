/*
 * dpupdate.c - a small RFC 2136 client for the tests: builds an UPDATE
 * with ldns, signs it with authd's TSIG code (optionally with a skewed
 * clock or tampered after signing), sends it over TCP and prints what
 * came back: rcode, TSIG error, Extended DNS Error.  With --stream it
 * sends many single-record updates one after the other and appends the
 * name of every acknowledged one to a file (the kill -9 test).
 *
 * usage: dpupdate -s ADDR:PORT -k KEYFILE -z ZONE [--tamper]
 *                 [--time-offset SEC] [--no-edns] ACTION...
 *   ACTION: "yxdomain NAME" "nxdomain NAME" "yxrrset NAME TYPE [RDATA]"
 *           "nxrrset NAME TYPE" "add NAME TTL TYPE RDATA" "del NAME"
 *           "del NAME TYPE" "del NAME TYPE RDATA"
 *         dpupdate -s ADDR:PORT -k KEYFILE -z ZONE --stream N
 *                 --prefix P --acked FILE
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "keys.h"
#include "tsig.h"
#include "updtext.h"
#include "wire.h"

static struct sockaddr_in server;
static const struct tsig_key *key;
static ldns_rdf *zone;
static long time_offset;
static int tamper, no_edns;

static int parse_addr(const char *s)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	server.sin_family = AF_INET;
	server.sin_port = htons((uint16_t)atoi(colon + 1));
	return inet_pton(AF_INET, host, &server.sin_addr) == 1 ? 0 : -1;
}

/* Build, sign and (maybe) tamper with an UPDATE; returns its length. */
static size_t build(ldns_rr_list *pr, ldns_rr_list *up, uint8_t *out,
                    size_t cap)
{
	ldns_pkt *p = ldns_update_pkt_new(ldns_rdf_clone(zone),
	                                  LDNS_RR_CLASS_IN, pr, up, NULL);
	/* ldns cloned the records into its own lists. */
	ldns_rr_list_deep_free(pr);
	ldns_rr_list_deep_free(up);
	ldns_pkt_set_id(p, (uint16_t)random());
	if (!no_edns)
		ldns_pkt_set_edns_udp_size(p, 1232);
	uint8_t *wire;
	size_t len;
	ldns_pkt2wire(&wire, p, &len);
	ldns_pkt_free(p);
	memcpy(out, wire, len);
	free(wire);
	struct tsig_state st;
	if (tsig_sign_request(key, out, &len, cap, time(NULL) + time_offset,
	                      300, &st) != DP_OK) {
		fprintf(stderr, "dpupdate: cannot sign\n");
		exit(2);
	}
	if (tamper)
		out[3] ^= 0x20; /* a header bit the MAC covers */
	return len;
}

static int connect_server(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&server, sizeof(server)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int read_full(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		struct pollfd pf = {fd, POLLIN, 0};
		if (poll(&pf, 1, 5000) <= 0)
			return -1;
		ssize_t r = read(fd, p, n);
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Send @msg over @fd and read the answer; returns its length or -1. */
static long exchange(int fd, const uint8_t *msg, size_t len, uint8_t *ans,
                     size_t cap)
{
	uint8_t hdr[2] = {(uint8_t)(len >> 8), (uint8_t)len};
	uint8_t out[2 + 65535];
	if (len > 65535)
		return -1;
	memcpy(out, hdr, 2);
	memcpy(out + 2, msg, len);
	/* One send, and no SIGPIPE when authd was killed under it. */
	if (send(fd, out, len + 2, MSG_NOSIGNAL) != (ssize_t)(len + 2))
		return -1;
	if (read_full(fd, hdr, 2) != 0)
		return -1;
	size_t alen = rd16(hdr);
	if (alen > cap || read_full(fd, ans, alen) != 0)
		return -1;
	return (long)alen;
}

/* Print rcode, TSIG error and EDE of an answer. */
static int report(const uint8_t *ans, size_t len)
{
	ldns_pkt *p = NULL;
	if (ldns_wire2pkt(&p, ans, len) != LDNS_STATUS_OK) {
		printf("unparsable answer\n");
		return 1;
	}
	int rcode = ldns_pkt_get_rcode(p);
	ldns_lookup_table *lt = ldns_lookup_by_id(ldns_rcodes, rcode);
	printf("rcode=%s", lt ? lt->name : "?");
	ldns_rr *t = ldns_pkt_tsig(p);
	if (t != NULL && ldns_rr_rd_count(t) >= 6)
		printf(" tsig_error=%u",
		       ldns_rdf2native_int16(ldns_rr_rdf(t, 5)));
	if (t != NULL)
		printf(" signed=%s",
		       ldns_rdf_size(ldns_rr_rdf(t, 3)) > 2 ? "yes" : "no");
	ldns_rdf *ed = ldns_pkt_edns_data(p);
	if (ed != NULL) {
		const uint8_t *d = ldns_rdf_data(ed);
		size_t n = ldns_rdf_size(ed), o = 0;
		while (o + 4 <= n) {
			unsigned code = rd16(d + o);
			size_t ol = rd16(d + o + 2);
			if (code == 15 && ol >= 2 && o + 4 + ol <= n)
				printf(" ede=%u text=\"%.*s\"",
				       (unsigned)rd16(d + o + 4), (int)(ol - 2),
				       (const char *)d + o + 6);
			o += 4 + ol;
		}
	}
	printf("\n");
	ldns_pkt_free(p);
	return 0;
}

static int stream(long count, const char *prefix, const char *acked)
{
	FILE *f = fopen(acked, "a");
	if (f == NULL) {
		perror(acked);
		return 2;
	}
	int fd = -1;
	long done = 0, failures = 0;
	uint8_t msg[4096], ans[65536];
	char zbuf[1024];
	char *zs = ldns_rdf2str(zone);
	snprintf(zbuf, sizeof(zbuf), "%s", zs);
	free(zs);
	while (done < count) {
		if (fd < 0) {
			if ((fd = connect_server()) < 0) {
				if (++failures > 6000)
					break; /* 60 s without authd */
				usleep(10000);
				continue;
			}
			failures = 0;
		}
		char name[1200], addr[32], add[] = "add", ttl[] = "60",
		                           a[] = "A";
		snprintf(name, sizeof(name), "%s-%ld.%s", prefix, done, zbuf);
		snprintf(addr, sizeof(addr), "10.%ld.%ld.%ld",
		         (done >> 16) & 255, (done >> 8) & 255, done & 255);
		char *w[] = {add, name, ttl, a, addr};
		ldns_rr_list *pr = ldns_rr_list_new(), *up = ldns_rr_list_new();
		if (updtext_action(w, 5, pr, up) != 0) {
			fprintf(stderr, "dpupdate: bad record for %s\n", name);
			exit(2);
		}
		size_t len = build(pr, up, msg, sizeof(msg));
		long alen = exchange(fd, msg, len, ans, sizeof(ans));
		if (alen < 12 || (ans[3] & 0xF) != 0) {
			/* No answer: authd died; the update may or may not be
			 * in; it was not acknowledged.  Retry the same name. */
			close(fd);
			fd = -1;
			continue;
		}
		fprintf(f, "%s\n", name);
		fflush(f);
		done++;
	}
	if (fd >= 0)
		close(fd);
	fclose(f);
	printf("acked %ld\n", done);
	return done == count ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *keyfile = NULL, *zname = NULL, *prefix = "s";
	const char *acked = NULL;
	long count = 0;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
			if (parse_addr(argv[++i]) != 0) {
				fprintf(stderr, "dpupdate: bad address\n");
				return 2;
			}
		} else if (strcmp(argv[i], "-k") == 0 && i + 1 < argc) {
			keyfile = argv[++i];
		} else if (strcmp(argv[i], "-z") == 0 && i + 1 < argc) {
			zname = argv[++i];
		} else if (strcmp(argv[i], "--tamper") == 0) {
			tamper = 1;
		} else if (strcmp(argv[i], "--no-edns") == 0) {
			no_edns = 1;
		} else if (strcmp(argv[i], "--time-offset") == 0 &&
		           i + 1 < argc) {
			time_offset = atol(argv[++i]);
		} else if (strcmp(argv[i], "--stream") == 0 && i + 1 < argc) {
			count = atol(argv[++i]);
		} else if (strcmp(argv[i], "--prefix") == 0 && i + 1 < argc) {
			prefix = argv[++i];
		} else if (strcmp(argv[i], "--acked") == 0 && i + 1 < argc) {
			acked = argv[++i];
		} else {
			fprintf(stderr, "dpupdate: unknown option %s\n",
			        argv[i]);
			return 2;
		}
	}
	if (keyfile == NULL || zname == NULL || server.sin_port == 0) {
		fprintf(stderr, "usage: dpupdate -s ADDR:PORT -k KEYFILE -z "
		                "ZONE ACTION...\n");
		return 2;
	}
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	struct keyring *kr = keyring_new();
	char err[1024];
	if (keyring_load_file(kr, keyfile, err, sizeof(err)) != DP_OK) {
		fprintf(stderr, "dpupdate: %s\n", err);
		return 2;
	}
	/* The first key of the file. */
	uint8_t kw[DNAME_MAXLEN];
	FILE *kf = fopen(keyfile, "r");
	char line[512], kname[256] = "";
	while (kf && fgets(line, sizeof(line), kf))
		if (sscanf(line, " key \"%255[^\"]\"", kname) == 1)
			break;
	if (kf)
		fclose(kf);
	int kl = dname_from_str(kname, kw);
	key = kl > 0 ? keyring_find(kr, kw, (size_t)kl) : NULL;
	if (key == NULL) {
		fprintf(stderr, "dpupdate: no key in %s\n", keyfile);
		return 2;
	}
	zone = ldns_dname_new_frm_str(zname);
	int rc;
	if (count > 0) {
		rc = acked ? stream(count, prefix, acked) : 2;
	} else {
		ldns_rr_list *pr = ldns_rr_list_new(), *up = ldns_rr_list_new();
		for (; i < argc; i++) {
			char *w[16];
			int n = 0;
			char *copy = strdup(argv[i]), *save;
			for (char *t = strtok_r(copy, " ", &save); t && n < 16;
			     t = strtok_r(NULL, " ", &save))
				w[n++] = t;
			if (n > 0 && updtext_action(w, n, pr, up) != 0) {
				fprintf(stderr, "dpupdate: bad action '%s'\n",
				        argv[i]);
				exit(2);
			}
			free(copy);
		}
		uint8_t msg[65535], ans[65536];
		size_t len = build(pr, up, msg, sizeof(msg));
		int fd = connect_server();
		long alen =
		        fd < 0 ? -1 : exchange(fd, msg, len, ans, sizeof(ans));
		if (fd >= 0)
			close(fd);
		rc = alen < 0 ? (printf("no answer: %s\n", strerror(errno)), 1)
		              : report(ans, (size_t)alen);
	}
	ldns_rdf_deep_free(zone);
	keyring_free(kr);
	return rc;
}
