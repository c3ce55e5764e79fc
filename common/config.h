/*
 * config.h - table-driven configuration: one row per option.
 *
 * A daemon describes its settings as an array of struct cfg_option that
 * ends with a row whose name is NULL.  Each row names a field of the
 * daemon's own settings struct (by offset), its type, default, bounds and
 * help text.  Parsing a file, parsing the command line, validating,
 * printing the effective settings and the usage text all come from that
 * table, so the file and the command line always accept the same options.
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
#include <stdio.h>

enum cfg_type {
	CFG_STRING, /* char *, owned by the settings struct */
	CFG_INT,    /* long, within [min, max] */
	CFG_BOOL,   /* bool: yes/no, true/false, on/off, 1/0 */
	CFG_LIST,   /* struct cfg_list: repeated string values */
};

struct cfg_list {
	char **v; /* owned: each string and the array */
	size_t n;
};

/*
 * A validation hook: return NULL if the value is acceptable, else a static
 * message saying what is wrong with it.
 */
typedef const char *(*cfg_check_fn)(const char *value);

struct cfg_option {
	const char *name;
	enum cfg_type type;
	const char *def; /* default as text, NULL for none */
	long min, max;   /* bounds of CFG_INT */
	size_t offset;   /* of the field in the settings struct */
	cfg_check_fn check;
	const char *help;
};

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
 * cfg_set - set option @name to the text @value.  @origin names where the
 * value came from ("FILE:LINE" or "command line") for the error message.
 * @replace_list clears a list option before adding (used for the first
 * command-line occurrence).  Returns 0, or -1 with a message in @err.
 */
int cfg_set(const struct cfg_option *table, void *settings, const char *name,
            const char *value, const char *origin, bool replace_list, char *err,
            size_t errlen);

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
 * cfg_print - write the effective settings to @out in file syntax.
 */
void cfg_print(const struct cfg_option *table, const void *settings, FILE *out);

/*
 * cfg_usage - write one line of help per option to @out.
 */
void cfg_usage(const struct cfg_option *table, FILE *out);

/*
 * cfg_free - release every string and list held by @settings.  Idempotent.
 */
void cfg_free(const struct cfg_option *table, void *settings);

#endif /* CONFIG_H */
