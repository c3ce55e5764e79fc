/*
 * zones.h - from settings to a zone set: import each configured zone file
 * into the store when it is new or newer, then build every snapshot.
 */
#ifndef ZONES_H
#define ZONES_H

#include <stdbool.h>
#include <stddef.h>

#include "dp.h"
#include "failover.h"
#include "settings.h"
#include "zone.h"
#include "guard.h"
#include "zonestore.h"

/*
 * zones_load - import and load every zone of @s.  All or nothing: on
 * failure no zone set is returned and @err names the zone and file (the
 * store may already hold zones imported before the failing one, each in
 * its own transaction, which is harmless: they are complete).  A zone
 * that leaves an endpoint of @g's failover rules without an address gets
 * its backup records here, as a change of its own (committed,
 * journalled, the serial raised), before it is served; a guarded
 * endpoint still without one is logged (guard_warn_empty()) and marked
 * not ready (guard_mark_not_ready()).  On success
 * *@out holds one reference owned by the caller.
 */
dp_status zones_load(const struct authd_settings *s, struct zonestore *store,
                     const struct guard *g, struct zoneset **out, char *err,
                     size_t errlen);

/*
 * zones_check - parse and validate every zone file of @s without a store
 * (for authd -n).
 */
dp_status zones_check(const struct authd_settings *s, char *err, size_t errlen);

#endif /* ZONES_H */
