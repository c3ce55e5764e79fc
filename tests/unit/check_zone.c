/*
 * check_zone.c - unit tests of snapshot building and lookup.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dname.h"
#include "zone.h"
#include "zonestore.h"
#include "unit.h"

static const uint8_t soa_rdata[] = {
        /* ns1.t. h.t. 1 2 3 4 5 */
        3, 'n', 's', '1', 1, 't', 0, 1, 'h', 1, 't', 0, 0, 0, 0, 1,
        0, 0,   0,   2,   0, 0,   0, 3, 0,   0, 0,   4, 0, 0, 0, 5};

static struct zone_builder *builder(void)
{
	uint8_t apex[DNAME_MAXLEN];
	dname_from_str("t.", apex);
	struct zone_builder *b = zone_builder_new(apex);
	char err[256];
	ck_assert_int_eq(zone_builder_add(b, apex, RR_TYPE_SOA, 60, soa_rdata,
	                                  sizeof(soa_rdata), err, sizeof(err)),
	                 DP_OK);
	return b;
}

static void add(struct zone_builder *b, const char *owner, uint16_t type,
                const uint8_t *rd, uint16_t rdlen)
{
	uint8_t o[DNAME_MAXLEN];
	char err[256];
	ck_assert_int_ge(dname_from_str(owner, o), 1);
	ck_assert_int_eq(
	        zone_builder_add(b, o, type, 300, rd, rdlen, err, sizeof(err)),
	        DP_OK);
}

static const struct zone_node *find(const struct zone *z, const char *name)
{
	uint8_t w[DNAME_MAXLEN];
	int n = dname_from_str(name, w);
	return zone_find(z, w, (size_t)n);
}

START_TEST(test_build_and_find)
{
	struct zone_builder *b = builder();
	static const uint8_t a1[] = {192, 0, 2, 1}, a2[] = {192, 0, 2, 2};
	add(b, "x.y.z.t.", RR_TYPE_A, a1, 4);
	add(b, "x.y.z.t.", RR_TYPE_A, a2, 4);
	add(b, "x.y.z.t.", RR_TYPE_A, a1, 4); /* duplicate, kept once */
	struct zone *z;
	char err[256];
	ck_assert_int_eq(zone_builder_finish(b, &z, err, sizeof(err)), DP_OK);
	ck_assert_uint_eq(zone_serial(z), 1);
	ck_assert_uint_eq(zone_record_count(z), 3);
	const struct zone_node *n = find(z, "X.Y.Z.T.");
	ck_assert_ptr_nonnull(n);
	const struct zone_rrset *rs = zone_node_rrset(n, RR_TYPE_A);
	ck_assert_ptr_nonnull(rs);
	ck_assert_int_eq(rs->count, 2);
	/* Empty non-terminals exist and hold nothing. */
	n = find(z, "y.z.t.");
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(n->nrrsets, 0);
	ck_assert_ptr_nonnull(find(z, "z.t."));
	ck_assert_ptr_null(find(z, "w.z.t."));
	ck_assert_uint_eq(zone_node_count(z), 4);
	zone_free(z);
}
END_TEST

START_TEST(test_cuts)
{
	struct zone_builder *b = builder();
	static const uint8_t ns[] = {2, 'n', 's', 3, 's', 'u', 'b', 1, 't', 0};
	static const uint8_t a1[] = {192, 0, 2, 1};
	add(b, "sub.t.", RR_TYPE_NS, ns, sizeof(ns));
	add(b, "ns.sub.t.", RR_TYPE_A, a1, 4);
	add(b, "deep.below.sub.t.", RR_TYPE_A, a1, 4);
	add(b, "www.t.", RR_TYPE_A, a1, 4);
	struct zone *z;
	char err[256];
	ck_assert_int_eq(zone_builder_finish(b, &z, err, sizeof(err)), DP_OK);
	const struct zone_node *cut = find(z, "sub.t.");
	ck_assert_ptr_eq(cut->cut, cut);
	ck_assert_ptr_eq(find(z, "ns.sub.t.")->cut, cut);
	ck_assert_ptr_eq(find(z, "below.sub.t.")->cut, cut);
	ck_assert_ptr_eq(find(z, "deep.below.sub.t.")->cut, cut);
	ck_assert_ptr_null(find(z, "www.t.")->cut);
	ck_assert_ptr_null(zone_apex(z)->cut);
	zone_free(z);
}
END_TEST

START_TEST(test_invalid)
{
	char err[256];
	struct zone *z = NULL;
	static const uint8_t a1[] = {192, 0, 2, 1};
	static const uint8_t target[] = {1, 'x', 1, 't', 0};

	/* No SOA. */
	uint8_t apex[DNAME_MAXLEN];
	dname_from_str("t.", apex);
	struct zone_builder *b = zone_builder_new(apex);
	add(b, "www.t.", RR_TYPE_A, a1, 4);
	ck_assert_int_eq(zone_builder_finish(b, &z, err, sizeof(err)),
	                 DP_EINVAL);
	ck_assert_msg(strstr(err, "SOA") != NULL, "%s", err);

	/* No record at all (an empty zone file). */
	b = zone_builder_new(apex);
	ck_assert_int_eq(zone_builder_finish(b, &z, err, sizeof(err)),
	                 DP_EINVAL);
	ck_assert_msg(strstr(err, "SOA") != NULL, "%s", err);

	/* CNAME and other data. */
	b = builder();
	add(b, "www.t.", RR_TYPE_A, a1, 4);
	add(b, "www.t.", RR_TYPE_CNAME, target, sizeof(target));
	ck_assert_int_eq(zone_builder_finish(b, &z, err, sizeof(err)),
	                 DP_EINVAL);
	ck_assert_msg(strstr(err, "CNAME and other data") != NULL, "%s", err);

	/* Outside the zone. */
	b = builder();
	uint8_t o[DNAME_MAXLEN];
	dname_from_str("www.other.", o);
	ck_assert_int_eq(
	        zone_builder_add(b, o, RR_TYPE_A, 1, a1, 4, err, sizeof(err)),
	        DP_EINVAL);
	ck_assert_msg(strstr(err, "outside the zone") != NULL, "%s", err);
	zone_builder_free(b);
}
END_TEST

START_TEST(test_zoneset_longest_match)
{
	struct zoneset *zs = zoneset_new();
	struct zone *parent, *child;
	char err[512];
	ck_assert_int_eq(zonestore_parse_file("example.test.",
	                                      "tests/zones/example.test.zone",
	                                      &parent, err, sizeof(err)),
	                 DP_OK);
	ck_assert_int_eq(zonestore_parse_file("big.test.",
	                                      "tests/zones/big.test.zone",
	                                      &child, err, sizeof(err)),
	                 DP_OK);
	ck_assert_int_eq(zoneset_add(zs, parent), DP_OK);
	ck_assert_int_eq(zoneset_add(zs, child), DP_OK);
	uint8_t w[DNAME_MAXLEN];
	int n = dname_from_str("a.b.BIG.test.", w);
	ck_assert_ptr_eq(zoneset_find(zs, w, (size_t)n), child);
	n = dname_from_str("test.", w);
	ck_assert_ptr_null(zoneset_find(zs, w, (size_t)n));
	struct zone *again;
	ck_assert_int_eq(zonestore_parse_file("big.test.",
	                                      "tests/zones/big.test.zone",
	                                      &again, err, sizeof(err)),
	                 DP_OK);
	ck_assert_int_eq(zoneset_add(zs, again), DP_EEXIST);
	zoneset_unref(zoneset_ref(zs));
	zoneset_unref(zs);
}
END_TEST

static void put_a(struct zone_edit *e, const char *name, uint8_t last)
{
	uint8_t w[DNAME_MAXLEN];
	int n = dname_from_str(name, w);
	uint8_t rd[] = {0, 4, 192, 0, 2, last};
	zone_edit_put(e, w, (size_t)n, RR_TYPE_A, 60, last ? 1 : 0, rd,
	              last ? sizeof(rd) : 0);
}

/* Is @name (presentation) not ready in @z? */
static bool not_ready(const struct zone *z, const char *name)
{
	uint8_t w[DNAME_MAXLEN];
	int n = dname_from_str(name, w);
	return zone_not_ready(z, w, (size_t)n);
}

static void mark(struct zone *z, const char *name)
{
	uint8_t w[DNAME_MAXLEN];
	int n = dname_from_str(name, w);
	zone_add_not_ready(z, w, (size_t)n);
}

START_TEST(test_not_ready)
{
	struct zone *z;
	char err[256];
	ck_assert_int_eq(zone_builder_finish(builder(), &z, err, sizeof(err)),
	                 DP_OK);
	ck_assert(!not_ready(z, "a.t."));
	/* Out of order, in mixed case, one twice: kept once, sorted. */
	static const char *const names[] = {"zz.t.",        "B.t.", "a.t.",
	                                    "long.name.t.", "b.T.", "c.t."};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		mark(z, names[i]);
	ck_assert_uint_eq(zone_not_ready_count(z), 5);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ck_assert(not_ready(z, names[i]));
	ck_assert(not_ready(z, "LONG.Name.t."));
	ck_assert(!not_ready(z, "x.a.t.")); /* below one: no */
	ck_assert(!not_ready(z, "t."));     /* above */
	ck_assert(!not_ready(z, "d.t."));   /* beside */
	ck_assert(!not_ready(z, "zzz.t.")); /* after the last */
	/* A new snapshot starts without the list. */
	struct zone_edit *e = zone_edit_new(z);
	struct zone *next;
	struct zone_change *ch;
	size_t nch;
	put_a(e, "a.t.", 1);
	ck_assert_int_eq(
	        zone_edit_commit(e, &next, &ch, &nch, err, sizeof(err)), DP_OK);
	free(ch);
	zone_edit_free(e);
	ck_assert_uint_eq(zone_not_ready_count(next), 0);
	ck_assert(!not_ready(next, "b.t."));
	zone_free(next);
	zone_free(z);
}
END_TEST

START_TEST(test_edit_copy_on_write)
{
	struct zone_builder *b = builder();
	static const uint8_t a1[] = {192, 0, 2, 1};
	add(b, "www.t.", RR_TYPE_A, a1, 4);
	add(b, "old.x.y.t.", RR_TYPE_A, a1, 4);
	struct zone *z0, *z1;
	char err[256];
	ck_assert_int_eq(zone_builder_finish(b, &z0, err, sizeof(err)), DP_OK);
	ck_assert_uint_eq(find(z0, "y.t.")->children, 1);

	struct zone_edit *e = zone_edit_new(z0);
	put_a(e, "new.a.b.t.", 7); /* creates a.b.t and b.t */
	put_a(e, "old.x.y.t.", 0); /* removes old, x.y and y */
	put_a(e, "www.t.", 9);     /* replaces */
	put_a(e, "none.t.", 0);    /* deletes nothing: no change */
	size_t mark = zone_edit_mark(e);
	put_a(e, "www.t.", 10);
	zone_edit_rollback(e, mark); /* www stays .9 */
	struct zone_rrset rs;
	uint8_t w[DNAME_MAXLEN];
	int wl = dname_from_str("www.t.", w);
	ck_assert(zone_edit_get(e, w, (size_t)wl, RR_TYPE_A, &rs));
	ck_assert_int_eq(rs.rdata[5], 9);
	int ol = dname_from_str("old.x.y.t.", w);
	ck_assert_uint_eq(zone_edit_types(e, w, (size_t)ol, NULL, 0), 0);

	struct zone_change *ch;
	size_t nch;
	ck_assert_int_eq(zone_edit_commit(e, &z1, &ch, &nch, err, sizeof(err)),
	                 DP_OK);
	ck_assert_uint_eq(nch, 3);
	zone_edit_free(e);

	/* The base is untouched. */
	ck_assert_ptr_nonnull(find(z0, "old.x.y.t."));
	ck_assert_ptr_null(find(z0, "new.a.b.t."));
	ck_assert_int_eq(
	        zone_node_rrset(find(z0, "www.t."), RR_TYPE_A)->rdata[5], 1);
	/* The new snapshot has the changes and its empty non-terminals. */
	ck_assert_ptr_nonnull(find(z1, "new.a.b.t."));
	ck_assert_ptr_nonnull(find(z1, "a.b.t."));
	ck_assert_uint_eq(find(z1, "b.t.")->children, 1);
	ck_assert_ptr_null(find(z1, "old.x.y.t."));
	ck_assert_ptr_null(find(z1, "x.y.t."));
	ck_assert_ptr_null(find(z1, "y.t."));
	ck_assert_int_eq(
	        zone_node_rrset(find(z1, "www.t."), RR_TYPE_A)->rdata[5], 9);
	ck_assert_uint_eq(zone_record_count(z1), zone_record_count(z0));
	zone_free(z0); /* z1 keeps the shared arena alive */
	ck_assert_int_eq(zone_node_rrset(zone_apex(z1), RR_TYPE_SOA)->count, 1);
	free(ch);
	zone_free(z1);
}
END_TEST

START_TEST(test_edit_delegation_rebuilds)
{
	struct zone_builder *b = builder();
	static const uint8_t a1[] = {192, 0, 2, 1};
	add(b, "host.sub.t.", RR_TYPE_A, a1, 4);
	struct zone *z0, *z1;
	char err[256];
	ck_assert_int_eq(zone_builder_finish(b, &z0, err, sizeof(err)), DP_OK);
	ck_assert_ptr_null(find(z0, "host.sub.t.")->cut);
	struct zone_edit *e = zone_edit_new(z0);
	uint8_t w[DNAME_MAXLEN];
	int n = dname_from_str("sub.t.", w);
	static const uint8_t ns[] = {0, 5, 2, 'n', 's', 1, 'x', 0};
	zone_edit_put(e, w, (size_t)n, RR_TYPE_NS, 60, 1, ns, sizeof(ns));
	struct zone_change *ch;
	size_t nch;
	ck_assert_int_eq(zone_edit_commit(e, &z1, &ch, &nch, err, sizeof(err)),
	                 DP_OK);
	zone_edit_free(e);
	ck_assert_ptr_eq(find(z1, "host.sub.t.")->cut, find(z1, "sub.t."));
	free(ch);
	zone_free(z0);
	zone_free(z1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("zone");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_build_and_find);
	tcase_add_test(tc, test_cuts);
	tcase_add_test(tc, test_invalid);
	tcase_add_test(tc, test_zoneset_longest_match);
	tcase_add_test(tc, test_edit_copy_on_write);
	tcase_add_test(tc, test_not_ready);
	tcase_add_test(tc, test_edit_delegation_rebuilds);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
