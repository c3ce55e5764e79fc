/*
 * settings.c - the enactor's option table.
 */
#include <stddef.h>
#include <string.h>

#include "reports.h"
#include "settings.h"

static const char *check_pause(const char *v)
{
	static const char *const points[] = {"after-freshness-check",
	                                     "before-endpoint", "before-send",
	                                     "before-cleanup", "before-delete"};
	for (size_t i = 0; i < 5; i++) {
		size_t n = strlen(points[i]);
		if (strncmp(v, points[i], n) == 0 &&
		    (v[n] == '\0' || v[n] == ':'))
			return NULL;
	}
	return "expected after-freshness-check, before-endpoint[:NAME], "
	       "before-send[:NAME], before-cleanup or "
	       "before-delete[:GENERATION]";
}

static const char *check_nonempty(const char *v)
{
	return *v ? NULL : "empty value";
}

/*
 * Checks across options: a first retry delay above the cap would make
 * every retry wait the cap.
 */
static int cross_check(const struct cfg_option *table, const void *settings,
                       char *err, size_t errlen)
{
	return cfg_check_order(table, settings, "backoff-base-ms",
	                       "backoff-max-ms", false, err, errlen);
}

const struct cfg_word enactor_modes[] = {
        {"legacy", MODE_LEGACY},
        {"safe", MODE_SAFE},
        {NULL, 0},
};

#define OFF(f) offsetof(struct enactor_settings, f)

const struct cfg_option enactor_options[] = {
        CFG_OPT_STRING("id", "1", OFF(id), reports_check_id,
                       "this enactor's name in the store and in authd's "
                       "locks: letters, digits, '.', '_', '-'"),
        CFG_OPT_ENUM("mode", "safe", enactor_modes, OFF(mode),
                     "legacy: the 2025 race; safe: the fix"),
        CFG_OPT_STRING("store", "/var/lib/dnsplane/plans.db", OFF(store),
                       check_nonempty,
                       "the plan store: a SQLite file's path, or "
                       "etcd://HOST:PORT[,HOST:PORT...] (an etcd v3 cluster)"),
        CFG_OPT_ADDR("server", "127.0.0.1:53", 53, OFF(server),
                     "authd, reached over TCP"),
        CFG_OPT_STRING("zone", "api.test.", OFF(zone), check_nonempty,
                       "the zone the endpoints are in"),
        CFG_OPT_STRING("key", NULL, OFF(key), check_nonempty,
                       "TSIG key file (BIND format) this enactor signs with"),
        CFG_OPT_INT("keep", "3", 1, 1000000, OFF(keep),
                    "cleanup deletes plans more than this many generations "
                    "old"),
        CFG_OPT_INT("ttl", "60", 0, 86400, OFF(ttl),
                    "TTL of the records written"),
        CFG_OPT_INT("interval-ms", "1000", 50, 3600000, OFF(interval_ms),
                    "check authd this often even without a new plan"),
        CFG_OPT_INT("full-scan-ms", "30000", 0, 86400000, OFF(full_scan_ms),
                    "safe: read every endpoint at least this often; in "
                    "between a pass reads only authd's zone serial while it "
                    "stays the same (0: every pass reads every endpoint)"),
        CFG_OPT_INT("heartbeat-ms", "500", 50, 60000, OFF(heartbeat_ms),
                    "how often to report into the store"),
        CFG_OPT_INT("timeout-ms", "2000", 50, 60000, OFF(timeout_ms),
                    "wait for one answer from authd"),
        CFG_OPT_INT("endpoint-delay-ms", "0", 0, 3600000,
                    OFF(endpoint_delay_ms),
                    "artificial delay before each endpoint (fault "
                    "injection)"),
        CFG_OPT_INT("backoff-base-ms", "50", 1, 60000, OFF(backoff_base_ms),
                    "first retry delay (doubles, with jitter)"),
        CFG_OPT_INT("backoff-max-ms", "2000", 1, 600000, OFF(backoff_max_ms),
                    "longest retry delay"),
        CFG_OPT_BOOL("lock-backoff", "no", OFF(lock_backoff),
                     "legacy: after each try that finds the lock held, "
                     "wait as retries do (backoff-base-ms, doubling to "
                     "backoff-max-ms, with jitter) instead of a steady "
                     "20 ms: an enactor that keeps losing the lock falls "
                     "behind, as AWS's did"),
        CFG_OPT_INT("lock-hold-ms", "0", 0, 3600000, OFF(lock_hold_ms),
                    "legacy: time spent holding an endpoint's lock before "
                    "its change batch, as slow work would (fault "
                    "injection)"),
        CFG_OPT_INT("lock-jitter-seed", "0", 0, 4294967295L,
                    OFF(lock_jitter_seed),
                    "legacy: seed of lock-backoff's jitter, so that the "
                    "same seed draws the same waits (the waits, not when "
                    "the other enactors take the lock); 0: seeded from "
                    "the clock and the process ID"),
        CFG_OPT_LIST("pause-at", NULL, OFF(pause_at), check_pause,
                     "stop with SIGSTOP once at this point: "
                     "after-freshness-check, before-endpoint[:NAME], "
                     "before-send[:NAME] (safe: the update built and "
                     "checked, not sent), before-cleanup, "
                     "before-delete[:GEN]"),
        CFG_OPT_ADDR("metrics-listen", NULL, 0, OFF(metrics_listen),
                     "the HTTP listener for /metrics and /healthz (loopback "
                     "advised; off when unset)"),
        CFG_OPT_ENUM("log-level", "info", cfg_log_levels, OFF(log_level),
                     "the least important log lines written"),
        CFG_END(struct enactor_settings, cfg, cross_check),
};

enum enactor_mode settings_mode(const struct enactor_settings *s)
{
	return (enum enactor_mode)s->mode;
}
