/*
 * settings.c - authd's option table and the parsers of its values.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dname.h"
#include "log.h"
#include "settings.h"
#include "update.h"
#include "xfr.h"

static const char *check_listen(const char *value)
{
	struct listen_addr a;
	if (settings_parse_listen(value, &a) != 0)
		return "expected ADDRESS[:PORT] or [IPV6]:PORT";
	return NULL;
}

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

static const char *check_level(const char *value)
{
	enum log_level l;
	if (log_level_parse(value, &l) != 0)
		return "expected error, warning, notice, info or debug";
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

static const char *check_guard(const char *value)
{
	struct guard g = {0};
	int rc = guard_parse(&g, value);
	guard_free(&g);
	return rc == 0 ? NULL : "expected NAME or NAME=MIN (1..1000)";
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

#define OFF(f) offsetof(struct authd_settings, f)

const struct cfg_option authd_options[] = {
        {"listen", CFG_LIST, "127.0.0.1:53", 0, 0, OFF(listen), check_listen,
         "address to serve UDP and TCP on, ADDR[:PORT] or [IPV6]:PORT"},
        {"zone", CFG_LIST, NULL, 0, 0, OFF(zone), check_zone,
         "zone to serve, NAME=ZONEFILE (imported into the store)"},
        {"state-dir", CFG_STRING, "/var/lib/dnsplane", 0, 0, OFF(state_dir),
         check_path, "directory of the zone store (zones.db)"},
        {"workers", CFG_INT, "1", 1, 64, OFF(workers), NULL,
         "I/O worker threads"},
        {"max-udp-payload", CFG_INT, "1232", 512, 4096, OFF(max_udp_payload),
         NULL, "largest UDP response with EDNS, in bytes"},
        {"tcp-idle-timeout", CFG_INT, "10", 1, 3600, OFF(tcp_idle_timeout),
         NULL, "seconds before an idle TCP connection is closed"},
        {"tcp-max-clients", CFG_INT, "256", 1, 65536, OFF(tcp_max_clients),
         NULL, "open TCP connections per worker"},
        {"socket-buffer", CFG_INT, "8388608", 65536, 268435456,
         OFF(socket_buffer), NULL,
         "UDP socket receive and send buffer, in bytes"},
        {"minimal-responses", CFG_BOOL, "no", 0, 0, OFF(minimal_responses),
         NULL, "leave the zone's NS records out of positive answers"},
        {"key", CFG_LIST, NULL, 0, 0, OFF(key), check_path,
         "TSIG key file (BIND format, as from tsig-keygen)"},
        {"policy", CFG_LIST, NULL, 0, 0, OFF(policy), check_policy,
         "what a key may change: \"KEY name|subdomain NAME [TYPE...]\""},
        {"guard", CFG_LIST, NULL, 0, 0, OFF(guard), check_guard,
         "guarded endpoint NAME[=MIN]: updates may not leave it with "
         "fewer than MIN (1) addresses nor move its generation back"},
        {"guard-enabled", CFG_BOOL, "yes", 0, 0, OFF(guard_enabled), NULL,
         "enforce the guard (no: the legacy lab)"},
        {"journal-size", CFG_INT, "1000", 1, 1000000, OFF(journal_size), NULL,
         "committed changes kept per zone for IXFR"},
        {"allow-transfer", CFG_LIST, NULL, 0, 0, OFF(allow_transfer),
         check_allow_transfer,
         "who may transfer the zones (AXFR, IXFR): \"ADDR[/BITS] [KEY]\", "
         "the request signed with KEY when one is named"},
        {"notify", CFG_LIST, NULL, 0, 0, OFF(notify), check_notify,
         "secondary to NOTIFY after each change: \"ADDR[:PORT] [KEY]\""},
        {"metrics-listen", CFG_STRING, NULL, 0, 0, OFF(metrics_listen),
         check_listen,
         "ADDR:PORT of the HTTP listener for /metrics and /healthz "
         "(loopback advised; off when unset)"},
        {"log-level", CFG_STRING, "info", 0, 0, OFF(log_level), check_level,
         "error, warning, notice, info or debug"},
        {NULL, 0, NULL, 0, 0, 0, NULL, NULL},
};

int settings_parse_listen(const char *text, struct listen_addr *out)
{
	char host[64];
	const char *port = NULL;
	memset(out, 0, sizeof(*out));
	if (text[0] == '[') {
		const char *end = strchr(text, ']');
		if (end == NULL || (size_t)(end - text - 1) >= sizeof(host))
			return -1;
		memcpy(host, text + 1, (size_t)(end - text - 1));
		host[end - text - 1] = '\0';
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			return -1;
	} else {
		const char *colon = strchr(text, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			colon = NULL; /* a bare IPv6 address */
		}
		size_t n = colon ? (size_t)(colon - text) : strlen(text);
		if (n >= sizeof(host))
			return -1;
		memcpy(host, text, n);
		host[n] = '\0';
		if (colon != NULL)
			port = colon + 1;
	}
	long p = 53;
	if (port != NULL) {
		char *end;
		p = strtol(port, &end, 10);
		if (*port == '\0' || *end != '\0' || p < 1 || p > 65535)
			return -1;
	}
	struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)p);
		out->len = sizeof(*sin);
		snprintf(out->text, sizeof(out->text), "%s:%ld", host, p);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)p);
		out->len = sizeof(*sin6);
		snprintf(out->text, sizeof(out->text), "[%s]:%ld", host, p);
	} else {
		return -1;
	}
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
