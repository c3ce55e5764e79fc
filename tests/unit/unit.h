/*
 * unit.h - what every Check suite of tests/unit shares.
 */
#ifndef UNIT_H
#define UNIT_H

#include <check.h>

/*
 * unit_run - run @s with normal output and free it.  Returns the exit
 * status for main(): 0 when every test passed.
 */
int unit_run(Suite *s);

#endif /* UNIT_H */
