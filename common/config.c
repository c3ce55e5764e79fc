/*
 * config.c - table-driven configuration parsing, printing and help.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "xalloc.h"

#define FIELD(settings, opt) ((char *)(settings) + (opt)->offset)

static const struct cfg_option *cfg_find(const struct cfg_option *table,
                                         const char *name)
{
	for (const struct cfg_option *o = table; o->name != NULL; o++) {
		if (strcmp(o->name, name) == 0)
			return o;
	}
	return NULL;
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

static int apply(const struct cfg_option *o, void *settings, const char *value,
                 bool replace_list, const char **why)
{
	if (o->check != NULL && (*why = o->check(value)) != NULL)
		return -1;
	switch (o->type) {
	case CFG_STRING: {
		char **p = (char **)FIELD(settings, o);
		free(*p);
		*p = xstrdup(value);
		return 0;
	}
	case CFG_INT: {
		char *end;
		errno = 0;
		long v = strtol(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0') {
			*why = "not an integer";
			return -1;
		}
		if (v < o->min || v > o->max) {
			*why = "out of range";
			return -1;
		}
		*(long *)FIELD(settings, o) = v;
		return 0;
	}
	case CFG_BOOL:
		if (parse_bool(value, (bool *)FIELD(settings, o)) != 0) {
			*why = "expected yes or no";
			return -1;
		}
		return 0;
	case CFG_LIST: {
		struct cfg_list *l = (struct cfg_list *)FIELD(settings, o);
		if (replace_list)
			list_clear(l);
		l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
		l->v[l->n++] = xstrdup(value);
		return 0;
	}
	}
	*why = "bad option type";
	return -1;
}

int cfg_set(const struct cfg_option *table, void *settings, const char *name,
            const char *value, const char *origin, bool replace_list, char *err,
            size_t errlen)
{
	const struct cfg_option *o = cfg_find(table, name);
	if (o == NULL) {
		snprintf(err, errlen, "%s: unknown option '%s'", origin, name);
		return -1;
	}
	const char *why = NULL;
	if (apply(o, settings, value, replace_list, &why) != 0) {
		if (o->type == CFG_INT && strcmp(why, "out of range") == 0)
			snprintf(err, errlen,
			         "%s: option '%s': value '%s' out of range "
			         "%ld..%ld",
			         origin, name, value, o->min, o->max);
		else
			snprintf(err, errlen, "%s: option '%s': value '%s': %s",
			         origin, name, value, why);
		return -1;
	}
	return 0;
}

int cfg_init(const struct cfg_option *table, void *settings, char *err,
             size_t errlen)
{
	for (const struct cfg_option *o = table; o->name != NULL; o++) {
		/* A list's default applies only if nothing sets the list
		 * (cfg_finish), so the file's values replace it. */
		if (o->def == NULL || o->type == CFG_LIST)
			continue;
		if (cfg_set(table, settings, o->name, o->def, "default", true,
		            err, errlen) != 0)
			return -1;
	}
	return 0;
}

void cfg_finish(const struct cfg_option *table, void *settings)
{
	for (const struct cfg_option *o = table; o->name != NULL; o++) {
		struct cfg_list *l = (struct cfg_list *)FIELD(settings, o);
		if (o->type != CFG_LIST || o->def == NULL || l->n > 0)
			continue;
		l->v = xmalloc(sizeof(*l->v));
		l->v[0] = xstrdup(o->def);
		l->n = 1;
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
	unsigned lineno = 0;
	int rc = 0;
	while (getline(&line, &cap, f) != -1) {
		lineno++;
		char *key, *value;
		const char *why = NULL;
		int k = split_line(line, &key, &value, &why);
		if (k == 0)
			continue;
		char origin[512];
		snprintf(origin, sizeof(origin), "%s:%u", path, lineno);
		if (k < 0) {
			snprintf(err, errlen, "%s: option '%s': %s", origin,
			         key ? key : "", why);
			rc = -1;
			break;
		}
		if (cfg_set(table, settings, key, value, origin, false, err,
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
	/* A list option named on the command line replaces the file's. */
	size_t nopts = 0;
	while (table[nopts].name != NULL)
		nopts++;
	bool *seen = xcalloc(nopts, sizeof(bool));
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
		if (cfg_set(table, settings, name, value, "command line",
		            !seen[idx], err, errlen) != 0) {
			rc = -1;
			break;
		}
		seen[idx] = true;
	}
	free(seen);
	return rc;
}

static void print_value(FILE *out, const char *name, const char *v)
{
	bool plain = *v != '\0';
	for (const char *p = v; *p; p++) {
		if (isspace((unsigned char)*p) || *p == '#' || *p == '"')
			plain = false;
	}
	if (plain) {
		fprintf(out, "%s %s\n", name, v);
		return;
	}
	fprintf(out, "%s \"", name);
	for (const char *p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', out);
		fputc(*p, out);
	}
	fprintf(out, "\"\n");
}

void cfg_print(const struct cfg_option *table, const void *settings, FILE *out)
{
	for (const struct cfg_option *o = table; o->name != NULL; o++) {
		const char *f = (const char *)settings + o->offset;
		switch (o->type) {
		case CFG_STRING: {
			const char *s = *(char *const *)f;
			if (s != NULL)
				print_value(out, o->name, s);
			break;
		}
		case CFG_INT:
			fprintf(out, "%s %ld\n", o->name, *(const long *)f);
			break;
		case CFG_BOOL:
			fprintf(out, "%s %s\n", o->name,
			        *(const bool *)f ? "yes" : "no");
			break;
		case CFG_LIST: {
			const struct cfg_list *l = (const struct cfg_list *)f;
			for (size_t i = 0; i < l->n; i++)
				print_value(out, o->name, l->v[i]);
			break;
		}
		}
	}
}

void cfg_usage(const struct cfg_option *table, FILE *out)
{
	for (const struct cfg_option *o = table; o->name != NULL; o++) {
		char left[64];
		snprintf(left, sizeof(left), "--%s %s", o->name,
		         o->type == CFG_INT    ? "N"
		         : o->type == CFG_BOOL ? "yes|no"
		                               : "VALUE");
		fprintf(out, "  %-28s %s", left, o->help);
		if (o->type == CFG_LIST)
			fprintf(out, " (repeatable)");
		if (o->type == CFG_INT)
			fprintf(out, " [%ld..%ld]", o->min, o->max);
		if (o->def != NULL)
			fprintf(out, " (default %s)", o->def);
		fprintf(out, "\n");
	}
}

void cfg_free(const struct cfg_option *table, void *settings)
{
	for (const struct cfg_option *o = table; o->name != NULL; o++) {
		if (o->type == CFG_STRING) {
			char **p = (char **)FIELD(settings, o);
			free(*p);
			*p = NULL;
		} else if (o->type == CFG_LIST) {
			list_clear((struct cfg_list *)FIELD(settings, o));
		}
	}
}
