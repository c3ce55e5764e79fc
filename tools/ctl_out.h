/*
 * ctl_out.h - what dnsplanectl prints: aligned text for people, or one
 * JSON object for scripts (--json), from what tools/ctl.c read.
 */
#ifndef CTL_OUT_H
#define CTL_OUT_H

#include <stdbool.h>
#include <stdio.h>

#include "ctl.h"

/* ctl_out_status - the status of every endpoint, the switch, enactors. */
void ctl_out_status(FILE *out, const struct ctl_settings *s,
                    const struct ctl_view *v, bool json);

/*
 * ctl_out_plans - the plans in the store; which endpoints are on each
 * when v->authd_read.
 */
void ctl_out_plans(FILE *out, const struct ctl_view *v, bool json);

/*
 * ctl_out_repair - what repair did (@acts, one per endpoint of @before)
 * and, unless @after is NULL (a dry run or authd lost), the status after.
 */
void ctl_out_repair(FILE *out, const struct ctl_settings *s,
                    const struct ctl_view *before,
                    const struct ctl_action *acts, const struct ctl_view *after,
                    bool dry_run, bool json);

/* ctl_out_retire - what retire did for @name. */
void ctl_out_retire(FILE *out, const char *name, const struct ctl_retire *r,
                    bool json);

/* ctl_out_switch - the automation switch set by pause or resume. */
void ctl_out_switch(FILE *out, const char *command, bool paused, bool was,
                    const char *reason, bool json);

/*
 * ctl_out_error - an error of @command: "dnsplanectl: MESSAGE" on
 * stderr, and with @json also {"command", "error", "exit"} on @out.
 */
void ctl_out_error(FILE *out, const char *command, const char *message,
                   int exit_code, bool json);

#endif /* CTL_OUT_H */
