/*
 * server.h - authd's network I/O: UDP and TCP on libevent.
 *
 * This is the only file of authd that touches sockets or the event
 * library.  Each worker is a thread with its own event base and its own
 * sockets for every listen address (SO_REUSEPORT spreads the load); worker
 * 0 runs on the calling thread, which also handles the signals.  Queries
 * are answered by answer_query() from the current zone set, which
 * server_set_zones() replaces atomically.
 */
#ifndef SERVER_H
#define SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "dp.h"
#include "settings.h"
#include "zone.h"

struct server;

struct server_config {
	const struct listen_addr *addrs;
	size_t naddrs;
	int workers;
	int max_udp_payload;
	int tcp_idle_timeout;              /* seconds */
	int tcp_max_clients;               /* per worker */
	int socket_buffer;                 /* bytes */
	const struct listen_addr *metrics; /* HTTP /metrics, or NULL */
	bool minimal_responses;
	int weighted_answers; /* addresses per answer from a weighted set */
};

/* Called on the main thread when SIGHUP arrives. */
typedef void (*server_reload_fn)(struct server *srv, void *arg);

/*
 * server_new - bind and listen on every address for every worker.  Takes
 * ownership of one reference of @zones.  On failure @err names the address.
 * *@out is owned by the caller (server_free()).
 */
dp_status server_new(const struct server_config *cfg, struct zoneset *zones,
                     server_reload_fn reload, void *reload_arg,
                     struct server **out, char *err, size_t errlen);

/*
 * server_run - serve until SIGTERM or SIGINT.  Starts the worker threads,
 * feeds the systemd watchdog, and calls the reload hook on SIGHUP.
 */
dp_status server_run(struct server *srv);

/*
 * server_set_zones - serve @zones from now on; takes ownership of one
 * reference.  The previous set is released when the last worker is done
 * with it.
 */
void server_set_zones(struct server *srv, struct zoneset *zones);

/* server_zones - the zones served now, with a reference for the caller. */
struct zoneset *server_zones(struct server *srv);

struct updater;

/*
 * server_set_updater - hand UPDATE messages to @u (borrowed) from now on;
 * without an updater they are answered NOTIMP.  Call before server_run.
 */
void server_set_updater(struct server *srv, struct updater *u);

struct xfrout;

/*
 * server_set_xfrout - hand zone transfer requests (AXFR and IXFR over
 * TCP, IXFR over UDP) to @x (borrowed) from now on; without it they are
 * refused by the query path.  Call before server_run.
 */
void server_set_xfrout(struct server *srv, struct xfrout *x);

struct notify;

/*
 * server_set_notify - send the NOTIFYs of @n (borrowed until
 * server_free()) from this server's main loop: opens a UDP socket per
 * address family, reads the secondaries' answers, runs the retry timer,
 * and lets @n wake the loop when a zone changes.  Call before
 * server_run.  DP_EIO (with @err) when no socket can be opened.
 */
dp_status server_set_notify(struct server *srv, struct notify *n, char *err,
                            size_t errlen);

struct failover_watch;

/*
 * server_set_failover - show @w (borrowed until server_free()) on
 * /metrics.  Call before server_run.
 */
void server_set_failover(struct server *srv, struct failover_watch *w);

/* server_free - close every socket and free the server.  Idempotent. */
void server_free(struct server *srv);

#endif /* SERVER_H */
