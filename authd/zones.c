/*
 * zones.c - build the served zone set from the settings and the store.
 */
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "zones.h"

/*
 * The failover rules of @fo on the loaded zone *@z: when they change it,
 * commit the change to @store (journalled) and serve the new snapshot.
 */
static dp_status load_failover(struct zonestore *store, struct zone **z,
                               const struct failover *fo, unsigned keep,
                               char *err, size_t errlen)
{
	struct zone_edit *e = zone_edit_new(*z);
	if (failover_apply(fo, e) == 0 || !zone_edit_changed_since(e, 0)) {
		zone_edit_free(e);
		return DP_OK;
	}
	zone_edit_bump_serial(e);
	struct zone *next = NULL;
	struct zone_change *ch = NULL;
	size_t nch = 0;
	dp_status rc = zone_edit_commit(e, &next, &ch, &nch, err, errlen);
	zone_edit_free(e);
	if (rc == DP_OK)
		rc = zonestore_begin(store, err, errlen);
	if (rc == DP_OK) {
		rc = zonestore_commit(store, next, zone_serial(*z), ch, nch,
		                      keep, err, errlen);
		char e2[256];
		if (zonestore_end(store, rc == DP_OK, e2, sizeof(e2)) !=
		            DP_OK &&
		    rc == DP_OK) {
			snprintf(err, errlen, "%s", e2);
			rc = DP_EIO;
		}
	}
	free(ch);
	if (rc != DP_OK) {
		zone_free(next);
		return rc;
	}
	zone_free(*z);
	*z = next;
	return DP_OK;
}

dp_status zones_load(const struct authd_settings *s, struct zonestore *store,
                     const struct guard *g, struct zoneset **out, char *err,
                     size_t errlen)
{
	const struct failover *fo = g != NULL ? &g->failover : NULL;
	struct zoneset *zs = zoneset_new();
	dp_status rc = DP_OK;
	for (size_t i = 0; i < s->zone.n; i++) {
		char name[1024];
		const char *file;
		if (settings_split_zone(s->zone.v[i], name, sizeof(name),
		                        &file) != 0) {
			snprintf(err, errlen, "zone '%s': bad name",
			         s->zone.v[i]);
			rc = DP_EINVAL;
			break;
		}
		if (file != NULL) {
			enum zonestore_import what;
			rc = zonestore_import_file(store, name, file, &what,
			                           err, errlen);
			if (rc != DP_OK)
				break;
			if (what == ZONESTORE_IMPORTED_NEW ||
			    what == ZONESTORE_IMPORTED_NEWER)
				log_info("zone %s: imported %s into the store",
				         name, file);
		}
		struct zone *z;
		rc = zonestore_load(store, name, &z, err, errlen);
		if (rc != DP_OK)
			break;
		if (fo != NULL && (rc = load_failover(store, &z, fo,
		                                      (unsigned)s->journal_size,
		                                      err, errlen)) != DP_OK) {
			zone_free(z);
			break;
		}
		if (g != NULL) {
			guard_warn_empty(g, z);
			guard_mark_not_ready(g, z);
		}
		log_info("zone %s: serial %u, %zu records, %zu names, %zu "
		         "bytes",
		         name, zone_serial(z), zone_record_count(z),
		         zone_node_count(z), zone_memory(z));
		if (zoneset_add(zs, z) != DP_OK) {
			snprintf(err, errlen, "zone %s: configured twice",
			         name);
			rc = DP_EEXIST;
			break;
		}
	}
	if (rc != DP_OK) {
		zoneset_unref(zs);
		return rc;
	}
	*out = zs;
	return DP_OK;
}

dp_status zones_check(const struct authd_settings *s, char *err, size_t errlen)
{
	for (size_t i = 0; i < s->zone.n; i++) {
		char name[1024];
		const char *file;
		if (settings_split_zone(s->zone.v[i], name, sizeof(name),
		                        &file) != 0) {
			snprintf(err, errlen, "zone '%s': bad name",
			         s->zone.v[i]);
			return DP_EINVAL;
		}
		if (file == NULL)
			continue;
		struct zone *z;
		dp_status rc =
		        zonestore_parse_file(name, file, &z, err, errlen);
		if (rc != DP_OK)
			return rc;
		zone_free(z);
	}
	return DP_OK;
}
