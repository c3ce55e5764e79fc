/*
 * settings.h - the option tables of leasestore and leasemgr (see
 * common/config.h).
 */
#ifndef CASCADE_SETTINGS_H
#define CASCADE_SETTINGS_H

#include "config.h"

struct store_settings {
	struct cfg_list listen; /* "ADDR:PORT", one or more */
	long slots, service_ms, knee, max_factor, timeout_ms, queue_max;
	char *timeline; /* CSV file, or NULL */
	long timeline_ms;
	char *metrics_listen; /* "ADDR:PORT", or NULL */
	int log_level;
	struct cfg_state cfg;
};

struct mgr_settings {
	int mode; /* enum fleet_mode */
	char *endpoint;
	char *resolver; /* "ADDR:PORT" */
	long store_port;
	long connections, conn_max_age_ms, dns_timeout_ms;
	long hosts, lease_ms, renew_ms, ramp_ms;
	long workers, item_timeout_ms, retry_ms;
	long queue_limit, retry_rate, retry_burst;
	long backoff_base_ms, backoff_max_ms, stagger_ms;
	long throttle_workers, throttle_queue;
	long seed;
	char *timeline;
	long timeline_ms;
	char *metrics_listen;
	int log_level;
	struct cfg_state cfg;
};

extern const struct cfg_option store_options[];
extern const struct cfg_option mgr_options[];

/* The words of leasemgr's mode option. */
extern const struct cfg_word mgr_modes[];

#endif /* CASCADE_SETTINGS_H */
