/*
 * planstore.c - the SQLite plan store: plans in and out, enactor reports
 * and the automation switch.  The file is opened, identified and migrated
 * by common/sqlstore.c.
 *
 * Writing a plan of 100,000 addresses is the hot path: one transaction,
 * statements prepared once, one row per endpoint (its addresses as a JSON
 * object) in key order into a WITHOUT ROWID table, and endpoint ids
 * remembered across plans (an endpoint's id never changes once
 * committed).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "dname.h"
#include "etcd.h"
#include "planstore.h"
#include "planstore_etcd.h"
#include "reports.h"
#include "sqlstore.h"
#include "xalloc.h"

/* The schema steps, generated from sql/planstore.sql at build time. */
extern const char *const sql_planstore[];

static const struct sqlstore_schema planstore_schema = {
        .kind = "plan store",
        .app_id = PLANSTORE_APP_ID,
        .version = PLANSTORE_VERSION,
        .steps = sql_planstore,
        .busy_timeout_ms = 10000,
        .synchronous = "FULL",
        .cache_kib = 16000,
};

enum stmt_id {
	ST_BUMP,
	ST_RAISE,
	ST_LAST,
	ST_NEWEST,
	ST_NEWEST_STAMP,
	ST_EP_INSERT,
	ST_EP_SELECT,
	ST_PE_INSERT,
	ST_PLAN_INSERT,
	ST_PLAN_SELECT,
	ST_PE_SELECT,
	ST_PE_SELECT_ONE,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
        [ST_BUMP] = "UPDATE store SET last_generation = last_generation + 1",
        [ST_RAISE] = "UPDATE store SET last_generation = ?1 "
                     "WHERE last_generation < ?1",
        [ST_LAST] = "SELECT last_generation FROM store",
        [ST_NEWEST] = "SELECT max(generation) FROM plan",
        [ST_NEWEST_STAMP] = "SELECT generation, created_at FROM plan "
                            "ORDER BY generation DESC LIMIT 1",
        [ST_EP_INSERT] = "INSERT OR IGNORE INTO endpoint (name) VALUES (?)",
        [ST_EP_SELECT] = "SELECT id FROM endpoint WHERE name = ?",
        [ST_PE_INSERT] = "INSERT INTO plan_endpoint (generation, endpoint_id, "
                         "addresses) VALUES (?, ?, ?)",
        [ST_PLAN_INSERT] = "INSERT INTO plan (generation, created_at, writer, "
                           "endpoints, addresses, reason) "
                           "VALUES (?, ?, ?, ?, ?, ?)",
        [ST_PLAN_SELECT] = "SELECT created_at, writer, reason FROM plan "
                           "WHERE generation = ?",
        /* An endpoint's rows come together; {} gives one NULL row. */
        [ST_PE_SELECT] = "SELECT e.name, a.key, a.value "
                         "FROM plan_endpoint AS pe "
                         "JOIN endpoint AS e ON e.id = pe.endpoint_id "
                         "LEFT JOIN json_each(pe.addresses) AS a "
                         "WHERE pe.generation = ?1",
        [ST_PE_SELECT_ONE] = "SELECT ?2, a.key, a.value "
                             "FROM plan_endpoint AS pe "
                             "LEFT JOIN json_each(pe.addresses) AS a "
                             "WHERE pe.generation = ?1 AND pe.endpoint_id = "
                             "(SELECT id FROM endpoint WHERE name = ?2)",
};

/* A remembered endpoint id (open addressing, power-of-two table). */
struct ep_slot {
	char *name;
	int64_t id;
};

struct planstore {
	struct planstore_etcd *etcd; /* an etcd store: every call goes there */
	sqlite3 *db;
	char *path;
	sqlite3_stmt *st[ST_COUNT];
	struct ep_slot *eps;
	size_t neps, epcap;
	struct reports_writer **reports; /* the ids this handle reported for */
	size_t nreports;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static dp_status db_err(struct planstore *ps, const char *what, char *err,
                        size_t errlen)
{
	return sqlstore_error(ps->db, ps->path, what, err, errlen);
}

static dp_status exec(struct planstore *ps, const char *sql, char *err,
                      size_t errlen)
{
	return sqlstore_exec(ps->db, ps->path, sql, err, errlen);
}

static void rollback(struct planstore *ps)
{
	if (!sqlite3_get_autocommit(ps->db))
		sqlite3_exec(ps->db, "ROLLBACK", NULL, NULL, NULL);
}

/* The statement @id, prepared on first use and reset for the caller. */
static sqlite3_stmt *stmt(struct planstore *ps, enum stmt_id id)
{
	if (ps->st[id] == NULL &&
	    sqlite3_prepare_v3(ps->db, stmt_sql[id], -1,
	                       SQLITE_PREPARE_PERSISTENT, &ps->st[id],
	                       NULL) != SQLITE_OK)
		return NULL;
	sqlite3_reset(ps->st[id]);
	sqlite3_clear_bindings(ps->st[id]);
	return ps->st[id];
}

/* Run a statement that returns one integer (NULL reads as 0). */
static int query_int(sqlite3_stmt *st, int64_t *out)
{
	if (st == NULL)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int pragma_int(struct planstore *ps, const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(ps->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc = query_int(st, out);
	sqlite3_finalize(st);
	return rc;
}

/* Open the store at @path with sqlstore_open()'s @flags. */
static dp_status open_store(const char *path, unsigned flags,
                            struct planstore **out, char *err, size_t errlen)
{
	struct planstore *ps = xcalloc(1, sizeof(*ps));
	ps->path = xstrdup(path);
	dp_status rc;
	if (etcd_url_is(path))
		rc = pse_open(path, flags & SQLSTORE_CREATE, &ps->etcd, err,
		              errlen);
	else
		rc = sqlstore_open(path, &planstore_schema, flags, &ps->db, err,
		                   errlen);
	if (rc != DP_OK) {
		planstore_close(ps);
		return rc;
	}
	*out = ps;
	return DP_OK;
}

dp_status planstore_open(const char *path, struct planstore **out, char *err,
                         size_t errlen)
{
	return open_store(path, SQLSTORE_CREATE, out, err, errlen);
}

dp_status planstore_attach(const char *path, struct planstore **out, char *err,
                           size_t errlen)
{
	struct stat sb;
	if (!etcd_url_is(path) && stat(path, &sb) != 0) {
		snprintf(err, errlen,
		         "%s: no plan store there (%s); the planner creates "
		         "it: is --store right?",
		         path, strerror(errno));
		return DP_ENOENT;
	}
	return open_store(path, 0, out, err, errlen);
}

void planstore_close(struct planstore *ps)
{
	if (ps == NULL)
		return;
	pse_close(ps->etcd);
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(ps->st[i]);
	sqlite3_close(ps->db);
	for (size_t i = 0; i < ps->epcap; i++)
		free(ps->eps[i].name);
	free(ps->eps);
	for (size_t i = 0; i < ps->nreports; i++)
		reports_writer_put(ps->reports[i]);
	free(ps->reports);
	free(ps->path);
	free(ps);
}

const char *planstore_path(const struct planstore *ps)
{
	return ps->path;
}

struct planstore_etcd *planstore_etcd_of(const struct planstore *ps)
{
	return ps->etcd;
}

/* ---- region ---- */

dp_status planstore_region(struct planstore *ps, char *buf, size_t buflen,
                           char *err, size_t errlen)
{
	if (ps->etcd != NULL)
		return pse_region(ps->etcd, buf, buflen, err, errlen);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(ps->db, "SELECT region FROM store", -1, &st,
	                       NULL) != SQLITE_OK)
		return db_err(ps, "cannot read the region", err, errlen);
	dp_status rc = DP_OK;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);
		snprintf(buf, buflen, "%s", r ? r : "");
	} else {
		rc = db_err(ps, "cannot read the region", err, errlen);
	}
	sqlite3_finalize(st);
	return rc;
}

dp_status planstore_bind_region(struct planstore *ps, const char *region,
                                char *err, size_t errlen)
{
	if (ps->etcd != NULL)
		return pse_bind_region(ps->etcd, region, err, errlen);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(ps->db,
	                       "UPDATE store SET region = ?1 WHERE region IS "
	                       "NULL",
	                       -1, &st, NULL) != SQLITE_OK)
		return db_err(ps, "cannot bind the region", err, errlen);
	sqlite3_bind_text(st, 1, region, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(ps, "cannot bind the region", err, errlen);
	char have[256];
	dp_status s = planstore_region(ps, have, sizeof(have), err, errlen);
	if (s != DP_OK)
		return s;
	if (strcmp(have, region) != 0) {
		snprintf(err, errlen,
		         "%s: the plan store belongs to region '%s', not '%s'; "
		         "refusing to use it",
		         ps->path, have, region);
		return DP_EFOREIGN;
	}
	return DP_OK;
}

/* ---- endpoint ids ---- */

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static int64_t ep_cached(const struct planstore *ps, const char *name)
{
	if (ps->epcap == 0)
		return 0;
	size_t mask = ps->epcap - 1;
	for (size_t i = name_hash(name) & mask; ps->eps[i].name;
	     i = (i + 1) & mask) {
		if (strcmp(ps->eps[i].name, name) == 0)
			return ps->eps[i].id;
	}
	return 0;
}

static void ep_remember(struct planstore *ps, const char *name, int64_t id)
{
	if ((ps->neps + 1) * 2 > ps->epcap) {
		size_t cap = ps->epcap ? ps->epcap * 2 : 64;
		struct ep_slot *old = ps->eps;
		size_t oldcap = ps->epcap;
		ps->eps = xcalloc(cap, sizeof(*ps->eps));
		ps->epcap = cap;
		ps->neps = 0;
		for (size_t i = 0; i < oldcap; i++) {
			if (old[i].name == NULL)
				continue;
			ep_remember(ps, old[i].name, old[i].id);
			free(old[i].name);
		}
		free(old);
	}
	size_t mask = ps->epcap - 1;
	size_t i = name_hash(name) & mask;
	while (ps->eps[i].name != NULL)
		i = (i + 1) & mask;
	ps->eps[i].name = xstrdup(name);
	ps->eps[i].id = id;
	ps->neps++;
}

/* The id of endpoint @name, created if new (inside a transaction). */
static int64_t ep_id(struct planstore *ps, const char *name)
{
	sqlite3_stmt *ins = stmt(ps, ST_EP_INSERT);
	if (ins == NULL)
		return -1;
	sqlite3_bind_text(ins, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(ins) != SQLITE_DONE)
		return -1;
	sqlite3_stmt *sel = stmt(ps, ST_EP_SELECT);
	if (sel == NULL)
		return -1;
	sqlite3_bind_text(sel, 1, name, -1, SQLITE_STATIC);
	int64_t id = -1;
	if (query_int(sel, &id) != 0)
		return -1;
	return id;
}

/* ---- writing plans ---- */

int planstore_canonical_name(const char *name, char *out)
{
	uint8_t wire[DNAME_MAXLEN];
	if (dname_canonical(name, out) != 0 ||
	    dname_from_str(out, wire) > PLAN_ENDPOINT_MAXWIRE)
		return -1;
	return 0;
}

/* Is @name already as planstore_canonical_name() writes it? */
static bool canonical_name(const char *name)
{
	char back[1024];
	size_t n = strlen(name);
	return n > 0 && name[n - 1] == '.' &&
	       planstore_canonical_name(name, back) == 0 &&
	       strcmp(back, name) == 0;
}

/* Dotted quad as inet_ntop writes it: no leading zeros, four parts. */
static bool canonical_v4(const char *s)
{
	for (int part = 0; part < 4; part++) {
		if (part > 0 && *s++ != '.')
			return false;
		unsigned v = 0;
		int digits = 0;
		for (; *s >= '0' && *s <= '9'; s++, digits++)
			v = v * 10 + (unsigned)(*s - '0');
		if (digits == 0 || digits > 3 || v > 255 ||
		    (digits > 1 && s[-digits] == '0'))
			return false;
	}
	return *s == '\0';
}

static bool canonical_addr(const char *addr)
{
	unsigned char bin[16];
	char back[PLAN_ADDRLEN];
	if (strchr(addr, ':') == NULL)
		return canonical_v4(addr);
	if (inet_pton(AF_INET6, addr, bin) != 1 ||
	    inet_ntop(AF_INET6, bin, back, sizeof(back)) == NULL)
		return false;
	return strcmp(back, addr) == 0;
}

dp_status planstore_validate(const struct plan *p, char *err, size_t errlen)
{
	for (size_t i = 0; i < p->nendpoints; i++) {
		const struct plan_endpoint *ep = &p->endpoints[i];
		if (!canonical_name(ep->name)) {
			snprintf(err, errlen,
			         "endpoint '%s': not a lower-case domain name "
			         "with a final dot, of at most %d octets",
			         ep->name, PLAN_ENDPOINT_MAXWIRE);
			return DP_EINVAL;
		}
		if (i > 0 && strcmp(p->endpoints[i - 1].name, ep->name) >= 0) {
			snprintf(err, errlen,
			         "endpoint '%s': endpoints not sorted or twice",
			         ep->name);
			return DP_EINVAL;
		}
		for (size_t j = 0; j < ep->naddrs; j++) {
			const struct plan_addr *a = &ep->addrs[j];
			if (!canonical_addr(a->address) || a->weight < 1 ||
			    a->weight > 65535) {
				snprintf(
				        err, errlen,
				        "endpoint %s: address '%s' weight %u: "
				        "not a canonical address with a weight "
				        "1..65535",
				        ep->name, a->address, a->weight);
				return DP_EINVAL;
			}
			if (j > 0 &&
			    strcmp(ep->addrs[j - 1].address, a->address) >= 0) {
				snprintf(err, errlen,
				         "endpoint %s: address %s: addresses "
				         "not sorted or twice",
				         ep->name, a->address);
				return DP_EINVAL;
			}
		}
	}
	return DP_OK;
}

/*
 * The JSON object of @ep's addresses, {"ADDRESS":WEIGHT,...}, into *@buf
 * (grown as needed).  Addresses were validated: nothing to escape.
 */
static const char *addr_json(const struct plan_endpoint *ep, char **buf,
                             size_t *cap)
{
	size_t need = ep->naddrs * (PLAN_ADDRLEN + 10) + 3;
	if (need > *cap) {
		*cap = need * 2;
		*buf = xrealloc(*buf, *cap);
	}
	char *p = *buf;
	*p++ = '{';
	for (size_t j = 0; j < ep->naddrs; j++) {
		size_t alen = strlen(ep->addrs[j].address);
		if (j > 0)
			*p++ = ',';
		*p++ = '"';
		memcpy(p, ep->addrs[j].address, alen);
		p += alen;
		*p++ = '"';
		*p++ = ':';
		/* The weight in decimal, without printf (it shows in profiles). */
		char digits[10];
		int n = 0;
		for (uint32_t w = ep->addrs[j].weight; n == 0 || w > 0; w /= 10)
			digits[n++] = (char)('0' + w % 10);
		while (n > 0)
			*p++ = digits[--n];
	}
	*p++ = '}';
	*p = '\0';
	return *buf;
}

/* Insert the row of endpoint @ep (id @id) of generation @gen. */
static int write_endpoint(struct planstore *ps, int64_t gen, int64_t id,
                          const struct plan_endpoint *ep, char **buf,
                          size_t *cap)
{
	sqlite3_stmt *pe = stmt(ps, ST_PE_INSERT);
	if (pe == NULL)
		return -1;
	sqlite3_bind_int64(pe, 1, gen);
	sqlite3_bind_int64(pe, 2, id);
	sqlite3_bind_text(pe, 3, addr_json(ep, buf, cap), -1, SQLITE_STATIC);
	int rc = sqlite3_step(pe);
	sqlite3_reset(pe);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The transaction of planstore_write_plan(); the caller rolls back. */
static dp_status write_txn(struct planstore *ps, const struct plan *plan,
                           uint64_t base, const char *writer, int64_t *ids,
                           int64_t *gen, char *err, size_t errlen)
{
	int64_t newest = 0;
	if (base != PLANSTORE_ANY_BASE) {
		if (query_int(stmt(ps, ST_NEWEST), &newest) != 0)
			return db_err(ps, "cannot read the newest plan", err,
			              errlen);
		if ((uint64_t)newest != base) {
			snprintf(err, errlen,
			         "%s: plan %lld is the newest now, not %llu",
			         ps->path, (long long)newest,
			         (unsigned long long)base);
			return DP_EEXIST;
		}
	}
	sqlite3_stmt *bump = stmt(ps, ST_BUMP);
	if (bump == NULL || sqlite3_step(bump) != SQLITE_DONE ||
	    query_int(stmt(ps, ST_LAST), gen) != 0)
		return db_err(ps, "cannot take a generation", err, errlen);
	size_t naddrs = 0, cap = 0;
	char *buf = NULL;
	for (size_t i = 0; i < plan->nendpoints; i++) {
		const struct plan_endpoint *ep = &plan->endpoints[i];
		ids[i] = ep_cached(ps, ep->name);
		if (ids[i] == 0 && (ids[i] = ep_id(ps, ep->name)) <= 0) {
			free(buf);
			return db_err(ps, "cannot record an endpoint", err,
			              errlen);
		}
		if (write_endpoint(ps, *gen, ids[i], ep, &buf, &cap) != 0) {
			free(buf);
			return db_err(ps, "cannot write the plan", err, errlen);
		}
		naddrs += ep->naddrs;
	}
	free(buf);
	sqlite3_stmt *pl = stmt(ps, ST_PLAN_INSERT);
	if (pl == NULL)
		return db_err(ps, "cannot write the plan", err, errlen);
	sqlite3_bind_int64(pl, 1, *gen);
	sqlite3_bind_int64(pl, 2, now_ms());
	sqlite3_bind_text(pl, 3, writer ? writer : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(pl, 4, (int64_t)plan->nendpoints);
	sqlite3_bind_int64(pl, 5, (int64_t)naddrs);
	sqlite3_bind_text(pl, 6, plan->reason ? plan->reason : "", -1,
	                  SQLITE_STATIC);
	if (sqlite3_step(pl) != SQLITE_DONE)
		return db_err(ps, "cannot write the plan", err, errlen);
	return exec(ps, "COMMIT", err, errlen);
}

dp_status planstore_write_plan(struct planstore *ps, const struct plan *plan,
                               uint64_t base, const char *writer,
                               uint64_t *generation, char *err, size_t errlen)
{
	if (ps->etcd != NULL)
		return pse_write_plan(ps->etcd, plan, base, writer, generation,
		                      err, errlen);
	dp_status rc = planstore_validate(plan, err, errlen);
	if (rc != DP_OK)
		return rc;
	int64_t *ids = xcalloc(plan->nendpoints + 1, sizeof(*ids));
	int64_t gen = 0;
	if ((rc = exec(ps, "BEGIN IMMEDIATE", err, errlen)) == DP_OK)
		rc = write_txn(ps, plan, base, writer, ids, &gen, err, errlen);
	if (rc != DP_OK) {
		rollback(ps);
		free(ids);
		return rc;
	}
	/* Committed: the new endpoint ids are now safe to remember. */
	for (size_t i = 0; i < plan->nendpoints; i++) {
		if (ep_cached(ps, plan->endpoints[i].name) == 0)
			ep_remember(ps, plan->endpoints[i].name, ids[i]);
	}
	free(ids);
	*generation = (uint64_t)gen;
	return DP_OK;
}

dp_status planstore_issued(struct planstore *ps, uint64_t *generation,
                           char *err, size_t errlen)
{
	if (ps->etcd != NULL)
		return pse_issued(ps->etcd, generation, err, errlen);
	int64_t g = 0;
	if (query_int(stmt(ps, ST_LAST), &g) != 0)
		return db_err(ps, "cannot read the generation counter", err,
		              errlen);
	*generation = (uint64_t)g;
	return DP_OK;
}

dp_status planstore_raise(struct planstore *ps, uint64_t above, uint64_t *was,
                          char *err, size_t errlen)
{
	if (ps->etcd != NULL)
		return pse_raise(ps->etcd, above, was, err, errlen);
	int64_t last = 0;
	dp_status rc = exec(ps, "BEGIN IMMEDIATE", err, errlen);
	if (rc != DP_OK)
		return rc;
	sqlite3_stmt *st = NULL;
	if (query_int(stmt(ps, ST_LAST), &last) != 0)
		goto fail;
	*was = (uint64_t)last;
	if ((uint64_t)last < above) {
		if ((st = stmt(ps, ST_RAISE)) == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, (int64_t)above);
		int s = sqlite3_step(st);
		sqlite3_reset(st);
		if (s != SQLITE_DONE)
			goto fail;
	}
	if ((rc = exec(ps, "COMMIT", err, errlen)) != DP_OK)
		rollback(ps);
	return rc;
fail:
	rc = db_err(ps, "cannot raise the generation counter", err, errlen);
	rollback(ps);
	return rc;
}

/* ---- reading plans ---- */

dp_status planstore_newest(struct planstore *ps, uint64_t *generation,
                           char *err, size_t errlen)
{
	if (ps->etcd != NULL)
		return planstore_newest_stamp(ps, generation, &(int64_t){0},
		                              err, errlen);
	int64_t g = 0;
	if (query_int(stmt(ps, ST_NEWEST), &g) != 0)
		return db_err(ps, "cannot read the newest plan", err, errlen);
	*generation = (uint64_t)g;
	return DP_OK;
}

dp_status planstore_newest_stamp(struct planstore *ps, uint64_t *generation,
                                 int64_t *created_ms, char *err, size_t errlen)
{
	if (ps->etcd != NULL)
		return pse_newest_stamp(ps->etcd, generation, created_ms, err,
		                        errlen);
	sqlite3_stmt *st = stmt(ps, ST_NEWEST_STAMP);
	int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
	if (rc == SQLITE_DONE)
		*generation = 0, *created_ms = 0;
	if (rc == SQLITE_ROW) {
		*generation = (uint64_t)sqlite3_column_int64(st, 0);
		*created_ms = sqlite3_column_int64(st, 1);
	}
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(ps, "cannot read the newest plan", err, errlen);
	return DP_OK;
}

static char *column_dup(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	return xstrdup(s ? s : "");
}

/*
 * Read plan @gen, limited to endpoint @only when it is not NULL, inside a
 * read transaction.  Returns DP_ENOENT when there is nothing to read.
 */
static dp_status read_plan(struct planstore *ps, int64_t gen, const char *only,
                           struct plan *p, char *err, size_t errlen)
{
	sqlite3_stmt *st = stmt(ps, ST_PLAN_SELECT);
	if (st == NULL)
		return db_err(ps, "cannot read the plan", err, errlen);
	sqlite3_bind_int64(st, 1, gen);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return db_err(ps, "cannot read the plan", err, errlen);
		snprintf(err, errlen, "%s: no plan %lld", ps->path,
		         (long long)gen);
		return DP_ENOENT;
	}
	p->generation = (uint64_t)gen;
	p->created_ms = sqlite3_column_int64(st, 0);
	p->writer = column_dup(st, 1);
	p->reason = column_dup(st, 2);
	sqlite3_reset(st);

	st = stmt(ps, only ? ST_PE_SELECT_ONE : ST_PE_SELECT);
	if (st == NULL)
		return db_err(ps, "cannot read the plan", err, errlen);
	sqlite3_bind_int64(st, 1, gen);
	if (only != NULL)
		sqlite3_bind_text(st, 2, only, -1, SQLITE_STATIC);
	struct plan_endpoint *ep = NULL;
	dp_status out = DP_OK;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		if (ep == NULL || strcmp(ep->name, name) != 0)
			ep = planstore_plan_add_endpoint(p, name);
		if (sqlite3_column_type(st, 1) == SQLITE_NULL)
			continue;
		const char *a = (const char *)sqlite3_column_text(st, 1);
		int64_t w = sqlite3_column_int64(st, 2);
		if (sqlite3_column_type(st, 2) != SQLITE_INTEGER || w < 1 ||
		    w > 65535 ||
		    planstore_endpoint_add_addr(ep, a, (uint32_t)w) != DP_OK) {
			snprintf(err, errlen,
			         "%s: plan %lld, endpoint %s: bad address or "
			         "weight",
			         ps->path, (long long)gen, name);
			out = DP_EPARSE;
			break;
		}
	}
	if (out == DP_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		out = db_err(ps, "cannot read the plan", err, errlen);
	sqlite3_reset(st);
	if (out == DP_OK && only != NULL && p->nendpoints == 0) {
		snprintf(err, errlen, "%s: plan %lld has no endpoint %s",
		         ps->path, (long long)gen, only);
		out = DP_ENOENT;
	}
	if (out == DP_OK) {
		/* What a plan must be to be written, it must be to be read:
		 * a store edited by hand or by another program may hold
		 * anything the schema lets through. */
		char why[512];
		planstore_plan_sort(p);
		if (planstore_validate(p, why, sizeof(why)) != DP_OK) {
			snprintf(err, errlen, "%s: plan %lld: %s", ps->path,
			         (long long)gen, why);
			out = DP_EPARSE;
		}
	}
	return out;
}

static dp_status get(struct planstore *ps, uint64_t generation,
                     const char *only, struct plan **out, char *err,
                     size_t errlen)
{
	if (ps->etcd != NULL)
		return pse_get_plan(ps->etcd, generation, only, out, err,
		                    errlen);
	struct plan *p = planstore_plan_new();
	dp_status rc = exec(ps, "BEGIN", err, errlen);
	if (rc == DP_OK)
		rc = read_plan(ps, (int64_t)generation, only, p, err, errlen);
	rollback(ps);
	if (rc != DP_OK) {
		planstore_plan_free(p);
		return rc;
	}
	*out = p;
	return DP_OK;
}

dp_status planstore_get_plan(struct planstore *ps, uint64_t generation,
                             struct plan **out, char *err, size_t errlen)
{
	return get(ps, generation, NULL, out, err, errlen);
}

dp_status planstore_get_endpoint(struct planstore *ps, uint64_t generation,
                                 const char *name, struct plan **out, char *err,
                                 size_t errlen)
{
	return get(ps, generation, name, out, err, errlen);
}

/* What the enactors retired: an entry each, with the enactor. */
struct retired_row {
	struct reports_retired r;
	char by[80];
};

struct retired_rows {
	struct retired_row *v;
	size_t n;
};

static int gather_retired(void *arg, const char *store, const char *id,
                          char *err, size_t errlen)
{
	struct retired_rows *rows = arg;
	struct reports_retired *v = NULL;
	size_t n = 0;
	if (reports_read_retired(store, id, &v, &n, err, errlen) != 0) {
		free(v);
		return -1;
	}
	rows->v = xrealloc(rows->v, (rows->n + n + 1) * sizeof(*rows->v));
	for (size_t i = 0; i < n; i++) {
		struct retired_row *w = &rows->v[rows->n++];
		w->r = v[i];
		snprintf(w->by, sizeof(w->by), "enactor %s", id);
	}
	free(v);
	return 0;
}

/* Every plan an enactor retired. */
static dp_status retired_list(struct planstore *ps, struct retired_rows *r,
                              char *err, size_t errlen)
{
	*r = (struct retired_rows){0};
	dp_status rc = reports_each(ps->path, gather_retired, r, err, errlen);
	if (rc != DP_OK) {
		free(r->v);
		r->v = NULL;
		r->n = 0;
	}
	return rc;
}

/* Did an enactor retire the plan @generation written at @created_ms? */
static bool retired(const struct retired_rows *r, uint64_t generation,
                    int64_t created_ms)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].r.generation == generation &&
		    (r->v[i].r.created_ms < 0 ||
		     r->v[i].r.created_ms == created_ms))
			return true;
	return false;
}

dp_status planstore_list(struct planstore *ps, struct planstore_info **out,
                         size_t *n, char *err, size_t errlen)
{
	if (ps->etcd != NULL)
		return pse_list(ps->etcd, out, n, err, errlen);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(ps->db,
	                       "SELECT generation, created_at, endpoints, "
	                       "addresses FROM plan ORDER BY generation",
	                       -1, &st, NULL) != SQLITE_OK)
		return db_err(ps, "cannot list the plans", err, errlen);
	struct planstore_info *v = NULL;
	size_t count = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xrealloc(v, (count + 1) * sizeof(*v));
		v[count].generation = (uint64_t)sqlite3_column_int64(st, 0);
		v[count].created_ms = sqlite3_column_int64(st, 1);
		v[count].nendpoints = (size_t)sqlite3_column_int64(st, 2);
		v[count].naddrs = (size_t)sqlite3_column_int64(st, 3);
		count++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return db_err(ps, "cannot list the plans", err, errlen);
	}
	/* Plans an enactor retired are gone for every reader; the planner
	 * deletes them from the store at its next round. */
	struct retired_rows ret;
	dp_status drc = retired_list(ps, &ret, err, errlen);
	if (drc != DP_OK) {
		free(v);
		return drc;
	}
	size_t kept = 0;
	for (size_t i = 0; i < count; i++) {
		if (!retired(&ret, v[i].generation, v[i].created_ms))
			v[kept++] = v[i];
	}
	free(ret.v);
	*out = v;
	*n = kept;
	return DP_OK;
}

/* ---- deleting plans ---- */

dp_status planstore_delete_plan(struct planstore *ps, uint64_t generation,
                                const char *by, const char *reason, char *err,
                                size_t errlen)
{
	if (ps->etcd != NULL)
		return pse_delete_plan(ps->etcd, generation, by, reason, err,
		                       errlen);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(ps->db,
	                       "INSERT INTO plan_deleted (generation, "
	                       "deleted_at, deleted_by, reason) "
	                       "SELECT generation, ?2, ?3, ?4 FROM plan "
	                       "WHERE generation = ?1",
	                       -1, &st, NULL) != SQLITE_OK)
		return db_err(ps, "cannot delete a plan", err, errlen);
	sqlite3_bind_int64(st, 1, (int64_t)generation);
	sqlite3_bind_int64(st, 2, now_ms());
	sqlite3_bind_text(st, 3, by ? by : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, reason ? reason : "", -1, SQLITE_STATIC);
	dp_status rc = exec(ps, "BEGIN IMMEDIATE", err, errlen);
	if (rc == DP_OK && sqlite3_step(st) != SQLITE_DONE)
		rc = db_err(ps, "cannot delete a plan", err, errlen);
	if (rc == DP_OK && sqlite3_changes(ps->db) == 0) {
		snprintf(err, errlen, "%s: no plan %llu", ps->path,
		         (unsigned long long)generation);
		rc = DP_ENOENT;
	}
	sqlite3_finalize(st);
	if (rc == DP_OK)
		rc = exec(ps, "COMMIT", err, errlen);
	if (rc != DP_OK)
		rollback(ps);
	return rc;
}

dp_status planstore_deletion(struct planstore *ps, uint64_t generation,
                             struct planstore_deletion *out, char *err,
                             size_t errlen)
{
	if (ps->etcd != NULL)
		return pse_deletion(ps->etcd, generation, out, err, errlen);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(ps->db,
	                       "SELECT deleted_at, deleted_by, reason FROM "
	                       "plan_deleted WHERE generation = ?",
	                       -1, &st, NULL) != SQLITE_OK)
		return db_err(ps, "cannot read deletions", err, errlen);
	sqlite3_bind_int64(st, 1, (int64_t)generation);
	int rc = sqlite3_step(st);
	dp_status out_rc = DP_OK;
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		out->deleted_ms = sqlite3_column_int64(st, 0);
		const char *by = (const char *)sqlite3_column_text(st, 1);
		const char *why = (const char *)sqlite3_column_text(st, 2);
		snprintf(out->deleted_by, sizeof(out->deleted_by), "%s",
		         by ? by : "");
		snprintf(out->reason, sizeof(out->reason), "%s",
		         why ? why : "");
	} else if (rc == SQLITE_DONE) {
		out_rc = DP_ENOENT;
	} else {
		out_rc = db_err(ps, "cannot read deletions", err, errlen);
	}
	sqlite3_finalize(st);
	if (out_rc != DP_ENOENT)
		return out_rc;
	/* Retired by an enactor, not yet deleted by the planner. */
	struct retired_rows r;
	out_rc = retired_list(ps, &r, err, errlen);
	for (size_t i = 0; out_rc == DP_OK && i < r.n; i++) {
		if (r.v[i].r.generation != generation)
			continue;
		memset(out, 0, sizeof(*out));
		out->deleted_ms = r.v[i].r.at_ms;
		snprintf(out->deleted_by, sizeof(out->deleted_by), "%.63s",
		         r.v[i].by);
		snprintf(out->reason, sizeof(out->reason), "%s",
		         r.v[i].r.reason);
		free(r.v);
		return DP_OK;
	}
	free(r.v);
	if (out_rc != DP_OK)
		return out_rc;
	snprintf(err, errlen, "%s: plan %llu was not deleted", ps->path,
	         (unsigned long long)generation);
	return DP_ENOENT;
}

/* ---- enactor reports (each in files of its own: reports.h) ---- */

/* The writer of enactor @id's reports, opened on first use. */
static struct reports_writer *report_file(struct planstore *ps, const char *id,
                                          char *err, size_t errlen)
{
	for (size_t i = 0; i < ps->nreports; i++) {
		if (strcmp(reports_writer_id(ps->reports[i]), id) == 0)
			return ps->reports[i];
	}
	struct reports_writer *w;
	if (reports_writer_get(ps->path, id, &w, err, errlen) != DP_OK)
		return NULL;
	ps->reports = xrealloc(ps->reports,
	                       (ps->nreports + 1) * sizeof(*ps->reports));
	ps->reports[ps->nreports++] = w;
	return w;
}

dp_status planstore_report_open(struct planstore *ps, const char *id, char *err,
                                size_t errlen)
{
	if (ps->etcd != NULL)
		return pse_report_open(ps->etcd, id, err, errlen);
	return report_file(ps, id, err, errlen) != NULL ? DP_OK : DP_EINVAL;
}

dp_status planstore_heartbeat(struct planstore *ps, const char *id,
                              uint64_t in_flight, int64_t now, char *err,
                              size_t errlen)
{
	if (ps->etcd != NULL)
		return pse_heartbeat(ps->etcd, id, in_flight, now, err, errlen);
	struct reports_writer *w = report_file(ps, id, err, errlen);
	return w != NULL ? reports_heartbeat(w, in_flight, now, err, errlen)
	                 : DP_EINVAL;
}

dp_status planstore_report_applied(struct planstore *ps, const char *id,
                                   uint64_t generation, const char *endpoint,
                                   int64_t now, char *err, size_t errlen)
{
	return planstore_report_applied_many(ps, id, generation, &endpoint, 1,
	                                     now, err, errlen);
}

dp_status planstore_report_applied_many(struct planstore *ps, const char *id,
                                        uint64_t generation,
                                        const char *const *endpoints, size_t n,
                                        int64_t now, char *err, size_t errlen)
{
	if (ps->etcd != NULL)
		return pse_report_applied_many(ps->etcd, id, generation,
		                               endpoints, n, now, err, errlen);
	struct reports_writer *w = report_file(ps, id, err, errlen);
	return w != NULL ? reports_applied(w, generation, endpoints, n, now,
	                                   err, errlen)
	                 : DP_EINVAL;
}

dp_status planstore_report_problem(struct planstore *ps, const char *id,
                                   const char *problem, int64_t now, char *err,
                                   size_t errlen)
{
	if (ps->etcd != NULL)
		return pse_report_problem(ps->etcd, id, problem, now, err,
		                          errlen);
	struct reports_writer *w = report_file(ps, id, err, errlen);
	return w != NULL ? reports_problem(w, problem, now, err, errlen)
	                 : DP_EINVAL;
}

dp_status planstore_retire_plan(struct planstore *ps, const char *id,
                                uint64_t generation, int64_t created_ms,
                                const char *reason, int64_t now, char *err,
                                size_t errlen)
{
	if (ps->etcd != NULL)
		return pse_retire_plan(ps->etcd, id, generation, created_ms,
		                       reason, now, err, errlen);
	struct reports_writer *w = report_file(ps, id, err, errlen);
	return w != NULL ? reports_retire(w, generation, created_ms, reason,
	                                  now, err, errlen)
	                 : DP_EINVAL;
}

dp_status planstore_collect(struct planstore *ps, size_t *deleted, char *err,
                            size_t errlen)
{
	if (ps->etcd != NULL)
		return pse_collect(ps->etcd, deleted, err, errlen);
	struct retired_rows r;
	*deleted = 0;
	dp_status rc = retired_list(ps, &r, err, errlen);
	if (rc != DP_OK || r.n == 0) {
		free(r.v);
		return rc;
	}
	sqlite3_stmt *st = NULL;
	if ((rc = exec(ps, "BEGIN IMMEDIATE", err, errlen)) != DP_OK)
		goto out;
	if (sqlite3_prepare_v2(ps->db,
	                       "INSERT INTO plan_deleted (generation, "
	                       "deleted_at, deleted_by, reason) "
	                       "SELECT generation, ?2, ?3, ?4 FROM plan "
	                       "WHERE generation = ?1 AND (?5 IS NULL OR "
	                       "created_at = ?5)",
	                       -1, &st, NULL) != SQLITE_OK) {
		rc = db_err(ps, "cannot delete a plan", err, errlen);
		goto out;
	}
	for (size_t i = 0; i < r.n && rc == DP_OK; i++) {
		sqlite3_reset(st);
		const struct reports_retired *e = &r.v[i].r;
		sqlite3_bind_int64(st, 1, (int64_t)e->generation);
		sqlite3_bind_int64(st, 2, e->at_ms);
		sqlite3_bind_text(st, 3, r.v[i].by, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, e->reason, -1, SQLITE_STATIC);
		if (e->created_ms >= 0)
			sqlite3_bind_int64(st, 5, e->created_ms);
		else
			sqlite3_bind_null(st, 5);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = db_err(ps, "cannot delete a plan", err, errlen);
		else
			*deleted += (size_t)sqlite3_changes(ps->db);
	}
	if (rc == DP_OK)
		rc = exec(ps, "COMMIT", err, errlen);
out:
	sqlite3_finalize(st);
	if (rc != DP_OK) {
		rollback(ps);
		*deleted = 0;
	}
	free(r.v);
	return rc;
}

struct count_arg {
	uint64_t generation;
	size_t n;
};

static int count_applied(void *arg, const char *store, const char *id,
                         char *err, size_t errlen)
{
	struct count_arg *c = arg;
	return reports_count_applied(store, id, c->generation, &c->n, err,
	                             errlen);
}

dp_status planstore_applied_count(struct planstore *ps, uint64_t generation,
                                  size_t *n, char *err, size_t errlen)
{
	if (ps->etcd != NULL)
		return pse_applied_count(ps->etcd, generation, n, err, errlen);
	struct count_arg c = {.generation = generation};
	dp_status rc = reports_each(ps->path, count_applied, &c, err, errlen);
	*n = c.n;
	return rc;
}

struct enactor_list {
	struct reports_state *v;
	size_t n;
};

static int read_enactor(void *arg, const char *store, const char *id, char *err,
                        size_t errlen)
{
	struct enactor_list *l = arg;
	struct reports_state st;
	int r = reports_read_state(store, id, &st, err, errlen);
	if (r <= 0)
		return r;
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = st;
	return 0;
}

dp_status planstore_enactors(struct planstore *ps, struct reports_state **out,
                             size_t *n, char *err, size_t errlen)
{
	if (ps->etcd != NULL)
		return pse_enactors(ps->etcd, out, n, err, errlen);
	struct enactor_list l = {0};
	dp_status rc = reports_each(ps->path, read_enactor, &l, err, errlen);
	if (rc != DP_OK) {
		free(l.v);
		return rc;
	}
	*out = l.v;
	*n = l.n;
	return DP_OK;
}

/* ---- the automation switch ---- */

/* Run one write statement with its bindings already made, and finalize. */
static dp_status run_write(struct planstore *ps, sqlite3_stmt *st,
                           const char *what, char *err, size_t errlen)
{
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(ps, what, err, errlen);
	return DP_OK;
}

dp_status planstore_set_paused(struct planstore *ps, bool paused,
                               const char *who, const char *reason, char *err,
                               size_t errlen)
{
	if (ps->etcd != NULL)
		return pse_set_paused(ps->etcd, paused, who, reason, err,
		                      errlen);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(ps->db,
	                       "UPDATE control SET automation_paused = ?, "
	                       "changed_at = ?, changed_by = ?, reason = ?",
	                       -1, &st, NULL) != SQLITE_OK)
		return db_err(ps, "cannot set the switch", err, errlen);
	sqlite3_bind_int(st, 1, paused ? 1 : 0);
	sqlite3_bind_int64(st, 2, now_ms());
	sqlite3_bind_text(st, 3, who ? who : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, reason ? reason : "", -1, SQLITE_STATIC);
	return run_write(ps, st, "cannot set the switch", err, errlen);
}

dp_status planstore_get_paused(struct planstore *ps, bool *paused, char *err,
                               size_t errlen)
{
	if (ps->etcd != NULL) {
		struct planstore_control c;
		dp_status rc = pse_get_control(ps->etcd, &c, err, errlen);
		*paused = c.paused;
		return rc;
	}
	int64_t v = 0;
	if (pragma_int(ps, "SELECT automation_paused FROM control", &v) != 0)
		return db_err(ps, "cannot read the switch", err, errlen);
	*paused = v != 0;
	return DP_OK;
}

dp_status planstore_get_control(struct planstore *ps,
                                struct planstore_control *out, char *err,
                                size_t errlen)
{
	if (ps->etcd != NULL)
		return pse_get_control(ps->etcd, out, err, errlen);
	sqlite3_stmt *st;
	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(ps->db,
	                       "SELECT automation_paused, changed_at, "
	                       "changed_by, reason FROM control",
	                       -1, &st, NULL) != SQLITE_OK)
		return db_err(ps, "cannot read the switch", err, errlen);
	dp_status rc = DP_OK;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *by = (const char *)sqlite3_column_text(st, 2);
		const char *why = (const char *)sqlite3_column_text(st, 3);
		out->paused = sqlite3_column_int(st, 0) != 0;
		out->changed_ms = sqlite3_column_int64(st, 1);
		snprintf(out->changed_by, sizeof(out->changed_by), "%s",
		         by ? by : "");
		snprintf(out->reason, sizeof(out->reason), "%s",
		         why ? why : "");
	} else {
		rc = db_err(ps, "cannot read the switch", err, errlen);
	}
	sqlite3_finalize(st);
	return rc;
}

/* ---- plans in memory ---- */

struct plan *planstore_plan_new(void)
{
	return xcalloc(1, sizeof(struct plan));
}

struct plan_endpoint *planstore_plan_add_endpoint(struct plan *p,
                                                  const char *name)
{
	if (p->nendpoints == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 8;
		p->endpoints =
		        xrealloc(p->endpoints, p->cap * sizeof(*p->endpoints));
	}
	struct plan_endpoint *ep = &p->endpoints[p->nendpoints++];
	memset(ep, 0, sizeof(*ep));
	ep->name = xstrdup(name);
	return ep;
}

dp_status planstore_endpoint_add_addr(struct plan_endpoint *ep,
                                      const char *address, uint32_t weight)
{
	if (strlen(address) >= PLAN_ADDRLEN)
		return DP_EINVAL;
	if (ep->naddrs == ep->cap) {
		ep->cap = ep->cap ? ep->cap * 2 : 8;
		ep->addrs = xrealloc(ep->addrs, ep->cap * sizeof(*ep->addrs));
	}
	struct plan_addr *a = &ep->addrs[ep->naddrs++];
	memset(a->address, 0, sizeof(a->address));
	strcpy(a->address, address);
	a->weight = weight;
	return DP_OK;
}

static int ep_cmp(const void *a, const void *b)
{
	const struct plan_endpoint *x = a, *y = b;
	return strcmp(x->name, y->name);
}

static int addr_cmp(const void *a, const void *b)
{
	const struct plan_addr *x = a, *y = b;
	return strcmp(x->address, y->address);
}

void planstore_plan_sort(struct plan *p)
{
	if (p->nendpoints > 1)
		qsort(p->endpoints, p->nendpoints, sizeof(*p->endpoints),
		      ep_cmp);
	for (size_t i = 0; i < p->nendpoints; i++) {
		if (p->endpoints[i].naddrs > 1)
			qsort(p->endpoints[i].addrs, p->endpoints[i].naddrs,
			      sizeof(struct plan_addr), addr_cmp);
	}
}

const struct plan_endpoint *planstore_plan_endpoint(const struct plan *p,
                                                    const char *name)
{
	if (p == NULL || p->nendpoints == 0)
		return NULL;
	struct plan_endpoint key = {.name = (char *)name};
	return bsearch(&key, p->endpoints, p->nendpoints, sizeof(*p->endpoints),
	               ep_cmp);
}

size_t planstore_plan_naddrs(const struct plan *p)
{
	size_t n = 0;
	for (size_t i = 0; p != NULL && i < p->nendpoints; i++)
		n += p->endpoints[i].naddrs;
	return n;
}

bool planstore_plan_same(const struct plan *a, const struct plan *b)
{
	if (a == NULL || b == NULL || a->nendpoints != b->nendpoints)
		return false;
	for (size_t i = 0; i < a->nendpoints; i++) {
		const struct plan_endpoint *x = &a->endpoints[i];
		const struct plan_endpoint *y = &b->endpoints[i];
		if (strcmp(x->name, y->name) != 0 || x->naddrs != y->naddrs)
			return false;
		for (size_t j = 0; j < x->naddrs; j++) {
			if (strcmp(x->addrs[j].address, y->addrs[j].address) !=
			            0 ||
			    x->addrs[j].weight != y->addrs[j].weight)
				return false;
		}
	}
	return true;
}

void planstore_plan_free(struct plan *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nendpoints; i++) {
		free(p->endpoints[i].name);
		free(p->endpoints[i].addrs);
	}
	free(p->endpoints);
	free(p->writer);
	free(p->reason);
	free(p);
}
