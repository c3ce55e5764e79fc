/*
 * ctl.h - the operator CLI's library: its settings, what it reads from the
 * plan store and from authd, how it judges each endpoint, and the repair.
 *
 * dnsplanectl (tools/dnsplanectl.c) is a thin main over this and over
 * tools/ctl_out.c, which prints what is read here as aligned text or as
 * JSON.  A struct ctl_view is one look at the system: the store's plans,
 * switch and enactor reports, and for every endpoint what authd serves
 * and what that means (ok, behind, broken).
 */
#ifndef CTL_H
#define CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "dp.h"
#include "layout.h"
#include "planstore.h"

/*
 * Exit codes of dnsplanectl, for scripts: 0 when all is well (status:
 * no endpoint is broken, behind is only a warning), 1 when an endpoint is
 * broken (after repair: still broken, or an update was refused), 2 for a
 * usage or settings error, 3 when the store or authd cannot be reached.
 */
enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_BROKEN = 1,
	CTL_EXIT_USAGE = 2,
	CTL_EXIT_UNREACHABLE = 3,
};

/* The settings (option names shared with the enactor's where they meet). */
struct ctl_settings {
	char *store;
	char *server; /* "ADDR:PORT" (normalised) */
	char *zone;
	char *key;
	char *override_key; /* repair --lower-fence signs with it */
	long ttl;
	long timeout_ms;
	struct cfg_list endpoint; /* endpoints beyond those of the plans */
	struct cfg_state cfg;     /* origins of the values */
};

extern const struct cfg_option ctl_options[];

/*
 * ctl_format_time - unix milliseconds @ms as "2025-10-20T06:48:12Z" (UTC)
 * into @buf, or "never" for 0.  Returns @buf.
 */
char *ctl_format_time(int64_t ms, char *buf, size_t len);

enum ctl_health {
	CTL_OK,     /* on the newest plan that has addresses for it */
	CTL_BEHIND, /* on an existing, older plan: serving, a warning */
	CTL_BACKUP, /* on authd's failover addresses: serving, off its plan */
	CTL_AHEAD,  /* marked with a generation the store never issued */
	CTL_BROKEN, /* no address, on no plan or on a deleted one */
};

/* ctl_health_name - "ok", "behind", "backup", "ahead" or "broken". */
const char *ctl_health_name(enum ctl_health h);

/* One endpoint: what authd serves, judged against the store. */
struct ctl_endpoint {
	char *name;
	struct endpoint_state st; /* from layout_read() */
	char **addrs;             /* the A and AAAA answers, as text */
	size_t naddrs;
	bool plan_exists; /* the plan st.target_gen names is in the store */
	bool deleted;     /* ... and it was deleted: see deletion */
	struct planstore_deletion deletion;
	uint64_t newest; /* newest plan with addresses for it, 0 none */
	uint64_t issued; /* the highest generation the store issued */
	bool ahead;      /* its marker is above it */
	enum ctl_health health;
	char why[640]; /* what is wrong, empty when ok */
};

/* One look at the system. */
struct ctl_view {
	int64_t now_ms;
	char region[64];
	struct planstore_control control;
	struct planstore_info *plans; /* oldest first */
	size_t nplans;
	uint64_t newest; /* newest plan, 0 none */
	uint64_t issued; /* the highest generation the store ever issued */
	struct reports_state *enactors;
	size_t nenactors;
	struct ctl_endpoint *eps; /* sorted by name */
	size_t neps;
	bool authd_read; /* eps hold what authd serves */
};

struct ctl;

/*
 * ctl_new - the CLI's context for @s (borrowed, must outlive it): loads
 * the key file when one is set (required when @need_key) and prepares
 * clients for authd; connects to nothing yet.  Errors here are errors of
 * the settings.  Free with ctl_free().
 */
dp_status ctl_new(const struct ctl_settings *s, bool need_key,
                  bool need_override, struct ctl **out, char *err,
                  size_t errlen);

/* ctl_free - close everything.  Idempotent on NULL. */
void ctl_free(struct ctl *c);

/*
 * ctl_open_store - open the plan store of the settings.  A file that does
 * not exist is an error (DP_ENOENT), never created: a mistyped path must
 * not pause or repair an empty store.
 */
dp_status ctl_open_store(struct ctl *c, char *err, size_t errlen);

/*
 * ctl_judge - decide @ep->health and @ep->why from @ep->st,
 * @ep->plan_exists, @ep->deleted (with @ep->deletion) and @ep->newest.
 * Pure.  Broken: no address (empty or NXDOMAIN), not a CNAME to a plan,
 * on a plan not in the store, a missing or malformed generation marker,
 * or a marker other than the plan's.  Behind: on an existing plan older
 * than @ep->newest.
 */
void ctl_judge(struct ctl_endpoint *ep);

/*
 * ctl_view_read - read the store and then, when @with_authd, authd into
 * @v (emptied first; free with ctl_view_free()).  The endpoints are those
 * of the newest plan and of the `endpoint` setting.  When the store was
 * read but authd could not be, returns DP_EIO with v->authd_read false
 * and the store's part filled in.
 */
dp_status ctl_view_read(struct ctl *c, bool with_authd, struct ctl_view *v,
                        char *err, size_t errlen);

/* ctl_view_free - release what @v holds.  Idempotent. */
void ctl_view_free(struct ctl_view *v);

/* ctl_view_count - how many endpoints of @v are in state @h. */
size_t ctl_view_count(const struct ctl_view *v, enum ctl_health h);

/* ctl_plan_users - how many endpoints of @v are on plan @gen. */
size_t ctl_plan_users(const struct ctl_view *v, uint64_t gen);

enum ctl_result {
	CTL_NOTHING, /* the endpoint was ok */
	CTL_WOULD,   /* dry run: the update that would be sent */
	CTL_APPLIED, /* authd took the update */
	CTL_REFUSED, /* authd answered with an error rcode */
	CTL_NO_PLAN, /* no plan in the store has addresses for it */
	CTL_FENCED,  /* ahead of the store: only --lower-fence moves it */
};

/* ctl_result_name - "nothing to do", "applied", ... */
const char *ctl_result_name(enum ctl_result r);

/* What repair did for one endpoint. */
struct ctl_action {
	const char *endpoint; /* borrowed from the view */
	enum ctl_health before;
	uint64_t from; /* the plan it was on, 0 none */
	uint64_t to;   /* the plan moved to, 0 none */
	enum ctl_result result;
	int rcode;        /* of the update, when one was sent */
	char detail[256]; /* the Extended DNS Error text of a refusal */
};

/*
 * ctl_repair - move every broken or behind endpoint of @v to the newest
 * plan that has addresses for it: one UPDATE per endpoint with the plan's
 * records, the CNAME and the marker, without prerequisites (an operator's
 * override), signed with the key (ctl_new() with @need_key).  With
 * @dry_run nothing is sent.  An endpoint ahead of the store (CTL_AHEAD)
 * is moved only with @lower_fence, signed with the override key that
 * authd's fence-override names (ctl_new() loads it when @lower_fence);
 * else its action says CTL_FENCED.
 * *@out is an array of v->neps actions (owned by the caller, free();
 * they borrow names from @v).  DP_EIO when authd cannot be reached (the
 * actions so far are in *@out).
 */
dp_status ctl_repair(struct ctl *c, const struct ctl_view *v, bool dry_run,
                     bool lower_fence, struct ctl_action **out, char *err,
                     size_t errlen);

/*
 * ctl_set_paused - set the automation switch, recorded as changed by
 * "dnsplanectl" for @reason.  *@was is the switch before.
 */
/* What retire did. */
enum ctl_retire_result {
	CTL_RETIRED,        /* authd took the update: the endpoint is gone */
	CTL_RETIRE_WOULD,   /* dry run */
	CTL_RETIRE_PLANNED, /* the newest plan still has it: refused here */
	CTL_RETIRE_REFUSED, /* authd refused the update (its guard, say) */
};

struct ctl_retire {
	enum ctl_retire_result result;
	uint64_t newest;  /* the store's newest plan */
	uint64_t on;      /* the plan it was on, 0 none */
	uint64_t fence;   /* its marker stays at this generation, 0 none */
	size_t nplans;    /* plans whose records of it were deleted */
	int rcode;        /* of the update, when one was sent */
	char detail[512]; /* the refusal's Extended DNS Error, or advice */
	unsigned naddrs;  /* addresses it answers afterwards */
};

/*
 * ctl_retire - take endpoint @name (canonical) out of authd for good:
 * one signed UPDATE deleting its addresses, its lock, its failover mark
 * and its records in every plan of the store (and the one its CNAME
 * names), so nothing is left dangling and cleanup can delete the plans it
 * stood on; its marker stays as a fence, raised to the store's newest
 * plan (which does not have it), so that an enactor paused with an older
 * plan cannot write it back.  Refused (CTL_RETIRE_PLANNED) while the store's newest plan
 * still has it: the planner's settings come first.  authd's guard
 * refuses it while authd guards the name.
 */
dp_status ctl_retire(struct ctl *c, const struct ctl_view *v, const char *name,
                     bool dry_run, struct ctl_retire *r, char *err,
                     size_t errlen);

dp_status ctl_set_paused(struct ctl *c, bool paused, const char *reason,
                         bool *was, char *err, size_t errlen);

#endif /* CTL_H */
