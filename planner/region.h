/*
 * region.h - the planner's settings (one option table, see common/config.h)
 * and the region they describe: endpoints, their load balancers, and how
 * each load balancer's health is checked.
 *
 * Settings file syntax, one option per line:
 *
 *   region us-east-1
 *   store /var/lib/dnsplane/plans.db
 *   endpoint dynamodb.us-east-1.api.test.
 *   lb dynamodb.us-east-1.api.test. 192.0.2.10 http://127.0.0.12:8080/health 100
 *   lb dynamodb.us-east-1.api.test. 2001:db8::10 tcp://[::1]:8080 100
 *
 * "lb ENDPOINT ADDRESS CHECK WEIGHT": ADDRESS is what the plan hands out
 * for the endpoint (IPv4 or IPv6), CHECK is the health-check target
 * (tcp://IP:PORT or http://IP[:PORT]/PATH), WEIGHT its capacity 1..65535.
 * Every lb must name a declared endpoint and every endpoint needs an lb;
 * errors name the file, the line and the key.
 */
#ifndef REGION_H
#define REGION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "config.h"
#include "dp.h"
#include "planstore.h"

struct planner_settings {
	char *region;
	char *store;              /* path of the plan store */
	char *server;             /* authd, for the markers served; "" none */
	long served_check_ms;     /* read them again this often */
	struct cfg_list endpoint; /* NAME */
	struct cfg_list lb;       /* "ENDPOINT ADDRESS CHECK WEIGHT" */
	long check_interval_ms;
	long check_timeout_ms;
	long healthy_threshold;   /* successes before a down lb is up */
	long unhealthy_threshold; /* failures before an up lb is down */
	long check_concurrency;   /* checks in flight at once */
	long plan_interval_ms;    /* a new generation at least this often */
	bool fail_open;           /* never empty an endpoint */
	bool velocity_limit;      /* limit the capacity one plan removes */
	long velocity_max_drop;   /* percent of an endpoint's capacity */
	char *metrics_listen;     /* "ADDR:PORT" of /metrics, or NULL */
	int log_level;            /* enum log_level */
	struct cfg_state cfg;     /* origins of the values */
};

extern const struct cfg_option planner_options[];

enum check_kind {
	CHECK_TCP,  /* a TCP connection is accepted */
	CHECK_HTTP, /* GET PATH answers 200..399 */
};

/* Where and how one load balancer is checked. */
struct check_target {
	enum check_kind kind;
	union {
		struct sockaddr sa;
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
	} addr;
	char hostport[64]; /* "127.0.0.12:8080" or "[::1]:8080" */
	char path[256];    /* HTTP only, starts with '/' */
};

/* One load balancer of an endpoint. */
struct region_lb {
	size_t endpoint;            /* index into region.endpoints */
	char address[PLAN_ADDRLEN]; /* canonical text */
	uint32_t weight;
	struct check_target check;
};

/* An endpoint: its lbs are lbs[first .. first + nlbs - 1]. */
struct region_endpoint {
	char *name; /* lower case, final dot; owned */
	size_t first, nlbs;
};

/*
 * The region: endpoints sorted by name, each endpoint's lbs together and
 * sorted by address.  Plain data, owned by whoever built it
 * (region_free()).
 */
struct region {
	char *name;
	struct region_endpoint *endpoints;
	size_t nendpoints;
	struct region_lb *lbs;
	size_t nlbs;
};

/*
 * region_read - build settings from the defaults, @config_file (NULL for
 * none) and the "--option value" arguments @argv (@argc of them) into
 * @s, and the region they describe into *@out (owned by the caller).
 * Returns DP_OK, or an error with @err naming the file, line and key; @s
 * is then freed.
 */
dp_status region_read(const char *config_file, int argc, char **argv,
                      struct planner_settings *s, struct region **out,
                      char *err, size_t errlen);

/* region_settings_free - release the strings and lists of @s. */
void region_settings_free(struct planner_settings *s);

/* region_free - release @r.  NULL is ok. */
void region_free(struct region *r);

/*
 * region_parse_target - parse a check target, "tcp://IP:PORT" or
 * "http://IP[:PORT][/PATH]" (IPv6 in brackets; no names, so nothing is
 * resolved).  Returns NULL, or a static message saying what is wrong.
 */
const char *region_parse_target(const char *text, struct check_target *out);

/*
 * region_parse_lb - parse an lb value "ENDPOINT ADDRESS CHECK WEIGHT"
 * into @lb (its endpoint index left alone) and the canonical
 * endpoint name into @endpoint (at least 1024 bytes).  Returns NULL or a
 * static message.
 */
const char *region_parse_lb(const char *text, char *endpoint,
                            struct region_lb *lb);

/*
 * region_find_endpoint - the index of endpoint @name (canonical) in @r,
 * or SIZE_MAX.
 */
size_t region_find_endpoint(const struct region *r, const char *name);

/*
 * region_find_lb - the index in r->lbs of the lb of endpoint @e with
 * @address (canonical), or SIZE_MAX.
 */
size_t region_find_lb(const struct region *r, size_t e, const char *address);

#endif /* REGION_H */
