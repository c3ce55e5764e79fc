/*
 * health.c - load balancer health from consecutive check results.
 */
#include <stdio.h>
#include <string.h>

#include "health.h"

bool health_record(struct health *h, bool ok, const char *why, unsigned healthy,
                   unsigned unhealthy, int64_t now_ms)
{
	snprintf(h->why, sizeof(h->why), "%s", why ? why : "");
	if (ok) {
		h->ok_run++;
		h->fail_run = 0;
	} else {
		h->fail_run++;
		h->ok_run = 0;
	}
	enum health_state next = h->state;
	if (h->state == HEALTH_UNKNOWN)
		next = ok ? HEALTH_UP : HEALTH_DOWN;
	else if (h->state == HEALTH_UP && h->fail_run >= unhealthy)
		next = HEALTH_DOWN;
	else if (h->state == HEALTH_DOWN && h->ok_run >= healthy)
		next = HEALTH_UP;
	if (next == h->state)
		return false;
	h->state = next;
	h->since_ms = now_ms;
	return true;
}

const char *health_state_name(enum health_state s)
{
	switch (s) {
	case HEALTH_UP:
		return "up";
	case HEALTH_DOWN:
		return "down";
	case HEALTH_UNKNOWN:
		break;
	}
	return "unknown";
}

int health_http_status(const char *buf, size_t len)
{
	static const char proto[] = "HTTP/1.";
	size_t plen = sizeof(proto) - 1;
	/* "HTTP/1.x NNN" and the character after the code. */
	size_t need = plen + 1 + 1 + 3 + 1;
	for (size_t i = 0; i < len && i < plen; i++) {
		if (buf[i] != proto[i])
			return -1;
	}
	if (len < need)
		return 0;
	if (buf[plen] < '0' || buf[plen] > '9' || buf[plen + 1] != ' ')
		return -1;
	int code = 0;
	for (size_t i = plen + 2; i < plen + 5; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
		code = code * 10 + (buf[i] - '0');
	}
	char after = buf[plen + 5];
	if (after != ' ' && after != '\r' && after != '\n')
		return -1;
	return code < 100 ? -1 : code;
}
