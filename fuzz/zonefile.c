/*
 * zonefile.c - fuzz target: zone-file import.
 *
 * The input is a zone file.  Its apex is the name of its first $ORIGIN
 * line (example.test. when it has none), as authd's settings would name
 * it.  The file is parsed and validated the way authd reads it
 * (zonestore_parse_file(): ldns, then the zone builder); a file that
 * passes is imported into a new in-memory zone store
 * (zonestore_import_file(), the function authd runs at start and reload)
 * and loaded back, and the loaded zone must hold what the file did.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "zonestore.h"

/* The apex: the first "$ORIGIN NAME" of @data, or example.test. */
static void apex_of(const uint8_t *data, size_t size, char *apex, size_t len)
{
	static const char tag[] = "$ORIGIN";
	snprintf(apex, len, "example.test.");
	for (size_t i = 0; i + sizeof(tag) < size; i++) {
		if ((i > 0 && data[i - 1] != '\n') ||
		    memcmp(data + i, tag, sizeof(tag) - 1) != 0)
			continue;
		size_t p = i + sizeof(tag) - 1, n = 0;
		while (p < size && (data[p] == ' ' || data[p] == '\t'))
			p++;
		while (p + n < size && n + 1 < len && data[p + n] > ' ' &&
		       data[p + n] != ';')
			n++;
		if (n > 0) {
			memcpy(apex, data + p, n);
			apex[n] = '\0';
		}
		return;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool quiet;
	if (!quiet) {
		fuzz_quiet();
		quiet = true;
	}
	char apex[256], err[1024];
	apex_of(data, size, apex, sizeof(apex));
	const char *path = fuzz_memfile(data, size);
	struct zone *z = NULL;
	if (zonestore_parse_file(apex, path, &z, err, sizeof(err)) != DP_OK)
		return 0;

	struct zonestore *store;
	if (zonestore_open(":memory:", &store, err, sizeof(err)) != DP_OK)
		fuzz_fail("cannot open a store: %s", err);
	enum zonestore_import what;
	struct zone *loaded = NULL;
	if (zonestore_import_file(store, apex, path, &what, err, sizeof(err)) !=
	    DP_OK)
		fuzz_fail("a zone that parses is not imported: %s", err);
	if (what != ZONESTORE_IMPORTED_NEW)
		fuzz_fail("import into an empty store: %d", (int)what);
	if (zonestore_load(store, apex, &loaded, err, sizeof(err)) != DP_OK)
		fuzz_fail("an imported zone does not load: %s", err);
	if (zone_serial(loaded) != zone_serial(z) ||
	    zone_record_count(loaded) != zone_record_count(z) ||
	    zone_node_count(loaded) != zone_node_count(z))
		fuzz_fail("the stored zone differs: serial %u/%u, records "
		          "%zu/%zu, names %zu/%zu",
		          zone_serial(loaded), zone_serial(z),
		          zone_record_count(loaded), zone_record_count(z),
		          zone_node_count(loaded), zone_node_count(z));
	zone_free(loaded);
	zonestore_close(store);
	zone_free(z);
	return 0;
}
