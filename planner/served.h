/*
 * served.h - the generations authd serves, as the planner reads them.
 *
 * Before it writes a generation the planner makes sure the number is
 * above every generation marker authd serves for the region's endpoints,
 * so that a plan store restored from an older copy, or recreated empty,
 * or a marker raised by hand, never leads to a number already served
 * (the fence would refuse the smaller ones for good, and a plan of the
 * same number with other addresses would look applied).
 */
#ifndef SERVED_H
#define SERVED_H

#include <stddef.h>
#include <stdint.h>

#include "dp.h"
#include "region.h"

/* What one read found. */
struct served {
	uint64_t high;      /* the highest marker below PLAN_GEN_MAX, or 0 */
	char endpoint[256]; /* whose marker it is */
	size_t at_max;      /* markers at PLAN_GEN_MAX: nothing is above */
	char at_max_endpoint[256]; /* one of them */
	size_t markers;            /* endpoints with a well-formed marker */
	size_t malformed;          /* endpoints whose marker is not one */
};

/*
 * served_read - ask authd at @server ("ADDR:PORT") for the marker of every
 * endpoint of @r, pipelined over one TCP connection, each wait bounded by
 * @timeout_ms.  DP_EIO (with a message) when authd did not answer them
 * all, DP_EFOREIGN when it answers that it does not serve an endpoint's
 * zone.  Blocking: the planner calls it off its event loop.
 */
dp_status served_read(const char *server, const struct region *r,
                      int timeout_ms, struct served *out, char *err,
                      size_t errlen);

#endif /* SERVED_H */
