/*
 * config.c - table-driven configuration: parsing, checking, origins,
 * printing and help, all from the rows of a table.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "netaddr.h"
#include "xalloc.h"

#define FIELD(settings, opt)  ((char *)(settings) + (opt)->offset)
#define CFIELD(settings, opt) ((const char *)(settings) + (opt)->offset)

const struct cfg_word cfg_log_levels[] = {
        {"error", LOG_LEVEL_ERR},     {"warning", LOG_LEVEL_WARNING},
        {"notice", LOG_LEVEL_NOTICE}, {"info", LOG_LEVEL_INFO},
        {"debug", LOG_LEVEL_DEBUG},   {NULL, 0},
};

static const struct cfg_origin from_default = {CFG_FROM_DEFAULT, NULL, 0};

static const struct cfg_option *cfg_find(const struct cfg_option *table,
                                         const char *name)
{
	for (const struct cfg_option *o = table; o->name != NULL; o++) {
		if (strcmp(o->name, name) == 0)
			return o;
	}
	return NULL;
}

/* The last row: where the state is, and the checks across options. */
static const struct cfg_option *table_end(const struct cfg_option *table)
{
	const struct cfg_option *o = table;
	while (o->name != NULL)
		o++;
	return o;
}

static struct cfg_state *state_of(const struct cfg_option *table,
                                  const void *settings)
{
	return (struct cfg_state *)CFIELD(settings, table_end(table));
}

/* The origins of row @o, the state allocated on first use. */
static struct cfg_origins *origins_of(const struct cfg_option *table,
                                      void *settings,
                                      const struct cfg_option *o)
{
	struct cfg_state *st = state_of(table, settings);
	if (st->rows == NULL) {
		st->nrows = (size_t)(table_end(table) - table);
		st->rows = xcalloc(st->nrows + 1, sizeof(*st->rows));
	}
	return &st->rows[o - table];
}

static void origins_clear(struct cfg_origins *os)
{
	for (size_t i = 0; i < os->n; i++)
		free(os->v[i].file);
	free(os->v);
	os->v = NULL;
	os->n = 0;
}

/* Record @from as the origin of the next list value, or of the value. */
static void origins_note(struct cfg_origins *os, bool list,
                         const struct cfg_origin *from)
{
	if (!list)
		origins_clear(os);
	os->v = xrealloc(os->v, (os->n + 1) * sizeof(*os->v));
	os->v[os->n] = *from;
	os->v[os->n].file = from->file ? xstrdup(from->file) : NULL;
	os->n++;
}

static void list_clear(struct cfg_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/* "a, b or c" of @words into @buf. */
static void words_join(const struct cfg_word *words, const char *sep,
                       const char *last, char *buf, size_t len)
{
	size_t n = 0, k = 0;
	buf[0] = '\0';
	while (words[k].word != NULL)
		k++;
	for (size_t i = 0; i < k && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s",
		                      i == 0      ? ""
		                      : i + 1 < k ? sep
		                                  : last,
		                      words[i].word);
}

const char *cfg_word(const struct cfg_word *words, int value)
{
	for (const struct cfg_word *w = words; w->word != NULL; w++) {
		if (w->value == value)
			return w->word;
	}
	return "?";
}

/* A value as parsed by its row: the text a string row stores, or a number
 * (CFG_INT, CFG_BOOL, CFG_ENUM). */
struct parsed {
	const char *text;
	long num;
	char buf[64];
};

/*
 * Check @value against row @o into @p.  Returns 0, or -1 with what is
 * wrong in @why.
 */
static int parse(const struct cfg_option *o, const char *value,
                 struct parsed *p, char *why, size_t whylen)
{
	const char *w;
	p->text = value;
	if (o->check != NULL && (w = o->check(value)) != NULL) {
		snprintf(why, whylen, "%s", w);
		return -1;
	}
	switch (o->type) {
	case CFG_STRING:
		return 0;
	case CFG_ADDR: {
		struct netaddr a;
		if ((w = netaddr_parse(value, o->port, &a)) != NULL) {
			snprintf(why, whylen, "%s; expected %s or [IPV6]%s", w,
			         o->port ? "ADDRESS[:PORT]" : "ADDRESS:PORT",
			         o->port ? "[:PORT]" : ":PORT");
			return -1;
		}
		snprintf(p->buf, sizeof(p->buf), "%s", a.text);
		p->text = p->buf;
		return 0;
	}
	case CFG_INT: {
		char *end;
		errno = 0;
		p->num = strtol(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0') {
			snprintf(why, whylen, "not an integer");
			return -1;
		}
		if (p->num < o->min || p->num > o->max) {
			snprintf(why, whylen, "out of range");
			return -1;
		}
		return 0;
	}
	case CFG_BOOL: {
		bool b;
		if (parse_bool(value, &b) != 0) {
			snprintf(why, whylen, "expected yes or no");
			return -1;
		}
		p->num = b;
		return 0;
	}
	case CFG_ENUM:
		for (const struct cfg_word *e = o->words; e->word; e++) {
			if (strcmp(value, e->word) == 0) {
				p->num = e->value;
				return 0;
			}
		}
		char list[256];
		words_join(o->words, ", ", " or ", list, sizeof(list));
		snprintf(why, whylen, "expected %s", list);
		return -1;
	}
	snprintf(why, whylen, "bad option type");
	return -1;
}

/* Store @p in the field of row @o. */
static void store(const struct cfg_option *o, void *settings,
                  const struct parsed *p, bool replace_list)
{
	char *f = FIELD(settings, o);
	if (o->list) {
		struct cfg_list *l = (struct cfg_list *)f;
		if (replace_list)
			list_clear(l);
		l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
		l->v[l->n++] = xstrdup(p->text);
		return;
	}
	switch (o->type) {
	case CFG_STRING:
	case CFG_ADDR:
		free(*(char **)f);
		*(char **)f = xstrdup(p->text);
		break;
	case CFG_INT:
		*(long *)f = p->num;
		break;
	case CFG_BOOL:
		*(bool *)f = p->num != 0;
		break;
	case CFG_ENUM:
		*(int *)f = (int)p->num;
		break;
	}
}

const char *cfg_origin_text(const struct cfg_origin *o, char *buf, size_t len)
{
	switch (o->source) {
	case CFG_FROM_FILE:
		snprintf(buf, len, "%s:%u", o->file, o->line);
		break;
	case CFG_FROM_ARGS:
		snprintf(buf, len, "command line");
		break;
	default:
		snprintf(buf, len, "default");
		break;
	}
	return buf;
}

int cfg_set(const struct cfg_option *table, void *settings, const char *name,
            const char *value, const struct cfg_origin *origin,
            bool replace_list, char *err, size_t errlen)
{
	char where[512];
	const struct cfg_option *o = cfg_find(table, name);
	cfg_origin_text(origin, where, sizeof(where));
	if (o == NULL) {
		snprintf(err, errlen, "%s: unknown option '%s'", where, name);
		return -1;
	}
	struct parsed p;
	char why[512];
	if (parse(o, value, &p, why, sizeof(why)) != 0) {
		if (o->type == CFG_INT && strcmp(why, "out of range") == 0)
			snprintf(err, errlen,
			         "%s: option '%s': value '%s' out of range "
			         "%ld..%ld",
			         where, name, value, o->min, o->max);
		else
			snprintf(err, errlen, "%s: option '%s': value '%s': %s",
			         where, name, value, why);
		return -1;
	}
	store(o, settings, &p, replace_list);
	struct cfg_origins *os = origins_of(table, settings, o);
	if (o->list && replace_list)
		origins_clear(os);
	origins_note(os, o->list, origin);
	return 0;
}

int cfg_init(const struct cfg_option *table, void *settings, char *err,
             size_t errlen)
{
	for (const struct cfg_option *o = table; o->name != NULL; o++) {
		if (o->def == NULL)
			continue;
		/* A list's default applies only if nothing sets the list
		 * (cfg_finish), so the file's values replace it; here it is
		 * only checked. */
		struct parsed p;
		char why[512];
		if (o->list && parse(o, o->def, &p, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "default: option '%s': %s",
			         o->name, why);
			return -1;
		}
		if (!o->list && cfg_set(table, settings, o->name, o->def,
		                        &from_default, true, err, errlen) != 0)
			return -1;
	}
	return 0;
}

void cfg_finish(const struct cfg_option *table, void *settings)
{
	for (const struct cfg_option *o = table; o->name != NULL; o++) {
		const struct cfg_list *l =
		        (const struct cfg_list *)CFIELD(settings, o);
		char err[512];
		if (!o->list || o->def == NULL || l->n > 0)
			continue;
		/* Checked by cfg_init(): this cannot fail. */
		cfg_set(table, settings, o->name, o->def, &from_default, true,
		        err, sizeof(err));
	}
}

/*
 * Split one line into key and value in place.  Returns 0 for a blank or
 * comment line (*key NULL), 1 for an option, -1 with *why for a syntax
 * error.
 */
static int split_line(char *line, char **key, char **value, const char **why)
{
	*key = *value = NULL;
	char *p = line;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	*key = p;
	while (*p != '\0' && !isspace((unsigned char)*p))
		p++;
	if (*p != '\0')
		*p++ = '\0';
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '"') {
		char *q = ++p;
		char *w = p;
		while (*q != '\0' && *q != '"') {
			if (*q == '\\' && q[1] != '\0')
				q++;
			*w++ = *q++;
		}
		if (*q != '"') {
			*why = "unterminated quoted value";
			return -1;
		}
		q++;
		while (isspace((unsigned char)*q))
			q++;
		if (*q != '\0' && *q != '#') {
			*why = "text after the quoted value";
			return -1;
		}
		*w = '\0';
		*value = p;
		return 1;
	}
	*value = p;
	/* Strip a trailing comment and trailing space. */
	char *hash = strchr(p, '#');
	if (hash != NULL)
		*hash = '\0';
	size_t n = strlen(p);
	while (n > 0 && isspace((unsigned char)p[n - 1]))
		p[--n] = '\0';
	if (n == 0) {
		*why = "missing value";
		return -1;
	}
	return 1;
}

int cfg_load_file(const struct cfg_option *table, void *settings,
                  const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
		         strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	/* The path is only read: cfg_set() keeps a copy. */
	struct cfg_origin at = {CFG_FROM_FILE, (char *)path, 0};
	int rc = 0;
	while (getline(&line, &cap, f) != -1) {
		at.line++;
		char *key, *value;
		const char *why = NULL;
		int k = split_line(line, &key, &value, &why);
		if (k == 0)
			continue;
		if (k < 0) {
			snprintf(err, errlen, "%s:%u: option '%s': %s", path,
			         at.line, key ? key : "", why);
			rc = -1;
			break;
		}
		if (cfg_set(table, settings, key, value, &at, false, err,
		            errlen) != 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", path,
		         strerror(errno));
		rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}

int cfg_parse_args(const struct cfg_option *table, void *settings, int argc,
                   char **argv, char *err, size_t errlen)
{
	static const struct cfg_origin from_args = {CFG_FROM_ARGS, NULL, 0};
	/* A list option named on the command line replaces the file's. */
	size_t nopts = (size_t)(table_end(table) - table);
	bool *seen = xcalloc(nopts + 1, sizeof(bool));
	int rc = 0;
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		if (strncmp(arg, "--", 2) != 0) {
			snprintf(err, errlen,
			         "command line: unexpected argument '%s'", arg);
			rc = -1;
			break;
		}
		arg += 2;
		const char *eq = strchr(arg, '=');
		char name[128];
		const char *value;
		size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
		if (nlen >= sizeof(name)) {
			snprintf(err, errlen, "command line: option too long");
			rc = -1;
			break;
		}
		memcpy(name, arg, nlen);
		name[nlen] = '\0';
		const struct cfg_option *o = cfg_find(table, name);
		if (o == NULL) {
			snprintf(err, errlen,
			         "command line: unknown option '--%s'", name);
			rc = -1;
			break;
		}
		if (eq != NULL) {
			value = eq + 1;
		} else if (o->type == CFG_BOOL &&
		           (i + 1 >= argc ||
		            strncmp(argv[i + 1], "--", 2) == 0)) {
			value = "yes";
		} else if (i + 1 < argc) {
			value = argv[++i];
		} else {
			snprintf(err, errlen,
			         "command line: option '--%s' needs a value",
			         name);
			rc = -1;
			break;
		}
		size_t idx = (size_t)(o - table);
		if (cfg_set(table, settings, name, value, &from_args,
		            !seen[idx], err, errlen) != 0) {
			rc = -1;
			break;
		}
		seen[idx] = true;
	}
	free(seen);
	return rc;
}

int cfg_read(const struct cfg_option *table, void *settings, const char *path,
             int argc, char **argv, char *err, size_t errlen)
{
	if (cfg_init(table, settings, err, errlen) != 0 ||
	    (path != NULL &&
	     cfg_load_file(table, settings, path, err, errlen) != 0) ||
	    cfg_parse_args(table, settings, argc, argv, err, errlen) != 0)
		return -1;
	cfg_finish(table, settings);
	cfg_cross_fn cross = table_end(table)->cross;
	if (cross != NULL && cross(table, settings, err, errlen) != 0)
		return -1;
	return 0;
}

const struct cfg_origin *cfg_origin(const struct cfg_option *table,
                                    const void *settings, const char *name,
                                    size_t i)
{
	const struct cfg_option *o = cfg_find(table, name);
	const struct cfg_state *st = state_of(table, settings);
	if (o == NULL || st->rows == NULL)
		return &from_default;
	const struct cfg_origins *os = &st->rows[o - table];
	return i < os->n ? &os->v[i] : &from_default;
}

/*
 * Value @i of row @o as text (@buf for numbers), or NULL when the option
 * has no such value.
 */
static const char *value_text(const struct cfg_option *o, const void *settings,
                              size_t i, char *buf, size_t len)
{
	const char *f = CFIELD(settings, o);
	if (o->list) {
		const struct cfg_list *l = (const struct cfg_list *)f;
		return i < l->n ? l->v[i] : NULL;
	}
	switch (o->type) {
	case CFG_STRING:
	case CFG_ADDR:
		return *(char *const *)f;
	case CFG_INT:
		snprintf(buf, len, "%ld", *(const long *)f);
		return buf;
	case CFG_BOOL:
		return *(const bool *)f ? "yes" : "no";
	case CFG_ENUM:
		return cfg_word(o->words, *(const int *)f);
	}
	return NULL;
}

int cfg_error(const struct cfg_option *table, const void *settings,
              const char *name, size_t i, char *err, size_t errlen,
              const char *fmt, ...)
{
	char where[512], num[32], why[512];
	const struct cfg_option *o = cfg_find(table, name);
	const char *v = o ? value_text(o, settings, i, num, sizeof(num)) : NULL;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	cfg_origin_text(cfg_origin(table, settings, name, i), where,
	                sizeof(where));
	if (v != NULL)
		snprintf(err, errlen, "%s: option '%s': value '%s': %s", where,
		         name, v, why);
	else
		snprintf(err, errlen, "%s: option '%s': %s", where, name, why);
	return -1;
}

int cfg_check_order(const struct cfg_option *table, const void *settings,
                    const char *low, const char *high, bool strict, char *err,
                    size_t errlen)
{
	const struct cfg_option *lo = cfg_find(table, low);
	const struct cfg_option *hi = cfg_find(table, high);
	if (lo == NULL || hi == NULL || lo->type != CFG_INT ||
	    hi->type != CFG_INT) {
		snprintf(err, errlen, "%s, %s: not integer options", low, high);
		return -1;
	}
	long a = *(const long *)CFIELD(settings, lo);
	long b = *(const long *)CFIELD(settings, hi);
	if (strict ? a < b : a <= b)
		return 0;
	char where[512];
	if (cfg_origin(table, settings, low, 0)->source == CFG_FROM_DEFAULT &&
	    cfg_origin(table, settings, high, 0)->source != CFG_FROM_DEFAULT) {
		cfg_origin_text(cfg_origin(table, settings, low, 0), where,
		                sizeof(where));
		return cfg_error(table, settings, high, 0, err, errlen,
		                 "must be %s %s (%ld, %s)",
		                 strict ? "more than" : "at least", low, a,
		                 where);
	}
	cfg_origin_text(cfg_origin(table, settings, high, 0), where,
	                sizeof(where));
	return cfg_error(table, settings, low, 0, err, errlen,
	                 "must be %s %s (%ld, %s)",
	                 strict ? "less than" : "at most", high, b, where);
}

/* "name value", the value quoted when the file syntax needs it. */
static void print_value(FILE *out, const char *name, const char *v)
{
	bool plain = *v != '\0';
	for (const char *p = v; *p; p++) {
		if (isspace((unsigned char)*p) || *p == '#' || *p == '"')
			plain = false;
	}
	if (plain) {
		fprintf(out, "%s %s", name, v);
		return;
	}
	fprintf(out, "%s \"", name);
	for (const char *p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', out);
		fputc(*p, out);
	}
	fputc('"', out);
}

void cfg_print(const struct cfg_option *table, const void *settings, FILE *out)
{
	for (const struct cfg_option *o = table; o->name != NULL; o++) {
		char num[32], where[512];
		const char *v;
		size_t i = 0;
		while ((v = value_text(o, settings, i, num, sizeof(num))) !=
		       NULL) {
			print_value(out, o->name, v);
			fprintf(out, " # %s\n",
			        cfg_origin_text(
			                cfg_origin(table, settings, o->name, i),
			                where, sizeof(where)));
			if (!o->list)
				break;
			i++;
		}
		if (i == 0 && v == NULL)
			fprintf(out, "# %s (not set) # default\n", o->name);
	}
}

/* What a value of @o looks like: "N", "ADDR[:PORT]", ... */
static const char *value_syntax(const struct cfg_option *o)
{
	static const char *const syntax[] = {
	        [CFG_STRING] = "VALUE",   [CFG_INT] = "N",
	        [CFG_BOOL] = "yes|no",    [CFG_ENUM] = "WORD",
	        [CFG_ADDR] = "ADDR:PORT",
	};
	return o->type == CFG_ADDR && o->port ? "ADDR[:PORT]" : syntax[o->type];
}

/* The notes after an option's help: repeatable, bounds, words, default. */
static void option_notes(const struct cfg_option *o, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
#define NOTE(...)                                                              \
	do {                                                                   \
		if (n < len)                                                   \
			n += (size_t)snprintf(buf + n, len - n, __VA_ARGS__);  \
	} while (0)
	if (o->list)
		NOTE(" (repeatable)");
	if (o->type == CFG_INT)
		NOTE(" [%ld..%ld]", o->min, o->max);
	if (o->type == CFG_ENUM) {
		char words[256];
		words_join(o->words, "|", "|", words, sizeof(words));
		NOTE(" [%s]", words);
	}
	if (o->type == CFG_ADDR && o->port)
		NOTE(" [IPv4 or [IPv6], port %u if none]", (unsigned)o->port);
	if (o->type == CFG_ADDR && !o->port)
		NOTE(" [IPv4 or [IPv6]]");
	if (o->def != NULL)
		NOTE(" (default %s)", o->def);
#undef NOTE
}

void cfg_usage(const struct cfg_option *table, FILE *out)
{
	for (const struct cfg_option *o = table; o->name != NULL; o++) {
		char left[64], notes[512];
		snprintf(left, sizeof(left), "--%s %s", o->name,
		         value_syntax(o));
		option_notes(o, notes, sizeof(notes));
		fprintf(out, "  %-28s %s%s\n", left, o->help, notes);
	}
}

/* @text for roff: backslashes doubled, a leading dot or quote escaped. */
static void roff_text(const char *text, FILE *out)
{
	if (*text == '.' || *text == '\'')
		fputs("\\&", out);
	for (const char *p = text; *p; p++) {
		if (*p == '\\')
			fputs("\\e", out);
		else if (*p == '-')
			fputs("\\-", out);
		else
			fputc(*p, out);
	}
}

void cfg_man(const struct cfg_option *table, bool as_file, FILE *out)
{
	for (const struct cfg_option *o = table; o->name != NULL; o++) {
		char notes[512];
		option_notes(o, notes, sizeof(notes));
		fputs(".TP\n\\fB", out);
		if (!as_file)
			fputs("\\-\\-", out);
		roff_text(o->name, out);
		fputs("\\fR \\fI", out);
		roff_text(value_syntax(o), out);
		fputs("\\fR\n", out);
		roff_text(o->help, out);
		roff_text(notes, out);
		fputs(".\n", out);
	}
}

void cfg_daemon_usage(const char *prog, const char *checked,
                      const struct cfg_option *table, FILE *out)
{
	fprintf(out,
	        "usage: %s [-c FILE] [-n] [-v] [-h] [-V] [--option value ...]\n"
	        "\n"
	        "  -c FILE   read settings from FILE (one 'option value' per "
	        "line)\n"
	        "  -n        check %s, then exit\n"
	        "  -v        print the effective settings, each with where it "
	        "came from\n"
	        "  -h        this help\n"
	        "  -V        print the version\n"
	        "\noptions (in a file without the leading --):\n",
	        prog, checked);
	cfg_usage(table, out);
}

void cfg_free(const struct cfg_option *table, void *settings)
{
	for (const struct cfg_option *o = table; o->name != NULL; o++) {
		if (o->list) {
			list_clear((struct cfg_list *)FIELD(settings, o));
		} else if (o->type == CFG_STRING || o->type == CFG_ADDR) {
			char **p = (char **)FIELD(settings, o);
			free(*p);
			*p = NULL;
		}
	}
	struct cfg_state *st = state_of(table, settings);
	for (size_t i = 0; st->rows != NULL && i < st->nrows; i++)
		origins_clear(&st->rows[i]);
	free(st->rows);
	st->rows = NULL;
	st->nrows = 0;
}

bool cfg_man_flag(const struct cfg_option *table, int argc, char **argv)
{
	if (argc != 2)
		return false;
	if (strcmp(argv[1], "--man-options") == 0)
		cfg_man(table, false, stdout);
	else if (strcmp(argv[1], "--man-settings") == 0)
		cfg_man(table, true, stdout);
	else
		return false;
	return true;
}

int cfg_daemon_flags(const char *prog, const char *version, const char *checked,
                     const struct cfg_option *table, int argc, char **argv,
                     struct cfg_flags *f)
{
	memset(f, 0, sizeof(*f));
	if (cfg_man_flag(table, argc, argv))
		return 0;
	if (argc == 2 && strcmp(argv[1], "--help") == 0)
		argv[1] = "-h";
	else if (argc == 2 && strcmp(argv[1], "--version") == 0)
		argv[1] = "-V";
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1] != '-'; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			f->config_file = argv[++i];
		} else if (strcmp(argv[i], "-n") == 0) {
			f->check_only = true;
		} else if (strcmp(argv[i], "-v") == 0) {
			f->verbose = true;
		} else if (strcmp(argv[i], "-h") == 0) {
			cfg_daemon_usage(prog, checked, table, stdout);
			return 0;
		} else if (strcmp(argv[i], "-V") == 0) {
			printf("%s (dnsplane) %s\n", prog, version);
			return 0;
		} else {
			fprintf(stderr, "%s: unknown flag '%s'\n", prog,
			        argv[i]);
			cfg_daemon_usage(prog, checked, table, stderr);
			return 2;
		}
	}
	f->next = i;
	return -1;
}
