/*
 * dnsprobe_judge.c - what the prober's answers say: parsing (ldns),
 * the timeline, the changes of state and the invariants.  No I/O.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

#include "dnsprobe_judge.h"
#include "layout.h"
#include "wire.h"
#include "xalloc.h"

/* Latency histogram: 8 buckets per power of two, up to 2^40 us. */
#define HIST_SUB     8
#define HIST_BUCKETS (HIST_SUB * 41)

struct probe_judge {
	int64_t start_ms;
	int interval_ms;
	/* Open intervals: rows[i] is interval number base + i. */
	struct probe_row *rows;
	size_t nrows, cap;
	int64_t base;
	/* The state: the outcome of the last probe and since when. */
	bool started;
	enum probe_outcome state;
	int64_t state_since;
	unsigned state_probes;
	/* A run of answers without an address, -1 when none. */
	int64_t noaddr_since;
	uint64_t last_gen, last_txt;
	struct probe_summary sum;
	struct probe_period *periods;
	size_t nperiods, pcap;
	unsigned long long hist[HIST_BUCKETS];
	bool finished;
};

static const char *const outcome_names[] = {
        [PROBE_OK] = "ok",
        [PROBE_EMPTY] = "empty",
        [PROBE_NXDOMAIN] = "nxdomain",
        [PROBE_ERROR] = "error",
        [PROBE_NOANSWER] = "noanswer",
};

static const char *const outcome_texts[] = {
        [PROBE_OK] = "answers with addresses",
        [PROBE_EMPTY] = "empty answers (NODATA)",
        [PROBE_NXDOMAIN] = "NXDOMAIN",
        [PROBE_ERROR] = "error rcodes",
        [PROBE_NOANSWER] = "no answer",
};

const char *probe_outcome_name(enum probe_outcome o)
{
	return o < PROBE_OUTCOMES ? outcome_names[o] : "none";
}

const char *probe_outcome_text(enum probe_outcome o)
{
	return o < PROBE_OUTCOMES ? outcome_texts[o] : "nothing yet";
}

/* ---- wire ---- */

uint8_t *probe_query(const char *name, uint16_t type, uint16_t id, bool rd,
                     size_t *len)
{
	ldns_rdf *owner = ldns_dname_new_frm_str(name);
	if (owner == NULL)
		return NULL;
	ldns_pkt *q = ldns_pkt_query_new(owner, (ldns_rr_type)type,
	                                 LDNS_RR_CLASS_IN, rd ? LDNS_RD : 0);
	if (q == NULL)
		return NULL;
	ldns_pkt_set_id(q, id);
	ldns_pkt_set_edns_udp_size(q, 1232);
	uint8_t *wire = NULL;
	ldns_status st = ldns_pkt2wire(&wire, q, len);
	ldns_pkt_free(q);
	if (st != LDNS_STATUS_OK) {
		free(wire);
		return NULL;
	}
	return wire;
}

dp_status probe_answer_id(const uint8_t *wire, size_t len, uint16_t *id,
                          uint16_t *qtype)
{
	/* Header, then one question: its name, type and class. */
	if (len < 12 || !(wire[2] & 0x80) || rd16(wire + 4) != 1)
		return DP_EPARSE;
	size_t o = 12;
	while (o < len && wire[o] != 0) {
		if (wire[o] & 0xc0)
			return DP_EPARSE; /* no compression in a question */
		o += (size_t)wire[o] + 1;
	}
	if (o + 5 > len)
		return DP_EPARSE;
	*id = rd16(wire);
	*qtype = rd16(wire + o + 1);
	return DP_OK;
}

dp_status probe_parse_answer(const uint8_t *wire, size_t len, const char *name,
                             struct probe_answer *out)
{
	ldns_pkt *p = NULL;
	if (ldns_wire2pkt(&p, wire, len) != LDNS_STATUS_OK)
		return DP_EPARSE;
	memset(out, 0, sizeof(*out));
	out->rcode = ldns_pkt_get_rcode(p);
	ldns_rr_list *an = ldns_pkt_answer(p);
	ldns_rdf *owner = ldns_dname_new_frm_str(name);
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		ldns_rr *rr = ldns_rr_list_rr(an, i);
		ldns_rr_type t = ldns_rr_get_type(rr);
		if (t == LDNS_RR_TYPE_A || t == LDNS_RR_TYPE_AAAA) {
			out->naddrs++;
		} else if (t == LDNS_RR_TYPE_CNAME && owner != NULL &&
		           ldns_dname_compare(ldns_rr_owner(rr), owner) == 0 &&
		           ldns_rr_rd_count(rr) == 1) {
			char *target = ldns_rdf2str(ldns_rr_rdf(rr, 0));
			if (target != NULL)
				out->gen = layout_plan_gen(target, name);
			free(target);
		}
	}
	ldns_rdf_deep_free(owner);
	ldns_pkt_free(p);
	return DP_OK;
}

dp_status probe_parse_txt(const uint8_t *wire, size_t len, uint64_t *gen)
{
	ldns_pkt *p = NULL;
	if (ldns_wire2pkt(&p, wire, len) != LDNS_STATUS_OK)
		return DP_EPARSE;
	*gen = 0;
	ldns_rr_list *an = ldns_pkt_answer(p);
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		ldns_rr *rr = ldns_rr_list_rr(an, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_TXT ||
		    ldns_rr_rd_count(rr) < 1)
			continue;
		/* A character-string: a length byte, then the text. */
		const ldns_rdf *rd = ldns_rr_rdf(rr, 0);
		const uint8_t *d = ldns_rdf_data(rd);
		size_t n = ldns_rdf_size(rd);
		if (n < 2 || (size_t)d[0] + 1 > n || d[0] > 20)
			break;
		uint64_t g = 0;
		size_t k;
		for (k = 1; k <= d[0] && d[k] >= '0' && d[k] <= '9'; k++)
			g = g * 10 + (uint64_t)(d[k] - '0');
		if (k == (size_t)d[0] + 1)
			*gen = g;
		break;
	}
	ldns_pkt_free(p);
	return DP_OK;
}

enum probe_outcome probe_classify(int rcode, unsigned naddrs)
{
	if (rcode < 0)
		return PROBE_NOANSWER;
	if (rcode == LDNS_RCODE_NXDOMAIN)
		return PROBE_NXDOMAIN;
	if (rcode != LDNS_RCODE_NOERROR)
		return PROBE_ERROR;
	return naddrs > 0 ? PROBE_OK : PROBE_EMPTY;
}

/* ---- the judge ---- */

struct probe_judge *probe_judge_new(int64_t start_ms, int interval_ms)
{
	struct probe_judge *j = xcalloc(1, sizeof(*j));
	j->start_ms = start_ms;
	j->interval_ms = interval_ms > 0 ? interval_ms : 100;
	j->noaddr_since = -1;
	j->sum.lat_p50_us = j->sum.lat_p99_us = j->sum.lat_max_us = -1;
	return j;
}

void probe_judge_free(struct probe_judge *j)
{
	if (j == NULL)
		return;
	free(j->rows);
	free(j->periods);
	free(j);
}

static struct probe_row *row_for(struct probe_judge *j, int64_t at_ms)
{
	int64_t k = (at_ms - j->start_ms) / j->interval_ms;
	if (at_ms < j->start_ms || k < j->base)
		k = j->base; /* late (clock stepped back): the oldest open */
	while ((int64_t)j->nrows <= k - j->base) {
		if (j->nrows == j->cap) {
			j->cap = j->cap ? 2 * j->cap : 64;
			j->rows = xrealloc(j->rows, j->cap * sizeof(*j->rows));
		}
		struct probe_row *r = &j->rows[j->nrows];
		memset(r, 0, sizeof(*r));
		r->start_ms = j->start_ms +
		              (j->base + (int64_t)j->nrows) * j->interval_ms;
		j->nrows++;
	}
	return &j->rows[k - j->base];
}

static size_t hist_bucket(int64_t us)
{
	if (us < HIST_SUB)
		return us < 0 ? 0 : (size_t)us;
	int e = 63 - __builtin_clzll((unsigned long long)us);
	size_t b = (size_t)e * HIST_SUB +
	           (size_t)(((unsigned long long)us >> (e - 3)) & 7);
	return b < HIST_BUCKETS ? b : HIST_BUCKETS - 1;
}

static int64_t hist_upper(size_t b)
{
	if (b < HIST_SUB)
		return (int64_t)b;
	int e = (int)(b / HIST_SUB);
	int64_t sub = (int64_t)(b % HIST_SUB);
	return ((HIST_SUB + sub + 1) << (e - 3)) - 1;
}

static void add_period(struct probe_judge *j, enum probe_outcome o,
                       int64_t from, int64_t to, unsigned probes)
{
	if (to - from > j->sum.longest_ms[o])
		j->sum.longest_ms[o] = to - from;
	j->sum.total_ms[o] += to - from;
	if (o == PROBE_OK)
		return;
	if (j->nperiods == j->pcap) {
		j->pcap = j->pcap ? 2 * j->pcap : 16;
		j->periods =
		        xrealloc(j->periods, j->pcap * sizeof(*j->periods));
	}
	j->periods[j->nperiods++] = (struct probe_period){from, to, o, probes};
}

static void end_noaddr(struct probe_judge *j, int64_t at)
{
	if (j->noaddr_since < 0)
		return;
	int64_t d = at - j->noaddr_since;
	if (d > j->sum.longest_empty_ms)
		j->sum.longest_empty_ms = d;
	j->sum.total_empty_ms += d;
	j->noaddr_since = -1;
}

/* Follow one generation source; a step back is an event. */
static size_t follow_gen(uint64_t *last, uint64_t g, bool txt,
                         const struct probe_result *r, struct probe_event *ev,
                         unsigned long long *backs)
{
	if (g == 0)
		return 0;
	uint64_t old = *last;
	*last = g;
	if (old == 0 || g == old)
		return 0;
	memset(ev, 0, sizeof(*ev));
	ev->kind = g < old ? PROBE_EV_BACK : PROBE_EV_GEN;
	ev->at_ms = r->sent_ms;
	ev->gen_from = old;
	ev->gen_to = g;
	ev->txt = txt;
	ev->naddrs = r->naddrs;
	ev->from = ev->to = r->outcome;
	if (g < old)
		(*backs)++;
	return 1;
}

size_t probe_judge_add(struct probe_judge *j, const struct probe_result *r,
                       struct probe_event *ev)
{
	size_t n = 0;
	struct probe_summary *s = &j->sum;
	enum probe_outcome o =
	        r->outcome < PROBE_OUTCOMES ? r->outcome : PROBE_NOANSWER;
	if (s->probes == 0)
		s->first_ms = r->sent_ms;
	s->last_ms = r->sent_ms;
	s->probes++;
	s->count[o]++;

	struct probe_row *row = row_for(j, r->sent_ms);
	row->probes++;
	row->count[o]++;
	if (r->rcode >= 0) {
		/* The first answered probe of the interval sets the minimum. */
		bool first = row->probes - row->count[PROBE_NOANSWER] == 1;
		if (first || r->naddrs < row->addrs_min)
			row->addrs_min = r->naddrs;
		if (r->naddrs > row->addrs_max)
			row->addrs_max = r->naddrs;
	}
	if (r->latency_us >= 0) {
		row->lat_n++;
		row->lat_sum_us += r->latency_us;
		if (r->latency_us > row->lat_max_us)
			row->lat_max_us = r->latency_us;
		if (r->latency_us > s->lat_max_us)
			s->lat_max_us = r->latency_us;
		j->hist[hist_bucket(r->latency_us)]++;
	}

	/* The outcome: a change of state closes the old one. */
	if (!j->started || o != j->state) {
		memset(&ev[n], 0, sizeof(ev[n]));
		ev[n].kind = PROBE_EV_STATE;
		ev[n].at_ms = r->sent_ms;
		ev[n].from = j->started ? j->state : PROBE_OUTCOMES;
		ev[n].to = o;
		ev[n].lasted_ms = j->started ? r->sent_ms - j->state_since : 0;
		ev[n].gen_to = r->gen;
		ev[n].naddrs = r->naddrs;
		n++;
		if (j->started)
			add_period(j, j->state, j->state_since, r->sent_ms,
			           j->state_probes);
		j->started = true;
		j->state = o;
		j->state_since = r->sent_ms;
		j->state_probes = 0;
	}
	j->state_probes++;
	if (o == PROBE_EMPTY || o == PROBE_NXDOMAIN) {
		if (j->noaddr_since < 0)
			j->noaddr_since = r->sent_ms;
	} else {
		end_noaddr(j, r->sent_ms);
	}

	/* The generations. */
	unsigned long long before = s->back + s->back_txt;
	n += follow_gen(&j->last_gen, r->gen, false, r, &ev[n], &s->back);
	if (n < PROBE_MAX_EVENTS)
		n += follow_gen(&j->last_txt, r->gen_txt, true, r, &ev[n],
		                &s->back_txt);
	row->back += (unsigned)(s->back + s->back_txt - before);
	if (r->gen != 0) {
		row->gen = r->gen;
		if (s->gen_first == 0)
			s->gen_first = r->gen;
		s->gen_last = r->gen;
		if (r->gen > s->gen_max)
			s->gen_max = r->gen;
	}
	if (r->gen_txt != 0)
		row->gen_txt = r->gen_txt;
	return n;
}

bool probe_judge_next_row(struct probe_judge *j, int64_t horizon_ms,
                          struct probe_row *out)
{
	int64_t start = j->start_ms + j->base * j->interval_ms;
	if (start + j->interval_ms > horizon_ms)
		return false;
	if (j->nrows > 0) {
		*out = j->rows[0];
		memmove(j->rows, j->rows + 1,
		        (j->nrows - 1) * sizeof(*j->rows));
		j->nrows--;
	} else {
		memset(out, 0, sizeof(*out));
		out->start_ms = start;
	}
	j->base++;
	return true;
}

void probe_judge_finish(struct probe_judge *j, int64_t end_ms)
{
	if (j->finished || !j->started)
		return;
	j->finished = true;
	if (end_ms < j->sum.last_ms)
		end_ms = j->sum.last_ms;
	add_period(j, j->state, j->state_since, end_ms, j->state_probes);
	end_noaddr(j, end_ms);
}

void probe_judge_summary(const struct probe_judge *j, struct probe_summary *out)
{
	*out = j->sum;
	out->periods = j->periods;
	out->nperiods = j->nperiods;
	unsigned long long total = 0, seen = 0;
	for (size_t b = 0; b < HIST_BUCKETS; b++)
		total += j->hist[b];
	if (total == 0)
		return;
	out->lat_p50_us = out->lat_p99_us = -1;
	for (size_t b = 0; b < HIST_BUCKETS; b++) {
		seen += j->hist[b];
		if (out->lat_p50_us < 0 && 2 * seen >= total)
			out->lat_p50_us = hist_upper(b);
		if (out->lat_p99_us < 0 && 100 * seen >= 99 * total)
			out->lat_p99_us = hist_upper(b);
	}
	if (out->lat_p50_us > out->lat_max_us)
		out->lat_p50_us = out->lat_max_us;
	if (out->lat_p99_us > out->lat_max_us)
		out->lat_p99_us = out->lat_max_us;
}

unsigned long long probe_violations(const struct probe_summary *s)
{
	return s->count[PROBE_EMPTY] + s->count[PROBE_NXDOMAIN] + s->back +
	       s->back_txt;
}
