/*
 * dnsprobe_plot.h - the prober's picture: availability over time, drawn
 * by gnuplot from the timelines (CSV) dnsprobe writes.
 *
 * One panel per timeline: the answers of each interval as a stacked bar
 * coloured by outcome (addresses, empty, NXDOMAIN, error rcode, no
 * answer), the generation served as a line on the right axis with its
 * steps back marked, and the events of an events file ("unix_ms label"
 * lines: pauses, resumes, repairs) as labelled vertical lines.
 */
#ifndef DNSPROBE_PLOT_H
#define DNSPROBE_PLOT_H

#include <stddef.h>

#include "dp.h"

/* The CSV header dnsprobe writes; the plot reads the columns by place. */
#define PROBE_CSV_HEADER                                                       \
	"t_ms,probes,ok,empty,nxdomain,error,noanswer,addrs_min,addrs_max,"    \
	"gen,gen_txt,back,lat_avg_ms,lat_max_ms"

struct plot_series {
	const char *csv;   /* a timeline dnsprobe wrote */
	const char *label; /* the panel's title */
};

/*
 * probe_plot_script - write the gnuplot script that draws @series (@n of
 * them) with the events of @events (NULL: none) and the title @title
 * into @out (PNG, or SVG when it ends in .svg) to the file @script.
 * DP_ENOENT when no timeline has a row, DP_EIO on a file error; @err
 * says which.
 */
dp_status probe_plot_script(const struct plot_series *series, size_t n,
                            const char *events, const char *title,
                            const char *out, const char *script, char *err,
                            size_t errlen);

/*
 * probe_plot - probe_plot_script() into OUT.gp, then run gnuplot on it.
 * DP_EIO when gnuplot is missing or fails (@err says which).
 */
dp_status probe_plot(const struct plot_series *series, size_t n,
                     const char *events, const char *title, const char *out,
                     char *err, size_t errlen);

#endif /* DNSPROBE_PLOT_H */
