/*
 * settings.h - the enactor's options, one table (see common/config.h).
 */
#ifndef ENACTOR_SETTINGS_H
#define ENACTOR_SETTINGS_H

#include <stdbool.h>

#include "config.h"

enum enactor_mode {
	MODE_LEGACY, /* the 2025 behaviour */
	MODE_SAFE,   /* the fix */
};

struct enactor_settings {
	char *id;                 /* this instance, e.g. "1" */
	int mode;                 /* enum enactor_mode */
	char *store;              /* the plan store */
	char *server;             /* authd, "ADDR:PORT" (normalised) */
	char *zone;               /* the zone the endpoints are in */
	char *key;                /* TSIG key file */
	long keep;                /* cleanup keeps this many generations */
	long ttl;                 /* of the records written */
	long interval_ms;         /* a pass without a store change */
	long full_scan_ms;        /* read every endpoint at least this often */
	long heartbeat_ms;        /* heartbeat period */
	long timeout_ms;          /* per DNS exchange */
	long endpoint_delay_ms;   /* artificial delay per endpoint */
	long backoff_base_ms;     /* first retry delay */
	long backoff_max_ms;      /* retry delay cap */
	bool lock_backoff;        /* legacy: a lost lock backs off */
	long lock_hold_ms;        /* legacy: work while holding a lock */
	long lock_jitter_seed;    /* legacy: seeds lock-backoff; 0: clock */
	struct cfg_list pause_at; /* pause points */
	char *metrics_listen;     /* "ADDR:PORT" of /metrics, or NULL */
	int log_level;            /* enum log_level */
	struct cfg_state cfg;     /* origins of the values */
};

extern const struct cfg_option enactor_options[];

/* The words of the mode option. */
extern const struct cfg_word enactor_modes[];

/* settings_mode - the parsed mode. */
enum enactor_mode settings_mode(const struct enactor_settings *s);

#endif /* ENACTOR_SETTINGS_H */
