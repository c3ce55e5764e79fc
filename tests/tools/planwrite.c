/*
 * planwrite.c - writes into a plan store what the planner and the
 * enactors would, for the tests of the operator CLI.
 *
 * usage: planwrite STORE write ENDPOINT=ADDR[/WEIGHT][,ADDR...] ...
 *            a new plan (prints its generation); the store is bound to
 *            region us-east-1
 *        planwrite STORE delete GENERATION
 *            delete a plan, as an enactor's cleanup does
 *        planwrite STORE report ID GENERATION
 *            enactor ID's heartbeat, and that it applied GENERATION
 *        planwrite STORE list
 *            the generations the store lists, one a line (plans an
 *            enactor retired are not listed)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "planstore.h"

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Add "ENDPOINT=ADDR[/WEIGHT],..." to @p; -1 when malformed. */
static int add_endpoint(struct plan *p, char *arg)
{
	char *eq = strchr(arg, '=');
	if (eq == NULL)
		return -1;
	*eq = '\0';
	struct plan_endpoint *ep = planstore_plan_add_endpoint(p, arg);
	char *save = NULL;
	for (char *a = strtok_r(eq + 1, ",", &save); a != NULL;
	     a = strtok_r(NULL, ",", &save)) {
		char *slash = strchr(a, '/');
		uint32_t w = 1;
		if (slash != NULL) {
			*slash = '\0';
			w = (uint32_t)strtoul(slash + 1, NULL, 10);
		}
		if (planstore_endpoint_add_addr(ep, a, w) != DP_OK)
			return -1;
	}
	return 0;
}

static dp_status write_plan(struct planstore *ps, int argc, char **argv,
                            char *err, size_t errlen)
{
	struct plan *p = planstore_plan_new();
	dp_status rc = DP_OK;
	for (int i = 0; i < argc && rc == DP_OK; i++) {
		if (add_endpoint(p, argv[i]) != 0) {
			snprintf(err, errlen, "bad endpoint '%s'", argv[i]);
			rc = DP_EINVAL;
		}
	}
	uint64_t gen = 0;
	if (rc == DP_OK)
		rc = planstore_bind_region(ps, "us-east-1", err, errlen);
	if (rc == DP_OK)
		rc = planstore_write_plan(ps, p, PLANSTORE_ANY_BASE,
		                          "planwrite", &gen, err, errlen);
	if (rc == DP_OK)
		printf("%" PRIu64 "\n", gen);
	planstore_plan_free(p);
	return rc;
}

int main(int argc, char **argv)
{
	char err[1024] = "";
	struct planstore *ps = NULL;
	dp_status rc = DP_EINVAL;
	if (argc < 3) {
		fprintf(stderr, "usage: planwrite STORE write|delete|report|"
		                "list ARGS...\n");
		return 2;
	}
	if (planstore_open(argv[1], &ps, err, sizeof(err)) != DP_OK) {
		fprintf(stderr, "planwrite: %s\n", err);
		return 1;
	}
	const char *cmd = argv[2];
	if (strcmp(cmd, "write") == 0 && argc > 3) {
		rc = write_plan(ps, argc - 3, argv + 3, err, sizeof(err));
	} else if (strcmp(cmd, "delete") == 0 && argc == 4) {
		rc = planstore_delete_plan(ps, strtoull(argv[3], NULL, 10),
		                           "planwrite", "test cleanup", err,
		                           sizeof(err));
	} else if (strcmp(cmd, "report") == 0 && argc == 5) {
		uint64_t g = strtoull(argv[4], NULL, 10);
		rc = planstore_heartbeat(ps, argv[3], 0, now_ms(), err,
		                         sizeof(err));
		if (rc == DP_OK)
			rc = planstore_report_applied(ps, argv[3], g, NULL,
			                              now_ms(), err,
			                              sizeof(err));
	} else if (strcmp(cmd, "list") == 0 && argc == 3) {
		struct planstore_info *v = NULL;
		size_t n = 0;
		rc = planstore_list(ps, &v, &n, err, sizeof(err));
		for (size_t i = 0; rc == DP_OK && i < n; i++)
			printf("%" PRIu64 "\n", v[i].generation);
		free(v);
	} else {
		snprintf(err, sizeof(err), "bad command line");
	}
	if (rc != DP_OK)
		fprintf(stderr, "planwrite: %s\n", err);
	planstore_close(ps);
	return rc == DP_OK ? 0 : 1;
}
