/*
 * dnsprobe_judge.h - the prober's judgement, without sockets.
 *
 * What one answer says (its outcome, the addresses in it, the plan
 * generation it was served from) and what a stream of answers says: a
 * timeline of fixed intervals, the changes of state, the periods without
 * an address, and the invariants a client of the endpoint relies on:
 * never NXDOMAIN, never an empty answer, and a generation that never goes
 * back.  tools/dnsprobe.c feeds it from its sockets; the unit test feeds
 * it by hand.
 */
#ifndef DNSPROBE_JUDGE_H
#define DNSPROBE_JUDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp.h"

enum probe_outcome {
	PROBE_OK,       /* NOERROR with at least one address */
	PROBE_EMPTY,    /* NOERROR without an address (NODATA) */
	PROBE_NXDOMAIN, /* the name does not exist (at the end of the chain) */
	PROBE_ERROR,    /* any other rcode: SERVFAIL, REFUSED, ... */
	PROBE_NOANSWER, /* nothing within the timeout */
	PROBE_OUTCOMES,
};

/* probe_outcome_name - "ok", "empty", "nxdomain", "error", "noanswer". */
const char *probe_outcome_name(enum probe_outcome o);

/* probe_outcome_text - the words for a person: "NXDOMAIN", ... */
const char *probe_outcome_text(enum probe_outcome o);

/* What an address answer says. */
struct probe_answer {
	int rcode;
	unsigned naddrs; /* A and AAAA records in the answer section */
	uint64_t gen;    /* from the CNAME NAME -> g<G>._plan.NAME, 0: none */
};

/*
 * probe_query - the wire form of a query for @name @type (class IN) with
 * ID @id, RD set when @rd, and an EDNS0 OPT of 1232 bytes.  Returns a
 * buffer owned by the caller (free()) and its length in *@len, or NULL
 * when @name is not a valid name.
 */
uint8_t *probe_query(const char *name, uint16_t type, uint16_t id, bool rd,
                     size_t *len);

/*
 * probe_answer_id - the ID and question type of the response in @wire.
 * DP_EPARSE when it is not a DNS response.
 */
dp_status probe_answer_id(const uint8_t *wire, size_t len, uint16_t *id,
                          uint16_t *qtype);

/*
 * probe_parse_answer - read the response to an address query for @name
 * (absolute, with the final dot) into @out.  DP_EPARSE when @wire is not
 * a parsable response.
 */
dp_status probe_parse_answer(const uint8_t *wire, size_t len, const char *name,
                             struct probe_answer *out);

/*
 * probe_parse_txt - the generation in the response to the TXT query of
 * _gen.NAME: the first TXT string read as a decimal number, 0 when there
 * is none or it is not a number.  DP_EPARSE as above.
 */
dp_status probe_parse_txt(const uint8_t *wire, size_t len, uint64_t *gen);

/* One probe, as the judge takes it. */
struct probe_result {
	int64_t sent_ms; /* Unix time the probe was sent, in ms */
	enum probe_outcome outcome;
	int rcode; /* -1 without an answer */
	unsigned naddrs;
	uint64_t gen;       /* generation served (the CNAME), 0 unknown */
	uint64_t gen_txt;   /* the _gen TXT marker when asked, 0 unknown */
	int64_t latency_us; /* -1 without an answer */
};

/* probe_classify - the outcome of an answer with @rcode (-1: none). */
enum probe_outcome probe_classify(int rcode, unsigned naddrs);

/* One interval of the timeline. */
struct probe_row {
	int64_t start_ms; /* Unix ms */
	unsigned probes;
	unsigned count[PROBE_OUTCOMES];
	unsigned addrs_min, addrs_max; /* over the answered probes */
	uint64_t gen, gen_txt;         /* the last known in the interval */
	unsigned back;                 /* steps back of either generation */
	int64_t lat_sum_us, lat_max_us;
	unsigned lat_n;
};

enum probe_event_kind {
	PROBE_EV_STATE, /* the outcome changed */
	PROBE_EV_GEN,   /* the generation moved forward */
	PROBE_EV_BACK,  /* the generation went back: a violation */
};

#define PROBE_MAX_EVENTS 3

struct probe_event {
	enum probe_event_kind kind;
	int64_t at_ms;
	enum probe_outcome from, to; /* from == PROBE_OUTCOMES: first */
	int64_t lasted_ms;           /* how long the old state lasted */
	uint64_t gen_from, gen_to;
	bool txt; /* PROBE_EV_BACK of the TXT marker */
	unsigned naddrs;
};

/* A run of probes with the same outcome other than ok. */
struct probe_period {
	int64_t start_ms, end_ms;
	enum probe_outcome outcome;
	unsigned probes;
};

struct probe_summary {
	int64_t first_ms, last_ms; /* first and last probe sent */
	unsigned long long probes, count[PROBE_OUTCOMES];
	unsigned long long back, back_txt; /* steps back */
	int64_t longest_ms[PROBE_OUTCOMES], total_ms[PROBE_OUTCOMES];
	/* The longest run of answers without an address (empty or
	 * NXDOMAIN, in any mix). */
	int64_t longest_empty_ms, total_empty_ms;
	uint64_t gen_first, gen_last, gen_max;
	int64_t lat_p50_us, lat_p99_us, lat_max_us; /* -1: no answer */
	size_t nperiods;
	const struct probe_period *periods; /* borrowed from the judge */
};

struct probe_judge;

/*
 * probe_judge_new - a judge whose timeline starts at @start_ms (Unix ms)
 * in intervals of @interval_ms.  Free with probe_judge_free().
 */
struct probe_judge *probe_judge_new(int64_t start_ms, int interval_ms);

/* probe_judge_free - free.  Idempotent on NULL. */
void probe_judge_free(struct probe_judge *j);

/*
 * probe_judge_add - take one probe; probes must come in the order they
 * were sent.  The changes it makes are written into @ev; returns their
 * number (at most PROBE_MAX_EVENTS).
 */
size_t probe_judge_add(struct probe_judge *j, const struct probe_result *r,
                       struct probe_event *ev);

/*
 * probe_judge_next_row - the oldest interval not yet taken that ends at
 * or before @horizon_ms (no probe sent before the horizon is still to
 * come), into @out.  False when there is none.
 */
bool probe_judge_next_row(struct probe_judge *j, int64_t horizon_ms,
                          struct probe_row *out);

/*
 * probe_judge_finish - the run ended at @end_ms: close the period in
 * progress.  Call once, after the last probe_judge_add().
 */
void probe_judge_finish(struct probe_judge *j, int64_t end_ms);

/* probe_judge_summary - the run so far; @out borrows from @j. */
void probe_judge_summary(const struct probe_judge *j,
                         struct probe_summary *out);

/*
 * probe_violations - how many times the invariants were broken: answers
 * without an address plus steps back of the generation.
 */
unsigned long long probe_violations(const struct probe_summary *s);

#endif /* DNSPROBE_JUDGE_H */
