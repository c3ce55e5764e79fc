/*
 * updtext.h - UPDATE actions written as words, for the test tools: the
 * vocabulary of dpupdate's command line and of the packet cases.
 *
 *   yxdomain NAME | nxdomain NAME | yxrrset NAME TYPE [RDATA...]
 *   nxrrset NAME TYPE | add NAME TTL TYPE RDATA... | del NAME [TYPE [RDATA...]]
 */
#ifndef UPDTEXT_H
#define UPDTEXT_H

#include <ldns/ldns.h>

/*
 * updtext_action - add the action of the @n words @w to the prerequisite
 * list @pr or the update list @up (the records are theirs).  Returns 0,
 * or -1 when the words are not an action or its record does not parse.
 */
int updtext_action(char **w, int n, ldns_rr_list *pr, ldns_rr_list *up);

#endif /* UPDTEXT_H */
