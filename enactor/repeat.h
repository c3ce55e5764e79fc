/*
 * repeat.h - a condition that repeats is said once, with a count.
 *
 * A condition that repeats (authd refusing an endpoint, an endpoint that
 * cannot move, a lock held for long, authd refusing our signature or not
 * answering, a plan cleanup cannot delete) is said once with its reason,
 * then only counted while the reason stays the same.  When the reason
 * changes, how often the old one repeated is said before the new one;
 * when the condition ends, after how many.  Conditions are kept by
 * subject (an endpoint's name, "authd", a key's name, "cleanup"), at
 * most one reason each.  One struct repeats per enactor; not for several
 * threads at once.
 *
 * The lines, for subject S, noun N ("refusal", "failure") and reason W:
 *   the caller's own line + " (said once; again when the reason changes)"
 *   "S: the N before repeated C times (W)"    reason changed, or at stop
 *   "S: DONE after C Ns (W)"                  over ("moved", "deleted")
 */
#ifndef REPEAT_H
#define REPEAT_H

#include <stdbool.h>
#include <stdint.h>

#include "log.h"

struct repeats;

/* repeats_new - an empty list. */
struct repeats *repeats_new(void);

/* repeats_free - free.  Idempotent on NULL. */
void repeats_free(struct repeats *r);

/*
 * repeat_hit - @subject's condition happened once more, for reason @why;
 * @noun names one occurrence in the counts.  The first time, or when @why
 * differs from the reason it had (whose count is then said first), the
 * line @fmt is said at @level with " (said once; again when the reason
 * changes)"; otherwise it is only counted.  True when said.
 */
bool repeat_hit(struct repeats *r, const char *subject, const char *noun,
                const char *why, enum log_level level, const char *fmt, ...)
        __attribute__((format(printf, 6, 7)));

/*
 * repeat_end - @subject's condition is over: "SUBJECT: DONE after C NOUNs
 * (WHY)" is said (notice) and the condition forgotten.  False, and
 * nothing said, when @subject had none.
 */
bool repeat_end(struct repeats *r, const char *subject, const char *done);

/*
 * repeat_count - how often @subject's condition happened for its present
 * reason; 0 when it has none.
 */
uint64_t repeat_count(const struct repeats *r, const char *subject);

/* repeats_say - every condition still on, with its count (at stop). */
void repeats_say(const struct repeats *r);

#endif /* REPEAT_H */
