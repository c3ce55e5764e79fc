/*
 * lab.c - the clock and the timeline file of leasestore and leasemgr.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lab.h"
#include "log.h"
#include "prom.h"
#include "sdnotify.h"
#include "xalloc.h"

int64_t lab_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

FILE *lab_timeline_open(const char *path, const char *header)
{
	if (path == NULL)
		return NULL;
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		log_err("timeline %s: %s", path, strerror(errno));
		return NULL;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	fprintf(f, "%s\n", header);
	return f;
}

bool lab_settings(const char *prog, const char *version,
                  const struct cfg_option *table, void *settings,
                  size_t log_level_offset, int argc, char **argv, int *status)
{
	char err[1024];
	struct cfg_flags fl;
	*status = cfg_daemon_flags(prog, version, "the settings", table, argc,
	                           argv, &fl);
	if (*status >= 0)
		return false;
	*status = 1;
	if (cfg_read(table, settings, fl.config_file, argc - fl.next,
	             argv + fl.next, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return false;
	}
	int level = *(int *)((char *)settings + log_level_offset);
	log_init(prog, (enum log_level)level);
	if (fl.verbose)
		cfg_print(table, settings, stdout);
	else if (fl.check_only)
		printf("%s: settings%s%s are valid\n", prog,
		       fl.config_file ? " in " : "",
		       fl.config_file ? fl.config_file : "");
	if (fl.check_only) {
		*status = 0;
		return false;
	}
	return true;
}

int lab_lines(char *buf, size_t *len, size_t cap,
              bool (*fn)(void *arg, char *line), void *arg)
{
	char *start = buf, *nl;
	while ((nl = memchr(start, '\n', *len - (size_t)(start - buf)))) {
		*nl = '\0';
		if (!fn(arg, start))
			return 0;
		start = nl + 1;
	}
	*len -= (size_t)(start - buf);
	memmove(buf, start, *len);
	return *len == cap ? -1 : 0;
}

char *lab_metrics_text(const struct lab_metric *m, size_t n, size_t *len)
{
	struct prom_buf b;
	prom_init(&b);
	for (size_t i = 0; i < n; i++)
		prom_one(&b, m[i].name, m[i].type, m[i].help, m[i].v);
	*len = b.len;
	return b.buf;
}

bool lab_healthy(void *arg, char *why, size_t len)
{
	(void)arg;
	(void)why;
	(void)len;
	return true;
}

static void on_stop(uv_signal_t *h, int sig)
{
	log_notice("%s received, stopping",
	           sig == SIGTERM ? "SIGTERM" : "SIGINT");
	sdnotify_stopping();
	uv_stop(h->loop);
}

void lab_stop_signals(uv_loop_t *loop, uv_signal_t *term, uv_signal_t *intr)
{
	uv_signal_init(loop, term);
	uv_signal_init(loop, intr);
	uv_signal_start(term, on_stop, SIGTERM);
	uv_signal_start(intr, on_stop, SIGINT);
	signal(SIGPIPE, SIG_IGN);
}

static void close_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

void lab_loop_close(uv_loop_t *loop)
{
	uv_walk(loop, close_walk, NULL);
	uv_run(loop, UV_RUN_DEFAULT);
	uv_loop_close(loop);
}

struct line_write {
	uv_write_t w;
	char data[LAB_LINE_MAX];
};

static void line_written(uv_write_t *w, int status)
{
	(void)status;
	free(w->data);
}

int lab_write_line(uv_stream_t *s, const char *fmt, ...)
{
	struct line_write *lw = xmalloc(sizeof(*lw));
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(lw->data, sizeof(lw->data), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(lw->data))
		n = sizeof(lw->data) - 1;
	uv_buf_t b = uv_buf_init(lw->data, (unsigned)n);
	lw->w.data = lw;
	int rc = uv_write(&lw->w, s, &b, 1, line_written);
	if (rc != 0)
		free(lw);
	return rc;
}
