/*
 * settings.c - the enactor's option table.
 */
#include <stddef.h>
#include <string.h>

#include "log.h"
#include "settings.h"

static const char *check_mode(const char *v)
{
	if (strcmp(v, "legacy") == 0 || strcmp(v, "safe") == 0)
		return NULL;
	return "expected legacy or safe";
}

static const char *check_level(const char *v)
{
	enum log_level l;
	return log_level_parse(v, &l) == 0
	               ? NULL
	               : "expected error, warning, notice, info or debug";
}

static const char *check_pause(const char *v)
{
	static const char *const points[] = {"after-freshness-check",
	                                     "before-endpoint",
	                                     "before-cleanup", "before-delete"};
	for (size_t i = 0; i < 4; i++) {
		size_t n = strlen(points[i]);
		if (strncmp(v, points[i], n) == 0 &&
		    (v[n] == '\0' || v[n] == ':'))
			return NULL;
	}
	return "expected after-freshness-check, before-endpoint[:NAME], "
	       "before-cleanup or before-delete[:GENERATION]";
}

static const char *check_nonempty(const char *v)
{
	return *v ? NULL : "empty value";
}

#define OFF(f) offsetof(struct enactor_settings, f)

const struct cfg_option enactor_options[] = {
        {"id", CFG_STRING, "1", 0, 0, OFF(id), check_nonempty,
         "this enactor's name in the store and in authd's locks"},
        {"mode", CFG_STRING, "safe", 0, 0, OFF(mode), check_mode,
         "legacy (the 2025 race) or safe (the fix)"},
        {"store", CFG_STRING, "/var/lib/dnsplane/plans.db", 0, 0, OFF(store),
         check_nonempty, "the plan store (SQLite)"},
        {"server", CFG_STRING, "127.0.0.1:53", 0, 0, OFF(server),
         check_nonempty, "authd, ADDRESS:PORT, reached over TCP"},
        {"zone", CFG_STRING, "api.test.", 0, 0, OFF(zone), check_nonempty,
         "the zone the endpoints are in"},
        {"key", CFG_STRING, NULL, 0, 0, OFF(key), check_nonempty,
         "TSIG key file (BIND format) this enactor signs with"},
        {"keep", CFG_INT, "3", 1, 1000000, OFF(keep), NULL,
         "cleanup deletes plans more than this many generations old"},
        {"ttl", CFG_INT, "60", 0, 86400, OFF(ttl), NULL,
         "TTL of the records written"},
        {"interval-ms", CFG_INT, "1000", 50, 3600000, OFF(interval_ms), NULL,
         "check authd this often even without a new plan"},
        {"full-scan-ms", CFG_INT, "30000", 0, 86400000, OFF(full_scan_ms), NULL,
         "safe: read every endpoint at least this often; in between a pass "
         "reads only authd's zone serial while it stays the same "
         "(0: every pass reads every endpoint)"},
        {"heartbeat-ms", CFG_INT, "500", 50, 60000, OFF(heartbeat_ms), NULL,
         "how often to report into the store"},
        {"timeout-ms", CFG_INT, "2000", 50, 60000, OFF(timeout_ms), NULL,
         "wait for one answer from authd"},
        {"endpoint-delay-ms", CFG_INT, "0", 0, 3600000, OFF(endpoint_delay_ms),
         NULL, "artificial delay before each endpoint (fault injection)"},
        {"backoff-base-ms", CFG_INT, "50", 1, 60000, OFF(backoff_base_ms), NULL,
         "first retry delay (doubles, with jitter)"},
        {"backoff-max-ms", CFG_INT, "2000", 1, 600000, OFF(backoff_max_ms),
         NULL, "longest retry delay"},
        {"pause-at", CFG_LIST, NULL, 0, 0, OFF(pause_at), check_pause,
         "stop with SIGSTOP once at this point: after-freshness-check, "
         "before-endpoint[:NAME], before-cleanup, before-delete[:GEN]"},
        {"log-level", CFG_STRING, "info", 0, 0, OFF(log_level), check_level,
         "error, warning, notice, info or debug"},
        {NULL, 0, NULL, 0, 0, 0, NULL, NULL},
};

enum enactor_mode settings_mode(const struct enactor_settings *s)
{
	return strcmp(s->mode, "legacy") == 0 ? MODE_LEGACY : MODE_SAFE;
}
