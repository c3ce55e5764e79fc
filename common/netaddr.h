/*
 * netaddr.h - the one parser of an address with a port, as operators write
 * it in settings: "192.0.2.1", "192.0.2.1:53", "[2001:db8::1]",
 * "[2001:db8::1]:53", or a bare "2001:db8::1" (which cannot carry a port).
 *
 * Hosts are numeric (no name is resolved, so nothing blocks and nothing
 * depends on a resolver); a port is 1 to 5 digits naming 1..65535 and
 * nothing else.  authd's listen addresses, the enactor's and
 * dnsplanectl's server, dnsprobe's server and the planner's health-check
 * targets all come through here, so they accept and refuse the same text.
 */
#ifndef NETADDR_H
#define NETADDR_H

#include <stdint.h>
#include <sys/socket.h>

/* A parsed address: the socket address and its normalised text. */
struct netaddr {
	struct sockaddr_storage ss;
	socklen_t len;
	uint16_t port;
	char text[64]; /* "192.0.2.1:53" or "[2001:db8::1]:53" */
};

/*
 * netaddr_parse - parse @text into @out.  @defport is the port when the
 * text gives none, 0 when a port is required.  The host is written back
 * in its canonical form ("[0::1]" becomes "[::1]").
 * Returns NULL, or a static message saying what is wrong.
 */
const char *netaddr_parse(const char *text, uint16_t defport,
                          struct netaddr *out);

#endif /* NETADDR_H */
