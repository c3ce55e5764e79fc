/*
 * log.h - one line per event on stderr, with a level.
 *
 * Under systemd (JOURNAL_STREAM set) each line carries a "<N>" priority
 * prefix that journald understands; otherwise a timestamp and level name.
 */
#ifndef LOG_H
#define LOG_H

enum log_level {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_NOTICE = 5,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

/*
 * log_init - set the program name shown in each line and the maximum level
 * printed.  Safe to call again (on reload).
 */
void log_init(const char *progname, enum log_level max_level);

/*
 * log_level_parse - map "err", "warning", "notice", "info" or "debug" to a
 * level.  Returns 0 on success, -1 for an unknown name.
 */
int log_level_parse(const char *name, enum log_level *out);

void log_msg(enum log_level level, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

#define log_err(...)     log_msg(LOG_LEVEL_ERR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_notice(...)  log_msg(LOG_LEVEL_NOTICE, __VA_ARGS__)
#define log_info(...)    log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)   log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif /* LOG_H */
