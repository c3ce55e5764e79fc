/*
 * repeat.c - a condition that repeats is said once, with a count.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repeat.h"
#include "xalloc.h"

struct repeat {
	char *subject;
	const char *noun; /* one occurrence, for the counts */
	char why[512];
	uint64_t count;
};

struct repeats {
	struct repeat *v;
	size_t n;
};

struct repeats *repeats_new(void)
{
	return xcalloc(1, sizeof(struct repeats));
}

void repeats_free(struct repeats *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].subject);
	free(r->v);
	free(r);
}

static struct repeat *find(const struct repeats *r, const char *subject)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].subject, subject) == 0)
			return &r->v[i];
	return NULL;
}

/* "S: the N before repeated C times (W)" */
static void say_count(const struct repeat *c)
{
	log_notice("%s: the %s before repeated %llu time%s (%s)", c->subject,
	           c->noun, (unsigned long long)c->count,
	           c->count == 1 ? "" : "s", c->why);
}

bool repeat_hit(struct repeats *r, const char *subject, const char *noun,
                const char *why, enum log_level level, const char *fmt, ...)
{
	struct repeat *c = find(r, subject);
	if (c != NULL && strcmp(c->why, why) == 0) {
		c->count++;
		return false;
	}
	if (c == NULL) {
		r->v = xrealloc(r->v, (r->n + 1) * sizeof(*r->v));
		c = &r->v[r->n++];
		c->subject = xstrdup(subject);
	} else {
		say_count(c);
	}
	c->noun = noun;
	snprintf(c->why, sizeof(c->why), "%s", why);
	c->count = 1;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_msg(level, "%s (said once; again when the reason changes)", line);
	return true;
}

bool repeat_end(struct repeats *r, const char *subject, const char *done)
{
	struct repeat *c = find(r, subject);
	if (c == NULL)
		return false;
	log_notice("%s: %s after %llu %s%s (%s)", c->subject, done,
	           (unsigned long long)c->count, c->noun,
	           c->count == 1 ? "" : "s", c->why);
	free(c->subject);
	*c = r->v[--r->n];
	return true;
}

uint64_t repeat_count(const struct repeats *r, const char *subject)
{
	const struct repeat *c = find(r, subject);
	return c ? c->count : 0;
}

void repeats_say(const struct repeats *r)
{
	for (size_t i = 0; i < r->n; i++)
		say_count(&r->v[i]);
}
