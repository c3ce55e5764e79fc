/*
 * dnsprobe.c - an endpoint as its clients see it.
 *
 * Queries NAME A at a server (authd, or a resolver in front of it) over
 * UDP or TCP at a set rate, with _gen.NAME TXT alongside, and judges
 * every answer as it comes (tools/dnsprobe_judge.c): the outcome, the
 * addresses, the generation served and the latency.  It writes one line
 * on stderr per change of state, a timeline of fixed intervals (CSV and
 * JSON lines), a summary, and a picture drawn by gnuplot
 * (tools/dnsprobe_plot.c).  Exit status 1 when an invariant was broken:
 * an NXDOMAIN or empty answer, or a generation going back.
 *
 *   dnsprobe --server 127.0.0.1:5300 --name E --csv t.csv --plot t.png
 *   dnsprobe plot --out FILE [--events FILE] [--title T] CSV[=LABEL]...
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "dp.h"
#include "config.h"
#include "dnsprobe_judge.h"
#include "dnsprobe_plot.h"
#include "labels.h"
#include "log.h"
#include "netaddr.h"
#include "wire.h"
#include "xalloc.h"

#define TYPE_A   1
#define TYPE_TXT 16

struct probe_settings {
	char *server;     /* "ADDR:PORT" (normalised) */
	char *name;       /* the endpoint */
	long rate;        /* probes per second */
	long interval_ms; /* of the timeline */
	long timeout_ms;  /* a probe not answered by then: no answer */
	int transport;    /* enum probe_transport */
	bool rd;          /* recursion desired (a resolver) */
	bool gen_txt;     /* ask _gen.NAME TXT with every probe */
	long duration;    /* seconds, 0: until SIGTERM or SIGINT */
	char *csv, *json, *summary, *plot, *events, *title, *label;
	int log_level; /* enum log_level */
	struct cfg_state cfg;
};

enum probe_transport { PROBE_UDP, PROBE_TCP };

static const struct cfg_word transports[] = {
        {"udp", PROBE_UDP},
        {"tcp", PROBE_TCP},
        {NULL, 0},
};

#define OFF(f) offsetof(struct probe_settings, f)

static const struct cfg_option probe_options[] = {
        CFG_OPT_ADDR("server", "127.0.0.1:53", 53, OFF(server),
                     "the server to ask (authd or a resolver)"),
        CFG_OPT_STRING("name", "dynamodb.us-east-1.api.test.", OFF(name), NULL,
                       "the endpoint to query (A, and _gen.NAME TXT)"),
        CFG_OPT_INT("rate", "50", 1, 10000, OFF(rate), "probes per second"),
        CFG_OPT_INT("interval-ms", "100", 10, 3600000, OFF(interval_ms),
                    "one row of the timeline per interval"),
        CFG_OPT_INT("timeout-ms", "500", 10, 60000, OFF(timeout_ms),
                    "a probe not answered within this counts as no answer"),
        CFG_OPT_ENUM("transport", "udp", transports, OFF(transport),
                     "udp, or tcp (one connection, reopened)"),
        CFG_OPT_BOOL("rd", "yes", OFF(rd),
                     "set recursion desired, as a stub resolver does"),
        CFG_OPT_BOOL("gen-txt", "yes", OFF(gen_txt),
                     "also ask _gen.NAME TXT with every probe (the marker)"),
        CFG_OPT_INT("duration", "0", 0, 31536000, OFF(duration),
                    "stop after this many seconds (0: at SIGTERM or SIGINT)"),
        CFG_OPT_STRING("csv", NULL, OFF(csv), NULL,
                       "write the timeline here, one CSV row per interval"),
        CFG_OPT_STRING("json", NULL, OFF(json), NULL,
                       "write the timeline here, one JSON object per line"),
        CFG_OPT_STRING("summary", NULL, OFF(summary), NULL,
                       "write the summary here as one JSON object"),
        CFG_OPT_STRING("plot", NULL, OFF(plot), NULL,
                       "draw the timeline at the end (PNG, or SVG for "
                       "FILE.svg)"),
        CFG_OPT_STRING("events", NULL, OFF(events), NULL,
                       "events to mark on the plot: lines 'unix_ms label'"),
        CFG_OPT_STRING("title", NULL, OFF(title), NULL, "the plot's title"),
        CFG_OPT_STRING("label", NULL, OFF(label), NULL,
                       "a name for this prober in its log lines and plot"),
        CFG_OPT_ENUM("log-level", "notice", cfg_log_levels, OFF(log_level),
                     "notice: changes of state; info: every new generation "
                     "too"),
        CFG_END(struct probe_settings, cfg, NULL),
};

/* One probe in flight: the A query and, when asked, the TXT query. */
struct pending {
	int64_t sent_us; /* monotonic */
	uint16_t id_a, id_txt;
	bool done_a, done_txt;
	struct probe_result res;
};

struct prober {
	const struct probe_settings *s;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	bool tcp;
	int fd;
	uint8_t in[65538];
	size_t inlen;
	struct pending *ring;
	size_t cap, head, n;
	uint16_t next_id;
	struct probe_judge *judge;
	int64_t start_ms;
	FILE *csv, *json;
	char name[1100], txtname[1110];
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "HH:MM:SS.mmm" of Unix ms @ms, local time. */
static const char *clock_text(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	size_t n = strftime(buf, len, "%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03d", (int)(ms % 1000));
	return buf;
}

/* ---- transport ---- */

static void transport_close(struct prober *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	p->inlen = 0;
}

/* Open the socket (UDP) or the connection (TCP); -1 when it fails. */
static int transport_open(struct prober *p)
{
	if (p->fd >= 0)
		return 0;
	int fd = socket(p->addr.ss_family,
	                (p->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK |
	                        SOCK_CLOEXEC,
	                0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&p->addr, p->addrlen) != 0) {
		if (errno != EINPROGRESS) {
			close(fd);
			return -1;
		}
		/* TCP: wait for the handshake, within the timeout. */
		struct pollfd pf = {fd, POLLOUT, 0};
		int err = 0;
		socklen_t el = sizeof(err);
		if (poll(&pf, 1, (int)p->s->timeout_ms) != 1 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 ||
		    err != 0) {
			close(fd);
			return -1;
		}
	}
	p->fd = fd;
	p->inlen = 0;
	return 0;
}

static int transport_send(struct prober *p, const uint8_t *msg, size_t len)
{
	if (transport_open(p) != 0)
		return -1;
	uint8_t buf[2 + 1024];
	if (len > 1024)
		return -1;
	const uint8_t *out = msg;
	size_t n = len;
	if (p->tcp) {
		buf[0] = (uint8_t)(len >> 8);
		buf[1] = (uint8_t)len;
		memcpy(buf + 2, msg, len);
		out = buf;
		n = len + 2;
	}
	ssize_t w = send(p->fd, out, n, MSG_NOSIGNAL);
	if (w == (ssize_t)n)
		return 0;
	/* UDP: an ICMP error of an earlier datagram (the server is down)
	 * is reported here; TCP: the connection is gone or stuck. */
	if (p->tcp)
		transport_close(p);
	return -1;
}

/* ---- probes ---- */

static struct pending *ring_at(struct prober *p, size_t i)
{
	return &p->ring[(p->head + i) % p->cap];
}

static uint16_t fresh_id(struct prober *p)
{
	for (;;) {
		uint16_t id = (uint16_t)(p->next_id++ * 40503u);
		bool used = false;
		for (size_t i = 0; i < p->n && !used; i++) {
			struct pending *q = ring_at(p, i);
			used = q->id_a == id || q->id_txt == id;
		}
		if (!used)
			return id;
	}
}

static bool send_query(struct prober *p, const char *name, uint16_t type,
                       uint16_t id)
{
	size_t len = 0;
	uint8_t *q = probe_query(name, type, id, p->s->rd, &len);
	if (q == NULL)
		return false;
	int rc = transport_send(p, q, len);
	free(q);
	return rc == 0;
}

static void probe_send(struct prober *p)
{
	if (p->n == p->cap)
		return; /* cannot happen: probes time out first */
	struct pending *q = ring_at(p, p->n);
	memset(q, 0, sizeof(*q));
	p->n++;
	q->sent_us = mono_us();
	q->res.sent_ms = wall_ms();
	q->res.rcode = -1;
	q->res.latency_us = -1;
	q->id_a = fresh_id(p);
	q->id_txt = fresh_id(p);
	q->done_txt = !p->s->gen_txt;
	/* A query that cannot leave is a probe without an answer. */
	if (!send_query(p, p->name, TYPE_A, q->id_a))
		q->done_a = true;
	if (!q->done_txt && !send_query(p, p->txtname, TYPE_TXT, q->id_txt))
		q->done_txt = true;
}

static void on_message(struct prober *p, const uint8_t *msg, size_t len)
{
	uint16_t id, qtype;
	if (probe_answer_id(msg, len, &id, &qtype) != DP_OK)
		return;
	for (size_t i = 0; i < p->n; i++) {
		struct pending *q = ring_at(p, i);
		if (qtype == TYPE_A && q->id_a == id && !q->done_a) {
			struct probe_answer a;
			if (probe_parse_answer(msg, len, p->name, &a) != DP_OK)
				return;
			q->done_a = true;
			q->res.rcode = a.rcode;
			q->res.naddrs = a.naddrs;
			q->res.gen = a.gen;
			q->res.latency_us = mono_us() - q->sent_us;
			return;
		}
		if (qtype == TYPE_TXT && q->id_txt == id && !q->done_txt) {
			if (probe_parse_txt(msg, len, &q->res.gen_txt) == DP_OK)
				q->done_txt = true;
			return;
		}
	}
}

static void transport_read(struct prober *p)
{
	if (!p->tcp) {
		uint8_t buf[65536];
		ssize_t r;
		while ((r = recv(p->fd, buf, sizeof(buf), 0)) >= 0 ||
		       errno == ECONNREFUSED || errno == EINTR)
			if (r > 0)
				on_message(p, buf, (size_t)r);
		return;
	}
	for (;;) {
		ssize_t r = recv(p->fd, p->in + p->inlen,
		                 sizeof(p->in) - p->inlen, 0);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
			transport_close(p); /* closed: unanswered time out */
			return;
		}
		if (r < 0)
			break;
		p->inlen += (size_t)r;
		size_t o = 0;
		while (p->inlen - o >= 2) {
			size_t m = rd16(p->in + o);
			if (p->inlen - o - 2 < m)
				break;
			on_message(p, p->in + o + 2, m);
			o += 2 + m;
		}
		memmove(p->in, p->in + o, p->inlen - o);
		p->inlen -= o;
	}
}

/* Queries unanswered past the timeout are done: no answer. */
static void expire(struct prober *p, int64_t now)
{
	for (size_t i = 0; i < p->n; i++) {
		struct pending *q = ring_at(p, i);
		if (now - q->sent_us >= p->s->timeout_ms * 1000)
			q->done_a = q->done_txt = true;
	}
}

static void log_event(struct prober *p, const struct probe_event *ev)
{
	char at[32];
	clock_text(ev->at_ms, at, sizeof(at));
	switch (ev->kind) {
	case PROBE_EV_GEN:
		log_info("generation %" PRIu64 " -> %" PRIu64 "%s at %s",
		         ev->gen_from, ev->gen_to, ev->txt ? " (_gen TXT)" : "",
		         at);
		return;
	case PROBE_EV_BACK:
		log_warning("INVARIANT BROKEN: the generation went back from "
		            "%" PRIu64 " to %" PRIu64 "%s at %s",
		            ev->gen_from, ev->gen_to,
		            ev->txt ? " (_gen TXT)" : " (the CNAME's plan)",
		            at);
		return;
	case PROBE_EV_STATE:
		break;
	}
	char what[160] = "";
	if (ev->to == PROBE_OK || ev->to == PROBE_EMPTY ||
	    ev->to == PROBE_NXDOMAIN) {
		int w = snprintf(what, sizeof(what), " (%u address%s",
		                 ev->naddrs, ev->naddrs == 1 ? "" : "es");
		if (ev->gen_to)
			w += snprintf(what + w, sizeof(what) - (size_t)w,
			              ", generation %" PRIu64, ev->gen_to);
		snprintf(what + w, sizeof(what) - (size_t)w, ")");
	}
	if (ev->from == PROBE_OUTCOMES) {
		log_notice("%s at %s%s", probe_outcome_text(ev->to), at, what);
		return;
	}
	bool bad = ev->to == PROBE_EMPTY || ev->to == PROBE_NXDOMAIN;
	log_msg(bad ? LOG_LEVEL_WARNING : LOG_LEVEL_NOTICE,
	        "%s%s since %s%s, after %.2f s of %s",
	        bad ? "INVARIANT BROKEN: " : "", probe_outcome_text(ev->to), at,
	        what, (double)ev->lasted_ms / 1000.0,
	        probe_outcome_text(ev->from));
	(void)p;
}

static void write_row(struct prober *p, const struct probe_row *r)
{
	char gen[24] = "", txt[24] = "", avg[24] = "", max[24] = "";
	if (r->gen)
		snprintf(gen, sizeof(gen), "%" PRIu64, r->gen);
	if (r->gen_txt)
		snprintf(txt, sizeof(txt), "%" PRIu64, r->gen_txt);
	if (r->lat_n) {
		snprintf(avg, sizeof(avg), "%.3f",
		         (double)r->lat_sum_us / r->lat_n / 1000.0);
		snprintf(max, sizeof(max), "%.3f",
		         (double)r->lat_max_us / 1000.0);
	}
	if (p->csv != NULL) {
		fprintf(p->csv,
		        "%" PRId64 ",%u,%u,%u,%u,%u,%u,%u,%u,%s,%s,%u,%s,%s\n",
		        r->start_ms, r->probes, r->count[PROBE_OK],
		        r->count[PROBE_EMPTY], r->count[PROBE_NXDOMAIN],
		        r->count[PROBE_ERROR], r->count[PROBE_NOANSWER],
		        r->addrs_min, r->addrs_max, gen, txt, r->back, avg,
		        max);
		fflush(p->csv);
	}
	if (p->json != NULL) {
		fprintf(p->json,
		        "{\"t_ms\":%" PRId64 ",\"probes\":%u,\"ok\":%u,"
		        "\"empty\":%u,\"nxdomain\":%u,\"error\":%u,"
		        "\"noanswer\":%u,\"addrs_min\":%u,\"addrs_max\":%u,"
		        "\"gen\":%s,\"gen_txt\":%s,\"back\":%u,"
		        "\"lat_avg_ms\":%s,\"lat_max_ms\":%s}\n",
		        r->start_ms, r->probes, r->count[PROBE_OK],
		        r->count[PROBE_EMPTY], r->count[PROBE_NXDOMAIN],
		        r->count[PROBE_ERROR], r->count[PROBE_NOANSWER],
		        r->addrs_min, r->addrs_max, *gen ? gen : "null",
		        *txt ? txt : "null", r->back, *avg ? avg : "null",
		        *max ? max : "null");
		fflush(p->json);
	}
}

/* Hand finished probes to the judge in the order they were sent. */
static void release(struct prober *p)
{
	while (p->n > 0) {
		struct pending *q = ring_at(p, 0);
		if (!q->done_a || !q->done_txt)
			break;
		q->res.outcome = probe_classify(q->res.rcode, q->res.naddrs);
		struct probe_event ev[PROBE_MAX_EVENTS];
		size_t ne = probe_judge_add(p->judge, &q->res, ev);
		for (size_t i = 0; i < ne; i++)
			log_event(p, &ev[i]);
		p->head = (p->head + 1) % p->cap;
		p->n--;
	}
	/* Rows before the oldest probe still in flight are complete. */
	int64_t horizon = p->n ? ring_at(p, 0)->res.sent_ms : wall_ms();
	struct probe_row row;
	while (probe_judge_next_row(p->judge, horizon, &row))
		write_row(p, &row);
}

/* ---- the end ---- */

static void print_summary(struct prober *p, const struct probe_summary *s,
                          FILE *f)
{
	const struct probe_settings *st = p->s;
	fprintf(f, "dnsprobe: %s A at %s over %s, %.1f s, %llu probes\n",
	        p->name, st->server, p->tcp ? "TCP" : "UDP",
	        (double)(s->last_ms - s->first_ms) / 1000.0, s->probes);
	for (int o = 0; o < PROBE_OUTCOMES; o++) {
		fprintf(f, "  %-24s %8llu", probe_outcome_text(o), s->count[o]);
		if (o != PROBE_OK && s->count[o] > 0)
			fprintf(f, "   longest %.2f s, in all %.2f s",
			        (double)s->longest_ms[o] / 1000.0,
			        (double)s->total_ms[o] / 1000.0);
		fprintf(f, "\n");
	}
	if (s->gen_max)
		fprintf(f,
		        "  %-24s first %" PRIu64 ", highest %" PRIu64
		        ", last %" PRIu64 "; went back %llu time%s "
		        "(_gen TXT: %llu)\n",
		        "generation", s->gen_first, s->gen_max, s->gen_last,
		        s->back, s->back == 1 ? "" : "s", s->back_txt);
	if (s->lat_max_us >= 0)
		fprintf(f, "  %-24s p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
		        "latency", (double)s->lat_p50_us / 1000.0,
		        (double)s->lat_p99_us / 1000.0,
		        (double)s->lat_max_us / 1000.0);
	unsigned long long v = probe_violations(s);
	if (v == 0)
		fprintf(f,
		        "  %-24s held: an address in every answer, the "
		        "generation never went back\n",
		        "invariants");
	else
		fprintf(f,
		        "  %-24s BROKEN: %llu answers without an address "
		        "(longest run %.2f s), %llu steps back\n",
		        "invariants",
		        s->count[PROBE_EMPTY] + s->count[PROBE_NXDOMAIN],
		        (double)s->longest_empty_ms / 1000.0,
		        s->back + s->back_txt);
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static int write_summary(struct prober *p, const struct probe_summary *s,
                         const char *path)
{
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		log_err("%s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "{\"name\":");
	json_string(f, p->name);
	fprintf(f, ",\"server\":");
	json_string(f, p->s->server);
	fprintf(f,
	        ",\"transport\":\"%s\",\"first_ms\":%" PRId64
	        ",\"last_ms\":%" PRId64 ",\"probes\":%llu",
	        p->tcp ? "tcp" : "udp", s->first_ms, s->last_ms, s->probes);
	for (int o = 0; o < PROBE_OUTCOMES; o++)
		fprintf(f, ",\"%s\":%llu", probe_outcome_name(o), s->count[o]);
	fprintf(f, ",\"longest_ms\":{");
	for (int o = 0; o < PROBE_OUTCOMES; o++)
		fprintf(f, "%s\"%s\":%" PRId64, o ? "," : "",
		        probe_outcome_name(o), s->longest_ms[o]);
	fprintf(f,
	        "},\"longest_empty_ms\":%" PRId64 ",\"total_empty_ms\":%" PRId64
	        ",\"generation_back\":%llu,\"generation_back_txt\":%llu,"
	        "\"gen_first\":%" PRIu64 ",\"gen_last\":%" PRIu64
	        ",\"gen_max\":%" PRIu64 ",\"violations\":%llu,"
	        "\"latency_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f},"
	        "\"periods\":[",
	        s->longest_empty_ms, s->total_empty_ms, s->back, s->back_txt,
	        s->gen_first, s->gen_last, s->gen_max, probe_violations(s),
	        (double)s->lat_p50_us / 1000.0, (double)s->lat_p99_us / 1000.0,
	        (double)s->lat_max_us / 1000.0);
	for (size_t i = 0; i < s->nperiods; i++)
		fprintf(f,
		        "%s{\"outcome\":\"%s\",\"start_ms\":%" PRId64
		        ",\"end_ms\":%" PRId64 ",\"probes\":%u}",
		        i ? "," : "", probe_outcome_name(s->periods[i].outcome),
		        s->periods[i].start_ms, s->periods[i].end_ms,
		        s->periods[i].probes);
	fprintf(f, "]}\n");
	return fclose(f) == 0 ? 0 : -1;
}

/* ---- main ---- */

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: dnsprobe [-c FILE] [-h] [-V] [--option value ...]\n"
	        "       dnsprobe plot --out FILE [--events FILE] [--title T] "
	        "CSV[=LABEL]...\n\n"
	        "Queries NAME A (and _gen.NAME TXT) at a rate, judges every "
	        "answer: never\nNXDOMAIN or empty, the generation never "
	        "going back.  A line on stderr\nper change of state; "
	        "exit 1 when an invariant was broken.\n\n"
	        "options (in a file without the leading --):\n");
	cfg_usage(probe_options, f);
}

/* dnsprobe plot ...: draw timelines written before. */
static int plot_main(int argc, char **argv)
{
	const char *out = NULL, *events = NULL, *title = NULL;
	struct plot_series *series = xcalloc((size_t)argc, sizeof(*series));
	size_t n = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
			out = argv[++i];
		} else if (strcmp(argv[i], "--events") == 0 && i + 1 < argc) {
			events = argv[++i];
		} else if (strcmp(argv[i], "--title") == 0 && i + 1 < argc) {
			title = argv[++i];
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "dnsprobe plot: unknown option %s\n",
			        argv[i]);
			free(series);
			return 2;
		} else {
			char *eq = strchr(argv[i], '=');
			if (eq != NULL)
				*eq = '\0';
			series[n].csv = argv[i];
			series[n].label = eq ? eq + 1 : argv[i];
			n++;
		}
	}
	if (out == NULL || n == 0) {
		usage(stderr);
		free(series);
		return 2;
	}
	char err[512];
	dp_status rc =
	        probe_plot(series, n, events, title, out, err, sizeof(err));
	free(series);
	if (rc != DP_OK) {
		fprintf(stderr, "dnsprobe plot: %s\n", err);
		return 1;
	}
	return 0;
}

static int run(struct prober *p)
{
	const struct probe_settings *s = p->s;
	int64_t period = 1000000 / s->rate;
	int64_t t0 = mono_us(), next = t0;
	int64_t until = s->duration ? t0 + s->duration * 1000000 : INT64_MAX;
	while (!(stopping || mono_us() >= until) || p->n > 0) {
		int64_t now = mono_us();
		bool sending = !stopping && now < until;
		if (sending && now >= next) {
			probe_send(p);
			next += period;
			if (next < now - period) /* we were stopped: no burst */
				next = now + period;
		}
		transport_read(p);
		expire(p, mono_us());
		release(p);
		/* Sleep until the next send or the next timeout. */
		now = mono_us();
		int64_t wake = sending ? next : now + 20000;
		if (p->n > 0 &&
		    ring_at(p, 0)->sent_us + s->timeout_ms * 1000 < wake)
			wake = ring_at(p, 0)->sent_us + s->timeout_ms * 1000;
		int ms = wake > now ? (int)((wake - now + 999) / 1000) : 0;
		if (p->fd >= 0) {
			struct pollfd pf = {p->fd, POLLIN, 0};
			poll(&pf, 1, ms);
		} else if (ms > 0) {
			poll(NULL, 0, ms);
		}
	}
	int64_t end = wall_ms();
	probe_judge_finish(p->judge, end);
	/* Every interval up to the end, the last one included. */
	int64_t step = s->interval_ms;
	int64_t horizon = p->start_ms + ((end - p->start_ms) / step + 1) * step;
	struct probe_row row;
	while (probe_judge_next_row(p->judge, horizon, &row))
		write_row(p, &row);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "plot") == 0)
		return plot_main(argc - 1, argv + 1);
	struct probe_settings s;
	struct prober p;
	char err[1024];
	int status = 2;
	const char *config = NULL;
	memset(&p, 0, sizeof(p));
	memset(&s, 0, sizeof(s));
	p.fd = -1;
	if (cfg_man_flag(probe_options, argc, argv))
		return 0;
	int i = 1;
	for (; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "-V") == 0 ||
		    strcmp(argv[i], "--version") == 0) {
			printf("dnsprobe (dnsplane) %s\n", DP_VERSION);
			return 0;
		}
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			config = argv[++i];
			continue;
		}
		break;
	}
	if (cfg_read(probe_options, &s, config, argc - i, argv + i, err,
	             sizeof(err)) != 0)
		goto bad;
	p.s = &s;
	p.tcp = s.transport == PROBE_TCP;
	/* The table checked it: this does not fail. */
	struct netaddr server;
	netaddr_parse(s.server, 53, &server);
	p.addr = server.ss;
	p.addrlen = server.len;
	size_t nl = strlen(s.name);
	if (nl == 0 || nl + 7 > sizeof(p.name)) {
		snprintf(err, sizeof(err), "name: '%s' is not a name", s.name);
		goto bad;
	}
	snprintf(p.name, sizeof(p.name), "%s%s", s.name,
	         s.name[nl - 1] == '.' ? "" : ".");
	snprintf(p.txtname, sizeof(p.txtname), LABEL_GEN ".%s", p.name);
	char *prog = s.label ? xasprintf("dnsprobe[%s]", s.label)
	                     : xstrdup("dnsprobe");
	log_init(prog, (enum log_level)s.log_level);

	char *csv = s.csv    ? xstrdup(s.csv)
	            : s.plot ? xasprintf("%s.csv", s.plot)
	                     : NULL;
	if (csv != NULL && (p.csv = fopen(csv, "w")) == NULL) {
		snprintf(err, sizeof(err), "%s: %s", csv, strerror(errno));
		free(csv);
		free(prog);
		goto bad;
	}
	if (s.json != NULL && (p.json = fopen(s.json, "w")) == NULL) {
		snprintf(err, sizeof(err), "%s: %s", s.json, strerror(errno));
		if (p.csv)
			fclose(p.csv);
		free(csv);
		free(prog);
		goto bad;
	}
	if (p.csv != NULL)
		fprintf(p.csv, "%s\n", PROBE_CSV_HEADER);

	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	p.cap = (size_t)(s.rate * s.timeout_ms / 1000) + 16;
	p.ring = xcalloc(p.cap, sizeof(*p.ring));
	p.next_id = (uint16_t)(getpid() ^ mono_us());
	/* Intervals start half a period before the probes they hold, so a
	 * probe a little late stays in its interval and every interval gets
	 * the same number of probes. */
	p.start_ms = wall_ms() - 500 / s.rate;
	p.judge = probe_judge_new(p.start_ms, (int)s.interval_ms);
	log_notice("probing %s A%s at %s over %s, %ld a second", p.name,
	           s.gen_txt ? " and _gen TXT" : "", s.server,
	           p.tcp ? "TCP" : "UDP", s.rate);
	run(&p);

	struct probe_summary sum;
	probe_judge_summary(p.judge, &sum);
	print_summary(&p, &sum, stdout);
	fflush(stdout);
	status = probe_violations(&sum) ? 1 : 0;
	if (s.summary != NULL && write_summary(&p, &sum, s.summary) != 0)
		status = 2;
	if (p.csv)
		fclose(p.csv);
	if (p.json)
		fclose(p.json);
	if (s.plot != NULL) {
		struct plot_series one = {csv, s.label ? s.label : p.name};
		char title[1400];
		snprintf(title, sizeof(title), "%s A at %s (%s)", p.name,
		         s.server, p.tcp ? "TCP" : "UDP");
		if (probe_plot(&one, 1, s.events, s.title ? s.title : title,
		               s.plot, err, sizeof(err)) != DP_OK)
			log_err("plot: %s", err);
		else
			log_notice("plot: %s", s.plot);
	}
	transport_close(&p);
	probe_judge_free(p.judge);
	free(p.ring);
	free(csv);
	free(prog);
	cfg_free(probe_options, &s);
	return status;
bad:
	fprintf(stderr, "dnsprobe: %s\n", err);
	cfg_free(probe_options, &s);
	return 2;
}
