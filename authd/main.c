/*
 * main.c - authd: arguments, settings, wiring and reload.
 *
 * authd serves its zones from in-memory snapshots, keeps them durable in
 * an SQLite zone store under --state-dir, and answers UDP and TCP queries
 * on every --listen address.  SIGHUP re-reads the settings and the zone
 * files (parse, validate, swap; on error the old zones keep serving);
 * SIGTERM stops it.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dp.h"
#include "failover.h"
#include "log.h"
#include "sdnotify.h"
#include "keys.h"
#include "notify.h"
#include "server.h"
#include "settings.h"
#include "update.h"
#include "updater.h"
#include "xalloc.h"
#include "xfrout.h"
#include "zones.h"
#include "zonestore.h"

struct authd {
	const char *config_file; /* -c, or NULL */
	int argc;                /* the settings part of the command line */
	char **argv;
	struct authd_settings settings;
	struct zonestore *store;
	struct listen_addr *addrs;
	size_t naddrs;
	struct updater *updater;
	struct server *srv;
	struct xfrout *xfr;
	struct notify *notify;
	struct failover_watch fw; /* which endpoints are on their backup */
};

/* The failover rules of @s into @f (settings checked them already). */
static int parse_failover(const struct authd_settings *s, struct failover *f,
                          char *err, size_t errlen)
{
	for (size_t i = 0; i < s->failover.n; i++) {
		if (failover_parse(f, s->failover.v[i], err, errlen) != 0) {
			failover_free(f);
			return -1;
		}
	}
	return 0;
}

/*
 * Build the keyring and the guard of @s.  On success the caller owns
 * *@keys and @g's rules.
 */
static int load_policy(const struct authd_settings *s, struct keyring **keys,
                       struct guard *g, char *err, size_t errlen)
{
	struct keyring *kr = keyring_new();
	memset(g, 0, sizeof(*g));
	g->enabled = s->guard_enabled;
	g->empty = (enum guard_empty)s->guard_empty_answer;
	for (size_t i = 0; i < s->key.n; i++) {
		if (keyring_load_file(kr, s->key.v[i], err, errlen) != DP_OK)
			goto fail;
	}
	for (size_t i = 0; i < s->policy.n; i++) {
		if (keyring_add_rule(kr, s->policy.v[i], err, errlen) != DP_OK)
			goto fail;
	}
	for (size_t i = 0; i < s->guard.n; i++) {
		if (guard_parse(g, s->guard.v[i]) != 0) {
			snprintf(err, errlen, "guard '%s': bad value",
			         s->guard.v[i]);
			goto fail;
		}
	}
	for (size_t i = 0; i < s->fence_override.n; i++) {
		const char *kn = s->fence_override.v[i];
		uint8_t w[DNAME_MAXLEN];
		int wl = dname_from_str(kn, w);
		if (wl < 0 || keyring_find(kr, w, (size_t)wl) == NULL) {
			snprintf(
			        err, errlen,
			        "fence-override %s: no such key (load its file "
			        "with key FILE)",
			        kn);
			goto fail;
		}
		guard_add_override(g, kn);
	}
	if (parse_failover(s, &g->failover, err, errlen) != 0)
		goto fail;
	*keys = kr;
	return 0;
fail:
	keyring_free(kr);
	guard_free(g);
	return -1;
}

static struct zoneset *hook_acquire(void *arg)
{
	const struct authd *a = arg;
	return server_zones(a->srv);
}

/* Serve @zs (taking its reference) and notify the secondaries. */
static void publish(struct authd *a, struct zoneset *zs)
{
	struct zoneset *before = server_zones(a->srv);
	zoneset_ref(zs);
	server_set_zones(a->srv, zs);
	failover_watch_publish(&a->fw, zs);
	notify_changes(a->notify, before, zs);
	zoneset_unref(before);
	zoneset_unref(zs);
}

static void hook_publish(void *arg, struct zoneset *zs)
{
	publish(arg, zs);
}

/*
 * Build settings from defaults, the file and the command line into @s.
 * Returns 0, or -1 with @err naming the file, line and key.
 */
static int read_settings(const struct authd *a, struct authd_settings *s,
                         char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	return cfg_read(authd_options, s, a->config_file, a->argc, a->argv, err,
	                errlen);
}

static int parse_addrs(const struct authd_settings *s, struct listen_addr **out,
                       size_t *n, char *err, size_t errlen)
{
	struct listen_addr *addrs =
	        xcalloc(s->listen.n ? s->listen.n : 1, sizeof(*addrs));
	for (size_t i = 0; i < s->listen.n; i++) {
		if (settings_parse_listen(s->listen.v[i], &addrs[i]) != 0) {
			snprintf(err, errlen, "listen '%s': bad address",
			         s->listen.v[i]);
			free(addrs);
			return -1;
		}
	}
	*out = addrs;
	*n = s->listen.n;
	return 0;
}

static void apply_log_level(const struct authd_settings *s)
{
	log_init("authd", (enum log_level)s->log_level);
}

static void reload(struct server *srv, void *arg)
{
	struct authd *a = arg;
	(void)srv; /* a->srv, the same */
	char err[1024];
	struct authd_settings s;
	struct zoneset *zs = NULL;
	sdnotify_reloading();
	log_notice("SIGHUP received, reloading settings and zones");
	struct keyring *keys = NULL;
	struct guard guard = {0};
	struct xfr_policy *xpol = NULL;
	updater_lock(a->updater);
	if (read_settings(a, &s, err, sizeof(err)) != 0) {
		log_err("reload failed, keeping the old settings: %s", err);
		goto out;
	}
	if (load_policy(&s, &keys, &guard, err, sizeof(err)) != 0) {
		log_err("reload failed, keeping the old keys: %s", err);
		goto out;
	}
	if (xfr_policy_load(&s, &xpol, err, sizeof(err)) != DP_OK) {
		log_err("reload failed, keeping the old settings: %s", err);
		goto out;
	}
	if (zones_load(&s, a->store, &guard, &zs, err, sizeof(err)) != DP_OK) {
		log_err("reload failed, keeping the old zones: %s", err);
		goto out;
	}
	/* The watch takes the new rules, as served until now. */
	struct failover fo = {0};
	parse_failover(&s, &fo, err, sizeof(err));
	struct zoneset *served = server_zones(a->srv);
	failover_watch_rules(&a->fw, &fo, served);
	zoneset_unref(served);
	updater_set_policy(a->updater, keys, &guard);
	keys = NULL;
	xfrout_set_policy(a->xfr, xfr_policy_ref(xpol));
	notify_set_policy(a->notify, xpol);
	xpol = NULL;
	bool same = s.listen.n == a->settings.listen.n;
	for (size_t i = 0; same && i < s.listen.n; i++)
		same = strcmp(s.listen.v[i], a->settings.listen.v[i]) == 0;
	if (!same || s.workers != a->settings.workers ||
	    strcmp(s.state_dir, a->settings.state_dir) != 0)
		log_warning("listen, workers and state-dir take effect only "
		            "at restart");
	log_notice("reloaded: %zu zones", zoneset_count(zs));
	publish(a, zs);
	apply_log_level(&s);
	/* Keep the new settings except what needs a restart. */
	struct cfg_list keep = a->settings.listen;
	a->settings.listen = s.listen;
	s.listen = keep;
	cfg_free(authd_options, &a->settings);
	a->settings = s;
	a->settings.listen = keep;
	memset(&s, 0, sizeof(s));
	malloc_trim(0);
out:
	updater_unlock(a->updater);
	keyring_free(keys);
	guard_free(&guard);
	xfr_policy_unref(xpol);
	cfg_free(authd_options, &s);
	sdnotify_ready("reloaded");
}

static int ensure_dir(const char *path, char *err, size_t errlen)
{
	struct stat sb;
	if (stat(path, &sb) == 0) {
		if (!S_ISDIR(sb.st_mode)) {
			snprintf(err, errlen, "state-dir %s: not a directory",
			         path);
			return -1;
		}
		return 0;
	}
	if (mkdir(path, 0750) != 0) {
		snprintf(err, errlen, "state-dir %s: cannot create: %s", path,
		         strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct authd a;
	struct server *srv = NULL;
	struct zoneset *zs = NULL;
	char err[1024];
	bool check_only = false, verbose = false;
	int status = 1;
	struct keyring *keys = NULL;
	struct guard guard = {0};
	struct xfr_policy *xpol = NULL;
	char *dbpath = NULL;

	memset(&a, 0, sizeof(a));
	failover_watch_init(&a.fw);
	log_init("authd", LOG_LEVEL_INFO);

	/* Short options come first; the rest are --settings. */
	struct cfg_flags fl;
	int rc0 = cfg_daemon_flags("authd", DP_VERSION,
	                           "the settings and zone files", authd_options,
	                           argc, argv, &fl);
	if (rc0 >= 0) {
		failover_watch_free(&a.fw);
		return rc0;
	}
	a.config_file = fl.config_file;
	check_only = fl.check_only;
	verbose = fl.verbose;
	int i = fl.next;
	a.argc = argc - i;
	a.argv = argv + i;

	if (read_settings(&a, &a.settings, err, sizeof(err)) != 0) {
		log_err("%s", err);
		goto out;
	}
	apply_log_level(&a.settings);
	if (parse_addrs(&a.settings, &a.addrs, &a.naddrs, err, sizeof(err)) !=
	    0) {
		log_err("%s", err);
		goto out;
	}
	if (load_policy(&a.settings, &keys, &guard, err, sizeof(err)) != 0 ||
	    xfr_policy_load(&a.settings, &xpol, err, sizeof(err)) != DP_OK) {
		log_err("%s", err);
		goto out;
	}
	if (check_only && zones_check(&a.settings, err, sizeof(err)) != DP_OK) {
		log_err("%s", err);
		goto out;
	}
	if (verbose) {
		cfg_print(authd_options, &a.settings, stdout);
		fflush(stdout);
	} else if (check_only) {
		printf("authd: settings%s%s and %zu zone files are valid\n",
		       a.config_file ? " in " : "",
		       a.config_file ? a.config_file : "", a.settings.zone.n);
	}
	if (check_only) {
		status = 0;
		goto out;
	}
	if (a.settings.zone.n == 0)
		log_warning("no zones configured; every query gets REFUSED");

	if (ensure_dir(a.settings.state_dir, err, sizeof(err)) != 0) {
		log_err("%s", err);
		goto out;
	}
	dbpath = xasprintf("%s/zones.db", a.settings.state_dir);
	dp_status rc = zonestore_open(dbpath, &a.store, err, sizeof(err));
	if (rc != DP_OK) {
		log_err("%s", err);
		goto out;
	}
	if (zones_load(&a.settings, a.store, &guard, &zs, err, sizeof(err)) !=
	    DP_OK) {
		log_err("%s", err);
		goto out;
	}
	struct failover fo = {0};
	parse_failover(&a.settings, &fo, err, sizeof(err));
	failover_watch_rules(&a.fw, &fo, NULL);
	failover_watch_publish(&a.fw, zs); /* logs what starts on backup */
	/* Return the zone file parser's memory to the system. */
	malloc_trim(0);

	struct server_config cfg = {
	        .addrs = a.addrs,
	        .naddrs = a.naddrs,
	        .workers = (int)a.settings.workers,
	        .max_udp_payload = (int)a.settings.max_udp_payload,
	        .tcp_idle_timeout = (int)a.settings.tcp_idle_timeout,
	        .tcp_max_clients = (int)a.settings.tcp_max_clients,
	        .socket_buffer = (int)a.settings.socket_buffer,
	        .minimal_responses = a.settings.minimal_responses,
	        .weighted_answers = (int)a.settings.weighted_answers,
	};
	struct listen_addr metrics;
	if (a.settings.metrics_listen != NULL) {
		settings_parse_listen(a.settings.metrics_listen, &metrics);
		cfg.metrics = &metrics;
	}
	size_t nzones = zoneset_count(zs);
	rc = server_new(&cfg, zs, reload, &a, &srv, err, sizeof(err));
	zs = NULL; /* the server owns it, even on failure */
	if (rc != DP_OK) {
		log_err("%s", err);
		goto out;
	}
	a.srv = srv;
	signal(SIGPIPE, SIG_IGN);
	a.notify = notify_new(xfr_policy_ref(xpol));
	a.xfr = xfrout_new(dbpath, (uint16_t)a.settings.max_udp_payload,
	                   hook_acquire, &a, xpol);
	xpol = NULL;
	if (server_set_notify(srv, a.notify, err, sizeof(err)) != DP_OK ||
	    xfrout_start(a.xfr, err, sizeof(err)) != DP_OK) {
		log_err("%s", err);
		goto out;
	}
	server_set_xfrout(srv, a.xfr);
	server_set_failover(srv, &a.fw);
	/* As BIND does on loading a zone: tell the secondaries, which may
	 * hold an older copy (a zone file or a failover taken in at start). */
	struct zoneset *now = server_zones(srv);
	notify_changes(a.notify, NULL, now);
	zoneset_unref(now);
	struct updater_hooks hooks = {hook_acquire, hook_publish, &a};
	a.updater = updater_new(a.store, keys, &guard,
	                        (unsigned)a.settings.journal_size, &hooks);
	keys = NULL;
	if (updater_start(a.updater) != DP_OK) {
		log_err("cannot start the update thread");
		goto out;
	}
	server_set_updater(srv, a.updater);

	char where[512] = "";
	size_t n = 0;
	for (size_t k = 0; k < a.naddrs && n < sizeof(where); k++)
		n += (size_t)snprintf(where + n, sizeof(where) - n, "%s%s",
		                      k ? " " : "", a.addrs[k].text);
	log_notice("ready: %zu zones, UDP and TCP on %s, %ld workers, %zu "
	           "keys, %zu guarded names%s",
	           nzones, where, a.settings.workers, a.settings.key.n,
	           a.settings.guard.n,
	           a.settings.guard_enabled ? "" : " (guard off)");
	sdnotify_ready("serving");
	if (server_run(srv) == DP_OK)
		status = 0;
	/* Answer the updates still queued before the sockets go. */
	updater_stop(a.updater);
	xfrout_stop(a.xfr);
	log_notice("stopped");
out:
	updater_stop(a.updater);
	xfrout_stop(a.xfr);
	server_free(srv);
	failover_watch_free(&a.fw);
	updater_free(a.updater);
	xfrout_free(a.xfr);
	notify_free(a.notify);
	xfr_policy_unref(xpol);
	free(dbpath);
	keyring_free(keys);
	guard_free(&guard);
	zoneset_unref(zs);
	zonestore_close(a.store);
	free(a.addrs);
	cfg_free(authd_options, &a.settings);
	return status;
}
