/*
 * health.h - the health of one load balancer, as a cloud load balancer
 * keeps its targets' health: consecutive check results against two
 * thresholds.  Pure logic; the checks themselves are in loop.c.
 */
#ifndef HEALTH_H
#define HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum health_state {
	HEALTH_UNKNOWN, /* not checked yet */
	HEALTH_UP,
	HEALTH_DOWN,
};

struct health {
	enum health_state state;
	unsigned ok_run;   /* consecutive successes */
	unsigned fail_run; /* consecutive failures */
	int64_t since_ms;  /* when the state last changed */
	char why[96];      /* the last check's result, in words */
};

/*
 * health_record - take one check result (@ok, described by @why) at
 * @now_ms.  A load balancer not checked before takes the state of its
 * first result; after that an up one goes down after @unhealthy
 * consecutive failures and a down one up after @healthy consecutive
 * successes.  Returns true when the state changed.
 */
bool health_record(struct health *h, bool ok, const char *why, unsigned healthy,
                   unsigned unhealthy, int64_t now_ms);

/* health_state_name - "up", "down" or "unknown". */
const char *health_state_name(enum health_state s);

/*
 * health_http_status - the status code of the HTTP response that starts
 * in @buf (@len bytes): 100..999 once the status line is complete, 0
 * while it may still be incomplete, -1 if it is not an HTTP/1.x status
 * line.
 */
int health_http_status(const char *buf, size_t len);

#endif /* HEALTH_H */
