/*
 * zone.h - the in-memory snapshot of a zone that queries are answered from.
 *
 * A snapshot is immutable once built: a zone_builder collects records,
 * zone_builder_finish() validates them and produces a struct zone whose
 * nodes, names and records all live in one arena.  A zone set groups the
 * snapshots served at one moment; it is reference counted so that worker
 * threads can keep answering from the old set while a reload swaps in a
 * new one.
 *
 * Nodes and RRsets are plain read-only data (the answer code walks them);
 * the zone and zone set themselves are opaque.
 */
#ifndef ZONE_H
#define ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns.h"
#include "dp.h"

/*
 * An RRset: @count records of one type at one owner.  @rdata holds each
 * record's rdata as a 16-bit big-endian length followed by that many
 * bytes, one after the other, uncompressed.
 */
struct zone_rrset {
	uint16_t type;
	uint16_t count;
	uint32_t ttl;
	const uint8_t *rdata;
};

/* A name in the zone, with its RRsets (none for an empty non-terminal). */
struct zone_node {
	const uint8_t *name;             /* wire, case as loaded */
	struct zone_node *next;          /* hash chain */
	const struct zone_node *cut;     /* closest delegation at/above */
	const struct zone_rrset *rrsets; /* sorted by type */
	uint32_t children;               /* nodes one label below */
	uint16_t nrrsets;
	uint8_t namelen;
};

struct zone;
struct zone_builder;
struct zoneset;

/*
 * zone_builder_new - start collecting records for the zone @apex (wire
 * name, copied).  Free with zone_builder_free() unless finished.
 */
struct zone_builder *zone_builder_new(const uint8_t *apex);

/*
 * zone_builder_add - add one record; all buffers are copied.  A record
 * outside the zone is refused with DP_EINVAL and a message in @err.
 * Identical records are kept once.
 */
dp_status zone_builder_add(struct zone_builder *b, const uint8_t *owner,
                           uint16_t type, uint32_t ttl, const uint8_t *rdata,
                           uint16_t rdlen, char *err, size_t errlen);

/*
 * zone_builder_finish - validate the records (one SOA at the apex, no
 * CNAME beside other data) and build the snapshot.  Consumes @b whether
 * it succeeds or not.  On success *@out is owned by the caller (free with
 * zone_free()).
 */
dp_status zone_builder_finish(struct zone_builder *b, struct zone **out,
                              char *err, size_t errlen);

/* zone_builder_free - drop a builder that will not be finished. */
void zone_builder_free(struct zone_builder *b);

/*
 * zone_free - drop a reference to a snapshot; the last one releases it
 * and every arena no other snapshot shares.  Idempotent on NULL.
 */
void zone_free(struct zone *z);

/* zone_ref - take another reference (thread safe). */
struct zone *zone_ref(struct zone *z);

/* zone_apex - the apex node (always present in a finished zone). */
const struct zone_node *zone_apex(const struct zone *z);

/* zone_soa - the apex SOA RRset. */
const struct zone_rrset *zone_soa(const struct zone *z);

/* zone_serial - the SOA serial. */
uint32_t zone_serial(const struct zone *z);

/* zone_rrset_serial - the serial of the SOA RRset @soa (one record). */
uint32_t zone_rrset_serial(const struct zone_rrset *soa);

/* zone_node_count - number of nodes, empty non-terminals included. */
size_t zone_node_count(const struct zone *z);

/* zone_record_count - number of records. */
size_t zone_record_count(const struct zone *z);

/* zone_memory - bytes held by the snapshot. */
size_t zone_memory(const struct zone *z);

/*
 * zone_find - the node of exactly @name (case-insensitive), or NULL.
 */
const struct zone_node *zone_find(const struct zone *z, const uint8_t *name,
                                  size_t len);

/*
 * zone_walk - call @fn(@arg, node) for every node of @z, in no particular
 * order, until it returns false.
 */
void zone_walk(const struct zone *z,
               bool (*fn)(void *arg, const struct zone_node *node), void *arg);

/*
 * zone_node_rrset - the RRset of @type at @node, or NULL.
 */
const struct zone_rrset *zone_node_rrset(const struct zone_node *node,
                                         uint16_t type);

/*
 * Names not ready: owner names the zone holds no answer of its own for
 * yet (a guarded endpoint without an address, waiting for its writer).
 * The guard chooses them when a snapshot is built (guard.c); the query
 * path answers them SERVFAIL with "Not Ready" (answer.c).  The list
 * belongs to the snapshot, not to its nodes: each new snapshot starts
 * without one.
 */

/*
 * zone_add_not_ready - add @name (wire, @len bytes; copied) to the names
 * not ready of @z.  Only while @z is not yet shared: after
 * zone_builder_finish() or zone_edit_commit(), before it is served.
 * Adding a name twice keeps it once.
 */
void zone_add_not_ready(struct zone *z, const uint8_t *name, size_t len);

/*
 * zone_not_ready - is @name (case-insensitive) one of the names not ready
 * of @z?  No allocation; a binary search of a list that is usually empty.
 */
bool zone_not_ready(const struct zone *z, const uint8_t *name, size_t len);

/* zone_not_ready_count - how many names of @z are not ready. */
size_t zone_not_ready_count(const struct zone *z);

/*
 * Editing.  A struct zone_edit collects RRset replacements on top of a
 * snapshot without changing it; zone_edit_commit() produces the next
 * snapshot, sharing every untouched node with the base (copy on write),
 * so a small change to a large zone costs little.  Prerequisite checks
 * read through the edit, so they see the changes made so far.
 */
struct zone_edit;

/* zone_edit_new - start editing @base (which must outlive the edit). */
struct zone_edit *zone_edit_new(const struct zone *base);

/* zone_edit_free - drop an edit.  Idempotent on NULL. */
void zone_edit_free(struct zone_edit *e);

/* zone_edit_base - the snapshot the edit started from. */
const struct zone *zone_edit_base(const struct zone_edit *e);

/*
 * zone_edit_get - the current RRset of @type at @name, as edited so far.
 * Returns false when there is none.  *@out points into the edit or the
 * base and stays valid until the edit changes that RRset again.
 */
bool zone_edit_get(const struct zone_edit *e, const uint8_t *name, size_t len,
                   uint16_t type, struct zone_rrset *out);

/*
 * zone_edit_types - the types that have records at @name, as edited so
 * far: the first @max of them into @types (NULL when @max is 0).
 * Returns how many there are, all of them: no bound but the 65,536 types
 * (call again with room for that many to have them all).
 */
size_t zone_edit_types(const struct zone_edit *e, const uint8_t *name,
                       size_t len, uint16_t *types, size_t max);

/*
 * zone_edit_put - make the RRset of @type at @name hold @count records
 * (@rdata as in struct zone_rrset, @rdlen bytes; copied), or delete it
 * when @count is 0.  @name must lie in the zone.
 */
void zone_edit_put(struct zone_edit *e, const uint8_t *name, size_t len,
                   uint16_t type, uint32_t ttl, uint16_t count,
                   const uint8_t *rdata, size_t rdlen);

/* zone_edit_mark / zone_edit_rollback - undo what was put since a mark. */
size_t zone_edit_mark(const struct zone_edit *e);
void zone_edit_rollback(struct zone_edit *e, size_t mark);

/*
 * zone_edit_changed_since - has what was put since @mark (from
 * zone_edit_mark()) changed any RRset, as a whole?  An add undone by a
 * delete in the same update is no change (RFC 2136 3.7: no change, no new
 * serial).
 */
bool zone_edit_changed_since(const struct zone_edit *e, size_t mark);

/*
 * zone_edit_serial - the SOA serial of the zone as edited so far, into
 * *@serial; false when it has no well-formed SOA.
 */
bool zone_edit_serial(const struct zone_edit *e, uint32_t *serial);

/* zone_edit_bump_serial - raise the SOA serial by one (RFC 1982: wraps). */
void zone_edit_bump_serial(struct zone_edit *e);

/*
 * One RRset a commit changed: what it was and what it is now (count 0
 * for none).  Pointers are into the old and new snapshots.
 */
struct zone_change {
	const uint8_t *name;
	uint8_t namelen;
	uint16_t type;
	struct zone_rrset before, after;
};

/*
 * zone_edit_commit - build the next snapshot from the base and the edit.
 * On success *@out is a new snapshot owned by the caller and *@changes /
 * *@nchanges (owned by the caller, free()) list every RRset that differs,
 * sorted by name and type.  Fails with DP_EINVAL and @err when the result
 * is not a valid zone (no SOA, CNAME beside other data).
 */
dp_status zone_edit_commit(struct zone_edit *e, struct zone **out,
                           struct zone_change **changes, size_t *nchanges,
                           char *err, size_t errlen);

/*
 * zoneset_new - an empty zone set with one reference, owned by the caller.
 */
struct zoneset *zoneset_new(void);

/*
 * zoneset_add - add @z to the set, which takes ownership of it.  A zone of
 * the same name as one already in the set is refused (DP_EEXIST) and
 * freed.
 */
dp_status zoneset_add(struct zoneset *zs, struct zone *z);

/*
 * zoneset_find - the zone with the longest apex that encloses @name, or
 * NULL when the name is in no zone.
 */
const struct zone *zoneset_find(const struct zoneset *zs, const uint8_t *name,
                                size_t len);

/*
 * zoneset_replace - a new set holding @zs's zones with @z in place of the
 * zone of the same name.  Takes ownership of @z; @zs is unchanged.  The
 * result has one reference owned by the caller.
 */
struct zoneset *zoneset_replace(const struct zoneset *zs, struct zone *z);

/* zoneset_count - the number of zones. */
size_t zoneset_count(const struct zoneset *zs);

/* zoneset_zone - the zone at index @i (0 <= i < count). */
const struct zone *zoneset_zone(const struct zoneset *zs, size_t i);

/*
 * zoneset_ref / zoneset_unref - take and drop a reference (thread safe).
 * The last unref frees the set and its zones.
 */
struct zoneset *zoneset_ref(struct zoneset *zs);
void zoneset_unref(struct zoneset *zs);

#endif /* ZONE_H */
