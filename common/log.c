/*
 * log.c - one line per event on stderr.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

static const char *log_prog = "dnsplane";
static enum log_level log_max = LOG_LEVEL_INFO;
static int log_journal = -1;

static const char *const level_names[] = {
        [LOG_LEVEL_ERR] = "error",     [LOG_LEVEL_WARNING] = "warning",
        [LOG_LEVEL_NOTICE] = "notice", [LOG_LEVEL_INFO] = "info",
        [LOG_LEVEL_DEBUG] = "debug",
};

void log_init(const char *progname, enum log_level max_level)
{
	log_prog = progname;
	log_max = max_level;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

int log_level_parse(const char *name, enum log_level *out)
{
	for (int l = LOG_LEVEL_ERR; l <= LOG_LEVEL_DEBUG; l++) {
		if (strcmp(name, level_names[l]) == 0) {
			*out = (enum log_level)l;
			return 0;
		}
	}
	return -1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level > log_max)
		return;
	if (log_journal < 0)
		log_journal = getenv("JOURNAL_STREAM") != NULL;

	char line[1024];
	size_t n;
	if (log_journal) {
		n = (size_t)snprintf(line, sizeof(line), "<%d>%s: ", (int)level,
		                     level_names[level]);
	} else {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
		n += (size_t)snprintf(line + n, sizeof(line) - n,
		                      ".%03ld %s %s: ", ts.tv_nsec / 1000000,
		                      log_prog, level_names[level]);
	}
	if (n < sizeof(line)) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(line + n, sizeof(line) - n, fmt, ap);
		va_end(ap);
	}
	/* One write per line keeps lines whole when threads log at once. */
	fprintf(stderr, "%s\n", line);
}
