/*
 * zones.c - build the served zone set from the settings and the store.
 */
#include <stdio.h>

#include "log.h"
#include "zones.h"

dp_status zones_load(const struct authd_settings *s, struct zonestore *store,
                     struct zoneset **out, char *err, size_t errlen)
{
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
