/*
 * lab.h - what leasestore and leasemgr share around their loops: the
 * clock, the timeline file, and the lease protocol's words.
 *
 * The protocol is one line per request over TCP, pipelined:
 *   "ID OP HOST DEADLINE_MS\n"  (OP: RENEW, READ, WRITE, CONFIRM;
 *                                DEADLINE_MS: unix ms, 0 for none)
 * and one line per answer, in the order the store finishes them:
 *   "ID OK GRANTED_MS\n", "ID BUSY\n" (the line is full) or
 *   "ID LATE\n" (abandoned: waited too long, or past its deadline).
 */
#ifndef CASCADE_LAB_H
#define CASCADE_LAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <uv.h>

#include "config.h"

/* The longest request or answer line, its newline included. */
#define LAB_LINE_MAX 96

/* lab_now_ms - the wall clock in unix milliseconds (the timelines'). */
int64_t lab_now_ms(void);

/*
 * lab_timeline_open - @path opened for writing, line-buffered, with the
 * CSV @header written; NULL with a logged error when it cannot be.
 * NULL @path: NULL, silently (no timeline).  Close with fclose().
 */
FILE *lab_timeline_open(const char *path, const char *header);

/*
 * lab_settings - what both daemons do first: the flags (-c, -n, -v, -h,
 * -V) and the settings of daemon @prog (@version) from @table into
 * @settings (zeroed by the caller; cfg_free() it either way), the log
 * level from its log-level (at @log_level_offset), -n and -v answered.
 * Returns true to go on; false with the exit status in *@status.
 */
bool lab_settings(const char *prog, const char *version,
                  const struct cfg_option *table, void *settings,
                  size_t log_level_offset, int argc, char **argv, int *status);

/*
 * lab_lines - call @fn(@arg, LINE) for each whole line at the start of
 * @buf (*@len bytes, @cap its size), the newline replaced by a NUL, and
 * keep the rest at the start.  @fn returns false to stop early (the
 * connection closed).  Returns -1 when @buf is full without a newline
 * (a line too long), else 0.
 */
int lab_lines(char *buf, size_t *len, size_t cap,
              bool (*fn)(void *arg, char *line), void *arg);

/* One sample of /metrics. */
struct lab_metric {
	const char *name, *type, *help;
	uint64_t v;
};

/*
 * lab_metrics_text - the Prometheus text of the @n samples @m, malloc()ed
 * (the caller frees), its length in *@len.
 */
char *lab_metrics_text(const struct lab_metric *m, size_t n, size_t *len);

/*
 * lab_write_line - write the printf-style line @fmt (at most
 * LAB_LINE_MAX bytes, cut short otherwise) to @s; the buffer is freed
 * when written.  Returns 0, or libuv's error (the caller closes @s).
 */
int lab_write_line(uv_stream_t *s, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* lab_healthy - a /healthz that is always healthy (uvhttp_metrics). */
bool lab_healthy(void *arg, char *why, size_t len);

/*
 * lab_stop_signals - on @loop, SIGTERM and SIGINT stop the loop (logged,
 * STOPPING=1 to systemd), through @term and @intr (the caller's, closed
 * by lab_loop_close()); SIGPIPE is ignored.
 */
void lab_stop_signals(uv_loop_t *loop, uv_signal_t *term, uv_signal_t *intr);

/*
 * lab_loop_close - close every handle of @loop that is not closing yet,
 * run the loop until their callbacks ran, and close it.
 */
void lab_loop_close(uv_loop_t *loop);

#endif /* CASCADE_LAB_H */
