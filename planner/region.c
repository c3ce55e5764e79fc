/*
 * region.c - the planner's option table, the parsers of its values, and
 * the region model built from them with the checks that span lines.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "planstore.h"
#include "region.h"
#include "xalloc.h"

static const char *check_level(const char *value)
{
	enum log_level l;
	if (log_level_parse(value, &l) != 0)
		return "expected error, warning, notice, info or debug";
	return NULL;
}

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

#define OFF(f) offsetof(struct planner_settings, f)

const struct cfg_option planner_options[] = {
        {"region", CFG_STRING, "us-east-1", 0, 0, OFF(region), check_nonempty,
         "name of the region; the plan store is bound to it"},
        {"store", CFG_STRING, "/var/lib/dnsplane/plans.db", 0, 0, OFF(store),
         check_nonempty, "path of the SQLite plan store"},
        {"endpoint", CFG_LIST, NULL, 0, 0, OFF(endpoint), check_endpoint,
         "an endpoint of the region, a DNS name"},
        {"lb", CFG_LIST, NULL, 0, 0, OFF(lb), check_lb,
         "a load balancer: ENDPOINT ADDRESS CHECK WEIGHT, CHECK "
         "tcp://IP:PORT or http://IP[:PORT]/PATH"},
        {"check-interval-ms", CFG_INT, "2000", 50, 3600000,
         OFF(check_interval_ms), NULL,
         "a health round starts this often, in milliseconds"},
        {"check-timeout-ms", CFG_INT, "1000", 10, 600000, OFF(check_timeout_ms),
         NULL,
         "a check not answered within this fails (less than the interval)"},
        {"healthy-threshold", CFG_INT, "3", 1, 10, OFF(healthy_threshold), NULL,
         "consecutive successes before a down load balancer is up"},
        {"unhealthy-threshold", CFG_INT, "3", 1, 10, OFF(unhealthy_threshold),
         NULL, "consecutive failures before an up load balancer is down"},
        {"check-concurrency", CFG_INT, "256", 1, 10000, OFF(check_concurrency),
         NULL, "health checks in flight at once"},
        {"plan-interval-ms", CFG_INT, "30000", 100, 86400000,
         OFF(plan_interval_ms), NULL,
         "write a new generation at least this often, in milliseconds"},
        {"fail-open", CFG_BOOL, "yes", 0, 0, OFF(fail_open), NULL,
         "never write a plan that leaves an endpoint without an address"},
        {"velocity-limit", CFG_BOOL, "yes", 0, 0, OFF(velocity_limit), NULL,
         "limit the capacity one generation removes from an endpoint"},
        {"velocity-max-drop", CFG_INT, "25", 1, 100, OFF(velocity_max_drop),
         NULL,
         "largest share of an endpoint's capacity one generation "
         "removes, in percent"},
        {"log-level", CFG_STRING, "info", 0, 0, OFF(log_level), check_level,
         "error, warning, notice, info or debug"},
        {NULL, 0, NULL, 0, 0, 0, NULL, NULL},
};

/* Parse "IP:PORT" or "[IP6]:PORT" (@needport) or without the port. */
static const char *parse_hostport(const char *s, size_t len, long defport,
                                  struct check_target *t)
{
	char host[64];
	const char *port = NULL;
	size_t hlen;
	if (len > 0 && s[0] == '[') {
		const char *end = memchr(s, ']', len);
		if (end == NULL)
			return "unterminated [IPv6] address";
		hlen = (size_t)(end - s - 1);
		if (hlen >= sizeof(host))
			return "address too long";
		memcpy(host, s + 1, hlen);
		if ((size_t)(end - s) + 1 < len) {
			if (end[1] != ':')
				return "text after the [IPv6] address";
			port = end + 2;
		}
	} else {
		const char *colon = memchr(s, ':', len);
		hlen = colon ? (size_t)(colon - s) : len;
		if (hlen >= sizeof(host))
			return "address too long";
		memcpy(host, s, hlen);
		if (colon != NULL)
			port = colon + 1;
	}
	host[hlen] = '\0';
	long p = defport;
	if (port != NULL) {
		size_t plen = len - (size_t)(port - s);
		char digits[8];
		if (plen == 0 || plen >= sizeof(digits))
			return "bad port";
		memcpy(digits, port, plen);
		digits[plen] = '\0';
		char *end;
		p = strtol(digits, &end, 10);
		if (*end != '\0' || !isdigit((unsigned char)digits[0]))
			return "bad port";
	}
	if (p < 1 || p > 65535)
		return "a port 1..65535 is needed";
	memset(&t->addr, 0, sizeof(t->addr));
	struct sockaddr_in *sin = &t->addr.sin;
	struct sockaddr_in6 *sin6 = &t->addr.sin6;
	char canon[INET6_ADDRSTRLEN];
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)p);
		inet_ntop(AF_INET, &sin->sin_addr, canon, sizeof(canon));
		snprintf(t->hostport, sizeof(t->hostport), "%s:%ld", canon, p);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)p);
		inet_ntop(AF_INET6, &sin6->sin6_addr, canon, sizeof(canon));
		snprintf(t->hostport, sizeof(t->hostport), "[%s]:%ld", canon,
		         p);
	} else {
		return "the host must be an IPv4 or [IPv6] address";
	}
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

/* ---- errors that span lines ---- */

/*
 * The line of @path where option @key has the value @value for the
 * @nth time (0 first), as "PATH:LINE", or "command line" when the value
 * did not come from the file.  Values are read as common/config.c reads
 * them: a quoted value unquoted, else up to a '#' and without trailing
 * space.
 */
static void origin_of(const char *path, const char *key, const char *value,
                      size_t nth, char *out, size_t outlen)
{
	snprintf(out, outlen, "command line");
	FILE *f = path ? fopen(path, "r") : NULL;
	if (f == NULL)
		return;
	char *line = NULL;
	size_t cap = 0;
	size_t klen = strlen(key);
	unsigned lineno = 0;
	while (getline(&line, &cap, f) != -1) {
		lineno++;
		char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		if (strncmp(p, key, klen) != 0 ||
		    !isspace((unsigned char)p[klen]))
			continue;
		p += klen;
		while (isspace((unsigned char)*p))
			p++;
		char *w = p;
		if (*p == '"') {
			for (char *q = p + 1; *q && *q != '"'; q++) {
				if (*q == '\\' && q[1] != '\0')
					q++;
				*w++ = *q;
			}
		} else {
			w = p + strcspn(p, "#");
			while (w > p && isspace((unsigned char)w[-1]))
				w--;
		}
		*w = '\0';
		if (strcmp(p, value) == 0 && nth-- == 0) {
			snprintf(out, outlen, "%s:%u", path, lineno);
			break;
		}
	}
	free(line);
	fclose(f);
}

/* An error about value @i of list @key, naming where it came from. */
static dp_status list_error(const char *path, const char *key,
                            const struct cfg_list *l, size_t i, const char *why,
                            char *err, size_t errlen)
{
	size_t nth = 0;
	for (size_t j = 0; j < i; j++)
		nth += strcmp(l->v[j], l->v[i]) == 0;
	char origin[1024];
	origin_of(path, key, l->v[i], nth, origin, sizeof(origin));
	snprintf(err, errlen, "%s: option '%s': value '%s': %s", origin, key,
	         l->v[i], why);
	return DP_EINVAL;
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

static dp_status build_endpoints(const char *path,
                                 const struct planner_settings *s,
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
			rc = list_error(path, "endpoint", &s->endpoint,
			                v[i].line, "endpoint declared twice",
			                err, errlen);
		if (rc != DP_OK) {
			free(v[i].name);
			continue;
		}
		r->endpoints[r->nendpoints++].name = v[i].name;
	}
	free(v);
	return rc;
}

static dp_status build_lbs(const char *path, const struct planner_settings *s,
                           struct region *r, char *err, size_t errlen)
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
			rc = list_error(path, "lb", &s->lb, i, why, err,
			                errlen);
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
			rc = list_error(path, "lb", &s->lb, v[i].line,
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
				rc = list_error(path, "endpoint", &s->endpoint,
				                j,
				                "the endpoint has no lb line",
				                err, errlen);
				break;
			}
		}
	}
	return rc;
}

/* Checks between single options. */
static dp_status check_options(const char *path,
                               const struct planner_settings *s, char *err,
                               size_t errlen)
{
	if (s->check_timeout_ms >= s->check_interval_ms) {
		char value[32], origin[1024];
		snprintf(value, sizeof(value), "%ld", s->check_timeout_ms);
		origin_of(path, "check-timeout-ms", value, 0, origin,
		          sizeof(origin));
		snprintf(err, errlen,
		         "%s: option 'check-timeout-ms': value '%s': must be "
		         "less than check-interval-ms (%ld)",
		         origin, value, s->check_interval_ms);
		return DP_EINVAL;
	}
	return DP_OK;
}

dp_status region_read(const char *config_file, int argc, char **argv,
                      struct planner_settings *s, struct region **out,
                      char *err, size_t errlen)
{
	struct region *r = NULL;
	dp_status rc = DP_EINVAL;
	memset(s, 0, sizeof(*s));
	if (cfg_init(planner_options, s, err, errlen) != 0)
		goto fail;
	if (config_file != NULL &&
	    cfg_load_file(planner_options, s, config_file, err, errlen) != 0)
		goto fail;
	if (cfg_parse_args(planner_options, s, argc, argv, err, errlen) != 0)
		goto fail;
	cfg_finish(planner_options, s);
	if ((rc = check_options(config_file, s, err, errlen)) != DP_OK)
		goto fail;
	r = xcalloc(1, sizeof(*r));
	r->name = xstrdup(s->region);
	if ((rc = build_endpoints(config_file, s, r, err, errlen)) != DP_OK ||
	    (rc = build_lbs(config_file, s, r, err, errlen)) != DP_OK)
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
