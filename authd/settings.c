/*
 * settings.c - authd's option table and the parsers of its values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dname.h"
#include "failover.h"
#include "netaddr.h"
#include "settings.h"
#include "update.h"
#include "weight.h"
#include "xfr.h"

static const char *check_zone(const char *value)
{
	char name[1024];
	const char *file;
	if (settings_split_zone(value, name, sizeof(name), &file) != 0)
		return "expected NAME=ZONEFILE with a valid domain name";
	if (file != NULL && *file == '\0')
		return "empty zone file path";
	return NULL;
}

static const char *check_policy(const char *value)
{
	char key[256], kind[32], name[1024];
	if (sscanf(value, "%255s %31s %1023s", key, kind, name) != 3 ||
	    (strcmp(kind, "name") != 0 && strcmp(kind, "subdomain") != 0))
		return "expected KEY name|subdomain NAME [TYPE ...]";
	uint8_t w[DNAME_MAXLEN];
	if (dname_from_str(name, w) < 0 || dname_from_str(key, w) < 0)
		return "not a domain name";
	return NULL;
}

static const char *check_keyname(const char *value)
{
	uint8_t w[DNAME_MAXLEN];
	return dname_from_str(value, w) < 0 ? "expected a key name" : NULL;
}

static const char *check_guard(const char *value)
{
	struct guard g = {0};
	int rc = guard_parse(&g, value);
	guard_free(&g);
	return rc == 0 ? NULL : "expected NAME or NAME=MIN (1..1000)";
}

static const char *check_failover(const char *value)
{
	static _Thread_local char why[512];
	struct failover f = {0};
	int rc = failover_parse(&f, value, why, sizeof(why));
	failover_free(&f);
	return rc == 0 ? NULL : why;
}

static const char *check_allow_transfer(const char *value)
{
	struct xfr_acl_entry e;
	const char *why;
	return xfr_acl_parse(value, &e, &why) == 0 ? NULL : why;
}

static const char *check_notify(const char *value)
{
	struct xfr_target t;
	const char *why;
	return xfr_target_parse(value, &t, &why) == 0 ? NULL : why;
}

static const char *check_path(const char *value)
{
	if (*value == '\0')
		return "empty path";
	return NULL;
}

/* The zone name of @value ("NAME=FILE", checked) in wire form into @w. */
static int zone_wire(const char *value, uint8_t *w, char *name, size_t len)
{
	const char *file;
	settings_split_zone(value, name, len, &file);
	return dname_from_str(name, w);
}

/*
 * Checks across options: a zone named twice (zones_load() would refuse it
 * only at start, after importing), and /metrics on a DNS address.
 */
static int cross_check(const struct cfg_option *table, const void *settings,
                       char *err, size_t errlen)
{
	const struct authd_settings *s = settings;
	char where[512], name[1024], other[1024];
	uint8_t wi[DNAME_MAXLEN], wj[DNAME_MAXLEN];
	for (size_t i = 0; i < s->zone.n; i++) {
		int li = zone_wire(s->zone.v[i], wi, name, sizeof(name));
		for (size_t j = 0; j < i; j++) {
			int lj = zone_wire(s->zone.v[j], wj, other,
			                   sizeof(other));
			if (!dname_equal(wi, (size_t)li, wj, (size_t)lj))
				continue;
			cfg_origin_text(cfg_origin(table, s, "zone", j), where,
			                sizeof(where));
			return cfg_error(
			        table, s, "zone", i, err, errlen,
			        "zone %s configured twice (first at %s)", name,
			        where);
		}
	}
	/* One failover rule per endpoint. */
	struct failover f = {0};
	for (size_t i = 0; i < s->failover.n; i++) {
		char why[512];
		if (failover_parse(&f, s->failover.v[i], why, sizeof(why)) == 0)
			continue;
		failover_free(&f);
		return cfg_error(table, s, "failover", i, err, errlen, "%s",
		                 why);
	}
	failover_free(&f);
	for (size_t i = 0; s->metrics_listen != NULL && i < s->listen.n; i++) {
		if (strcmp(s->listen.v[i], s->metrics_listen) != 0)
			continue;
		cfg_origin_text(cfg_origin(table, s, "listen", i), where,
		                sizeof(where));
		return cfg_error(table, s, "metrics-listen", 0, err, errlen,
		                 "also a DNS listen address (%s)", where);
	}
	return 0;
}

/* guard-empty-answer's words. */
static const struct cfg_word guard_empty_words[] = {
        {"servfail", GUARD_EMPTY_SERVFAIL},
        {"nxdomain", GUARD_EMPTY_NXDOMAIN},
        {NULL, 0},
};

#define OFF(f) offsetof(struct authd_settings, f)

const struct cfg_option authd_options[] = {
        CFG_OPT_ADDRS("listen", "127.0.0.1:53", 53, OFF(listen),
                      "address to serve UDP and TCP on"),
        CFG_OPT_LIST("zone", NULL, OFF(zone), check_zone,
                     "zone to serve, NAME=ZONEFILE (imported into the store)"),
        CFG_OPT_STRING("state-dir", "/var/lib/dnsplane", OFF(state_dir),
                       check_path, "directory of the zone store (zones.db)"),
        CFG_OPT_INT("workers", "1", 1, 64, OFF(workers), "I/O worker threads"),
        CFG_OPT_INT("max-udp-payload", "1232", 512, 4096, OFF(max_udp_payload),
                    "largest UDP response with EDNS, in bytes"),
        CFG_OPT_INT("tcp-idle-timeout", "10", 1, 3600, OFF(tcp_idle_timeout),
                    "seconds before an idle TCP connection is closed"),
        CFG_OPT_INT("tcp-max-clients", "256", 1, 65536, OFF(tcp_max_clients),
                    "open TCP connections per worker"),
        CFG_OPT_INT("socket-buffer", "8388608", 65536, 268435456,
                    OFF(socket_buffer),
                    "UDP socket receive and send buffer, in bytes"),
        CFG_OPT_BOOL("minimal-responses", "no", OFF(minimal_responses),
                     "leave the zone's NS records out of positive answers"),
        CFG_OPT_INT("weighted-answers", "1", 1, WEIGHT_ANSWERS_MAX,
                    OFF(weighted_answers),
                    "addresses in an A or AAAA answer whose owner has "
                    "_weight records, drawn by weight (Route 53's "
                    "multivalue answers give up to 8)"),
        CFG_OPT_LIST("key", NULL, OFF(key), check_path,
                     "TSIG key file (BIND format, as from tsig-keygen)"),
        CFG_OPT_LIST("policy", NULL, OFF(policy), check_policy,
                     "what a key may change: \"KEY name|subdomain NAME "
                     "[TYPE...]\""),
        CFG_OPT_LIST("guard", NULL, OFF(guard), check_guard,
                     "guarded endpoint NAME[=MIN]: updates may not leave it "
                     "with fewer than MIN (1) addresses nor move its "
                     "generation back"),
        CFG_OPT_LIST("fence-override", NULL, OFF(fence_override), check_keyname,
                     "TSIG key NAME whose updates may lower a generation "
                     "marker (the operator's repair past a marker no plan "
                     "store will reach); the guard's minimum still holds"),
        CFG_OPT_BOOL("guard-enabled", "yes", OFF(guard_enabled),
                     "enforce the guard (no: the legacy lab)"),
        CFG_OPT_ENUM("guard-empty-answer", "servfail", guard_empty_words,
                     OFF(guard_empty_answer),
                     "what a guarded endpoint without any address answers "
                     "for A, AAAA, CNAME and ANY (a lost database, waiting "
                     "for its writer): servfail (Not Ready, EDE 14: "
                     "resolvers retry and may serve stale) or nxdomain (the "
                     "zone as it is: NXDOMAIN or NODATA, cached for the "
                     "negative TTL)"),
        CFG_OPT_LIST("failover", NULL, OFF(failover), check_failover,
                     "backup addresses \"ENDPOINT ADDRESS [ADDRESS...]\": "
                     "whenever ENDPOINT would answer no address it answers "
                     "these, in the zone itself"),
        CFG_OPT_INT("journal-size", "1000", 1, 1000000, OFF(journal_size),
                    "committed changes kept per zone for IXFR"),
        CFG_OPT_LIST("allow-transfer", NULL, OFF(allow_transfer),
                     check_allow_transfer,
                     "who may transfer the zones (AXFR, IXFR): \"ADDR[/BITS] "
                     "[KEY]\", the request signed with KEY when one is named"),
        CFG_OPT_LIST("notify", NULL, OFF(notify), check_notify,
                     "secondary to NOTIFY after each change: \"ADDR[:PORT] "
                     "[KEY]\""),
        CFG_OPT_ADDR("metrics-listen", NULL, 0, OFF(metrics_listen),
                     "the HTTP listener for /metrics and /healthz (loopback "
                     "advised; off when unset)"),
        CFG_OPT_ENUM("log-level", "info", cfg_log_levels, OFF(log_level),
                     "the least important log lines written"),
        CFG_END(struct authd_settings, cfg, cross_check),
};

int settings_parse_listen(const char *text, struct listen_addr *out)
{
	struct netaddr a;
	memset(out, 0, sizeof(*out));
	if (netaddr_parse(text, 53, &a) != NULL)
		return -1;
	out->ss = a.ss;
	out->len = a.len;
	snprintf(out->text, sizeof(out->text), "%s", a.text);
	return 0;
}

int settings_split_zone(const char *text, char *name, size_t namelen,
                        const char **file)
{
	const char *eq = strchr(text, '=');
	size_t n = eq ? (size_t)(eq - text) : strlen(text);
	if (n == 0 || n >= namelen)
		return -1;
	memcpy(name, text, n);
	name[n] = '\0';
	uint8_t wire[DNAME_MAXLEN];
	if (dname_from_str(name, wire) < 0)
		return -1;
	*file = eq ? eq + 1 : NULL;
	return 0;
}
