/*
 * settings.c - the option tables of leasestore and leasemgr.
 */
#include <stddef.h>

#include "fleet.h"
#include "settings.h"

static const char *check_nonempty(const char *v)
{
	return *v ? NULL : "empty value";
}

/* A lease must be renewed before it expires. */
static int mgr_cross(const struct cfg_option *table, const void *settings,
                     char *err, size_t errlen)
{
	if (cfg_check_order(table, settings, "renew-ms", "lease-ms", true, err,
	                    errlen) != 0)
		return -1;
	return cfg_check_order(table, settings, "backoff-base-ms",
	                       "backoff-max-ms", false, err, errlen);
}

const struct cfg_word mgr_modes[] = {
        {"unprotected", FLEET_UNPROTECTED},
        {"protected", FLEET_PROTECTED},
        {NULL, 0},
};

/* The rows both daemons end with, for settings struct TYPE. */
#define LAB_ROWS(TYPE)                                                         \
	CFG_OPT_STRING("timeline", NULL, offsetof(TYPE, timeline),             \
	               check_nonempty,                                         \
	               "write a CSV row of the state to this file every "      \
	               "timeline-ms"),                                         \
	        CFG_OPT_INT("timeline-ms", "100", 10, 60000,                   \
	                    offsetof(TYPE, timeline_ms),                       \
	                    "the timeline's interval"),                        \
	        CFG_OPT_ADDR("metrics-listen", NULL, 0,                        \
	                     offsetof(TYPE, metrics_listen),                   \
	                     "the HTTP listener for /metrics and /healthz "    \
	                     "(off when unset)"),                              \
	        CFG_OPT_ENUM("log-level", "info", cfg_log_levels,              \
	                     offsetof(TYPE, log_level),                        \
	                     "the least important log lines written")

#define SOFF(f) offsetof(struct store_settings, f)

const struct cfg_option store_options[] = {
        CFG_OPT_ADDRS("listen", "127.0.0.1:8000", 0, SOFF(listen),
                      "a TCP address to serve the lease protocol on "
                      "(repeat for several: the load balancers' "
                      "addresses)"),
        CFG_OPT_INT("slots", "8", 1, 1024, SOFF(slots),
                    "requests in service at once"),
        CFG_OPT_INT("service-ms", "4", 1, 10000, SOFF(service_ms),
                    "service time of one request without a backlog"),
        CFG_OPT_INT("knee", "64", 1, 1000000, SOFF(knee),
                    "waiting requests that double the service time"),
        CFG_OPT_INT("max-factor", "6", 1, 1000, SOFF(max_factor),
                    "the service time grows at most this many times"),
        CFG_OPT_INT("timeout-ms", "2000", 1, 600000, SOFF(timeout_ms),
                    "a request waiting longer is abandoned (answered "
                    "LATE)"),
        CFG_OPT_INT("queue-max", "100000", 1, 10000000, SOFF(queue_max),
                    "more waiting requests are answered BUSY at once"),
        LAB_ROWS(struct store_settings),
        CFG_END(struct store_settings, cfg, NULL),
};

#define MOFF(f) offsetof(struct mgr_settings, f)

const struct cfg_option mgr_options[] = {
        CFG_OPT_ENUM("mode", "protected", mgr_modes, MOFF(mode),
                     "unprotected: retries with timeouts, a queue without "
                     "bounds (2025); protected: admission by queue size, "
                     "a retry budget, staggered recovery, deadlines"),
        CFG_OPT_STRING("endpoint", "dynamodb.us-east-1.api.test.",
                       MOFF(endpoint), check_nonempty,
                       "the lease store's name, resolved for every new "
                       "connection (cached for its TTL)"),
        CFG_OPT_ADDR("resolver", "127.0.0.1:53", 53, MOFF(resolver),
                     "the resolver asked (UDP)"),
        CFG_OPT_INT("store-port", "8000", 1, 65535, MOFF(store_port),
                    "the lease store's TCP port at the endpoint's "
                    "addresses"),
        CFG_OPT_INT("connections", "4", 1, 256, MOFF(connections),
                    "connections kept open to the store, re-used"),
        CFG_OPT_INT("conn-max-age-ms", "3000", 100, 3600000,
                    MOFF(conn_max_age_ms),
                    "a connection older is replaced (resolving again)"),
        CFG_OPT_INT("dns-timeout-ms", "500", 10, 60000, MOFF(dns_timeout_ms),
                    "wait for the resolver's answer"),
        CFG_OPT_INT("hosts", "1000", 1, 1000000, MOFF(hosts),
                    "the fleet: one lease each"),
        CFG_OPT_INT("lease-ms", "6000", 100, 3600000, MOFF(lease_ms),
                    "a lease's life from its grant"),
        CFG_OPT_INT("renew-ms", "2000", 50, 3600000, MOFF(renew_ms),
                    "renew a lease this long after its grant"),
        CFG_OPT_INT("ramp-ms", "4000", 0, 3600000, MOFF(ramp_ms),
                    "hosts join evenly over this after the start"),
        CFG_OPT_INT("workers", "512", 1, 65535, MOFF(workers),
                    "items of work in flight at most"),
        CFG_OPT_INT("item-timeout-ms", "1500", 10, 600000,
                    MOFF(item_timeout_ms),
                    "an item not done this long after its first request "
                    "times out"),
        CFG_OPT_INT("retry-ms", "500", 1, 600000, MOFF(retry_ms),
                    "unprotected: retry a failed item after this"),
        CFG_OPT_INT("queue-limit", "48", 1, 10000000, MOFF(queue_limit),
                    "protected: admit a host's work only while fewer items "
                    "wait or run"),
        CFG_OPT_INT("retry-rate", "20", 0, 1000000, MOFF(retry_rate),
                    "protected: retries allowed per second (token "
                    "bucket)"),
        CFG_OPT_INT("retry-burst", "40", 0, 1000000, MOFF(retry_burst),
                    "protected: the token bucket's size"),
        CFG_OPT_INT("backoff-base-ms", "100", 1, 600000, MOFF(backoff_base_ms),
                    "protected: first retry delay (doubles, full jitter)"),
        CFG_OPT_INT("backoff-max-ms", "2000", 1, 600000, MOFF(backoff_max_ms),
                    "protected: longest retry delay"),
        CFG_OPT_INT("stagger-ms", "2000", 0, 3600000, MOFF(stagger_ms),
                    "protected: a lapsed lease is re-established at a "
                    "random moment of this window"),
        CFG_OPT_INT("throttle-workers", "16", 1, 65535, MOFF(throttle_workers),
                    "SIGUSR1 (the operator's throttle): items in flight "
                    "at most"),
        CFG_OPT_INT("throttle-queue", "64", 1, 10000000, MOFF(throttle_queue),
                    "SIGUSR1: admit work only while fewer items wait or "
                    "run"),
        CFG_OPT_INT("seed", "0", 0, 2147483647, MOFF(seed),
                    "of the jitter (0: from the clock)"),
        LAB_ROWS(struct mgr_settings),
        CFG_END(struct mgr_settings, cfg, mgr_cross),
};
