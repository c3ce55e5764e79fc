/*
 * labels.h - the labels dnsplane's layout puts in a zone (layout.h shows
 * the names built from them), defined once for the enactors, the CLI,
 * the prober and authd's fence.
 */
#ifndef LABELS_H
#define LABELS_H

#include <stddef.h>
#include <stdint.h>

/* _gen.E: the generation marker, TXT "G". */
#define LABEL_GEN "_gen"
/* g<G>._plan.E: plan G's records of E. */
#define LABEL_PLAN "_plan"
/* _lock.E: the legacy enactors' lock, TXT "HOLDER EXPIRY-MS". */
#define LABEL_LOCK "_lock"
/*
 * _rollback.E: CNAME to the plan node E was on before its last move
 * (AWS's "rollback record"), written in the same UPDATE as E's CNAME.
 */
#define LABEL_ROLLBACK "_rollback"
/* _failover.E: TXT "backup" while E answers its backup addresses. */
#define LABEL_FAILOVER "_failover"
/*
 * _weight.N: TXT "ADDRESS WEIGHT", one record per address of the A and
 * AAAA records at N, which authd then hands out by weight.
 */
#define LABEL_WEIGHT "_weight"

/*
 * The largest plan generation: 2^53 - 1, a number every JSON reader
 * (the etcd gateway's among them) keeps exactly.  authd reads a marker
 * above it as malformed, so no store is ever asked to issue one, and the
 * planner never needs to.
 */
#define PLAN_GEN_MAX 9007199254740991ULL

/*
 * plan_gen_parse - the generation a marker's text (@n octets at @s, no
 * quotes) holds: 0 and *@gen when it is 1..PLAN_GEN_MAX in plain decimal
 * digits, -1 for anything else (a sign, a space, a zero, a number no plan
 * has).  authd's fence and every reader of markers use this one rule.
 */
static inline int plan_gen_parse(const void *s, size_t n, uint64_t *gen)
{
	const unsigned char *t = s;
	uint64_t v = 0;
	if (n == 0 || n > 16)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (t[i] < '0' || t[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(t[i] - '0');
	}
	if (v == 0 || v > PLAN_GEN_MAX)
		return -1;
	*gen = v;
	return 0;
}

#endif /* LABELS_H */
