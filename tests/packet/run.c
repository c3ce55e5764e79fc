/*
 * run.c - in-process packet tests: wire in, rcode and sections out.
 *
 * Each file under the case directory holds zones and queries as text:
 *
 *   zone NAME FILE          serve FILE (relative to the repository) as NAME
 *   query QNAME QTYPE [QCLASS]
 *   raw HEX                 send these bytes instead of a built query
 *   opts [tcp] [noedns] [bufsize=N] [ednsver=N] [do] [rd] [max=N] [minimal]
 *   rcode NAME | drop       expected rcode (or no answer at all)
 *   flags qr aa tc rd ...   expected header flags, exactly
 *   opt udp=N [do] | noopt  expected OPT record
 *   ede CODE [TEXT] | noede expected extended DNS error (RFC 8914)
 *   answer / authority / additional, each followed by RR lines
 *   end                     run the case
 *
 * UPDATE cases (RFC 2136) change the zones the later cases see:
 *
 *   guard NAME[=MIN]        a guarded endpoint (authd's guard on); give
 *                           it before the zone to have the zone's empty
 *                           endpoints answer Not Ready from the load on
 *   guard-empty-answer servfail|nxdomain   as authd's setting
 *   fence-override KEY      updates signed by KEY may lower markers
 *   update ZONE             an UPDATE of ZONE, made of the lines
 *                           (tests/tools/updtext.h, as dpupdate's):
 *     yxdomain NAME | nxdomain NAME | yxrrset NAME TYPE [RDATA]
 *     nxrrset NAME TYPE | add NAME TTL TYPE RDATA | del NAME [TYPE [RDATA]]
 *     key NAME              signed by key NAME (one without rules)
 *   rcode NAME              its expected rcode
 *   reason NAME             why it was refused (guard, fence, prereq, ...)
 *   end                     apply it (on success the zone changes)
 *
 * Sections are compared as sets of records in ldns's presentation format
 * (RRset order aside); a section that is not listed must be empty.
 * The exit status is the number of failed cases (0 when all pass).
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "answer.h"
#include "dname.h"
#include "update.h"
#include "updtext.h"
#include "zonestore.h"

struct expect {
	char qname[512], qtype[32], qclass[32];
	uint8_t raw[4096];
	size_t rawlen;
	bool tcp, noedns, do_bit, rd, drop, minimal;
	int bufsize, ednsver, max;
	char rcode[32];
	char flags[128];
	bool have_flags;
	char opt[128];
	char ede[512]; /* "CODE TEXT", "none", or "" unchecked */
	char *sec[3][64];
	int nsec[3];
	int line;
	bool update; /* an UPDATE case: qname is the zone */
	char *up[256];
	int nup;
	char reason[32];
	char key[256]; /* the update's key, "" unsigned */
};

static int failures, cases;

static void expect_reset(struct expect *e)
{
	for (int s = 0; s < 3; s++)
		for (int i = 0; i < e->nsec[s]; i++)
			free(e->sec[s][i]);
	for (int i = 0; i < e->nup; i++)
		free(e->up[i]);
	memset(e, 0, sizeof(*e));
	e->bufsize = 1232;
	e->max = 1232;
	strcpy(e->qclass, "IN");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Normalise one record's text through ldns. */
static char *norm_rr(const char *text)
{
	ldns_rr *rr = NULL;
	if (ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL) != LDNS_STATUS_OK)
		return NULL;
	char *s = ldns_rr2str(rr);
	ldns_rr_free(rr);
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static void fail(const char *file, const struct expect *e, const char *fmt,
                 const char *a, const char *b)
{
	fprintf(stderr, "FAIL %s:%d (%s %s): ", file, e->line, e->qname,
	        e->qtype);
	fprintf(stderr, fmt, a, b);
	fprintf(stderr, "\n");
	failures++;
}

static void flags_text(const ldns_pkt *p, char *out, size_t len)
{
	snprintf(out, len, "%s%s%s%s%s%s%s", ldns_pkt_qr(p) ? "qr " : "",
	         ldns_pkt_aa(p) ? "aa " : "", ldns_pkt_tc(p) ? "tc " : "",
	         ldns_pkt_rd(p) ? "rd " : "", ldns_pkt_ra(p) ? "ra " : "",
	         ldns_pkt_ad(p) ? "ad " : "", ldns_pkt_cd(p) ? "cd " : "");
	size_t n = strlen(out);
	if (n > 0)
		out[n - 1] = '\0';
}

static void norm_words(char *s)
{
	char *w = s;
	bool space = true;
	for (char *r = s; *r; r++) {
		if (isspace((unsigned char)*r)) {
			if (!space)
				*w++ = ' ';
			space = true;
		} else {
			*w++ = *r;
			space = false;
		}
	}
	if (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
}

/* The extended error of @p as "CODE TEXT" (or "CODE"), "none" without. */
static void ede_text(const ldns_pkt *p, char *out, size_t len)
{
	snprintf(out, len, "none");
	const ldns_rdf *d = ldns_pkt_edns_data(p);
	if (d == NULL)
		return;
	const uint8_t *b = ldns_rdf_data(d);
	size_t n = ldns_rdf_size(d);
	for (size_t o = 0; o + 4 <= n;) {
		size_t code = (size_t)b[o] << 8 | b[o + 1];
		size_t olen = (size_t)b[o + 2] << 8 | b[o + 3];
		if (o + 4 + olen > n)
			return;
		if (code == 15 && olen >= 2) {
			int tl = (int)olen - 2;
			snprintf(out, len, "%u%s%.*s",
			         (unsigned)(b[o + 4] << 8 | b[o + 5]),
			         tl > 0 ? " " : "", tl,
			         (const char *)b + o + 6);
			return;
		}
		o += 4 + olen;
	}
}

static void run_case(const char *file, const struct zoneset *zs,
                     struct expect *e)
{
	uint8_t *wire = NULL;
	size_t wlen = 0;
	cases++;
	if (e->rawlen > 0) {
		wire = malloc(e->rawlen);
		memcpy(wire, e->raw, e->rawlen);
		wlen = e->rawlen;
	} else {
		ldns_pkt *q = NULL;
		ldns_rr_type t = ldns_get_rr_type_by_name(e->qtype);
		ldns_rr_class c = ldns_get_rr_class_by_name(e->qclass);
		if (t == 0 || c == 0 ||
		    ldns_pkt_query_new_frm_str(&q, e->qname, t, c,
		                               e->rd ? LDNS_RD : 0) !=
		            LDNS_STATUS_OK) {
			fail(file, e, "cannot build the query%s%s", "", "");
			return;
		}
		ldns_pkt_set_id(q, 4242);
		if (!e->noedns) {
			ldns_pkt_set_edns_udp_size(q, (uint16_t)e->bufsize);
			ldns_pkt_set_edns_version(q, (uint8_t)e->ednsver);
			ldns_pkt_set_edns_do(q, e->do_bit);
		}
		ldns_pkt2wire(&wire, q, &wlen);
		ldns_pkt_free(q);
	}
	uint8_t out[DNS_MAX_MSG];
	size_t outlen = 0;
	int rcode = -1;
	struct answer_opts opts = {.tcp = e->tcp,
	                           .max_udp_payload = (uint16_t)e->max,
	                           .minimal_responses = e->minimal};
	dp_status rc =
	        answer_query(zs, wire, wlen, &opts, out, &outlen, &rcode);
	free(wire);
	if (e->drop) {
		if (rc == DP_OK)
			fail(file, e, "expected no answer, got one%s%s", "",
			     "");
		return;
	}
	if (rc != DP_OK) {
		fail(file, e, "no answer%s%s", "", "");
		return;
	}
	if (!e->tcp && outlen > (size_t)(e->noedns ? 512 : e->bufsize))
		fail(file, e, "answer too large for UDP%s%s", "", "");
	ldns_pkt *p = NULL;
	if (ldns_wire2pkt(&p, out, outlen) != LDNS_STATUS_OK) {
		fail(file, e, "the answer does not parse%s%s", "", "");
		return;
	}
	char got[256];
	int full_rcode =
	        ldns_pkt_get_rcode(p) | (ldns_pkt_edns_extended_rcode(p) << 4);
	const char *rname = full_rcode == 16 ? "BADVERS" : NULL;
	ldns_lookup_table *lt =
	        ldns_lookup_by_id(ldns_rcodes, ldns_pkt_get_rcode(p));
	if (rname == NULL)
		rname = lt ? lt->name : "?";
	if (e->rcode[0] && strcasecmp(e->rcode, rname) != 0)
		fail(file, e, "rcode %s, expected %s", rname, e->rcode);
	if (e->have_flags) {
		flags_text(p, got, sizeof(got));
		norm_words(e->flags);
		if (strcmp(got, e->flags) != 0)
			fail(file, e, "flags '%s', expected '%s'", got,
			     e->flags);
	}
	if (e->opt[0]) {
		if (ldns_pkt_edns(p))
			snprintf(got, sizeof(got), "udp=%u%s",
			         ldns_pkt_edns_udp_size(p),
			         ldns_pkt_edns_do(p) ? " do" : "");
		else
			snprintf(got, sizeof(got), "noopt");
		norm_words(e->opt);
		if (strcmp(got, e->opt) != 0)
			fail(file, e, "opt '%s', expected '%s'", got, e->opt);
	}
	if (e->ede[0]) {
		char have[512];
		ede_text(p, have, sizeof(have));
		norm_words(e->ede);
		if (strcmp(have, e->ede) != 0)
			fail(file, e, "extended error '%s', expected '%s'",
			     have, e->ede);
	}
	ldns_rr_list *lists[3] = {ldns_pkt_answer(p), ldns_pkt_authority(p),
	                          ldns_pkt_additional(p)};
	static const char *const names[3] = {"answer", "authority",
	                                     "additional"};
	for (int s = 0; s < 3; s++) {
		size_t n = ldns_rr_list_rr_count(lists[s]);
		char **have = calloc(n + 1, sizeof(char *));
		for (size_t i = 0; i < n; i++) {
			have[i] = ldns_rr2str(ldns_rr_list_rr(lists[s], i));
			norm_words(have[i]);
		}
		char **want = e->sec[s];
		for (int i = 0; i < e->nsec[s]; i++)
			norm_words(want[i]);
		qsort(have, n, sizeof(char *), cmp_str);
		qsort(want, (size_t)e->nsec[s], sizeof(char *), cmp_str);
		bool same = n == (size_t)e->nsec[s];
		for (size_t i = 0; same && i < n; i++)
			same = strcmp(have[i], want[i]) == 0;
		if (!same) {
			fail(file, e, "%s section differs%s", names[s], "");
			for (size_t i = 0; i < n; i++)
				fprintf(stderr, "   got:  %s\n", have[i]);
			for (int i = 0; i < e->nsec[s]; i++)
				fprintf(stderr, "   want: %s\n", want[i]);
		}
		for (size_t i = 0; i < n; i++)
			free(have[i]);
		free(have);
	}
	ldns_pkt_free(p);
}

/* One line of an UPDATE case into the prerequisite or update list. */
static bool update_line(const char *line, ldns_rr_list *pr, ldns_rr_list *up)
{
	char copy[4096], *w[64], *save = NULL;
	int n = 0;
	snprintf(copy, sizeof(copy), "%s", line);
	for (char *t = strtok_r(copy, " \t", &save); t != NULL && n < 64;
	     t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	return n > 0 && updtext_action(w, n, pr, up) == 0;
}

/* Apply an UPDATE case to the zones of *@zs as authd's update thread. */
static void run_update(const char *file, struct zoneset **zs,
                       const struct guard *g, struct expect *e)
{
	cases++;
	ldns_rr_list *pr = ldns_rr_list_new(), *up = ldns_rr_list_new();
	for (int i = 0; i < e->nup; i++) {
		if (!update_line(e->up[i], pr, up)) {
			fail(file, e, "cannot read '%s'%s", e->up[i], "");
			ldns_rr_list_deep_free(pr);
			ldns_rr_list_deep_free(up);
			return;
		}
	}
	ldns_pkt *p = ldns_update_pkt_new(ldns_dname_new_frm_str(e->qname),
	                                  LDNS_RR_CLASS_IN, pr, up, NULL);
	ldns_rr_list_deep_free(pr);
	ldns_rr_list_deep_free(up);
	uint8_t *wire;
	size_t wlen;
	ldns_pkt2wire(&wire, p, &wlen);
	ldns_pkt_free(p);
	const struct zone *z;
	int rcode = update_zone(*zs, wire, wlen, &z);
	struct update_result res = {.rcode = rcode, .ede = -1};
	struct zone *next = NULL;
	if (rcode == DNS_RCODE_NOERROR) {
		struct zone_edit *ed = zone_edit_new(z);
		struct tsig_key key = {.name = e->key};
		int kl = dname_from_str(e->key, key.wire);
		key.wirelen = kl > 0 ? (size_t)kl : 0;
		update_apply(ed, wire, wlen, e->key[0] ? &key : NULL, g, &res);
		struct zone_change *ch = NULL;
		size_t nch;
		char err[256];
		if (res.changed && zone_edit_commit(ed, &next, &ch, &nch, err,
		                                    sizeof(err)) != DP_OK)
			fail(file, e, "the zone cannot be built: %s%s", err,
			     "");
		if (next != NULL)
			guard_mark_not_ready(g, next);
		free(ch);
		zone_edit_free(ed);
	}
	free(wire);
	ldns_lookup_table *lt = ldns_lookup_by_id(ldns_rcodes, res.rcode);
	const char *rname = lt ? lt->name : "?";
	if (e->rcode[0] && strcasecmp(e->rcode, rname) != 0)
		fail(file, e, "rcode %s, expected %s", rname, e->rcode);
	if (e->reason[0] &&
	    strcmp(e->reason, update_reason_name(res.reason)) != 0)
		fail(file, e, "refused for '%s', expected '%s'",
		     update_reason_name(res.reason), e->reason);
	if (next != NULL) {
		struct zoneset *n = zoneset_replace(*zs, next);
		zoneset_unref(*zs);
		*zs = n;
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void run_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "FAIL cannot open %s\n", path);
		failures++;
		return;
	}
	struct zoneset *zs = zoneset_new();
	struct guard g = {.enabled = true};
	struct expect e;
	memset(&e, 0, sizeof(e));
	expect_reset(&e);
	char line[4096];
	int lineno = 0, section = -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		char word[64] = "";
		sscanf(p, "%63s", word);
		char *rest = p + strlen(word);
		while (isspace((unsigned char)*rest))
			rest++;
		if (strcmp(word, "zone") == 0) {
			char name[256], file[1024], err[1024];
			struct zone *z;
			err[0] = '\0';
			bool ok =
			        sscanf(rest, "%255s %1023s", name, file) == 2 &&
			        zonestore_parse_file(name, file, &z, err,
			                             sizeof(err)) == DP_OK;
			if (ok) {
				/* Marked as authd does when it loads. */
				guard_mark_not_ready(&g, z);
				ok = zoneset_add(zs, z) == DP_OK;
			}
			if (!ok) {
				fprintf(stderr, "FAIL %s:%d: zone: %s\n", path,
				        lineno, err);
				failures++;
				break;
			}
		} else if (strcmp(word, "guard-empty-answer") == 0) {
			if (strcmp(rest, "servfail") == 0)
				g.empty = GUARD_EMPTY_SERVFAIL;
			else if (strcmp(rest, "nxdomain") == 0)
				g.empty = GUARD_EMPTY_NXDOMAIN;
			else {
				fprintf(stderr,
				        "FAIL %s:%d: guard-empty-answer '%s'\n",
				        path, lineno, rest);
				failures++;
			}
		} else if (strcmp(word, "guard") == 0) {
			if (guard_parse(&g, rest) != 0) {
				fprintf(stderr, "FAIL %s:%d: guard '%s'\n",
				        path, lineno, rest);
				failures++;
			}
		} else if (strcmp(word, "update") == 0) {
			expect_reset(&e);
			section = -1;
			e.line = lineno;
			e.update = true;
			snprintf(e.qname, sizeof(e.qname), "%s", rest);
			strcpy(e.qtype, "UPDATE");
		} else if (e.update &&
		           (strcmp(word, "yxdomain") == 0 ||
		            strcmp(word, "nxdomain") == 0 ||
		            strcmp(word, "yxrrset") == 0 ||
		            strcmp(word, "nxrrset") == 0 ||
		            strcmp(word, "add") == 0 ||
		            strcmp(word, "del") == 0) &&
		           e.nup < 256) {
			e.up[e.nup++] = strdup(p);
		} else if (strcmp(word, "fence-override") == 0) {
			if (guard_add_override(&g, rest) != 0) {
				fprintf(stderr,
				        "FAIL %s:%d: fence-override '%s'\n",
				        path, lineno, rest);
				failures++;
			}
		} else if (e.update && strcmp(word, "key") == 0) {
			snprintf(e.key, sizeof(e.key), "%s", rest);
		} else if (strcmp(word, "reason") == 0) {
			snprintf(e.reason, sizeof(e.reason), "%s", rest);
		} else if (strcmp(word, "query") == 0) {
			expect_reset(&e);
			section = -1;
			e.line = lineno;
			sscanf(rest, "%511s %31s %31s", e.qname, e.qtype,
			       e.qclass);
		} else if (strcmp(word, "raw") == 0) {
			expect_reset(&e);
			section = -1;
			e.line = lineno;
			strcpy(e.qname, "(raw)");
			for (char *h = rest; h[0] && h[1];) {
				if (isspace((unsigned char)*h)) {
					h++;
					continue;
				}
				int hi = hexval(h[0]), lo = hexval(h[1]);
				if (hi < 0 || lo < 0 ||
				    e.rawlen >= sizeof(e.raw))
					break;
				e.raw[e.rawlen++] = (uint8_t)(hi << 4 | lo);
				h += 2;
			}
		} else if (strcmp(word, "opts") == 0) {
			char *save, *tok;
			for (tok = strtok_r(rest, " \t", &save); tok;
			     tok = strtok_r(NULL, " \t", &save)) {
				if (strcmp(tok, "tcp") == 0)
					e.tcp = true;
				else if (strcmp(tok, "noedns") == 0)
					e.noedns = true;
				else if (strcmp(tok, "do") == 0)
					e.do_bit = true;
				else if (strcmp(tok, "rd") == 0)
					e.rd = true;
				else if (strcmp(tok, "minimal") == 0)
					e.minimal = true;
				else if (strncmp(tok, "bufsize=", 8) == 0)
					e.bufsize = atoi(tok + 8);
				else if (strncmp(tok, "ednsver=", 8) == 0)
					e.ednsver = atoi(tok + 8);
				else if (strncmp(tok, "max=", 4) == 0)
					e.max = atoi(tok + 4);
			}
		} else if (strcmp(word, "rcode") == 0) {
			if (strcmp(rest, "drop") == 0)
				e.drop = true;
			else
				snprintf(e.rcode, sizeof(e.rcode), "%s", rest);
		} else if (strcmp(word, "flags") == 0) {
			snprintf(e.flags, sizeof(e.flags), "%s", rest);
			e.have_flags = true;
		} else if (strcmp(word, "opt") == 0 ||
		           strcmp(word, "noopt") == 0) {
			snprintf(e.opt, sizeof(e.opt), "%s",
			         word[0] == 'n' ? "noopt" : rest);
		} else if (strcmp(word, "ede") == 0 ||
		           strcmp(word, "noede") == 0) {
			snprintf(e.ede, sizeof(e.ede), "%s",
			         word[0] == 'n' ? "none" : rest);
		} else if (strcmp(word, "answer") == 0) {
			section = 0;
		} else if (strcmp(word, "authority") == 0) {
			section = 1;
		} else if (strcmp(word, "additional") == 0) {
			section = 2;
		} else if (strcmp(word, "end") == 0) {
			if (e.update)
				run_update(path, &zs, &g, &e);
			else
				run_case(path, zs, &e);
			expect_reset(&e);
			section = -1;
		} else if (section >= 0 && e.nsec[section] < 64) {
			char *rr = norm_rr(p);
			if (rr == NULL) {
				fprintf(stderr, "FAIL %s:%d: bad record '%s'\n",
				        path, lineno, p);
				failures++;
				continue;
			}
			e.sec[section][e.nsec[section]++] = rr;
		} else {
			fprintf(stderr, "FAIL %s:%d: cannot read '%s'\n", path,
			        lineno, p);
			failures++;
		}
	}
	expect_reset(&e);
	fclose(f);
	zoneset_unref(zs);
	guard_free(&g);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: packet_run CASEDIR\n");
		return 2;
	}
	struct dirent **ents;
	int n = scandir(argv[1], &ents, NULL, by_name);
	if (n < 0) {
		perror(argv[1]);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		size_t len = strlen(name);
		if (len > 5 && strcmp(name + len - 5, ".case") == 0) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", argv[1], name);
			run_file(path);
		}
		free(ents[i]);
	}
	free(ents);
	printf("packet: %d cases, %d failures\n", cases, failures);
	return failures ? 1 : 0;
}
