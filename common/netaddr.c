/*
 * netaddr.c - the one parser of "ADDR[:PORT]" and "[IPV6][:PORT]".
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "netaddr.h"

/* A port: 1 to 5 digits, 1..65535, nothing after.  -1 otherwise. */
static long parse_port(const char *s)
{
	long p = 0;
	size_t n = 0;
	for (; isdigit((unsigned char)s[n]); n++) {
		if (n == 5)
			return -1;
		p = p * 10 + (s[n] - '0');
	}
	if (n == 0 || s[n] != '\0' || p < 1 || p > 65535)
		return -1;
	return p;
}

const char *netaddr_parse(const char *text, uint16_t defport,
                          struct netaddr *out)
{
	char host[INET6_ADDRSTRLEN];
	const char *port = NULL;
	size_t hlen;
	bool bracketed = text[0] == '[';
	memset(out, 0, sizeof(*out));
	if (bracketed) {
		const char *end = strchr(text, ']');
		if (end == NULL)
			return "unterminated [IPv6] address";
		hlen = (size_t)(end - text - 1);
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			return "text after the [IPv6] address";
		text++;
	} else {
		const char *colon = strchr(text, ':');
		/* Two colons or more: a bare IPv6 address, no port. */
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			colon = NULL;
		hlen = colon ? (size_t)(colon - text) : strlen(text);
		if (colon != NULL)
			port = colon + 1;
	}
	if (hlen >= sizeof(host))
		return "address too long";
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	long p = defport;
	if (port != NULL && (p = parse_port(port)) < 0)
		return "the port must be a number 1..65535";
	if (p == 0)
		return "a port 1..65535 is needed";
	struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;
	char canon[INET6_ADDRSTRLEN];
	out->port = (uint16_t)p;
	if (!bracketed && inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(out->port);
		out->len = sizeof(*sin);
		inet_ntop(AF_INET, &sin->sin_addr, canon, sizeof(canon));
		snprintf(out->text, sizeof(out->text), "%s:%ld", canon, p);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(out->port);
		out->len = sizeof(*sin6);
		inet_ntop(AF_INET6, &sin6->sin6_addr, canon, sizeof(canon));
		snprintf(out->text, sizeof(out->text), "[%s]:%ld", canon, p);
	} else {
		return "the host must be an IPv4 or [IPv6] address";
	}
	return NULL;
}
