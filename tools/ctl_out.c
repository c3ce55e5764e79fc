/*
 * ctl_out.c - dnsplanectl's output: tables with aligned columns for
 * people, one JSON object per command for scripts.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_out.h"
#include "json.h"
#include "xalloc.h"

/* Addresses shown per endpoint in a table; --json has them all. */
#define SHOWN_ADDRS 4

/* ---- tables ---- */

struct table {
	size_t ncols;
	char **cells; /* row by row */
	size_t n, cap;
};

static void cell(struct table *t, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void cell(struct table *t, const char *fmt, ...)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->cells = xrealloc(t->cells, t->cap * sizeof(*t->cells));
	}
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	t->cells[t->n++] = xstrdup(buf);
}

/*
 * Print and free: two spaces between columns; a row ends at its last
 * non-empty cell, without trailing blanks.
 */
static void table_flush(struct table *t, FILE *out)
{
	size_t *w = xcalloc(t->ncols, sizeof(*w));
	for (size_t i = 0; i < t->n; i++) {
		size_t len = strlen(t->cells[i]);
		if (len > w[i % t->ncols])
			w[i % t->ncols] = len;
	}
	for (size_t row = 0; row < t->n; row += t->ncols) {
		char **c = t->cells + row;
		size_t last = t->ncols - 1;
		while (last > 0 && *c[last] == '\0')
			last--;
		for (size_t col = 0; col < last; col++)
			fprintf(out, "%-*s  ", (int)w[col], c[col]);
		fprintf(out, "%s\n", c[last]);
	}
	for (size_t i = 0; i < t->n; i++)
		free(t->cells[i]);
	free(t->cells);
	free(w);
	memset(t, 0, sizeof(*t));
}

/* "4.2s ago", "3m ago", "2h ago", "5d ago"; "in 2s" for a future time. */
static void age(int64_t now, int64_t ms, char *buf, size_t len)
{
	int64_t d = now - ms;
	const char *dir = d < 0 ? "in " : "";
	const char *ago = d < 0 ? "" : " ago";
	if (d < 0)
		d = -d;
	if (d < 10000)
		snprintf(buf, len, "%s%.1fs%s", dir, (double)d / 1000, ago);
	else if (d < 120000)
		snprintf(buf, len, "%s%" PRId64 "s%s", dir, d / 1000, ago);
	else if (d < 7200000)
		snprintf(buf, len, "%s%" PRId64 "m%s", dir, d / 60000, ago);
	else if (d < 172800000)
		snprintf(buf, len, "%s%" PRId64 "h%s", dir, d / 3600000, ago);
	else
		snprintf(buf, len, "%s%" PRId64 "d%s", dir, d / 86400000, ago);
}

/* "2025-10-20T06:48:12Z (4.2s ago)", or "never". */
static void when(int64_t now, int64_t ms, char *buf, size_t len)
{
	char t[32], a[32];
	if (ms == 0) {
		snprintf(buf, len, "never");
		return;
	}
	age(now, ms, a, sizeof(a));
	snprintf(buf, len, "%s (%s)", ctl_format_time(ms, t, sizeof(t)), a);
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* ---- JSON pieces ---- */

/* A generation, or null for none (0). */
static void json_gen(struct json *j, const char *key, uint64_t g)
{
	json_key(j, key);
	if (g == 0)
		json_null(j);
	else
		json_uint(j, g);
}

/* A time as unix milliseconds and as text, or nulls for never (0). */
static void json_time(struct json *j, const char *key, int64_t ms)
{
	char k[64], t[32];
	snprintf(k, sizeof(k), "%s_ms", key);
	json_key(j, k);
	if (ms == 0)
		json_null(j);
	else
		json_int(j, ms);
	snprintf(k, sizeof(k), "%s_at", key);
	json_key(j, k);
	json_str(j, ms == 0 ? NULL : ctl_format_time(ms, t, sizeof(t)));
}

static void json_endpoint(struct json *j, const struct ctl_endpoint *ep)
{
	const struct endpoint_state *st = &ep->st;
	json_open(j, '{');
	json_key(j, "name");
	json_str(j, ep->name);
	json_key(j, "state");
	json_str(j, ctl_health_name(ep->health));
	json_key(j, "problem");
	json_str(j, ep->health == CTL_OK ? NULL : ep->why);
	json_key(j, "rcode");
	json_str(j, layout_rcode_name(st->rcode));
	json_key(j, "addresses");
	json_open(j, '[');
	for (size_t i = 0; i < ep->naddrs; i++)
		json_str(j, ep->addrs[i]);
	json_close(j, ']');
	json_key(j, "cname");
	json_str(j, st->cname ? st->target : NULL);
	json_gen(j, "plan", st->target_gen);
	json_key(j, "plan_in_store");
	json_bool(j, ep->plan_exists);
	json_key(j, "plan_deleted");
	if (ep->deleted) {
		json_open(j, '{');
		json_time(j, "deleted", ep->deletion.deleted_ms);
		json_key(j, "deleted_by");
		json_str(j, ep->deletion.deleted_by);
		json_key(j, "reason");
		json_str(j, ep->deletion.reason);
		json_close(j, '}');
	} else {
		json_null(j);
	}
	json_key(j, "marker");
	if (st->marker == 1)
		json_uint(j, st->gen);
	else
		json_str(j, st->marker < 0 ? "malformed" : NULL);
	json_gen(j, "newest_valid_plan", ep->newest);
	json_key(j, "lock");
	json_str(j, st->locked ? st->lock_owner : NULL);
	json_close(j, '}');
}

static void json_enactor(struct json *j, const struct ctl_view *v,
                         const struct reports_state *e)
{
	json_open(j, '{');
	json_key(j, "id");
	json_str(j, e->id);
	json_time(j, "heartbeat", e->heartbeat_ms);
	json_key(j, "heartbeat_age_ms");
	json_int(j, v->now_ms - e->heartbeat_ms);
	json_gen(j, "in_flight", e->in_flight);
	json_gen(j, "applied", e->applied);
	json_time(j, "applied", e->applied_ms);
	json_key(j, "problem");
	json_str(j, e->problem[0] ? e->problem : NULL);
	json_time(j, "problem", e->problem_ms);
	json_close(j, '}');
}

/* The members of a status object, shared by status and repair. */
static void json_status_members(struct json *j, const struct ctl_settings *s,
                                const struct ctl_view *v)
{
	json_key(j, "region");
	json_str(j, v->region);
	json_key(j, "store");
	json_str(j, s->store);
	json_key(j, "server");
	json_str(j, s->server);
	json_key(j, "zone");
	json_str(j, s->zone);
	json_key(j, "automation");
	json_open(j, '{');
	json_key(j, "paused");
	json_bool(j, v->control.paused);
	json_time(j, "changed", v->control.changed_ms);
	json_key(j, "changed_by");
	json_str(j, v->control.changed_ms ? v->control.changed_by : NULL);
	json_key(j, "reason");
	json_str(j, v->control.changed_ms ? v->control.reason : NULL);
	json_close(j, '}');
	json_key(j, "plans");
	json_uint(j, v->nplans);
	json_gen(j, "newest_plan", v->newest);
	json_key(j, "healthy");
	json_bool(j, ctl_view_count(v, CTL_BROKEN) == 0);
	json_key(j, "counts");
	json_open(j, '{');
	for (enum ctl_health h = CTL_OK; h <= CTL_BROKEN; h++) {
		json_key(j, ctl_health_name(h));
		json_uint(j, ctl_view_count(v, h));
	}
	json_close(j, '}');
	json_key(j, "endpoints");
	json_open(j, '[');
	for (size_t i = 0; i < v->neps; i++)
		json_endpoint(j, &v->eps[i]);
	json_close(j, ']');
	json_key(j, "enactors");
	json_open(j, '[');
	for (size_t i = 0; i < v->nenactors; i++)
		json_enactor(j, v, &v->enactors[i]);
	json_close(j, ']');
}

/* ---- status ---- */

static void text_header(FILE *out, const struct ctl_settings *s,
                        const struct ctl_view *v)
{
	char buf[96];
	fprintf(out, "region      %s\n", *v->region ? v->region : "(unbound)");
	fprintf(out, "store       %s: %zu %s", s->store, v->nplans,
	        plural(v->nplans, "plan", "plans"));
	if (v->newest != 0) {
		when(v->now_ms, v->plans[v->nplans - 1].created_ms, buf,
		     sizeof(buf));
		fprintf(out, ", newest %" PRIu64 " written %s", v->newest, buf);
	}
	fprintf(out, "\nauthd       %s, zone %s\n", s->server, s->zone);
	fprintf(out, "automation  %s",
	        v->control.paused ? "PAUSED" : "running");
	if (v->control.changed_ms != 0) {
		when(v->now_ms, v->control.changed_ms, buf, sizeof(buf));
		fprintf(out, "%s %s by %s",
		        v->control.paused ? " since" : ", resumed", buf,
		        v->control.changed_by);
		if (*v->control.reason)
			fprintf(out, ": %s", v->control.reason);
	}
	fputc('\n', out);
}

static void text_gen(struct table *t, uint64_t g, const char *suffix)
{
	if (g == 0)
		cell(t, "-");
	else
		cell(t, "%" PRIu64 "%s", g, suffix);
}

static void text_endpoints(FILE *out, const struct ctl_view *v)
{
	struct table t = {.ncols = 6};
	if (v->neps == 0) {
		fprintf(out, "\nno endpoints: the store has no plan; name them "
		             "with --endpoint\n");
		return;
	}
	cell(&t, "ENDPOINT");
	cell(&t, "STATE");
	cell(&t, "PLAN");
	cell(&t, "MARKER");
	cell(&t, "RCODE");
	cell(&t, "ADDRESSES");
	for (size_t i = 0; i < v->neps; i++) {
		const struct ctl_endpoint *ep = &v->eps[i];
		char addrs[512] = "-";
		size_t used = 0;
		cell(&t, "%s", ep->name);
		cell(&t, "%s", ctl_health_name(ep->health));
		text_gen(&t, ep->st.target_gen,
		         ep->plan_exists ? "" : " (gone)");
		if (ep->st.marker < 0)
			cell(&t, "bad");
		else
			text_gen(&t, ep->st.marker ? ep->st.gen : 0, "");
		cell(&t, "%s", layout_rcode_name(ep->st.rcode));
		for (size_t k = 0; k < ep->naddrs && k < SHOWN_ADDRS; k++)
			used += (size_t)snprintf(addrs + used,
			                         sizeof(addrs) - used, "%s%s",
			                         k ? " " : "", ep->addrs[k]);
		if (ep->naddrs > SHOWN_ADDRS)
			snprintf(addrs + used, sizeof(addrs) - used,
			         " (+%zu more)", ep->naddrs - SHOWN_ADDRS);
		cell(&t, "%s", addrs);
	}
	fputc('\n', out);
	table_flush(&t, out);
	for (size_t i = 0; i < v->neps; i++) {
		const struct ctl_endpoint *ep = &v->eps[i];
		if (ep->health != CTL_OK)
			fprintf(out, "  %s %s: %s\n", ep->name,
			        ctl_health_name(ep->health), ep->why);
	}
}

static void text_enactors(FILE *out, const struct ctl_view *v)
{
	struct table t = {.ncols = 4};
	char buf[96];
	if (v->nenactors == 0) {
		fprintf(out, "\nno enactor has reported to the store\n");
		return;
	}
	cell(&t, "ENACTOR");
	cell(&t, "HEARTBEAT");
	cell(&t, "APPLYING");
	cell(&t, "APPLIED");
	for (size_t i = 0; i < v->nenactors; i++) {
		const struct reports_state *e = &v->enactors[i];
		cell(&t, "%s", e->id);
		when(v->now_ms, e->heartbeat_ms, buf, sizeof(buf));
		cell(&t, "%s", buf);
		text_gen(&t, e->in_flight, "");
		when(v->now_ms, e->applied_ms, buf, sizeof(buf));
		if (e->applied == 0)
			cell(&t, "-");
		else
			cell(&t, "%" PRIu64 " at %s", e->applied, buf);
	}
	fputc('\n', out);
	table_flush(&t, out);
	/* What stops an enactor, under the table as an endpoint's why. */
	for (size_t i = 0; i < v->nenactors; i++) {
		const struct reports_state *e = &v->enactors[i];
		if (e->problem[0] == '\0')
			continue;
		when(v->now_ms, e->problem_ms, buf, sizeof(buf));
		fprintf(out, "  enactor %s stopped since %s: %s\n", e->id, buf,
		        e->problem);
	}
}

static void text_summary(FILE *out, const struct ctl_view *v)
{
	size_t backup = ctl_view_count(v, CTL_BACKUP);
	size_t ahead = ctl_view_count(v, CTL_AHEAD);
	fprintf(out, "\n%zu %s: %zu ok, %zu behind, ", v->neps,
	        plural(v->neps, "endpoint", "endpoints"),
	        ctl_view_count(v, CTL_OK), ctl_view_count(v, CTL_BEHIND));
	if (backup > 0)
		fprintf(out, "%zu on backup, ", backup);
	if (ahead > 0)
		fprintf(out, "%zu ahead of the store, ", ahead);
	fprintf(out, "%zu broken\n", ctl_view_count(v, CTL_BROKEN));
}

void ctl_out_status(FILE *out, const struct ctl_settings *s,
                    const struct ctl_view *v, bool json)
{
	if (json) {
		struct json j;
		json_init(&j, out);
		json_open(&j, '{');
		json_key(&j, "command");
		json_str(&j, "status");
		json_status_members(&j, s, v);
		json_close(&j, '}');
		return;
	}
	text_header(out, s, v);
	text_endpoints(out, v);
	text_enactors(out, v);
	text_summary(out, v);
}

/* ---- plans ---- */

void ctl_out_plans(FILE *out, const struct ctl_view *v, bool json)
{
	char buf[96];
	if (json) {
		struct json j;
		json_init(&j, out);
		json_open(&j, '{');
		json_key(&j, "command");
		json_str(&j, "plans");
		json_gen(&j, "newest_plan", v->newest);
		json_key(&j, "plans");
		json_open(&j, '[');
		for (size_t i = v->nplans; i-- > 0;) {
			const struct planstore_info *p = &v->plans[i];
			json_open(&j, '{');
			json_key(&j, "generation");
			json_uint(&j, p->generation);
			json_time(&j, "created", p->created_ms);
			json_key(&j, "endpoints");
			json_uint(&j, p->nendpoints);
			json_key(&j, "addresses");
			json_uint(&j, p->naddrs);
			json_key(&j, "in_use_by");
			if (!v->authd_read) {
				json_null(&j);
			} else {
				json_open(&j, '[');
				for (size_t k = 0; k < v->neps; k++)
					if (v->eps[k].st.target_gen ==
					    p->generation)
						json_str(&j, v->eps[k].name);
				json_close(&j, ']');
			}
			json_close(&j, '}');
		}
		json_close(&j, ']');
		json_close(&j, '}');
		return;
	}
	if (v->nplans == 0) {
		fprintf(out, "no plans in the store\n");
		return;
	}
	struct table t = {.ncols = 5};
	cell(&t, "PLAN");
	cell(&t, "CREATED");
	cell(&t, "ENDPOINTS");
	cell(&t, "ADDRESSES");
	cell(&t, "IN USE");
	for (size_t i = v->nplans; i-- > 0;) {
		const struct planstore_info *p = &v->plans[i];
		size_t users = ctl_plan_users(v, p->generation);
		cell(&t, "%" PRIu64, p->generation);
		when(v->now_ms, p->created_ms, buf, sizeof(buf));
		cell(&t, "%s", buf);
		cell(&t, "%zu", p->nendpoints);
		cell(&t, "%zu", p->naddrs);
		if (!v->authd_read)
			cell(&t, "?");
		else if (users == 0)
			cell(&t, "no");
		else
			cell(&t, "%zu %s", users,
			     plural(users, "endpoint", "endpoints"));
	}
	table_flush(&t, out);
}

/* ---- repair ---- */

static void json_action(struct json *j, const struct ctl_action *a)
{
	json_open(j, '{');
	json_key(j, "endpoint");
	json_str(j, a->endpoint);
	json_key(j, "was");
	json_str(j, ctl_health_name(a->before));
	json_gen(j, "from_plan", a->from);
	json_gen(j, "to_plan", a->to);
	json_key(j, "result");
	json_str(j, ctl_result_name(a->result));
	json_key(j, "rcode");
	json_str(j, a->rcode < 0 ? NULL : layout_rcode_name(a->rcode));
	json_key(j, "detail");
	json_str(j, *a->detail ? a->detail : NULL);
	json_close(j, '}');
}

void ctl_out_repair(FILE *out, const struct ctl_settings *s,
                    const struct ctl_view *before,
                    const struct ctl_action *acts, const struct ctl_view *after,
                    bool dry_run, bool json)
{
	if (json) {
		struct json j;
		json_init(&j, out);
		json_open(&j, '{');
		json_key(&j, "command");
		json_str(&j, "repair");
		json_key(&j, "dry_run");
		json_bool(&j, dry_run);
		json_key(&j, "actions");
		json_open(&j, '[');
		for (size_t i = 0; i < before->neps; i++)
			json_action(&j, &acts[i]);
		json_close(&j, ']');
		json_key(&j, "after");
		if (after == NULL) {
			json_null(&j);
		} else {
			json_open(&j, '{');
			json_status_members(&j, s, after);
			json_close(&j, '}');
		}
		json_close(&j, '}');
		return;
	}
	if (before->control.paused == false && !dry_run)
		fprintf(out, "note: automation is running: an enactor may "
		             "move endpoints again (dnsplanectl pause)\n");
	struct table t = {.ncols = 5};
	cell(&t, "ENDPOINT");
	cell(&t, "WAS");
	cell(&t, "PLAN");
	cell(&t, "RESULT");
	cell(&t, "DETAIL");
	for (size_t i = 0; i < before->neps; i++) {
		const struct ctl_action *a = &acts[i];
		char from[32] = "-";
		cell(&t, "%s", a->endpoint);
		cell(&t, "%s", ctl_health_name(a->before));
		if (a->from != 0)
			snprintf(from, sizeof(from), "%" PRIu64, a->from);
		if (a->to != 0)
			cell(&t, "%s -> %" PRIu64, from, a->to);
		else
			cell(&t, "%s", from);
		if (a->rcode > 0)
			cell(&t, "%s (%s)", ctl_result_name(a->result),
			     layout_rcode_name(a->rcode));
		else
			cell(&t, "%s", ctl_result_name(a->result));
		cell(&t, "%s", a->detail);
	}
	table_flush(&t, out);
	if (after != NULL) {
		/* text_endpoints() ends this line. */
		fprintf(out, "\nafter repair:");
		text_endpoints(out, after);
		text_summary(out, after);
	}
}

/* ---- the switch and errors ---- */

void ctl_out_retire(FILE *out, const char *name, const struct ctl_retire *r,
                    bool json)
{
	static const char *const words[] = {
	        [CTL_RETIRED] = "retired",
	        [CTL_RETIRE_WOULD] = "would retire",
	        [CTL_RETIRE_PLANNED] = "refused: still planned",
	        [CTL_RETIRE_REFUSED] = "refused by authd",
	};
	if (json) {
		struct json j;
		json_init(&j, out);
		json_open(&j, '{');
		json_key(&j, "command");
		json_str(&j, "retire");
		json_key(&j, "endpoint");
		json_str(&j, name);
		json_key(&j, "result");
		json_str(&j, words[r->result]);
		json_gen(&j, "on", r->on);
		json_gen(&j, "fence", r->fence);
		json_key(&j, "plans");
		json_int(&j, (int64_t)r->nplans);
		json_key(&j, "detail");
		json_str(&j, r->detail[0] ? r->detail : NULL);
		json_close(&j, '}');
		return;
	}
	fprintf(out, "%s: %s", name, words[r->result]);
	if (r->result == CTL_RETIRED || r->result == CTL_RETIRE_WOULD)
		fprintf(out,
		        " (its name, marks and records in %zu plan%s; it "
		        "was on plan %" PRIu64 "; its marker stays at %" PRIu64
		        ", fencing older plans)",
		        r->nplans, r->nplans == 1 ? "" : "s", r->on, r->fence);
	if (r->detail[0])
		fprintf(out, ": %s", r->detail);
	fputc('\n', out);
}

void ctl_out_switch(FILE *out, const char *command, bool paused, bool was,
                    const char *reason, bool json)
{
	if (json) {
		struct json j;
		json_init(&j, out);
		json_open(&j, '{');
		json_key(&j, "command");
		json_str(&j, command);
		json_key(&j, "paused");
		json_bool(&j, paused);
		json_key(&j, "was_paused");
		json_bool(&j, was);
		json_key(&j, "reason");
		json_str(&j, reason);
		json_close(&j, '}');
		return;
	}
	fprintf(out, "automation %s (it was %s)%s%s\n",
	        paused ? "paused" : "resumed", was ? "paused" : "running",
	        *reason ? ": " : "", reason);
}

void ctl_out_error(FILE *out, const char *command, const char *message,
                   int exit_code, bool json)
{
	fprintf(stderr, "dnsplanectl: %s\n", message);
	if (!json)
		return;
	struct json j;
	json_init(&j, out);
	json_open(&j, '{');
	json_key(&j, "command");
	json_str(&j, command);
	json_key(&j, "error");
	json_str(&j, message);
	json_key(&j, "exit");
	json_int(&j, exit_code);
	json_close(&j, '}');
}
