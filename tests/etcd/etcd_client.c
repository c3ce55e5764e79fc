/*
 * etcd_client.c - the etcd client (common/etcd.h) against a real
 * 3-member etcd cluster, in phases that tests/e2e/etcd_client.sh runs
 * between its own steps (starting, killing and restarting members):
 *
 *   etcd_client basic URL            put/range, txn compares both ways,
 *                                    revisions, leases, watch,
 *                                    compaction, the size limits, status
 *   etcd_client failover URL P1 P2 P3  SIGKILL the member the client talks
 *                                    to, the leader (PIDs in URL order):
 *                                    requests go on, the watch loses no
 *                                    event
 *   etcd_client quorum URL PA PB S FILE  SIGKILL two members; member S
 *                                    (index) is left: requests fail with
 *                                    "no leader", in time, and the loop
 *                                    keeps running; then the last
 *                                    revision goes to FILE, the shell
 *                                    restarts the two, and the watch is
 *                                    back with the first write after
 *   etcd_client recovered URL FILE   after the restart: requests succeed,
 *                                    the revision went on from FILE's
 *
 * Each check prints "ok - ..." or "FAIL - ..."; the exit status is 1 if
 * any failed.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "etcd.h"

static int fails, checks;

static void check(bool ok, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	checks++;
	if (!ok)
		fails++;
	printf("%s - ", ok ? "ok  " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static struct etcd_sync *open_sync(const char *url, unsigned timeout_ms)
{
	struct etcd_opts o = {.timeout_ms = timeout_ms,
	                      .attempt_timeout_ms = 1000,
	                      .connect_timeout_ms = 500};
	struct etcd_sync *s;
	char err[512];

	if (etcd_sync_new(url, &o, &s, err, sizeof(err)) != DP_OK) {
		fprintf(stderr, "etcd_client: %s\n", err);
		exit(2);
	}
	return s;
}

#define C(s) etcd_sync_client(s)

/* Wait for the request just started; its status and response. */
static dp_status wait_res(struct etcd_sync *s, struct etcd_resp **res)
{
	return etcd_sync_wait(s, res);
}

static dp_status put(struct etcd_sync *s, const char *key, const char *v,
                     struct etcd_resp **res)
{
	etcd_put(C(s), key, v, strlen(v), 0, etcd_sync_cb, s);
	return wait_res(s, res);
}

static dp_status get(struct etcd_sync *s, const char *key, bool prefix,
                     struct etcd_resp **res)
{
	struct etcd_range_opts o = {.prefix = prefix};

	etcd_range(C(s), key, &o, etcd_sync_cb, s);
	return wait_res(s, res);
}

/*
 * A put as a careful caller makes it: DP_ETIMEDOUT means it may have
 * been applied (a leader died with it in flight), so read the key back
 * and put again only if it is not there.  *@readbacks counts those.
 */
static dp_status put_surely(struct etcd_sync *s, const char *key, const char *v,
                            int *readbacks)
{
	struct etcd_resp *r;
	dp_status st = DP_ETIMEDOUT;
	int i;

	for (i = 0; i < 3 && st == DP_ETIMEDOUT; i++) {
		st = put(s, key, v, &r);
		if (st != DP_ETIMEDOUT)
			break;
		printf("     put %s: %s; read back\n", key, r->error);
		(*readbacks)++;
		if (get(s, key, false, &r) == DP_OK && r->n_kvs == 1)
			return DP_OK;
	}
	return st;
}

static uint64_t now_ms(struct etcd_sync *s)
{
	uv_update_time(etcd_sync_loop(s));
	return uv_now(etcd_sync_loop(s));
}

static void on_nothing(uv_timer_t *t)
{
	(void)t;
}

/* Run the loop until *@flag or @ms have passed; returns *@flag. */
static bool spin(struct etcd_sync *s, int ms, const bool *flag)
{
	uv_loop_t *loop = etcd_sync_loop(s);
	uint64_t end = now_ms(s) + (uint64_t)ms;
	uv_timer_t t;

	uv_timer_init(loop, &t);
	uv_timer_start(&t, on_nothing, 20, 20);
	while (!*flag && now_ms(s) < end)
		uv_run(loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	return *flag;
}

/* ---- a watch that records what it gets ---- */

#define MAX_SEEN 64

struct seen {
	char keys[MAX_SEEN][64];
	int64_t revs[MAX_SEEN];
	bool deleted[MAX_SEEN];
	size_t value_lens[MAX_SEEN];
	size_t n;
	dp_status last; /* the last status that was not DP_OK */
	int64_t compact;
	int downs, ups;
	bool flag; /* set when something came; the test clears it */
};

static void on_watch(void *arg, dp_status st, struct etcd_resp *res)
{
	struct seen *w = arg;
	size_t i;

	w->flag = true;
	if (st != DP_OK) {
		w->last = st;
		w->compact = res->compact_revision;
		w->downs++;
		printf("     watch: %s (%s)\n", dp_strerror(st), res->error);
		return;
	}
	if (res->n_events == 0)
		w->ups++;
	for (i = 0; i < res->n_events && w->n < MAX_SEEN; i++, w->n++) {
		snprintf(w->keys[w->n], sizeof(w->keys[w->n]), "%s",
		         res->events[i].kv.key);
		w->revs[w->n] = res->events[i].kv.mod_revision;
		w->deleted[w->n] = res->events[i].deleted;
		w->value_lens[w->n] = res->events[i].kv.value_len;
	}
}

/* Spin until the watch has @n events (or 10 s have passed). */
static bool wait_events(struct etcd_sync *s, struct seen *w, size_t n)
{
	uint64_t end = now_ms(s) + 10000;

	while (w->n < n && now_ms(s) < end) {
		w->flag = false;
		spin(s, 200, &w->flag);
	}
	return w->n >= n;
}

/* ---- basic ---- */

static void basic_kv(struct etcd_sync *s)
{
	static const char bin[] = {0, 1, 2, (char)0xff, 'x', 0};
	struct etcd_resp *r;
	int64_t rev, last;
	dp_status st;
	int i;
	bool mono = true;

	st = put(s, "/t/a", "one", &r);
	rev = r->revision;
	check(st == DP_OK && rev > 0, "put: %s, revision %" PRId64,
	      dp_strerror(st), rev);
	st = get(s, "/t/a", false, &r);
	check(st == DP_OK && r->n_kvs == 1 && r->count == 1 &&
	              strcmp(r->kvs[0].value, "one") == 0 &&
	              r->kvs[0].mod_revision == rev &&
	              r->kvs[0].create_revision == rev &&
	              strcmp(r->kvs[0].key, "/t/a") == 0,
	      "range reads back the value and its revisions");
	st = get(s, "/t/absent", false, &r);
	check(st == DP_OK && r->n_kvs == 0 && r->revision >= rev,
	      "an absent key: no pairs, the store's revision");

	etcd_put(C(s), "/t/bin", bin, sizeof(bin), 0, etcd_sync_cb, s);
	st = wait_res(s, &r);
	st = st == DP_OK ? get(s, "/t/bin", false, &r) : st;
	check(st == DP_OK && r->n_kvs == 1 &&
	              r->kvs[0].value_len == sizeof(bin) &&
	              memcmp(r->kvs[0].value, bin, sizeof(bin)) == 0,
	      "binary values (NUL, 0xff) come back byte for byte");

	last = 0;
	for (i = 0; i < 20; i++) {
		char v[16];

		snprintf(v, sizeof(v), "%d", i);
		st = put(s, "/t/mono", v, &r);
		if (st != DP_OK || r->revision <= last)
			mono = false;
		last = r->revision;
	}
	check(mono,
	      "20 puts: each revision above the one before (last %" PRId64 ")",
	      last);

	st = get(s, "/t/", true, &r);
	check(st == DP_OK && r->count == 3 && r->n_kvs == 3,
	      "a prefix range finds the 3 keys under /t/ (%" PRId64 ")",
	      r->count);
	etcd_delete(C(s), "/t/", true, etcd_sync_cb, s);
	st = wait_res(s, &r);
	check(st == DP_OK && r->deleted == 3,
	      "delete of the prefix: %" PRId64 " deleted", r->deleted);
}

static void basic_txn(struct etcd_sync *s)
{
	struct etcd_resp *r;
	struct etcd_txn *t;
	int64_t gen_rev;
	dp_status st;

	put(s, "/p/gen", "1", &r);
	gen_rev = r->revision;

	/* A new generation: the counter and the plan in one transaction,
	 * if nobody moved the counter and the plan does not exist yet. */
	t = etcd_txn_new();
	etcd_txn_cmp(t, "/p/gen", ETCD_MOD, ETCD_EQUAL, gen_rev);
	etcd_txn_cmp(t, "/p/plan/2", ETCD_CREATE, ETCD_EQUAL, 0);
	etcd_txn_put(t, true, "/p/gen", "2", 1, 0);
	etcd_txn_put(t, true, "/p/plan/2", "plan two", 8, 0);
	etcd_txn_get(t, false, "/p/gen", false);
	etcd_txn(C(s), t, etcd_sync_cb, s);
	st = wait_res(s, &r);
	check(st == DP_OK && r->succeeded && r->revision > gen_rev,
	      "txn: the compares hold, both keys written at revision %" PRId64,
	      r->revision);

	/* The same again: the counter moved, the plan exists. */
	t = etcd_txn_new();
	etcd_txn_cmp(t, "/p/gen", ETCD_MOD, ETCD_EQUAL, gen_rev);
	etcd_txn_cmp(t, "/p/plan/2", ETCD_CREATE, ETCD_EQUAL, 0);
	etcd_txn_put(t, true, "/p/plan/2", "overwritten", 11, 0);
	etcd_txn_get(t, false, "/p/gen", false);
	etcd_txn(C(s), t, etcd_sync_cb, s);
	st = wait_res(s, &r);
	check(st == DP_ECOMPARE && !r->succeeded && r->n_kvs == 1 &&
	              strcmp(r->kvs[0].value, "2") == 0,
	      "txn on a stale revision: DP_ECOMPARE (%s), the failure "
	      "branch read the counter",
	      dp_strerror(st));
	st = get(s, "/p/plan/2", false, &r);
	check(st == DP_OK && r->n_kvs == 1 &&
	              strcmp(r->kvs[0].value, "plan two") == 0,
	      "the plan was not overwritten (create_revision == 0 compare)");

	t = etcd_txn_new();
	etcd_txn_cmp_value(t, "/p/gen", ETCD_EQUAL, "2", 1);
	etcd_txn_delete(t, true, "/p/", true);
	etcd_txn(C(s), t, etcd_sync_cb, s);
	st = wait_res(s, &r);
	check(st == DP_OK && r->deleted == 2,
	      "txn comparing a value, deleting a prefix (%" PRId64 ")",
	      r->deleted);
}

static void basic_lease(struct etcd_sync *s)
{
	struct etcd_resp *r;
	int64_t id;
	dp_status st;
	bool gone = false, never = false;
	uint64_t start;

	etcd_lease_grant(C(s), 1, etcd_sync_cb, s);
	st = wait_res(s, &r);
	id = r->lease_id;
	check(st == DP_OK && id != 0 && r->ttl >= 1,
	      "lease granted: %" PRId64 ", TTL %" PRId64, id, r->ttl);
	etcd_put(C(s), "/l/hb", "alive", 5, id, etcd_sync_cb, s);
	st = wait_res(s, &r);
	check(st == DP_OK, "a key under the lease: %s", dp_strerror(st));
	etcd_lease_keepalive(C(s), id, etcd_sync_cb, s);
	st = wait_res(s, &r);
	check(st == DP_OK && r->ttl >= 1, "keepalive: TTL %" PRId64, r->ttl);
	start = now_ms(s);
	while (!gone && now_ms(s) - start < 8000) {
		spin(s, 200, &never);
		st = get(s, "/l/hb", false, &r);
		gone = st == DP_OK && r->n_kvs == 0;
	}
	check(gone,
	      "without keepalives the lease expires and its key goes "
	      "(%.1f s)",
	      (double)(now_ms(s) - start) / 1000);
	etcd_lease_keepalive(C(s), id, etcd_sync_cb, s);
	st = wait_res(s, &r);
	check(st == DP_ENOENT, "keepalive of the expired lease: %s (%s)",
	      dp_strerror(st), r->error);

	etcd_lease_grant(C(s), 60, etcd_sync_cb, s);
	wait_res(s, &r);
	id = r->lease_id;
	etcd_lease_revoke(C(s), id, etcd_sync_cb, s);
	st = wait_res(s, &r);
	check(st == DP_OK, "revoke: %s", dp_strerror(st));
	etcd_lease_revoke(C(s), id, etcd_sync_cb, s);
	st = wait_res(s, &r);
	check(st == DP_ENOENT, "revoke again: %s", dp_strerror(st));
}

static void basic_watch(struct etcd_sync *s)
{
	struct seen w = {0};
	struct etcd_watch *wa;
	struct etcd_resp *r;
	int64_t r1, r2;
	bool never = false;
	char *big;

	wa = etcd_watch_start(C(s), "/w/", true, 0, on_watch, &w);
	spin(s, 300, &never);
	put(s, "/w/1", "a", &r);
	r1 = r->revision;
	put(s, "/x/other", "b", &r);
	etcd_delete(C(s), "/w/1", false, etcd_sync_cb, s);
	wait_res(s, &r);
	r2 = r->revision;
	wait_events(s, &w, 2);
	check(w.n == 2 && strcmp(w.keys[0], "/w/1") == 0 && !w.deleted[0] &&
	              w.revs[0] == r1 && w.deleted[1] && w.revs[1] == r2,
	      "watch of /w/: the put and the delete, in order, nothing "
	      "else (%zu events)",
	      w.n);
	check(etcd_watch_next(wa) == r2 + 1,
	      "the watch would resume at %" PRId64, etcd_watch_next(wa));
	/* An event of 1.4 MB of JSON comes in many reads. */
	big = calloc(1, 1 << 20);
	etcd_put(C(s), "/w/big", big, 1 << 20, 0, etcd_sync_cb, s);
	free(big);
	wait_res(s, &r);
	put(s, "/w/after", "c", &r);
	wait_events(s, &w, 4);
	check(w.n == 4 && w.value_lens[2] == 1 << 20 &&
	              strcmp(w.keys[3], "/w/after") == 0,
	      "a 1 MiB value through the watch, and the event after it");
	etcd_watch_cancel(wa);
}

static void basic_compact(struct etcd_sync *s)
{
	struct seen w = {0};
	struct etcd_resp *r;
	int64_t old, rev;
	dp_status st;

	put(s, "/c/k", "1", &r);
	old = r->revision;
	put(s, "/c/k", "2", &r);
	put(s, "/c/k", "3", &r);
	rev = r->revision;
	etcd_compact(C(s), rev, etcd_sync_cb, s);
	st = wait_res(s, &r);
	check(st == DP_OK, "compact at %" PRId64 ": %s", rev, dp_strerror(st));
	etcd_range(C(s), "/c/k", &(struct etcd_range_opts){.revision = old},
	           etcd_sync_cb, s);
	st = wait_res(s, &r);
	check(st == DP_ECOMPACTED, "a read at a compacted revision: %s (%s)",
	      dp_strerror(st), r->error);
	etcd_watch_start(C(s), "/c/", true, old, on_watch, &w);
	spin(s, 5000, &w.flag);
	check(w.last == DP_ECOMPACTED && w.compact == rev && w.n == 0,
	      "a watch from a compacted revision: %s at %" PRId64
	      " (read again)",
	      dp_strerror(w.last), w.compact);
	etcd_range(C(s), "/c/k", &(struct etcd_range_opts){.revision = 1 << 30},
	           etcd_sync_cb, s);
	st = wait_res(s, &r);
	check(st == DP_EINVAL, "a read at a future revision: %s (%s)",
	      dp_strerror(st), r->error);
}

static void basic_limits(struct etcd_sync *s)
{
	size_t sizes[] = {1600 * 1024, 2600 * 1024};
	struct etcd_resp *r;
	struct etcd_txn *t;
	dp_status st;
	size_t i;
	char *big;

	for (i = 0; i < 2; i++) {
		big = calloc(1, sizes[i]);
		etcd_put(C(s), "/big", big, sizes[i], 0, etcd_sync_cb, s);
		free(big);
		st = wait_res(s, &r);
		check(st == DP_ETOOLARGE && strstr(r->error, "large"),
		      "a %zu KiB value: %s (%s)", sizes[i] / 1024,
		      dp_strerror(st), r->error);
	}
	st = get(s, "/big", false, &r);
	check(st == DP_OK && r->n_kvs == 0, "and nothing was written");
	t = etcd_txn_new();
	for (i = 0; i < 129; i++) {
		char key[32];

		snprintf(key, sizeof(key), "/ops/%zu", i);
		etcd_txn_put(t, true, key, "x", 1, 0);
	}
	check(etcd_txn_ops(t) == 129, "a txn of 129 operations");
	etcd_txn(C(s), t, etcd_sync_cb, s);
	st = wait_res(s, &r);
	check(st == DP_ETOOLARGE, "is over etcd's limit of 128: %s (%s)",
	      dp_strerror(st), r->error);
}

static void basic_status(struct etcd_sync *s, size_t n)
{
	struct etcd_resp *r;
	uint64_t leader = 0;
	bool agree = true;
	size_t i;

	for (i = 0; i < n; i++) {
		dp_status st;

		etcd_status(C(s), (int)i, etcd_sync_cb, s);
		st = wait_res(s, &r);
		if (st != DP_OK || r->leader == 0 ||
		    (leader != 0 && r->leader != leader) ||
		    strncmp(r->version, "3.4", 3) != 0)
			agree = false;
		leader = r->leader;
	}
	check(agree && leader != 0,
	      "status: every member answers, sees leader %" PRIx64
	      ", runs etcd 3.4",
	      leader);
}

static int basic(const char *url)
{
	struct etcd_sync *s = open_sync(url, 5000);
	struct etcd_url u;
	char err[256];

	etcd_url_parse(url, &u, err, sizeof(err));
	basic_kv(s);
	basic_txn(s);
	basic_watch(s);
	basic_compact(s);
	basic_limits(s);
	basic_lease(s);
	basic_status(s, u.n);
	etcd_sync_free(s);
	return 0;
}

/* ---- failover ---- */

/* The index of the member the client talks to. */
static int member_index(struct etcd_sync *s, const char *url)
{
	struct etcd_url u;
	char err[256];
	size_t i;

	etcd_url_parse(url, &u, err, sizeof(err));
	for (i = 0; i < u.n; i++)
		if (strcmp(u.members[i].text, etcd_client_member(C(s))) == 0)
			return (int)i;
	return -1;
}

/*
 * @url with the leader first, so that the client starts there; the
 * leader's index in @url goes to *@leader (-1: none found).
 */
static char *leader_first(const char *url, int *leader)
{
	struct etcd_sync *s = open_sync(url, 5000);
	struct etcd_resp *r;
	struct etcd_url u;
	char err[256], *out;
	size_t i, len = 0;

	*leader = -1;
	etcd_url_parse(url, &u, err, sizeof(err));
	for (i = 0; i < u.n && *leader < 0; i++) {
		etcd_status(C(s), (int)i, etcd_sync_cb, s);
		if (wait_res(s, &r) == DP_OK && r->leader != 0 &&
		    r->leader == r->member_id)
			*leader = (int)i;
	}
	etcd_sync_free(s);
	out = calloc(1, strlen(url) + 2);
	len = (size_t)sprintf(out, "etcd://%s",
	                      u.members[*leader < 0 ? 0 : *leader].text);
	for (i = 0; i < u.n; i++)
		if ((int)i != *leader && (*leader >= 0 || i > 0))
			len += (size_t)sprintf(out + len, ",%s",
			                       u.members[i].text);
	return out;
}

static int failover(const char *url, char **pids)
{
	int leader;
	char *lurl = leader_first(url, &leader);
	struct etcd_sync *s = open_sync(lurl, 5000);
	struct seen w = {0};
	struct etcd_resp *r;
	char key[32];
	int m, i, ok = 0, readbacks = 0;
	bool order = true;

	put(s, "/f/0", "0", &r);
	m = member_index(s, url);
	check(leader >= 0 && m == leader,
	      "the client talks to the leader, member %d", leader + 1);
	etcd_watch_start(C(s), "/f/", true, r->revision + 1, on_watch, &w);
	put(s, "/f/1", "1", &r);
	check(wait_events(s, &w, 1), "the watch sees /f/1 before the kill");
	check(kill((pid_t)atoi(pids[m]), SIGKILL) == 0,
	      "SIGKILL to member %d (%s), the one the client and the watch "
	      "talk to",
	      m + 1, etcd_client_member(C(s)));
	for (i = 2; i <= 10; i++) {
		snprintf(key, sizeof(key), "/f/%d", i);
		if (put_surely(s, key, "v", &readbacks) == DP_OK)
			ok++;
	}
	check(ok == 9 && member_index(s, url) != m,
	      "9 puts after the kill succeed: %d (%d read back after a "
	      "timeout), now on %s",
	      ok, readbacks, etcd_client_member(C(s)));
	wait_events(s, &w, 10);
	check(w.n == 10,
	      "the watch resumed on another member: %zu events of 10", w.n);
	for (i = 0; i < (int)w.n; i++) {
		snprintf(key, sizeof(key), "/f/%d", i + 1);
		if (strcmp(w.keys[i], key) != 0 ||
		    (i > 0 && w.revs[i] <= w.revs[i - 1]))
			order = false;
	}
	check(order, "each event once, in order, /f/1 to /f/10");
	etcd_sync_free(s);
	free(lurl);
	return 0;
}

/* ---- quorum lost, and back ---- */

struct ticker {
	uv_timer_t t;
	long ticks;
};

static void on_tick(uv_timer_t *t)
{
	((struct ticker *)t)->ticks++;
}

static int quorum(const char *url, const char *pa, const char *pb, int survivor,
                  const char *file)
{
	struct etcd_sync *s = open_sync(url, 2000);
	struct seen w = {0};
	struct ticker tk = {.ticks = 0};
	struct etcd_resp *r;
	uint64_t start, took;
	int64_t last;
	dp_status st;
	bool leaderless = false, never = false;
	int readbacks = 0;
	char tmp[4096];
	FILE *f;

	put(s, "/q/before", "1", &r);
	last = r->revision;
	etcd_watch_start(C(s), "/q/", true, last + 1, on_watch, &w);
	spin(s, 200, &never);
	check(kill((pid_t)atoi(pa), SIGKILL) == 0 &&
	              kill((pid_t)atoi(pb), SIGKILL) == 0,
	      "SIGKILL to two of the three members");
	start = now_ms(s);
	while (!leaderless && now_ms(s) - start < 10000) {
		etcd_status(C(s), survivor, etcd_sync_cb, s);
		st = wait_res(s, &r);
		leaderless = st == DP_OK && r->leader == 0;
		if (!leaderless)
			spin(s, 100, &never);
	}
	check(leaderless, "the last member sees no leader after %.1f s",
	      (double)(now_ms(s) - start) / 1000);

	uv_timer_init(etcd_sync_loop(s), &tk.t);
	uv_timer_start(&tk.t, on_tick, 10, 10);
	start = now_ms(s);
	st = put(s, "/q/during", "x", &r);
	took = now_ms(s) - start;
	check(st == DP_ENOLEADER, "a put fails: %s (%s)", dp_strerror(st),
	      r->error);
	check(took <= 2500, "within the 2 s deadline: %.2f s",
	      (double)took / 1000);
	check(tk.ticks >= (long)took / 10 / 4,
	      "the loop ran meanwhile: a 10 ms timer ticked %ld times in "
	      "%.2f s",
	      tk.ticks, (double)took / 1000);
	st = get(s, "/q/", true, &r);
	check(st == DP_ENOLEADER, "a range fails: %s", dp_strerror(st));
	spin(s, 3000, &w.flag);
	check(w.downs == 1 &&
	              (w.last == DP_ENOLEADER || w.last == DP_EUNREACHABLE),
	      "the watch says it is down, once: %s", dp_strerror(w.last));
	uv_close((uv_handle_t *)&tk.t, NULL);

	/* The shell restarts the members once FILE is there. */
	snprintf(tmp, sizeof(tmp), "%s.new", file);
	f = fopen(tmp, "w");
	if (f == NULL || fprintf(f, "%" PRId64 "\n", last) < 0 ||
	    fclose(f) != 0 || rename(tmp, file) != 0) {
		perror(file);
		return 2;
	}
	start = now_ms(s);
	while (w.ups == 0 && now_ms(s) - start < 30000) {
		w.flag = false;
		spin(s, 200, &w.flag);
	}
	check(w.ups == 1,
	      "the watch says it is back, once, %.1f s after "
	      "the restart began",
	      (double)(now_ms(s) - start) / 1000);
	st = DP_ENOLEADER;
	while (st != DP_OK && now_ms(s) - start < 30000)
		st = put_surely(s, "/q/after", "y", &readbacks);
	wait_events(s, &w, 1);
	check(st == DP_OK && w.n == 1 && strcmp(w.keys[0], "/q/after") == 0,
	      "it sees the first write after the restart, and nothing else "
	      "(%zu events)",
	      w.n);
	etcd_sync_free(s);
	return 0;
}

static int recovered(const char *url, const char *file)
{
	struct etcd_sync *s = open_sync(url, 15000);
	struct etcd_resp *r;
	int64_t before = 0;
	dp_status st;
	FILE *f = fopen(file, "r");

	if (f == NULL || fscanf(f, "%" SCNd64, &before) != 1) {
		fprintf(stderr, "etcd_client: no revision in %s\n", file);
		return 2;
	}
	fclose(f);
	st = put(s, "/q/after", "y", &r);
	check(st == DP_OK && r->revision > before,
	      "a put succeeds again: %s, revision %" PRId64 " after %" PRId64,
	      dp_strerror(st), r->revision, before);
	st = get(s, "/q/", true, &r);
	check(st == DP_OK && r->n_kvs == 2 &&
	              strcmp(r->kvs[0].key, "/q/after") == 0 &&
	              strcmp(r->kvs[1].key, "/q/before") == 0,
	      "nothing was lost, nothing written while it had no leader");
	etcd_sync_free(s);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "basic") == 0)
		rc = basic(argv[2]);
	else if (argc == 6 && strcmp(argv[1], "failover") == 0)
		rc = failover(argv[2], argv + 3);
	else if (argc == 7 && strcmp(argv[1], "quorum") == 0)
		rc = quorum(argv[2], argv[3], argv[4], atoi(argv[5]), argv[6]);
	else if (argc == 4 && strcmp(argv[1], "recovered") == 0)
		rc = recovered(argv[2], argv[3]);
	else
		fprintf(stderr, "usage: etcd_client basic|failover|quorum|"
		                "recovered URL ...\n");
	if (rc != 0)
		return rc;
	printf("etcd_client %s: %d checks, %d failures\n", argv[1], checks,
	       fails);
	return fails == 0 ? 0 : 1;
}
