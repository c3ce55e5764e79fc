/*
 * labels.h - the labels dnsplane's layout puts in a zone (layout.h shows
 * the names built from them), defined once for the enactors, the CLI,
 * the prober and authd's fence.
 */
#ifndef LABELS_H
#define LABELS_H

/* _gen.E: the generation marker, TXT "G". */
#define LABEL_GEN "_gen"
/* g<G>._plan.E: plan G's records of E. */
#define LABEL_PLAN "_plan"
/* _lock.E: the legacy enactors' lock. */
#define LABEL_LOCK "_lock"
/* _failover.E: TXT "backup" while E answers its backup addresses. */
#define LABEL_FAILOVER "_failover"

#endif /* LABELS_H */
