/*
 * metrics.c - the Prometheus text format of authd's counters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dname.h"
#include "metrics.h"
#include "prom.h"

void metrics_add(struct query_counters *sum, const struct query_counters *c)
{
	for (int i = 0; i < METRICS_RCODES; i++) {
		sum->udp[i] += __atomic_load_n(&c->udp[i], __ATOMIC_RELAXED);
		sum->tcp[i] += __atomic_load_n(&c->tcp[i], __ATOMIC_RELAXED);
	}
	sum->dropped += __atomic_load_n(&c->dropped, __ATOMIC_RELAXED);
	sum->not_ready += __atomic_load_n(&c->not_ready, __ATOMIC_RELAXED);
}

static const char *rcode_name(int rc, char *buf, size_t len)
{
	if (rc == 16)
		return "BADVERS";
	ldns_lookup_table *lt = ldns_lookup_by_id(ldns_rcodes, rc);
	if (lt != NULL)
		return lt->name;
	snprintf(buf, len, "RCODE%d", rc);
	return buf;
}

/* failover_watch_render()'s writer. */
static void put_line(void *arg, const char *line)
{
	prom_put(arg, "%s", line);
}

char *metrics_render(const struct query_counters *q,
                     const struct updater_stats *u, const struct zoneset *zs,
                     struct failover_watch *fw, size_t *len)
{
	struct prom_buf o;
	prom_init(&o);
	char nb[32];
	prom_put(&o, "# HELP dnsplane_authd_queries_total Queries answered, by "
	             "transport and rcode.\n"
	             "# TYPE dnsplane_authd_queries_total counter\n");
	for (int t = 0; t < 2; t++) {
		const uint64_t *v = t ? q->tcp : q->udp;
		for (int rc = 0; rc < METRICS_RCODES; rc++) {
			if (v[rc] == 0 && rc != 0)
				continue;
			prom_put(
			        &o,
			        "dnsplane_authd_queries_total{transport=\"%s\","
			        "rcode=\"%s\"} %llu\n",
			        t ? "tcp" : "udp",
			        rcode_name(rc, nb, sizeof(nb)),
			        (unsigned long long)v[rc]);
		}
	}
	prom_put(&o,
	         "# HELP dnsplane_authd_queries_dropped_total Messages "
	         "dropped without an answer.\n"
	         "# TYPE dnsplane_authd_queries_dropped_total counter\n"
	         "dnsplane_authd_queries_dropped_total %llu\n",
	         (unsigned long long)q->dropped);
	prom_put(&o,
	         "# HELP dnsplane_authd_not_ready_answers_total Queries for "
	         "the addresses of a guarded endpoint without any, answered "
	         "SERVFAIL (Not Ready).\n"
	         "# TYPE dnsplane_authd_not_ready_answers_total counter\n"
	         "dnsplane_authd_not_ready_answers_total %llu\n",
	         (unsigned long long)q->not_ready);
	if (u != NULL) {
		prom_put(&o,
		         "# HELP dnsplane_authd_updates_total UPDATE messages "
		         "by result.\n"
		         "# TYPE dnsplane_authd_updates_total counter\n"
		         "dnsplane_authd_updates_total{result=\"accepted\"} "
		         "%llu\n"
		         "dnsplane_authd_updates_total{result=\"unsigned\"} "
		         "%llu\n"
		         "dnsplane_authd_updates_total{result=\"tsig_failed\"} "
		         "%llu\n",
		         (unsigned long long)u->accepted,
		         (unsigned long long)u->unsigned_refused,
		         (unsigned long long)u->tsig_failed);
		for (int r = 1; r < UPDATE_REASONS; r++)
			prom_put(&o,
			         "dnsplane_authd_updates_total{result=\"%s\"} "
			         "%llu\n",
			         update_reason_name((enum update_reason)r),
			         (unsigned long long)u->refused[r]);
		prom_put(
		        &o,
		        "# HELP dnsplane_authd_guard_refusals_total Updates "
		        "the "
		        "guard refused, by rule.\n"
		        "# TYPE dnsplane_authd_guard_refusals_total counter\n"
		        "dnsplane_authd_guard_refusals_total{rule=\"min_"
		        "addresses\"}"
		        " %llu\n"
		        "dnsplane_authd_guard_refusals_total{rule=\"generation_"
		        "fence\"} %llu\n",
		        (unsigned long long)u->refused[UPDATE_GUARD],
		        (unsigned long long)u->refused[UPDATE_FENCE]);
		prom_put(&o,
		         "# HELP dnsplane_authd_commits_total Zone store "
		         "transactions.\n"
		         "# TYPE dnsplane_authd_commits_total counter\n"
		         "dnsplane_authd_commits_total %llu\n"
		         "# HELP dnsplane_authd_commit_failures_total Zone "
		         "store "
		         "transactions that failed.\n"
		         "# TYPE dnsplane_authd_commit_failures_total counter\n"
		         "dnsplane_authd_commit_failures_total %llu\n"
		         "# HELP dnsplane_authd_snapshot_swap_seconds Time "
		         "from a "
		         "batch's start to its new snapshot being served.\n"
		         "# TYPE dnsplane_authd_snapshot_swap_seconds summary\n"
		         "dnsplane_authd_snapshot_swap_seconds_sum %.6f\n"
		         "dnsplane_authd_snapshot_swap_seconds_count %llu\n",
		         (unsigned long long)u->commits,
		         (unsigned long long)u->commit_failures,
		         (double)u->swap_usec_total / 1e6,
		         (unsigned long long)u->swaps);
	}
	static const char *const gauges[2][2] = {
	        {"zone_serial", "SOA serial served"},
	        {"zone_records", "records served"}};
	for (int g = 0; g < 2; g++) {
		prom_put(&o,
		         "# HELP dnsplane_authd_%s The zone's %s.\n"
		         "# TYPE dnsplane_authd_%s gauge\n",
		         gauges[g][0], gauges[g][1], gauges[g][0]);
		for (size_t i = 0; zs != NULL && i < zoneset_count(zs); i++) {
			const struct zone *z = zoneset_zone(zs, i);
			char name[1024];
			dname_to_str(zone_apex(z)->name, name, sizeof(name));
			prom_put(&o, "dnsplane_authd_%s{zone=\"%s\"} %llu\n",
			         gauges[g][0], name,
			         g == 0 ? (unsigned long long)zone_serial(z)
			                : (unsigned long long)zone_record_count(
			                          z));
		}
	}
	if (fw != NULL)
		failover_watch_render(fw, put_line, &o);
	*len = o.len;
	return o.buf;
}
