/*
 * config.c - fuzz target: every parser of the settings and files an
 * operator writes.
 *
 * The first byte of the input picks the parser (its value modulo
 * CONFIG_PARSERS); the rest is the text it reads:
 *
 *   0  authd's settings file (common/config.c with authd's table), then
 *      what authd builds from it at start and reload: listen addresses,
 *      zone names, keys and policy rules, the guard, the transfer policy
 *   1  the planner's settings file and the region it describes
 *   2  the enactor's settings file
 *   3  a BIND-format TSIG key file (common/keys.c)
 *   4  single values, one a line, through each value parser: policy
 *      rules, guard rules, allow-transfer and notify entries, listen
 *      addresses, load balancers and health-check targets, names
 *   5  the command line of authd: arguments separated by NUL bytes
 *   6  text from the store or from DNS written as a JSON string by
 *      dnsplanectl --json, which must come out valid
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dname.h"
#include "fuzz.h"
#include "json.h"
#include "planstore.h"
#include "region.h"
#include "settings.h"
#include "update.h"
#include "xfr.h"
#include "xfrout.h"
#include "xalloc.h"

/* Both daemons have a settings.h; -Iauthd comes first. */
#include "../enactor/settings.h"

#define CONFIG_PARSERS 7

static FILE *devnull;

/* A keyring with the fuzz keys and no rules yet. */
static struct keyring *fresh_keyring(void)
{
	char err[1024];
	struct keyring *kr = keyring_new();
	if (keyring_load_file(kr, fuzz_path("fuzz/fuzz.key"), err,
	                      sizeof(err)) != DP_OK)
		fuzz_fail("%s", err);
	return kr;
}

/*
 * Settings of @table from @path into @s (zeroed, defaults set first), as
 * a daemon reads them, and printed back; false when the file is refused.
 * @s is for cfg_free() either way.
 */
static bool settings_file(const struct cfg_option *table, void *s,
                          const char *path)
{
	char err[1024];
	if (cfg_init(table, s, err, sizeof(err)) != 0)
		fuzz_fail("defaults: %s", err);
	if (cfg_load_file(table, s, path, err, sizeof(err)) != 0)
		return false;
	cfg_finish(table, s);
	cfg_print(table, s, devnull);
	return true;
}

/* authd's settings, and what main.c builds from them. */
static void authd_file(const char *path)
{
	struct authd_settings s;
	char err[1024];
	memset(&s, 0, sizeof(s));
	if (!settings_file(authd_options, &s, path))
		goto out;
	for (size_t i = 0; i < s.listen.n; i++) {
		struct listen_addr la;
		settings_parse_listen(s.listen.v[i], &la);
	}
	for (size_t i = 0; i < s.zone.n; i++) {
		char name[1024];
		const char *file;
		settings_split_zone(s.zone.v[i], name, sizeof(name), &file);
	}
	/* Key files are read from the fuzz key, never a path it names. */
	for (size_t i = 0; i < s.key.n; i++)
		free(s.key.v[i]);
	free(s.key.v);
	s.key.v = xcalloc(1, sizeof(char *));
	s.key.v[0] = xstrdup(fuzz_path("fuzz/fuzz.key"));
	s.key.n = 1;
	struct keyring *kr = fresh_keyring();
	for (size_t i = 0; i < s.policy.n; i++)
		keyring_add_rule(kr, s.policy.v[i], err, sizeof(err));
	keyring_free(kr);
	struct guard g = {.enabled = s.guard_enabled};
	for (size_t i = 0; i < s.guard.n; i++)
		guard_parse(&g, s.guard.v[i]);
	guard_free(&g);
	struct xfr_policy *xp = NULL;
	if (xfr_policy_load(&s, &xp, err, sizeof(err)) == DP_OK)
		xfr_policy_unref(xp);
	if (s.metrics_listen != NULL) {
		struct listen_addr la;
		settings_parse_listen(s.metrics_listen, &la);
	}
out:
	cfg_free(authd_options, &s);
}

static void planner_file(const char *path)
{
	struct planner_settings s;
	struct region *r = NULL;
	char err[1024];
	memset(&s, 0, sizeof(s));
	if (region_read(path, 0, NULL, &s, &r, err, sizeof(err)) != DP_OK)
		return;
	cfg_print(planner_options, &s, devnull);
	for (size_t i = 0; i < r->nendpoints; i++)
		if (region_find_endpoint(r, r->endpoints[i].name) != i)
			fuzz_fail("endpoint %s not found at %zu",
			          r->endpoints[i].name, i);
	region_free(r);
	region_settings_free(&s);
}

static void enactor_file(const char *path)
{
	struct enactor_settings s;
	memset(&s, 0, sizeof(s));
	if (settings_file(enactor_options, &s, path))
		settings_mode(&s);
	cfg_free(enactor_options, &s);
}

static void key_file(const char *path)
{
	char err[1024];
	struct keyring *kr = keyring_new();
	if (keyring_load_file(kr, path, err, sizeof(err)) == DP_OK) {
		const struct tsig_key *k = keyring_first(kr);
		if (k != NULL && keyring_find(kr, k->wire, k->wirelen) != k)
			fuzz_fail("key %s not found by name", k->name);
	}
	keyring_free(kr);
}

/* One value through every value parser. */
static void value(const char *v)
{
	char err[1024], name[1024];
	const char *why, *file;
	struct keyring *kr = fresh_keyring();
	keyring_add_rule(kr, v, err, sizeof(err));
	keyring_free(kr);
	struct guard g = {.enabled = true};
	guard_parse(&g, v);
	guard_free(&g);
	struct xfr_acl_entry acl;
	xfr_acl_parse(v, &acl, &why);
	struct xfr_target tg;
	xfr_target_parse(v, &tg, &why);
	struct listen_addr la;
	settings_parse_listen(v, &la);
	settings_split_zone(v, name, sizeof(name), &file);
	struct region_lb lb;
	region_parse_lb(v, name, &lb);
	struct check_target ct;
	region_parse_target(v, &ct);
	planstore_canonical_name(v, name);
	uint8_t wire[DNAME_MAXLEN];
	if (dname_from_str(v, wire) >= 0)
		dname_to_str(wire, name, sizeof(name));
	dname_canonical(v, name);
}

static void values(char *text)
{
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l != NULL;
	     l = strtok_r(NULL, "\n", &save))
		value(l);
}

/* authd's command line: @text holds @len bytes, NUL separated. */
static void command_line(char *text, size_t len)
{
	char *argv[64];
	int argc = 0;
	for (size_t i = 0; i < len && argc < 64; i += strlen(text + i) + 1)
		argv[argc++] = text + i;
	struct authd_settings s;
	char err[1024];
	memset(&s, 0, sizeof(s));
	if (cfg_init(authd_options, &s, err, sizeof(err)) != 0)
		fuzz_fail("authd defaults: %s", err);
	if (cfg_parse_args(authd_options, &s, argc, argv, err, sizeof(err)) ==
	    0)
		cfg_finish(authd_options, &s);
	cfg_free(authd_options, &s);
}

/* The JSON string written for @text must be valid: quoted, UTF-8, no
 * control byte. */
static void json_string(const char *text)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_escape(f, text);
	fclose(f);
	if (len < 2 || buf[0] != '"' || buf[len - 1] != '"')
		fuzz_fail("JSON string not quoted");
	for (size_t i = 1; i + 1 < len;) {
		unsigned char c = (unsigned char)buf[i];
		size_t n = c < 0x80         ? 1
		           : (c >> 5) == 6  ? 2
		           : (c >> 4) == 14 ? 3
		           : (c >> 3) == 30 ? 4
		                            : 0;
		if (c < 0x20 || n == 0 || i + n > len - 1)
			fuzz_fail("JSON byte 0x%02x at %zu", c, i);
		for (size_t k = 1; k < n; k++)
			if (((unsigned char)buf[i + k] >> 6) != 2)
				fuzz_fail("JSON: bad UTF-8 at %zu", i);
		if (c == '"')
			fuzz_fail("JSON: unescaped quote at %zu", i);
		i += c == '\\' ? 2 : n;
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (devnull == NULL) {
		fuzz_quiet();
		devnull = fopen("/dev/null", "w");
		fuzz_keyring();
	}
	if (size < 1)
		return 0;
	unsigned which = data[0] % CONFIG_PARSERS;
	data++;
	size--;
	if (which <= 3) {
		const char *path = fuzz_memfile(data, size);
		if (which == 0)
			authd_file(path);
		else if (which == 1)
			planner_file(path);
		else if (which == 2)
			enactor_file(path);
		else
			key_file(path);
		return 0;
	}
	/* The rest read a C string. */
	char *text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	if (which == 4)
		values(text);
	else if (which == 5)
		command_line(text, size);
	else
		json_string(text);
	free(text);
	return 0;
}
