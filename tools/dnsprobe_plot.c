/*
 * dnsprobe_plot.c - a gnuplot script from dnsprobe's timelines and an
 * events file, and gnuplot run on it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "dnsprobe_plot.h"
#include "xalloc.h"

extern char **environ;

/* What the plot needs of a timeline: its first row, its interval, its
 * last row and the highest generation in it. */
struct span {
	int64_t t0, step, t_end;
	uint64_t gen_max;
};

static int csv_span(const char *path, struct span *sp)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	char line[512];
	long long t[2];
	int n = 0;
	sp->gen_max = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] < '0' || line[0] > '9')
			continue;
		long long tm = atoll(line);
		if (n < 2)
			t[n] = tm;
		n++;
		sp->t_end = tm;
		/* gen is the tenth column. */
		const char *c = line;
		for (int k = 0; k < 9 && c != NULL; k++)
			if ((c = strchr(c, ',')) != NULL)
				c++;
		if (c != NULL && *c >= '0' && *c <= '9') {
			uint64_t g = strtoull(c, NULL, 10);
			if (g > sp->gen_max)
				sp->gen_max = g;
		}
	}
	fclose(f);
	if (n == 0)
		return -1;
	sp->t0 = t[0];
	sp->step = n >= 2 && t[1] > t[0] ? t[1] - t[0] : 100;
	sp->t_end += sp->step;
	return 0;
}

/* A step for the generation axis: about eight tics, whole numbers. */
static uint64_t gen_tic(uint64_t max)
{
	static const uint64_t nice[] = {1, 2, 5};
	for (uint64_t scale = 1;; scale *= 10)
		for (int i = 0; i < 3; i++)
			if (nice[i] * scale * 8 >= max)
				return nice[i] * scale;
}

/* @s as a gnuplot single-quoted string. */
static void put_quoted(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s != '\0' && *s != '\n'; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

/* The events as vertical lines, labelled in the first panel only. */
static void put_events(FILE *g, const char *events, int64_t t0, bool labels)
{
	FILE *f = events ? fopen(events, "r") : NULL;
	if (f == NULL)
		return;
	char line[512];
	int i = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *end;
		long long ms = strtoll(line, &end, 10);
		if (end == line || ms < t0)
			continue;
		while (*end == ' ' || *end == '\t')
			end++;
		double x = (double)(ms - t0) / 1000.0;
		fprintf(g,
		        "set arrow from %.3f, graph 0 to %.3f, graph 1 nohead "
		        "back lc rgb '#1f4e9c' lw 1.2 dt 2\n",
		        x, x);
		if (labels && *end != '\0' && *end != '\n') {
			/* Three heights in turn: close events stay legible. */
			fprintf(g, "set label %d ", 100 + i);
			put_quoted(g, end);
			fprintf(g,
			        " at %.3f, graph %.2f right rotate by 90 front "
			        "boxed font ',8' tc rgb '#1f4e9c'\n",
			        x, 0.98 - 0.27 * (i % 3));
			i++;
		}
	}
	fclose(f);
}

static const char *const layers[][3] = {
        /* cumulative columns, colour, title; drawn tallest first */
        {"($3+$4+$5+$6+$7)", "#9e9e9e", "no answer"},
        {"($3+$4+$5+$6)", "#7b1fa2", "error rcode (SERVFAIL, REFUSED)"},
        {"($3+$4+$5)", "#d62728", "NXDOMAIN"},
        {"($3+$4)", "#ff9f1c", "empty answer (NODATA)"},
        {"($3)", "#2ca02c", "answers with addresses"},
};

dp_status probe_plot_script(const struct plot_series *series, size_t n,
                            const char *events, const char *title,
                            const char *out, const char *script, char *err,
                            size_t errlen)
{
	int64_t t0 = INT64_MAX, step = 100, t_end = 0;
	uint64_t gen_max = 0;
	size_t rows = 0;
	for (size_t i = 0; i < n; i++) {
		struct span sp;
		if (csv_span(series[i].csv, &sp) != 0)
			continue;
		rows++;
		if (sp.t0 < t0) {
			t0 = sp.t0;
			step = sp.step;
		}
		if (sp.t_end > t_end)
			t_end = sp.t_end;
		if (sp.gen_max > gen_max)
			gen_max = sp.gen_max;
	}
	if (rows == 0) {
		snprintf(err, errlen, "no timeline with a row to plot");
		return DP_ENOENT;
	}
	FILE *g = fopen(script, "w");
	if (g == NULL) {
		snprintf(err, errlen, "%s: %s", script, strerror(errno));
		return DP_EIO;
	}
	size_t len = strlen(out);
	bool svg = len > 4 && strcmp(out + len - 4, ".svg") == 0;
	int h = 120 + 300 * (int)n;
	fprintf(g, "# Drawn by dnsprobe; run `gnuplot %s` to draw it again.\n",
	        script);
	if (svg)
		fprintf(g,
		        "set terminal svg size 1400,%d dynamic noenhanced "
		        "font 'sans,11' background '#ffffff'\n",
		        h);
	else
		fprintf(g,
		        "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
		        "  set terminal pngcairo size 1400,%d noenhanced "
		        "font 'sans,10'\n"
		        "} else {\n"
		        "  set terminal png size 1400,%d noenhanced\n"
		        "}\n",
		        h, h);
	fprintf(g, "set output ");
	put_quoted(g, out);
	fprintf(g,
	        "\nset datafile separator ','\n"
	        "set style fill solid 1.0 border\n"
	        "set style textbox opaque fc rgb '#ffffff' noborder\n"
	        "set boxwidth %.3f absolute\n"
	        "set xlabel 'seconds since the first probe'\n"
	        "set ylabel 'answers per %lld ms'\n"
	        "set y2label 'plan generation served'\n"
	        "set xrange [0:%.3f]\n"
	        "set ytics nomirror\nset yrange [0:*]\n"
	        "set y2range [0:%llu]\nset y2tics %llu\n"
	        "set key outside right top vertical font ',9'\n"
	        "set grid ytics lc rgb '#dddddd'\n"
	        "set lmargin 10\nset rmargin 40\n",
	        (double)step / 1000.0, (long long)step,
	        (double)(t_end - t0) / 1000.0,
	        (unsigned long long)(gen_max ? gen_max + gen_max / 10 + 1 : 1),
	        (unsigned long long)gen_tic(gen_max + 1));
	fprintf(g, "set multiplot layout %zu,1 title ", n);
	put_quoted(g, title ? title : "dnsprobe: what clients saw");
	fprintf(g, " font ',13'\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(g, "unset arrow\nunset label\nset title ");
		put_quoted(g,
		           series[i].label ? series[i].label : series[i].csv);
		fprintf(g, "\n");
		put_events(g, events, t0, i == 0);
		const char *f = series[i].csv;
		fprintf(g, "plot ");
		for (size_t k = 0; k < sizeof(layers) / sizeof(layers[0]);
		     k++) {
			put_quoted(g, k == 0 ? f : "");
			fprintf(g,
			        " skip 1 using (($1-%" PRId64
			        ")/1000.0+%.3f):%s with boxes lc rgb '%s' "
			        "title '%s', \\\n     ",
			        t0, (double)step / 2000.0, layers[k][0],
			        layers[k][1], layers[k][2]);
		}
		fprintf(g,
		        "'' skip 1 using (($1-%" PRId64
		        ")/1000.0):($10>0?$10:NaN) axes x1y2 with steps "
		        "lw 1.5 lc rgb '#000000' title 'generation (CNAME)', "
		        "\\\n"
		        "     '' skip 1 using (($1-%" PRId64
		        ")/1000.0):($12>0?$10:NaN) axes x1y2 with points pt 9 "
		        "ps 1.8 lc rgb '#d62728' title 'generation went "
		        "back'\n",
		        t0, t0);
	}
	fprintf(g, "unset multiplot\n");
	if (fclose(g) != 0) {
		snprintf(err, errlen, "%s: %s", script, strerror(errno));
		return DP_EIO;
	}
	return DP_OK;
}

dp_status probe_plot(const struct plot_series *series, size_t n,
                     const char *events, const char *title, const char *out,
                     char *err, size_t errlen)
{
	char *script = xasprintf("%s.gp", out);
	char *log = xasprintf("%s.gp.log", out);
	dp_status rc = probe_plot_script(series, n, events, title, out, script,
	                                 err, errlen);
	if (rc != DP_OK)
		goto done;
	/* gnuplot's warnings (a layer without a point) are noise unless it
	 * fails: they go to a file kept only then. */
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 2, log,
	                                 O_WRONLY | O_CREAT | O_TRUNC, 0644);
	char *argv[] = {"gnuplot", script, NULL};
	pid_t pid;
	int e = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (e != 0) {
		remove(log);
		snprintf(err, errlen,
		         "cannot run gnuplot (%s): apt-get install gnuplot-nox",
		         strerror(e));
		rc = DP_EIO;
		goto done;
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(err, errlen, "gnuplot failed on %s (see %s)", script,
		         log);
		rc = DP_EIO;
	} else {
		remove(log);
	}
done:
	free(script);
	free(log);
	return rc;
}
