/*
 * dnsplanectl.c - the operator CLI: arguments, settings, and one function
 * per command over tools/ctl.c (reading and repairing) and
 * tools/ctl_out.c (printing).
 *
 * status  what authd serves for every endpoint, judged against the store
 * plans   the plans in the store and which endpoints are on each
 * repair  move every broken or behind endpoint to its newest valid plan
 *         (--lower-fence: also those marked ahead of the store)
 * retire  take an endpoint the planner no longer has out of authd
 * pause   stop the planner and the enactors (the automation switch)
 * resume  let them run again
 *
 * Exit codes (enum ctl_exit): 0 all well, 1 an endpoint is broken, 2 a
 * usage or settings error, 3 the store or authd cannot be reached.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dp.h"
#include "ctl.h"
#include "dname.h"
#include "ctl_out.h"
#include "xalloc.h"

/* The command line, once taken apart. */
struct args {
	const char *config_file; /* -c */
	const char *command;
	const char *reason; /* --reason, pause and resume */
	const char *target; /* retire's endpoint */
	bool json;          /* --json */
	bool dry_run;       /* --dry-run, repair */
	bool lower_fence;   /* --lower-fence, repair */
	bool check_only;    /* -n */
	char **opts;        /* the --option value words, for the table */
	int nopts;
};

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: dnsplanectl [-c FILE] [--json] [--option value ...] "
	        "COMMAND\n"
	        "\n"
	        "commands:\n"
	        "  status                 every endpoint as authd serves it, "
	        "the plans,\n"
	        "                         the automation switch, the "
	        "enactors\n"
	        "  plans                  the plans in the store and who is "
	        "on them\n"
	        "  repair [--dry-run]     move every broken or behind "
	        "endpoint to the\n"
	        "                         newest plan with addresses for it "
	        "(needs key)\n"
	        "     [--lower-fence]     also those marked ahead of the "
	        "store, "
	        "signed\n"
	        "                         with override-key (authd's "
	        "fence-override)\n"
	        "  retire ENDPOINT [--dry-run]\n"
	        "                         take an endpoint the planner no "
	        "longer has out\n"
	        "                         of authd: its name, marks and plan "
	        "records (needs key)\n"
	        "  pause [--reason TEXT]  stop the planner and the enactors\n"
	        "  resume [--reason TEXT] let them run again\n"
	        "\n"
	        "  -c FILE   read settings from FILE (one 'option value' per "
	        "line)\n"
	        "  -n        check the settings, print them, exit\n"
	        "  --json    one JSON object on stdout\n"
	        "  -h, -V    this help, the version\n"
	        "\n"
	        "exit: 0 all well (behind is a warning), 1 an endpoint is "
	        "broken,\n"
	        "      2 usage or settings error, 3 store or authd "
	        "unreachable\n"
	        "\noptions (in a file without the leading --):\n");
	cfg_usage(ctl_options, out);
}

/* Does the table option named at @arg ("--name" or "--name=v") take the
 * next word as its value? */
static bool takes_next(const char *arg)
{
	if (strchr(arg, '=') != NULL)
		return false;
	for (const struct cfg_option *o = ctl_options; o->name; o++) {
		if (strcmp(o->name, arg + 2) == 0)
			return o->type != CFG_BOOL;
	}
	return false;
}

/* Take the command line apart; -1 on a usage error (message printed). */
static int parse_args(int argc, char **argv, struct args *a)
{
	a->opts = xcalloc((size_t)argc, sizeof(char *));
	for (int i = 1; i < argc; i++) {
		const char *w = argv[i];
		bool more = i + 1 < argc;
		if (strcmp(w, "-c") == 0 && more) {
			a->config_file = argv[++i];
		} else if (strcmp(w, "-n") == 0) {
			a->check_only = true;
		} else if (strcmp(w, "--json") == 0) {
			a->json = true;
		} else if (strcmp(w, "--dry-run") == 0) {
			a->dry_run = true;
		} else if (strcmp(w, "--lower-fence") == 0) {
			a->lower_fence = true;
		} else if (strcmp(w, "--reason") == 0 && more) {
			a->reason = argv[++i];
		} else if (strncmp(w, "--reason=", 9) == 0) {
			a->reason = w + 9;
		} else if (strncmp(w, "--", 2) == 0 && w[2] != '\0' &&
		           strcmp(w, "--reason") != 0) {
			a->opts[a->nopts++] = argv[i];
			if (takes_next(w) && more)
				a->opts[a->nopts++] = argv[++i];
		} else if (w[0] == '-') {
			fprintf(stderr, "dnsplanectl: unknown flag '%s'\n", w);
			return -1;
		} else if (a->command != NULL && a->target == NULL &&
		           strcmp(a->command, "retire") == 0) {
			a->target = w;
		} else if (a->command != NULL) {
			fprintf(stderr,
			        "dnsplanectl: unexpected argument '%s'\n", w);
			return -1;
		} else {
			a->command = w;
		}
	}
	if (a->check_only)
		return 0;
	static const char *const commands[] = {"status", "plans",  "repair",
	                                       "pause",  "resume", "retire"};
	bool known = false;
	for (size_t i = 0; a->command && i < 6; i++)
		known = known || strcmp(a->command, commands[i]) == 0;
	if (!known) {
		fprintf(stderr, "dnsplanectl: %s%s%s\n",
		        a->command ? "unknown command '"
		                   : "a command is needed",
		        a->command ? a->command : "", a->command ? "'" : "");
		return -1;
	}
	bool switching = strcmp(a->command, "pause") == 0 ||
	                 strcmp(a->command, "resume") == 0;
	if (a->reason != NULL && !switching) {
		fprintf(stderr,
		        "dnsplanectl: --reason is for pause and resume\n");
		return -1;
	}
	if (a->lower_fence && strcmp(a->command, "repair") != 0) {
		fprintf(stderr, "dnsplanectl: --lower-fence is for repair\n");
		return -1;
	}
	if (strcmp(a->command, "retire") == 0 && a->target == NULL) {
		fprintf(stderr, "dnsplanectl: retire needs an ENDPOINT\n");
		return -1;
	}
	if (a->dry_run && strcmp(a->command, "repair") != 0 &&
	    strcmp(a->command, "retire") != 0) {
		fprintf(stderr, "dnsplanectl: --dry-run is for repair\n");
		return -1;
	}
	return 0;
}

/* The settings: defaults, then the file, then the command line. */
static int read_settings(const struct args *a, struct ctl_settings *s,
                         char *err, size_t errlen)
{
	return cfg_read(ctl_options, s, a->config_file, a->nopts, a->opts, err,
	                errlen);
}

static int cmd_status(struct ctl *c, const struct args *a,
                      const struct ctl_settings *s)
{
	char err[1024];
	struct ctl_view v;
	int code = CTL_EXIT_OK;
	if (ctl_view_read(c, true, &v, err, sizeof(err)) != DP_OK) {
		ctl_out_error(stdout, a->command, err, CTL_EXIT_UNREACHABLE,
		              a->json);
		code = CTL_EXIT_UNREACHABLE;
	} else {
		ctl_out_status(stdout, s, &v, a->json);
		if (ctl_view_count(&v, CTL_BROKEN) > 0)
			code = CTL_EXIT_BROKEN;
	}
	ctl_view_free(&v);
	return code;
}

static int cmd_plans(struct ctl *c, const struct args *a)
{
	char err[1024];
	struct ctl_view v;
	int code = CTL_EXIT_OK;
	dp_status rc = ctl_view_read(c, true, &v, err, sizeof(err));
	if (rc == DP_EIO) {
		/* The store was read: list it, usage unknown. */
		fprintf(stderr,
		        "dnsplanectl: %s; which plans are in use is "
		        "unknown\n",
		        err);
		ctl_out_plans(stdout, &v, a->json);
		code = CTL_EXIT_UNREACHABLE;
	} else if (rc != DP_OK) {
		ctl_out_error(stdout, a->command, err, CTL_EXIT_UNREACHABLE,
		              a->json);
		code = CTL_EXIT_UNREACHABLE;
	} else {
		ctl_out_plans(stdout, &v, a->json);
	}
	ctl_view_free(&v);
	return code;
}

static int cmd_repair(struct ctl *c, const struct args *a,
                      const struct ctl_settings *s)
{
	char err[1024];
	struct ctl_view before, after;
	struct ctl_action *acts = NULL;
	int code = CTL_EXIT_OK;
	bool have_after = false;
	memset(&after, 0, sizeof(after));
	if (ctl_view_read(c, true, &before, err, sizeof(err)) != DP_OK) {
		ctl_out_error(stdout, a->command, err, CTL_EXIT_UNREACHABLE,
		              a->json);
		code = CTL_EXIT_UNREACHABLE;
		goto out;
	}
	if (ctl_repair(c, &before, a->dry_run, a->lower_fence, &acts, err,
	               sizeof(err)) != DP_OK) {
		/* What was done before authd or the store was lost. */
		ctl_out_repair(stdout, s, &before, acts, NULL, a->dry_run,
		               a->json);
		ctl_out_error(stdout, a->command, err, CTL_EXIT_UNREACHABLE,
		              false);
		code = CTL_EXIT_UNREACHABLE;
		goto out;
	}
	for (size_t i = 0; i < before.neps; i++) {
		if (acts[i].result == CTL_REFUSED ||
		    acts[i].result == CTL_NO_PLAN ||
		    acts[i].result == CTL_FENCED)
			code = CTL_EXIT_BROKEN;
	}
	if (a->dry_run) {
		if (ctl_view_count(&before, CTL_BROKEN) > 0)
			code = CTL_EXIT_BROKEN;
	} else if (ctl_view_read(c, true, &after, err, sizeof(err)) != DP_OK) {
		ctl_out_repair(stdout, s, &before, acts, NULL, false, a->json);
		fprintf(stderr, "dnsplanectl: after the repair: %s\n", err);
		code = CTL_EXIT_UNREACHABLE;
		goto out;
	} else {
		have_after = true;
		if (ctl_view_count(&after, CTL_BROKEN) > 0)
			code = CTL_EXIT_BROKEN;
	}
	ctl_out_repair(stdout, s, &before, acts, have_after ? &after : NULL,
	               a->dry_run, a->json);
out:
	free(acts);
	ctl_view_free(&after);
	ctl_view_free(&before);
	return code;
}

static int cmd_retire(struct ctl *c, const struct args *a)
{
	char err[1024], name[1024];
	struct ctl_view v;
	struct ctl_retire r;
	if (dname_canonical(a->target, name) != 0) {
		ctl_out_error(stdout, "retire", "retire: not a domain name",
		              CTL_EXIT_USAGE, a->json);
		return CTL_EXIT_USAGE;
	}
	if (ctl_view_read(c, false, &v, err, sizeof(err)) != DP_OK ||
	    ctl_retire(c, &v, name, a->dry_run, &r, err, sizeof(err)) !=
	            DP_OK) {
		ctl_view_free(&v);
		ctl_out_error(stdout, "retire", err, CTL_EXIT_UNREACHABLE,
		              a->json);
		return CTL_EXIT_UNREACHABLE;
	}
	ctl_view_free(&v);
	ctl_out_retire(stdout, name, &r, a->json);
	return r.result == CTL_RETIRED || r.result == CTL_RETIRE_WOULD
	               ? CTL_EXIT_OK
	               : CTL_EXIT_BROKEN;
}

static int cmd_switch(struct ctl *c, const struct args *a)
{
	char err[1024];
	bool paused = strcmp(a->command, "pause") == 0, was;
	const char *reason = a->reason ? a->reason : "";
	if (ctl_set_paused(c, paused, reason, &was, err, sizeof(err)) !=
	    DP_OK) {
		ctl_out_error(stdout, a->command, err, CTL_EXIT_UNREACHABLE,
		              a->json);
		return CTL_EXIT_UNREACHABLE;
	}
	ctl_out_switch(stdout, a->command, paused, was, reason, a->json);
	return CTL_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct args a;
	struct ctl_settings s;
	struct ctl *c = NULL;
	char err[1024];
	int code = CTL_EXIT_USAGE;

	memset(&a, 0, sizeof(a));
	memset(&s, 0, sizeof(s));
	if (cfg_man_flag(ctl_options, argc, argv))
		return CTL_EXIT_OK;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return CTL_EXIT_OK;
		}
		if (strcmp(argv[i], "-V") == 0 ||
		    strcmp(argv[i], "--version") == 0) {
			printf("dnsplanectl (dnsplane) %s\n", DP_VERSION);
			return CTL_EXIT_OK;
		}
	}
	if (parse_args(argc, argv, &a) != 0) {
		fprintf(stderr, "dnsplanectl -h shows the usage\n");
		goto out;
	}
	const char *command = a.command ? a.command : "check";
	bool repair = strcmp(command, "repair") == 0;
	bool retire = strcmp(command, "retire") == 0;
	if (read_settings(&a, &s, err, sizeof(err)) != 0 ||
	    ctl_new(&s, (repair || retire) && !a.dry_run,
	            repair && !a.dry_run && a.lower_fence, &c, err,
	            sizeof(err)) != DP_OK) {
		ctl_out_error(stdout, command, err, CTL_EXIT_USAGE, a.json);
		goto out;
	}
	if (a.check_only) {
		printf("# dnsplanectl: settings%s%s are valid\n",
		       a.config_file ? " in " : "",
		       a.config_file ? a.config_file : "");
		cfg_print(ctl_options, &s, stdout);
		code = CTL_EXIT_OK;
		goto out;
	}
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	if (ctl_open_store(c, err, sizeof(err)) != DP_OK) {
		code = CTL_EXIT_UNREACHABLE;
		ctl_out_error(stdout, command, err, code, a.json);
		goto out;
	}
	if (strcmp(command, "status") == 0)
		code = cmd_status(c, &a, &s);
	else if (strcmp(command, "plans") == 0)
		code = cmd_plans(c, &a);
	else if (repair)
		code = cmd_repair(c, &a, &s);
	else if (retire)
		code = cmd_retire(c, &a);
	else
		code = cmd_switch(c, &a);
out:
	ctl_free(c);
	cfg_free(ctl_options, &s);
	free(a.opts);
	return code;
}
