/*
 * lbfarm.c - many load balancers on loopback for the planner to check.
 *
 * lbfarm listens on every address and port it is given (any address in
 * 127.0.0.0/8 works without configuration on Linux), accepts TCP
 * connections and answers HTTP requests, and takes orders on a control
 * socket to take load balancers down (their port is closed: connection
 * refused), to make them sick (TCP accepted, HTTP 503), slow (the HTTP
 * answer waits) or up again.  Tests, the demo and the benchmark flip real
 * health with it; nothing else is faked.
 *
 *   lbfarm --listen 127.0.0.10-127.0.0.40:8080 --control /tmp/lb.sock
 *   lbfarm ctl /tmp/lb.sock down 127.0.0.12:8080
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <uv.h>

#include "log.h"
#include "sdnotify.h"
#include "xalloc.h"

#define IDLE_MS 10000 /* a connection left open this long is closed */
#define MAX_LBS 2000000
#define REQ_MAX 2048
#define CTL_MAX 512

enum lb_mode {
	MODE_UP,   /* accepts, HTTP 200 */
	MODE_DOWN, /* port closed */
	MODE_SICK, /* accepts, HTTP 503 */
};

struct farm;

/* The first member of what a handle's data points to, for shutdown. */
enum tag {
	TAG_FARM,
	TAG_LB,
	TAG_CONN,
	TAG_CTL,
};

struct lb {
	enum tag tag;
	struct sockaddr_storage ss;
	char text[64]; /* "127.0.0.12:8080", "[::1]:8080" */
	enum lb_mode mode;
	unsigned slow_ms;
	uv_tcp_t *listener; /* NULL while down */
	struct farm *farm;
	unsigned long answered;
};

struct farm {
	enum tag tag;
	uv_loop_t *uv;
	struct lb *lbs;
	size_t nlbs;
	uv_pipe_t control;
	const char *control_path;
	uv_signal_t sig[2];
	size_t conns;
	bool stopping;
};

/* One accepted connection. */
struct conn {
	enum tag tag;
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_write_t wr;
	struct lb *lb;
	int open;
	bool answered;
	size_t len;
	char buf[REQ_MAX];
	char resp[256];
};

/* One control client. */
struct ctl {
	enum tag tag;
	uv_pipe_t pipe;
	uv_write_t wr;
	struct farm *farm;
	size_t len;
	char buf[CTL_MAX];
	char *out;
};

/* ---- addresses ---- */

/* A set of load balancers named in a spec: addresses x ports. */
struct spec {
	int family;
	uint32_t v4lo, v4hi;  /* host order */
	unsigned char v6[16]; /* one IPv6 address */
	unsigned portlo, porthi;
	bool any_port;
	bool all;
};

static int parse_range(const char *s, unsigned *lo, unsigned *hi)
{
	char *end;
	unsigned long a = strtoul(s, &end, 10), b = a;
	if (end == s)
		return -1;
	if (*end == '-') {
		const char *t = end + 1;
		b = strtoul(t, &end, 10);
		if (end == t)
			return -1;
	}
	if (*end != '\0' || a < 1 || b > 65535 || a > b)
		return -1;
	*lo = (unsigned)a;
	*hi = (unsigned)b;
	return 0;
}

/*
 * Parse "A[-B][:P[-Q]]", "[V6][:P[-Q]]" or "all".  Without a port the
 * spec means every port (@need_port refuses that).
 */
static const char *parse_spec(const char *text, bool need_port, struct spec *sp)
{
	char buf[128];
	memset(sp, 0, sizeof(*sp));
	if (strcmp(text, "all") == 0 && !need_port) {
		sp->all = true;
		return NULL;
	}
	if (strlen(text) >= sizeof(buf))
		return "too long";
	strcpy(buf, text);
	char *host = buf, *port = NULL;
	if (buf[0] == '[') {
		char *end = strchr(buf, ']');
		if (end == NULL)
			return "unterminated [IPv6]";
		*end = '\0';
		host = buf + 1;
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			return "text after ]";
		sp->family = AF_INET6;
		if (inet_pton(AF_INET6, host, sp->v6) != 1)
			return "bad IPv6 address";
	} else {
		port = strchr(buf, ':');
		if (port != NULL)
			*port++ = '\0';
		char *dash = strchr(host, '-');
		if (dash != NULL)
			*dash++ = '\0';
		struct in_addr a, b;
		if (inet_pton(AF_INET, host, &a) != 1 ||
		    (dash && inet_pton(AF_INET, dash, &b) != 1))
			return "bad IPv4 address or range";
		sp->family = AF_INET;
		sp->v4lo = ntohl(a.s_addr);
		sp->v4hi = dash ? ntohl(b.s_addr) : sp->v4lo;
		if (sp->v4hi < sp->v4lo)
			return "range ends before it starts";
	}
	if (port == NULL) {
		if (need_port)
			return "a port is needed";
		sp->any_port = true;
		return NULL;
	}
	if (parse_range(port, &sp->portlo, &sp->porthi) != 0)
		return "bad port or port range";
	return NULL;
}

static bool spec_match(const struct spec *sp, const struct lb *lb)
{
	if (sp->all)
		return true;
	unsigned port;
	if (lb->ss.ss_family != sp->family)
		return false;
	if (sp->family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)&lb->ss;
		uint32_t a = ntohl(sin->sin_addr.s_addr);
		if (a < sp->v4lo || a > sp->v4hi)
			return false;
		port = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)&lb->ss;
		if (memcmp(&sin6->sin6_addr, sp->v6, 16) != 0)
			return false;
		port = ntohs(sin6->sin6_port);
	}
	return sp->any_port || (port >= sp->portlo && port <= sp->porthi);
}

/* Add every address x port of @sp to the farm. */
static const char *add_spec(struct farm *f, const struct spec *sp)
{
	uint64_t naddr =
	        sp->family == AF_INET ? (uint64_t)sp->v4hi - sp->v4lo + 1 : 1;
	uint64_t n = naddr * (sp->porthi - sp->portlo + 1);
	if (f->nlbs + n > MAX_LBS)
		return "too many load balancers";
	f->lbs = xrealloc(f->lbs, (f->nlbs + n) * sizeof(*f->lbs));
	for (uint64_t i = 0; i < naddr; i++) {
		for (unsigned p = sp->portlo; p <= sp->porthi; p++) {
			struct lb *lb = &f->lbs[f->nlbs++];
			memset(lb, 0, sizeof(*lb));
			lb->tag = TAG_LB;
			lb->farm = f;
			char a[INET6_ADDRSTRLEN];
			if (sp->family == AF_INET) {
				struct sockaddr_in *sin = (void *)&lb->ss;
				sin->sin_family = AF_INET;
				sin->sin_addr.s_addr =
				        htonl(sp->v4lo + (uint32_t)i);
				sin->sin_port = htons((uint16_t)p);
				inet_ntop(AF_INET, &sin->sin_addr, a,
				          sizeof(a));
				snprintf(lb->text, sizeof(lb->text), "%s:%u", a,
				         p);
			} else {
				struct sockaddr_in6 *sin6 = (void *)&lb->ss;
				sin6->sin6_family = AF_INET6;
				memcpy(&sin6->sin6_addr, sp->v6, 16);
				sin6->sin6_port = htons((uint16_t)p);
				inet_ntop(AF_INET6, sp->v6, a, sizeof(a));
				snprintf(lb->text, sizeof(lb->text), "[%s]:%u",
				         a, p);
			}
		}
	}
	return NULL;
}

/* ---- serving checks ---- */

static void conn_closed(uv_handle_t *h)
{
	struct conn *c = h->data;
	if (--c->open == 0) {
		c->lb->farm->conns--;
		free(c);
	}
}

static void conn_close(struct conn *c)
{
	if (uv_is_closing((uv_handle_t *)&c->tcp))
		return;
	uv_close((uv_handle_t *)&c->timer, conn_closed);
	uv_close((uv_handle_t *)&c->tcp, conn_closed);
}

static void on_idle(uv_timer_t *t)
{
	conn_close(t->data);
}

static void on_written(uv_write_t *w, int status)
{
	struct conn *c = w->data;
	/* The client closes (with a reset, from the planner); wait for it,
	 * so that no TIME_WAIT stays here. */
	if (status < 0)
		conn_close(c);
}

static void answer(struct conn *c)
{
	struct lb *lb = c->lb;
	bool sick = lb->mode == MODE_SICK;
	int n = snprintf(c->resp, sizeof(c->resp),
	                 "HTTP/1.1 %s\r\nContent-Type: text/plain\r\n"
	                 "Content-Length: %zu\r\nConnection: close\r\n\r\n"
	                 "%s %s\n",
	                 sick ? "503 Service Unavailable" : "200 OK",
	                 strlen(lb->text) + (sick ? 6 : 4),
	                 sick ? "sick" : "ok", lb->text);
	lb->answered++;
	uv_buf_t b = uv_buf_init(c->resp, (unsigned)n);
	if (uv_write(&c->wr, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0)
		conn_close(c);
	uv_timer_start(&c->timer, on_idle, IDLE_MS, 0);
}

static void on_slow(uv_timer_t *t)
{
	answer(t->data);
}

static void on_conn_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct conn *c = h->data;
	(void)hint;
	buf->base = c->buf + c->len;
	buf->len = sizeof(c->buf) - c->len - 1;
}

static void on_conn_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct conn *c = s->data;
	(void)buf;
	if (n < 0) {
		conn_close(c);
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	if (c->answered)
		return;
	bool full = c->len + 1 >= sizeof(c->buf);
	if (strstr(c->buf, "\r\n\r\n") == NULL && !full)
		return;
	c->answered = true;
	if (c->lb->slow_ms > 0)
		uv_timer_start(&c->timer, on_slow, c->lb->slow_ms, 0);
	else
		answer(c);
}

static void on_accept(uv_stream_t *server, int status)
{
	struct lb *lb = server->data;
	if (status < 0)
		return;
	struct conn *c = xcalloc(1, sizeof(*c));
	c->tag = TAG_CONN;
	c->lb = lb;
	uv_tcp_init(lb->farm->uv, &c->tcp);
	uv_timer_init(lb->farm->uv, &c->timer);
	c->tcp.data = c->timer.data = c->wr.data = c;
	c->open = 2;
	lb->farm->conns++;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0 ||
	    uv_read_start((uv_stream_t *)&c->tcp, on_conn_alloc,
	                  on_conn_read) != 0) {
		conn_close(c);
		return;
	}
	uv_timer_start(&c->timer, on_idle, IDLE_MS, 0);
}

static void listener_closed(uv_handle_t *h)
{
	free(h);
}

static int lb_open(struct lb *lb)
{
	if (lb->listener != NULL)
		return 0;
	uv_tcp_t *t = xcalloc(1, sizeof(*t));
	uv_tcp_init(lb->farm->uv, t);
	t->data = lb;
	int rc = uv_tcp_bind(t, (const struct sockaddr *)&lb->ss, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)t, 511, on_accept);
	if (rc != 0) {
		uv_close((uv_handle_t *)t, listener_closed);
		return rc;
	}
	lb->listener = t;
	return 0;
}

static void lb_shut(struct lb *lb)
{
	if (lb->listener == NULL)
		return;
	uv_close((uv_handle_t *)lb->listener, listener_closed);
	lb->listener = NULL;
}

/* ---- control ---- */

/* Run one control command; the answer goes to @out (owned by caller). */
static char *command(struct farm *f, char *line)
{
	char *argv[4] = {NULL};
	int argc = 0;
	for (char *save = NULL, *tok = strtok_r(line, " \t\r\n", &save);
	     tok != NULL && argc < 4; tok = strtok_r(NULL, " \t\r\n", &save))
		argv[argc++] = tok;
	if (argc == 0)
		return xstrdup("error empty command\n");
	struct spec sp;
	const char *why = parse_spec(argc > 1 ? argv[1] : "all", false, &sp);
	if (why != NULL)
		return xasprintf("error %s: %s\n", argc > 1 ? argv[1] : "",
		                 why);
	const char *cmd = argv[0];
	long ms = 0;
	if (strcmp(cmd, "slow") == 0) {
		char *end;
		ms = argc > 2 ? strtol(argv[2], &end, 10) : -1;
		if (argc != 3 || *end != '\0' || ms < 0 || ms > 3600000)
			return xstrdup("error usage: slow SPEC MS\n");
	} else if (strcmp(cmd, "status") != 0 && strcmp(cmd, "down") != 0 &&
	           strcmp(cmd, "up") != 0 && strcmp(cmd, "sick") != 0) {
		return xasprintf("error unknown command '%s' (down, up, "
		                 "sick, slow, status)\n",
		                 cmd);
	}
	if (strcmp(cmd, "status") != 0 && argc < 2)
		return xasprintf("error usage: %s SPEC\n", cmd);
	size_t n = 0, cap = 256, used = 0;
	char *out = xmalloc(cap);
	out[0] = '\0';
	for (size_t i = 0; i < f->nlbs; i++) {
		struct lb *lb = &f->lbs[i];
		if (!spec_match(&sp, lb))
			continue;
		n++;
		if (strcmp(cmd, "down") == 0) {
			lb->mode = MODE_DOWN;
			lb_shut(lb);
		} else if (strcmp(cmd, "up") == 0 || strcmp(cmd, "sick") == 0) {
			int rc = lb_open(lb);
			if (rc != 0) {
				free(out);
				return xasprintf("error %s: %s\n", lb->text,
				                 uv_strerror(rc));
			}
			lb->mode = cmd[0] == 'u' ? MODE_UP : MODE_SICK;
			lb->slow_ms = 0;
		} else if (strcmp(cmd, "slow") == 0) {
			lb->slow_ms = (unsigned)ms;
		} else if (lb->mode != MODE_UP || lb->slow_ms > 0) {
			/* status lists what is not simply up */
			char l[128];
			int k = snprintf(l, sizeof(l), "%s %s slow=%u\n",
			                 lb->text,
			                 lb->mode == MODE_DOWN   ? "down"
			                 : lb->mode == MODE_SICK ? "sick"
			                                         : "up",
			                 lb->slow_ms);
			while (used + (size_t)k + 64 > cap)
				out = xrealloc(out, cap *= 2);
			memcpy(out + used, l, (size_t)k + 1);
			used += (size_t)k;
		}
	}
	if (n == 0) {
		free(out);
		return xasprintf("error no load balancer matches '%s'\n",
		                 argc > 1 ? argv[1] : "");
	}
	if (strcmp(cmd, "status") != 0)
		log_notice("%s %s%s%s: %zu load balancer%s", cmd, argv[1],
		           argc > 2 ? " " : "", argc > 2 ? argv[2] : "", n,
		           n == 1 ? "" : "s");
	char tail[64];
	snprintf(tail, sizeof(tail), "ok %zu\n", n);
	while (used + strlen(tail) + 1 > cap)
		out = xrealloc(out, cap *= 2);
	strcpy(out + used, tail);
	return out;
}

static void ctl_closed(uv_handle_t *h)
{
	struct ctl *c = h->data;
	free(c->out);
	free(c);
}

static void ctl_written(uv_write_t *w, int status)
{
	struct ctl *c = w->data;
	(void)status;
	uv_close((uv_handle_t *)&c->pipe, ctl_closed);
}

static void ctl_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct ctl *c = h->data;
	(void)hint;
	buf->base = c->buf + c->len;
	buf->len = sizeof(c->buf) - c->len - 1;
}

static void ctl_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct ctl *c = s->data;
	(void)buf;
	if (c->out != NULL)
		return;
	if (n > 0) {
		c->len += (size_t)n;
		c->buf[c->len] = '\0';
	}
	bool line = memchr(c->buf, '\n', c->len) != NULL;
	if (n >= 0 && !line && c->len + 1 < sizeof(c->buf))
		return;
	if (n < 0 && c->len == 0) {
		uv_close((uv_handle_t *)&c->pipe, ctl_closed);
		return;
	}
	uv_read_stop(s);
	c->out = command(c->farm, c->buf);
	uv_buf_t b = uv_buf_init(c->out, (unsigned)strlen(c->out));
	if (uv_write(&c->wr, s, &b, 1, ctl_written) != 0)
		uv_close((uv_handle_t *)&c->pipe, ctl_closed);
}

static void on_ctl(uv_stream_t *server, int status)
{
	struct farm *f = server->data;
	if (status < 0)
		return;
	struct ctl *c = xcalloc(1, sizeof(*c));
	c->tag = TAG_CTL;
	c->farm = f;
	uv_pipe_init(f->uv, &c->pipe, 0);
	c->pipe.data = c->wr.data = c;
	if (uv_accept(server, (uv_stream_t *)&c->pipe) != 0 ||
	    uv_read_start((uv_stream_t *)&c->pipe, ctl_alloc, ctl_read) != 0)
		uv_close((uv_handle_t *)&c->pipe, ctl_closed);
}

/* ---- the daemon ---- */

/* Close handle @h with the callback that frees what it belongs to. */
static void close_all(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (uv_is_closing(h))
		return;
	switch (*(enum tag *)h->data) {
	case TAG_LB:
		lb_shut(h->data);
		break;
	case TAG_CONN:
		conn_close(h->data);
		break;
	case TAG_CTL:
		uv_close(h, ctl_closed);
		break;
	case TAG_FARM:
		uv_close(h, NULL);
		break;
	}
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct farm *f = h->data;
	(void)signum;
	log_notice("stopping");
	sdnotify_stopping();
	f->stopping = true;
	uv_stop(f->uv);
}

static void raise_nofile(size_t n)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)n + 4096;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
		return;
	if (rl.rlim_max < want)
		rl.rlim_max = want; /* allowed for root only */
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
		getrlimit(RLIMIT_NOFILE, &rl);
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: lbfarm --listen SPEC [--listen SPEC ...] "
	        "[--control PATH]\n"
	        "       lbfarm ctl PATH COMMAND [ARGS]\n"
	        "\n"
	        "  SPEC      ADDR[-ADDR]:PORT[-PORT] (IPv4 ranges, every "
	        "address x every port)\n"
	        "            or [IPV6]:PORT[-PORT]\n"
	        "  --control PATH   a Unix socket taking commands, one a "
	        "line:\n"
	        "    down SPEC       close the ports: connection refused\n"
	        "    up SPEC         open them: TCP accepted, HTTP 200\n"
	        "    sick SPEC       TCP accepted, HTTP 503\n"
	        "    slow SPEC MS    answer HTTP after MS milliseconds\n"
	        "    status [SPEC]   list what is not simply up\n"
	        "  In commands SPEC may leave out the port (every port) or "
	        "be 'all'.\n");
}

/* lbfarm ctl PATH WORDS...: send one command, print the answer. */
static int ctl_main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(argv[0]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "lbfarm: socket path too long\n");
		return 2;
	}
	strcpy(sun.sun_path, argv[0]);
	char line[CTL_MAX];
	size_t n = 0;
	for (int i = 1; i < argc; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s",
		                      i > 1 ? " " : "", argv[i]);
	if (n + 2 > sizeof(line)) {
		fprintf(stderr, "lbfarm: command too long\n");
		return 2;
	}
	line[n++] = '\n';
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		fprintf(stderr, "lbfarm: %s: %s\n", argv[0], strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	int rc = 1;
	if (write(fd, line, n) == (ssize_t)n) {
		char buf[4096];
		ssize_t k;
		char last[8] = "";
		bool bol = true;
		size_t lpos = 0;
		while ((k = read(fd, buf, sizeof(buf))) > 0) {
			fwrite(buf, 1, (size_t)k, stdout);
			for (ssize_t i = 0; i < k; i++) {
				if (bol)
					lpos = 0;
				if (lpos < sizeof(last) - 1)
					last[lpos++] = buf[i];
				last[lpos] = '\0';
				bol = buf[i] == '\n';
			}
		}
		rc = strncmp(last, "ok", 2) == 0 ? 0 : 1;
	}
	close(fd);
	return rc;
}

static int open_control(struct farm *f, const char *path)
{
	struct stat sb;
	if (lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode))
		unlink(path);
	uv_pipe_init(f->uv, &f->control, 0);
	f->control.data = f;
	int rc = uv_pipe_bind(&f->control, path);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&f->control, 16, on_ctl);
	if (rc != 0) {
		log_err("control socket %s: %s", path, uv_strerror(rc));
		return -1;
	}
	f->control_path = path;
	return 0;
}

int main(int argc, char **argv)
{
	struct farm f;
	uv_loop_t uv;
	int status = 1;
	memset(&f, 0, sizeof(f));
	f.tag = TAG_FARM;
	log_init("lbfarm", LOG_LEVEL_INFO);
	if (argc > 1 && strcmp(argv[1], "ctl") == 0)
		return ctl_main(argc - 2, argv + 2);
	const char *control = NULL;
	for (int i = 1; i < argc; i++) {
		struct spec sp;
		const char *why;
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			free(f.lbs);
			return 0;
		} else if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc) {
			if ((why = parse_spec(argv[++i], true, &sp)) != NULL ||
			    (why = add_spec(&f, &sp)) != NULL) {
				log_err("--listen %s: %s", argv[i], why);
				free(f.lbs);
				return 2;
			}
		} else if (strcmp(argv[i], "--control") == 0 && i + 1 < argc) {
			control = argv[++i];
		} else {
			usage(stderr);
			free(f.lbs);
			return 2;
		}
	}
	if (f.nlbs == 0) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	raise_nofile(f.nlbs);
	uv_loop_init(&uv);
	f.uv = &uv;
	for (size_t i = 0; i < f.nlbs; i++) {
		int rc = lb_open(&f.lbs[i]);
		if (rc != 0) {
			log_err("cannot listen on %s: %s", f.lbs[i].text,
			        uv_strerror(rc));
			goto out;
		}
	}
	if (control != NULL && open_control(&f, control) != 0)
		goto out;
	static const int signums[2] = {SIGTERM, SIGINT};
	for (int i = 0; i < 2; i++) {
		uv_signal_init(&uv, &f.sig[i]);
		f.sig[i].data = &f;
		uv_signal_start(&f.sig[i], on_signal, signums[i]);
	}
	log_notice("ready: %zu load balancers, %s to %s%s%s", f.nlbs,
	           f.lbs[0].text, f.lbs[f.nlbs - 1].text,
	           control ? ", control " : "", control ? control : "");
	sdnotify_ready("serving");
	uv_run(&uv, UV_RUN_DEFAULT);
	status = f.stopping ? 0 : 1;
out:
	uv_walk(&uv, close_all, NULL);
	uv_run(&uv, UV_RUN_DEFAULT);
	uv_loop_close(&uv);
	if (f.control_path != NULL)
		unlink(f.control_path);
	free(f.lbs);
	return status;
}
