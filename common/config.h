/*
 * config.h - table-driven configuration: one row per option.
 *
 * A daemon describes its settings as an array of struct cfg_option that
 * ends with CFG_END().  Each row names a field of the daemon's own
 * settings struct (by offset), its type, default, bounds and help text.
 * Parsing a file, parsing the command line, validating, printing the
 * effective settings and the usage text all come from that table, so the
 * file and the command line always accept the same options.
 *
 * The settings struct also holds a struct cfg_state, named by the last
 * row, where the table machinery records where each value came from (a
 * file and line, the command line, or the default).  Errors found after
 * loading, by the table's checks across options or by the daemon itself,
 * name that origin through cfg_error().
 *
 * File syntax: one option per line, "name value", "#" starts a comment,
 * values may be double-quoted.  A list option may be given several times;
 * each line adds one value.  On the command line "--name value" or
 * "--name=value"; a list option given on the command line replaces the
 * values from the file.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum cfg_type {
	CFG_STRING, /* char *, owned by the settings struct */
	CFG_INT,    /* long, within [min, max] */
	CFG_BOOL,   /* bool: yes/no, true/false, on/off, 1/0 */
	CFG_ENUM,   /* int: the value of one of the row's words */
	CFG_ADDR,   /* char *: netaddr_parse()'s normalised "ADDR:PORT" */
};

/* A word a CFG_ENUM option accepts, and the value it stands for. */
struct cfg_word {
	const char *word; /* NULL ends the list */
	int value;
};

/* The log levels every daemon's "log-level" option accepts. */
extern const struct cfg_word cfg_log_levels[];

/* The values of a list option. */
struct cfg_list {
	char **v; /* owned: each string and the array */
	size_t n;
};

/* Where a value came from. */
enum cfg_source {
	CFG_FROM_DEFAULT,
	CFG_FROM_FILE,
	CFG_FROM_ARGS, /* the command line */
};

struct cfg_origin {
	enum cfg_source source;
	char *file;    /* CFG_FROM_FILE: the path, owned */
	unsigned line; /* CFG_FROM_FILE: from 1 */
};

/* The origins of one option's values: one, or one per list value. */
struct cfg_origins {
	struct cfg_origin *v;
	size_t n;
};

/*
 * The table machinery's part of a settings struct: zeroed with it, filled
 * as values are set, released by cfg_free().
 */
struct cfg_state {
	struct cfg_origins *rows; /* one per row of the table */
	size_t nrows;
};

/*
 * A validation hook: return NULL if the value is acceptable, else a static
 * message saying what is wrong with it.
 */
typedef const char *(*cfg_check_fn)(const char *value);

struct cfg_option;

/*
 * A table's checks across options, run once the file and the command line
 * are applied: return 0, or -1 with @err set, normally by cfg_error()
 * naming the option at fault and where it was set.
 */
typedef int (*cfg_cross_fn)(const struct cfg_option *table,
                            const void *settings, char *err, size_t errlen);

struct cfg_option {
	const char *name; /* NULL on the last row */
	enum cfg_type type;
	bool list;       /* repeatable (CFG_STRING, CFG_ADDR): cfg_list */
	const char *def; /* default as text, NULL for none */
	long min, max;   /* CFG_INT: the bounds */
	uint16_t port;   /* CFG_ADDR: when none is given; 0: one must be */
	const struct cfg_word *words; /* CFG_ENUM: the accepted words */
	size_t offset; /* of the field; last row: of the struct cfg_state */
	cfg_check_fn check; /* further checks of a single value, or NULL */
	cfg_cross_fn cross; /* last row: checks across options, or NULL */
	const char *help;
};

/*
 * The rows, one macro per kind: N name, D default text (NULL for none),
 * AT offset of the field, CHK single-value check (or NULL), H help.
 * A list (_LIST, _ADDRS) is a struct cfg_list; its default applies only
 * when neither the file nor the command line gives a value.
 */
#define CFG_OPT_STRING(N, D, AT, CHK, H)                                       \
	{                                                                      \
		.name = (N), .type = CFG_STRING, .def = (D), .offset = (AT),   \
		.check = (CHK), .help = (H)                                    \
	}
#define CFG_OPT_LIST(N, D, AT, CHK, H)                                         \
	{                                                                      \
		.name = (N), .type = CFG_STRING, .list = true, .def = (D),     \
		.offset = (AT), .check = (CHK), .help = (H)                    \
	}
/* A long within LO..HI. */
#define CFG_OPT_INT(N, D, LO, HI, AT, H)                                       \
	{                                                                      \
		.name = (N), .type = CFG_INT, .def = (D), .min = (LO),         \
		.max = (HI), .offset = (AT), .help = (H)                       \
	}
#define CFG_OPT_BOOL(N, D, AT, H)                                              \
	{                                                                      \
		.name = (N), .type = CFG_BOOL, .def = (D), .offset = (AT),     \
		.help = (H)                                                    \
	}
/* An int, the value of one of WORDS (a struct cfg_word array). */
#define CFG_OPT_ENUM(N, D, WORDS, AT, H)                                       \
	{                                                                      \
		.name = (N), .type = CFG_ENUM, .def = (D), .words = (WORDS),   \
		.offset = (AT), .help = (H)                                    \
	}
/* An address; PORT when the text has none, 0 when it must have one. */
#define CFG_OPT_ADDR(N, D, PORT, AT, H)                                        \
	{                                                                      \
		.name = (N), .type = CFG_ADDR, .def = (D), .port = (PORT),     \
		.offset = (AT), .help = (H)                                    \
	}
#define CFG_OPT_ADDRS(N, D, PORT, AT, H)                                       \
	{                                                                      \
		.name = (N), .type = CFG_ADDR, .list = true, .def = (D),       \
		.port = (PORT), .offset = (AT), .help = (H)                    \
	}

/*
 * CFG_END - the last row of a table for settings struct TYPE, whose
 * struct cfg_state is MEMBER; CROSS checks across options (or NULL).
 */
#define CFG_END(TYPE, MEMBER, CROSS)                                           \
	{                                                                      \
		.name = NULL, .offset = offsetof(TYPE, MEMBER),                \
		.cross = (CROSS)                                               \
	}

/*
 * cfg_init - set every option of @table in @settings to its default (list
 * options get theirs from cfg_finish()).
 * Returns 0, or -1 with a message in @err if a default is invalid.
 */
int cfg_init(const struct cfg_option *table, void *settings, char *err,
             size_t errlen);

/*
 * cfg_finish - give every list option that is still empty its default.
 * Call after the file and the command line were applied.
 */
void cfg_finish(const struct cfg_option *table, void *settings);

/*
 * cfg_set - set option @name to the text @value, which came from @origin
 * (copied).  @replace_list clears a list option before adding (used for
 * the first command-line occurrence).  Returns 0, or -1 with a message
 * naming the origin and the option in @err.
 */
int cfg_set(const struct cfg_option *table, void *settings, const char *name,
            const char *value, const struct cfg_origin *origin,
            bool replace_list, char *err, size_t errlen);

/*
 * cfg_load_file - read options from @path.  Returns 0, or -1 with a
 * message naming the file, the line and the key in @err.  On error,
 * options read before the bad line keep their new values; callers parse
 * into a fresh settings struct and swap only on success.
 */
int cfg_load_file(const struct cfg_option *table, void *settings,
                  const char *path, char *err, size_t errlen);

/*
 * cfg_parse_args - apply "--name value" options from argv.  Arguments that
 * are not in @table are an error.  Returns 0 or -1 with @err set.
 */
int cfg_parse_args(const struct cfg_option *table, void *settings, int argc,
                   char **argv, char *err, size_t errlen);

/*
 * cfg_read - what a daemon does to build its settings in @settings
 * (zeroed by the caller): the defaults, the file @path (NULL for none),
 * the @argc "--name value" arguments of @argv, the defaults of the lists
 * still empty, then the table's checks across options.  Returns 0, or -1
 * with @err naming the file, line and key; either way @settings is for
 * cfg_free().
 */
int cfg_read(const struct cfg_option *table, void *settings, const char *path,
             int argc, char **argv, char *err, size_t errlen);

/*
 * cfg_origin - where value @i (0 unless a list) of option @name in
 * @settings came from.  Never NULL: a value nothing recorded is a default.
 */
const struct cfg_origin *cfg_origin(const struct cfg_option *table,
                                    const void *settings, const char *name,
                                    size_t i);

/*
 * cfg_origin_text - @o as "FILE:LINE", "command line" or "default" in
 * @buf (@len bytes).  Returns @buf.
 */
const char *cfg_origin_text(const struct cfg_origin *o, char *buf, size_t len);

/*
 * cfg_error - write "ORIGIN: option 'NAME': value 'VALUE': WHY" into @err
 * for value @i (0 unless a list) of option @name, WHY from @fmt.  For the
 * cross hook and for checks a daemon makes after loading.  Returns -1.
 */
int cfg_error(const struct cfg_option *table, const void *settings,
              const char *name, size_t i, char *err, size_t errlen,
              const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/*
 * cfg_check_order - for a cross hook: CFG_INT options @low and @high must
 * hold low < high (@strict) or low <= high.  When they do not, the error
 * blames the one set explicitly (@low when both were), naming the other's
 * value and origin.  Returns 0, or -1 with @err set.
 */
int cfg_check_order(const struct cfg_option *table, const void *settings,
                    const char *low, const char *high, bool strict, char *err,
                    size_t errlen);

/*
 * cfg_word - the word of @words that stands for @value, or "?".
 */
const char *cfg_word(const struct cfg_word *words, int value);

/*
 * cfg_print - write the effective settings to @out in file syntax, in
 * table order, one "name value" line per value with its origin as a
 * trailing comment ("# default", "# FILE:LINE", "# command line"); an
 * option without a value is a comment line.
 */
void cfg_print(const struct cfg_option *table, const void *settings, FILE *out);

/*
 * cfg_usage - write one line of help per option to @out: its value's
 * syntax, the help text, bounds or accepted words, and the default.
 */
void cfg_usage(const struct cfg_option *table, FILE *out);

/*
 * cfg_daemon_usage - the help of daemon @prog to @out: its synopsis, its
 * flags (-n checks @checked, "the settings" or more), then cfg_usage().
 */
void cfg_daemon_usage(const char *prog, const char *checked,
                      const struct cfg_option *table, FILE *out);

/* The flags every daemon takes before its --options. */
struct cfg_flags {
	const char *config_file; /* -c FILE, or NULL */
	bool check_only;         /* -n */
	bool verbose;            /* -v (with -n: print the settings) */
	int next;                /* argv index of the first --option */
};

/*
 * cfg_man - the options of @table as roff paragraphs (.TP) for a man
 * page, from the same rows that parse them: "--name VALUE" (command
 * line), or "name VALUE" when @as_file (a settings file, section 5).
 */
void cfg_man(const struct cfg_option *table, bool as_file, FILE *out);

/*
 * cfg_man_flag - when the command line is just "--man-options" or
 * "--man-settings", print cfg_man() of @table and return true (the
 * build makes the man pages' option lists so).
 */
bool cfg_man_flag(const struct cfg_option *table, int argc, char **argv);

/*
 * cfg_daemon_flags - read -c FILE, -n, -v, -h and -V from the start of
 * @argv for the daemon @prog (@checked and @table as cfg_daemon_usage()).
 * Returns -1 with @f filled to go on; otherwise the exit status: 0 after
 * printing the help (-h) or "@prog (dnsplane) @version" (-V), 2 after
 * naming an unknown flag and printing the help to stderr.
 */
int cfg_daemon_flags(const char *prog, const char *version, const char *checked,
                     const struct cfg_option *table, int argc, char **argv,
                     struct cfg_flags *f);

/*
 * cfg_free - release every string and list held by @settings, and the
 * origins in its struct cfg_state.  Idempotent.
 */
void cfg_free(const struct cfg_option *table, void *settings);

#endif /* CONFIG_H */
