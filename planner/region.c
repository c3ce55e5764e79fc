/*
 * region.c - the planner's option table, the parsers of its values, and
 * the region model built from them with the checks that span lines.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netaddr.h"
#include "planstore.h"
#include "region.h"
#include "xalloc.h"

static const char *check_nonempty(const char *value)
{
	if (*value == '\0')
		return "empty value";
	return NULL;
}

_Static_assert(PLAN_ENDPOINT_MAXWIRE == 227, "the messages below say 227");

static const char *check_endpoint(const char *value)
{
	char name[1024];
	if (planstore_canonical_name(value, name) != 0 ||
	    strcmp(name, ".") == 0)
		return "not a domain name of at most 227 octets (its plan's "
		       "records are named g<generation>._plan.NAME)";
	return NULL;
}

static const char *check_lb(const char *value)
{
	char name[1024];
	struct region_lb lb;
	return region_parse_lb(value, name, &lb);
}

static const char *check_server(const char *v)
{
	struct netaddr a;
	if (*v == '\0')
		return NULL;
	return netaddr_parse(v, 53, &a) == NULL
	               ? NULL
	               : "expected ADDRESS[:PORT] or [IPV6][:PORT], or empty";
}

/* Checks across options. */
static int cross_check(const struct cfg_option *table, const void *settings,
                       char *err, size_t errlen)
{
	return cfg_check_order(table, settings, "check-timeout-ms",
	                       "check-interval-ms", true, err, errlen);
}

#define OFF(f) offsetof(struct planner_settings, f)

const struct cfg_option planner_options[] = {
        CFG_OPT_STRING("region", "us-east-1", OFF(region), check_nonempty,
                       "name of the region; the plan store is bound to it"),
        CFG_OPT_STRING("store", "/var/lib/dnsplane/plans.db", OFF(store),
                       check_nonempty,
                       "the plan store: a SQLite file's path, or "
                       "etcd://HOST:PORT[,HOST:PORT...] (an etcd v3 cluster)"),
        CFG_OPT_STRING("server", "", OFF(server), check_server,
                       "authd ADDRESS[:PORT], whose generation markers every "
                       "new generation must be above (a restored store); "
                       "empty: not checked"),
        CFG_OPT_INT("served-check-ms", "10000", 100, 3600000,
                    OFF(served_check_ms),
                    "read the markers authd serves again after this long, "
                    "before writing"),
        CFG_OPT_LIST("endpoint", NULL, OFF(endpoint), check_endpoint,
                     "an endpoint of the region, a DNS name"),
        CFG_OPT_LIST("lb", NULL, OFF(lb), check_lb,
                     "a load balancer: ENDPOINT ADDRESS CHECK WEIGHT, CHECK "
                     "tcp://IP:PORT or http://IP[:PORT]/PATH"),
        CFG_OPT_INT("check-interval-ms", "2000", 50, 3600000,
                    OFF(check_interval_ms),
                    "a health round starts this often, in milliseconds"),
        CFG_OPT_INT("check-timeout-ms", "1000", 10, 600000,
                    OFF(check_timeout_ms),
                    "a check not answered within this fails (less than the "
                    "interval)"),
        CFG_OPT_INT("healthy-threshold", "3", 1, 10, OFF(healthy_threshold),
                    "consecutive successes before a down load balancer is "
                    "up"),
        CFG_OPT_INT("unhealthy-threshold", "3", 1, 10, OFF(unhealthy_threshold),
                    "consecutive failures before an up load balancer is "
                    "down"),
        CFG_OPT_INT("check-concurrency", "256", 1, 10000,
                    OFF(check_concurrency), "health checks in flight at once"),
        CFG_OPT_INT("plan-interval-ms", "30000", 100, 86400000,
                    OFF(plan_interval_ms),
                    "write a new generation at least this often, in "
                    "milliseconds"),
        CFG_OPT_BOOL("fail-open", "yes", OFF(fail_open),
                     "never write a plan that leaves an endpoint without an "
                     "address"),
        CFG_OPT_BOOL("velocity-limit", "yes", OFF(velocity_limit),
                     "limit the capacity one generation removes from an "
                     "endpoint"),
        CFG_OPT_INT("velocity-max-drop", "25", 1, 100, OFF(velocity_max_drop),
                    "largest share of an endpoint's capacity one generation "
                    "removes, in percent"),
        CFG_OPT_ADDR("metrics-listen", NULL, 0, OFF(metrics_listen),
                     "the HTTP listener for /metrics and /healthz (loopback "
                     "advised; off when unset; read at start only)"),
        CFG_OPT_ENUM("log-level", "info", cfg_log_levels, OFF(log_level),
                     "the least important log lines written"),
        CFG_END(struct planner_settings, cfg, cross_check),
};

/* The host and port of a target, @len bytes of @s, into @t. */
static const char *parse_hostport(const char *s, size_t len, uint16_t defport,
                                  struct check_target *t)
{
	char text[sizeof(t->hostport)];
	struct netaddr a;
	if (len >= sizeof(text))
		return "address too long";
	memcpy(text, s, len);
	text[len] = '\0';
	const char *why = netaddr_parse(text, defport, &a);
	if (why != NULL)
		return why;
	memcpy(&t->addr, &a.ss, a.len);
	snprintf(t->hostport, sizeof(t->hostport), "%s", a.text);
	return NULL;
}

const char *region_parse_target(const char *text, struct check_target *out)
{
	memset(out, 0, sizeof(*out));
	const char *rest;
	if (strncmp(text, "tcp://", 6) == 0) {
		out->kind = CHECK_TCP;
		rest = text + 6;
		if (strchr(rest, '/') != NULL)
			return "a tcp:// target has no path";
		return parse_hostport(rest, strlen(rest), 0, out);
	}
	if (strncmp(text, "http://", 7) == 0) {
		out->kind = CHECK_HTTP;
		rest = text + 7;
		const char *slash = strchr(rest, '/');
		size_t hlen = slash ? (size_t)(slash - rest) : strlen(rest);
		const char *path = slash ? slash : "/";
		if (strlen(path) >= sizeof(out->path))
			return "path too long";
		for (const char *p = path; *p; p++) {
			if (*p <= ' ' || *p == 0x7f)
				return "space or control character in the path";
		}
		strcpy(out->path, path);
		return parse_hostport(rest, hlen, 80, out);
	}
	return "expected tcp://IP:PORT or http://IP[:PORT]/PATH";
}

const char *region_parse_lb(const char *text, char *endpoint,
                            struct region_lb *lb)
{
	char buf[1024];
	char *field[5];
	int n = 0;
	if (strlen(text) >= sizeof(buf))
		return "too long";
	strcpy(buf, text);
	for (char *save = NULL, *tok = strtok_r(buf, " \t", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (n == 4)
			return "expected ENDPOINT ADDRESS CHECK WEIGHT, "
			       "found more";
		field[n++] = tok;
	}
	if (n != 4)
		return "expected ENDPOINT ADDRESS CHECK WEIGHT";
	memset(lb, 0, sizeof(*lb));
	if (planstore_canonical_name(field[0], endpoint) != 0 ||
	    strcmp(endpoint, ".") == 0)
		return "ENDPOINT is not a domain name of at most 227 octets";
	unsigned char bin[16];
	int af = strchr(field[1], ':') ? AF_INET6 : AF_INET;
	if (inet_pton(af, field[1], bin) != 1)
		return "ADDRESS is not an IPv4 or IPv6 address";
	inet_ntop(af, bin, lb->address, sizeof(lb->address));
	const char *why = region_parse_target(field[2], &lb->check);
	if (why != NULL)
		return why;
	char *end;
	errno = 0;
	long w = strtol(field[3], &end, 10);
	if (errno != 0 || *end != '\0' || w < 1 || w > 65535)
		return "WEIGHT must be an integer 1..65535";
	lb->weight = (uint32_t)w;
	return NULL;
}

/* ---- building the region ---- */

struct named {
	char *name;
	size_t line; /* index in the endpoint list */
};

static int named_cmp(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

struct lb_ref {
	struct region_lb lb;
	size_t line; /* index in the lb list */
};

static int lb_cmp(const void *a, const void *b)
{
	const struct lb_ref *x = a, *y = b;
	if (x->lb.endpoint != y->lb.endpoint)
		return x->lb.endpoint < y->lb.endpoint ? -1 : 1;
	int c = strcmp(x->lb.address, y->lb.address);
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

static int endpoint_key_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct region_endpoint *)elem)->name);
}

static int lb_key_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct region_lb *)elem)->address);
}

size_t region_find_endpoint(const struct region *r, const char *name)
{
	if (r->nendpoints == 0)
		return SIZE_MAX;
	const struct region_endpoint *e =
	        bsearch(name, r->endpoints, r->nendpoints, sizeof(*e),
	                endpoint_key_cmp);
	return e ? (size_t)(e - r->endpoints) : SIZE_MAX;
}

size_t region_find_lb(const struct region *r, size_t e, const char *address)
{
	const struct region_endpoint *ep = &r->endpoints[e];
	if (ep->nlbs == 0)
		return SIZE_MAX;
	const struct region_lb *lb = bsearch(address, r->lbs + ep->first,
	                                     ep->nlbs, sizeof(*lb), lb_key_cmp);
	return lb ? (size_t)(lb - r->lbs) : SIZE_MAX;
}

/* An error about value @i of list option @key, naming where it was set. */
static dp_status list_error(const struct planner_settings *s, const char *key,
                            size_t i, const char *why, char *err, size_t errlen)
{
	cfg_error(planner_options, s, key, i, err, errlen, "%s", why);
	return DP_EINVAL;
}

static dp_status build_endpoints(const struct planner_settings *s,
                                 struct region *r, char *err, size_t errlen)
{
	size_t n = s->endpoint.n;
	struct named *v = xcalloc(n + 1, sizeof(*v));
	char name[1024];
	for (size_t i = 0; i < n; i++) {
		planstore_canonical_name(s->endpoint.v[i], name);
		v[i].name = xstrdup(name);
		v[i].line = i;
	}
	qsort(v, n, sizeof(*v), named_cmp);
	dp_status rc = DP_OK;
	r->endpoints = xcalloc(n + 1, sizeof(*r->endpoints));
	for (size_t i = 0; i < n; i++) {
		if (rc == DP_OK && i > 0 &&
		    strcmp(v[i].name, v[i - 1].name) == 0)
			rc = list_error(s, "endpoint", v[i].line,
			                "endpoint declared twice", err, errlen);
		if (rc != DP_OK) {
			free(v[i].name);
			continue;
		}
		r->endpoints[r->nendpoints++].name = v[i].name;
	}
	free(v);
	return rc;
}

static dp_status build_lbs(const struct planner_settings *s, struct region *r,
                           char *err, size_t errlen)
{
	size_t n = s->lb.n;
	struct lb_ref *v = xcalloc(n + 1, sizeof(*v));
	char name[1024];
	dp_status rc = DP_OK;
	for (size_t i = 0; i < n && rc == DP_OK; i++) {
		const char *why = region_parse_lb(s->lb.v[i], name, &v[i].lb);
		size_t e = why ? SIZE_MAX : region_find_endpoint(r, name);
		if (why == NULL && e == SIZE_MAX)
			why = "its endpoint is not declared by an endpoint "
			      "line";
		if (why != NULL) {
			rc = list_error(s, "lb", i, why, err, errlen);
			break;
		}
		v[i].lb.endpoint = e;
		v[i].line = i;
	}
	if (rc == DP_OK)
		qsort(v, n, sizeof(*v), lb_cmp);
	for (size_t i = 1; i < n && rc == DP_OK; i++) {
		if (v[i].lb.endpoint == v[i - 1].lb.endpoint &&
		    strcmp(v[i].lb.address, v[i - 1].lb.address) == 0)
			rc = list_error(s, "lb", v[i].line,
			                "the endpoint has this address twice",
			                err, errlen);
	}
	if (rc == DP_OK) {
		r->lbs = xcalloc(n + 1, sizeof(*r->lbs));
		for (size_t i = 0; i < n; i++) {
			r->lbs[i] = v[i].lb;
			struct region_endpoint *ep =
			        &r->endpoints[v[i].lb.endpoint];
			if (ep->nlbs++ == 0)
				ep->first = i;
		}
		r->nlbs = n;
	}
	free(v);
	for (size_t i = 0; i < r->nendpoints && rc == DP_OK; i++) {
		if (r->endpoints[i].nlbs > 0)
			continue;
		for (size_t j = 0; j < s->endpoint.n; j++) {
			planstore_canonical_name(s->endpoint.v[j], name);
			if (strcmp(name, r->endpoints[i].name) == 0) {
				rc = list_error(s, "endpoint", j,
				                "the endpoint has no lb line",
				                err, errlen);
				break;
			}
		}
	}
	return rc;
}

dp_status region_read(const char *config_file, int argc, char **argv,
                      struct planner_settings *s, struct region **out,
                      char *err, size_t errlen)
{
	struct region *r = NULL;
	dp_status rc = DP_EINVAL;
	memset(s, 0, sizeof(*s));
	if (cfg_read(planner_options, s, config_file, argc, argv, err,
	             errlen) != 0)
		goto fail;
	r = xcalloc(1, sizeof(*r));
	r->name = xstrdup(s->region);
	if ((rc = build_endpoints(s, r, err, errlen)) != DP_OK ||
	    (rc = build_lbs(s, r, err, errlen)) != DP_OK)
		goto fail;
	*out = r;
	return DP_OK;
fail:
	region_free(r);
	region_settings_free(s);
	return rc;
}

void region_settings_free(struct planner_settings *s)
{
	cfg_free(planner_options, s);
}

void region_free(struct region *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nendpoints; i++)
		free(r->endpoints[i].name);
	free(r->endpoints);
	free(r->lbs);
	free(r->name);
	free(r);
}
