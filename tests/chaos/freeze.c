/*
 * freeze.c - an LD_PRELOAD library for the chaos suite and
 * tests/e2e/frozen_writer.sh: a process that is about to rename a new
 * file into place in an enactors' report directory (STORE.enactors/:
 * a state file written whole under its temporary name, the lock of the
 * enactor's reports held) while the file named by $CHAOS_FREEZE exists
 * removes that file and stops itself with SIGSTOP there, in the middle
 * of its write.  The trial continues it with SIGCONT, and the rename
 * happens.  Nothing else changes: every rename() goes to the C
 * library's.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*rename_fn)(const char *, const char *);

int rename(const char *from, const char *to)
{
	static rename_fn real;
	if (real == NULL)
		real = (rename_fn)dlsym(RTLD_NEXT, "rename");
	const char *trigger = getenv("CHAOS_FREEZE");
	/* One shot: of threads racing here, one removes the file. */
	if (trigger != NULL && strstr(to, ".enactors/") != NULL &&
	    unlink(trigger) == 0) {
		dprintf(2,
		        "chaos-freeze: stopped in the middle of a report "
		        "write, before renaming %s\n",
		        from);
		/* This thread's own signal: it stops before it returns
		 * (kill() to the process may let it run on a little). */
		raise(SIGSTOP);
		dprintf(2, "chaos-freeze: continued\n");
	}
	return real(from, to);
}
