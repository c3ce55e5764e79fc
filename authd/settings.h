/*
 * settings.h - authd's options, as one table (see common/config.h).
 *
 * The same table drives the config file (-c), the command line, -n and the
 * help text.  Every option has a safe default, so authd runs without a
 * config file.
 */
#ifndef SETTINGS_H
#define SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "config.h"
#include "dp.h"

struct authd_settings {
	struct cfg_list listen; /* "ADDR:PORT", "[V6]:PORT" (normalised) */
	struct cfg_list zone;   /* "NAME=FILE" or "NAME" (store only) */
	char *state_dir;        /* holds zones.db */
	long workers;           /* I/O threads */
	long max_udp_payload;   /* our EDNS maximum */
	long tcp_idle_timeout;  /* seconds */
	long tcp_max_clients;   /* per worker */
	long socket_buffer;     /* SO_RCVBUF/SO_SNDBUF bytes for UDP */
	bool minimal_responses; /* no zone NS in positive answers */
	long weighted_answers;  /* addresses per answer from a weighted set */
	struct cfg_list key;    /* BIND-format TSIG key files */
	struct cfg_list policy; /* "KEY name|subdomain NAME [TYPE...]" */
	struct cfg_list guard;  /* "NAME[=MIN]" guarded endpoints */
	bool guard_enabled;     /* no: the legacy lab */
	int guard_empty_answer; /* enum guard_empty */
	struct cfg_list fence_override; /* key names that may lower markers */
	struct cfg_list failover; /* "ENDPOINT ADDRESS..." backup records */
	long journal_size;        /* journal steps kept per zone */
	char *metrics_listen;     /* HTTP /metrics "ADDR:PORT", or NULL */
	struct cfg_list allow_transfer; /* "ADDR[/BITS] [KEY]" */
	struct cfg_list notify;         /* "ADDR[:PORT] [KEY]" secondaries */
	int log_level;                  /* enum log_level */
	struct cfg_state cfg;           /* origins of the values */
};

extern const struct cfg_option authd_options[];

/* A parsed listen address. */
struct listen_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	char text[80]; /* as given, normalised: "127.0.0.1:53", "[::1]:53" */
};

/*
 * settings_parse_listen - parse "ADDR", "ADDR:PORT", "[V6]" or "[V6]:PORT"
 * (default port 53) with netaddr_parse().  Returns 0, or -1 for a
 * malformed address.
 */
int settings_parse_listen(const char *text, struct listen_addr *out);

/*
 * settings_split_zone - split "NAME=FILE" into its name (copied into
 * @name, @namelen bytes) and file (pointer into @text, or NULL when only a
 * name is given).  Returns 0, or -1 if the name is not a domain name.
 */
int settings_split_zone(const char *text, char *name, size_t namelen,
                        const char **file);

#endif /* SETTINGS_H */
